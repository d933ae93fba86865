/* WSAEventSelect and WSAEnumNetworkEvents as the WSAEventSelect documentation describes them:
 * every FD_ event recorded once and recorded again only after the call that consumes it
 * (recv for FD_READ, a send that would block for FD_WRITE, accept for FD_ACCEPT; FD_CONNECT and
 * FD_CLOSE once), what is true at selection time recorded at once, the event object reset by
 * WSAEnumNetworkEvents, the selection inherited by accept, the socket made non-blocking; and
 * the error each end carries: FD_CONNECT's WSAECONNREFUSED, FD_CLOSE's WSAECONNRESET for a
 * reset, 0 for a graceful close (once the data is read), and for a keep-alive drop
 * WSAENETRESET (WSAETIMEDOUT under linux) at the exact instant: switch-on + time +
 * count * interval. Virtual time, loopback. */
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
    return 0;
}

/* The recorded events of s (the event object e reset); fails the test if the call fails. */
static WSANETWORKEVENTS events_of(SOCKET s, WSAEVENT e)
{
    WSANETWORKEVENTS ne;
    memset(&ne, 0xa5, sizeof ne);
    assert_int_equal(WSAEnumNetworkEvents(s, e, &ne), 0);
    return ne;
}

/* 1 when e is signalled now (a wait of 0 ms). */
static int is_set(WSAEVENT e) { return WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE) == 0; }

static int keepalive_vals(SOCKET s, u_long on, u_long time_ms, u_long interval_ms)
{
    struct tcp_keepalive kv = {on, time_ms, interval_ms};
    DWORD bytes = 0;
    return WSAIoctl(s, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL);
}

static void connect_accept_write_and_inheritance(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = tcp_listener(27301, 5);
    WSAEVENT le = WSACreateEvent(), ce = WSACreateEvent();
    assert_int_equal(WSAEventSelect(l, le, FD_ACCEPT | FD_READ | FD_CLOSE), 0);
    assert_false(is_set(le));                 /* nothing to accept yet */

    SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(WSAEventSelect(c, ce, FD_CONNECT | FD_WRITE | FD_READ | FD_CLOSE), 0);
    assert_false(is_set(ce));                 /* not connected: not writable */
    struct sockaddr_in sa = loopback_addr(27301);
    /* WSAEventSelect made the socket non-blocking. */
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEWOULDBLOCK);
    WSAEVENT both[2] = {le, ce};
    assert_int_equal(WSAWaitForMultipleEvents(2, both, TRUE, 1000, FALSE), WSA_WAIT_EVENT_0);
    WSANETWORKEVENTS ne = events_of(c, ce);
    assert_int_equal(ne.lNetworkEvents, FD_CONNECT | FD_WRITE);
    assert_int_equal(ne.iErrorCode[FD_CONNECT_BIT], 0);
    assert_int_equal(ne.iErrorCode[FD_WRITE_BIT], 0);
    assert_false(is_set(ce));                 /* WSAEnumNetworkEvents reset it */
    ne = events_of(l, le);
    assert_int_equal(ne.lNetworkEvents, FD_ACCEPT);
    assert_int_equal(ne.iErrorCode[FD_ACCEPT_BIT], 0);

    /* A second connection while FD_ACCEPT is not re-enabled: not recorded ... */
    SOCKET c2 = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(connect(c2, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_int_equal(events_of(l, le).lNetworkEvents, 0);
    /* ... until accept re-enables it, and one is still waiting: recorded at once. */
    SOCKET s = accept(l, NULL, NULL);
    assert_true(s != INVALID_SOCKET);
    assert_true(is_set(le));
    assert_int_equal(events_of(l, le).lNetworkEvents, FD_ACCEPT);
    SOCKET s2 = accept(l, NULL, NULL);
    assert_true(s2 != INVALID_SOCKET);
    assert_false(is_set(le));
    assert_int_equal(events_of(l, NULL).lNetworkEvents, 0);

    /* The accepted socket has the listener's selection (same event object, same events), and
     * is non-blocking. */
    assert_false(is_set(le));
    ne = events_of(s, le);
    assert_int_equal(ne.lNetworkEvents, 0);   /* FD_WRITE is not in the listener's set */
    char buf[4];
    assert_fails_with(recv(s, buf, sizeof buf, 0), WSAEWOULDBLOCK);
    assert_int_equal(send(c, "hi", 2, 0), 2);
    assert_int_equal(WSAWaitForMultipleEvents(1, &le, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    assert_int_equal(events_of(s, le).lNetworkEvents, FD_READ);
    /* An accepted socket records no FD_CONNECT (and a listener no FD_WRITE). */
    closesocket(s2);
    closesocket(c2);
    closesocket(s);
    closesocket(c);
    closesocket(l);
    WSACloseEvent(le);
    WSACloseEvent(ce);
}

static void read_recorded_once_and_reenabled_by_recv(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27302, &c, &s), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_READ), 0);
    assert_int_equal(events_of(c, e).lNetworkEvents, 0);
    assert_int_equal(send(s, "abcdef", 6, 0), 6);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    assert_int_equal(events_of(c, e).lNetworkEvents, FD_READ);
    /* More data, no recv yet: FD_READ is not recorded again. */
    assert_int_equal(send(s, "gh", 2, 0), 2);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 500, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(events_of(c, e).lNetworkEvents, 0);
    /* recv takes some and leaves some: recorded again at once. */
    char buf[16];
    assert_int_equal(recv(c, buf, 3, 0), 3);
    assert_true(is_set(e));
    assert_int_equal(events_of(c, e).lNetworkEvents, FD_READ);
    /* recv takes the rest: nothing waits, nothing recorded. */
    assert_int_equal(recv(c, buf, sizeof buf, 0), 5);
    assert_false(is_set(e));
    /* A recv that finds nothing still re-enables it; the next data records it. */
    assert_int_equal(events_of(c, e).lNetworkEvents, 0);
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAEWOULDBLOCK);
    assert_int_equal(send(s, "i", 1, 0), 1);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    assert_int_equal(events_of(c, e).lNetworkEvents, FD_READ);
    /* Data waiting when the selection is made is recorded at once. */
    SOCKET c3, s3;
    assert_int_equal(tcp_pair(27303, &c3, &s3), 0);
    assert_int_equal(send(s3, "x", 1, 0), 1);
    idle_ms(10);
    WSAEVENT e3 = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c3, e3, FD_READ | FD_WRITE), 0);
    assert_true(is_set(e3));
    assert_int_equal(events_of(c3, e3).lNetworkEvents, FD_READ | FD_WRITE);
}

