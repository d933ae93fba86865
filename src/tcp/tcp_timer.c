/* The TCB's single timer entry. A TCB keeps several deadlines (retransmission, persist, delayed
 * ACK, TIME_WAIT, keep-alive, TCP_MAXRT) but arms one wheel entry: the earliest. A deadline that
 * moves later costs nothing — the entry fires early, finds nothing due and re-arms — so the
 * receive path, which only ever postpones keep-alive, never touches the wheel (spec C5). */
#include <stddef.h>

#include "tcp/tcb.h"
#include "tcp/tcp_autotune.h"
#include "tcp/tcp_icmp.h"

#define MIN_T(a, b) ((a) < (b) ? (a) : (b))

static uint32_t max_retransmissions(const vg_tcb *t)
{
    const vg_stack *s = tcb_stack(t);
    if (s->cfg.max_retransmissions)
        return s->cfg.max_retransmissions;
    uint32_t n = s->cfg.sys.tcp_max_data_retransmissions;
    return n ? n : 5;
}

static inline vg_time maxrt_deadline(const vg_tcb *t)
{
    if (t->maxrt_ms == VG_MAXRT_DEFAULT || t->maxrt_ms == VG_MAXRT_FOREVER)
        return VG_TIME_NEVER;
    const struct vg_tcb_xfer *x = t->x;
    if (!x || t->snd_una == t->snd_max || !tcp_synchronized(t))
        return VG_TIME_NEVER;         /* nothing unacknowledged (which holds a block) */
    if (x->persist_at != VG_TIME_NEVER && !x->persist_probes)
        return VG_TIME_NEVER;         /* persisting, and the last probe was answered */
    return x->unacked_since + VG_MS(t->maxrt_ms);
}

static inline vg_time next_deadline(const vg_tcb *t)
{
    vg_time d = t->close_at;
    const struct vg_tcb_xfer *x = t->x;
    if (x) {
        d = MIN_T(d, x->rtx_at);
        d = MIN_T(d, x->persist_at);
        d = MIN_T(d, x->delack_at);
        d = MIN_T(d, x->rcv_hold_until);
        if (x->rack) {
            d = MIN_T(d, x->rack->reo_at);
            d = MIN_T(d, x->rack->pto_at);
        }
    }
    if (t->flags & TF_KEEPALIVE)      /* ka_deadline's own first test, without the call */
        d = MIN_T(d, ka_deadline(t));
    return MIN_T(d, maxrt_deadline(t));
}

/* The TCB a wheel or FIFO entry belongs to (its one timer). */
static vg_tcb *timer_owner(const struct vg_timer *tm)
{
    return (vg_tcb *)((uintptr_t)tm - offsetof(vg_tcb, timer));
}

static int on_fifo(const vg_tcb *t)
{
    return vg_timer_kind(&t->timer) == VG_TIMER_TCB_2MSL;
}

void tcp_timer_cancel(vg_tcb *t)
{
    vg_stack *s = tcb_stack(t);
    if (!vg_timer_armed(&t->timer))
        return;
    if (on_fifo(t)) {
        vg_fifo_remove(&s->time_wait, &t->timer);
        vg_timer_set_kind(&t->timer, VG_TIMER_TCB);
    } else {
        vg_wheel_cancel(&s->wheel, &t->timer);
    }
    s->stats.timer_cancels++;
}

/* Every TIME_WAIT lasts the same 2·MSL from the instant it starts (or restarts, on a FIN again),
 * so the TIME_WAIT FIFO holds them in expiry order; a deadline that would break the order (an
 * earlier one pending, a changed MSL) goes on the wheel instead. Returns 1 when t's timer waits
 * on the FIFO for d. */
static int time_wait_fifo(vg_tcb *t, vg_time d)
{
    if (t->state != VG_TCP_TIME_WAIT || d != t->close_at)
        return 0;
    if (on_fifo(t) && t->timer.expires <= d)
        return 1;                     /* restarted: it fires early, finds d ahead and comes back */
    vg_stack *s = tcb_stack(t);
    if (!vg_fifo_accepts(&s->time_wait, d))
        return 0;
    /* An entry for an earlier deadline (a stale retransmission timer from FIN_WAIT_1) would fire
     * only to find nothing due: cheaper to move it now than to pop it later. */
    tcp_timer_cancel(t);
    vg_timer_set_kind(&t->timer, VG_TIMER_TCB_2MSL);
    vg_fifo_push(&s->time_wait, &t->timer, d);
    s->stats.timer_arms++;
    return 1;
}

/* The wheel's question on the way down (vg_wheel_set_due). Only for an idle connection: with a
 * transfer block the early firing also gives the block back (tcp_timer_update), so it stays. */
uint64_t vg_tcp_timer_due(const struct vg_timer *tm)
{
    const vg_tcb *t = timer_owner(tm);
    return t->x ? tm->expires : next_deadline(t);
}

