/* CUBIC (RFC 9438, src/tcp/cc_cubic.c): the window curve W_cubic(t) = C(t-K)^3 + W_max against
 * the RFC's formula, K and W_max after a loss, the beta = 0.7 reduction, fast convergence, the
 * Reno-friendly region at a small RTT*W, the epoch moved across an idle period, and the RTO.
 * The connection is a real one (a raw peer), with a real flight in the transfer block; the
 * tests drive the algorithm's operations with their own ACK clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "rawpeer.h"
#include "tcp/cc.h"
#include "tcp/tcb.h"
#include "testnet.h"

#define PORT 8080
#define MSS 536u
#define FLIGHT_SEGS 120u
#define BIG_FLIGHT_SEGS 300u

/* An established CUBIC connection with segs segments in flight (none acknowledged), so that
 * the window is used (CUBIC grows only a window that is). */
static vg_tcb *with_flight_of(struct rawpeer *rp, uint32_t segs)
{
    struct vg_tcp_opts o = {.has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_cc(t), VG_CC_CUBIC);
    vg_tcp_set_bufsizes(t, segs * MSS, 0);
    t->cwnd = segs * MSS;
    static uint8_t buf[BIG_FLIGHT_SEGS * MSS];
    assert_int_equal(vg_tcp_send(t, buf, segs * MSS, rp->now), (long)(segs * MSS));
    rp_drain(rp);
    assert_non_null(t->x);
    assert_int_equal(t->snd_max - t->snd_una, segs * MSS);
    return t;
}

static vg_tcb *with_flight(struct rawpeer *rp) { return with_flight_of(rp, FLIGHT_SEGS); }

/* A loss from a window of w segments, and avoidance from the reduced window on. */
static void after_a_loss_at(vg_tcb *t, uint32_t w)
{
    t->cwnd = w * MSS;
    t->ssthresh = cc_ssthresh_on_loss(t);
    t->cwnd = t->ssthresh;
}

/* The epoch begins with the first avoidance ACK at `now`, on a path whose RTT is srtt_us. */
static void begin_epoch(vg_tcb *t, uint32_t srtt_us, vg_time now)
{
    t->srtt_us = srtt_us;
    cc_on_ack(t, MSS, now);
}

/* W_cubic in segments from the RFC's formula, t and K in seconds. */
static double formula(double t, double k, double w_max_segs)
{
    return 0.4 * (t - k) * (t - k) * (t - k) + w_max_segs;
}

static void integer_cube_root_is_exact(void **state)
{
    (void)state;
    const uint64_t v[] = {0, 1, 7, 8, 26, 27, 1000, 999999, 1ull << 32, 12345678901234ull,
                          1ull << 63, UINT64_MAX};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint64_t y = cc_icbrt64(v[i]);
        assert_true(y * y * y <= v[i]);
        if (y < 2642245)          /* (y+1)^3 still fits 64 bits */
            assert_true((y + 1) * (y + 1) * (y + 1) > v[i]);
    }
    assert_int_equal(cc_icbrt64(UINT64_MAX), 2642245);
}

static void window_follows_the_rfc_formula(void **state)
{
    (void)state;
    const uint32_t below_segs[] = {3, 30, 300};
    const double ts[] = {0, 0.5, 1, 2, 3.3, 5, 8, 12};
    for (size_t b = 0; b < 3; b++) {
        uint32_t w_max = 1000 * MSS;
        uint32_t k = cc_cubic_k_ticks(below_segs[b] * MSS, MSS);
        double k_s = cbrt(below_segs[b] / 0.4);
        assert_true(fabs(k / 1024.0 - k_s) <= 1.0 / 1024);
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
            uint64_t ticks = (uint64_t)(ts[i] * 1024);
            double want = formula(ticks / 1024.0, k / 1024.0, 1000) * MSS;
            double got = cc_cubic_window(w_max, k, ticks, MSS);
            assert_true(fabs(got - want) <= MSS);
        }
    }
    /* Far below the plateau the curve bottoms out at 0, far above it is capped. */
    assert_int_equal(cc_cubic_window(10 * MSS, 100 * 1024, 0, MSS), 0);
    assert_true(cc_cubic_window(10 * MSS, 0, 1000000ull * 1024, MSS) >= UINT32_MAX / 4);
}

static void a_loss_keeps_seven_tenths_and_remembers_w_max(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight(rp);
    uint32_t w = 100 * MSS;
    t->cwnd = w;
    uint32_t ss = cc_ssthresh_on_loss(t);
    assert_int_equal(ss, w * 7 / 10);                 /* beta = 0.7 */
    assert_int_equal(t->x->cc.w_max, w);
    assert_int_equal(t->x->cc.cwnd_prior, w);
    assert_false(t->x->cc.epoch_on);

    /* The epoch starts with the first avoidance ACK: K = cbrt(W_max (1 - beta) / C) and the
     * plateau W_max. */
    t->ssthresh = ss;
    t->cwnd = ss;
    begin_epoch(t, 100000, rp->now);
    assert_true(t->x->cc.epoch_on);
    assert_int_equal(t->x->cc.origin, w);
    double k_s = cbrt(100 * 0.3 / 0.4);
    assert_true(fabs(t->x->cc.k_ticks / 1024.0 - k_s) <= 2.0 / 1024);
    rp_free(rp);
}