static void write_reenabled_after_would_block(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27304, &c, &s), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_WRITE), 0);
    assert_int_equal(events_of(c, e).lNetworkEvents, FD_WRITE);   /* writable at selection */
    /* Sends that succeed record nothing more. */
    assert_int_equal(send(c, "x", 1, 0), 1);
    idle_ms(100);
    assert_int_equal(events_of(c, e).lNetworkEvents, 0);
    /* Fill the buffers until send would block. */
    static char chunk[16384];
    int blocked = 0;
    for (int i = 0; i < 1000 && !blocked; i++) {
        int n = send(c, chunk, sizeof chunk, 0);
        if (n == SOCKET_ERROR) {
            assert_int_equal(WSAGetLastError(), WSAEWOULDBLOCK);
            blocked = 1;
        } else if (n < (int)sizeof chunk) {
            assert_fails_with(send(c, chunk, sizeof chunk, 0), WSAEWOULDBLOCK);
            blocked = 1;
        }
        idle_ms(1);
    }
    assert_true(blocked);
    assert_int_equal(events_of(c, e).lNetworkEvents, 0);
    /* The peer reads: room frees, FD_WRITE is recorded. */
    static char sink[1 << 16];
    for (int i = 0; i < 64; i++) {
        if (recv(s, sink, sizeof sink, 0) <= 0)
            break;
        if (is_set(e))
            break;
        idle_ms(1);
    }
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 5000, FALSE), WSA_WAIT_EVENT_0);
    WSANETWORKEVENTS ne = events_of(c, e);
    assert_int_equal(ne.lNetworkEvents, FD_WRITE);
    assert_int_equal(ne.iErrorCode[FD_WRITE_BIT], 0);
}

