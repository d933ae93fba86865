/* The keep-alive scenarios (src/sim/scenario.h) played in virtual time, with the instants the
 * specification dictates asserted to the microsecond. The link has 1 ms of latency each way, so
 * the client's handshake completes — its last receipt — at 2 ms, and a probe sent at x is
 * answered at x + 2 ms. Every expected instant below is worked out from the rule it tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/scenario.h"
#include "vigil/vigil.h"

#define L VG_MS(1)                      /* one-way latency */
#define CONNECTED (2 * L)               /* the client's SYN-ACK arrives */
#define FAULT VG_MS(60000)              /* the scenarios' default fault instant */
#define VISTA_TIME VG_MS(7200000)       /* A9 */
#define VISTA_INTERVAL VG_MS(1000)      /* A9 */
#define VISTA_COUNT 10u                 /* A10 */

static void run(const struct vg_scn_params *p, struct vg_scn_result *r)
{
    assert_int_equal(vg_scn_run(p, r), 0);
}

static void params(struct vg_scn_params *p, enum vg_scenario s, enum vg_profile prof)
{
    vg_scn_params_default(p, s, prof);
    assert_int_equal(p->latency_us, L);
    assert_int_equal(p->fault_at, FAULT);
}

/* The instant of the n-th (from 0) event of host and type, VG_TIME_NEVER if there are fewer. */
static vg_time nth_time(const struct vg_scn_result *r, int host, int type, size_t n)
{
    size_t from = 0;
    for (;;) {
        const struct vg_scn_event *ev = vg_scn_find(r, host, type, from);
        if (!ev)
            return VG_TIME_NEVER;
        if (n-- == 0)
            return ev->t;
        from = (size_t)(ev - r->events) + 1;
    }
}

/* Asserts probes k = 0..count-1 at last_rx + time + k·interval, numbered k+1 (B3). */
static void assert_probe_train(const struct vg_scn_result *r, size_t first_index, vg_time last_rx,
                               vg_time time, vg_time interval, uint32_t count)
{
    size_t from = 0;
    for (size_t k = 0; k < first_index; k++)
        from = (size_t)(vg_scn_find(r, VG_SCN_CLIENT, VG_EV_PROBE_SENT, from) - r->events) + 1;
    for (uint32_t k = 0; k < count; k++) {
        const struct vg_scn_event *ev = vg_scn_find(r, VG_SCN_CLIENT, VG_EV_PROBE_SENT, from);
        assert_non_null(ev);
        assert_int_equal(ev->t, last_rx + time + k * interval);
        assert_int_equal(ev->arg, k + 1);
        from = (size_t)(ev - r->events) + 1;
    }
}

/* ---- peer-crash */

static void b3_peer_crash_default_vista_aborts_at_last_rx_plus_7210000ms(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_VISTA);
    run(&p, &r);
    assert_int_equal(r.time_ms, 7200000);
    assert_int_equal(r.interval_ms, 1000);
    assert_int_equal(r.count, VISTA_COUNT);
    assert_int_equal(r.connected_at, CONNECTED);
    assert_int_equal(nth_time(&r, VG_SCN_SERVER, VG_SCN_EV_PEER_DOWN, 0), FAULT);
    assert_int_equal(r.last_rx, CONNECTED);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    assert_int_equal(r.outcome_at, VG_MS(7210002));   /* 2 ms + 7,200,000 ms + 10 · 1,000 ms */
    assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_ABORTED, 0), VG_MS(7210002));
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), VISTA_COUNT);
    assert_probe_train(&r, 0, CONNECTED, VISTA_TIME, VISTA_INTERVAL, VISTA_COUNT);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED), 0);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void a13_keepalive_failure_is_netreset_under_windows_profiles(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_VISTA);
    run(&p, &r);
    assert_int_equal(r.error, VG_ERR_NETRESET);
    const struct vg_scn_event *ab = vg_scn_find(&r, VG_SCN_CLIENT, VG_EV_ABORTED, 0);
    const struct vg_scn_event *cl = vg_scn_find(&r, VG_SCN_CLIENT, VG_EV_CLOSED, 0);
    assert_non_null(ab);
    assert_non_null(cl);
    assert_int_equal(ab->err, VG_ERR_NETRESET);
    assert_int_equal(cl->err, VG_ERR_NETRESET);
    assert_int_equal(cl->t, ab->t);
    vg_scn_result_free(&r);
}

