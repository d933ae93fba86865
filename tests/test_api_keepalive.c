/* Keep-alive through the Winsock API, end to end on the loopback network in virtual time:
 * SO_KEEPALIVE (A1-A5), the profiles' defaults (A9, A10, C2), SIO_KEEPALIVE_VALS (A12), how a
 * dead peer is reported (A13), the per-socket TCP options (C1), the registry export (C3),
 * introspection (C4) and TCP_MAXRT (C7). A dead peer is one vg_blackhole() cut off.
 * Every test runs twice, over AF_INET (127.0.0.1) and AF_INET6 (::1), expecting the same
 * instants: keep-alive knows nothing of the family. The datagram sockets of A5 and C7 are of
 * the run's family too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_api_support.h"

static int teardown(void **state)
{
    (void)state;
    api_stop();
    unsetenv("VIGIL_REG");
    return 0;
}

static struct vg_keepalive_info info_of(SOCKET s)
{
    struct vg_keepalive_info ka;
    assert_int_equal(vg_ws_keepalive_info(s, &ka), 0);
    return ka;
}

static int keepalive_vals(SOCKET s, u_long on, u_long time_ms, u_long interval_ms)
{
    struct tcp_keepalive kv = {on, time_ms, interval_ms};
    DWORD bytes = 0xffff;
    int r = WSAIoctl(s, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL);
    if (r == 0)
        assert_int_equal(bytes, 0);
    return r;
}

/* Cuts the client off and blocks in recv until keep-alive gives up; returns the WSA error and
 * the virtual time at which the call returned. */
static int recv_until_dropped(SOCKET s, uint64_t *when_ms)
{
    char buf[8];
    assert_int_equal(vg_blackhole(s, 1), 0);
    WSASetLastError(0);
    int n = recv(s, buf, sizeof buf, 0);
    *when_ms = vg_clock_ms();
    assert_int_equal(n, SOCKET_ERROR);
    return WSAGetLastError();
}

/* ---- A1-A5. */

static void a1_any_nonzero_dword_is_true(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = api_stream_socket();
    /* Only the high byte set: a one-byte read would see FALSE. */
    const DWORD values[] = {1, 0x100, 0x10000, 0x80000000u, 0xffffffffu};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        assert_int_equal(set_dword(s, SOL_SOCKET, SO_KEEPALIVE, FALSE), 0);
        assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
        assert_int_equal(set_dword(s, SOL_SOCKET, SO_KEEPALIVE, values[i]), 0);
        assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 1);
    }
}

static void a2_off_on_every_new_socket(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27201, &c, &s), 0);
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_KEEPALIVE), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    SOCKET fresh = api_stream_socket();
    assert_int_equal(get_dword(fresh, SOL_SOCKET, SO_KEEPALIVE), 0);
    assert_int_equal(info_of(c).enabled, 0);
}

static void a3_get_reports_0_or_1_and_dword_length(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = api_stream_socket();
    assert_int_equal(set_dword(s, SOL_SOCKET, SO_KEEPALIVE, 0x2a00), 0);
    DWORD v[2] = {0x77777777u, 0x77777777u};
    int len = sizeof v;
    assert_int_equal(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)v, &len), 0);
    assert_int_equal(len, sizeof(DWORD));
    assert_int_equal(v[0], 1);
    assert_int_equal(v[1], 0x77777777u);   /* only a DWORD written */
}

static void a4_true_enables_probing_false_stops_it(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27202, &c, &s), 0);
    assert_int_equal(info_of(c).next_probe_in, VG_TIME_NEVER);
    assert_int_equal(keepalive_vals(c, 1, 10000, 1000), 0);
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_KEEPALIVE, TRUE), 0);
    assert_int_not_equal(info_of(c).next_probe_in, VG_TIME_NEVER);

    /* The peer goes silent; three probes go unanswered... */
    assert_int_equal(vg_blackhole(c, 1), 0);
    idle_ms(12500);
    struct vg_keepalive_info ka = info_of(c);
    assert_int_equal(ka.probes_unanswered, 3);
    assert_int_equal(ka.probes_sent, 3);
    /* ...then keep-alive is switched off: probing stops, and the connection outlives the instant
     * it would have been dropped at. */
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_KEEPALIVE, FALSE), 0);
    ka = info_of(c);
    assert_int_equal(ka.enabled, 0);
    assert_int_equal(ka.probes_unanswered, 0);
    assert_int_equal(ka.next_probe_in, VG_TIME_NEVER);
    idle_ms(60000);
    assert_int_equal(info_of(c).probes_sent, 3);
    assert_int_equal(set_nonblocking(c, 1), 0);
    char b;
    assert_fails_with(recv(c, &b, 1, 0), WSAEWOULDBLOCK);
    /* And it still carries data once the path is back. */
    assert_int_equal(vg_blackhole(c, 0), 0);
    assert_int_equal(send(s, "x", 1, 0), 1);
    assert_int_equal(recv(c, &b, 1, 0), 1);
}

