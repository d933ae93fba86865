/* SACK-based loss recovery (RFC 6675) with proportional rate reduction (RFC 6937, PRR-SSRB),
 * for connections that negotiated SACK (TF2_SACK); the others keep NewReno (congestion.c).
 *
 * The scoreboard (sack_board.h) is held in the transfer block. DupThresh is 3: a hole is lost
 * when more than 2·MSS octets above it are SACKed, or after 3 duplicate ACKs for the first
 * one. Every octet of a hole sees the same SACKed octets above it, so a hole is lost or not as
 * a whole and pipe is summed hole by hole. Recovery resends the lost holes one MSS at a time
 * from the send ring (NextSeg rule 1), then lets tcp_output send new data (rule 2) and, with
 * none to send, resends what is not yet known lost (rule 3); PRR sets how much per ACK. It ends
 * when SND.UNA reaches the recovery point (SND.MAX at the start), with cwnd = ssthresh.
 *
 * A retransmission timeout clears the scoreboard (RFC 2018 §8, RFC 6675 §5.1's conservative
 * rule): the receiver may have reneged, so everything from SND.UNA goes again as without SACK.
 * A D-SACK of a resent segment (RFC 2883) says the resend was needless: when every resend of a
 * recovery is so reported before the next loss, the window goes back to what it was (as
 * Linux's undo). */
#include <stdlib.h>

#include "tcp/cc.h"
#include "tcp/rack.h"
#include "tcp/sack_board.h"
#include "tcp/tcb.h"

#define DUPTHRESH 3u

static struct vg_sack_board *board_get(vg_tcb *t)
{
    struct vg_tcb_xfer *x = t->x;
    if (!x->sack)
        x->sack = vg_zalloc(tcb_stack(t), sizeof *x->sack);
    return x->sack;
}

/* A first block below the ACK, or inside the second, reports a duplicate (RFC 2883 §4). */
static int is_dsack(const struct vg_tcp_hdr *th, uint8_t i)
{
    const struct vg_sack_block *b = &th->opt.sack[i];
    if (i != 0)
        return 0;
    if (SEQ_LEQ(b->end, th->ack))
        return 1;
    if (th->opt.nsack < 2)
        return 0;
    const struct vg_sack_block *c = &th->opt.sack[1];
    return SEQ_GEQ(b->start, c->start) && SEQ_LEQ(b->end, c->end);
}

/* The window as it was before the recovery: every resend of it was needless. */
static void undo(vg_tcb *t)
{
    struct vg_tcb_xfer *x = t->x;
    if (t->cwnd < x->undo_cwnd)
        t->cwnd = x->undo_cwnd;
    if (t->ssthresh < x->undo_ssthresh)
        t->ssthresh = x->undo_ssthresh;
    x->undo_ok = 0;
    tcb_stack(t)->stats.tcp_dsack_undos++;
}

static void dsack_seen(vg_tcb *t, const struct vg_sack_block *b)
{
    struct vg_tcb_xfer *x = t->x;
    tcb_stack(t)->stats.tcp_dsack_received++;
    rack_on_dsack(t, b->start, b->end);
    /* Only a resend can arrive twice; a D-SACK of one means the original got there too. The
     * last of them usually comes after the recovery ended (the resend trails the original). */
    if (!x || !x->undo_ok || !x->undo_rtx || !SEQ_LT(b->start, x->high_rxt))
        return;
    if (--x->undo_rtx == 0 && !(t->flags & TF_IN_RECOVERY))
        undo(t);
}