static void b7_abort_sends_rst_at_the_abort_instant(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_VISTA);
    run(&p, &r);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_SCN_EV_RST_SENT), 1);
    assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_SCN_EV_RST_SENT, 0), VG_MS(7210002));
    vg_scn_result_free(&r);
}

static void c2_linux_aborts_at_7200s_plus_9_times_75s_with_timedout(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_LINUX);
    run(&p, &r);
    assert_int_equal(r.count, 9);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    assert_int_equal(r.outcome_at, CONNECTED + VG_MS(7200000) + 9 * VG_MS(75000));
    assert_int_equal(r.outcome_at, VG_MS(7875002));
    assert_int_equal(r.error, VG_ERR_TIMEDOUT);
    assert_probe_train(&r, 0, CONNECTED, VG_MS(7200000), VG_MS(75000), 9);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void a10_windows2000_default_count_5(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_2000);
    run(&p, &r);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.outcome_at, CONNECTED + VISTA_TIME + 5 * VISTA_INTERVAL);
    assert_int_equal(r.error, VG_ERR_NETRESET);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 5);
    vg_scn_result_free(&r);
}

static void a10_windows2000_count_zero_never_probes_never_aborts(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_2000);
    p.cfg.sys.tcp_max_data_retransmissions = 0;
    p.cfg.sys.pptp_tcp_max_data_retransmissions = 0;
    p.duration = VG_MS(86400000);   /* a whole day, twelve keep-alive times */
    run(&p, &r);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    assert_int_equal(r.end, VG_MS(86400000));
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 0);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_ABORTED), 0);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void a10_windows2000_count_is_larger_of_the_two_parameters(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_2000);
    p.cfg.sys.tcp_max_data_retransmissions = 2;
    p.cfg.sys.pptp_tcp_max_data_retransmissions = 7;
    p.cfg.sys.keepalive_time_ms = 90000;
    p.cfg.sys.keepalive_interval_ms = 500;
    run(&p, &r);
    assert_int_equal(r.count, 7);
    /* Idle from 2 ms, the crash at 60 s comes before the first probe at 90,002 ms. */
    assert_int_equal(r.outcome_at, CONNECTED + VG_MS(90000) + 7 * VG_MS(500));
    vg_scn_result_free(&r);
}

static void b1_each_answer_restarts_the_idle_time(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_VISTA);
    p.ka_time_ms = 10000;
    p.ka_interval_ms = 2000;
    p.ka_count = 3;
    run(&p, &r);
    /* Until the crash every probe is answered 2 ms after it left, and the next one goes out
     * 10 s after that answer: receipts at 2 + n·10,002 ms. The sixth probe would leave at
     * 60,012 ms, after the crash, so the last receipt is 50,012 ms. */
    for (size_t n = 0; n < 5; n++) {
        vg_time rx = CONNECTED + n * VG_MS(10002);
        assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT, n), rx + VG_MS(10000));
        assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, n), rx + VG_MS(10002));
    }
    assert_int_equal(r.last_rx, VG_MS(50012));
    assert_int_equal(r.last_rx_before_fault, VG_MS(50012));
    assert_probe_train(&r, 5, VG_MS(50012), VG_MS(10000), VG_MS(2000), 3);
    assert_int_equal(r.outcome_at, VG_MS(50012) + VG_MS(10000) + 3 * VG_MS(2000));
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void c6_abort_instant_exact_for_odd_settings(void **state)
{
    (void)state;
    static const struct { uint32_t time, interval, count; } cases[] = {
        {1, 1, 1}, {61000, 7, 255}, {3600000, 333, 4}, {86400000, 60000, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_scn_params p;
        struct vg_scn_result r;
        params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_VISTA);
        p.ka_time_ms = cases[i].time;
        p.ka_interval_ms = cases[i].interval;
        p.ka_count = cases[i].count;
        p.fault_at = CONNECTED;   /* crash as soon as the connection exists */
        run(&p, &r);
        if (cases[i].count == 0) {
            assert_int_equal(r.outcome, VG_SCN_LIVES);
        } else {
            assert_int_equal(r.outcome, VG_SCN_ABORTED);
            assert_int_equal(r.outcome_at, CONNECTED + VG_MS(cases[i].time) +
                                               (vg_time)cases[i].count * VG_MS(cases[i].interval));
            assert_probe_train(&r, 0, CONNECTED, VG_MS(cases[i].time), VG_MS(cases[i].interval),
                               cases[i].count);
        }
        assert_true(vg_scn_as_expected(&r));
        vg_scn_result_free(&r);
    }
}

