/* The keep-alive engine against the specification (../shared/spec/keepalive.md), in virtual
 * time: each test is named after the rule it checks. A client (host 0) keeps a connection to
 * a server (host 1) over an ideal 1 ms link; the server "dies" by going down silently. Every
 * test runs twice, over IPv4 and over IPv6 (the groups "ipv4" and "ipv6"), with the same
 * expected instants: keep-alive does not depend on the address family. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "testnet.h"
#include "wire/wire.h"

#define PORT 7000

struct ka_settings {
    uint32_t time_ms, intvl_ms, count;   /* VG_KA_SYSTEM: leave the system value */
    int on;
};

struct fixture {
    struct tn_pair *p;
    vg_tcb *l, *c, *s;
    /* Segments seen on the wire, client to server (filled by the filter). */
    struct seen {
        vg_time t;
        uint32_t seq, ack;
        uint8_t flags;
        size_t dlen;
    } seen[4096];
    size_t nseen;
    uint32_t drop_probes;        /* drop this many client probes (B4) */
    uint32_t idle_seq;           /* the client's SND.NXT while idle */
};

static int filter(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    struct fixture *f = ctx;
    (void)to;
    struct vg_tcp_hdr th;
    const uint8_t *data;
    size_t dlen;
    int family;
    if (from != 0 || !tn_parse_tcp(pkt, len, &th, &data, &dlen, &family))
        return 1;
    assert_int_equal(family, tn_family());   /* no segment strays into the other family */
    if (f->nseen < sizeof f->seen / sizeof f->seen[0])
        f->seen[f->nseen++] = (struct seen){now, th.seq, th.ack, th.flags, dlen};
    return 1;
}

static void apply(vg_tcb *t, const struct ka_settings *ks, vg_time now)
{
    if (ks->time_ms != VG_KA_SYSTEM)
        assert_int_equal(vg_tcp_set_keepalive_time_ms(t, ks->time_ms, now), 0);
    if (ks->intvl_ms != VG_KA_SYSTEM)
        assert_int_equal(vg_tcp_set_keepalive_interval_ms(t, ks->intvl_ms, now), 0);
    if (ks->count != VG_KA_SYSTEM)
        assert_int_equal(vg_tcp_set_keepalive_count(t, ks->count, now), 0);
    assert_int_equal(vg_tcp_set_keepalive(t, ks->on, now), 0);
}

/* Connects with keep-alive configured on the client before connect, as an application would. */
static struct fixture *setup_cfg(const struct vg_stack_config *c0, const struct vg_stack_config *c1,
                                 const struct ka_settings *ks)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->p = tn_pair_new_cfg(42, NULL, c0, c1);
    vg_simnet_set_filter(f->p->net, filter, f);
    f->l = tn_listen(f->p, 1, PORT);
    vg_tcb *c = vg_tcp_open(tn_stack(f->p, 0));
    assert_non_null(c);
    if (ks)
        apply(c, ks, tn_now(f->p));
    tn_connect_pair(f->p, 0, c, f->l, 0, &f->c, &f->s);
    vg_addr la, ra;
    vg_tcp_endpoints_addr(f->s, &la, NULL, &ra, NULL);
    assert_int_equal(la.family, tn_family());
    assert_int_equal(ra.family, tn_family());
    return f;
}

static struct fixture *setup(enum vg_profile prof, const struct ka_settings *ks)
{
    struct vg_stack_config c[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], prof);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].seed = 100 + (uint64_t)i;
    }
    return setup_cfg(&c[0], &c[1], ks);
}

static void teardown_fixture(struct fixture *f)
{
    tn_pair_free(f->p);
    free(f);
}

static vg_time last_rx(const struct fixture *f)
{
    struct vg_keepalive_info ki;
    vg_tcp_keepalive_info(f->c, tn_now(f->p), &ki);
    return ki.last_rx;
}

static void crash_server(struct fixture *f) { vg_simnet_set_host_up(f->p->net, 1, 0); }

/* Runs until the client's connection is aborted (or limit) and returns the abort instant. */
static vg_time run_to_abort(struct fixture *f, vg_time limit)
{
    vg_time stop = tn_now(f->p) + limit;
    while (tn_first_event_time(f->p, 0, VG_EV_ABORTED, f->c) == VG_TIME_NEVER && tn_now(f->p) < stop)
        if (!vg_simnet_step(f->p->net, stop))
            break;
    return tn_first_event_time(f->p, 0, VG_EV_ABORTED, f->c);
}

static size_t probes_sent(const struct fixture *f)
{
    return tn_count_events(f->p, 0, VG_EV_PROBE_SENT, f->c);
}