static void connect_refused_is_fd_connect_only(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_CONNECT | FD_CLOSE | FD_WRITE | FD_READ), 0);
    struct sockaddr_in sa = loopback_addr(27305);   /* nobody listens */
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEWOULDBLOCK);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 5000, FALSE), WSA_WAIT_EVENT_0);
    WSANETWORKEVENTS ne = events_of(c, e);
    assert_int_equal(ne.lNetworkEvents, FD_CONNECT);
    assert_int_equal(ne.iErrorCode[FD_CONNECT_BIT], WSAECONNREFUSED);
    idle_ms(1000);
    assert_int_equal(events_of(c, e).lNetworkEvents, 0);   /* once only */
}

static void connect_timeout_is_fd_connect_timedout(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    /* A listener whose SYNs all vanish: the connect gives up after its retransmissions. */
    SOCKET l = tcp_listener(27314, 5);
    assert_int_equal(vg_blackhole(l, 1), 0);
    SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_CONNECT | FD_CLOSE | FD_WRITE), 0);
    struct sockaddr_in sa = loopback_addr(27314);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEWOULDBLOCK);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, WSA_INFINITE, FALSE),
                     WSA_WAIT_EVENT_0);
    WSANETWORKEVENTS ne = events_of(c, e);
    assert_int_equal(ne.lNetworkEvents, FD_CONNECT);
    assert_int_equal(ne.iErrorCode[FD_CONNECT_BIT], WSAETIMEDOUT);
}

static void accept_returns_a_writable_socket(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = tcp_listener(27315, 5);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(l, e, FD_ACCEPT | FD_WRITE), 0);
    SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in sa = loopback_addr(27315);
    assert_int_equal(connect(c, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    assert_int_equal(events_of(l, e).lNetworkEvents, FD_ACCEPT);   /* a listener: no FD_WRITE */
    SOCKET s = accept(l, NULL, NULL);
    assert_true(s != INVALID_SOCKET);
    assert_true(is_set(e));
    WSANETWORKEVENTS ne = events_of(s, e);
    assert_int_equal(ne.lNetworkEvents, FD_WRITE);
    assert_int_equal(ne.iErrorCode[FD_WRITE_BIT], 0);
}

static void graceful_close_after_the_data_is_read(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27306, &c, &s), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_READ | FD_CLOSE), 0);
    assert_int_equal(send(s, "bye", 3, 0), 3);
    assert_int_equal(shutdown(s, SD_SEND), 0);
    idle_ms(100);
    /* The FIN is in, but data comes before it: FD_READ now, FD_CLOSE once it is read. */
    assert_int_equal(events_of(c, e).lNetworkEvents, FD_READ);
    char buf[8];
    assert_int_equal(recv(c, buf, sizeof buf, 0), 3);
    assert_true(is_set(e));
    WSANETWORKEVENTS ne = events_of(c, e);
    assert_int_equal(ne.lNetworkEvents, FD_CLOSE);
    assert_int_equal(ne.iErrorCode[FD_CLOSE_BIT], 0);
    assert_int_equal(recv(c, buf, sizeof buf, 0), 0);
    idle_ms(100);
    assert_int_equal(events_of(c, e).lNetworkEvents, 0);   /* once only */

    /* A FIN with nothing before it: FD_CLOSE at once, and no FD_READ. */
    SOCKET c2, s2;
    assert_int_equal(tcp_pair(27307, &c2, &s2), 0);
    assert_int_equal(WSAEventSelect(c2, e, FD_READ | FD_CLOSE), 0);
    assert_int_equal(closesocket(s2), 0);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    ne = events_of(c2, e);
    assert_int_equal(ne.lNetworkEvents, FD_CLOSE);
    assert_int_equal(ne.iErrorCode[FD_CLOSE_BIT], 0);
}

static void peer_reset_is_fd_close_connreset(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27308, &c, &s), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_CLOSE), 0);
    LINGER lg = {1, 0};
    assert_int_equal(setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg), 0);
    assert_int_equal(closesocket(s), 0);      /* an abortive close: RST */
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    WSANETWORKEVENTS ne = events_of(c, e);
    assert_int_equal(ne.lNetworkEvents, FD_CLOSE);
    assert_int_equal(ne.iErrorCode[FD_CLOSE_BIT], WSAECONNRESET);
}

