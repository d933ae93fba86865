/* AF_INET6 stream sockets through the Winsock API on the loopback network's ::1: data both ways,
 * the sockaddr_in6 names, IPV6_V6ONLY (its default, when it may change, who may ask), dual-stack
 * listeners and v4-mapped connects, the length and family errors, AcceptEx and ConnectEx; and
 * AF_INET6 datagram sockets: sendto/recvfrom, WSASendTo/WSARecvFrom (overlapped too), connected
 * ones, their length and family errors, and IPV6_V6ONLY held TRUE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

#define INFINITE 0xFFFFFFFF

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

static struct sockaddr_in6 addr6(const char *text, u_short port)
{
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    assert_int_equal(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
    return sa;
}

static int get_v6only(SOCKET s, DWORD *v)
{
    int len = sizeof *v;
    int r = getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (char *)v, &len);
    if (r == 0)
        assert_int_equal(len, sizeof *v);
    return r;
}

static int set_v6only(SOCKET s, DWORD v)
{
    return setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&v, sizeof v);
}

static SOCKET listener6(const char *text, u_short port, int v6only)
{
    SOCKET l = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    assert_true(l != INVALID_SOCKET);
    if (v6only >= 0)
        assert_int_equal(set_v6only(l, (DWORD)v6only), 0);
    struct sockaddr_in6 sa = addr6(text, port);
    assert_int_equal(bind(l, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_int_equal(listen(l, 5), 0);
    return l;
}

/* sa is AF_INET6 with the text address (an RFC 5952 form) and port (0: any). */
static void assert_name6(const struct sockaddr_in6 *sa, const char *text, u_short port)
{
    assert_int_equal(sa->sin6_family, AF_INET6);
    char buf[INET6_ADDRSTRLEN];
    assert_non_null(inet_ntop(AF_INET6, &sa->sin6_addr, buf, sizeof buf));
    assert_string_equal(buf, text);
    if (port)
        assert_int_equal(ntohs(sa->sin6_port), port);
    assert_int_equal(sa->sin6_flowinfo, 0);
    assert_int_equal(sa->sin6_scope_id, 0);
}

static void stream_over_loopback6(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = listener6("::1", 27301, -1);
    SOCKET c = socket(AF_INET6, SOCK_STREAM, 0);
    assert_true(c != INVALID_SOCKET);
    struct sockaddr_in6 to = addr6("::1", 27301);
    assert_int_equal(connect(c, (SOCKADDR *)&to, sizeof to), 0);
    struct sockaddr_in6 peer;
    int plen = sizeof peer;
    SOCKET s = accept(l, (SOCKADDR *)&peer, &plen);
    assert_true(s != INVALID_SOCKET);
    assert_int_equal(plen, sizeof peer);
    assert_name6(&peer, "::1", 0);

    /* The names, each end seen from both sides. */
    struct sockaddr_in6 cl, cp, sl, sp;
    int len = sizeof cl;
    assert_int_equal(getsockname(c, (SOCKADDR *)&cl, &len), 0);
    assert_int_equal(len, sizeof cl);
    assert_name6(&cl, "::1", 0);
    len = sizeof cp;
    assert_int_equal(getpeername(c, (SOCKADDR *)&cp, &len), 0);
    assert_name6(&cp, "::1", 27301);
    len = sizeof sl;
    assert_int_equal(getsockname(s, (SOCKADDR *)&sl, &len), 0);
    assert_name6(&sl, "::1", 27301);
    len = sizeof sp;
    assert_int_equal(getpeername(s, (SOCKADDR *)&sp, &len), 0);
    assert_int_equal(sp.sin6_port, cl.sin6_port);
    assert_int_equal(peer.sin6_port, cl.sin6_port);
    len = sizeof sl;
    assert_int_equal(getsockname(l, (SOCKADDR *)&sl, &len), 0);
    assert_name6(&sl, "::1", 27301);

    /* More than one segment each way, byte-exact. */
    enum { N = 40000 };
    static char out[N], in[N];
    for (int i = 0; i < N; i++)
        out[i] = (char)(i * 7 + (i >> 8));
    assert_int_equal(send(c, out, N, 0), N);
    assert_int_equal(recv(s, in, N, MSG_WAITALL), N);
    assert_memory_equal(in, out, N);
    memset(in, 0, sizeof in);
    assert_int_equal(send(s, out + 1, N - 1, 0), N - 1);
    assert_int_equal(recv(c, in, N - 1, MSG_WAITALL), N - 1);
    assert_memory_equal(in, out + 1, N - 1);
    assert_int_equal(shutdown(c, SD_SEND), 0);
    assert_int_equal(recv(s, in, 1, 0), 0);
    assert_int_equal(closesocket(c), 0);
    assert_int_equal(closesocket(s), 0);
    assert_int_equal(closesocket(l), 0);
}

