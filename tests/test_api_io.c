/* The Winsock calls that make and use connections and datagrams, on the loopback network in
 * virtual time: socket, bind, listen, accept, connect (blocking and not), send, recv, sendto,
 * recvfrom, shutdown, getsockname, getpeername, ioctlsocket, select, WSAPoll. The tests named
 * err_row_* are the rows of the spec's error table a program meets on this path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

static int setup(void **state)
{
    (void)state;
    return api_start(NULL);
}

static int teardown(void **state)
{
    (void)state;
    vg_ws_set_link_up(1);
    api_stop();
    return 0;
}

#define assert_invalid_with(call, wsa)                                                         \
    do {                                                                                       \
        WSASetLastError(0);                                                                    \
        assert_int_equal((call), INVALID_SOCKET);                                              \
        assert_int_equal(WSAGetLastError(), (wsa));                                            \
    } while (0)

static void tcp_round_trip_and_orderly_close(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27401, &c, &s), 0);
    char big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    assert_int_equal(send(c, big, sizeof big, 0), (int)sizeof big);
    char got[sizeof big];
    assert_int_equal(recv(s, got, sizeof got, MSG_WAITALL), (int)sizeof got);
    assert_memory_equal(got, big, sizeof big);
    assert_int_equal(send(s, "pong", 4, 0), 4);
    u_long avail = 0;
    assert_int_equal(ioctlsocket(c, FIONREAD, &avail), 0);
    assert_int_equal(avail, 4);
    char b[8];
    assert_int_equal(recv(c, b, sizeof b, 0), 4);
    assert_memory_equal(b, "pong", 4);
    /* shutdown(SD_SEND): the peer reads the end of the stream; we may not send any more. */
    assert_int_equal(shutdown(c, SD_SEND), 0);
    assert_int_equal(recv(s, b, sizeof b, 0), 0);
    assert_fails_with(send(c, "x", 1, 0), WSAESHUTDOWN);
    assert_int_equal(send(s, "late", 4, 0), 4);
    assert_int_equal(recv(c, b, sizeof b, 0), 4);
    assert_int_equal(closesocket(s), 0);
    assert_int_equal(recv(c, b, sizeof b, 0), 0);
    assert_int_equal(closesocket(c), 0);
}

static void names_of_both_ends(void **state)
{
    (void)state;
    SOCKET l = tcp_listener(27402, 5);
    SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in name;
    int len = sizeof name;
    assert_fails_with(getsockname(c, (SOCKADDR *)&name, &len), WSAEINVAL);   /* not bound */
    struct sockaddr_in sa = loopback_addr(27402);
    assert_int_equal(connect(c, (SOCKADDR *)&sa, sizeof sa), 0);
    struct sockaddr_in from;
    int fromlen = sizeof from;
    SOCKET s = accept(l, (SOCKADDR *)&from, &fromlen);
    assert_int_not_equal(s, INVALID_SOCKET);
    assert_int_equal(fromlen, sizeof(struct sockaddr_in));
    len = sizeof name;
    assert_int_equal(getsockname(c, (SOCKADDR *)&name, &len), 0);
    assert_int_equal(name.sin_family, AF_INET);
    assert_int_equal(name.sin_addr.s_addr, inet_addr("127.0.0.1"));
    assert_int_equal(from.sin_port, name.sin_port);       /* accept saw the client's port */
    len = sizeof name;
    assert_int_equal(getpeername(c, (SOCKADDR *)&name, &len), 0);
    assert_int_equal(ntohs(name.sin_port), 27402);
    len = sizeof name;
    assert_int_equal(getpeername(s, (SOCKADDR *)&name, &len), 0);
    assert_int_equal(name.sin_port, from.sin_port);
    assert_fails_with(getpeername(l, (SOCKADDR *)&name, &len), WSAENOTCONN);
    len = 4;
    assert_fails_with(getsockname(c, (SOCKADDR *)&name, &len), WSAEFAULT);
}

static void socket_arguments(void **state)
{
    (void)state;
    /* A family socket() does not open (AF_INET6 datagrams do: test_api_inet6_sockets). */
    assert_invalid_with(socket(AF_APPLETALK, SOCK_DGRAM, 0), WSAEAFNOSUPPORT);
    assert_invalid_with(socket(AF_INET, SOCK_RAW, 0), WSAESOCKTNOSUPPORT);
    assert_invalid_with(socket(AF_INET, SOCK_STREAM, 99), WSAEPROTONOSUPPORT);
    assert_invalid_with(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), WSAEPROTOTYPE);
    assert_invalid_with(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), WSAEPROTOTYPE);
    SOCKET s = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_not_equal(s, INVALID_SOCKET);
    assert_int_equal(s % 4, 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
}

