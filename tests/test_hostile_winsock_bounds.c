/* The Winsock layer's arguments at their extremes: a program (or the input that reached it)
 * passing LONG_MAX seconds, INT_MAX milliseconds, counts past the arrays they describe, negative
 * lengths or huge buffer sizes must get Windows' documented answer, never a wrapped deadline, a
 * read past the caller's array or a buffer the stack cannot use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>

#include "test_api_support.h"
#include "api/ws.h"
#include "tcp/tcb.h"

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

/* A connection whose client side keep-alive drops 20 s from now (10 s idle, 10 probes 1 s
 * apart, the peer cut off): it becomes readable then and not before. */
static SOCKET dropped_in_20s(u_short port)
{
    SOCKET c, s;
    assert_int_equal(tcp_pair(port, &c, &s), 0);
    struct tcp_keepalive kv = {1, 10000, 1000};
    DWORD bytes;
    assert_int_equal(WSAIoctl(c, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL),
                     0);
    assert_int_equal(vg_blackhole(c, 1), 0);
    return c;
}

static void select_tv_sec_long_max_waits_instead_of_returning(void **state)
{
    (void)state;
    /* now + LONG_MAX * 10^6 us wrapped to now - 1 s: select returned 0 at once, and a loop
     * around it spun. "Forever" must wait until the socket is ready. */
    assert_int_equal(api_start(NULL), 0);
    Sleep(2000);                  /* the wrap lands in the past once the clock is past 1 s */
    static const struct timeval forever[] = {
        {LONG_MAX, 0}, {LONG_MAX, 999999}, {LONG_MAX / 1000000, 0}, {(long)1 << 62, 0},
        {(long)1 << 45, 0},
    };
    for (size_t i = 0; i < sizeof forever / sizeof forever[0]; i++) {
        SOCKET c = dropped_in_20s((u_short)(27801 + i));
        uint64_t t0 = vg_clock_ms();
        fd_set r;
        FD_ZERO(&r);
        FD_SET(c, &r);
        struct timeval tv = forever[i];
        int n = select(0, &r, NULL, NULL, &tv);
        if (n != 1)
            fail_msg("{%ld, %ld}: select returned %d after %llu ms", forever[i].tv_sec,
                     forever[i].tv_usec, n, (unsigned long long)(vg_clock_ms() - t0));
        assert_true(FD_ISSET(c, &r));
        assert_int_equal(vg_clock_ms() - t0, 20000);
        closesocket(c);
    }
}

static void select_finite_timeouts_still_time_out(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c = dropped_in_20s(27811);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(c, &r);
    uint64_t t0 = vg_clock_ms();
    struct timeval tv = {3, 999999};
    assert_int_equal(select(0, &r, NULL, NULL, &tv), 0);
    assert_int_equal(vg_clock_ms() - t0, 3999);   /* 3.999999 s on a millisecond clock */
}

static void select_tv_usec_out_of_range_is_wsaeinval(void **state)
{
    (void)state;
    /* A timeval that is not a time: "the time-out value is not valid" (WSAEINVAL). */
    assert_int_equal(api_start(NULL), 0);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
    fd_set r;
    static const struct timeval bad[] = {
        {0, 1000000}, {0, LONG_MAX}, {LONG_MAX, LONG_MAX}, {0, -1}, {-1, 0}, {LONG_MIN, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FD_ZERO(&r);
        FD_SET(u, &r);
        assert_fails_with(select(0, &r, NULL, NULL, &bad[i]), WSAEINVAL);
    }
    closesocket(u);
}

static void select_fd_count_over_fd_setsize_is_wsaeinval(void **state)
{
    (void)state;
    /* fd_count one past FD_SETSIZE: the old select read the entry after the array (here a
     * real socket, so the read was "valid" and the call succeeded). Refused before any read. */
    assert_int_equal(api_start(NULL), 0);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
    struct {
        fd_set set;
        SOCKET beyond[4];
    } big;
    FD_ZERO(&big.set);
    for (int i = 0; i < FD_SETSIZE; i++)
        big.set.fd_array[i] = u;
    for (int i = 0; i < 4; i++)
        big.beyond[i] = u;
    struct timeval zero = {0, 0};
    big.set.fd_count = FD_SETSIZE + 1;
    assert_fails_with(select(0, &big.set, NULL, NULL, &zero), WSAEINVAL);
    big.set.fd_count = UINT_MAX;
    assert_fails_with(select(0, NULL, &big.set, NULL, &zero), WSAEINVAL);
    assert_fails_with(select(0, NULL, NULL, &big.set, &zero), WSAEINVAL);
    /* Without the header's size, the bound is the most sockets the table can hold. */
    assert_fails_with(vg_ws_select(0, NULL, NULL, (struct vg_fd_set *)&big.set,
                                   (const struct timeval *)&zero),
                      WSAEINVAL);
    /* Exactly FD_SETSIZE is a full set, not an error. */
    big.set.fd_count = FD_SETSIZE;
    assert_int_equal(select(0, NULL, &big.set, NULL, &zero), FD_SETSIZE);
    closesocket(u);
}

static void wsapoll_timeout_int_max_waits_until_ready(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c = dropped_in_20s(27821);
    WSAPOLLFD p = {c, POLLRDNORM, 0};
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(WSAPoll(&p, 1, INT_MAX), 1);
    assert_int_equal(vg_clock_ms() - t0, 20000);
    assert_true(p.revents & POLLRDNORM);
}

static void wsapoll_nfds_over_int_max_is_wsaeinval(void **state)
{
    (void)state;
    /* The count of ready entries is an int: more than INT_MAX entries cannot be answered.
     * The old WSAPoll walked the caller's one-entry array 2^32-1 entries long. */
    assert_int_equal(api_start(NULL), 0);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
    WSAPOLLFD p = {u, POLLRDNORM, 0};
    assert_fails_with(WSAPoll(&p, 0xffffffffu, 0), WSAEINVAL);
    assert_fails_with(WSAPoll(&p, 0x80000000u, 0), WSAEINVAL);
    closesocket(u);
}

static void negative_lengths_get_the_documented_errors(void **state)
{
    (void)state;
    /* recv on a stream: WSAEINVAL ("len was zero or negative", byte streams only); send, and
     * any datagram call: WSAEFAULT (a buffer of negative length is not in the address space). */
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27831, &c, &s), 0);
    char buf[8] = {0};
    assert_fails_with(recv(c, buf, -1, 0), WSAEINVAL);
    assert_fails_with(recv(c, buf, INT_MIN, 0), WSAEINVAL);
    assert_fails_with(send(c, buf, -1, 0), WSAEFAULT);
    assert_fails_with(send(c, buf, INT_MIN, 0), WSAEFAULT);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any = loopback_addr(27832);
    assert_int_equal(bind(u, (SOCKADDR *)&any, sizeof any), 0);
    assert_fails_with(sendto(u, buf, -1, 0, (SOCKADDR *)&any, sizeof any), WSAEFAULT);
    struct sockaddr_in from;
    int fromlen = sizeof from;
    assert_fails_with(recvfrom(u, buf, -1, 0, (SOCKADDR *)&from, &fromlen), WSAEFAULT);
    /* INT_MAX is a length, not an error: send takes what fits and returns it. */
    assert_int_equal(set_nonblocking(c, 1), 0);
    static char big[1 << 20];
    int n = send(c, big, sizeof big, 0);
    assert_true(n > 0 && n <= (int)sizeof big);
}

