/* CUBIC (RFC 9438), in bytes and integer arithmetic.
 *
 * Time inside an epoch is counted in ticks of 2^-10 s (as Linux's BICTCP_HZ), so that the cube
 * of a distance from K fits 64 bits: W_cubic(t) = C*(t-K)^3 + W_max becomes, in bytes,
 * origin +/- MSS * (2/5) * d^3 / 2^30 for d = |t-K| ticks. Distances are capped at 2^18 ticks
 * (256 s), where the curve is far above any window a 32-bit cwnd can express anyway.
 *
 * The window CUBIC reduces from on a loss is cwnd, or the flight when that is smaller: a cwnd
 * nobody used is no measure of what the path carried. */
#include "tcp/cc.h"
#include "tcp/tcb.h"

#define TICKS_PER_S 1024u
#define MAX_DIST_TICKS (1u << 18)
#define CWND_CAP (UINT32_MAX / 4)
/* beta = 7/10; fast convergence's (1 + beta) / 2 = 17/20; alpha = 3(1 - beta)/(1 + beta) = 9/17. */
#define BETA_NUM 7u
#define BETA_DEN 10u
#define FC_NUM 17u
#define FC_DEN 20u
#define ALPHA_NUM 9u
#define ALPHA_DEN 17u

uint32_t cc_icbrt64(uint64_t v)
{
    /* Digit by digit, three bits at a time (Hacker's Delight's icbrt, widened to 64 bits). */
    uint64_t y = 0;
    for (int s = 63; s >= 0; s -= 3) {
        y <<= 1;
        uint64_t b = 3 * y * (y + 1) + 1;
        if ((v >> s) >= b) {
            v -= b << s;
            y++;
        }
    }
    return (uint32_t)y;
}

uint32_t cc_cubic_k_ticks(uint32_t below_bytes, uint32_t mss)
{
    /* K = cbrt(below / (C * MSS)) s; in ticks cbrt(below * 2.5 * 2^30 / MSS). */
    if (!mss)
        return 0;
    return cc_icbrt64((uint64_t)below_bytes * (5ull << 29) / mss);
}

uint32_t cc_cubic_window(uint32_t origin, uint32_t k_ticks, uint64_t t_ticks, uint32_t mss)
{
    int above = t_ticks >= k_ticks;
    uint64_t d = above ? t_ticks - k_ticks : k_ticks - t_ticks;
    if (d > MAX_DIST_TICKS)
        d = MAX_DIST_TICKS;
    uint64_t q = 2 * d * d * d / 5;             /* C * d^3, in segments * 2^30 */
    uint64_t off = ((q >> 14) * mss) >> 16;      /* bytes */
    if (!above)
        return off >= origin ? 0 : origin - (uint32_t)off;
    uint64_t w = origin + off;
    return w > CWND_CAP ? CWND_CAP : (uint32_t)w;
}

static void epoch_begin(vg_tcb *t, vg_time now)
{
    struct vg_cc_state *c = &t->x->cc;
    c->epoch_on = 1;
    c->epoch_start = now;
    if (t->cwnd < c->w_max) {
        c->k_ticks = cc_cubic_k_ticks(c->w_max - t->cwnd, t->mss);
        c->origin = c->w_max;
    } else {
        c->k_ticks = 0;
        c->origin = t->cwnd;
    }
    c->w_est = t->cwnd;
    c->est_acc = 0;
    c->cubic_acc = 0;
}

/* Out of line: every ACK runs cubic_on_ack's test, few get this far, and inlined here its
 * registers made each of them save and restore five. */
static __attribute__((noinline)) void avoidance(vg_tcb *t, uint32_t acked, vg_time now)
{
    struct vg_cc_state *c = &t->x->cc;
    if (!c->epoch_on)
        epoch_begin(t, now);
    /* §4.2: the target is where the curve will be one RTT from now. */
    uint64_t elapsed = now > c->epoch_start ? now - c->epoch_start : 0;
    uint64_t t_ticks = (elapsed + t->srtt_us) * TICKS_PER_S / 1000000u;
    uint32_t target = cc_cubic_window(c->origin, c->k_ticks, t_ticks, t->mss);

    /* §4.3: Reno's window with alpha, until W_est reaches the window before the last loss
     * (none: from the start), then alpha 1; per ACK alpha * MSS * acked / cwnd. */
    uint64_t alpha = c->w_est >= c->cwnd_prior ? ALPHA_DEN : ALPHA_NUM;
    c->est_acc += (uint64_t)t->mss * acked * alpha;
    uint64_t per = (uint64_t)ALPHA_DEN * t->cwnd;
    if (per) {
        uint64_t inc = c->est_acc / per;
        c->est_acc %= per;
        uint64_t w = c->w_est + inc;
        c->w_est = w > CWND_CAP ? CWND_CAP : (uint32_t)w;
    }
    if (target < c->w_est) {
        /* The Reno-friendly region: CUBIC is at least as fast as Reno would be. */
        if (c->w_est > t->cwnd)
            t->cwnd = c->w_est;
        return;
    }
    /* §4.4-4.5: toward the target by (target - cwnd) / cwnd per segment acknowledged, never
     * more than half the window in one round trip. */
    uint32_t cap = t->cwnd + t->cwnd / 2;
    if (target > cap)
        target = cap;
    if (target <= t->cwnd)
        return;
    c->cubic_acc += (uint64_t)(target - t->cwnd) * acked;
    uint64_t inc = c->cubic_acc / t->cwnd;
    c->cubic_acc %= t->cwnd;
    uint64_t w = t->cwnd + inc;
    t->cwnd = w > CWND_CAP ? CWND_CAP : (uint32_t)w;
}