static void err_row_wsaeaddrinuse_and_so_reuseaddr(void **state)
{
    (void)state;
    SOCKET a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback_addr(27403);
    assert_int_equal(bind(a, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_fails_with(bind(b, (SOCKADDR *)&sa, sizeof sa), WSAEADDRINUSE);
    assert_int_equal(set_dword(b, SOL_SOCKET, SO_REUSEADDR, TRUE), 0);
    assert_int_equal(bind(b, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_fails_with(bind(b, (SOCKADDR *)&sa, sizeof sa), WSAEINVAL);   /* bound already */
    struct sockaddr_in far = loopback_addr(27404);
    far.sin_addr.s_addr = inet_addr("192.0.2.1");
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    assert_fails_with(bind(c, (SOCKADDR *)&far, sizeof far), WSAEADDRNOTAVAIL);
    assert_fails_with(bind(c, (SOCKADDR *)&sa, 8), WSAEFAULT);
    assert_fails_with(listen(c, 5), WSAEINVAL);                           /* not bound */
}

static void err_row_wsaeconnrefused(void **state)
{
    (void)state;
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback_addr(27405);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAECONNREFUSED);
    /* The error went to connect, not to SO_ERROR. */
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_ERROR), 0);
}

static void err_row_wsaeisconn_and_wsaenotconn(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27406, &c, &s), 0);
    struct sockaddr_in sa = loopback_addr(27406);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEISCONN);
    SOCKET fresh = socket(AF_INET, SOCK_STREAM, 0);
    char b;
    assert_fails_with(recv(fresh, &b, 1, 0), WSAENOTCONN);
    assert_fails_with(send(fresh, "x", 1, 0), WSAENOTCONN);
    assert_fails_with(shutdown(fresh, SD_BOTH), WSAENOTCONN);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
    assert_fails_with(send(u, "x", 1, 0), WSAENOTCONN);
}

static void err_row_wsaeconnreset_abortive_close(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27407, &c, &s), 0);
    LINGER hard = {1, 0};
    assert_int_equal(setsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&hard, sizeof hard), 0);
    LINGER l;
    int len = sizeof l;
    assert_int_equal(getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&l, &len), 0);
    assert_int_equal(l.l_onoff, 1);
    assert_int_equal(closesocket(s), 0);
    char b;
    assert_fails_with(recv(c, &b, 1, 0), WSAECONNRESET);
    assert_fails_with(recv(c, &b, 1, 0), WSAENOTCONN);
}

static void err_row_wsaenetdown_during_use(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27408, &c, &s), 0);
    assert_int_equal(vg_ws_set_link_up(0), 0);
    char b;
    assert_fails_with(send(c, "x", 1, 0), WSAENETDOWN);
    assert_fails_with(recv(s, &b, 1, 0), WSAENETDOWN);
    assert_invalid_with(socket(AF_INET, SOCK_STREAM, 0), WSAENETDOWN);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(c, &r);
    assert_fails_with(select(0, &r, NULL, NULL, NULL), WSAENETDOWN);
    assert_int_equal(vg_ws_set_link_up(1), 0);
    assert_int_equal(send(c, "x", 1, 0), 1);
    assert_int_equal(recv(s, &b, 1, 0), 1);
}

static void err_row_wsaewouldblock_nonblocking_calls(void **state)
{
    (void)state;
    SOCKET l = tcp_listener(27409, 5);
    assert_int_equal(set_nonblocking(l, 1), 0);
    assert_invalid_with(accept(l, NULL, NULL), WSAEWOULDBLOCK);
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(set_nonblocking(c, 1), 0);
    struct sockaddr_in sa = loopback_addr(27409);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEWOULDBLOCK);
    /* Completion shows in select's write set, with SO_ERROR 0. */
    fd_set w, e;
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(c, &w);
    FD_SET(c, &e);
    assert_int_equal(select(0, NULL, &w, &e, NULL), 1);
    assert_true(FD_ISSET(c, &w));
    assert_false(FD_ISSET(c, &e));
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_ERROR), 0);
    /* The listener is readable now; the accepted socket is non-blocking like its listener. */
    fd_set r;
    FD_ZERO(&r);
    FD_SET(l, &r);
    struct timeval tv = {0, 0};
    assert_int_equal(select(0, &r, NULL, NULL, &tv), 1);
    SOCKET s = accept(l, NULL, NULL);
    assert_int_not_equal(s, INVALID_SOCKET);
    char b;
    assert_fails_with(recv(s, &b, 1, 0), WSAEWOULDBLOCK);
    assert_fails_with(recv(c, &b, 1, 0), WSAEWOULDBLOCK);
}