static void a5_datagram_socket_noprotoopt_while_it_carries_data(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET a = socket(api_family(), SOCK_DGRAM, IPPROTO_UDP);
    SOCKET b = socket(api_family(), SOCK_DGRAM, IPPROTO_UDP);
    SOCKADDR_STORAGE sa;
    int salen = api_loop_addr(27203, &sa);
    assert_int_equal(bind(a, (SOCKADDR *)&sa, salen), 0);
    assert_int_equal(sendto(b, "ping", 4, 0, (SOCKADDR *)&sa, salen), 4);
    char buf[8];
    assert_int_equal(recvfrom(a, buf, sizeof buf, 0, NULL, NULL), 4);
    assert_memory_equal(buf, "ping", 4);
    /* A working datagram socket, and still no keep-alive for it. */
    assert_fails_with(set_dword(a, SOL_SOCKET, SO_KEEPALIVE, TRUE), WSAENOPROTOOPT);
    DWORD v;
    int len = sizeof v;
    assert_fails_with(getsockopt(a, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &len), WSAENOPROTOOPT);
    assert_fails_with(keepalive_vals(a, 1, 1000, 1000), WSAENOPROTOOPT);
    const int tcp_opts[] = {TCP_KEEPIDLE, TCP_KEEPALIVE, TCP_KEEPINTVL, TCP_KEEPCNT};
    for (size_t i = 0; i < sizeof tcp_opts / sizeof tcp_opts[0]; i++) {
        assert_fails_with(set_dword(a, IPPROTO_TCP, tcp_opts[i], 5), WSAENOPROTOOPT);
        assert_fails_with(getsockopt(a, IPPROTO_TCP, tcp_opts[i], (char *)&v, &len),
                          WSAENOPROTOOPT);
    }
    struct vg_keepalive_info ka;
    assert_fails_with(vg_ws_keepalive_info(a, &ka), WSAENOPROTOOPT);
}

/* ---- A9, A10, C2: what a socket gets when it only says SO_KEEPALIVE. */

static void check_defaults(const char *profile, DWORD idle_s, DWORD intvl_s, DWORD count)
{
    assert_int_equal(api_start(profile), 0);
    SOCKET s = api_stream_socket();
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPIDLE), idle_s);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPINTVL), intvl_s);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPCNT), count);
    struct vg_keepalive_info ka = info_of(s);
    assert_true(ka.time_is_system && ka.interval_is_system && ka.count_is_system);
    api_stop();
}

static void a9_a10_c2_defaults_per_profile(void **state)
{
    (void)state;
    check_defaults(NULL, 7200, 1, 10);
    check_defaults("windows-vista", 7200, 1, 10);
    check_defaults("windows-2000", 7200, 1, 5);
    check_defaults("linux", 7200, 75, 9);
}

static void drop_after_defaults(const char *profile, uint64_t expect_ms, int expect_err)
{
    assert_int_equal(api_start(profile), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27204, &c, &s), 0);
    idle_ms(1000);                    /* the handshake's last ACKs are long gone */
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_KEEPALIVE, TRUE), 0);
    uint64_t t_on = vg_clock_ms();
    uint64_t when;
    assert_int_equal(recv_until_dropped(c, &when), expect_err);
    assert_int_equal(when - t_on, expect_ms);
    api_stop();
}

static void a9_a10_default_two_hours_then_count_probes(void **state)
{
    (void)state;
    drop_after_defaults(NULL, 7200000 + 10 * 1000, WSAENETRESET);
    drop_after_defaults("windows-2000", 7200000 + 5 * 1000, WSAENETRESET);
    drop_after_defaults("linux", 7200000 + 9 * 75000, WSAETIMEDOUT);
}

