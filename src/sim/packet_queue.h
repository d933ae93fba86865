/* The packets in flight on the simulated wire, taken out in (delivery time, sequence number)
 * order, so packets due at the same instant leave in the order they were sent.
 *
 * Each sender's packets nearly always arrive in the order sent (its wire serialises them and
 * the latency is constant), so each sender ("lane") has a FIFO that takes every packet not due
 * before the one queued ahead of it: O(1) in and out. Only packets that overtake (a reordered
 * one, a duplicate, a latency change) go into a binary min-heap. The earliest packet is the
 * smallest of the heap's top and the FIFO heads. */
#ifndef VG_PACKET_QUEUE_H
#define VG_PACKET_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "vigil/vigil.h"

struct vg_sim_packet {
    int from, to;               /* host indices */
    uint64_t id;                /* the simnet's number for it, shared by a duplicate (0: none) */
    vg_time sent_at;            /* put on the wire */
    uint32_t len;
    uint8_t data[];
};

struct vg_pq_entry {
    vg_time at;
    uint64_t seq;
    struct vg_sim_packet *pkt;
};

struct vg_pq_fifo {             /* a ring of entries in (at, seq) order */
    struct vg_pq_entry *e;
    size_t head, n, cap;        /* cap is a power of two */
};

struct vg_packet_queue {
    struct vg_pq_entry *heap;
    size_t nheap, capheap;
    struct vg_pq_fifo *lane;
    size_t nlanes;
    size_t count;               /* packets in the heap and every FIFO */
    uint64_t next_seq;
};

struct vg_sim_packet *vg_sim_packet_new(int from, int to, const uint8_t *data, size_t len);

void vg_pq_init(struct vg_packet_queue *q);
/* Frees the queue and every packet still in it. */
void vg_pq_free(struct vg_packet_queue *q);
/* Takes ownership of pkt, sent on lane (>= 0, e.g. the sender's host index); 0, or -1 when out
 * of memory (pkt is then freed). */
int vg_pq_push(struct vg_packet_queue *q, size_t lane, vg_time at, struct vg_sim_packet *pkt);
/* Delivery time of the earliest packet, VG_TIME_NEVER when empty. */
vg_time vg_pq_next_time(const struct vg_packet_queue *q);
/* Removes the earliest packet (NULL when empty); the caller frees it. */
struct vg_sim_packet *vg_pq_pop(struct vg_packet_queue *q, vg_time *at);
static inline size_t vg_pq_count(const struct vg_packet_queue *q) { return q->count; }
/* The i-th packet (0: the first) waiting in lane's FIFO, NULL when it holds fewer: a look ahead
 * in one sender's order (packets that overtook into the heap are not seen). */
static inline const struct vg_sim_packet *vg_pq_lane_at(const struct vg_packet_queue *q,
                                                        size_t lane, size_t i)
{
    if (lane >= q->nlanes || i >= q->lane[lane].n)
        return NULL;
    const struct vg_pq_fifo *f = &q->lane[lane];
    return f->e[(f->head + i) & (f->cap - 1)].pkt;
}

#endif
