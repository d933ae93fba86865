/* The packets in flight on the simulated wire: a binary min-heap ordered by (delivery time,
 * sequence number), so packets due at the same instant leave in the order they were sent. */
#ifndef VG_PACKET_QUEUE_H
#define VG_PACKET_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "vigil/vigil.h"

struct vg_sim_packet {
    int from, to;               /* host indices */
    uint32_t len;
    uint8_t data[];
};

struct vg_pq_entry {
    vg_time at;
    uint64_t seq;
    struct vg_sim_packet *pkt;
};

struct vg_packet_queue {
    struct vg_pq_entry *e;
    size_t n, cap;
    uint64_t next_seq;
};

struct vg_sim_packet *vg_sim_packet_new(int from, int to, const uint8_t *data, size_t len);

void vg_pq_init(struct vg_packet_queue *q);
/* Frees the queue and every packet still in it. */
void vg_pq_free(struct vg_packet_queue *q);
/* Takes ownership of pkt; 0, or -1 when out of memory (pkt is then freed). */
int vg_pq_push(struct vg_packet_queue *q, vg_time at, struct vg_sim_packet *pkt);
static inline vg_time vg_pq_next_time(const struct vg_packet_queue *q)
{
    return q->n ? q->e[0].at : VG_TIME_NEVER;
}
/* Removes the earliest packet (NULL when empty); the caller frees it. */
struct vg_sim_packet *vg_pq_pop(struct vg_packet_queue *q, vg_time *at);

#endif