static void assert_abort_exact(enum vg_profile prof, const struct ka_settings *ks,
                               vg_time time_ms, vg_time intvl_ms, vg_time count, int err)
{
    struct fixture *f = setup(prof, ks);
    vg_time base = last_rx(f);
    crash_server(f);
    vg_time expected = base + VG_MS(time_ms) + count * VG_MS(intvl_ms);
    vg_time got = run_to_abort(f, expected + VG_MS(3600 * 1000));
    assert_int_equal(got, expected);             /* B3 / C6: to the microsecond */
    assert_int_equal(probes_sent(f), count);
    assert_int_equal(vg_tcp_error(f->c), err);
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_CLOSED);
    teardown_fixture(f);
}

static const struct ka_settings KA_DEFAULTS = {VG_KA_SYSTEM, VG_KA_SYSTEM, VG_KA_SYSTEM, 1};

/* ---- Part A (the parts that live in the stack) ---- */

static void a2_keepalive_off_by_default_no_probes(void **st)
{
    (void)st;
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, NULL);
    assert_false(vg_tcp_keepalive(f->c));
    assert_false(vg_tcp_keepalive(f->s));
    crash_server(f);
    tn_run_for(f->p, VG_MS(10ull * 3600 * 1000));
    assert_int_equal(probes_sent(f), 0);
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_ESTABLISHED);
    teardown_fixture(f);
}

static void a4_disabling_stops_probing_in_progress(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 5, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    vg_time base = last_rx(f);
    crash_server(f);
    tn_run_until(f->p, base + VG_MS(1000 + 100 + 50));     /* probes 1 and 2 went out */
    assert_int_equal(probes_sent(f), 2);
    assert_int_equal(vg_tcp_set_keepalive(f->c, 0, tn_now(f->p)), 0);
    tn_run_for(f->p, VG_MS(60000));
    assert_int_equal(probes_sent(f), 2);
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_ESTABLISHED);
    /* Switched on again, it starts over: idle time counted from the switch-on. */
    vg_time on = tn_now(f->p);
    assert_int_equal(vg_tcp_set_keepalive(f->c, 1, on), 0);
    assert_int_equal(run_to_abort(f, VG_MS(10000)), on + VG_MS(1000) + 5 * VG_MS(100));
    assert_int_equal(probes_sent(f), 2 + 5);
    teardown_fixture(f);
}

static void a8_probe_after_keepalive_time_without_receipt(void **st)
{
    (void)st;
    struct ka_settings ks = {5000, 1000, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    vg_time base = last_rx(f);
    tn_run_until(f->p, base + VG_MS(5000) - 1);
    assert_int_equal(probes_sent(f), 0);
    tn_run_until(f->p, base + VG_MS(5000));
    assert_int_equal(probes_sent(f), 1);
    assert_int_equal(tn_first_event_time(f->p, 0, VG_EV_PROBE_SENT, f->c), base + VG_MS(5000));
    /* The live peer answers after one round trip (2 ms), and the cycle starts again. */
    tn_run_for(f->p, VG_MS(10));
    assert_int_equal(tn_first_event_time(f->p, 0, VG_EV_PROBE_ACKED, f->c), base + VG_MS(5000 + 2));
    tn_run_for(f->p, VG_MS(3 * 5000));
    assert_int_equal(probes_sent(f), 4);
    assert_int_equal(tn_count_events(f->p, 0, VG_EV_PROBE_ACKED, f->c), 4);
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_ESTABLISHED);
    teardown_fixture(f);
}

static void a9_defaults_abort_at_7210000_ms_after_last_receipt(void **st)
{
    (void)st;
    assert_abort_exact(VG_PROFILE_WINDOWS_VISTA, &KA_DEFAULTS, 7200000, 1000, 10, VG_ERR_NETRESET);
}

static void a10_vista_count_is_ten_whatever_the_parameters(void **st)
{
    (void)st;
    struct vg_stack_config c[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], VG_PROFILE_WINDOWS_VISTA);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].sys.keepalive_time_ms = 2000;
        c[i].sys.tcp_max_data_retransmissions = 3;
        c[i].sys.pptp_tcp_max_data_retransmissions = 40;
    }
    struct fixture *f = setup_cfg(&c[0], &c[1], &KA_DEFAULTS);
    vg_time base = last_rx(f);
    crash_server(f);
    assert_int_equal(run_to_abort(f, VG_MS(100000)), base + VG_MS(2000) + 10 * VG_MS(1000));
    assert_int_equal(probes_sent(f), 10);
    teardown_fixture(f);
}