/* ---- alive */

static void b5_idle_peer_answers_every_probe(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_ALIVE, VG_PROFILE_WINDOWS_VISTA);
    run(&p, &r);
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 3);
    assert_int_equal(vg_scn_count(&r, VG_SCN_SERVER, VG_EV_PEER_PROBE), 3);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED), 3);
    for (size_t n = 0; n < 3; n++) {
        vg_time sent = CONNECTED + VISTA_TIME + n * (VISTA_TIME + 2 * L);
        assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT, n), sent);
        assert_int_equal(nth_time(&r, VG_SCN_SERVER, VG_EV_PEER_PROBE, n), sent + L);
        assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, n), sent + 2 * L);
    }
    assert_int_equal(vg_scn_count(&r, -1, VG_EV_ABORTED), 0);
    assert_int_equal(r.end, CONNECTED + 3 * (VISTA_TIME + 2 * L) + VG_MS(1000));
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void b2_garbage_octet_probes_are_answered_too(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_ALIVE, VG_PROFILE_WINDOWS_VISTA);
    p.cfg.keepalive_garbage_octet = 1;
    p.ka_time_ms = 5000;
    run(&p, &r);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 3);
    assert_int_equal(vg_scn_count(&r, VG_SCN_SERVER, VG_EV_PEER_PROBE), 3);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED), 3);
    assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, 2),
                     CONNECTED + 3 * (VG_MS(5000) + 2 * L));
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    vg_scn_result_free(&r);
}

/* ---- partition */

static void b4_partition_healed_before_the_abort_next_probe_answered(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PARTITION, VG_PROFILE_WINDOWS_VISTA);
    p.heal_after = VG_MS(7205500) - FAULT;   /* heals at 7,205,500 ms: after probe 6 */
    run(&p, &r);
    assert_int_equal(nth_time(&r, VG_SCN_NET, VG_SCN_EV_PARTITION_START, 0), FAULT);
    assert_int_equal(nth_time(&r, VG_SCN_NET, VG_SCN_EV_PARTITION_HEAL, 0), VG_MS(7205500));
    assert_probe_train(&r, 0, CONNECTED, VISTA_TIME, VISTA_INTERVAL, 7);
    /* Probe 7 left at 7,206,002 ms, after the heal: answered 2 ms later, six having been lost. */
    const struct vg_scn_event *ack = vg_scn_find(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, 0);
    assert_non_null(ack);
    assert_int_equal(ack->t, VG_MS(7206004));
    assert_int_equal(ack->arg, 7);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 7);
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_ABORTED), 0);
    assert_true(r.end > VG_MS(7210002));   /* it outlived the instant it would have died */
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void b3_partition_healed_after_the_abort_connection_aborted(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PARTITION, VG_PROFILE_WINDOWS_VISTA);
    p.heal_after = VG_MS(8000000);
    run(&p, &r);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    assert_int_equal(r.outcome_at, VG_MS(7210002));
    assert_int_equal(r.error, VG_ERR_NETRESET);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED), 0);
    assert_int_equal(nth_time(&r, VG_SCN_NET, VG_SCN_EV_PARTITION_HEAL, 0), FAULT + VG_MS(8000000));
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void b3_last_probe_is_the_last_chance(void **state)
{
    (void)state;
    /* Healed exactly as probe 10 leaves (7,209,002 ms): it gets through and is answered. */
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PARTITION, VG_PROFILE_WINDOWS_VISTA);
    p.heal_after = VG_MS(7209002) - FAULT;
    run(&p, &r);
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    const struct vg_scn_event *ack = vg_scn_find(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, 0);
    assert_non_null(ack);
    assert_int_equal(ack->t, VG_MS(7209004));
    assert_int_equal(ack->arg, 10);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);

    /* A microsecond later probe 10 is lost too, and nothing comes before the abort. */
    p.heal_after = VG_MS(7209002) + 1 - FAULT;
    run(&p, &r);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    assert_int_equal(r.outcome_at, VG_MS(7210002));
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void partition_default_heals_halfway_through_the_probes(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PARTITION, VG_PROFILE_WINDOWS_VISTA);
    run(&p, &r);
    /* Halfway: after probe count/2 + 1 = 6 (the half interval avoids a tie with a probe). */
    assert_int_equal(r.recover_at,
                     CONNECTED + VISTA_TIME + 5 * VISTA_INTERVAL + VISTA_INTERVAL / 2);
    assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, 0),
                     CONNECTED + VISTA_TIME + 6 * VISTA_INTERVAL + 2 * L);
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    vg_scn_result_free(&r);
}

