/* The CLI's event writer (tools/cli_events.c) enforces the schema of docs/events.md: every JSON
 * line starts with v, t_us, host, event and carries every key of its event in the table's order,
 * null where the caller gave none; an event or key the table does not list is refused (abort in
 * a debug build, -1 and nothing written under NDEBUG). And the keep-alive verdict that sim,
 * serve and connect share (tools/cli_verdict.c) states B3's formula and judges it exactly.
 * With --dump-schema the program prints the C table as JSON for test_cli_event_schema.sh. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_event_table.h"
#include "cli_events.h"
#include "cli_verdict.h"

/* What a writer put in its stream, as a string. */
struct capture {
    FILE *f;
    char *buf;
    size_t len;
};

static void capture_open(struct capture *c, struct cli_events *e, int json, vg_time origin)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    cli_events_init(e, c->f, json, origin);
}

static const char *capture_text(struct capture *c)
{
    fflush(c->f);
    return c->buf;
}

static void capture_close(struct capture *c)
{
    fclose(c->f);
    free(c->buf);
}

static void test_json_line_has_every_key_in_order(void **state)
{
    (void)state;
    struct cli_events e;
    struct capture c;
    capture_open(&c, &e, 1, 500);
    /* Given out of order and without the peer: written in the table's order, peer null. */
    struct cli_field f[] = {CLI_STR("error", "WSAENETRESET")};
    assert_int_equal(cli_events_emit(&e, 2000, "client", "aborted", f, 1), 0);
    assert_string_equal(capture_text(&c), "{\"v\":2,\"t_us\":1500,\"host\":\"client\","
                                          "\"event\":\"aborted\",\"peer\":null,"
                                          "\"error\":\"WSAENETRESET\"}\n");
    capture_close(&c);

    capture_open(&c, &e, 1, 0);
    struct cli_field g[] = {CLI_UINT("count", 10), CLI_UINT("probe", 3),
                            CLI_STR("peer", "192.0.2.2:5001")};
    assert_int_equal(cli_events_emit(&e, 7202002000u, "client", "probe_sent", g, 3), 0);
    assert_string_equal(capture_text(&c), "{\"v\":2,\"t_us\":7202002000,\"host\":\"client\","
                                          "\"event\":\"probe_sent\",\"peer\":\"192.0.2.2:5001\","
                                          "\"probe\":3,\"count\":10}\n");
    capture_close(&c);
}

static void test_text_line_leaves_nulls_out(void **state)
{
    (void)state;
    struct cli_events e;
    struct capture c;
    capture_open(&c, &e, 0, 0);
    struct cli_field f[] = {CLI_NULL("peer"), CLI_STR("error", "WSAETIMEDOUT")};
    assert_int_equal(cli_events_emit(&e, 1500, "client", "aborted", f, 2), 0);
    const char *t = capture_text(&c);
    assert_non_null(strstr(t, "aborted"));
    assert_non_null(strstr(t, "error=WSAETIMEDOUT"));
    assert_null(strstr(t, "peer"));
    assert_null(strstr(t, "null"));
    capture_close(&c);
}

static void test_check_refuses_what_the_table_lacks(void **state)
{
    (void)state;
    char why[160];
    struct cli_field unknown[] = {CLI_STR("idle_ms", "1")};
    assert_non_null(cli_events_check("aborted", unknown, 1, why, sizeof why));
    assert_non_null(strstr(why, "\"idle_ms\""));
    assert_non_null(cli_events_check("no_such_event", NULL, 0, why, sizeof why));
    struct cli_field wrong_type[] = {CLI_STR("probe", "1"), CLI_UINT("count", 1)};
    assert_non_null(cli_events_check("probe_sent", wrong_type, 2, why, sizeof why));
    struct cli_field missing[] = {CLI_UINT("probe", 1)};   /* count may not be null */
    assert_non_null(cli_events_check("probe_sent", missing, 1, why, sizeof why));
    struct cli_field null_not_allowed[] = {CLI_NULL("probe"), CLI_UINT("count", 1)};
    assert_non_null(cli_events_check("probe_sent", null_not_allowed, 2, why, sizeof why));
    struct cli_field twice[] = {CLI_UINT("probe", 1), CLI_UINT("count", 1), CLI_UINT("probe", 2)};
    assert_non_null(cli_events_check("probe_sent", twice, 3, why, sizeof why));
    struct cli_field fine[] = {CLI_UINT("probe", 1), CLI_UINT("count", 1)};
    assert_null(cli_events_check("probe_sent", fine, 2, why, sizeof why));
}

/* In a child: the emit with a key the table does not list. Debug builds abort; NDEBUG builds
 * return -1 and write nothing (the child's exit status says which happened). */