static void err_row_wsaealready_second_connect(void **state)
{
    (void)state;
    /* The listener's backlog of one is full: a second client's SYN goes unanswered. */
    SOCKET l = tcp_listener(27410, 1);
    SOCKET first = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback_addr(27410);
    assert_int_equal(connect(first, (SOCKADDR *)&sa, sizeof sa), 0);
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(set_nonblocking(c, 1), 0);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEWOULDBLOCK);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEALREADY);
    /* Once the backlog has room, a SYN retransmission gets through. */
    assert_int_not_equal(accept(l, NULL, NULL), INVALID_SOCKET);
    fd_set w;
    FD_ZERO(&w);
    FD_SET(c, &w);
    assert_int_equal(select(0, NULL, &w, NULL, NULL), 1);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEISCONN);
}

static void nonblocking_connect_refused_seen_by_select_and_poll(void **state)
{
    (void)state;
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(set_nonblocking(c, 1), 0);
    struct sockaddr_in sa = loopback_addr(27411);
    assert_fails_with(connect(c, (SOCKADDR *)&sa, sizeof sa), WSAEWOULDBLOCK);
    WSAPOLLFD p = {c, POLLWRNORM, 0};
    assert_int_equal(WSAPoll(&p, 1, -1), 1);
    assert_true(p.revents & POLLERR);
    assert_true(p.revents & POLLHUP);
    fd_set w, e;
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(c, &w);
    FD_SET(c, &e);
    assert_int_equal(select(0, NULL, &w, &e, NULL), 1);
    assert_true(FD_ISSET(c, &e));
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_ERROR), WSAECONNREFUSED);
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_ERROR), 0);
}

static void select_and_poll_wait_in_virtual_time(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27412, &c, &s), 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(s, &r);
    struct timeval tv = {5, 250000};
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(select(0, &r, NULL, NULL, &tv), 0);
    assert_int_equal(vg_clock_ms() - t0, 5250);
    assert_int_equal(r.fd_count, 0);
    WSAPOLLFD p[2] = {{s, POLLRDNORM, 0}, {INVALID_SOCKET, POLLRDNORM, 0}};
    t0 = vg_clock_ms();
    assert_int_equal(WSAPoll(p, 2, 1500), 0);
    assert_int_equal(vg_clock_ms() - t0, 1500);
    assert_int_equal(send(c, "x", 1, 0), 1);
    assert_int_equal(WSAPoll(p, 2, -1), 1);
    assert_int_equal(p[0].revents, POLLRDNORM);
    assert_int_equal(p[1].revents, 0);
    FD_ZERO(&r);
    FD_SET(s, &r);
    FD_SET(c, &r);
    assert_int_equal(select(0, &r, NULL, NULL, NULL), 1);
    assert_true(FD_ISSET(s, &r));
    assert_false(FD_ISSET(c, &r));
}

static void select_and_poll_arguments(void **state)
{
    (void)state;
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    fd_set r;
    FD_ZERO(&r);
    assert_fails_with(select(0, &r, NULL, NULL, NULL), WSAEINVAL);        /* no socket at all */
    assert_fails_with(select(0, NULL, NULL, NULL, NULL), WSAEINVAL);
    FD_SET(s, &r);
    FD_SET((SOCKET)12345, &r);
    assert_fails_with(select(0, &r, NULL, NULL, NULL), WSAENOTSOCK);
    FD_ZERO(&r);
    FD_SET(s, &r);
    struct timeval bad = {-1, 0};
    assert_fails_with(select(0, &r, NULL, NULL, &bad), WSAEINVAL);
    WSAPOLLFD p = {s, POLLERR, 0};                       /* not a flag one may ask for */
    assert_fails_with(WSAPoll(&p, 1, 0), WSAEINVAL);
    assert_fails_with(WSAPoll(NULL, 1, 0), WSAEFAULT);
    WSAPOLLFD gone = {(SOCKET)12345, POLLRDNORM, 0};
    assert_int_equal(WSAPoll(&gone, 1, 0), 1);
    assert_int_equal(gone.revents, POLLNVAL);
}