static void v6only_defaults_true_and_refuses_ipv4(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = socket(AF_INET6, SOCK_STREAM, 0);
    DWORD v = 7;
    assert_int_equal(get_v6only(l, &v), 0);
    assert_int_equal(v, 1);
    struct sockaddr_in6 any = addr6("::", 27302);
    assert_int_equal(bind(l, (SOCKADDR *)&any, sizeof any), 0);
    assert_int_equal(listen(l, 5), 0);
    SOCKET c4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to4 = loopback_addr(27302);
    assert_fails_with(connect(c4, (SOCKADDR *)&to4, sizeof to4), WSAECONNREFUSED);
    /* IPv6 is taken on ::. */
    SOCKET c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to6 = addr6("::1", 27302);
    assert_int_equal(connect(c6, (SOCKADDR *)&to6, sizeof to6), 0);
    SOCKET s = accept(l, NULL, NULL);
    assert_true(s != INVALID_SOCKET);
    struct sockaddr_in6 sl;
    int len = sizeof sl;
    assert_int_equal(getsockname(l, (SOCKADDR *)&sl, &len), 0);
    assert_name6(&sl, "::", 27302);
    /* An accepted socket has the listener's setting. */
    assert_int_equal(get_v6only(s, &v), 0);
    assert_int_equal(v, 1);
    /* A v6-only listener leaves the port's IPv4 side free. */
    SOCKET l4 = tcp_listener(27302, 5);
    assert_true(l4 != INVALID_SOCKET);
    SOCKET c4b = socket(AF_INET, SOCK_STREAM, 0);   /* c4's failed connect ended it */
    assert_int_equal(connect(c4b, (SOCKADDR *)&to4, sizeof to4), 0);
    SOCKET s4 = accept(l4, NULL, NULL);
    assert_true(s4 != INVALID_SOCKET);
    /* A v6-only socket has no IPv4 to go to. */
    SOCKET c = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 mapped = addr6("::ffff:127.0.0.1", 27302);
    assert_fails_with(connect(c, (SOCKADDR *)&mapped, sizeof mapped), WSAEAFNOSUPPORT);
}

static void dual_stack_takes_ipv4_as_mapped(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = listener6("::", 27303, 0);
    DWORD v = 7;
    assert_int_equal(get_v6only(l, &v), 0);
    assert_int_equal(v, 0);
    SOCKET c4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to4 = loopback_addr(27303);
    assert_int_equal(connect(c4, (SOCKADDR *)&to4, sizeof to4), 0);
    struct sockaddr_in6 peer;
    int plen = sizeof peer;
    SOCKET s = accept(l, (SOCKADDR *)&peer, &plen);
    assert_true(s != INVALID_SOCKET);
    assert_int_equal(plen, sizeof peer);
    assert_name6(&peer, "::ffff:127.0.0.1", 0);
    struct sockaddr_in c4name;
    int len = sizeof c4name;
    assert_int_equal(getsockname(c4, (SOCKADDR *)&c4name, &len), 0);
    assert_int_equal(peer.sin6_port, c4name.sin_port);
    struct sockaddr_in6 n6;
    len = sizeof n6;
    assert_int_equal(getpeername(s, (SOCKADDR *)&n6, &len), 0);
    assert_name6(&n6, "::ffff:127.0.0.1", ntohs(c4name.sin_port));
    len = sizeof n6;
    assert_int_equal(getsockname(s, (SOCKADDR *)&n6, &len), 0);
    assert_name6(&n6, "::ffff:127.0.0.1", 27303);
    assert_int_equal(send(c4, "four", 4, 0), 4);
    char buf[8];
    assert_int_equal(recv(s, buf, sizeof buf, 0), 4);
    assert_memory_equal(buf, "four", 4);
    /* The dual-stack listener holds the port for IPv4 too. */
    SOCKET b4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in b4a = loopback_addr(27303);
    assert_fails_with(bind(b4, (SOCKADDR *)&b4a, sizeof b4a), WSAEADDRINUSE);
    assert_int_equal(closesocket(b4), 0);
    /* IPv6 still comes in too. */
    SOCKET c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to6 = addr6("::1", 27303);
    assert_int_equal(connect(c6, (SOCKADDR *)&to6, sizeof to6), 0);
    plen = sizeof peer;
    SOCKET s6 = accept(l, (SOCKADDR *)&peer, &plen);
    assert_true(s6 != INVALID_SOCKET);
    assert_name6(&peer, "::1", 0);

    /* A dual-stack client reaches an IPv4 listener through ::ffff:127.0.0.1. */
    SOCKET l4 = tcp_listener(27304, 5);
    assert_true(l4 != INVALID_SOCKET);
    SOCKET c = socket(AF_INET6, SOCK_STREAM, 0);
    assert_int_equal(set_v6only(c, 0), 0);
    struct sockaddr_in6 mapped = addr6("::ffff:127.0.0.1", 27304);
    assert_int_equal(connect(c, (SOCKADDR *)&mapped, sizeof mapped), 0);
    struct sockaddr_in p4;
    len = sizeof p4;
    SOCKET a = accept(l4, (SOCKADDR *)&p4, &len);
    assert_true(a != INVALID_SOCKET);
    assert_int_equal(p4.sin_family, AF_INET);
    assert_int_equal(ntohl(p4.sin_addr.s_addr), INADDR_LOOPBACK);
    len = sizeof n6;
    assert_int_equal(getpeername(c, (SOCKADDR *)&n6, &len), 0);
    assert_name6(&n6, "::ffff:127.0.0.1", 27304);
    len = sizeof n6;
    assert_int_equal(getsockname(c, (SOCKADDR *)&n6, &len), 0);
    assert_name6(&n6, "::ffff:127.0.0.1", ntohs(p4.sin_port));
    assert_int_equal(send(a, "back", 4, 0), 4);
    assert_int_equal(recv(c, buf, sizeof buf, 0), 4);
    assert_memory_equal(buf, "back", 4);
}

