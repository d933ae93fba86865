/* The scenario-file parser (src/sim/scnfile_parse.c) seen through what it fills in: defaults a
 * file leaves out, relative action times, tolerances written ± or +-, keep-alive settings that
 * imply keep-alive on, listeners a connect implies, and the end of a run when the file gives no
 * duration. The refusals are checked from the command line (tests/test_cli_scnfile.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/scenario.h"
#include "sim/scnfile.h"

static struct scnf *parse_ok(const char *text)
{
    struct scnf *s = malloc(sizeof *s);
    assert_non_null(s);
    char err[320];
    int line = 0;
    int rc = scnf_parse(text, strlen(text), s, &line, err, sizeof err);
    if (rc != 0)
        fail_msg("line %d: %s", line, err);
    return s;
}

static void defaults_of_a_minimal_file(void **state)
{
    (void)state;
    struct scnf *s = parse_ok("host client\nhost server\nconnect client -> server:5001\n");
    assert_int_equal(s->nhosts, 2);
    assert_int_equal(s->hosts[0].addr, 0xc0000201u);   /* 192.0.2.1, as vigil sim --scenario */
    assert_int_equal(s->hosts[1].addr, 0xc0000202u);
    assert_int_equal(s->hosts[0].profile, VG_PROFILE_WINDOWS_VISTA);
    assert_int_equal(s->hosts[0].garbage_octet, 0);
    assert_int_equal(s->latency_us, 1000);
    assert_int_equal(s->seed, 1);
    assert_int_equal(s->nat_timeout, 0);
    assert_true(s->loss == 0);
    /* A2: keep-alive is off unless the file turns it on. */
    assert_int_equal(s->conns[0].ka.has_on, 0);
    /* The connect implies a listener on server:5001 with keep-alive untouched. */
    assert_int_equal(s->nlistens, 1);
    assert_int_equal(s->listens[0].host, 1);
    assert_int_equal(s->listens[0].port, 5001);
    assert_int_equal(s->listens[0].ka.has_on, 0);
    /* Nothing timed: the run lasts a second. */
    assert_int_equal(scnf_end(s), VG_MS(1000));
    free(s);
}

static void relative_times_follow_the_previous_action(void **state)
{
    (void)state;
    struct scnf *s = parse_ok("host a\nhost b\nconnect a -> b:1\n"
                              "at +5s crash b\nat 1min reboot b\nat +250ms send a 10\n"
                              "at +0 close a\n");
    assert_int_equal(s->nactions, 4);
    assert_int_equal(s->actions[0].at, VG_MS(5000));
    assert_int_equal(s->actions[1].at, VG_MS(60000));
    assert_int_equal(s->actions[2].at, VG_MS(60250));
    assert_int_equal(s->actions[2].bytes, 10);
    assert_int_equal(s->actions[3].at, VG_MS(60250));
    assert_int_equal(s->actions[3].kind, SCNF_CLOSE);
    /* The last action plus a second. */
    assert_int_equal(scnf_end(s), VG_MS(61250));
    free(s);
}

static void tolerances_and_intervals(void **state)
{
    (void)state;
    struct scnf *s = parse_ok("host a\nhost b\nconnect a -> b:1\n"
                              "expect 2h \xc2\xb1 3ms a aborted error=WSAETIMEDOUT   # spaced\n"
                              "expect 7210002ms +-500us a probe_sent probe=10\n"
                              "expect 5ms a connected\n"
                              "expect none nat packet_dropped what=rst from=b reason=nat_no_flow in 1s..3h\n"
                              "expect 4 a probe_acked unanswered_before=1 in 0..90min\n");
    assert_int_equal(s->nexpects, 5);
    const struct scnf_expect *e = s->expects;
    assert_int_equal(e[0].kind, SCNF_EXPECT_AT);
    assert_int_equal(e[0].at, VG_MS(7200000));
    assert_int_equal(e[0].tol, VG_MS(3));
    assert_true(e[0].m.has_error);
    assert_int_equal(e[0].m.error, VG_ERR_TIMEDOUT);
    assert_string_equal(e[0].text, "expect 2h \xc2\xb1 3ms a aborted error=WSAETIMEDOUT");
    assert_int_equal(e[1].tol, 500);
    assert_true(e[1].m.has_arg);
    assert_int_equal(e[1].m.arg, 10);
    assert_int_equal(e[2].tol, 0);
    assert_int_equal(e[3].kind, SCNF_EXPECT_NONE);
    assert_int_equal(e[3].m.host, SCNF_HOST_NAT);
    assert_int_equal(e[3].m.type, VG_SCN_EV_PACKET_DROPPED);
    assert_int_equal(e[3].m.what, VG_SCN_SEG_RST);
    assert_int_equal(e[3].m.from, 1);
    assert_int_equal(e[3].m.reason, VG_SCN_DROP_NAT);
    assert_int_equal(e[3].from, VG_MS(1000));
    assert_int_equal(e[3].to, VG_MS(3 * 3600000));
    assert_int_equal(e[4].kind, SCNF_EXPECT_COUNT);
    assert_int_equal(e[4].count, 4);
    assert_int_equal(e[4].to, VG_MS(90 * 60000));
    /* The last instant named is 3 h: the run ends a second later. */
    assert_int_equal(scnf_end(s), VG_MS(3 * 3600000 + 1000));
    free(s);
}