static void fast_convergence_lowers_the_plateau_of_a_shrinking_flow(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight(rp);
    t->cwnd = 100 * MSS;
    (void)cc_ssthresh_on_loss(t);
    assert_int_equal(t->x->cc.w_max, 100 * MSS);
    /* The next loss comes below W_max: another flow is taking its share, so the plateau is
     * W * (1 + beta) / 2, and ssthresh is still W * beta. */
    t->cwnd = 80 * MSS;
    assert_int_equal(cc_ssthresh_on_loss(t), 80 * MSS * 7 / 10);
    assert_int_equal(t->x->cc.w_max, 80 * MSS * 17 / 20);
    assert_int_equal(t->x->cc.cwnd_prior, 80 * MSS);
    /* Above the last W_max: the plateau is the window itself. */
    t->cwnd = 110 * MSS;
    (void)cc_ssthresh_on_loss(t);
    assert_int_equal(t->x->cc.w_max, 110 * MSS);
    /* The window that was not in flight does not count: the flight is what the path held. */
    t->cwnd = 200 * MSS;
    assert_int_equal(cc_ssthresh_on_loss(t), FLIGHT_SEGS * MSS * 7 / 10);
    rp_free(rp);
}

/* Drives ACKs for rtt_us at the window's pace until `until`; returns the time reached. */
static vg_time ack_clock(vg_tcb *t, vg_time now, vg_time until, uint32_t rtt_us)
{
    while (now < until) {
        uint32_t segs = t->cwnd / MSS ? t->cwnd / MSS : 1;
        for (uint32_t i = 0; i < segs && now < until; i++) {
            now += rtt_us / segs;
            cc_on_ack(t, MSS, now);
        }
    }
    return now;
}

static void avoidance_tracks_w_cubic_through_the_plateau(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight_of(rp, BIG_FLIGHT_SEGS);
    after_a_loss_at(t, FLIGHT_SEGS);
    vg_time t0 = rp->now;
    begin_epoch(t, 100000, t0);       /* a long path: the cubic region, not Reno's */
    double k_s = cbrt(FLIGHT_SEGS * 0.3 / 0.4);
    vg_time now = t0;
    const double at[] = {1, 2, 3, 4, 4.5, 5.5, 6.5};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        now = ack_clock(t, now, t0 + (vg_time)(at[i] * 1e6), 100000);
        double want = formula(at[i], k_s, FLIGHT_SEGS);
        double got = (double)t->cwnd / MSS;
        /* The target is one RTT ahead and the window reaches it over that RTT. */
        assert_true(fabs(got - want) <= 2.0);
        assert_true(t->x->cc.w_est < t->cwnd);   /* the cubic region */
    }
    rp_free(rp);
}

static void reno_friendly_region_rules_at_a_small_rtt_times_window(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight(rp);
    after_a_loss_at(t, 20);           /* 14 segments */
    vg_time t0 = rp->now;
    begin_epoch(t, 1000, t0);         /* 1 ms */
    vg_time now = ack_clock(t, t0, t0 + 20000, 1000);   /* 20 round trips */
    uint64_t ticks = ((now - t0) + 1000) * 1024 / 1000000;
    uint32_t cubic = cc_cubic_window(t->x->cc.origin, t->x->cc.k_ticks, ticks, MSS);
    /* Reno's rate: alpha = 9/17 segment per round trip up to cwnd_prior (20 segments, 11 round
     * trips), then 1 (9 more): about 28.7 segments, far above the curve, which is still
     * climbing back to its plateau of 20. */
    assert_true(cubic < 20 * MSS);
    assert_int_equal(t->cwnd, t->x->cc.w_est);
    assert_true(t->cwnd >= 27 * MSS && t->cwnd <= 30 * MSS);
    rp_free(rp);
}

static void an_idle_period_moves_the_epoch_so_the_window_does_not_jump(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight_of(rp, BIG_FLIGHT_SEGS);
    after_a_loss_at(t, FLIGHT_SEGS);
    vg_time t0 = rp->now;
    begin_epoch(t, 100000, t0);
    vg_time now = ack_clock(t, t0, t0 + 1000000, 100000);
    uint32_t before = t->cwnd;
    vg_time epoch = t->x->cc.epoch_start;
    /* The flight empties at `now`; nothing is sent for 60 s; then the application sends. */
    t->x->cc.idle_at = now;
    t->x->cc.idle_on = 1;
    cc_on_tx_start(t, now + 60000000);
    assert_int_equal(t->x->cc.epoch_start, epoch + 60000000);
    assert_false(t->x->cc.idle_on);
    /* One round trip later the window has grown as one round trip of the curve allows, not
     * by the 60 s the curve would have run on (far past W_max: over 1.5 times the window). */
    now += 60000000;
    ack_clock(t, now, now + 100000, 100000);
    assert_true(t->cwnd < before + 3 * MSS);
    assert_true(t->cwnd >= before);
    rp_free(rp);
}

