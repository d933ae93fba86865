/* The delay line as a ring of heap copies (see delayq.h). The datagram last popped is kept until
 * the next call so the caller can hand it on without copying it again. */
#include "link/delayq.h"

#include <stdlib.h>
#include <string.h>

struct delayq_slot {
    vg_time release;
    size_t len;
    uint8_t *data;
};

struct vg_delayq {
    struct delayq_slot *ring;
    size_t cap, head, count;
    size_t bytes, max_bytes;
    vg_time last_release;
    uint64_t dropped;
    uint8_t *popped;          /* the datagram the last pop returned */
};

struct vg_delayq *vg_delayq_new(size_t max_packets, size_t max_bytes)
{
    if (!max_packets || !max_bytes)
        return NULL;
    struct vg_delayq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(max_packets, sizeof *q->ring);
    if (!q->ring) {
        free(q);
        return NULL;
    }
    q->cap = max_packets;
    q->max_bytes = max_bytes;
    return q;
}

static void release_popped(struct vg_delayq *q)
{
    free(q->popped);
    q->popped = NULL;
}

void vg_delayq_free(struct vg_delayq *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->count; i++)
        free(q->ring[(q->head + i) % q->cap].data);
    release_popped(q);
    free(q->ring);
    free(q);
}

int vg_delayq_push(struct vg_delayq *q, const uint8_t *pkt, size_t len, vg_time release)
{
    release_popped(q);
    if (q->count == q->cap || len > q->max_bytes - q->bytes) {
        q->dropped++;
        return -1;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        q->dropped++;
        return -1;
    }
    memcpy(copy, pkt, len);
    if (q->count && release < q->last_release)
        release = q->last_release;
    q->ring[(q->head + q->count) % q->cap] =
        (struct delayq_slot){.release = release, .len = len, .data = copy};
    q->count++;
    q->bytes += len;
    q->last_release = release;
    return 0;
}

vg_time vg_delayq_next_release(const struct vg_delayq *q)
{
    return q->count ? q->ring[q->head].release : VG_TIME_NEVER;
}

int vg_delayq_pop(struct vg_delayq *q, vg_time now, const uint8_t **pkt, size_t *len)
{
    release_popped(q);
    if (!q->count || q->ring[q->head].release > now)
        return 0;
    struct delayq_slot *s = &q->ring[q->head];
    q->popped = s->data;
    *pkt = s->data;
    *len = s->len;
    q->bytes -= s->len;
    s->data = NULL;
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return 1;
}

size_t vg_delayq_count(const struct vg_delayq *q)
{
    return q->count;
}

uint64_t vg_delayq_dropped(const struct vg_delayq *q)
{
    return q->dropped;
}