/* ---- peer-reboot */

static void peer_reboot_answers_the_probe_with_rst_connection_reset(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_REBOOT, VG_PROFILE_WINDOWS_VISTA);
    run(&p, &r);
    assert_int_equal(nth_time(&r, VG_SCN_SERVER, VG_SCN_EV_PEER_DOWN, 0), FAULT);
    assert_int_equal(nth_time(&r, VG_SCN_SERVER, VG_SCN_EV_PEER_REBOOTED, 0), FAULT + VG_MS(30000));
    /* The first probe (7,200,002 ms) meets a stack with no such connection: RST back. */
    assert_int_equal(nth_time(&r, VG_SCN_SERVER, VG_SCN_EV_RST_SENT, 0), VG_MS(7200003));
    assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_RESET_RECEIVED, 0), VG_MS(7200004));
    assert_int_equal(r.outcome, VG_SCN_RESET);
    assert_int_equal(r.outcome_at, VG_MS(7200004));
    assert_int_equal(r.error, VG_ERR_CONNRESET);
    const struct vg_scn_event *ab = vg_scn_find(&r, VG_SCN_CLIENT, VG_EV_ABORTED, 0);
    assert_non_null(ab);
    assert_int_equal(ab->err, VG_ERR_CONNRESET);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 1);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void peer_reboot_probes_lost_while_down_then_rst(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_REBOOT, VG_PROFILE_WINDOWS_VISTA);
    p.down_for = VG_MS(7205000) - FAULT;   /* back at 7,205,000 ms: probes 1-5 meet no one */
    run(&p, &r);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 6);
    assert_probe_train(&r, 0, CONNECTED, VISTA_TIME, VISTA_INTERVAL, 6);
    assert_int_equal(r.outcome, VG_SCN_RESET);
    assert_int_equal(r.outcome_at, VG_MS(7205002) + 2 * L);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);

    /* Still down when the probes run out: an ordinary keep-alive abort. */
    p.down_for = VG_MS(10000000);
    run(&p, &r);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    assert_int_equal(r.outcome_at, VG_MS(7210002));
    assert_int_equal(r.error, VG_ERR_NETRESET);
    vg_scn_result_free(&r);
}

/* ---- nat-expiry */