static void w2k_run(uint32_t tmdr, uint32_t pptp, vg_time expect_count)
{
    struct vg_stack_config c[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], VG_PROFILE_WINDOWS_2000);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].sys.keepalive_time_ms = 1000;
        c[i].sys.keepalive_interval_ms = 10;
        c[i].sys.tcp_max_data_retransmissions = tmdr;
        c[i].sys.pptp_tcp_max_data_retransmissions = pptp;
    }
    struct fixture *f = setup_cfg(&c[0], &c[1], &KA_DEFAULTS);
    vg_time base = last_rx(f);
    crash_server(f);
    if (expect_count == 0) {
        tn_run_for(f->p, VG_MS(24ull * 3600 * 1000));
        assert_int_equal(probes_sent(f), 0);
        assert_int_equal(vg_tcp_state(f->c), VG_TCP_ESTABLISHED);
    } else {
        assert_int_equal(run_to_abort(f, VG_MS(100000)), base + VG_MS(1000) + expect_count * VG_MS(10));
        assert_int_equal(probes_sent(f), expect_count);
        assert_int_equal(vg_tcp_error(f->c), VG_ERR_NETRESET);
    }
    teardown_fixture(f);
}

static void a10_windows2000_default_count_is_five(void **st) { (void)st; w2k_run(5, 5, 5); }
static void a10_windows2000_count_is_larger_of_the_two(void **st)
{
    (void)st;
    w2k_run(3, 7, 7);
    w2k_run(8, 2, 8);
}
static void a10_windows2000_zero_sends_no_probes_never_aborts(void **st) { (void)st; w2k_run(0, 0, 0); }
static void a10_windows2000_above_255_is_255(void **st) { (void)st; w2k_run(1000, 2, 255); }

static void a11_system_parameters_apply_unless_overridden(void **st)
{
    (void)st;
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &KA_DEFAULTS);
    /* A second client connection with its own time (override). */
    vg_tcb *c2 = vg_tcp_open(tn_stack(f->p, 0)), *s2;
    struct ka_settings own = {9000, VG_KA_SYSTEM, VG_KA_SYSTEM, 1};
    apply(c2, &own, tn_now(f->p));
    tn_connect_pair(f->p, 0, c2, f->l, 0, &c2, &s2);
    struct vg_sysparams sp = vg_stack_config(tn_stack(f->p, 0))->sys;
    sp.keepalive_time_ms = 3000;
    sp.keepalive_interval_ms = 500;
    vg_stack_set_sysparams(tn_stack(f->p, 0), &sp);
    struct vg_keepalive_info k1, k2;
    vg_tcp_keepalive_info(f->c, tn_now(f->p), &k1);
    vg_tcp_keepalive_info(c2, tn_now(f->p), &k2);
    assert_int_equal(k1.time_ms, 3000);
    assert_true(k1.time_is_system);
    assert_int_equal(k1.interval_ms, 500);
    assert_int_equal(k2.time_ms, 9000);
    assert_false(k2.time_is_system);
    assert_int_equal(k2.interval_ms, 500);
    vg_time b1 = k1.last_rx;
    crash_server(f);
    assert_int_equal(run_to_abort(f, VG_MS(100000)), b1 + VG_MS(3000) + 10 * VG_MS(500));
    teardown_fixture(f);
}

static void a12_per_socket_time_and_interval(void **st)
{
    (void)st;
    struct ka_settings ks = {250, 40, VG_KA_SYSTEM, 1};
    assert_abort_exact(VG_PROFILE_WINDOWS_VISTA, &ks, 250, 40, 10, VG_ERR_NETRESET);
}

static void a13_dead_peer_recorded_as_netreset(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 2, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    crash_server(f);
    assert_int_not_equal(run_to_abort(f, VG_MS(60000)), VG_TIME_NEVER);
    const struct tn_event *e = tn_find_event(f->p, 0, VG_EV_ABORTED, f->c, 0);
    assert_non_null(e);
    assert_int_equal(e->ev.err, VG_ERR_NETRESET);
    char buf[16];
    assert_int_equal(vg_tcp_recv(f->c, buf, sizeof buf, tn_now(f->p)), -VG_ERR_NETRESET);
    assert_int_equal(vg_tcp_send(f->c, buf, sizeof buf, tn_now(f->p)), -VG_ERR_NETRESET);
    teardown_fixture(f);
}

/* ---- Part B ---- */

