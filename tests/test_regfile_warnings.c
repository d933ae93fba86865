/* What a registry export asks for that vigil does not apply is said (spec C3): an unknown value
 * name under Tcpip\Parameters (with the known name it most likely meant) and a file without that
 * key. VG_REG_STRICT makes the first of them the error, and then nothing is applied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigil/vigil.h"

#define V5 "Windows Registry Editor Version 5.00\n\n"
#define TCPIP "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"

struct seen {
    unsigned n;
    char msg[24][256];
};

static void collect(void *ctx, const char *msg)
{
    struct seen *s = ctx;
    if (s->n < sizeof s->msg / sizeof s->msg[0])
        snprintf(s->msg[s->n], sizeof s->msg[0], "%s", msg);
    s->n++;
}

static struct vg_sysparams start(void)
{
    struct vg_sysparams sp;
    vg_sysparams_default(VG_PROFILE_WINDOWS_2000, &sp);
    return sp;
}

static int parse(struct vg_sysparams *sp, const char *text, unsigned flags, struct seen *seen,
                 char *err, size_t errlen)
{
    memset(seen, 0, sizeof *seen);
    return vg_sysparams_parse_reg_ex(sp, text, strlen(text), flags, collect, seen, err, errlen);
}

static const char misspelled[] =
    V5 TCPIP
    "\"KeepAliveTme\"=dword:00007530\n"
    "\"KeepAliveInterval\"=dword:000003e8\n"
    "\"TcpMaxDataRetransmissions\"=dword:00000003\n";

static void misspelled_name_warns_with_suggestion_and_applies_the_rest(void **state)
{
    (void)state;
    struct vg_sysparams sp = start(), before = sp;
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, misspelled, 0, &seen, err, sizeof err), 0);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.msg[0], "line 4: unknown value \"KeepAliveTme\" under "
                                     "Tcpip\\Parameters (did you mean \"KeepAliveTime\"?)");
    assert_int_equal(sp.keepalive_time_ms, before.keepalive_time_ms);
    assert_int_equal(sp.keepalive_interval_ms, 1000);
    assert_int_equal(sp.tcp_max_data_retransmissions, 3);
}

static void a_swapped_pair_and_case_are_one_typo(void **state)
{
    (void)state;
    struct vg_sysparams sp = start();
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, V5 TCPIP "\"keepaliveintrevla\"=dword:1\n", 0, &seen, err,
                           sizeof err), 0);
    assert_int_equal(seen.n, 1);
    assert_non_null(strstr(seen.msg[0], "(did you mean \"KeepAliveInterval\"?)"));
}

static void a_name_far_from_every_known_one_gets_no_suggestion(void **state)
{
    (void)state;
    struct vg_sysparams sp = start();
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, V5 TCPIP "\"Frobnicate\"=dword:1\n", 0, &seen, err, sizeof err),
                     0);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.msg[0], "line 4: unknown value \"Frobnicate\" under Tcpip\\Parameters");
}

static void missing_key_warns(void **state)
{
    (void)state;
    struct vg_sysparams sp = start(), before = sp;
    struct seen seen;
    char err[256];
    const char *text = V5 "[HKEY_CURRENT_USER\\Software\\Tcpip\\Parameters]\n"
                          "\"KeepAliveTime\"=dword:00007530\n";
    assert_int_equal(parse(&sp, text, 0, &seen, err, sizeof err), 0);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.msg[0],
                        "no [...\\Services\\Tcpip\\Parameters] key: nothing applied");
    assert_memory_equal(&sp, &before, sizeof sp);
    /* Deleting the key applies nothing either. */
    text = V5 "[-HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n";
    assert_int_equal(parse(&sp, text, 0, &seen, err, sizeof err), 0);
    assert_int_equal(seen.n, 1);
    assert_non_null(strstr(seen.msg[0], "nothing applied"));
}

static void strict_refuses_and_changes_nothing(void **state)
{
    (void)state;
    struct vg_sysparams sp = start(), before = sp;
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, misspelled, VG_REG_STRICT, &seen, err, sizeof err), -1);
    assert_string_equal(err, "line 4: unknown value \"KeepAliveTme\" under "
                             "Tcpip\\Parameters (did you mean \"KeepAliveTime\"?)");
    assert_int_equal(seen.n, 0);
    assert_memory_equal(&sp, &before, sizeof sp);

    assert_int_equal(parse(&sp, V5 "[HKEY_CURRENT_USER\\Software]\n", VG_REG_STRICT, &seen, err,
                           sizeof err), -1);
    assert_string_equal(err, "no [...\\Services\\Tcpip\\Parameters] key: nothing applied");
    assert_memory_equal(&sp, &before, sizeof sp);

    /* The functions without flags go on ignoring warnings. */
    assert_int_equal(vg_sysparams_parse_reg(&sp, misspelled, strlen(misspelled), err, sizeof err),
                     0);
    assert_string_equal(err, "");
    assert_int_equal(sp.tcp_max_data_retransmissions, 3);
}

