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
    p->len = (uint32_t)len;
    if (len)
        memcpy(p->data, data, len);
    return p;
}

void vg_pq_init(struct vg_packet_queue *q)
{
    q->e = NULL;
    q->n = q->cap = 0;
    q->next_seq = 0;
}

void vg_pq_free(struct vg_packet_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->e[i].pkt);
    free(q->e);
    vg_pq_init(q);
}

static inline int before(const struct vg_pq_entry *a, const struct vg_pq_entry *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

int vg_pq_push(struct vg_packet_queue *q, vg_time at, struct vg_sim_packet *pkt)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        struct vg_pq_entry *e = realloc(q->e, cap * sizeof *e);
        if (!e) {
            free(pkt);
            return -1;
        }
        q->e = e;
        q->cap = cap;
    }
    struct vg_pq_entry x = {at, q->next_seq++, pkt};
    size_t i = q->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&x, &q->e[parent]))
            break;
        q->e[i] = q->e[parent];
        i = parent;
    }
    q->e[i] = x;
    return 0;
}

struct vg_sim_packet *vg_pq_pop(struct vg_packet_queue *q, vg_time *at)
{
    if (!q->n)
        return NULL;
    struct vg_sim_packet *pkt = q->e[0].pkt;
    if (at)
        *at = q->e[0].at;
    struct vg_pq_entry last = q->e[--q->n];
    size_t i = 0, n = q->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&q->e[c + 1], &q->e[c]))
            c++;
        if (!before(&q->e[c], &last))
            break;
        q->e[i] = q->e[c];
        i = c;
    }
    if (n)
        q->e[i] = last;
    return pkt;
}