uint32_t sack_take_blocks(vg_tcb *t, const struct vg_tcp_hdr *th)
{
    vg_stack *s = tcb_stack(t);
    if (th->opt.sack_bad)
        s->stats.tcp_sack_bad_blocks++;
    uint32_t newly = 0;
    for (uint8_t i = 0; i < th->opt.nsack; i++) {
        const struct vg_sack_block *b = &th->opt.sack[i];
        uint32_t span = b->end - b->start;
        /* Nothing was ever sent that is wider than the peer's largest window, and no block
         * may lie outside what we sent (RFC 2018 §8): forged, or a confused peer. */
        int sane = SEQ_LT(b->start, b->end) && span <= t->max_snd_wnd + t->mss &&
                   SEQ_LEQ(b->end, t->snd_max) &&
                   SEQ_GEQ(b->start, t->snd_una - t->max_snd_wnd);
        if (sane && is_dsack(th, i)) {
            dsack_seen(t, b);
            continue;
        }
        if (!sane || SEQ_LT(b->start, t->snd_una)) {
            s->stats.tcp_sack_bad_blocks++;
            continue;
        }
        if (SEQ_LEQ(b->end, th->ack))
            continue;                 /* reordered: the ACK covers it already */
        if (!t->x)
            continue;                 /* nothing in flight: no block can be right */
        struct vg_sack_board *sb = board_get(t);
        if (!sb)
            continue;                 /* vg_zalloc counted it; recovery works without marks */
        uint32_t start = SEQ_LT(b->start, th->ack) ? th->ack : b->start;
        int32_t n = sack_board_add(sb, start, b->end);
        if (n < 0)
            s->stats.tcp_sack_board_full++;
        else
            newly += (uint32_t)n;
    }
    return newly;
}

/* RFC 6675 IsLost for a hole with above octets SACKed beyond it. */
static int hole_lost(const vg_tcb *t, uint32_t above)
{
    return above > (DUPTHRESH - 1u) * t->mss;
}

/* The hole walk: each gap between SND.UNA, the SACKed ranges and SND.MAX, with the octets
 * SACKed above it. Returns the number of holes written to h (at most VG_SACK_BOARD_RANGES+1). */
struct hole { uint32_t start, end, above; };

static uint8_t holes(const vg_tcb *t, struct hole *h)
{
    const struct vg_sack_board *b = t->x->sack;
    uint32_t above = 0;
    uint8_t n = b ? b->n : 0;
    for (uint8_t i = 0; i < n; i++)
        above += b->r[i].end - b->r[i].start;
    uint32_t seq = t->snd_una;
    uint8_t k = 0;
    for (uint8_t i = 0; i < n; i++) {
        if (SEQ_LT(seq, b->r[i].start))
            h[k++] = (struct hole){seq, b->r[i].start, above};
        above -= b->r[i].end - b->r[i].start;
        if (SEQ_GT(b->r[i].end, seq))
            seq = b->r[i].end;
    }
    if (SEQ_LT(seq, t->snd_max))
        h[k++] = (struct hole){seq, t->snd_max, 0};
    return k;
}

/* RFC 6675 SetPipe: octets not SACKed and not lost, plus those resent (HighRxt). Under RACK
 * the lost octets are those it marked and recovery has not resent yet (a resend takes its
 * octets out of the marked record): what went and is neither SACKed nor marked. */
static uint32_t pipe(const vg_tcb *t, const struct hole *h, uint8_t n)
{
    if (tcb_rack_live(t)) {
        uint32_t out = t->snd_max - t->snd_una;
        uint32_t gone = (t->x->sack ? sack_board_above(t->x->sack, t->snd_una) : 0) +
                        rack_lost_octets(t);
        return out > gone ? out - gone : 0;
    }
    uint32_t p = 0, rxt = t->x->high_rxt;
    for (uint8_t i = 0; i < n; i++) {
        if (!hole_lost(t, h[i].above))
            p += h[i].end - h[i].start;
        if (SEQ_GT(rxt, h[i].start))
            p += (SEQ_LT(rxt, h[i].end) ? rxt : h[i].end) - h[i].start;
    }
    return p;
}

/* NextSeg rule 1 (lost only) or rule 3: the first octet above HighRxt not SACKed, below the
 * highest SACKed one. */
static int next_seg(const vg_tcb *t, const struct hole *h, uint8_t n, int lost_only,
                    uint32_t *seq, uint32_t *len)
{
    uint32_t rxt = t->x->high_rxt;
    for (uint8_t i = 0; i < n; i++) {
        /* Rule 3 too only below the highest SACKed octet (RFC 6675 (1.b)): the data above it
         * is in flight as far as anyone knows. */
        if (!h[i].above || (lost_only && !hole_lost(t, h[i].above)))
            continue;
        uint32_t s = SEQ_GT(rxt, h[i].start) ? rxt : h[i].start;
        if (!SEQ_LT(s, h[i].end))
            continue;
        *seq = s;
        *len = h[i].end - s < t->mss ? h[i].end - s : t->mss;
        return 1;
    }
    return 0;
}