/* ---- A12: SIO_KEEPALIVE_VALS. */

static void a12_sets_switch_time_and_interval(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = api_stream_socket();
    assert_int_equal(keepalive_vals(s, 1, 5000, 2500), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 1);
    struct vg_keepalive_info ka = info_of(s);
    assert_int_equal(ka.time_ms, 5000);
    assert_int_equal(ka.interval_ms, 2500);
    assert_false(ka.time_is_system);
    assert_false(ka.interval_is_system);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPIDLE), 5);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPINTVL), 2);
    /* onoff = 0 switches it off; the values stay the socket's own. */
    assert_int_equal(keepalive_vals(s, 0, 5000, 2500), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    assert_int_equal(info_of(s).time_ms, 5000);
}

static void a12_drop_at_time_plus_count_intervals(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27205, &c, &s), 0);
    idle_ms(1000);
    assert_int_equal(keepalive_vals(c, 1, 30000, 2000), 0);
    uint64_t t_on = vg_clock_ms();
    uint64_t when;
    assert_int_equal(recv_until_dropped(c, &when), WSAENETRESET);
    assert_int_equal(when - t_on, 30000 + 10 * 2000);   /* windows-vista: 10 probes */
    assert_int_equal(info_of(c).probes_sent, 10);
}

static void a12_so_keepalive_alone_uses_system_values(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET a = api_stream_socket();
    SOCKET b = api_stream_socket();
    assert_int_equal(set_dword(a, SOL_SOCKET, SO_KEEPALIVE, TRUE), 0);
    assert_int_equal(keepalive_vals(b, 1, 60000, 3000), 0);
    struct vg_keepalive_info ka = info_of(a);
    assert_true(ka.time_is_system && ka.interval_is_system);
    assert_int_equal(ka.time_ms, 7200000);
    assert_int_equal(ka.interval_ms, 1000);
    /* b's values are b's alone. */
    assert_int_equal(info_of(b).time_ms, 60000);
    assert_int_equal(info_of(a).time_ms, 7200000);
}

static void a12_accepted_socket_inherits_listener_values(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = tcp_listener(27206, 5);
    assert_int_equal(keepalive_vals(l, 1, 45000, 1500), 0);
    SOCKET c = api_stream_socket();
    SOCKADDR_STORAGE sa;
    int salen = api_loop_addr(27206, &sa);
    assert_int_equal(connect(c, (SOCKADDR *)&sa, salen), 0);
    SOCKET s = accept(l, NULL, NULL);
    assert_int_not_equal(s, INVALID_SOCKET);
    struct vg_keepalive_info ka = info_of(s);
    assert_true(ka.enabled);
    assert_int_equal(ka.time_ms, 45000);
    assert_int_equal(ka.interval_ms, 1500);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 1);
}

static void a12_argument_errors(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = api_stream_socket();
    struct tcp_keepalive kv = {1, 1000, 1000};
    DWORD bytes;
    assert_fails_with(WSAIoctl(s, SIO_KEEPALIVE_VALS, NULL, sizeof kv, NULL, 0, &bytes, NULL, NULL),
                      WSAEFAULT);
    assert_fails_with(WSAIoctl(s, SIO_KEEPALIVE_VALS, &kv, sizeof kv - 1, NULL, 0, &bytes, NULL,
                               NULL), WSAEFAULT);
    assert_fails_with(WSAIoctl(s, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, NULL, NULL, NULL),
                      WSAEFAULT);
    assert_fails_with(WSAIoctl(s, 0x98000099u, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL),
                      WSAEINVAL);
    assert_fails_with(WSAIoctl(INVALID_SOCKET, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes,
                               NULL, NULL), WSAENOTSOCK);
    struct tcp_keepalive zero = {1, 0, 1000};
    assert_fails_with(WSAIoctl(s, SIO_KEEPALIVE_VALS, &zero, sizeof zero, NULL, 0, &bytes, NULL,
                               NULL), WSAEINVAL);
    /* None of the failures changed anything. */
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    assert_true(info_of(s).time_is_system);
}

/* ---- A13: how the program learns that keep-alive dropped the connection. */