static void b1_any_received_segment_restarts_idle_time(void **st)
{
    (void)st;
    struct ka_settings ks = {4000, 1000, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    vg_time base = last_rx(f);
    tn_run_until(f->p, base + VG_MS(3000));
    /* The server sends one byte at base+3000 ms; the client receives it 1 ms later. */
    assert_int_equal(vg_tcp_send(f->s, "x", 1, tn_now(f->p)), 1);
    tn_run_for(f->p, VG_MS(100));
    assert_int_equal(probes_sent(f), 0);
    vg_time rx = last_rx(f);
    assert_int_equal(rx, base + VG_MS(3001));
    char b;
    assert_int_equal(vg_tcp_recv(f->c, &b, 1, tn_now(f->p)), 1);
    crash_server(f);
    assert_int_equal(run_to_abort(f, VG_MS(60000)), rx + VG_MS(4000) + 3 * VG_MS(1000));
    assert_int_equal(tn_first_event_time(f->p, 0, VG_EV_PROBE_SENT, f->c), rx + VG_MS(4000));
    teardown_fixture(f);
}

/* choice: -1 leaves the stack's option at the profile's default, 0/1 set it off/on. */
static void check_probe_format(enum vg_profile prof, int choice, int garbage)
{
    struct ka_settings ks = {1000, 100, 1, 1};
    struct fixture *f = setup(prof, &ks);
    if (choice >= 0)
        vg_stack_set_garbage_octet(tn_stack(f->p, 0), choice);
    uint32_t snd_max;
    {
        /* The server's RCV.NXT equals the client's SND.NXT; read it from the last ACK the
         * client sent before going idle. */
        assert_true(f->nseen > 0);
        snd_max = f->seen[f->nseen - 1].seq;
    }
    size_t before = f->nseen;
    vg_time base = last_rx(f);
    tn_run_until(f->p, base + VG_MS(1000));
    assert_int_equal(f->nseen, before + 1);
    const struct seen *probe = &f->seen[before];
    assert_int_equal(probe->t, base + VG_MS(1000));
    assert_int_equal(probe->seq, snd_max - 1);                /* SEG.SEQ = SND.NXT - 1 */
    assert_int_equal(probe->flags, VG_TCP_ACK);
    assert_int_equal(probe->dlen, garbage ? 1 : 0);
    tn_run_for(f->p, VG_MS(10));
    assert_int_equal(tn_count_events(f->p, 0, VG_EV_PROBE_ACKED, f->c), 1);
    teardown_fixture(f);
}

static void b2_probe_is_ack_at_snd_nxt_minus_one_without_data(void **st)
{
    (void)st;
    check_probe_format(VG_PROFILE_WINDOWS_VISTA, 0, 0);
}
static void b2_garbage_octet_option_sends_one_octet(void **st)
{
    (void)st;
    check_probe_format(VG_PROFILE_LINUX, 1, 1);
}
/* B2 revised: the Windows profiles' probes carry one octet unless told otherwise, linux's none. */
static void b2_windows_profiles_send_one_octet_by_default(void **st)
{
    (void)st;
    check_probe_format(VG_PROFILE_WINDOWS_VISTA, -1, 1);
    check_probe_format(VG_PROFILE_WINDOWS_2000, -1, 1);
}
static void b2_linux_profile_sends_no_data_by_default(void **st)
{
    (void)st;
    check_probe_format(VG_PROFILE_LINUX, -1, 0);
}

static void b3_abort_instant_for_several_settings(void **st)
{
    (void)st;
    static const struct { uint32_t t, i, c; } cases[] = {
        {1, 1, 1}, {1000, 1000, 1}, {30000, 2500, 4}, {7200000, 75000, 9}, {123456, 789, 17},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct ka_settings ks = {cases[k].t, cases[k].i, cases[k].c, 1};
        assert_abort_exact(VG_PROFILE_WINDOWS_VISTA, &ks, cases[k].t, cases[k].i, cases[k].c,
                           VG_ERR_NETRESET);
    }
}

static void b3_count_zero_never_probes_never_aborts(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 0, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    crash_server(f);
    tn_run_for(f->p, VG_MS(3600 * 1000));
    assert_int_equal(probes_sent(f), 0);
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_ESTABLISHED);
    teardown_fixture(f);
}

/* Drops the client's next probes: segments at SND.NXT-1 once the connection went idle. */
static int drop_first_probes(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    struct fixture *f = ctx;
    size_t before = f->nseen;
    filter(ctx, pkt, len, from, to, now);
    if (f->nseen > before && f->drop_probes && f->seen[f->nseen - 1].seq + 1 == f->idle_seq &&
        f->seen[f->nseen - 1].dlen <= 1) {   /* B2: 0 or 1 octet */
        f->drop_probes--;
        return 0;
    }
    return 1;
}

