/* Profiles, their default system parameters and the probe-count rule (spec A9, A10, A11, C2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vigil/vigil.h"

static const enum vg_profile all_profiles[] = {
    VG_PROFILE_WINDOWS_VISTA, VG_PROFILE_WINDOWS_2000, VG_PROFILE_LINUX,
};
#define N_PROFILES (sizeof all_profiles / sizeof all_profiles[0])

static struct vg_sysparams params(uint32_t tcp_max, uint32_t pptp_max)
{
    struct vg_sysparams sp;
    vg_sysparams_default(VG_PROFILE_WINDOWS_2000, &sp);
    sp.tcp_max_data_retransmissions = tcp_max;
    sp.pptp_tcp_max_data_retransmissions = pptp_max;
    return sp;
}

static void a9_defaults_two_hours_one_second(void **state)
{
    (void)state;
    const enum vg_profile windows[] = {VG_PROFILE_WINDOWS_VISTA, VG_PROFILE_WINDOWS_2000};
    for (size_t i = 0; i < 2; i++) {
        struct vg_sysparams sp;
        memset(&sp, 0xa5, sizeof sp);
        vg_sysparams_default(windows[i], &sp);
        assert_int_equal(sp.keepalive_time_ms, 2u * 60u * 60u * 1000u);
        assert_int_equal(sp.keepalive_interval_ms, 1000u);
    }
}

static void a10_windows_retransmission_defaults_are_5(void **state)
{
    (void)state;
    const enum vg_profile windows[] = {VG_PROFILE_WINDOWS_VISTA, VG_PROFILE_WINDOWS_2000};
    for (size_t i = 0; i < 2; i++) {
        struct vg_sysparams sp;
        memset(&sp, 0xa5, sizeof sp);
        vg_sysparams_default(windows[i], &sp);
        assert_int_equal(sp.tcp_max_data_retransmissions, 5u);
        assert_int_equal(sp.pptp_tcp_max_data_retransmissions, 5u);
    }
}

static void a10_vista_count_fixed_at_10(void **state)
{
    (void)state;
    struct vg_sysparams def;
    vg_sysparams_default(VG_PROFILE_WINDOWS_VISTA, &def);
    assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_WINDOWS_VISTA, &def), 10u);
    /* The registry values that drive the legacy count change nothing here. */
    const uint32_t odd[][2] = {{0, 0}, {3, 8}, {255, 255}, {1000, 0}, {UINT32_MAX, UINT32_MAX}};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        struct vg_sysparams sp = params(odd[i][0], odd[i][1]);
        assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_WINDOWS_VISTA, &sp), 10u);
    }
}

static void a10_windows2000_default_count_is_5(void **state)
{
    (void)state;
    struct vg_sysparams sp;
    vg_sysparams_default(VG_PROFILE_WINDOWS_2000, &sp);
    assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_WINDOWS_2000, &sp), 5u);
}

static void a10_windows2000_count_is_larger_of_two(void **state)
{
    (void)state;
    const uint32_t cases[][3] = {
        /* TcpMaxDataRetransmissions, PPTPTcpMaxDataRetransmissions, expected */
        {3, 8, 8}, {8, 3, 8}, {7, 7, 7}, {1, 0, 1}, {0, 2, 2}, {200, 17, 200},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_sysparams sp = params(cases[i][0], cases[i][1]);
        assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_WINDOWS_2000, &sp), cases[i][2]);
    }
}

static void a10_windows2000_zero_means_no_probes(void **state)
{
    (void)state;
    struct vg_sysparams sp = params(0, 0);
    assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_WINDOWS_2000, &sp), 0u);
}

static void a10_windows2000_above_255_is_255(void **state)
{
    (void)state;
    const uint32_t cases[][3] = {
        {254, 0, 254}, {255, 0, 255}, {256, 0, 255}, {0, 256, 255},
        {1000, 3, 255}, {3, UINT32_MAX, 255}, {UINT32_MAX, UINT32_MAX, 255},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_sysparams sp = params(cases[i][0], cases[i][1]);
        assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_WINDOWS_2000, &sp), cases[i][2]);
    }
}