static void a13_blocked_recv_netreset_then_notconn(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27207, &c, &s), 0);
    assert_int_equal(keepalive_vals(c, 1, 10000, 1000), 0);
    uint64_t when;
    assert_int_equal(recv_until_dropped(c, &when), WSAENETRESET);
    char buf[4];
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAENOTCONN);
    assert_fails_with(send(c, "x", 1, 0), WSAENOTCONN);
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAENOTCONN);
    assert_fails_with(shutdown(c, SD_BOTH), WSAENOTCONN);
    SOCKADDR_STORAGE peer;
    int len = sizeof peer;
    assert_fails_with(getpeername(c, (SOCKADDR *)&peer, &len), WSAENOTCONN);
    /* B7 through the API: the peer was told with a reset. */
    assert_fails_with(recv(s, buf, sizeof buf, 0), WSAECONNRESET);
    assert_int_equal(closesocket(c), 0);
}

static void a13_call_made_after_the_drop_gets_notconn(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27208, &c, &s), 0);
    assert_int_equal(keepalive_vals(c, 1, 10000, 1000), 0);
    assert_int_equal(vg_blackhole(c, 1), 0);
    idle_ms(30000);                   /* dropped at 20 s, while no call was in progress */
    char buf[4];
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAENOTCONN);
    /* select saw it: the socket is readable (recv says how it ended). */
    fd_set r;
    FD_ZERO(&r);
    FD_SET(c, &r);
    struct timeval tv = {0, 0};
    assert_int_equal(select(0, &r, NULL, NULL, &tv), 1);
    /* SO_ERROR holds the cause once. */
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_ERROR), WSAENETRESET);
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_ERROR), 0);
}

static void a13_linux_profile_timedout_to_the_first_call(void **state)
{
    (void)state;
    assert_int_equal(api_start("linux"), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27209, &c, &s), 0);
    assert_int_equal(keepalive_vals(c, 1, 10000, 1000), 0);
    uint64_t when;
    assert_int_equal(recv_until_dropped(c, &when), WSAETIMEDOUT);
    char buf[4];
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAENOTCONN);

    /* A call made after the drop is the first to hear of it: it gets ETIMEDOUT, once. */
    SOCKET c2, s2;
    assert_int_equal(tcp_pair(27210, &c2, &s2), 0);
    assert_int_equal(keepalive_vals(c2, 1, 10000, 1000), 0);
    assert_int_equal(vg_blackhole(c2, 1), 0);
    idle_ms(30000);
    assert_fails_with(send(c2, "x", 1, 0), WSAETIMEDOUT);
    assert_fails_with(recv(c2, buf, sizeof buf, 0), WSAENOTCONN);
}

/* ---- C1: TCP_KEEPIDLE / TCP_KEEPALIVE, TCP_KEEPINTVL, TCP_KEEPCNT. */

static void c1_options_read_back(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = api_stream_socket();
    assert_int_equal(set_dword(s, IPPROTO_TCP, TCP_KEEPIDLE, 30), 0);
    assert_int_equal(set_dword(s, IPPROTO_TCP, TCP_KEEPINTVL, 5), 0);
    assert_int_equal(set_dword(s, IPPROTO_TCP, TCP_KEEPCNT, 3), 0);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPALIVE), 30);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPINTVL), 5);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPCNT), 3);
    struct vg_keepalive_info ka = info_of(s);
    assert_int_equal(ka.time_ms, 30000);
    assert_int_equal(ka.interval_ms, 5000);
    assert_int_equal(ka.count, 3);
    /* Setting the values does not switch keep-alive on. */
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    int len = 4;
    DWORD v;
    assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, (char *)&v, &len), 0);
    assert_int_equal(len, 4);
}

static void c1_probes_follow_the_socket_values(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27211, &c, &s), 0);
    idle_ms(1000);
    assert_int_equal(set_dword(c, IPPROTO_TCP, TCP_KEEPIDLE, 20), 0);
    assert_int_equal(set_dword(c, IPPROTO_TCP, TCP_KEEPINTVL, 3), 0);
    assert_int_equal(set_dword(c, IPPROTO_TCP, TCP_KEEPCNT, 4), 0);
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_KEEPALIVE, TRUE), 0);
    uint64_t t_on = vg_clock_ms();
    uint64_t when;
    assert_int_equal(recv_until_dropped(c, &when), WSAENETRESET);
    assert_int_equal(when - t_on, 20000 + 4 * 3000);
    assert_int_equal(info_of(c).probes_sent, 4);
}