static void b4_lost_probes_are_not_fatal(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    f->drop_probes = 2;                       /* count - 1 probes lost */
    f->idle_seq = f->seen[f->nseen - 1].seq;
    vg_simnet_set_filter(f->p->net, drop_first_probes, f);
    vg_time base = last_rx(f);
    tn_run_until(f->p, base + VG_MS(1000 + 2 * 100 + 10));
    assert_int_equal(f->drop_probes, 0);
    assert_int_equal(probes_sent(f), 3);
    assert_int_equal(tn_count_events(f->p, 0, VG_EV_PROBE_ACKED, f->c), 1);
    assert_int_equal(tn_first_event_time(f->p, 0, VG_EV_PROBE_ACKED, f->c), base + VG_MS(1200 + 2));
    tn_run_for(f->p, VG_MS(20000));
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_ESTABLISHED);
    assert_int_equal(tn_count_events(f->p, 0, VG_EV_ABORTED, f->c), 0);
    teardown_fixture(f);
}

static void b5_peer_probe_answered_without_keepalive_on(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    assert_false(vg_tcp_keepalive(f->s));
    tn_run_for(f->p, VG_MS(10500));
    size_t probes = probes_sent(f);
    assert_true(probes >= 9);
    assert_int_equal(tn_count_events(f->p, 1, VG_EV_PEER_PROBE, f->s), probes);
    assert_int_equal(tn_count_events(f->p, 0, VG_EV_PROBE_ACKED, f->c), probes);
    assert_int_equal(vg_stack_stats(tn_stack(f->p, 1))->ka_peer_probes_answered, probes);
    teardown_fixture(f);
}

static void b6_no_probe_while_data_outstanding(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    crash_server(f);
    assert_int_equal(vg_tcp_send(f->c, "hello", 5, tn_now(f->p)), 5);
    vg_time limit = tn_now(f->p) + VG_MS(3600 * 1000);
    while (vg_tcp_state(f->c) != VG_TCP_CLOSED && tn_now(f->p) < limit)
        if (!vg_simnet_step(f->p->net, limit))
            break;
    /* Retransmission, not keep-alive, found the dead peer. */
    assert_int_equal(probes_sent(f), 0);
    assert_true(tn_count_events(f->p, 0, VG_EV_RETRANSMIT, f->c) > 0);
    assert_int_equal(vg_tcp_error(f->c), VG_ERR_TIMEDOUT);
    teardown_fixture(f);
}

/* B6 and C7 with RACK-TLP on (the default): the tail loss probe that goes first, 2·SRTT after
 * the send (four segments in flight, so no delayed-ACK allowance), is data at SND.UNA's tail,
 * not a keep-alive probe, and moves no keep-alive or TCP_MAXRT clock: the connection still ends
 * at TCP_MAXRT's exact instant, by retransmission, with no keep-alive probe sent. */
static void b6_c7_tail_loss_probe_is_no_keepalive_and_maxrt_holds(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    const struct vg_stack_stats *s0 = vg_stack_stats(tn_stack(f->p, 0));
    vg_tcp_set_maxrt_ms(f->c, 5000);
    crash_server(f);
    static char data[4 * 1460];
    memset(data, 'x', sizeof data);
    vg_time t_send = tn_now(f->p);
    assert_int_equal(vg_tcp_send(f->c, data, sizeof data, t_send), (long)sizeof data);
    vg_time got = run_to_abort(f, VG_MS(3600 * 1000));
    assert_int_equal(got, t_send + VG_MS(5000));   /* C7: to the microsecond */
    assert_int_equal(vg_tcp_error(f->c), VG_ERR_TIMEDOUT);
    assert_int_equal(s0->tcp_tlp_probes, 1);       /* the probe went, once ... */
    assert_true(s0->tcp_rtos > 0);                 /* ... and then the timeouts, as before */
    assert_int_equal(probes_sent(f), 0);           /* B6 */
    assert_int_equal(s0->ka_probes_sent, 0);
    teardown_fixture(f);
}

static void b6_probing_in_close_wait_and_fin_wait_2(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 2, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    /* The client half-closes: FIN_WAIT_2 on the client, CLOSE_WAIT on the server. */
    assert_int_equal(vg_tcp_shutdown_send(f->c, tn_now(f->p)), 0);
    tn_run_for(f->p, VG_MS(60));   /* the server's ACK of the FIN is a delayed one (40 ms) */
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_FIN_WAIT_2);
    assert_int_equal(vg_tcp_state(f->s), VG_TCP_CLOSE_WAIT);
    tn_run_for(f->p, VG_MS(2500));
    assert_int_equal(probes_sent(f), 2);
    assert_int_equal(tn_count_events(f->p, 0, VG_EV_PROBE_ACKED, f->c), 2);
    /* Now the other way round: the server, in CLOSE_WAIT, probes. */
    vg_tcp_set_keepalive(f->c, 0, tn_now(f->p));
    struct ka_settings sk = {1000, 100, 2, 1};
    apply(f->s, &sk, tn_now(f->p));
    tn_run_for(f->p, VG_MS(2500));
    assert_int_equal(tn_count_events(f->p, 1, VG_EV_PROBE_SENT, f->s), 2);
    assert_int_equal(tn_count_events(f->p, 1, VG_EV_PROBE_ACKED, f->s), 2);
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_FIN_WAIT_2);
    assert_int_equal(vg_tcp_state(f->s), VG_TCP_CLOSE_WAIT);
    teardown_fixture(f);
}