static void c2_linux_profile_defaults(void **state)
{
    (void)state;
    struct vg_sysparams sp;
    memset(&sp, 0xa5, sizeof sp);
    vg_sysparams_default(VG_PROFILE_LINUX, &sp);
    assert_int_equal(sp.keepalive_time_ms, 7200000u);
    assert_int_equal(sp.keepalive_interval_ms, 75000u);
    assert_int_equal(sp.tcp_max_data_retransmissions, 15u);
    assert_int_equal(sp.pptp_tcp_max_data_retransmissions, 5u);
    assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_LINUX, &sp), 9u);
    /* Like Vista, the Linux count does not come from the Windows registry values. */
    struct vg_sysparams zero = params(0, 0), big = params(300, 300);
    assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_LINUX, &zero), 9u);
    assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_LINUX, &big), 9u);
}

static void c2_default_profile_is_vista(void **state)
{
    (void)state;
    /* A zero-initialised configuration must select the default profile. */
    struct vg_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(cfg.profile, VG_PROFILE_WINDOWS_VISTA);
    assert_string_equal(vg_profile_name(cfg.profile), "windows-vista");
}

static void c2_profile_names_round_trip(void **state)
{
    (void)state;
    const char *expected[] = {"windows-vista", "windows-2000", "linux"};
    for (size_t i = 0; i < N_PROFILES; i++) {
        assert_string_equal(vg_profile_name(all_profiles[i]), expected[i]);
        enum vg_profile got = (enum vg_profile)-1;
        assert_int_equal(vg_profile_parse(vg_profile_name(all_profiles[i]), &got), 0);
        assert_int_equal(got, all_profiles[i]);
    }
}

static void c2_profile_parse_ignores_case(void **state)
{
    (void)state;
    const struct { const char *name; enum vg_profile p; } cases[] = {
        {"Windows-Vista", VG_PROFILE_WINDOWS_VISTA}, {"WINDOWS-2000", VG_PROFILE_WINDOWS_2000},
        {"Linux", VG_PROFILE_LINUX}, {"wInDoWs-vIsTa", VG_PROFILE_WINDOWS_VISTA},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum vg_profile got = (enum vg_profile)-1;
        assert_int_equal(vg_profile_parse(cases[i].name, &got), 0);
        assert_int_equal(got, cases[i].p);
    }
}

static void c2_profile_parse_rejects_unknown_names(void **state)
{
    (void)state;
    const char *bad[] = {"", "vista", "windows", "windows-xp", "linux ", " linux",
                         "windows-vistaX", "windows_2000", "lin"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum vg_profile got = VG_PROFILE_LINUX;
        assert_int_equal(vg_profile_parse(bad[i], &got), -1);
        assert_int_equal(got, VG_PROFILE_LINUX);   /* untouched on failure */
    }
    assert_int_equal(vg_profile_parse(NULL, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a9_defaults_two_hours_one_second),
        cmocka_unit_test(a10_windows_retransmission_defaults_are_5),
        cmocka_unit_test(a10_vista_count_fixed_at_10),
        cmocka_unit_test(a10_windows2000_default_count_is_5),
        cmocka_unit_test(a10_windows2000_count_is_larger_of_two),
        cmocka_unit_test(a10_windows2000_zero_means_no_probes),
        cmocka_unit_test(a10_windows2000_above_255_is_255),
        cmocka_unit_test(c2_linux_profile_defaults),
        cmocka_unit_test(c2_default_profile_is_vista),
        cmocka_unit_test(c2_profile_names_round_trip),
        cmocka_unit_test(c2_profile_parse_ignores_case),
        cmocka_unit_test(c2_profile_parse_rejects_unknown_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