static void err_row_wsaetimedout_so_rcvtimeo(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27413, &c, &s), 0);
    assert_int_equal(set_dword(s, SOL_SOCKET, SO_RCVTIMEO, 2500), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_RCVTIMEO), 2500);
    uint64_t t0 = vg_clock_ms();
    char b;
    assert_fails_with(recv(s, &b, 1, 0), WSAETIMEDOUT);
    assert_int_equal(vg_clock_ms() - t0, 2500);
}

static void udp_datagrams(void **state)
{
    (void)state;
    SOCKET a = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    SOCKET b = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    char buf[64];
    assert_fails_with(recvfrom(a, buf, sizeof buf, 0, NULL, NULL), WSAEINVAL);   /* unbound */
    struct sockaddr_in sa = loopback_addr(27414);
    assert_int_equal(bind(a, (SOCKADDR *)&sa, sizeof sa), 0);
    struct sockaddr_in sb = loopback_addr(27415);
    assert_int_equal(bind(b, (SOCKADDR *)&sb, sizeof sb), 0);
    /* Boundaries are kept: two datagrams, two reads. */
    assert_int_equal(sendto(b, "one", 3, 0, (SOCKADDR *)&sa, sizeof sa), 3);
    assert_int_equal(sendto(b, "three", 5, 0, (SOCKADDR *)&sa, sizeof sa), 5);
    u_long next = 0;
    assert_int_equal(ioctlsocket(a, FIONREAD, &next), 0);
    assert_int_equal(next, 3);
    struct sockaddr_in from;
    int fromlen = sizeof from;
    assert_int_equal(recvfrom(a, buf, sizeof buf, 0, (SOCKADDR *)&from, &fromlen), 3);
    assert_memory_equal(buf, "one", 3);
    assert_int_equal(ntohs(from.sin_port), 27415);
    assert_int_equal(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    /* A datagram longer than the buffer: the start of it, and WSAEMSGSIZE. */
    assert_fails_with(recvfrom(a, buf, 2, 0, NULL, NULL), WSAEMSGSIZE);
    assert_memory_equal(buf, "th", 2);
    /* Connected: send and recv with the default peer. */
    assert_int_equal(connect(a, (SOCKADDR *)&sb, sizeof sb), 0);
    assert_int_equal(send(a, "back", 4, 0), 4);
    assert_int_equal(recv(b, buf, sizeof buf, 0), 4);
    assert_memory_equal(buf, "back", 4);
    /* A large datagram crosses loopback whole. */
    static char large[60000];
    memset(large, 'z', sizeof large);
    assert_int_equal(sendto(b, large, sizeof large, 0, (SOCKADDR *)&sa, sizeof sa),
                     (int)sizeof large);
    static char in[65536];
    assert_int_equal(recv(a, in, sizeof in, 0), (int)sizeof large);
    assert_int_equal(set_nonblocking(a, 1), 0);
    assert_fails_with(recv(a, buf, sizeof buf, 0), WSAEWOULDBLOCK);
    assert_fails_with(sendto(b, buf, 70000, 0, (SOCKADDR *)&sa, sizeof sa), WSAEMSGSIZE);
}

static void err_row_wsaenobufs_out_of_ports(void **state)
{
    (void)state;
    /* 16384 ephemeral ports (49152-65535): take every one, then ask for another. */
    struct sockaddr_in any = loopback_addr(0);
    int bound = 0;
    for (;;) {
        SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
        assert_int_not_equal(u, INVALID_SOCKET);
        if (bind(u, (SOCKADDR *)&any, sizeof any) == SOCKET_ERROR) {
            assert_int_equal(WSAGetLastError(), WSAENOBUFS);
            break;
        }
        bound++;
        assert_true(bound <= 16384);
    }
    assert_int_equal(bound, 16384);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(tcp_round_trip_and_orderly_close),
        T(names_of_both_ends),
        T(socket_arguments),
        T(err_row_wsaeaddrinuse_and_so_reuseaddr),
        T(err_row_wsaeconnrefused),
        T(err_row_wsaeisconn_and_wsaenotconn),
        T(err_row_wsaeconnreset_abortive_close),
        T(err_row_wsaenetdown_during_use),
        T(err_row_wsaewouldblock_nonblocking_calls),
        T(err_row_wsaealready_second_connect),
        T(nonblocking_connect_refused_seen_by_select_and_poll),
        T(select_and_poll_wait_in_virtual_time),
        T(select_and_poll_arguments),
        T(err_row_wsaetimedout_so_rcvtimeo),
        T(udp_datagrams),
        T(err_row_wsaenobufs_out_of_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