static void test_emit_refuses_an_unknown_key(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        struct cli_events e;
        struct capture c;
        capture_open(&c, &e, 1, 0);
        struct cli_field f[] = {CLI_STR("peer", "192.0.2.2:5001"), CLI_UINT("idle_ms", 5)};
        int rc = cli_events_emit(&e, 0, "client", "aborted", f, 2);
        const char *t = capture_text(&c);
        _exit(rc == -1 && (!t || !*t) ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
#ifdef NDEBUG
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#else
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
#endif
}

static void test_every_event_is_distinct_and_has_distinct_keys(void **state)
{
    (void)state;
    size_t n;
    const struct cli_event_def *d = cli_event_defs(&n);
    static const char *const envelope[] = {"v", "t_us", "host", "event"};
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(cli_event_find(d[i].name), &d[i]);
        for (size_t k = 0; k < d[i].nkeys; k++) {
            for (size_t j = 0; j < k; j++)
                assert_string_not_equal(d[i].keys[j].name, d[i].keys[k].name);
            for (size_t j = 0; j < 4; j++)
                assert_string_not_equal(d[i].keys[k].name, envelope[j]);
        }
    }
}

static void test_verdict_states_the_formula(void **state)
{
    (void)state;
    struct cli_ka_expect ka = {7200000, 1000, 10};
    struct cli_ka_verdict v;
    cli_verdict_judge(&ka, 2000, 7210002000u, 0, &v);
    assert_true(v.as_expected);
    assert_int_equal(v.idle, 7210000000u);
    assert_int_equal(v.expected, 7210000000u);
    assert_string_equal(v.message, "2:00:10.000 after the last packet it received (expected "
                                   "2:00:10.000 = 2:00:00.000 + 10 x 0:00:01.000): as specified");
    /* One microsecond off in virtual time is not the instant. */
    cli_verdict_judge(&ka, 2000, 7210002001u, 0, &v);
    assert_false(v.as_expected);
    assert_int_equal(v.late, 1);
    assert_non_null(strstr(v.message, "NOT as specified, 0:00:00.000001 late"));
    cli_verdict_judge(&ka, 2000, 7210001000u, 0, &v);
    assert_false(v.as_expected);
    assert_int_equal(v.early, 1000);
    assert_non_null(strstr(v.message, "early"));
    /* On a real wire: within the tolerance, saying how late. */
    struct cli_ka_expect rt = {300, 100, 3};
    assert_int_equal(cli_verdict_rt_tolerance(&rt), 100000);
    cli_verdict_judge(&rt, 1000000, 1000000 + 600000 + 2500, cli_verdict_rt_tolerance(&rt), &v);
    assert_true(v.as_expected);
    assert_int_equal(v.late, 2500);
    assert_string_equal(v.message, "0:00:00.602500 after the last packet it received (expected "
                                   "0:00:00.600 = 0:00:00.300 + 3 x 0:00:00.100): as specified, "
                                   "0:00:00.002500 after that instant (the loop's wake-up; "
                                   "tolerance 0:00:00.100)");
    cli_verdict_judge(&rt, 1000000, 1000000 + 600000 + 100001, cli_verdict_rt_tolerance(&rt), &v);
    assert_false(v.as_expected);
}

static void test_verdict_settings_follow_the_stack(void **state)
{
    (void)state;
    struct vg_sysparams sys;
    vg_sysparams_default(VG_PROFILE_WINDOWS_VISTA, &sys);
    struct cli_ka_expect ka;
    cli_verdict_settings(VG_PROFILE_WINDOWS_VISTA, &sys, VG_KA_SYSTEM, VG_KA_SYSTEM, VG_KA_SYSTEM,
                         &ka);
    assert_int_equal(ka.time_ms, 7200000);
    assert_int_equal(ka.interval_ms, 1000);
    assert_int_equal(ka.count, 10);
    cli_verdict_settings(VG_PROFILE_WINDOWS_VISTA, &sys, 300, VG_KA_SYSTEM, 3, &ka);
    assert_int_equal(ka.time_ms, 300);
    assert_int_equal(ka.interval_ms, 1000);
    assert_int_equal(ka.count, 3);
    vg_sysparams_default(VG_PROFILE_LINUX, &sys);
    cli_verdict_settings(VG_PROFILE_LINUX, &sys, VG_KA_SYSTEM, VG_KA_SYSTEM, VG_KA_SYSTEM, &ka);
    assert_int_equal(ka.interval_ms, 75000);
    assert_int_equal(ka.count, 9);
}

static int dump_schema(void)
{
    size_t n;
    const struct cli_event_def *d = cli_event_defs(&n);
    printf("{\"version\":%d,\"events\":{", CLI_EVENTS_VERSION);
    for (size_t i = 0; i < n; i++) {
        printf("%s\"%s\":[", i ? "," : "", d[i].name);
        for (size_t k = 0; k < d[i].nkeys; k++)
            printf("%s[\"%s\",\"%s\",%s]", k ? "," : "", d[i].keys[k].name,
                   cli_key_type_name(d[i].keys[k].type), d[i].keys[k].nullable ? "true" : "false");
        printf("]");
    }
    printf("}}\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--dump-schema"))
        return dump_schema();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_line_has_every_key_in_order),
        cmocka_unit_test(test_text_line_leaves_nulls_out),
        cmocka_unit_test(test_check_refuses_what_the_table_lacks),
        cmocka_unit_test(test_emit_refuses_an_unknown_key),
        cmocka_unit_test(test_every_event_is_distinct_and_has_distinct_keys),
        cmocka_unit_test(test_verdict_states_the_formula),
        cmocka_unit_test(test_verdict_settings_follow_the_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