static void lengths_and_families(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSASetLastError(0);
    assert_true(socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP) == INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSAEPROTOTYPE);
    WSASetLastError(0);
    assert_true(socket(AF_INET6, SOCK_STREAM, IPPROTO_UDP) == INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSAEPROTOTYPE);

    SOCKET s6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa6 = addr6("::1", 27305);
    /* A namelen short of sockaddr_in6 is WSAEFAULT, a sockaddr_in's 16 octets included. */
    assert_fails_with(bind(s6, (SOCKADDR *)&sa6, sizeof sa6 - 1), WSAEFAULT);
    assert_fails_with(bind(s6, NULL, sizeof sa6), WSAEFAULT);
    struct sockaddr_in sa4 = loopback_addr(27305);
    assert_fails_with(bind(s6, (SOCKADDR *)&sa4, sizeof sa4), WSAEFAULT);
    assert_fails_with(connect(s6, (SOCKADDR *)&sa4, sizeof sa4), WSAEFAULT);
    assert_fails_with(connect(s6, (SOCKADDR *)&sa6, 24), WSAEFAULT);
    /* Long enough, but another family. */
    SOCKADDR_STORAGE st;
    memset(&st, 0, sizeof st);
    memcpy(&st, &sa4, sizeof sa4);
    assert_fails_with(bind(s6, (SOCKADDR *)&st, sizeof st), WSAEAFNOSUPPORT);
    assert_fails_with(connect(s6, (SOCKADDR *)&st, sizeof st), WSAEAFNOSUPPORT);
    SOCKET s4 = socket(AF_INET, SOCK_STREAM, 0);
    assert_fails_with(bind(s4, (SOCKADDR *)&sa6, sizeof sa6), WSAEAFNOSUPPORT);
    assert_fails_with(connect(s4, (SOCKADDR *)&sa6, sizeof sa6), WSAEAFNOSUPPORT);
    /* Not ours, and nowhere to connect to. */
    struct sockaddr_in6 other = addr6("2001:db8::1", 27305);
    assert_fails_with(bind(s6, (SOCKADDR *)&other, sizeof other), WSAEADDRNOTAVAIL);
    struct sockaddr_in6 any = addr6("::", 27305);
    assert_fails_with(connect(s6, (SOCKADDR *)&any, sizeof any), WSAEADDRNOTAVAIL);

    /* The name calls want room for a sockaddr_in6. */
    assert_int_equal(bind(s6, (SOCKADDR *)&sa6, sizeof sa6), 0);
    struct sockaddr_in6 n6;
    int len = (int)sizeof(struct sockaddr_in);
    assert_fails_with(getsockname(s6, (SOCKADDR *)&n6, &len), WSAEFAULT);
    len = (int)sizeof st;
    assert_int_equal(getsockname(s6, (SOCKADDR *)&st, &len), 0);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_name6((struct sockaddr_in6 *)&st, "::1", 27305);
    assert_int_equal(listen(s6, 5), 0);
    SOCKET c = socket(AF_INET6, SOCK_STREAM, 0);
    u_long nb = 1;
    assert_int_equal(ioctlsocket(c, FIONBIO, &nb), 0);
    assert_fails_with(connect(c, (SOCKADDR *)&sa6, sizeof sa6), WSAEWOULDBLOCK);
    vg_ws_sleep(10);
    len = (int)sizeof(struct sockaddr_in);
    WSASetLastError(0);
    assert_true(accept(s6, (SOCKADDR *)&n6, &len) == INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
    len = sizeof n6;
    SOCKET a = accept(s6, (SOCKADDR *)&n6, &len);
    assert_true(a != INVALID_SOCKET);
    assert_name6(&n6, "::1", 0);
}