static void nat_keepalive_shorter_than_the_timeout_keeps_the_flow(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_NAT_EXPIRY, VG_PROFILE_WINDOWS_VISTA);
    assert_int_equal(p.nat_timeout, VG_MS(300000));
    p.ka_time_ms = 240000;
    run(&p, &r);
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    assert_int_equal(r.nat_forgot_at, VG_TIME_NEVER);
    assert_int_equal(vg_scn_count(&r, -1, VG_SCN_EV_PACKET_DROPPED), 0);
    assert_true(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT) >= 3);
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT),
                     vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED));
    assert_true(r.end >= 2 * VG_MS(300000));   /* well past the NAT's timeout */
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void nat_keepalive_longer_than_the_timeout_loses_the_flow_and_aborts(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_NAT_EXPIRY, VG_PROFILE_WINDOWS_VISTA);
    run(&p, &r);
    /* The last packet through the NAT was the client's handshake ACK, at 2 ms. */
    assert_int_equal(r.nat_forgot_at, CONNECTED + VG_MS(300000));
    assert_int_equal(nth_time(&r, VG_SCN_NAT, VG_SCN_EV_NAT_FORGOT_FLOW, 0), VG_MS(300002));
    /* Every probe, and the final RST, dies in the NAT without a word to anyone. */
    size_t drops = 0;
    for (size_t i = 0; i < r.nevents; i++) {
        const struct vg_scn_event *ev = &r.events[i];
        if (ev->type != VG_SCN_EV_PACKET_DROPPED)
            continue;
        assert_int_equal(ev->host, VG_SCN_NAT);
        assert_int_equal(ev->from, VG_SCN_CLIENT);
        assert_int_equal(ev->reason, VG_SCN_DROP_NAT);
        assert_int_equal(ev->what, drops < VISTA_COUNT ? VG_SCN_SEG_PROBE : VG_SCN_SEG_RST);
        drops++;
    }
    assert_int_equal(drops, VISTA_COUNT + 1);
    assert_int_equal(r.probes_lost, VISTA_COUNT);
    assert_int_equal(vg_scn_count(&r, VG_SCN_SERVER, VG_EV_PEER_PROBE), 0);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    assert_int_equal(r.outcome_at, VG_MS(7210002));
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void nat_forgets_a_flow_idle_for_exactly_its_timeout(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_NAT_EXPIRY, VG_PROFILE_WINDOWS_VISTA);
    p.ka_time_ms = 300000;   /* the first probe comes exactly as the flow times out */
    run(&p, &r);
    assert_int_equal(r.nat_forgot_at, VG_MS(300002));
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED), 0);
    assert_int_equal(r.outcome_at, CONNECTED + VG_MS(300000) + 10 * VISTA_INTERVAL);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);

    /* A millisecond less: the first probe gets through (the flow has been idle 299,999 ms), but
     * its answer, not the probe, is then the last thing the NAT saw, a latency before the client
     * receives it; the second probe finds the flow idle for 299,999 + 1 ms and gone. */
    p.ka_time_ms = 299999;
    run(&p, &r);
    vg_time first_answer = CONNECTED + VG_MS(299999) + 2 * L;
    assert_int_equal(nth_time(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, 0), first_answer);
    assert_int_equal(r.nat_forgot_at, first_answer - L + VG_MS(300000));
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED), 1);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    assert_int_equal(r.outcome_at, first_answer + VG_MS(299999) + 10 * VISTA_INTERVAL);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

/* ---- lossy */

static void b4_lost_probes_are_not_fatal(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_LOSSY, VG_PROFILE_WINDOWS_VISTA);
    assert_true(p.loss > 0);
    p.ka_time_ms = 60000;
    p.seed = 7;
    run(&p, &r);
    assert_false(r.expect_known);
    /* Losses happened (this seed loses plenty), and yet the connection lives. */
    assert_true(r.probes_lost + r.answers_lost >= 2);
    assert_true(r.longest_unanswered >= 2);
    assert_true(r.longest_unanswered < r.count);
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    /* After every answer the next probe is exactly the keep-alive time later (B1), and while
     * unanswered, the probes are exactly an interval apart (B3). */
    const struct vg_scn_event *prev = NULL;
    vg_time last_rx = CONNECTED;
    for (size_t i = 0; i < r.nevents; i++) {
        const struct vg_scn_event *ev = &r.events[i];
        if (ev->host != VG_SCN_CLIENT)
            continue;
        if (ev->type == VG_EV_PROBE_ACKED)
            last_rx = ev->t;
        if (ev->type != VG_EV_PROBE_SENT)
            continue;
        assert_int_equal(ev->t, last_rx + VG_MS(60000) + (ev->arg - 1) * VISTA_INTERVAL);
        assert_int_equal(ev->last_rx, last_rx);
        prev = ev;
    }
    assert_non_null(prev);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void b3_heavy_loss_abort_comes_at_the_exact_instant(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_LOSSY, VG_PROFILE_WINDOWS_VISTA);
    p.loss = 0.9;
    p.ka_time_ms = 60000;
    p.ka_count = 3;
    p.seed = 3;
    run(&p, &r);
    assert_int_equal(r.outcome, VG_SCN_ABORTED);
    /* The last receipt seen by the network is the last answer that got through. */
    vg_time last_ack = CONNECTED;
    for (const struct vg_scn_event *ev = vg_scn_find(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, 0); ev;
         ev = vg_scn_find(&r, VG_SCN_CLIENT, VG_EV_PROBE_ACKED, (size_t)(ev - r.events) + 1))
        last_ack = ev->t;
    assert_int_equal(r.last_rx, last_ack);
    assert_int_equal(r.outcome_at, last_ack + VG_MS(60000) + 3 * VISTA_INTERVAL);
    assert_int_equal(r.error, VG_ERR_NETRESET);
    /* Decided by chance, the run stops a second after the connection ended. */
    assert_int_equal(r.end, r.outcome_at + VG_MS(1000));
    vg_scn_result_free(&r);
}