static void b7_abort_sends_rst(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 2, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    vg_time base = last_rx(f);
    crash_server(f);
    vg_time at = run_to_abort(f, VG_MS(60000));
    assert_int_equal(at, base + VG_MS(1200));
    const struct seen *last = &f->seen[f->nseen - 1];
    assert_true(last->flags & VG_TCP_RST);
    assert_int_equal(last->t, at);
    teardown_fixture(f);
}

/* ---- Part C ---- */

static void c2_linux_profile_defaults_and_timedout(void **st)
{
    (void)st;
    assert_abort_exact(VG_PROFILE_LINUX, &KA_DEFAULTS, 7200000, 75000, 9, VG_ERR_TIMEDOUT);
}

static void c2_windows2000_profile_defaults(void **st)
{
    (void)st;
    assert_abort_exact(VG_PROFILE_WINDOWS_2000, &KA_DEFAULTS, 7200000, 1000, 5, VG_ERR_NETRESET);
}

static void c4_introspection_reports_effective_state(void **st)
{
    (void)st;
    struct ka_settings ks = {2000, 300, 4, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    vg_time base = last_rx(f);
    struct vg_keepalive_info ki;
    vg_tcp_keepalive_info(f->c, base, &ki);
    assert_true(ki.enabled);
    assert_int_equal(ki.time_ms, 2000);
    assert_int_equal(ki.interval_ms, 300);
    assert_int_equal(ki.count, 4);
    assert_false(ki.time_is_system);
    assert_int_equal(ki.probes_sent, 0);
    assert_int_equal(ki.next_probe_in, VG_MS(2000));
    assert_int_equal(ki.abort_in, VG_MS(2000 + 4 * 300));
    crash_server(f);
    tn_run_until(f->p, base + VG_MS(2000 + 300 + 50));
    vg_tcp_keepalive_info(f->c, tn_now(f->p), &ki);
    assert_int_equal(ki.probes_sent, 2);
    assert_int_equal(ki.probes_unanswered, 2);
    assert_int_equal(ki.next_probe_in, VG_MS(250));
    assert_int_equal(ki.abort_in, VG_MS(2000 + 4 * 300 - 2350));
    /* After the last probe there is no next probe, only the abort. */
    tn_run_until(f->p, base + VG_MS(2000 + 900 + 1));
    vg_tcp_keepalive_info(f->c, tn_now(f->p), &ki);
    assert_int_equal(ki.probes_unanswered, 4);
    assert_int_equal(ki.next_probe_in, VG_TIME_NEVER);
    assert_int_equal(ki.abort_in, VG_MS(299));
    /* Off: nothing is scheduled. */
    vg_tcp_set_keepalive(f->c, 0, tn_now(f->p));
    vg_tcp_keepalive_info(f->c, tn_now(f->p), &ki);
    assert_false(ki.enabled);
    assert_int_equal(ki.next_probe_in, VG_TIME_NEVER);
    assert_int_equal(ki.abort_in, VG_TIME_NEVER);
    teardown_fixture(f);
}

/* Builds a pure ACK from the server to the client, as the server's stack would send it. */
static size_t server_ack(const struct fixture *f, uint8_t *buf, size_t cap, uint32_t seq,
                         uint32_t ack)
{
    uint16_t lport, rport;
    vg_tcp_endpoints(f->s, NULL, &lport, NULL, &rport);
    struct vg_tcp_hdr th = {.sport = lport, .dport = rport, .seq = seq, .ack = ack,
                            .flags = VG_TCP_ACK, .wnd = 512};
    return tn_build_tcp(f->s, &th, NULL, 0, buf, cap);
}

static void c5_receiving_costs_no_timer_operation(void **st)
{
    (void)st;
    struct ka_settings ks = {60000, 1000, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    tn_run_for(f->p, VG_MS(100));
    vg_stack *cs = tn_stack(f->p, 0);
    const struct seen *last = &f->seen[f->nseen - 1];   /* the client's last ACK */
    uint8_t pkt[128];
    size_t len = server_ack(f, pkt, sizeof pkt, last->ack, last->seq);
    uint64_t arms = vg_stack_stats(cs)->timer_arms, cancels = vg_stack_stats(cs)->timer_cancels;
    uint64_t in = vg_stack_stats(cs)->tcp_in;
    vg_time t = tn_now(f->p);
    for (int i = 0; i < 1000; i++) {
        t += VG_MS(1000);
        vg_stack_input(cs, pkt, len, t);
        struct vg_keepalive_info ki;
        vg_tcp_keepalive_info(f->c, t, &ki);
        assert_int_equal(ki.last_rx, t);                /* the idle time restarted ... */
        assert_int_equal(ki.next_probe_in, VG_MS(60000));
    }
    assert_int_equal(vg_stack_stats(cs)->tcp_in - in, 1000);
    /* ... and the timer wheel was not touched once. */
    assert_int_equal(vg_stack_stats(cs)->timer_arms, arms);
    assert_int_equal(vg_stack_stats(cs)->timer_cancels, cancels);
    /* The stale wheel entry is moved to the new deadline on its way down the wheel (or fires
     * early, finds it and re-arms): the probe still goes out exactly time after the last
     * receipt. */
    tn_run_until(f->p, t + VG_MS(60000) + VG_MS(10));
    assert_int_equal(tn_first_event_time(f->p, 0, VG_EV_PROBE_SENT, f->c), t + VG_MS(60000));
    teardown_fixture(f);
}

/* C5 with a live peer: every answer moves the next probe later without a timer operation, and
 * the wheel entry armed at the probe (for one interval on) is moved to the new instant on its
 * way down instead of firing early and being armed again: one arm per answered probe, and every
 * probe still exactly time after the answer before it. */
static void c5_an_answered_probe_costs_one_timer_arm(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 1000, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    vg_stack *cs = tn_stack(f->p, 0);
    tn_run_for(f->p, VG_MS(1500));                /* the first probe is out and answered */
    size_t first = f->nseen;
    uint64_t arms = vg_stack_stats(cs)->timer_arms;
    uint64_t probes = vg_stack_stats(cs)->ka_probes_sent;
    vg_time rx = last_rx(f);
    for (int round = 0; round < 20; round++) {
        tn_run_until(f->p, rx + VG_MS(1000) + VG_MS(500));
        vg_time answered = last_rx(f);
        assert_int_equal(answered, rx + VG_MS(1000) + VG_MS(2));   /* probe, then 2 x 1 ms */
        rx = answered;
    }
    assert_int_equal(vg_stack_stats(cs)->ka_probes_sent - probes, 20);
    assert_int_equal(vg_stack_stats(cs)->ka_probes_acked, vg_stack_stats(cs)->ka_probes_sent);
    assert_int_equal(vg_stack_stats(cs)->timer_arms - arms, 20);
    assert_int_equal(f->nseen - first, 20);       /* the probes, and nothing else */
    for (size_t i = first; i < f->nseen; i++) {
        assert_int_equal(f->seen[i].seq, f->seen[first].seq);
        assert_int_equal(f->seen[i].dlen, 1);     /* Vista's garbage octet */
    }
    teardown_fixture(f);
}

static void c6_abort_exact_with_latency_and_odd_microseconds(void **st)
{
    (void)st;
    struct vg_link_params lp = {.latency_us = 12345};
    struct vg_stack_config c[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], VG_PROFILE_WINDOWS_VISTA);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].seed = 9 + (uint64_t)i;
    }
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->p = tn_pair_new_cfg(7, &lp, &c[0], &c[1]);
    f->l = tn_listen(f->p, 1, PORT);
    vg_tcb *cl = vg_tcp_open(tn_stack(f->p, 0));
    apply(cl, &(struct ka_settings){7777, 333, 6, 1}, 0);
    tn_run_until(f->p, 987);                 /* start at an odd microsecond */
    tn_connect_pair(f->p, 0, cl, f->l, 0, &f->c, &f->s);
    vg_time base = last_rx(f);
    assert_int_not_equal(base % 1000, 0);
    crash_server(f);
    assert_int_equal(run_to_abort(f, VG_MS(60000)), base + VG_MS(7777) + 6 * VG_MS(333));
    teardown_fixture(f);
}