static void v6only_option_rules(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = socket(AF_INET6, SOCK_STREAM, 0);
    DWORD v;
    int len = 3;
    assert_fails_with(getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (char *)&v, &len), WSAEFAULT);
    v = 0;
    assert_fails_with(setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (char *)&v, 3), WSAEFAULT);
    assert_int_equal(set_v6only(s, 0), 0);
    assert_int_equal(set_v6only(s, 5), 0);   /* any nonzero DWORD is TRUE */
    assert_int_equal(get_v6only(s, &v), 0);
    assert_int_equal(v, 1);
    struct sockaddr_in6 sa = addr6("::1", 0);
    assert_int_equal(bind(s, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_fails_with(set_v6only(s, 0), WSAEINVAL);
    assert_int_equal(listen(s, 5), 0);
    assert_fails_with(set_v6only(s, 0), WSAEINVAL);
    assert_fails_with(set_v6only(s, 1), WSAEINVAL);
    assert_int_equal(get_v6only(s, &v), 0);
    assert_int_equal(v, 1);
    /* A connect binds too. */
    SOCKET c = socket(AF_INET6, SOCK_STREAM, 0);
    int nlen = sizeof sa;
    assert_int_equal(getsockname(s, (SOCKADDR *)&sa, &nlen), 0);
    assert_int_equal(connect(c, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_fails_with(set_v6only(c, 0), WSAEINVAL);
    /* An AF_INET socket has no IPPROTO_IPV6 options. */
    SOCKET s4 = socket(AF_INET, SOCK_STREAM, 0);
    len = sizeof v;
    assert_fails_with(getsockopt(s4, IPPROTO_IPV6, IPV6_V6ONLY, (char *)&v, &len), WSAENOPROTOOPT);
    assert_fails_with(set_v6only(s4, 0), WSAENOPROTOOPT);
    SOCKET u4 = socket(AF_INET, SOCK_DGRAM, 0);
    assert_fails_with(set_v6only(u4, 0), WSAENOPROTOOPT);
}

#define ADDR6_LEN (sizeof(struct sockaddr_in6) + 16)

/* ConnectEx has no export: programs fetch it, by GUID, as on Windows. */
static LPFN_CONNECTEX fetch_connectex(SOCKET s)
{
    GUID g = WSAID_CONNECTEX;
    LPFN_CONNECTEX fn = NULL;
    DWORD bytes = 0;
    assert_int_equal(WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &g, sizeof g, &fn, sizeof fn,
                              &bytes, NULL, NULL), 0);
    assert_non_null(fn);
    return fn;
}

static void acceptex_and_connectex_over_ipv6(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    assert_non_null(port);
    SOCKET l = listener6("::1", 27306, -1);
    assert_ptr_equal(CreateIoCompletionPort((HANDLE)l, port, 1, 0), port);
    char out[2 * ADDR6_LEN];
    DWORD bytes = 0;
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    SOCKET a = socket(AF_INET6, SOCK_STREAM, 0);
    SOCKET a4 = socket(AF_INET, SOCK_STREAM, 0);
    /* Blocks sized for sockaddr_in do not hold a sockaddr_in6; an IPv4 socket cannot take it. */
    WSASetLastError(0);
    assert_false(AcceptEx(l, a, out, 0, sizeof(struct sockaddr_in) + 16,
                          sizeof(struct sockaddr_in) + 16, &bytes, &ov));
    assert_int_equal(WSAGetLastError(), WSAEINVAL);
    WSASetLastError(0);
    assert_false(AcceptEx(l, a4, out, 0, ADDR6_LEN, ADDR6_LEN, &bytes, &ov));
    assert_int_equal(WSAGetLastError(), WSAEINVAL);
    WSASetLastError(0);
    assert_false(AcceptEx(l, a, out, 0, ADDR6_LEN, ADDR6_LEN, &bytes, &ov));
    assert_int_equal(WSAGetLastError(), WSA_IO_PENDING);

    /* ConnectEx from a bound AF_INET6 socket. */
    SOCKET c = socket(AF_INET6, SOCK_STREAM, 0);
    LPFN_CONNECTEX ConnectEx = fetch_connectex(c);
    struct sockaddr_in6 any = addr6("::", 0);
    assert_int_equal(bind(c, (SOCKADDR *)&any, sizeof any), 0);
    assert_ptr_equal(CreateIoCompletionPort((HANDLE)c, port, 2, 0), port);
    struct sockaddr_in6 to = addr6("::1", 27306);
    WSAOVERLAPPED cov;
    memset(&cov, 0, sizeof cov);
    WSASetLastError(0);
    assert_false(ConnectEx(c, (SOCKADDR *)&to, sizeof(struct sockaddr_in), NULL, 0, NULL, &cov));
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
    WSASetLastError(0);
    assert_false(ConnectEx(c, (SOCKADDR *)&to, sizeof to, "hi", 2, NULL, &cov));
    assert_int_equal(WSAGetLastError(), WSA_IO_PENDING);
    int seen = 0;
    while (seen != 3) {
        ULONG_PTR key;
        LPOVERLAPPED got;
        assert_int_equal(GetQueuedCompletionStatus(port, &bytes, &key, &got, INFINITE), TRUE);
        assert_true(key == 1 || key == 2);
        assert_ptr_equal(got, key == 1 ? &ov : &cov);
        seen |= (int)key;
        if (key == 2)
            assert_int_equal(bytes, 2);
    }
    struct sockaddr *local, *remote;
    int llen = 0, rlen = 0;
    GetAcceptExSockaddrs(out, 0, ADDR6_LEN, ADDR6_LEN, &local, &llen, &remote, &rlen);
    assert_int_equal(llen, sizeof(struct sockaddr_in6));
    assert_int_equal(rlen, sizeof(struct sockaddr_in6));
    struct sockaddr_in6 lo, re, cl;
    memcpy(&lo, local, sizeof lo);
    memcpy(&re, remote, sizeof re);
    assert_name6(&lo, "::1", 27306);
    int len = sizeof cl;
    assert_int_equal(getsockname(c, (SOCKADDR *)&cl, &len), 0);
    assert_name6(&re, "::1", ntohs(cl.sin6_port));
    char buf[4];
    assert_int_equal(recv(a, buf, sizeof buf, 0), 2);
    assert_memory_equal(buf, "hi", 2);
}

/* An AF_INET datagram socket on 127.0.0.1:port (0: ephemeral). */
static SOCKET udp_socket_bound(u_short port)
{
    SOCKET u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    assert_true(u != INVALID_SOCKET);
    struct sockaddr_in sa = loopback_addr(port);
    assert_int_equal(bind(u, (SOCKADDR *)&sa, sizeof sa), 0);
    return u;
}

static SOCKET dgram6(const char *text, u_short port)
{
    SOCKET u = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    assert_true(u != INVALID_SOCKET);
    if (text) {
        struct sockaddr_in6 sa = addr6(text, port);
        assert_int_equal(bind(u, (SOCKADDR *)&sa, sizeof sa), 0);
    }
    return u;
}

/* recvfrom on u: n octets equal to want, from text:port (port 0: any), a sockaddr_in6. */
static u_short recv_from6(SOCKET u, const char *want, int n, const char *text, u_short port)
{
    char buf[2048];
    SOCKADDR_STORAGE from;
    memset(&from, 0xa5, sizeof from);
    int len = sizeof from;
    assert_int_equal(recvfrom(u, buf, sizeof buf, 0, (SOCKADDR *)&from, &len), n);
    assert_memory_equal(buf, want, (size_t)n);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)&from;
    assert_name6(f, text, port);
    assert_true(f->sin6_port != 0);
    return ntohs(f->sin6_port);
}

static void datagram_over_loopback6(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET a = dgram6("::1", 27311);
    SOCKET b = socket(AF_INET6, SOCK_DGRAM, 0);
    assert_true(b != INVALID_SOCKET);
    struct sockaddr_in6 sb = addr6("::1", 27312);
    assert_int_equal(bind(b, (SOCKADDR *)&sb, sizeof sb), 0);
    struct sockaddr_in6 sa = addr6("::1", 27311);
    assert_int_equal(sendto(b, "hello6", 6, 0, (SOCKADDR *)&sa, sizeof sa), 6);
    recv_from6(a, "hello6", 6, "::1", 27312);
    /* Every octet value, and zeros, both ways. */
    char big[1200];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + (i >> 8));
    big[0] = big[600] = 0;
    assert_int_equal(sendto(a, big, sizeof big, 0, (SOCKADDR *)&sb, sizeof sb), (int)sizeof big);
    recv_from6(b, big, sizeof big, "::1", 27311);
    /* The names. */
    struct sockaddr_in6 n6;
    int len = sizeof n6;
    assert_int_equal(getsockname(a, (SOCKADDR *)&n6, &len), 0);
    assert_int_equal(len, sizeof n6);
    assert_name6(&n6, "::1", 27311);
    len = sizeof n6;
    assert_fails_with(getpeername(a, (SOCKADDR *)&n6, &len), WSAENOTCONN);
    /* An unbound socket's first sendto binds it to :: and an ephemeral port. */
    SOCKET c = dgram6(NULL, 0);
    len = sizeof n6;
    assert_fails_with(getsockname(c, (SOCKADDR *)&n6, &len), WSAEINVAL);
    assert_int_equal(sendto(c, "eph", 3, 0, (SOCKADDR *)&sa, sizeof sa), 3);
    u_short eph = recv_from6(a, "eph", 3, "::1", 0);
    len = sizeof n6;
    assert_int_equal(getsockname(c, (SOCKADDR *)&n6, &len), 0);
    assert_name6(&n6, "::", eph);
    /* WSASendTo and WSARecvFrom, gathered and scattered. */
    WSABUF out[2] = {{3, (char *)"abc"}, {4, (char *)"defg"}};
    DWORD sent = 0;
    assert_int_equal(WSASendTo(b, out, 2, &sent, 0, (SOCKADDR *)&sa, sizeof sa, NULL, NULL), 0);
    assert_int_equal(sent, 7);
    char p1[2], p2[8];
    WSABUF in[2] = {{sizeof p1, p1}, {sizeof p2, p2}};
    DWORD got = 0, flags = 0;
    SOCKADDR_STORAGE from;
    int flen = sizeof from;
    assert_int_equal(WSARecvFrom(a, in, 2, &got, &flags, (SOCKADDR *)&from, &flen, NULL, NULL), 0);
    assert_int_equal(got, 7);
    assert_memory_equal(p1, "ab", 2);
    assert_memory_equal(p2, "cdefg", 5);
    assert_int_equal(flen, sizeof(struct sockaddr_in6));
    assert_name6((struct sockaddr_in6 *)&from, "::1", 27312);
    /* Overlapped: the receive is pending until the datagram comes, its sender filled then. */
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = WSACreateEvent();
    char ob[16];
    WSABUF oin = {sizeof ob, ob};
    memset(&from, 0, sizeof from);
    flen = sizeof from;
    flags = 0;
    WSASetLastError(0);
    assert_int_equal(WSARecvFrom(a, &oin, 1, NULL, &flags, (SOCKADDR *)&from, &flen, &ov, NULL),
                     SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSA_IO_PENDING);
    assert_int_equal(sendto(c, "ovl6", 4, 0, (SOCKADDR *)&sa, sizeof sa), 4);
    DWORD oflags = 0;
    assert_int_equal(WSAGetOverlappedResult(a, &ov, &got, TRUE, &oflags), TRUE);
    assert_int_equal(got, 4);
    assert_memory_equal(ob, "ovl6", 4);
    assert_int_equal(flen, sizeof(struct sockaddr_in6));
    assert_name6((struct sockaddr_in6 *)&from, "::1", eph);
    WSACloseEvent(ov.hEvent);
    /* An AF_INET datagram socket on the same port is another socket: IPv4 and IPv6 apart. */
    SOCKET u4 = udp_socket_bound(27311);
    struct sockaddr_in to4 = loopback_addr(27311);
    assert_int_equal(sendto(u4, "four", 4, 0, (SOCKADDR *)&to4, sizeof to4), 4);
    assert_int_equal(sendto(b, "six", 3, 0, (SOCKADDR *)&sa, sizeof sa), 3);
    recv_from6(a, "six", 3, "::1", 27312);
    char b4[8];
    assert_int_equal(recvfrom(u4, b4, sizeof b4, 0, NULL, NULL), 4);
    assert_memory_equal(b4, "four", 4);
}