static void c1_invalid_values(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = api_stream_socket();
    assert_fails_with(set_dword(s, IPPROTO_TCP, TCP_KEEPCNT, 256), WSAEINVAL);
    assert_int_equal(set_dword(s, IPPROTO_TCP, TCP_KEEPCNT, 255), 0);
    assert_fails_with(set_dword(s, IPPROTO_TCP, TCP_KEEPIDLE, 0), WSAEINVAL);
    assert_fails_with(set_dword(s, IPPROTO_TCP, TCP_KEEPINTVL, 0), WSAEINVAL);
    assert_fails_with(set_dword(s, IPPROTO_TCP, TCP_KEEPIDLE, 5000000), WSAEINVAL);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPCNT), 255);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
    /* The A6 order holds for them too. */
    char c = 1;
    assert_fails_with(setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &c, 1), WSAEFAULT);
    assert_fails_with(setsockopt(s, 0x4242, TCP_KEEPCNT, NULL, 0), WSAEINVAL);
    assert_fails_with(setsockopt(INVALID_SOCKET, IPPROTO_TCP, TCP_KEEPCNT, NULL, 0), WSAENOTSOCK);
}

static void c1_count_settable_under_windows2000(void **state)
{
    (void)state;
    assert_int_equal(api_start("windows-2000"), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27212, &c, &s), 0);
    idle_ms(1000);
    assert_int_equal(set_dword(c, IPPROTO_TCP, TCP_KEEPCNT, 2), 0);
    assert_int_equal(keepalive_vals(c, 1, 10000, 1000), 0);
    uint64_t t_on = vg_clock_ms();
    uint64_t when;
    assert_int_equal(recv_until_dropped(c, &when), WSAENETRESET);
    assert_int_equal(when - t_on, 10000 + 2 * 1000);
}

/* ---- C3: the system values from a registry export (VIGIL_REG). */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void c3_registry_export_sets_system_values(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-api-regXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "REGEDIT4\r\n\r\n"
                     "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\r\n"
                     "\"KeepAliveTime\"=dword:0000ea60\r\n"
                     "\"KeepAliveInterval\"=dword:000007d0\r\n"
                     "\"TcpMaxDataRetransmissions\"=dword:00000003\r\n"
                     "\"PPTPTcpMaxDataRetransmissions\"=dword:00000002\r\n");
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_PROFILE", "windows-2000", 1);
    setenv("VIGIL_REG", path, 1);
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27213, &c, &s), 0);
    assert_int_equal(get_dword(c, IPPROTO_TCP, TCP_KEEPIDLE), 60);
    assert_int_equal(get_dword(c, IPPROTO_TCP, TCP_KEEPINTVL), 2);
    assert_int_equal(get_dword(c, IPPROTO_TCP, TCP_KEEPCNT), 3);
    idle_ms(1000);
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_KEEPALIVE, TRUE), 0);
    uint64_t t_on = vg_clock_ms();
    uint64_t when;
    assert_int_equal(recv_until_dropped(c, &when), WSAENETRESET);
    assert_int_equal(when - t_on, 60000 + 3 * 2000);
    api_stop();
    unlink(path);
}

static void a10_windows2000_count_zero_never_drops(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-api-regXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "REGEDIT4\n\n"
                     "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
                     "\"TcpMaxDataRetransmissions\"=dword:00000000\n"
                     "\"PPTPTcpMaxDataRetransmissions\"=dword:00000000\n");
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_PROFILE", "windows-2000", 1);
    setenv("VIGIL_REG", path, 1);
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27214, &c, &s), 0);
    assert_int_equal(get_dword(c, IPPROTO_TCP, TCP_KEEPCNT), 0);
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_KEEPALIVE, TRUE), 0);
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_RCVTIMEO, 10u * 3600u * 1000u), 0);
    assert_int_equal(vg_blackhole(c, 1), 0);
    char b;
    assert_fails_with(recv(c, &b, 1, 0), WSAETIMEDOUT);   /* ten hours: SO_RCVTIMEO, not a drop */
    assert_int_equal(info_of(c).probes_sent, 0);
    api_stop();
    unlink(path);
}