/* RFC 6937 on one ACK that delivered delivered octets: how many may be sent now. */
static uint32_t prr_sndcnt(const vg_tcb *t, uint32_t pipe_now, uint32_t delivered)
{
    const struct vg_tcb_xfer *x = t->x;
    int64_t cnt;
    if (pipe_now > t->ssthresh) {
        uint64_t fs = x->recover_fs ? x->recover_fs : 1;
        cnt = (int64_t)(((uint64_t)x->prr_delivered * t->ssthresh + fs - 1) / fs) - x->prr_out;
    } else {
        /* PRR-SSRB: slow start back up to ssthresh, at most one MSS beyond what arrived. */
        int64_t lim = (int64_t)x->prr_delivered - x->prr_out;
        if (lim < (int64_t)delivered)
            lim = delivered;
        lim += t->mss;
        cnt = (int64_t)t->ssthresh - pipe_now;
        if (cnt > lim)
            cnt = lim;
    }
    if (cnt < 0)
        cnt = 0;
    if (!x->prr_out && cnt < t->mss)
        cnt = t->mss;                 /* the fast retransmit goes whatever the ACK brought */
    return (uint32_t)cnt;
}

static void resend(vg_tcb *t, uint32_t seq, uint32_t len, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    uint32_t n = tcp_resend_range(t, seq, len, now);
    if (!n)
        return;
    if (SEQ_GT(seq + n, x->high_rxt))
        x->high_rxt = seq + n;        /* RACK's resends need not go in sequence order */
    x->prr_out += n;
    tcb_stack(t)->stats.tcp_sack_retransmits++;
    if (x->undo_rtx < UINT16_MAX)
        x->undo_rtx++;
}

/* Sends what PRR allows for an ACK that delivered delivered octets. */
static void recovery_send(vg_tcb *t, uint32_t delivered, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    struct hole h[VG_SACK_BOARD_RANGES + 1];
    /* New data tcp_output sent under the last allowance. */
    if (SEQ_GT(t->snd_max, x->prr_mark))
        x->prr_out += t->snd_max - x->prr_mark;
    x->prr_mark = t->snd_max;
    x->prr_delivered += delivered;
    uint8_t n = holes(t, h);
    uint32_t p = pipe(t, h, n);
    uint32_t budget = prr_sndcnt(t, p, delivered);
    uint32_t seq, len;
    if (tcb_rack_live(t)) {
        /* RACK marked them; rule 3 is its timers' and the probe's job (RFC 8985 §9.3). */
        while (budget && rack_next_lost(t, &seq, &len)) {
            if (len > budget && x->prr_out)
                break;
            resend(t, seq, len, now);
            budget = budget > len ? budget - len : 0;
        }
        t->cwnd = (t->snd_nxt - t->snd_una) + budget;
        return;
    }
    while (budget && next_seg(t, h, n, 1, &seq, &len)) {
        if (len > budget && x->prr_out)
            break;
        resend(t, seq, len, now);
        budget = budget > len ? budget - len : 0;
    }
    uint32_t unsent = SEQ_GT(tcp_data_end(t), t->snd_nxt) ? tcp_data_end(t) - t->snd_nxt : 0;
    uint32_t wnd_room = t->snd_wnd > t->snd_nxt - t->snd_una ? t->snd_wnd - (t->snd_nxt - t->snd_una)
                                                            : 0;
    if (!unsent || wnd_room < (unsent < t->mss ? unsent : t->mss)) {
        /* Rule 3: no new data may go; resend what is not yet known lost. */
        while (budget && next_seg(t, h, n, 0, &seq, &len) && len <= budget) {
            resend(t, seq, len, now);
            budget -= len;
        }
    }
    /* Rule 2 through tcp_output, which the ACK's processing runs next: cwnd is what it
     * compares with the octets from SND.UNA to SND.NXT. */
    t->cwnd = (t->snd_nxt - t->snd_una) + budget;
}