static void connected_datagram6(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET a = dgram6("::1", 27313);
    SOCKET b = dgram6(NULL, 0);
    struct sockaddr_in6 sa = addr6("::1", 27313);
    assert_int_equal(connect(b, (SOCKADDR *)&sa, sizeof sa), 0);
    struct sockaddr_in6 n6;
    int len = sizeof n6;
    assert_int_equal(getpeername(b, (SOCKADDR *)&n6, &len), 0);
    assert_int_equal(len, sizeof n6);
    assert_name6(&n6, "::1", 27313);
    len = sizeof n6;
    assert_int_equal(getsockname(b, (SOCKADDR *)&n6, &len), 0);
    assert_int_equal(n6.sin6_family, AF_INET6);
    u_short bport = ntohs(n6.sin6_port);
    assert_true(bport != 0);
    assert_int_equal(send(b, "to-a", 4, 0), 4);
    assert_int_equal(recv_from6(a, "to-a", 4, "::1", 0), bport);
    /* a connected back: send and recv with no names. */
    struct sockaddr_in6 sb = addr6("::1", bport);
    assert_int_equal(connect(a, (SOCKADDR *)&sb, sizeof sb), 0);
    assert_int_equal(send(a, "to-b!", 5, 0), 5);
    char buf[16];
    assert_int_equal(recv(b, buf, sizeof buf, 0), 5);
    assert_memory_equal(buf, "to-b!", 5);
    WSABUF out = {3, (char *)"xyz"};
    DWORD sent = 0;
    assert_int_equal(WSASend(b, &out, 1, &sent, 0, NULL, NULL), 0);
    assert_int_equal(sent, 3);
    assert_int_equal(recv(a, buf, sizeof buf, 0), 3);
    assert_memory_equal(buf, "xyz", 3);
    assert_int_equal(shutdown(b, SD_SEND), 0);
    assert_fails_with(send(b, "x", 1, 0), WSAESHUTDOWN);
    /* An unconnected one: send has no destination. */
    SOCKET c = dgram6("::1", 0);
    assert_fails_with(send(c, "x", 1, 0), WSAENOTCONN);
    assert_fails_with(shutdown(c, SD_SEND), WSAENOTCONN);
}