static uint32_t listener_backlog(SOCKET l)
{
    struct ws_sock *so = ws_sock_find(l);
    assert_non_null(so);
    assert_non_null(so->tcb);
    assert_int_equal(so->tcb->state, VG_TCP_LISTEN);
    return so->tcb->lq->backlog;
}

static void listen_somaxconn_and_hints_are_clamped(void **state)
{
    (void)state;
    /* SOMAXCONN (0x7fffffff) is "a reasonable maximum", SOMAXCONN_HINT(n) (-n) asks for n,
     * clamped to 200..65535 as Windows does (learn.microsoft.com, nf-winsock2-listen), and
     * then to the stack's own limit. */
    assert_int_equal(api_start(NULL), 0);
    static const struct { int backlog; uint32_t want; } cases[] = {
        {SOMAXCONN, 200},
        {SOMAXCONN_HINT(1), 200},
        {SOMAXCONN_HINT(1000), 1000},
        {INT_MAX - 1, 200},
        /* Past the stack's cfg.max_backlog (4096 by default) the core clamps. */
        {SOMAXCONN_HINT(5000), 4096},
        {SOMAXCONN_HINT(INT_MAX), 4096},
        {INT_MIN, 4096},
        {0, 1},
        {5, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        struct sockaddr_in sa = loopback_addr((u_short)(27840 + i));
        assert_int_equal(bind(l, (SOCKADDR *)&sa, sizeof sa), 0);
        assert_int_equal(listen(l, cases[i].backlog), 0);
        if (listener_backlog(l) != cases[i].want)
            fail_msg("listen(%d): backlog %u, want %u", cases[i].backlog, listener_backlog(l),
                     cases[i].want);
        closesocket(l);
    }
}

static void setsockopt_huge_buffer_sizes_are_clamped(void **state)
{
    (void)state;
    /* 2 GiB of SO_RCVBUF could never be advertised (65535 << 7 is the largest window this
     * stack offers), 2 GiB of SO_SNDBUF never be in flight (65535 << 14 is the largest a peer
     * can offer): clamped, and getsockopt says so. */
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(set_dword(s, SOL_SOCKET, SO_RCVBUF, 0x7fffffff), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_RCVBUF), 65535u << 7);
    assert_int_equal(set_dword(s, SOL_SOCKET, SO_SNDBUF, 0x7fffffff), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_SNDBUF), 65535u << 14);
    assert_int_equal(set_dword(s, SOL_SOCKET, SO_SNDBUF, 100000), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_SNDBUF), 100000);
    assert_fails_with(set_dword(s, SOL_SOCKET, SO_RCVBUF, 0x80000000u), WSAEINVAL);
    closesocket(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(select_tv_sec_long_max_waits_instead_of_returning),
        T(select_finite_timeouts_still_time_out),
        T(select_tv_usec_out_of_range_is_wsaeinval),
        T(select_fd_count_over_fd_setsize_is_wsaeinval),
        T(wsapoll_timeout_int_max_waits_until_ready),
        T(wsapoll_nfds_over_int_max_is_wsaeinval),
        T(negative_lengths_get_the_documented_errors),
        T(listen_somaxconn_and_hints_are_clamped),
        T(setsockopt_huge_buffer_sizes_are_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
