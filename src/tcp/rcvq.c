/* The receive queue. In-order bytes sit at the front of the receive ring; out-of-order bytes are
 * written straight into the ring at their offset from RCV.NXT, and a short list of islands
 * remembers which offsets hold data. When the gap before an island fills, the island joins the
 * in-order part without a copy. */
#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"

void rcvq_free(vg_tcb *t)
{
    vg_ring_free(tcb_stack(t), &t->rcv);
    if (t->x) {
        free(t->x->ooo);
        t->x->ooo = NULL;
        t->x->nooo = 0;
    }
}

/* Adds [off, off+len) to the island list, merging overlaps. Returns -1 when the list is full
 * (counted) or cannot be allocated. */
static int island_add(vg_stack *s, struct vg_tcb_xfer *x, uint32_t off, uint32_t len)
{
    if (!x->ooo) {
        x->ooo = vg_alloc(s, VG_OOO_RANGES * sizeof *x->ooo);
        if (!x->ooo)
            return -1;
    }
    uint32_t end = off + len;
    uint8_t i = 0;
    while (i < x->nooo && x->ooo[i].off + x->ooo[i].len < off)
        i++;
    uint8_t j = i;
    while (j < x->nooo && x->ooo[j].off <= end) {
        uint32_t e = x->ooo[j].off + x->ooo[j].len;
        if (x->ooo[j].off < off)
            off = x->ooo[j].off;
        if (e > end)
            end = e;
        j++;
    }
    if (i == j && x->nooo == VG_OOO_RANGES) {
        s->stats.tcp_ooo_full++;
        return -1;
    }
    /* Replace islands i..j-1 by one. */
    uint8_t removed = (uint8_t)(j - i);
    if (removed == 0) {
        memmove(&x->ooo[i + 1], &x->ooo[i], (size_t)(x->nooo - i) * sizeof *x->ooo);
        x->nooo++;
    } else if (removed > 1) {
        memmove(&x->ooo[i + 1], &x->ooo[j], (size_t)(x->nooo - j) * sizeof *x->ooo);
        x->nooo = (uint8_t)(x->nooo - removed + 1);
    }
    x->ooo[i].off = off;
    x->ooo[i].len = end - off;
    return 0;
}

/* 1 when an island already holds every octet of [off, off+len). */
static int island_held(const struct vg_tcb_xfer *x, uint32_t off, uint32_t len)
{
    for (uint8_t i = 0; i < x->nooo; i++)
        if (off >= x->ooo[i].off && off - x->ooo[i].off + len <= x->ooo[i].len)
            return 1;
    return 0;
}

uint32_t rcvq_place(vg_tcb *t, uint32_t seq, const uint8_t *data, uint32_t len)
{
    uint32_t ready = vg_ring_len(t->rcv);
    uint32_t off = seq - t->rcv_nxt;           /* bytes ahead of RCV.NXT */
    if (len == 0 || ready + off + len > t->rcvbuf)
        return 0;
    vg_stack *s = tcb_stack(t);
    if (off > 0) {
        /* The islands are per-transfer state: with no block to hold them the segment is
         * dropped unacknowledged, and the peer resends it. */
        struct vg_tcb_xfer *x = tcb_xfer_get(t);
        if (!x) {
            s->stats.tcp_xfer_rx_drops++;
            return 0;
        }
        /* The bytes first, then the island that says they are there: an island recorded for
         * data the ring (or the buffer budget) could not take would later be delivered as
         * whatever the ring held at those offsets. Either failing drops the segment unacked. */
        if (island_held(x, off, len)) {
            sack_rx_dup(t, seq, seq + len);    /* RFC 2883: a duplicate of data we hold */
            sack_rx_note(t, seq);              /* and its island next (RFC 2883 §4.1.2) */
            return 0;
        }
        if (vg_ring_write_at(s, &t->rcv, t->rcvbuf, ready + off, data, len) < 0)
            return 0;
        if (island_add(s, x, off, len) < 0)
            return 0;                          /* dropped; the sender will resend it */
        sack_rx_note(t, seq);
        s->stats.tcp_ooo_segments++;
        return 0;
    }
    if (vg_ring_write_at(s, &t->rcv, t->rcvbuf, ready, data, len) < 0)
        return 0;
    uint32_t advanced = len;
    struct vg_tcb_xfer *x = t->x;
    if (x && x->nooo) {
        /* Absorb the islands the new data reaches, then renumber the rest from the new RCV.NXT. */
        uint8_t k = 0;
        while (k < x->nooo && x->ooo[k].off <= advanced) {
            uint32_t e = x->ooo[k].off + x->ooo[k].len;
            if (e > advanced)
                advanced = e;
            k++;
        }
        if (k) {
            memmove(&x->ooo[0], &x->ooo[k], (size_t)(x->nooo - k) * sizeof *x->ooo);
            x->nooo = (uint8_t)(x->nooo - k);
        }
        for (uint8_t i = 0; i < x->nooo; i++)
            x->ooo[i].off -= advanced;
        if (x->nooo == 0) {
            free(x->ooo);
            x->ooo = NULL;
        }
    }
    t->rcv->len += advanced;
    return advanced;
}