static void datagram6_lengths_and_families(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET u = dgram6("::1", 27315);
    struct sockaddr_in6 sa6 = addr6("::1", 27316);
    struct sockaddr_in sa4 = loopback_addr(27316);
    /* A sockaddr short of sockaddr_in6 is WSAEFAULT, a sockaddr_in's 16 octets included. */
    assert_fails_with(sendto(u, "x", 1, 0, (SOCKADDR *)&sa6, sizeof sa6 - 1), WSAEFAULT);
    assert_fails_with(sendto(u, "x", 1, 0, (SOCKADDR *)&sa4, sizeof sa4), WSAEFAULT);
    assert_fails_with(connect(u, (SOCKADDR *)&sa4, sizeof sa4), WSAEFAULT);
    SOCKET v = dgram6(NULL, 0);
    assert_fails_with(bind(v, (SOCKADDR *)&sa6, 24), WSAEFAULT);
    WSABUF wb = {1, (char *)"x"};
    DWORD n = 0;
    assert_fails_with(WSASendTo(u, &wb, 1, &n, 0, (SOCKADDR *)&sa4, sizeof sa4, NULL, NULL),
                      WSAEFAULT);
    char buf[8];
    SOCKADDR_STORAGE from;
    int flen = (int)sizeof(struct sockaddr_in);
    assert_fails_with(recvfrom(u, buf, sizeof buf, 0, (SOCKADDR *)&from, &flen), WSAEFAULT);
    DWORD flags = 0;
    WSABUF rb = {sizeof buf, buf};
    assert_fails_with(WSARecvFrom(u, &rb, 1, &n, &flags, (SOCKADDR *)&from, &flen, NULL, NULL),
                      WSAEFAULT);
    /* Long enough, but AF_INET: WSAEAFNOSUPPORT, as the stream calls answer. */
    SOCKADDR_STORAGE st;
    memset(&st, 0, sizeof st);
    memcpy(&st, &sa4, sizeof sa4);
    assert_fails_with(sendto(u, "x", 1, 0, (SOCKADDR *)&st, sizeof st), WSAEAFNOSUPPORT);
    assert_fails_with(connect(u, (SOCKADDR *)&st, sizeof st), WSAEAFNOSUPPORT);
    assert_fails_with(bind(v, (SOCKADDR *)&st, sizeof st), WSAEAFNOSUPPORT);
    assert_fails_with(WSASendTo(u, &wb, 1, &n, 0, (SOCKADDR *)&st, sizeof st, NULL, NULL),
                      WSAEAFNOSUPPORT);
    SOCKET u4 = socket(AF_INET, SOCK_DGRAM, 0);
    assert_fails_with(sendto(u4, "x", 1, 0, (SOCKADDR *)&sa6, sizeof sa6), WSAEAFNOSUPPORT);
    assert_fails_with(bind(u4, (SOCKADDR *)&sa6, sizeof sa6), WSAEAFNOSUPPORT);
    /* v6-only: IPv4 as ::ffff:a.b.c.d is not this socket's to reach or bind. */
    struct sockaddr_in6 mapped = addr6("::ffff:127.0.0.1", 27316);
    assert_fails_with(sendto(u, "x", 1, 0, (SOCKADDR *)&mapped, sizeof mapped), WSAEAFNOSUPPORT);
    assert_fails_with(connect(u, (SOCKADDR *)&mapped, sizeof mapped), WSAEAFNOSUPPORT);
    assert_fails_with(bind(v, (SOCKADDR *)&mapped, sizeof mapped), WSAEADDRNOTAVAIL);
    /* Nowhere to send to; an address not ours to bind. */
    struct sockaddr_in6 any = addr6("::", 27316);
    assert_fails_with(sendto(u, "x", 1, 0, (SOCKADDR *)&any, sizeof any), WSAEADDRNOTAVAIL);
    struct sockaddr_in6 port0 = addr6("::1", 0);
    assert_fails_with(sendto(u, "x", 1, 0, (SOCKADDR *)&port0, sizeof port0), WSAEADDRNOTAVAIL);
    struct sockaddr_in6 other = addr6("2001:db8::1", 27316);
    assert_fails_with(bind(v, (SOCKADDR *)&other, sizeof other), WSAEADDRNOTAVAIL);
    /* Before a bind or a send there is nothing to receive on. */
    flen = sizeof from;
    assert_fails_with(recvfrom(v, buf, sizeof buf, 0, (SOCKADDR *)&from, &flen), WSAEINVAL);
    /* The port taken over IPv6 is taken. */
    struct sockaddr_in6 same = addr6("::", 27315);
    assert_fails_with(bind(v, (SOCKADDR *)&same, sizeof same), WSAEADDRINUSE);
    /* Nothing above reached u's peer. */
    SOCKET w = dgram6("::1", 27316);
    u_long nb = 1;
    assert_int_equal(ioctlsocket(w, FIONBIO, &nb), 0);
    assert_fails_with(recv(w, buf, sizeof buf, 0), WSAEWOULDBLOCK);
}