static int same_events(const struct vg_scn_result *a, const struct vg_scn_result *b)
{
    if (a->nevents != b->nevents)
        return 0;
    for (size_t i = 0; i < a->nevents; i++) {
        const struct vg_scn_event *x = &a->events[i], *y = &b->events[i];
        if (x->t != y->t || x->host != y->host || x->type != y->type || x->err != y->err ||
            x->arg != y->arg || x->last_rx != y->last_rx || x->what != y->what ||
            x->from != y->from || x->reason != y->reason)
            return 0;
    }
    return 1;
}

static void same_seed_replays_the_same_run(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result a, b;
    params(&p, VG_SCN_LOSSY, VG_PROFILE_WINDOWS_VISTA);
    p.ka_time_ms = 30000;
    p.loss = 0.5;
    p.seed = 11;
    run(&p, &a);
    run(&p, &b);
    assert_true(same_events(&a, &b));
    vg_scn_result_free(&b);
    p.seed = 12;
    run(&p, &b);
    assert_false(same_events(&a, &b));
    vg_scn_result_free(&a);
    vg_scn_result_free(&b);
}

static void c6_prediction_holds_across_latencies_and_settings(void **state)
{
    (void)state;
    /* The engine's prediction is the specification's arithmetic; the stack must match it for
     * every scenario, latency and setting, including an interval shorter than the round trip. */
    static const uint32_t latencies_ms[] = {0, 1, 7, 300};
    static const struct { uint32_t time, interval, count; } ka[] = {
        {VG_KA_SYSTEM, VG_KA_SYSTEM, VG_KA_SYSTEM}, {45000, 5, 3}, {290000, 1000, 10},
        {70000, 10000, 1}, {30000, 2000, 0}, {299990, 4000, 3},
    };
    for (int s = 0; s < VG_SCN_COUNT; s++) {
        if (s == VG_SCN_LOSSY)
            continue;
        for (size_t l = 0; l < sizeof latencies_ms / sizeof latencies_ms[0]; l++) {
            for (size_t k = 0; k < sizeof ka / sizeof ka[0]; k++) {
                struct vg_scn_params p;
                struct vg_scn_result r;
                params(&p, (enum vg_scenario)s, VG_PROFILE_WINDOWS_VISTA);
                p.latency_us = (uint32_t)VG_MS(latencies_ms[l]);
                p.ka_time_ms = ka[k].time;
                p.ka_interval_ms = ka[k].interval;
                p.ka_count = ka[k].count;
                run(&p, &r);
                if (!vg_scn_as_expected(&r))
                    fail_msg("%s, latency %u ms, keep-alive %u/%u/%u: %s at %llu, "
                             "expected %s at %llu",
                             vg_scenario_name((enum vg_scenario)s), latencies_ms[l], ka[k].time,
                             ka[k].interval, ka[k].count, vg_scn_outcome_name(r.outcome),
                             (unsigned long long)r.outcome_at, vg_scn_outcome_name(r.expect),
                             (unsigned long long)r.expect_at);
                if (!r.expect_known)
                    fail_msg("%s, latency %u ms, keep-alive %u/%u/%u: not predicted",
                             vg_scenario_name((enum vg_scenario)s), latencies_ms[l], ka[k].time,
                             ka[k].interval, ka[k].count);
                vg_scn_result_free(&r);
            }
        }
    }
}

/* ---- durations */

