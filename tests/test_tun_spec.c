/* The TUN network specification "tun:IFNAME:ADDR/PREFIX" that VIGIL_NET and the CLI's --net take:
 * a good one gives the interface, the address and the prefix; a bad one is refused with a
 * sentence that names the problem, and the outputs are left alone. Also: a name the kernel could
 * never accept is refused before the device is touched (these need no root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "link/tun.h"

static void parses_name_address_and_prefix(void **state)
{
    (void)state;
    char ifname[16], err[256];
    uint32_t addr = 0;
    uint8_t prefix = 0;
    assert_int_equal(vg_net_spec_parse_tun("tun:vg0:192.0.2.2/24", ifname, &addr, &prefix, err,
                                           sizeof err), 0);
    assert_string_equal(ifname, "vg0");
    assert_int_equal(addr, 0xc0000202u);
    assert_int_equal(prefix, 24);

    assert_int_equal(vg_net_spec_parse_tun("tun:a-long-name-15:198.51.100.254/30", ifname, &addr,
                                           &prefix, err, sizeof err), 0);
    assert_string_equal(ifname, "a-long-name-15");
    assert_int_equal(addr, 0xc63364feu);
    assert_int_equal(prefix, 30);
}

/* spec, a word the error must contain */
static const char *const bad_specs[][2] = {
    {"loopback", "expected tun:IFNAME:ADDR/PREFIX"},
    {"tun:vg0", "no address"},
    {"tun:vg0:192.0.2.2", "no prefix length"},
    {"tun::192.0.2.2/24", "interface name"},
    {"tun:sixteen-chars-xx:192.0.2.2/24", "interface name"},
    {"tun:v/g:192.0.2.2/24", "cannot appear"},
    {"tun:vg0:192.0.2/24", "not an IPv4 address"},
    {"tun:vg0:192.0.2.256/24", "not an IPv4 address"},
    {"tun:vg0:192.0.2.2.1/24", "not an IPv4 address"},
    {"tun:vg0:192.0.2.x/24", "not an IPv4 address"},
    {"tun:vg0:192.0.2.2/0", "prefix length"},
    {"tun:vg0:192.0.2.2/31", "prefix length"},
    {"tun:vg0:192.0.2.2/24x", "prefix length"},
    {"tun:vg0:192.0.2.2/", "prefix length"},
    {"tun:vg0:192.0.2.2/-8", "prefix length"},
};

static void refuses_malformed_specs_with_a_reason(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_specs / sizeof bad_specs[0]; i++) {
        char ifname[16] = "untouched", err[256] = "";
        uint32_t addr = 7;
        uint8_t prefix = 9;
        int rc = vg_net_spec_parse_tun(bad_specs[i][0], ifname, &addr, &prefix, err, sizeof err);
        if (rc != -1 || !strstr(err, bad_specs[i][1]))
            fail_msg("'%s': rc %d, error '%s' (wanted it to mention '%s')", bad_specs[i][0], rc,
                     err, bad_specs[i][1]);
        assert_string_equal(ifname, "untouched");
        assert_int_equal(addr, 7);
        assert_int_equal(prefix, 9);
    }
}

static void refuses_impossible_interface_names_before_opening(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(vg_tun_open("", 0, err, sizeof err));
    assert_non_null(strstr(err, "1 to 15 characters"));
    err[0] = '\0';
    assert_null(vg_tun_open("sixteen-chars-xx", 1, err, sizeof err));
    assert_non_null(strstr(err, "1 to 15 characters"));
}

/* Without create, a name that is no interface is refused before /dev/net/tun is even opened:
 * TUNSETIFF would otherwise make a new device of that name (issue 9). */
static void never_creates_a_missing_device_unasked(void **state)
{
    (void)state;
    char err[256] = "";
    const char *name = "vgnosuch9";
    if (vg_tun_exists(name))
        skip();
    assert_null(vg_tun_open(name, 0, err, sizeof err));
    assert_non_null(strstr(err, "TUN device vgnosuch9 does not exist"));
    assert_non_null(strstr(err, "ip tuntap add dev vgnosuch9 mode tun"));
    assert_false(vg_tun_exists(name));
    assert_true(vg_tun_exists("lo"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_name_address_and_prefix),
        cmocka_unit_test(refuses_malformed_specs_with_a_reason),
        cmocka_unit_test(refuses_impossible_interface_names_before_opening),
        cmocka_unit_test(never_creates_a_missing_device_unasked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