/* IPV6_V6ONLY on a datagram socket: TRUE, and it stays TRUE. There is no dual-stack UDP (a
 * socket of the core's UDP is of one family), so FALSE is a value it cannot take: WSAEINVAL. */
static void datagram6_v6only_stays_true(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET u = dgram6(NULL, 0);
    DWORD v = 7;
    assert_int_equal(get_v6only(u, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(set_v6only(u, 1), 0);
    assert_fails_with(set_v6only(u, 0), WSAEINVAL);
    assert_int_equal(get_v6only(u, &v), 0);
    assert_int_equal(v, 1);
    struct sockaddr_in6 any = addr6("::", 27317);
    assert_int_equal(bind(u, (SOCKADDR *)&any, sizeof any), 0);
    assert_fails_with(set_v6only(u, 1), WSAEINVAL);   /* bound: settled, as a stream's */
    /* IPv4 to the port does not reach it. */
    SOCKET u4 = udp_socket_bound(0);
    struct sockaddr_in to4 = loopback_addr(27317);
    assert_int_equal(sendto(u4, "v4", 2, 0, (SOCKADDR *)&to4, sizeof to4), 2);
    u_long nb = 1;
    assert_int_equal(ioctlsocket(u, FIONBIO, &nb), 0);
    char buf[4];
    assert_fails_with(recv(u, buf, sizeof buf, 0), WSAEWOULDBLOCK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(stream_over_loopback6, teardown),
        cmocka_unit_test_teardown(v6only_defaults_true_and_refuses_ipv4, teardown),
        cmocka_unit_test_teardown(dual_stack_takes_ipv4_as_mapped, teardown),
        cmocka_unit_test_teardown(lengths_and_families, teardown),
        cmocka_unit_test_teardown(v6only_option_rules, teardown),
        cmocka_unit_test_teardown(acceptex_and_connectex_over_ipv6, teardown),
        cmocka_unit_test_teardown(datagram_over_loopback6, teardown),
        cmocka_unit_test_teardown(connected_datagram6, teardown),
        cmocka_unit_test_teardown(datagram6_lengths_and_families, teardown),
        cmocka_unit_test_teardown(datagram6_v6only_stays_true, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