void tcp_timer_update(vg_tcb *t, vg_time now)
{
    (void)now;
    tcb_xfer_put_if_idle(t);          /* the transfer is over: an idle connection holds no block */
    vg_time d = next_deadline(t);
    if (d == VG_TIME_NEVER)
        return;                       /* a stale entry, if any, fires once and finds nothing */
    if (time_wait_fifo(t, d))
        return;
    if (vg_timer_armed(&t->timer) && t->timer.expires <= d)
        return;
    if (on_fifo(t))
        tcp_timer_cancel(t);          /* an earlier deadline than the FIFO's order allows */
    vg_wheel_arm(&tcb_stack(t)->wheel, &t->timer, d);
    tcb_stack(t)->stats.timer_arms++;
}

void tcp_arm_rtx(vg_tcb *t, vg_time now)
{
    if (t->x)                         /* always there: something is in flight */
        t->x->rtx_at = now + t->rto_us;
}

void tcp_rtt_sample(vg_tcb *t, vg_time rtt)
{
    /* RFC 6298 §2.2-2.3, in microseconds. */
    uint32_t r = rtt > 60000000u ? 60000000u : (uint32_t)rtt;
    if (!r)
        r = 1;
    rack_rtt_sample(t, r);
    if (!t->srtt_us) {
        t->srtt_us = r;
        t->rttvar_us = r / 2;
    } else {
        uint32_t diff = t->srtt_us > r ? t->srtt_us - r : r - t->srtt_us;
        t->rttvar_us = (3 * t->rttvar_us + diff) / 4;
        t->srtt_us = (7 * t->srtt_us + r) / 8;
    }
    uint64_t rto = (uint64_t)t->srtt_us + 4u * (uint64_t)t->rttvar_us;
    if (rto < VG_RTO_MIN_US)
        rto = VG_RTO_MIN_US;
    if (rto > VG_RTO_MAX_US)
        rto = VG_RTO_MAX_US;
    t->rto_us = (uint32_t)rto;
    /* Last, as a tail call (the algorithm reads the sample, not the estimates above): first,
     * every sample saved and restored registers around it. */
    cc_on_rtt_sample(t, r);
}

/* Unacknowledged data waited too long: tell the peer (if it ever got our SYN) and drop. */
static void abort_timed_out(vg_tcb *t, vg_time now)
{
    tcb_stack(t)->stats.tcp_timeouts++;
    if (tcp_synchronized(t))
        tcp_send_rst_for(t, now);
    tcb_drop(t, tcp_icmp_timeout_error(t), now);
}

/* Returns 1 when the connection was dropped (t may be freed). */
static int rtx_timeout(vg_tcb *t, struct vg_tcb_xfer *x, vg_time now)
{
    x->rtx_at = VG_TIME_NEVER;
    if (t->snd_una == t->snd_max && t->state != VG_TCP_SYN_SENT && t->state != VG_TCP_SYN_RECEIVED)
        return 0;
    /* TCP_MAXRT's time limit (maxrt_deadline) covers synchronised connections only, so a SYN or
     * SYN-ACK is always limited by count, or a silent peer would hold the TCB for ever (found by
     * fuzz_stack; Linux counts tcp_syn_retries whatever TCP_USER_TIMEOUT says). */
    int limited = t->maxrt_ms == VG_MAXRT_DEFAULT || !tcp_synchronized(t);
    if (limited && x->rtx_count >= max_retransmissions(t)) {
        abort_timed_out(t, now);
        return 1;
    }
    tcb_stack(t)->stats.tcp_rtos++;
    if (x->rtx_count < 255)
        x->rtx_count++;
    /* RFC 6298 §5.5-5.7: back off, and Karn: no RTT sample from a retransmitted segment. */
    t->rto_us = t->rto_us * 2 > VG_RTO_MAX_US ? VG_RTO_MAX_US : t->rto_us * 2;
    t->flags &= (uint16_t)~TF_RTT_TIMING;
    tcp_mtu_blackhole_on_rto(t);
    if (tcp_synchronized(t)) {
        if (t->flags2 & TF2_SACK)
            sack_on_timeout(t);
        cc_on_timeout(t, now);
        t->snd_nxt = t->snd_una;     /* go back: resend from the first unacknowledged byte */
        tcp_retransmit_first(t, now);
        uint32_t end = tcp_data_end(t);
        uint32_t len = SEQ_GT(end, t->snd_una) ? end - t->snd_una : 0;
        t->snd_nxt = t->snd_una + (len < t->mss ? len : t->mss);
        if ((t->flags & TF_FIN_SENT) && t->snd_nxt == end)
            t->snd_nxt++;
        if (SEQ_GT(t->snd_nxt, t->snd_max))
            t->snd_nxt = t->snd_max;  /* what the window kept back was not sent */
    } else {
        tcp_retransmit_first(t, now);
    }
    tcp_arm_rtx(t, now);
    return 0;
}