static void fixed_duration_stops_before_the_prediction(void **state)
{
    (void)state;
    struct vg_scn_params p;
    struct vg_scn_result r;
    params(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_VISTA);
    p.duration = VG_MS(7205000);   /* mid-way through the probes */
    run(&p, &r);
    assert_int_equal(r.end, VG_MS(7205000));
    assert_int_equal(r.outcome, VG_SCN_LIVES);
    assert_int_equal(r.expect, VG_SCN_LIVES);   /* the abort would be later */
    /* Probes at 7,200,002 ... 7,204,002 ms; the sixth would leave at 7,205,002 ms. */
    assert_int_equal(vg_scn_count(&r, VG_SCN_CLIENT, VG_EV_PROBE_SENT), 5);
    assert_true(vg_scn_as_expected(&r));
    vg_scn_result_free(&r);
}

static void events_are_recorded_in_time_order(void **state)
{
    (void)state;
    for (int s = 0; s < VG_SCN_COUNT; s++) {
        struct vg_scn_params p;
        struct vg_scn_result r;
        params(&p, (enum vg_scenario)s, VG_PROFILE_WINDOWS_VISTA);
        run(&p, &r);
        assert_true(r.nevents > 0);
        assert_int_equal(r.events[0].type, VG_EV_CONNECTED);
        for (size_t i = 1; i < r.nevents; i++)
            assert_true(r.events[i - 1].t <= r.events[i].t);
        assert_true(r.events[r.nevents - 1].t <= r.end);
        vg_scn_result_free(&r);
    }
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < VG_SCN_COUNT; s++) {
        enum vg_scenario back;
        assert_int_equal(vg_scenario_parse(vg_scenario_name((enum vg_scenario)s), &back), 0);
        assert_int_equal(back, s);
    }
    enum vg_scenario x;
    assert_int_equal(vg_scenario_parse("peer_crash", &x), -1);
    assert_string_equal(vg_scn_event_name(VG_EV_PROBE_SENT), "probe_sent");
    assert_string_equal(vg_scn_event_name(VG_SCN_EV_NAT_FORGOT_FLOW), "nat_forgot_flow");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(b3_peer_crash_default_vista_aborts_at_last_rx_plus_7210000ms),
        cmocka_unit_test(a13_keepalive_failure_is_netreset_under_windows_profiles),
        cmocka_unit_test(b7_abort_sends_rst_at_the_abort_instant),
        cmocka_unit_test(c2_linux_aborts_at_7200s_plus_9_times_75s_with_timedout),
        cmocka_unit_test(a10_windows2000_default_count_5),
        cmocka_unit_test(a10_windows2000_count_zero_never_probes_never_aborts),
        cmocka_unit_test(a10_windows2000_count_is_larger_of_the_two_parameters),
        cmocka_unit_test(b1_each_answer_restarts_the_idle_time),
        cmocka_unit_test(c6_abort_instant_exact_for_odd_settings),
        cmocka_unit_test(b5_idle_peer_answers_every_probe),
        cmocka_unit_test(b2_garbage_octet_probes_are_answered_too),
        cmocka_unit_test(b4_partition_healed_before_the_abort_next_probe_answered),
        cmocka_unit_test(b3_partition_healed_after_the_abort_connection_aborted),
        cmocka_unit_test(b3_last_probe_is_the_last_chance),
        cmocka_unit_test(partition_default_heals_halfway_through_the_probes),
        cmocka_unit_test(peer_reboot_answers_the_probe_with_rst_connection_reset),
        cmocka_unit_test(peer_reboot_probes_lost_while_down_then_rst),
        cmocka_unit_test(nat_keepalive_shorter_than_the_timeout_keeps_the_flow),
        cmocka_unit_test(nat_keepalive_longer_than_the_timeout_loses_the_flow_and_aborts),
        cmocka_unit_test(nat_forgets_a_flow_idle_for_exactly_its_timeout),
        cmocka_unit_test(b4_lost_probes_are_not_fatal),
        cmocka_unit_test(b3_heavy_loss_abort_comes_at_the_exact_instant),
        cmocka_unit_test(same_seed_replays_the_same_run),
        cmocka_unit_test(c6_prediction_holds_across_latencies_and_settings),
        cmocka_unit_test(fixed_duration_stops_before_the_prediction),
        cmocka_unit_test(events_are_recorded_in_time_order),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
