/* Receive and send buffers that grow with what the path carries (tcp_autotune.h). */
#include "tcp/tcp_autotune.h"

/* Linux's TCP_INIT_CWND: the first epoch's reference is what an initial window delivers. */
#define INIT_SEGS 10u
/* A send buffer grows in steps of this much, not by every ACK's few octets. */
#define SND_STEP 65536u

static uint64_t budget_room(const vg_stack *s)
{
    return s->cfg.mem_limit > s->stats.mem_bytes ? s->cfg.mem_limit - s->stats.mem_bytes : 0;
}

/* The most a buffer whose ring is r may grow to under the budget: all of it must be backable,
 * or a grown window would be offered (or data accepted) that the memory cannot hold. */
static uint64_t backable(const vg_stack *s, const struct vg_ring *r)
{
    return budget_room(s) + vg_ring_footprint(r);
}

uint32_t tcp_rcvbuf_limit(const vg_tcb *t)
{
    uint32_t max = tcb_stack(t)->cfg.rcvbuf_max;
    return (t->flags2 & TF2_RCVBUF_SET) || max < t->rcvbuf ? t->rcvbuf : max;
}

/* The ceiling once the scale is settled: a peer that offered no scaling sees at most 65535. */
static uint32_t rcvbuf_ceiling(const vg_tcb *t)
{
    uint32_t limit = tcp_rcvbuf_limit(t);
    uint64_t scaled = (uint64_t)65535u << t->rcv_wscale;
    return scaled < limit ? (uint32_t)scaled : limit;
}

/* The round trip an epoch lasts: the smaller of the connection's srtt (a receiver that sends
 * nothing has only its handshake's sample) and the receiver's own estimate, the time one
 * window took to arrive, which can only be longer than the round trip (Linux: rcv_rtt_est). */
static uint32_t epoch_rtt(const vg_tcb *t, const struct vg_tcb_xfer *x)
{
    uint32_t own = x->rcv_rtt_us, srtt = t->srtt_us;
    if (!own)
        return srtt;
    return srtt && srtt < own ? srtt : own;
}

/* Where the application has read up to: everything before the ring's in-order bytes. */
static uint32_t copied_seq(const vg_tcb *t)
{
    return t->rcv_nxt - vg_ring_len(t->rcv);
}

void tcp_autotune_rcv_data(vg_tcb *t, uint32_t len, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    /* Only a connection receiving full segments starts a measurement: a request of a few
     * octets opens no epoch, takes no block and keeps none (asked first: it is the cheaper
     * question, and either answer returns). */
    if (len < t->mss && (!x || x->rcv_epoch_at == VG_TIME_NEVER))
        return;
    if (rcvbuf_ceiling(t) <= t->rcvbuf)
        return;                       /* fixed, unscaled, or grown as far as it may */
    if (!x && !(x = tcb_xfer_get(t)))
        return;
    if (x->rcv_rtt_at == VG_TIME_NEVER || SEQ_GEQ(t->rcv_nxt, x->rcv_rtt_seq)) {
        if (x->rcv_rtt_at != VG_TIME_NEVER) {
            vg_time d = now - x->rcv_rtt_at;
            uint32_t m = d > 60000000u ? 60000000u : (d ? (uint32_t)d : 1u);
            if (!x->rcv_rtt_us || m < x->rcv_rtt_us)
                x->rcv_rtt_us = m;
        }
        x->rcv_rtt_seq = t->rcv_nxt + tcp_rcv_window(t);
        x->rcv_rtt_at = now;
    }
    if (x->rcv_epoch_at == VG_TIME_NEVER) {
        x->rcv_epoch_at = now;
        x->rcv_epoch_seq = copied_seq(t);
    }
    /* The block stays while data keeps coming; two round trips after the last of it the
     * measurement is abandoned and the block can go (tcp_timer.c). */
    uint32_t rtt = epoch_rtt(t, x);
    x->rcv_hold_until = now + 2u * (vg_time)(rtt ? rtt : VG_RTO_MIN_US);
}

static void rcvbuf_grow(vg_tcb *t, uint32_t copied, uint32_t space)
{
    vg_stack *s = tcb_stack(t);
    /* Linux's tcp_rcv_space_adjust: twice what the application took in the last round trip,
     * room for 16 segments more, and twice again the growth seen since the round trip before
     * (a sender in slow start doubles its rate each round trip). */
    uint64_t win = 2ull * copied + 16ull * t->mss;
    win += 2u * (win * (copied - space) / space);
    uint32_t ceiling = rcvbuf_ceiling(t);
    if (win > ceiling)
        win = ceiling;
    if (win <= t->rcvbuf)
        return;
    uint64_t room = backable(s, t->rcv);
    if (win > room) {
        s->stats.tcp_buf_grow_refused++;
        if (room <= t->rcvbuf)
            return;
        win = room;
    }
    t->rcvbuf = (uint32_t)win;
    s->stats.tcp_rcvbuf_grown++;
}

void tcp_autotune_rcv_taken(vg_tcb *t, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    if (!x || x->rcv_epoch_at == VG_TIME_NEVER)
        return;
    uint32_t rtt = epoch_rtt(t, x);
    if (!rtt || now - x->rcv_epoch_at < rtt)
        return;
    uint32_t seq = copied_seq(t);
    uint32_t copied = seq - x->rcv_epoch_seq;
    uint32_t space = x->rcv_space;
    if (!space) {
        space = INIT_SEGS * t->mss;
        if (space > t->rcvbuf)
            space = t->rcvbuf;
    }
    if (copied > space) {
        if (!(t->flags2 & TF2_RCVBUF_SET))
            rcvbuf_grow(t, copied, space);
        x->rcv_space = copied;
    }
    x->rcv_epoch_seq = seq;
    x->rcv_epoch_at = now;
}

void tcp_autotune_snd(vg_tcb *t)
{
    /* Linux's tcp_sndbuf_expand: room for twice the window in flight, so the next window's
     * data is queued while this one is acknowledged. The window is the congestion window as
     * far as the peer's largest offer lets it be used. */
    uint32_t w = t->cwnd < t->max_snd_wnd ? t->cwnd : t->max_snd_wnd;
    uint64_t want = 2ull * w;
    if (want <= t->sndbuf || (t->flags2 & TF2_SNDBUF_SET))
        return;
    vg_stack *s = tcb_stack(t);
    want = (want + SND_STEP - 1) / SND_STEP * SND_STEP;
    if (want > s->cfg.sndbuf_max)
        want = s->cfg.sndbuf_max;
    if (want <= t->sndbuf)
        return;
    uint64_t room = backable(s, t->snd);
    if (want > room) {
        s->stats.tcp_buf_grow_refused++;
        if (room <= t->sndbuf)
            return;
        want = room;
    }
    t->sndbuf = (uint32_t)want;
    s->stats.tcp_sndbuf_grown++;
}

void tcp_autotune_rcv_quiet(vg_tcb *t)
{
    struct vg_tcb_xfer *x = t->x;
    x->rcv_hold_until = VG_TIME_NEVER;
    x->rcv_epoch_at = VG_TIME_NEVER;
    x->rcv_rtt_at = VG_TIME_NEVER;
}
