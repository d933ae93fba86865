/* A byte ring buffer, allocated only while it holds data: an idle connection pays nothing for
 * its buffers. Used for the send queue (bytes from SND.UNA on) and the receive queue. It grows in
 * steps (VG_RING_MIN_CAP, doubling up to the cap its caller passes), and the capacity it holds is
 * charged to the stack's buffer budget (cfg.mem_limit) while it exists. */
#ifndef VG_RING_H
#define VG_RING_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/vigil.h"

#define VG_RING_MIN_CAP 4096u      /* first allocation: a few segments */

struct vg_ring {
    uint32_t cap, head, len;
    uint8_t data[];
};

/* Allocates or grows as needed; returns bytes appended (limited by cap, and under the buffer
 * budget by the room the ring already has), 0 when nothing could be taken. */
size_t vg_ring_append(vg_stack *s, struct vg_ring **r, uint32_t cap, const void *src, size_t n);
/* Copies n bytes starting at offset off (off + n <= len) without consuming them. */
void vg_ring_peek(const struct vg_ring *r, uint32_t off, void *dst, size_t n);
/* vg_ring_peek that also sums what it copies (vg_csum_copy), across the ring's wrap: returns sum
 * plus the checksum sum of the n octets as one block starting at an even offset. */
uint32_t vg_ring_peek_csum(const struct vg_ring *r, uint32_t off, void *dst, size_t n, uint32_t sum);
/* Writes n bytes at offset off from the head (off + n <= cap), for out-of-order data placed
 * ahead of len. Allocates or grows as needed; returns 0, or -1 if out of memory or budget. */
int vg_ring_write_at(vg_stack *s, struct vg_ring **r, uint32_t cap, uint32_t off, const void *src,
                     size_t n);
/* Drops n bytes from the head; frees the ring when it becomes empty and free_when_empty. */
void vg_ring_consume(vg_stack *s, struct vg_ring **r, uint32_t n, int free_when_empty);
/* Releases the ring: kept as one of the stack's spares (VG_RING_SPARES) when it is larger than
 * one of them, otherwise freed. */
void vg_ring_free(vg_stack *s, struct vg_ring **r);
/* Frees the stack's spare rings (vg_stack_free). */
void vg_ring_spares_free(vg_stack *s);
static inline uint32_t vg_ring_len(const struct vg_ring *r) { return r ? r->len : 0; }
/* Bytes the ring holds against the budget (0 when not allocated). */
static inline size_t vg_ring_footprint(const struct vg_ring *r)
{
    return r ? sizeof *r + r->cap : 0;
}

#endif
