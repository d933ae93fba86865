/* RFC 7323 timestamps (see tcp_ts.h). */
#include "tcp/tcp_ts.h"

#define TUPLE_TAG_TS 'S'                  /* keeps the offset's hash input apart (tcb.h) */

uint32_t tcp_ts_offset(vg_stack *s, uint32_t laddr, uint32_t raddr)
{
    /* Keyed by what the handles stand for: an IPv6 handle may name another address later. */
    laddr = vg_addr_word(s, laddr);
    raddr = vg_addr_word(s, raddr);
    if (!s->ts_memo_valid || s->ts_memo_laddr != laddr || s->ts_memo_raddr != raddr) {
        s->ts_memo_offset = (uint32_t)tcp_tuple_hash13(s->secret, TUPLE_TAG_TS, laddr, 0, raddr, 0);
        s->ts_memo_laddr = laddr;
        s->ts_memo_raddr = raddr;
        s->ts_memo_valid = 1;
    }
    return s->ts_memo_offset;
}

/* tcp_ts_val_of's slow path, out of line: inlined, the hash made every segment's caller save
 * and restore six registers. */
uint32_t tcp_ts_offset_of(vg_tcb *t)
{
    uint32_t off = tcp_ts_offset(tcb_stack(t), t->laddr, t->raddr);
    if (t->x) {
        t->x->ts_offset = off;
        t->x->ts_offset_set = 1;
    }
    return off;
}

uint32_t tcp_ts_val(vg_stack *s, uint32_t laddr, uint32_t raddr, vg_time now)
{
    return (uint32_t)(now / 1000u) + tcp_ts_offset(s, laddr, raddr);
}

uint32_t tcp_ts_syn_negotiate(vg_tcb *t, const struct vg_tcp_hdr *syn)
{
    if (!syn->opt.has_ts || tcb_stack(t)->cfg.no_timestamps) {
        t->flags2 &= (uint8_t)~TF2_TS;
        return 0;
    }
    t->flags2 |= TF2_TS;
    t->ts_recent = syn->opt.ts_val;
    return VG_TS_OPT_LEN;
}

int tcp_ts_opt_fill(vg_tcb *t, struct vg_tcp_opts *o, uint8_t flags, vg_time now)
{
    if (!tcp_ts_on(t) || (flags & VG_TCP_RST))
        return 0;
    *o = (struct vg_tcp_opts){.has_ts = 1, .ts_val = tcp_ts_val_of(t, now)};
    if (flags & VG_TCP_ACK) {
        o->ts_ecr = t->ts_recent;
        if (t->x)
            t->x->last_ack_sent = t->rcv_nxt;
    }
    return 1;
}

/* TS.Recent is valid unless the connection heard nothing for 24 days (§5.5). The clock is the
 * last segment's arrival (last_rx, which keep-alive keeps anyway), not TS.Recent's own update
 * (Linux's ts_recent_stamp): there is no room for it in the TCB, and on an idle connection the
 * two are the same instant. */
static int recent_valid(vg_time prev_rx, vg_time now)
{
    return now - prev_rx <= VG_PAWS_IDLE_US;
}

int tcp_ts_paws_reject(vg_tcb *t, const struct vg_tcp_hdr *th, vg_time prev_rx, vg_time now)
{
    if (!tcp_ts_on(t))
        return 0;
    if (!th->opt.has_ts) {
        tcb_stack(t)->stats.tcp_ts_missing++;
        return 0;
    }
    /* §5.2-5.3: an RST is not checked against TS.Recent (a reset after a peer's reboot must get
     * through); its sequence number alone decides (RFC 5961). */
    if (th->flags & VG_TCP_RST)
        return 0;
    if (!SEQ_LT(th->opt.ts_val, t->ts_recent) || !recent_valid(prev_rx, now))
        return 0;
    tcb_stack(t)->stats.tcp_paws_drops++;
    return 1;
}

void tcp_ts_recent_update(vg_tcb *t, const struct vg_tcp_hdr *th, size_t dlen, vg_time prev_rx,
                          vg_time now)
{
    if (!tcp_ts_on(t) || !th->opt.has_ts)
        return;
    /* Data about to be taken may leave its ACK owed: the block then remembers that the last
     * ACK sent was for RCV.NXT as it is now, before the data moves it (no block to be had: the
     * ACK goes at once, and RCV.NXT is Last.ACK.sent again). */
    if (dlen && !t->x)
        (void)tcb_xfer_get(t);
    /* Last.ACK.sent: what our last ACK acknowledged. Without a transfer block no ACK is owed,
     * so it is RCV.NXT. Echoing the oldest segment not yet acknowledged makes the peer's RTT
     * include the time our ACK was delayed (§4.3). */
    uint32_t last_ack = t->x ? t->x->last_ack_sent : t->rcv_nxt;
    if (SEQ_GT(th->seq, last_ack))
        return;
    if (SEQ_LT(th->opt.ts_val, t->ts_recent) && recent_valid(prev_rx, now))
        return;
    t->ts_recent = th->opt.ts_val;
}

int tcp_ts_rtt(vg_tcb *t, const struct vg_tcp_hdr *th, vg_time now)
{
    /* TSecr is meaningful only with ACK (§3.2); 0 is what a peer echoes before it has ours. */
    if (!th->opt.has_ts || !th->opt.ts_ecr)
        return 0;
    uint32_t ms = tcp_ts_val_of(t, now) - th->opt.ts_ecr;
    if (ms > VG_TS_RTT_MAX_MS) {
        /* An echo from the future (forged) or from before any segment still in flight. */
        tcb_stack(t)->stats.tcp_ts_bad_ecr++;
        return 0;
    }
    /* A 1 ms clock: a sample under one tick counts as one (RFC 7323 Appendix G). */
    tcp_rtt_sample(t, (vg_time)(ms ? ms : 1u) * 1000u);
    return 1;
}