/* RFC 7661's concern, as Linux's tcp_is_cwnd_limited: a window the receiver's window or the
 * application kept from being filled has shown nothing about the path, so it does not grow.
 * "Filled" is the most that was in flight during the round trip so far (the flight before
 * each ACK): in slow start the window grows while it is under twice that, in avoidance while
 * that came within a few segments of it (what TSO and Nagle leave unsent). */
static int cwnd_limited(vg_tcb *t, uint32_t acked)
{
    struct vg_cc_state *c = &t->x->cc;
    uint32_t used = (t->snd_max - t->snd_una) + acked;
    if (!c->used_round_on) {
        c->used_round_on = 1;
        c->used_round_end = t->snd_max;
        c->used_max = 0;
    }
    if (used > c->used_max)
        c->used_max = used;
    int limited = t->cwnd < t->ssthresh ? t->cwnd < 2ull * c->used_max
                                        : (uint64_t)c->used_max + 3u * t->mss >= t->cwnd;
    /* The ACK that ends a round still counts in it (its data went out in it). */
    if (SEQ_GEQ(t->snd_una, c->used_round_end)) {
        c->used_round_end = t->snd_max;
        c->used_max = 0;
    }
    return limited;
}

static void cubic_on_ack(vg_tcb *t, uint32_t acked, vg_time now)
{
    if (!cwnd_limited(t, acked))
        return;
    if (t->cwnd < t->ssthresh) {
        if (t->ssthresh == VG_CC_INITIAL_SSTHRESH)
            hystart_slow_start(t, acked);
        else
            t->cwnd += acked < t->mss ? acked : t->mss;
        return;
    }
    avoidance(t, acked, now);
}

static uint32_t cubic_ssthresh_on_loss(vg_tcb *t)
{
    struct vg_cc_state *c = &t->x->cc;
    uint32_t flight = t->snd_max - t->snd_una;
    uint32_t w = t->cwnd < flight ? t->cwnd : flight;
    hystart_end(t);
    c->epoch_on = 0;
    /* §4.7 fast convergence: a loss below the last W_max means a flow is taking its share;
     * leave it more room by remembering a lower plateau. */
    if (w < c->w_max)
        c->w_max = (uint32_t)((uint64_t)w * FC_NUM / FC_DEN);
    else
        c->w_max = w;
    c->cwnd_prior = w;
    uint32_t ss = (uint32_t)((uint64_t)w * BETA_NUM / BETA_DEN);
    return ss > 2u * t->mss ? ss : 2u * t->mss;
}

static void cubic_on_recovery_exit(vg_tcb *t, vg_time now)
{
    (void)now;
    t->x->cc.epoch_on = 0;         /* the next epoch starts with the first avoidance ACK */
}

static void cubic_on_timeout(vg_tcb *t, vg_time now)
{
    (void)now;
    /* §4.8: as a loss, and one segment. A second timeout of the same data holds ssthresh
     * (RFC 5681 §3.1's note): the flight it would halve again is the one already counted. */
    if (t->x->rtx_count <= 1)
        t->ssthresh = cubic_ssthresh_on_loss(t);
    else
        t->x->cc.epoch_on = 0;
    t->cwnd = t->mss;
}

static void cubic_on_rtt_sample(vg_tcb *t, uint32_t rtt_us)
{
    /* HyStart++ takes samples only within its rounds, which the first cwnd-limited ACK starts
     * (hystart_slow_start): a short exchange never gets that far. */
    if (t->cwnd < t->ssthresh && t->ssthresh == VG_CC_INITIAL_SSTHRESH && t->x->cc.round_on)
        hystart_on_rtt_sample(t, rtt_us);
}

static void cubic_on_tx_start(vg_tcb *t, vg_time now)
{
    /* §5.8 (Linux's epoch shift): idle time is not growth time, or a connection that paused
     * would find the curve far ahead and burst. */
    struct vg_cc_state *c = &t->x->cc;
    if (!c->epoch_on || now <= c->idle_at)
        return;
    c->epoch_start += now - c->idle_at;
    if (c->epoch_start > now)
        c->epoch_start = now;
}

const struct vg_cc_ops vg_cc_cubic_ops = {
    .name = "cubic",
    .ssthresh_on_loss = cubic_ssthresh_on_loss,
    .on_ack = cubic_on_ack,
    .on_recovery_exit = cubic_on_recovery_exit,
    .on_timeout = cubic_on_timeout,
    .on_rtt_sample = cubic_on_rtt_sample,
    .on_tx_start = cubic_on_tx_start,
};
