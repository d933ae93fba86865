/* WSAStartup and WSACleanup: version negotiation as Windows does it, counting, and the default
 * network chosen from the environment (VIGIL_NET, VIGIL_CLOCK, VIGIL_PROFILE, VIGIL_REG), whose
 * mistakes fail WSAStartup with a sentence saying what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

static int teardown(void **state)
{
    (void)state;
    api_stop();
    unsetenv("VIGIL_NET");
    unsetenv("VIGIL_CLOCK");
    unsetenv("VIGIL_PROFILE");
    unsetenv("VIGIL_REG");
    unsetenv("VIGIL_SEED");
    return 0;
}

static void version_negotiation(void **state)
{
    (void)state;
    setenv("VIGIL_CLOCK", "virtual", 1);
    static const struct { WORD asked; int result; WORD got; } cases[] = {
        {MAKEWORD(2, 2), 0, MAKEWORD(2, 2)},
        {MAKEWORD(2, 0), 0, MAKEWORD(2, 0)},
        {MAKEWORD(1, 1), 0, MAKEWORD(1, 1)},
        {MAKEWORD(1, 0), 0, MAKEWORD(1, 0)},
        {MAKEWORD(1, 5), 0, MAKEWORD(1, 1)},
        {MAKEWORD(2, 3), 0, MAKEWORD(2, 2)},
        {MAKEWORD(3, 0), 0, MAKEWORD(2, 2)},
        {MAKEWORD(0, 9), WSAVERNOTSUPPORTED, MAKEWORD(2, 2)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        WSADATA wsa;
        memset(&wsa, 0xee, sizeof wsa);
        assert_int_equal(WSAStartup(cases[i].asked, &wsa), cases[i].result);
        assert_int_equal(wsa.wVersion, cases[i].got);
        assert_int_equal(wsa.wHighVersion, MAKEWORD(2, 2));
        assert_string_equal(wsa.szSystemStatus, "Running");
        assert_true(strlen(wsa.szDescription) > 0);
        if (cases[i].result == 0)
            assert_int_equal(WSACleanup(), 0);
        assert_int_equal(WSACleanup(), SOCKET_ERROR);
        assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    }
}

static void null_wsadata_efault_and_not_counted(void **state)
{
    (void)state;
    setenv("VIGIL_CLOCK", "virtual", 1);
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), NULL), WSAEFAULT);
    assert_int_equal(WSACleanup(), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
}

static void cleanup_is_counted(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(api_start(NULL), 0);
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(WSACleanup(), 0);
        assert_int_equal(closesocket(socket(AF_INET, SOCK_DGRAM, 0)), 0);
        assert_int_equal(set_dword(s, SOL_SOCKET, SO_KEEPALIVE, TRUE), 0);
    }
    assert_int_equal(WSACleanup(), 0);
    assert_int_equal(socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    assert_int_equal(WSACleanup(), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
}

static void last_cleanup_resets_every_socket(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27601, &c, &s), 0);
    assert_int_equal(WSACleanup(), 0);
    assert_int_equal(api_start(NULL), 0);
    /* A new period: the old handles name nothing, and the port is free again. */
    assert_int_equal(closesocket(c), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAENOTSOCK);
    SOCKET c2, s2;
    assert_int_equal(tcp_pair(27601, &c2, &s2), 0);
    assert_int_equal(send(c2, "x", 1, 0), 1);
    char b;
    assert_int_equal(recv(s2, &b, 1, 0), 1);
}

static void expect_startup_error(const char *needle)
{
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), WSASYSNOTREADY);
    const char *why = vg_ws_startup_error();
    if (!strstr(why, needle))
        fail_msg("WSAStartup's message \"%s\" does not mention \"%s\"", why, needle);
    /* A failed WSAStartup counts for nothing. */
    assert_int_equal(socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
}

static void environment_mistakes_fail_with_a_sentence(void **state)
{
    (void)state;
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_NET", "carrier-pigeon", 1);
    expect_startup_error("VIGIL_NET=carrier-pigeon");
    setenv("VIGIL_NET", "loopback", 1);
    setenv("VIGIL_CLOCK", "sundial", 1);
    expect_startup_error("VIGIL_CLOCK=sundial");
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_PROFILE", "windows-95", 1);
    expect_startup_error("VIGIL_PROFILE=windows-95");
    unsetenv("VIGIL_PROFILE");
    setenv("VIGIL_REG", "/nonexistent/tcpip.reg", 1);
    expect_startup_error("VIGIL_REG=/nonexistent/tcpip.reg");
    unsetenv("VIGIL_REG");
    setenv("VIGIL_SEED", "twelve", 1);
    expect_startup_error("VIGIL_SEED");
    unsetenv("VIGIL_SEED");
    /* Fixed, it works, and the message is gone. */
    assert_int_equal(api_start(NULL), 0);
    assert_string_equal(vg_ws_startup_error(), "");
}

static void tun_network_mistakes(void **state)
{
    (void)state;
    /* Neither reaches a device: the spec is refused before anything is opened. */
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_NET", "tun:vgapitest0:192.0.2.2/24", 1);
    expect_startup_error("VIGIL_CLOCK=virtual");
    setenv("VIGIL_CLOCK", "real", 1);
    setenv("VIGIL_NET", "tun:vgapitest0", 1);
    expect_startup_error("tun:IFNAME:ADDR/PREFIX");
    setenv("VIGIL_NET", "tun:vgapitest0:192.0.2.2/99", 1);
    expect_startup_error("prefix");
}

static void real_clock_runs_connections(void **state)
{
    (void)state;
    setenv("VIGIL_CLOCK", "real", 1);
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    uint64_t t0 = vg_clock_ms();
    SOCKET c, s;
    assert_int_equal(tcp_pair(27602, &c, &s), 0);
    assert_int_equal(send(c, "real", 4, 0), 4);
    char buf[8];
    assert_int_equal(recv(s, buf, sizeof buf, 0), 4);
    assert_memory_equal(buf, "real", 4);
    assert_true(vg_clock_ms() >= t0);
}

static void seed_makes_a_run_repeatable(void **state)
{
    (void)state;
    u_short ports[2];
    for (int run = 0; run < 2; run++) {
        setenv("VIGIL_SEED", "4242", 1);
        assert_int_equal(api_start(NULL), 0);
        SOCKET c, s;
        assert_int_equal(tcp_pair(27603, &c, &s), 0);
        struct sockaddr_in name;
        int len = sizeof name;
        assert_int_equal(getsockname(c, (SOCKADDR *)&name, &len), 0);
        ports[run] = ntohs(name.sin_port);
        api_stop();
    }
    assert_int_equal(ports[0], ports[1]);
    assert_true(ports[0] >= 49152);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(version_negotiation, teardown),
        cmocka_unit_test_teardown(null_wsadata_efault_and_not_counted, teardown),
        cmocka_unit_test_teardown(cleanup_is_counted, teardown),
        cmocka_unit_test_teardown(last_cleanup_resets_every_socket, teardown),
        cmocka_unit_test_teardown(environment_mistakes_fail_with_a_sentence, teardown),
        cmocka_unit_test_teardown(tun_network_mistakes, teardown),
        cmocka_unit_test_teardown(real_clock_runs_connections, teardown),
        cmocka_unit_test_teardown(seed_makes_a_run_repeatable, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