static void strict_loading_a_file_refuses_too(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-regwarn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, misspelled, strlen(misspelled)), (ssize_t)strlen(misspelled));
    close(fd);
    struct vg_sysparams sp = start(), before = sp;
    struct seen seen = {0};
    char err[256];
    assert_int_equal(vg_sysparams_load_reg_ex(&sp, path, VG_REG_STRICT, collect, &seen, err,
                                              sizeof err), -1);
    assert_non_null(strstr(err, "line 4: unknown value \"KeepAliveTme\""));
    assert_memory_equal(&sp, &before, sizeof sp);
    assert_int_equal(vg_sysparams_load_reg_ex(&sp, path, 0, collect, &seen, err, sizeof err), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(sp.tcp_max_data_retransmissions, 3);
    unlink(path);
}

static void clean_file_and_known_names_are_quiet(void **state)
{
    (void)state;
    /* Values Windows keeps under the key and vigil does not read, in any case, and values under
     * other keys (an interface's subkey, another hive) whatever their names. */
    const char *text = V5 TCPIP
        "\"Hostname\"=\"host\"\n"
        "\"NV Hostname\"=\"host\"\n"
        "\"domain\"=\"example.test\"\n"
        "\"DataBasePath\"=hex(2):25,00,53,00,\\\n  00,00\n"
        "\"EnableWsd\"=dword:00000001\n"
        "\"TcpTimedWaitDelay\"=dword:0000001e\n"
        "@=\"default value\"\n"
        "\"KeepAliveTime\"=dword:00007530\n"
        "\"keepaliveinterval\"=dword:000003e8\n"
        "\"TcpMaxDataRetransmissions\"=dword:00000005\n"
        "\"PPTPTcpMaxDataRetransmissions\"=dword:00000009\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\x]\n"
        "\"KeepAliveTme\"=dword:1\n"
        "[HKEY_CURRENT_USER\\Software\\Vendor]\n"
        "\"Whatever\"=dword:1\n";
    struct vg_sysparams sp = start();
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, text, 0, &seen, err, sizeof err), 0);
    assert_int_equal(seen.n, 0);
    assert_int_equal(sp.keepalive_time_ms, 30000);
    assert_int_equal(sp.pptp_tcp_max_data_retransmissions, 9);
    assert_int_equal(parse(&sp, text, VG_REG_STRICT, &seen, err, sizeof err), 0);
    assert_string_equal(err, "");
}

static void warnings_of_a_rejected_file_are_not_given(void **state)
{
    (void)state;
    struct vg_sysparams sp = start();
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, V5 TCPIP "\"KeepAliveTme\"=dword:1\n\"KeepAliveTime\"=dword:0\n",
                           0, &seen, err, sizeof err), -1);
    assert_int_equal(seen.n, 0);
    assert_non_null(strstr(err, "line 5:"));
}

static void many_warnings_are_counted_not_listed(void **state)
{
    (void)state;
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "%s", V5 TCPIP);
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "\"Unknown%d\"=dword:1\n", i);
    struct vg_sysparams sp = start();
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, text, 0, &seen, err, sizeof err), 0);
    assert_int_equal(seen.n, 17);
    assert_string_equal(seen.msg[0], "line 4: unknown value \"Unknown0\" under Tcpip\\Parameters");
    assert_string_equal(seen.msg[16], "24 more warnings not shown");
}

static void a_long_or_odd_name_is_shown_cut_and_clean(void **state)
{
    (void)state;
    struct vg_sysparams sp = start();
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, V5 TCPIP "\"KeepAliveTimeKeepAliveTimeKeepAliveTimeKeepAliveTime"
                                         "KeepAliveTime\"=dword:1\n\"a\tb\"=dword:1\n",
                           0, &seen, err, sizeof err), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.msg[0], "line 4: unknown value \"KeepAliveTimeKeepAliveTimeKeepAliveTim"
                                     "eK...\" under Tcpip\\Parameters");
    assert_string_equal(seen.msg[1], "line 5: unknown value \"a?b\" under Tcpip\\Parameters");
}

static void bad_flags_are_refused(void **state)
{
    (void)state;
    struct vg_sysparams sp = start();
    struct seen seen;
    char err[256];
    assert_int_equal(parse(&sp, misspelled, 2u, &seen, err, sizeof err), -1);
    assert_string_equal(err, "invalid argument");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(misspelled_name_warns_with_suggestion_and_applies_the_rest),
        cmocka_unit_test(a_swapped_pair_and_case_are_one_typo),
        cmocka_unit_test(a_name_far_from_every_known_one_gets_no_suggestion),
        cmocka_unit_test(missing_key_warns),
        cmocka_unit_test(strict_refuses_and_changes_nothing),
        cmocka_unit_test(strict_loading_a_file_refuses_too),
        cmocka_unit_test(clean_file_and_known_names_are_quiet),
        cmocka_unit_test(warnings_of_a_rejected_file_are_not_given),
        cmocka_unit_test(many_warnings_are_counted_not_listed),
        cmocka_unit_test(a_long_or_odd_name_is_shown_cut_and_clean),
        cmocka_unit_test(bad_flags_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
