#include "vgb_fifo.h"

#include <stdlib.h>
#include <string.h>

/* Each frame is a 4-byte length, then the bytes, padded to 8. A length of UINT32_MAX marks the
 * end of the used part of the ring where the next frame did not fit and wrapped to 0. */
#define HDR 8u
#define WRAP UINT32_MAX

static size_t slot(size_t len) { return HDR + ((len + 7u) & ~(size_t)7u); }

int vgb_fifo_init(struct vgb_fifo *q, size_t cap)
{
    memset(q, 0, sizeof *q);
    q->buf = malloc(cap);
    q->cap = cap;
    return q->buf ? 0 : -1;
}

void vgb_fifo_free(struct vgb_fifo *q)
{
    free(q->buf);
    q->buf = NULL;
}

uint8_t *vgb_fifo_reserve(struct vgb_fifo *q, size_t len)
{
    size_t need = slot(len);
    if (q->frames == 0)
        q->head = q->tail = 0;
    if (q->tail >= q->head) {
        /* Used: [head, tail). Free: [tail, cap) and [0, head). One byte short of full keeps
         * head == tail meaning empty. */
        if (q->cap - q->tail >= need + HDR)
            return q->buf + q->tail + HDR;
        if (q->head > need) {
            uint32_t w = WRAP;
            memcpy(q->buf + q->tail, &w, sizeof w);
            q->tail = 0;
            return q->buf + HDR;
        }
    } else if (q->head - q->tail > need) {
        return q->buf + q->tail + HDR;
    }
    q->drops++;
    return NULL;
}

void vgb_fifo_commit(struct vgb_fifo *q, size_t len)
{
    uint32_t l = (uint32_t)len;
    memcpy(q->buf + q->tail, &l, sizeof l);
    q->tail += slot(len);
    q->frames++;
    q->frames_total++;
}

const uint8_t *vgb_fifo_peek(const struct vgb_fifo *q, size_t *len)
{
    if (q->frames == 0)
        return NULL;
    uint32_t l;
    memcpy(&l, q->buf + q->head, sizeof l);
    size_t h = q->head;
    if (l == WRAP) {
        h = 0;
        memcpy(&l, q->buf, sizeof l);
    }
    *len = l;
    return q->buf + h + HDR;
}

void vgb_fifo_pop(struct vgb_fifo *q)
{
    uint32_t l;
    memcpy(&l, q->buf + q->head, sizeof l);
    if (l == WRAP) {
        q->head = 0;
        memcpy(&l, q->buf, sizeof l);
    }
    q->head += slot(l);
    q->frames--;
}

long vgb_fifo_pump(struct vgb_fifo wire[2], vgb_deliver_fn deliver, void *ctx)
{
    long moved = 0;
    for (;;) {
        long round = 0;
        for (int i = 0; i < 2; i++) {
            size_t len;
            const uint8_t *d;
            while ((d = vgb_fifo_peek(&wire[i], &len)) != NULL) {
                deliver(ctx, !i, d, len);
                vgb_fifo_pop(&wire[i]);
                round++;
            }
        }
        if (round == 0)
            return moved;
        moved += round;
    }
}
