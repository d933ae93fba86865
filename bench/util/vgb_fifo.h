/* A queue of frames copied into one byte ring: the in-memory link of the benchmarks. Frames are
 * copied in (the sender may reuse its buffer at once, as after a NIC's DMA) and read in place.
 * Knows nothing of vigil or lwIP, so both sides of a benchmark can use it. */
#ifndef VGB_FIFO_H
#define VGB_FIFO_H
#include <stddef.h>
#include <stdint.h>

struct vgb_fifo {
    uint8_t *buf;
    size_t cap, head, tail;     /* bytes; head is where the next frame is read */
    size_t frames;
    uint64_t frames_total, drops;
};
int vgb_fifo_init(struct vgb_fifo *q, size_t cap);
void vgb_fifo_free(struct vgb_fifo *q);
/* A buffer of len bytes at the tail, to fill and then commit; NULL (counted in drops) if full. */
uint8_t *vgb_fifo_reserve(struct vgb_fifo *q, size_t len);
void vgb_fifo_commit(struct vgb_fifo *q, size_t len);
/* The oldest frame (NULL if none) and its length; valid until vgb_fifo_pop. */
const uint8_t *vgb_fifo_peek(const struct vgb_fifo *q, size_t *len);
void vgb_fifo_pop(struct vgb_fifo *q);
/* A frame read from wire[i], for the end at the other side (to = !i); valid during the call. */
typedef void (*vgb_deliver_fn)(void *ctx, int to, const uint8_t *frame, size_t len);
/* Delivers the frames of both directions of a link, wire[0] and wire[1], each in order, until
 * both are empty (a delivery may queue answers); returns how many it delivered. */
long vgb_fifo_pump(struct vgb_fifo wire[2], vgb_deliver_fn deliver, void *ctx);
#endif