static void a_connection_idle_long_enough_to_give_its_block_back_starts_a_fresh_epoch(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight(rp);
    after_a_loss_at(t, FLIGHT_SEGS);
    /* Everything is acknowledged: the connection is idle and gives its block back. */
    rp_run_for(rp, VG_MS(100));
    rp_send(rp, VG_TCP_ACK, rp->seq, t->snd_max, rp->wnd, NULL, NULL, 0);
    assert_null(t->x);
    uint32_t before = t->cwnd;
    assert_true(before >= t->ssthresh);          /* congestion avoidance */
    /* A minute later the application sends a window's worth, all of it acknowledged at once. */
    rp_run_for(rp, VG_MS(60000));
    static uint8_t buf[FLIGHT_SEGS * MSS];
    uint32_t len = before - before % MSS;
    assert_int_equal(vg_tcp_send(t, buf, len, rp->now), (long)len);
    rp_drain(rp);
    assert_int_equal(t->snd_max - t->snd_una, len);
    rp_run_for(rp, VG_MS(100));
    rp_send(rp, VG_TCP_ACK, rp->seq, t->snd_max, rp->wnd, NULL, NULL, 0);
    /* The curve starts again at the window kept in the TCB (K = 0, plateau = cwnd): a minute
     * of "epoch time" would have allowed half the window at once. */
    assert_true(t->cwnd <= before + MSS);
    assert_true(t->cwnd >= before);
    rp_free(rp);
}

static void a_window_the_flight_does_not_fill_does_not_grow(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight_of(rp, 10);
    t->srtt_us = 10000;
    /* Avoidance with a window four times the flight (the application sends no more). */
    t->ssthresh = 30 * MSS;
    t->cwnd = 40 * MSS;
    vg_time now = ack_clock(t, rp->now, rp->now + 2000000, 10000);
    assert_int_equal(t->cwnd, 40 * MSS);
    /* Slow start too, once the window is twice the flight. */
    t->ssthresh = VG_CC_INITIAL_SSTHRESH;
    t->cwnd = 23 * MSS;            /* over twice the 10 in flight and the 1 acknowledged */
    ack_clock(t, now, now + 200000, 10000);
    assert_int_equal(t->cwnd, 23 * MSS);
    /* A window the flight fills does grow. */
    t->cwnd = 10 * MSS;
    cc_on_ack(t, MSS, now);
    assert_true(t->cwnd > 10 * MSS);
    rp_free(rp);
}

static void a_timeout_leaves_one_segment_and_holds_ssthresh_when_repeated(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = with_flight(rp);
    t->cwnd = 100 * MSS;
    /* The retransmission timer fires (the real one): ssthresh is 0.7 of the window. */
    rp_run_for(rp, (vg_time)t->rto_us + 1000);
    assert_int_equal(t->x->rtx_count, 1);
    assert_int_equal(t->cwnd, t->mss);  /* (black-hole detection may lower the MSS) */
    assert_int_equal(t->ssthresh, 100 * MSS * 7 / 10);
    assert_int_equal(t->x->cc.w_max, 100 * MSS);
    /* A second timeout of the same data leaves ssthresh as it is (RFC 5681 §3.1). */
    rp_run_for(rp, (vg_time)t->rto_us + 1000);
    assert_int_equal(t->x->rtx_count, 2);
    assert_int_equal(t->ssthresh, 100 * MSS * 7 / 10);
    assert_int_equal(t->cwnd, t->mss);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integer_cube_root_is_exact),
        cmocka_unit_test(window_follows_the_rfc_formula),
        cmocka_unit_test(a_loss_keeps_seven_tenths_and_remembers_w_max),
        cmocka_unit_test(fast_convergence_lowers_the_plateau_of_a_shrinking_flow),
        cmocka_unit_test(avoidance_tracks_w_cubic_through_the_plateau),
        cmocka_unit_test(reno_friendly_region_rules_at_a_small_rtt_times_window),
        cmocka_unit_test(an_idle_period_moves_the_epoch_so_the_window_does_not_jump),
        cmocka_unit_test(a_connection_idle_long_enough_to_give_its_block_back_starts_a_fresh_epoch),
        cmocka_unit_test(a_window_the_flight_does_not_fill_does_not_grow),
        cmocka_unit_test(a_timeout_leaves_one_segment_and_holds_ssthresh_when_repeated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
