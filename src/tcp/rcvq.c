/* The receive queue. In-order bytes sit at the front of the receive ring; out-of-order bytes are
 * written straight into the ring at their offset from RCV.NXT, and a short list of islands
 * remembers which offsets hold data. When the gap before an island fills, the island joins the
 * in-order part without a copy. */
#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"

void rcvq_free(vg_tcb *t)
{
    vg_ring_free(t->stack, &t->rcv);
    free(t->ooo);
    t->ooo = NULL;
    t->nooo = 0;
}

/* Adds [off, off+len) to the island list, merging overlaps. Returns -1 when the list is full. */
static int island_add(vg_tcb *t, uint32_t off, uint32_t len)
{
    if (!t->ooo) {
        t->ooo = vg_alloc(t->stack, VG_OOO_RANGES * sizeof *t->ooo);
        if (!t->ooo)
            return -1;
    }
    uint32_t end = off + len;
    uint8_t i = 0;
    while (i < t->nooo && t->ooo[i].off + t->ooo[i].len < off)
        i++;
    uint8_t j = i;
    while (j < t->nooo && t->ooo[j].off <= end) {
        uint32_t e = t->ooo[j].off + t->ooo[j].len;
        if (t->ooo[j].off < off)
            off = t->ooo[j].off;
        if (e > end)
            end = e;
        j++;
    }
    if (i == j && t->nooo == VG_OOO_RANGES)
        return -1;
    /* Replace islands i..j-1 by one. */
    uint8_t removed = (uint8_t)(j - i);
    if (removed == 0) {
        memmove(&t->ooo[i + 1], &t->ooo[i], (size_t)(t->nooo - i) * sizeof *t->ooo);
        t->nooo++;
    } else if (removed > 1) {
        memmove(&t->ooo[i + 1], &t->ooo[j], (size_t)(t->nooo - j) * sizeof *t->ooo);
        t->nooo = (uint8_t)(t->nooo - removed + 1);
    }
    t->ooo[i].off = off;
    t->ooo[i].len = end - off;
    return 0;
}

uint32_t rcvq_place(vg_tcb *t, uint32_t seq, const uint8_t *data, uint32_t len)
{
    uint32_t ready = vg_ring_len(t->rcv);
    uint32_t off = seq - t->rcv_nxt;           /* bytes ahead of RCV.NXT */
    if (len == 0 || ready + off + len > t->rcvbuf)
        return 0;
    if (off > 0) {
        /* The bytes first, then the island that says they are there: an island recorded for
         * data the ring (or the buffer budget) could not take would later be delivered as
         * whatever the ring held at those offsets. Either failing drops the segment unacked. */
        if (vg_ring_write_at(t->stack, &t->rcv, t->rcvbuf, ready + off, data, len) < 0)
            return 0;
        if (island_add(t, off, len) < 0)
            return 0;                          /* dropped; the sender will resend it */
        t->stack->stats.tcp_ooo_segments++;
        return 0;
    }
    if (vg_ring_write_at(t->stack, &t->rcv, t->rcvbuf, ready, data, len) < 0)
        return 0;
    uint32_t advanced = len;
    /* Absorb the islands the new data reaches, then renumber the rest from the new RCV.NXT. */
    uint8_t k = 0;
    while (k < t->nooo && t->ooo[k].off <= advanced) {
        uint32_t e = t->ooo[k].off + t->ooo[k].len;
        if (e > advanced)
            advanced = e;
        k++;
    }
    if (k) {
        memmove(&t->ooo[0], &t->ooo[k], (size_t)(t->nooo - k) * sizeof *t->ooo);
        t->nooo = (uint8_t)(t->nooo - k);
    }
    for (uint8_t i = 0; i < t->nooo; i++)
        t->ooo[i].off -= advanced;
    if (t->nooo == 0 && t->ooo) {
        free(t->ooo);
        t->ooo = NULL;
    }
    t->rcv->len += advanced;
    return advanced;
}