/* ---- Coexistence with the other timers ---- */

static void zero_window_probe_is_not_a_keepalive_probe(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    /* The server never reads: the client fills the server's window, then persists. */
    static uint8_t chunk[8192];
    for (int i = 0; i < 40; i++) {
        vg_tcp_send(f->c, chunk, sizeof chunk, tn_now(f->p));
        tn_run_for(f->p, VG_MS(10));
    }
    tn_run_for(f->p, VG_MS(30000));
    assert_true(vg_stack_stats(tn_stack(f->p, 0))->zwp_sent > 0);
    assert_true(tn_count_events(f->p, 0, VG_EV_ZWP_SENT, f->c) > 0);
    assert_int_equal(probes_sent(f), 0);
    assert_int_equal(tn_count_events(f->p, 1, VG_EV_PEER_PROBE, f->s), 0);
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_ESTABLISHED);
    /* Each zero-window probe carried one new octet at SND.UNA (the end of the data sent so far),
     * never SND.NXT-1 with no data as a keep-alive probe would. */
    size_t zwp = 0;
    uint32_t end = 0;
    for (size_t i = 0; i < f->nseen; i++) {
        if (f->seen[i].dlen == 1 && end && f->seen[i].seq == end)
            zwp++;
        if (f->seen[i].dlen > 1 || (zwp && f->seen[i].dlen == 1))
            end = f->seen[i].seq + (uint32_t)f->seen[i].dlen;
    }
    assert_true(zwp > 0);
    teardown_fixture(f);
}

