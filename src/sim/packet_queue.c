#include "sim/packet_queue.h"

#include <stdlib.h>
#include <string.h>

struct vg_sim_packet *vg_sim_packet_new(int from, int to, const uint8_t *data, size_t len)
{
    struct vg_sim_packet *p = malloc(sizeof *p + len);
    if (!p)
        return NULL;
    p->from = from;
    p->to = to;
    p->id = 0;
    p->sent_at = 0;
    p->len = (uint32_t)len;
    if (len)
        memcpy(p->data, data, len);
    return p;
}

void vg_pq_init(struct vg_packet_queue *q) { memset(q, 0, sizeof *q); }

void vg_pq_free(struct vg_packet_queue *q)
{
    for (size_t i = 0; i < q->nheap; i++)
        free(q->heap[i].pkt);
    free(q->heap);
    for (size_t l = 0; l < q->nlanes; l++) {
        struct vg_pq_fifo *f = &q->lane[l];
        for (size_t i = 0; i < f->n; i++)
            free(f->e[(f->head + i) & (f->cap - 1)].pkt);
        free(f->e);
    }
    free(q->lane);
    vg_pq_init(q);
}

static inline int before(const struct vg_pq_entry *a, const struct vg_pq_entry *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static inline struct vg_pq_entry *fifo_head(const struct vg_pq_fifo *f) { return &f->e[f->head]; }
static inline struct vg_pq_entry *fifo_tail(const struct vg_pq_fifo *f)
{
    return &f->e[(f->head + f->n - 1) & (f->cap - 1)];
}

static int fifo_grow(struct vg_pq_fifo *f)
{
    size_t cap = f->cap ? f->cap * 2 : 64;
    struct vg_pq_entry *e = malloc(cap * sizeof *e);
    if (!e)
        return -1;
    for (size_t i = 0; i < f->n; i++)
        e[i] = f->e[(f->head + i) & (f->cap - 1)];
    free(f->e);
    f->e = e;
    f->cap = cap;
    f->head = 0;
    return 0;
}

static int heap_push(struct vg_packet_queue *q, struct vg_pq_entry x)
{
    if (q->nheap == q->capheap) {
        size_t cap = q->capheap ? q->capheap * 2 : 64;
        struct vg_pq_entry *e = realloc(q->heap, cap * sizeof *e);
        if (!e)
            return -1;
        q->heap = e;
        q->capheap = cap;
    }
    size_t i = q->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&x, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = x;
    return 0;
}

/* Floyd's bottom-up deletion: walk the hole at the root down to a leaf along the smaller
 * children (one comparison a level instead of two), then sift the last entry up from there. */
static void heap_pop(struct vg_packet_queue *q)
{
    struct vg_pq_entry last = q->heap[--q->nheap];
    size_t n = q->nheap, i = 0;
    if (!n)
        return;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c]))
            c++;
        q->heap[i] = q->heap[c];
        i = c;
    }
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&last, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = last;
}

int vg_pq_push(struct vg_packet_queue *q, size_t lane, vg_time at, struct vg_sim_packet *pkt)
{
    if (lane >= q->nlanes) {
        struct vg_pq_fifo *l = realloc(q->lane, (lane + 1) * sizeof *l);
        if (!l) {
            free(pkt);
            return -1;
        }
        memset(l + q->nlanes, 0, (lane + 1 - q->nlanes) * sizeof *l);
        q->lane = l;
        q->nlanes = lane + 1;
    }
    struct vg_pq_entry x = {at, q->next_seq++, pkt};
    struct vg_pq_fifo *f = &q->lane[lane];
    int rc;
    if (!f->n || fifo_tail(f)->at <= at) {
        rc = f->n == f->cap ? fifo_grow(f) : 0;
        if (!rc) {
            f->e[(f->head + f->n) & (f->cap - 1)] = x;
            f->n++;
        }
    } else {
        rc = heap_push(q, x);
    }
    if (rc) {
        free(pkt);
        return -1;
    }
    q->count++;
    return 0;
}

/* The lane whose head is earliest, or -1 for the heap's top, or -2 when empty. */
static long earliest(const struct vg_packet_queue *q)
{
    const struct vg_pq_entry *best = q->nheap ? &q->heap[0] : NULL;
    long where = best ? -1 : -2;
    for (size_t l = 0; l < q->nlanes; l++) {
        const struct vg_pq_fifo *f = &q->lane[l];
        if (f->n && (!best || before(fifo_head(f), best))) {
            best = fifo_head(f);
            where = (long)l;
        }
    }
    return where;
}

vg_time vg_pq_next_time(const struct vg_packet_queue *q)
{
    long w = earliest(q);
    if (w == -2)
        return VG_TIME_NEVER;
    return w < 0 ? q->heap[0].at : fifo_head(&q->lane[w])->at;
}

struct vg_sim_packet *vg_pq_pop(struct vg_packet_queue *q, vg_time *at)
{
    long w = earliest(q);
    if (w == -2)
        return NULL;
    struct vg_pq_entry x;
    if (w < 0) {
        x = q->heap[0];
        heap_pop(q);
    } else {
        struct vg_pq_fifo *f = &q->lane[w];
        x = *fifo_head(f);
        f->head = (f->head + 1) & (f->cap - 1);
        f->n--;
    }
    q->count--;
    if (at)
        *at = x.at;
    return x.pkt;
}