/* RFC 1122 §4.2.2.17 lets a receiver keep its window closed indefinitely while it answers the
 * probes — not a peer that went silent behind a zero window, nor one holding an orphan: after
 * the data retransmission limit of probes unanswered (any for an orphan) the connection ends.
 * Under TCP_MAXRT the time limit governs instead (maxrt_deadline), as it does retransmission. */
static int persist_gives_up(const vg_tcb *t, const struct vg_tcb_xfer *x)
{
    if (x->persist_probes < max_retransmissions(t))
        return 0;
    return t->maxrt_ms == VG_MAXRT_DEFAULT || t->orphaned;
}

/* Returns 1 when the connection was dropped (t may be freed). */
static int persist_timeout(vg_tcb *t, struct vg_tcb_xfer *x, vg_time now)
{
    x->persist_at = VG_TIME_NEVER;
    uint32_t end = tcp_data_end(t);
    if (!tcp_synchronized(t) || !SEQ_GT(end, t->snd_una) || t->snd_wnd != 0 ||
        SEQ_GT(t->snd_max, t->snd_una + 1))
        return 0;
    if (persist_gives_up(t, x)) {
        tcb_stack(t)->stats.tcp_persist_timeouts++;
        abort_timed_out(t, now);
        return 1;
    }
    if (!x->persist_probes)
        x->unacked_since = now;       /* TCP_MAXRT: the peer has this long to answer */
    /* A zero-window probe carries one new octet at SND.UNA (RFC 9293 §3.8.6.1), so it can never
     * be mistaken for a keep-alive probe, which sits at SND.NXT-1. */
    uint8_t octet;
    vg_ring_peek(t->snd, 0, &octet, 1);
    tcp_send_segment(t, t->snd_una, VG_TCP_ACK, &octet, 1, now);
    if (SEQ_GT(t->snd_una + 1, t->snd_max))
        t->snd_max = t->snd_una + 1;  /* so the peer's ACK of the octet is acceptable */
    tcb_stack(t)->stats.zwp_sent++;
    vg_stack_emit(tcb_stack(t), VG_EV_ZWP_SENT, t, now, 0, 0);
    if (x->persist_probes < UINT8_MAX)
        x->persist_probes++;
    if (x->persist_shift < 8)
        x->persist_shift++;
    vg_time base = t->rto_us < VG_RTO_MIN_US ? VG_RTO_MIN_US : t->rto_us;
    vg_time wait = base << x->persist_shift;
    if (wait > VG_RTO_MAX_US)
        wait = VG_RTO_MAX_US;
    x->persist_at = now + wait;
    return 0;
}

static void close_timeout(vg_tcb *t, vg_time now)
{
    t->close_at = VG_TIME_NEVER;
    /* TIME_WAIT's 2·MSL is over, or an orphaned FIN_WAIT_2 waited cfg.orphan_timeout_ms for a
     * FIN (Linux tcp_fin_timeout): it goes quietly, as Linux's does. */
    int orphan_fin_wait_2 = t->state == VG_TCP_FIN_WAIT_2;
    if (orphan_fin_wait_2)
        tcb_stack(t)->stats.tcp_orphan_timeouts++;
    tcb_drop(t, orphan_fin_wait_2 ? VG_ERR_TIMEDOUT : 0, now);
}

void vg_tcp_timer_fire(vg_stack *s, struct vg_timer *tm, vg_time now)
{
    vg_tcb *t = timer_owner(tm);
    (void)s;
    if (t->close_at <= now) {
        close_timeout(t, now);
        return;                       /* t may be gone */
    }
    if (maxrt_deadline(t) <= now) {
        if (t->x->persist_at != VG_TIME_NEVER)
            tcb_stack(t)->stats.tcp_persist_timeouts++;   /* the zero window outlasted TCP_MAXRT */
        abort_timed_out(t, now);      /* C7: TCP_MAXRT */
        return;
    }
    /* An idle connection (a keep-alive probe's) has no transfer deadlines to check. Neither
     * handler gives the block back: only tcp_timer_update does, below. */
    struct vg_tcb_xfer *x = t->x;
    if (x) {
        /* RACK's timers first: a probe due with the timeout goes instead of it (RFC 8985 §7.2),
         * re-arming the timeout. */
        if (x->rack && (x->rack->reo_at <= now || x->rack->pto_at <= now) &&
            rack_timer_fire(t, now))
            sack_on_rack_loss(t, now);
        if (x->rtx_at <= now && rtx_timeout(t, x, now))
            return;                   /* dropped, and possibly freed */
        if (x->persist_at <= now && persist_timeout(t, x, now))
            return;                   /* gave up, and possibly freed */
        if (x->delack_at <= now) {
            x->delack_at = VG_TIME_NEVER;
            tcp_send_ack(t, now);
        }
        if (x->rcv_hold_until <= now)
            tcp_autotune_rcv_quiet(t);   /* data stopped: the measurement lets the block go */
    }
    if (ka_deadline(t) <= now && ka_fire(t, now))
        return;
    tcp_timer_update(t, now);
}