/* The client's peer vanishes (vg_blackhole); keep-alive on the client (time, interval set by
 * SIO_KEEPALIVE_VALS at t_on, A12) gives up at t_on + time + count * interval (B3), and
 * FD_CLOSE is recorded then, with the cause (A13; WSAETIMEDOUT and count 9 under linux, C2). */
static void keepalive_drop(const char *profile, u_long time_ms, u_long interval_ms,
                           uint64_t count, int expect_err)
{
    assert_int_equal(api_start(profile), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27309, &c, &s), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_READ | FD_CLOSE), 0);
    idle_ms(1000);
    assert_int_equal(keepalive_vals(c, 1, time_ms, interval_ms), 0);
    uint64_t t_on = vg_clock_ms();
    assert_int_equal(vg_blackhole(c, 1), 0);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, WSA_INFINITE, FALSE),
                     WSA_WAIT_EVENT_0);
    assert_int_equal(vg_clock_ms() - t_on, time_ms + count * interval_ms);
    WSANETWORKEVENTS ne = events_of(c, e);
    assert_int_equal(ne.lNetworkEvents, FD_CLOSE);
    assert_int_equal(ne.iErrorCode[FD_CLOSE_BIT], expect_err);
    api_stop();
}

static void keepalive_drop_is_fd_close_at_the_exact_instant(void **state)
{
    (void)state;
    keepalive_drop(NULL, 30000, 2000, 10, WSAENETRESET);          /* windows-vista: 10 probes */
    keepalive_drop("windows-2000", 30000, 2000, 5, WSAENETRESET);
    keepalive_drop("linux", 10000, 1000, 9, WSAETIMEDOUT);
}

static void enum_resets_the_event_it_is_given(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27310, &c, &s), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_WRITE), 0);
    assert_true(is_set(e));
    /* Without an event object: the record is cleared, the event left alone. */
    assert_int_equal(events_of(c, NULL).lNetworkEvents, FD_WRITE);
    assert_true(is_set(e));
    assert_int_equal(events_of(c, NULL).lNetworkEvents, 0);
    /* With one: that event is reset, even with nothing recorded. */
    WSANETWORKEVENTS ne = events_of(c, e);
    assert_int_equal(ne.lNetworkEvents, 0);
    for (int i = 0; i < FD_MAX_EVENTS; i++)
        assert_int_equal(ne.iErrorCode[i], 0);
    assert_false(is_set(e));
}

static void reselect_cancel_and_nonblocking(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27311, &c, &s), 0);
    WSAEVENT e = WSACreateEvent(), f = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, e, FD_WRITE), 0);
    /* While selected, the socket cannot be made blocking. */
    u_long mode = 0;
    assert_fails_with(ioctlsocket(c, FIONBIO, &mode), WSAEINVAL);
    mode = 1;
    assert_int_equal(ioctlsocket(c, FIONBIO, &mode), 0);
    /* A new selection cancels the old one and clears the record: f gets what is true now. */
    assert_int_equal(WSAEventSelect(c, f, FD_READ | FD_WRITE), 0);
    assert_int_equal(WSAResetEvent(e), TRUE);
    assert_int_equal(send(s, "x", 1, 0), 1);
    assert_int_equal(WSAWaitForMultipleEvents(1, &f, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    assert_false(is_set(e));
    assert_int_equal(events_of(c, f).lNetworkEvents, FD_READ | FD_WRITE);
    /* lNetworkEvents 0 cancels (the event handle is not looked at), and leaves the socket
     * non-blocking; then FIONBIO may make it blocking. */
    assert_int_equal(WSAEventSelect(c, NULL, 0), 0);
    char buf[4];
    assert_int_equal(recv(c, buf, sizeof buf, 0), 1);
    assert_fails_with(recv(c, buf, sizeof buf, 0), WSAEWOULDBLOCK);
    assert_int_equal(send(s, "y", 1, 0), 1);
    idle_ms(100);
    assert_false(is_set(f));
    assert_int_equal(events_of(c, f).lNetworkEvents, 0);
    mode = 0;
    assert_int_equal(ioctlsocket(c, FIONBIO, &mode), 0);
    assert_int_equal(recv(c, buf, sizeof buf, 0), 1);
    /* Closing a selected socket lets go of the selection (valgrind/ASan see no leak). */
    assert_int_equal(WSAEventSelect(s, f, FD_READ), 0);
    assert_int_equal(closesocket(s), 0);
}

static void udp_read_recorded_and_reenabled(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    SOCKET v = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    struct sockaddr_in sa = loopback_addr(27312);
    assert_int_equal(bind(u, (SOCKADDR *)&sa, sizeof sa), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSAEventSelect(u, e, FD_READ), 0);
    assert_false(is_set(e));
    assert_int_equal(sendto(v, "one", 3, 0, (SOCKADDR *)&sa, sizeof sa), 3);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0);
    assert_int_equal(events_of(u, e).lNetworkEvents, FD_READ);
    assert_int_equal(sendto(v, "two", 3, 0, (SOCKADDR *)&sa, sizeof sa), 3);
    idle_ms(10);
    assert_false(is_set(e));                  /* not re-enabled yet */
    char buf[8];
    assert_int_equal(recvfrom(u, buf, sizeof buf, 0, NULL, NULL), 3);
    assert_true(is_set(e));                   /* one more is waiting */
    assert_int_equal(events_of(u, e).lNetworkEvents, FD_READ);
    assert_int_equal(recvfrom(u, buf, sizeof buf, 0, NULL, NULL), 3);
    assert_false(is_set(e));
    /* A datagram socket is writable when selected. */
    WSAEVENT f = WSACreateEvent();
    assert_int_equal(WSAEventSelect(v, f, FD_WRITE), 0);
    assert_int_equal(events_of(v, f).lNetworkEvents, FD_WRITE);
}