static void no_probe_in_time_wait(void **st)
{
    (void)st;
    struct ka_settings ks = {1000, 100, 3, 1};
    struct fixture *f = setup(VG_PROFILE_WINDOWS_VISTA, &ks);
    vg_tcp_shutdown_send(f->c, tn_now(f->p));
    tn_run_for(f->p, VG_MS(10));
    vg_tcp_close(f->s, tn_now(f->p));
    tn_run_for(f->p, VG_MS(10));
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_TIME_WAIT);
    tn_run_for(f->p, VG_MS(30000));
    assert_int_equal(probes_sent(f), 0);
    tn_run_for(f->p, VG_MS(60000));
    assert_int_equal(vg_tcp_state(f->c), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_error(f->c), 0);
    teardown_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a2_keepalive_off_by_default_no_probes),
        cmocka_unit_test(a4_disabling_stops_probing_in_progress),
        cmocka_unit_test(a8_probe_after_keepalive_time_without_receipt),
        cmocka_unit_test(a9_defaults_abort_at_7210000_ms_after_last_receipt),
        cmocka_unit_test(a10_vista_count_is_ten_whatever_the_parameters),
        cmocka_unit_test(a10_windows2000_default_count_is_five),
        cmocka_unit_test(a10_windows2000_count_is_larger_of_the_two),
        cmocka_unit_test(a10_windows2000_zero_sends_no_probes_never_aborts),
        cmocka_unit_test(a10_windows2000_above_255_is_255),
        cmocka_unit_test(a11_system_parameters_apply_unless_overridden),
        cmocka_unit_test(a12_per_socket_time_and_interval),
        cmocka_unit_test(a13_dead_peer_recorded_as_netreset),
        cmocka_unit_test(b1_any_received_segment_restarts_idle_time),
        cmocka_unit_test(b2_probe_is_ack_at_snd_nxt_minus_one_without_data),
        cmocka_unit_test(b2_garbage_octet_option_sends_one_octet),
        cmocka_unit_test(b2_windows_profiles_send_one_octet_by_default),
        cmocka_unit_test(b2_linux_profile_sends_no_data_by_default),
        cmocka_unit_test(b3_abort_instant_for_several_settings),
        cmocka_unit_test(b3_count_zero_never_probes_never_aborts),
        cmocka_unit_test(b4_lost_probes_are_not_fatal),
        cmocka_unit_test(b5_peer_probe_answered_without_keepalive_on),
        cmocka_unit_test(b6_no_probe_while_data_outstanding),
        cmocka_unit_test(b6_c7_tail_loss_probe_is_no_keepalive_and_maxrt_holds),
        cmocka_unit_test(b6_probing_in_close_wait_and_fin_wait_2),
        cmocka_unit_test(b7_abort_sends_rst),
        cmocka_unit_test(c2_linux_profile_defaults_and_timedout),
        cmocka_unit_test(c2_windows2000_profile_defaults),
        cmocka_unit_test(c4_introspection_reports_effective_state),
        cmocka_unit_test(c5_receiving_costs_no_timer_operation),
        cmocka_unit_test(c5_an_answered_probe_costs_one_timer_arm),
        cmocka_unit_test(c6_abort_exact_with_latency_and_odd_microseconds),
        cmocka_unit_test(zero_window_probe_is_not_a_keepalive_probe),
        cmocka_unit_test(no_probe_in_time_wait),
    };
    int failed = cmocka_run_group_tests_name("ipv4", tests, tn_group_ipv4, NULL);
    failed += cmocka_run_group_tests_name("ipv6", tests, tn_group_ipv6, NULL);
    return failed;
}
