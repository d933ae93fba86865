/* SACK blocks on our ACKs (RFC 2018 §4) and D-SACK (RFC 2883 §4). The receive queue's islands
 * (rcvq.c) say which octets beyond RCV.NXT are held; this remembers which arrived last, so the
 * first block describes the newest segment's island and the next ones the islands reported
 * most recently before it, and which duplicate, if any, the next ACK reports first. */
#include "tcp/tcb.h"

void sack_rx_note(vg_tcb *t, uint32_t seq)
{
    struct vg_tcb_xfer *x = t->x;     /* there: it holds the islands */
    if (!(t->flags2 & TF2_SACK))
        return;
    uint8_t n = x->nsack_recent < VG_TCP_SACK_MAX ? x->nsack_recent : VG_TCP_SACK_MAX - 1;
    for (uint8_t i = n; i > 0; i--)
        x->sack_recent[i] = x->sack_recent[i - 1];
    x->sack_recent[0] = seq;
    x->nsack_recent = (uint8_t)(n + 1);
}

void sack_rx_dup(vg_tcb *t, uint32_t start, uint32_t end)
{
    if (!(t->flags2 & TF2_SACK) || !SEQ_LT(start, end))
        return;
    struct vg_tcb_xfer *x = tcb_xfer_get(t);
    if (!x)
        return;                       /* a report the peer can do without */
    /* RFC 2883 §4: one duplicate per ACK, the latest. */
    x->dsack_pending = 1;
    x->dsack_start = start;
    x->dsack_end = end;
}

/* The island holding seq, as [*start, *end); 0 when none does (it was delivered, or merged
 * away from the list). */
static int island_of(const vg_tcb *t, uint32_t seq, uint32_t *start, uint32_t *end)
{
    const struct vg_tcb_xfer *x = t->x;
    uint32_t off = seq - t->rcv_nxt;
    if (SEQ_LT(seq, t->rcv_nxt))
        return 0;
    for (uint8_t i = 0; i < x->nooo; i++) {
        if (off >= x->ooo[i].off && off - x->ooo[i].off < x->ooo[i].len) {
            *start = t->rcv_nxt + x->ooo[i].off;
            *end = *start + x->ooo[i].len;
            return 1;
        }
    }
    return 0;
}

static int listed(const struct vg_tcp_opts *o, uint32_t start)
{
    for (uint8_t i = 0; i < o->nsack; i++)
        if (o->sack[i].start == start)
            return 1;
    return 0;
}

static void put_block(struct vg_tcp_opts *o, uint32_t start, uint32_t end)
{
    o->sack[o->nsack].start = start;
    o->sack[o->nsack].end = end;
    o->nsack++;
}

int sack_rx_wanted(const vg_tcb *t)
{
    const struct vg_tcb_xfer *x = t->x;
    return (t->flags2 & TF2_SACK) && x && (x->nooo || x->dsack_pending);
}

void sack_rx_blocks(vg_tcb *t, struct vg_tcp_opts *o, size_t room)
{
    struct vg_tcb_xfer *x = t->x;     /* sack_rx_wanted said so */
    /* NOP, NOP, kind, length, then 8 octets a block. */
    size_t max = room >= 12 ? (room - 4) / 8 : 0;
    if (max > VG_TCP_SACK_MAX)
        max = VG_TCP_SACK_MAX;
    o->nsack = 0;
    if (!max)
        return;
    if (x->dsack_pending) {
        put_block(o, x->dsack_start, x->dsack_end);
        x->dsack_pending = 0;
        tcb_stack(t)->stats.tcp_dsack_sent++;
    }
    uint32_t s, e;
    for (uint8_t i = 0; i < x->nsack_recent && o->nsack < max; i++)
        if (island_of(t, x->sack_recent[i], &s, &e) && !listed(o, s))
            put_block(o, s, e);
    for (uint8_t i = 0; i < x->nooo && o->nsack < max; i++) {
        s = t->rcv_nxt + x->ooo[i].off;
        if (!listed(o, s))
            put_block(o, s, s + x->ooo[i].len);
    }
}