static void argument_errors(void **state)
{
    (void)state;
    WSANETWORKEVENTS ne;
    assert_fails_with(WSAEventSelect(1, NULL, FD_READ), WSANOTINITIALISED);
    assert_fails_with(WSAEnumNetworkEvents(1, NULL, &ne), WSANOTINITIALISED);
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e = WSACreateEvent();
    assert_fails_with(WSAEventSelect(12345, e, FD_READ), WSAENOTSOCK);
    assert_fails_with(WSAEnumNetworkEvents(12345, e, &ne), WSAENOTSOCK);
    SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_fails_with(WSAEventSelect(c, NULL, FD_READ), WSAEINVAL);
    WSAEVENT dead = WSACreateEvent();
    assert_int_equal(WSACloseEvent(dead), TRUE);
    assert_fails_with(WSAEventSelect(c, dead, FD_READ), WSAEINVAL);
    assert_fails_with(WSAEnumNetworkEvents(c, e, NULL), WSAEFAULT);
    assert_fails_with(WSAEnumNetworkEvents(c, dead, &ne), WSAEINVAL);
    /* A selection whose event object was closed records, and signals nothing. */
    WSAEVENT g = WSACreateEvent();
    assert_int_equal(WSAEventSelect(c, g, FD_CONNECT), 0);
    assert_int_equal(WSACloseEvent(g), TRUE);
    struct sockaddr_in sa = loopback_addr(27313);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEWOULDBLOCK);
    idle_ms(1000);
    ne = events_of(c, NULL);
    assert_int_equal(ne.lNetworkEvents, FD_CONNECT);
    assert_int_equal(ne.iErrorCode[FD_CONNECT_BIT], WSAECONNREFUSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(connect_accept_write_and_inheritance, teardown),
        cmocka_unit_test_teardown(read_recorded_once_and_reenabled_by_recv, teardown),
        cmocka_unit_test_teardown(write_reenabled_after_would_block, teardown),
        cmocka_unit_test_teardown(connect_refused_is_fd_connect_only, teardown),
        cmocka_unit_test_teardown(connect_timeout_is_fd_connect_timedout, teardown),
        cmocka_unit_test_teardown(accept_returns_a_writable_socket, teardown),
        cmocka_unit_test_teardown(graceful_close_after_the_data_is_read, teardown),
        cmocka_unit_test_teardown(peer_reset_is_fd_close_connreset, teardown),
        cmocka_unit_test_teardown(keepalive_drop_is_fd_close_at_the_exact_instant, teardown),
        cmocka_unit_test_teardown(enum_resets_the_event_it_is_given, teardown),
        cmocka_unit_test_teardown(reselect_cancel_and_nonblocking, teardown),
        cmocka_unit_test_teardown(udp_read_recorded_and_reenabled, teardown),
        cmocka_unit_test_teardown(argument_errors, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