static void enter_recovery(vg_tcb *t, uint32_t delivered, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    vg_stack *s = tcb_stack(t);
    x->undo_cwnd = t->cwnd;
    x->undo_ssthresh = t->ssthresh;
    x->undo_rtx = 0;
    x->undo_ok = 1;
    t->ssthresh = cc_ssthresh_on_loss(t);
    x->recover = t->snd_max;
    x->recover_fs = t->snd_max - t->snd_una;
    x->prr_delivered = 0;
    x->prr_out = 0;
    x->prr_mark = t->snd_max;
    x->high_rxt = t->snd_una;
    t->flags |= TF_IN_RECOVERY;
    t->flags &= (uint16_t)~TF_RTT_TIMING;   /* Karn: what is timed may be resent */
    s->stats.tcp_sack_recoveries++;
    s->stats.tcp_fast_retransmits++;
    /* RFC 6675 §5 step 4.3: the segment at SND.UNA goes at once, lost by the rules or only
     * by the three duplicates (which small segments SACKed above may not make IsLost). */
    struct hole h[VG_SACK_BOARD_RANGES + 1];
    uint8_t n = tcb_rack_live(t) ? 0 : holes(t, h);   /* RACK's first lost one goes below */
    if (n && h[0].start == t->snd_una)
        resend(t, t->snd_una, h[0].end - h[0].start < t->mss ? h[0].end - h[0].start : t->mss,
               now);
    recovery_send(t, delivered, now);
    tcp_arm_rtx(t, now);
}

static void exit_recovery(vg_tcb *t, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    t->flags &= (uint16_t)~TF_IN_RECOVERY;
    x->dupacks = 0;
    t->cwnd = t->ssthresh;            /* RFC 6937: the reduction ends at ssthresh */
    cc_on_recovery_exit(t, now);
    rack_on_recovery_exit(t);
    if (x->undo_ok && x->undo_rtx == 0)
        undo(t);                      /* every resend was D-SACKed already */
}

/* RFC 3042 (RFC 6675 §5 step 3): each of the first two duplicates, a segment that left the
 * network, lets one new segment go, so a small window still collects three duplicates. */
static void limited_transmit(vg_tcb *t, vg_time now)
{
    uint32_t cwnd = t->cwnd;
    uint32_t flight = t->snd_nxt - t->snd_una;
    if (flight < cwnd + 2u * t->mss) {
        t->cwnd = flight + t->mss;
        tcp_output(t, now);
        t->cwnd = cwnd;
    }
}

void sack_on_ack(vg_tcb *t, uint32_t acked, uint32_t newly, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;     /* there: data was in flight */
    int rack = tcb_rack_live(t);
    int rack_lost = rack && rack_on_ack(t, acked, now);   /* before the marks below SND.UNA go */
    if (x->sack)
        sack_board_trim(x->sack, t->snd_una);
    if (t->flags & TF_IN_RECOVERY) {
        if (SEQ_GEQ(t->snd_una, x->recover)) {
            exit_recovery(t, now);
            return;
        }
        recovery_send(t, acked + newly, now);
        return;
    }
    if (acked) {
        x->dupacks = 0;               /* RFC 6675 §5 step 1: a cumulative ACK */
        cc_on_ack(t, acked, now);     /* the window's growth: the algorithm's */
    } else if (newly && x->dupacks < 255) {
        x->dupacks++;
    }
    if (t->snd_una == t->snd_max)
        return;
    int may_enter = x->recover == t->iss || SEQ_GEQ(t->snd_una, x->recover);
    /* RFC 6675 §5 step 4, and no new recovery for losses from before the last one (a
     * timeout's go-back resends, whose duplicates the peer reports). */
    int lost = rack ? rack_lost
                    : x->dupacks >= DUPTHRESH ||
                      (x->sack && hole_lost(t, sack_board_above(x->sack, t->snd_una)) &&
                       !sack_board_holds(x->sack, t->snd_una, t->snd_una + 1));
    if (lost && may_enter)
        enter_recovery(t, acked + newly, now);
    else if (!acked && x->dupacks < DUPTHRESH)
        limited_transmit(t, now);
}

void sack_on_rack_loss(vg_tcb *t, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    if (t->flags & TF_IN_RECOVERY)
        recovery_send(t, 0, now);
    else if (x->recover == t->iss || SEQ_GEQ(t->snd_una, x->recover))
        enter_recovery(t, 0, now);
    tcp_output(t, now);
}

void sack_on_timeout(vg_tcb *t)
{
    struct vg_tcb_xfer *x = t->x;
    rack_on_rto(t);
    if (x->sack)
        x->sack->n = 0;
    x->high_rxt = t->snd_una;
    x->undo_ok = 0;
}
