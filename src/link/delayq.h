/* A link's delay line: datagrams enter with the instant they may leave and come out in the order
 * they went in, never before that instant. It is bounded in datagrams and in bytes; a datagram
 * that does not fit is dropped and counted, as a router's full queue would. Time is passed in
 * (microseconds, any origin), so the queue runs the same in real and in virtual time. */
#ifndef VG_DELAYQ_H
#define VG_DELAYQ_H

#include <stddef.h>
#include <stdint.h>
#include "vigil/vigil.h"

struct vg_delayq;

/* At most max_packets datagrams and max_bytes bytes held at once (both > 0). NULL: no memory. */
struct vg_delayq *vg_delayq_new(size_t max_packets, size_t max_bytes);
void vg_delayq_free(struct vg_delayq *q);

/* Copies pkt in, to leave at `release`. 0, or -1 when it was dropped (queue full, or no memory).
 * A release earlier than the previous one's is moved up to it: the line never reorders. */
int vg_delayq_push(struct vg_delayq *q, const uint8_t *pkt, size_t len, vg_time release);

/* When the oldest datagram may leave; VG_TIME_NEVER when the queue is empty. */
vg_time vg_delayq_next_release(const struct vg_delayq *q);

/* The oldest datagram if its release time is at or before now: 1 with *pkt and *len set (valid
 * until the next call on q), else 0. */
int vg_delayq_pop(struct vg_delayq *q, vg_time now, const uint8_t **pkt, size_t *len);

size_t vg_delayq_count(const struct vg_delayq *q);
/* Datagrams dropped because the queue was full, since it was made. */
uint64_t vg_delayq_dropped(const struct vg_delayq *q);

#endif