static void keepalive_settings_imply_on_unless_told_off(void **state)
{
    (void)state;
    struct scnf *s = parse_ok("host a profile linux garbage-octet on keepalive-time 30s "
                              "max-data-retransmissions 3\n"
                              "host b addr 10.1.2.3 reg x/y.reg\n"
                              "listen b:80 keepalive on\n"
                              "connect a -> b:80 time 10s interval 250ms count 4\n"
                              "connect a -> b:80 keepalive off time 10s\n"
                              "at 1s set a time system count system\n"
                              "link latency 20ms bandwidth 10Mbps loss 0.25 from-start\n"
                              "nat timeout 5min\nseed 99\nduration 1h\n");
    assert_int_equal(s->hosts[0].profile, VG_PROFILE_LINUX);
    assert_int_equal(s->hosts[0].garbage_octet, 1);
    assert_true(s->hosts[0].has_sys_time);
    assert_int_equal(s->hosts[0].sys_time_ms, 30000);
    assert_false(s->hosts[0].has_sys_interval);
    assert_int_equal(s->hosts[0].sys_retrans, 3);
    assert_int_equal(s->hosts[1].addr, 0x0a010203u);
    assert_string_equal(s->hosts[1].reg, "x/y.reg");
    assert_int_equal(s->nlistens, 1);                /* declared: no implied one */
    assert_true(s->listens[0].ka.on);
    const struct scnf_ka *k = &s->conns[0].ka;
    assert_true(k->has_on && k->on);                 /* as --keepalive-time implies --keepalive */
    assert_int_equal(k->time_ms, 10000);
    assert_int_equal(k->interval_ms, 250);
    assert_int_equal(k->count, 4);
    k = &s->conns[1].ka;
    assert_true(k->has_on && !k->on);
    k = &s->actions[0].ka;
    assert_int_equal(k->time_ms, VG_KA_SYSTEM);
    assert_int_equal(k->count, VG_KA_SYSTEM);
    assert_int_equal(s->latency_us, 20000);
    assert_int_equal(s->bandwidth_bps, 10000000);
    assert_true(s->loss == 0.25);
    assert_int_equal(s->loss_from_start, 1);
    assert_int_equal(s->nat_timeout, VG_MS(300000));
    assert_int_equal(s->seed, 99);
    assert_int_equal(scnf_end(s), VG_MS(3600000));
    free(s);
}

/* A refusal names the line, and the reason does not depend on the size of the buffer. */
static void refusal_line_and_truncated_reason(void **state)
{
    (void)state;
    const char *text = "host a\nhost b\n\n# fine so far\nconnect a -> c:1\n";
    struct scnf *s = malloc(sizeof *s);
    assert_non_null(s);
    char err[320], tiny[8];
    int line = 0, line2 = 0;
    assert_int_equal(scnf_parse(text, strlen(text), s, &line, err, sizeof err), -1);
    assert_int_equal(line, 5);
    assert_string_equal(err, "unknown host 'c' (declare it with a host statement first)");
    assert_int_equal(scnf_parse(text, strlen(text), s, &line2, tiny, sizeof tiny), -1);
    assert_int_equal(line2, 5);
    assert_string_equal(tiny, "unknown");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_of_a_minimal_file),
        cmocka_unit_test(relative_times_follow_the_previous_action),
        cmocka_unit_test(tolerances_and_intervals),
        cmocka_unit_test(keepalive_settings_imply_on_unless_told_off),
        cmocka_unit_test(refusal_line_and_truncated_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