/* ---- C7: TCP_MAXRT. */

static void c7_maxrt_drops_a_busy_connection(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27215, &c, &s), 0);
    assert_int_equal(set_dword(c, IPPROTO_TCP, TCP_MAXRT, 5), 0);
    assert_int_equal(get_dword(c, IPPROTO_TCP, TCP_MAXRT), 5);
    /* Keep-alive alone would never notice: data is outstanding (B6). */
    assert_int_equal(keepalive_vals(c, 1, 1000, 1000), 0);
    assert_int_equal(vg_blackhole(c, 1), 0);
    uint64_t t_send = vg_clock_ms();
    assert_int_equal(send(c, "hello", 5, 0), 5);
    char buf[8];
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAETIMEDOUT);
    assert_int_equal(vg_clock_ms() - t_send, 5000);
    assert_int_equal(info_of(c).probes_sent, 0);
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAENOTCONN);
}

static void c7_maxrt_values(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = api_stream_socket();
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_MAXRT), 0);
    int forever = -1;
    assert_int_equal(setsockopt(s, IPPROTO_TCP, TCP_MAXRT, (char *)&forever, sizeof forever), 0);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_MAXRT), 0xffffffffu);
    int bad = -2;
    assert_fails_with(setsockopt(s, IPPROTO_TCP, TCP_MAXRT, (char *)&bad, sizeof bad), WSAEINVAL);
    assert_int_equal(set_dword(s, IPPROTO_TCP, TCP_MAXRTMS, 2500), 0);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_MAXRT), 2);
    assert_int_equal(get_dword(s, IPPROTO_TCP, TCP_MAXRTMS), 2500);
    SOCKET u = socket(api_family(), SOCK_DGRAM, 0);
    assert_true(u != INVALID_SOCKET);
    assert_fails_with(set_dword(u, IPPROTO_TCP, TCP_MAXRT, 5), WSAENOPROTOOPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a1_any_nonzero_dword_is_true, teardown),
        cmocka_unit_test_teardown(a2_off_on_every_new_socket, teardown),
        cmocka_unit_test_teardown(a3_get_reports_0_or_1_and_dword_length, teardown),
        cmocka_unit_test_teardown(a4_true_enables_probing_false_stops_it, teardown),
        cmocka_unit_test_teardown(a5_datagram_socket_noprotoopt_while_it_carries_data, teardown),
        cmocka_unit_test_teardown(a9_a10_c2_defaults_per_profile, teardown),
        cmocka_unit_test_teardown(a9_a10_default_two_hours_then_count_probes, teardown),
        cmocka_unit_test_teardown(a12_sets_switch_time_and_interval, teardown),
        cmocka_unit_test_teardown(a12_drop_at_time_plus_count_intervals, teardown),
        cmocka_unit_test_teardown(a12_so_keepalive_alone_uses_system_values, teardown),
        cmocka_unit_test_teardown(a12_accepted_socket_inherits_listener_values, teardown),
        cmocka_unit_test_teardown(a12_argument_errors, teardown),
        cmocka_unit_test_teardown(a13_blocked_recv_netreset_then_notconn, teardown),
        cmocka_unit_test_teardown(a13_call_made_after_the_drop_gets_notconn, teardown),
        cmocka_unit_test_teardown(a13_linux_profile_timedout_to_the_first_call, teardown),
        cmocka_unit_test_teardown(c1_options_read_back, teardown),
        cmocka_unit_test_teardown(c1_probes_follow_the_socket_values, teardown),
        cmocka_unit_test_teardown(c1_invalid_values, teardown),
        cmocka_unit_test_teardown(c1_count_settable_under_windows2000, teardown),
        cmocka_unit_test_teardown(c3_registry_export_sets_system_values, teardown),
        cmocka_unit_test_teardown(a10_windows2000_count_zero_never_drops, teardown),
        cmocka_unit_test_teardown(c7_maxrt_drops_a_busy_connection, teardown),
        cmocka_unit_test_teardown(c7_maxrt_values, teardown),
    };
    int failed = cmocka_run_group_tests_name("ipv4", tests, api_use_ipv4, NULL);
    failed += cmocka_run_group_tests_name("ipv6", tests, api_use_ipv6, NULL);
    return failed;
}
