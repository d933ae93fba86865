/* Helpers shared by the Winsock API tests (tests/test_api_*.c): starting the default stack in
 * virtual time under a chosen profile, and making connected pairs on the loopback network.
 * Include after cmocka.h; it brings <vigil/winsock2.h>. */
#ifndef TEST_API_SUPPORT_H
#define TEST_API_SUPPORT_H

#include <stdlib.h>
#include <string.h>

#include "vigil/winsock2.h"

/* call fails with SOCKET_ERROR and leaves wsa as the thread's last error. */
#define assert_fails_with(call, wsa)                                                           \
    do {                                                                                       \
        WSASetLastError(0);                                                                    \
        assert_int_equal((call), SOCKET_ERROR);                                                \
        assert_int_equal(WSAGetLastError(), (wsa));                                            \
    } while (0)

/* Virtual time on the loopback network, under profile (NULL: the default, windows-vista). */
static inline int api_start_version(const char *profile, WORD version)
{
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_NET", "loopback", 1);
    unsetenv("VIGIL_REG");
    if (profile)
        setenv("VIGIL_PROFILE", profile, 1);
    else
        unsetenv("VIGIL_PROFILE");
    WSADATA wsa;
    return WSAStartup(version, &wsa);
}

static inline int api_start(const char *profile) { return api_start_version(profile, MAKEWORD(2, 2)); }

/* Undoes every WSAStartup still in force. */
static inline void api_stop(void)
{
    while (WSACleanup() == 0)
        ;
}

static inline struct sockaddr_in loopback_addr(u_short port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    return sa;
}

/* The family the helpers below make sockets and addresses in: AF_INET unless a test group
 * runs again for AF_INET6 (api_use_ipv4/api_use_ipv6 as its group setup), so one source
 * checks a rule over both. */
static inline int *api_family_slot(void)
{
    static int family = AF_INET;
    return &family;
}
static inline int api_family(void) { return *api_family_slot(); }
static inline int api_use_ipv4(void **state)
{
    (void)state;
    *api_family_slot() = AF_INET;
    return 0;
}
static inline int api_use_ipv6(void **state)
{
    (void)state;
    *api_family_slot() = AF_INET6;
    return 0;
}

/* The loopback address of api_family() (127.0.0.1 or ::1) and port; returns the sockaddr's
 * length. */
static inline int api_loop_addr(u_short port, SOCKADDR_STORAGE *st)
{
    memset(st, 0, sizeof *st);
    if (api_family() == AF_INET) {
        struct sockaddr_in sa = loopback_addr(port);
        memcpy(st, &sa, sizeof sa);
        return (int)sizeof sa;
    }
    struct sockaddr_in6 sa6;
    memset(&sa6, 0, sizeof sa6);
    sa6.sin6_family = AF_INET6;
    sa6.sin6_port = htons(port);
    sa6.sin6_addr = in6addr_loopback;
    memcpy(st, &sa6, sizeof sa6);
    return (int)sizeof sa6;
}

static inline SOCKET api_stream_socket(void)
{
    return socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
}

/* A listening TCP socket on the loopback address (api_family) and port. */
static inline SOCKET tcp_listener(u_short port, int backlog)
{
    SOCKET l = api_stream_socket();
    SOCKADDR_STORAGE st;
    int len = api_loop_addr(port, &st);
    if (l == INVALID_SOCKET || bind(l, (SOCKADDR *)&st, len) == SOCKET_ERROR ||
        listen(l, backlog) == SOCKET_ERROR)
        return INVALID_SOCKET;
    return l;
}

/* A connected pair through a listener on port: *client connected, *server accepted. The
 * listener is closed again. Returns 0, or -1 with WSAGetLastError() set. */
static inline int tcp_pair(u_short port, SOCKET *client, SOCKET *server)
{
    *client = *server = INVALID_SOCKET;
    SOCKET l = tcp_listener(port, 5);
    if (l == INVALID_SOCKET)
        return -1;
    *client = api_stream_socket();
    SOCKADDR_STORAGE st;
    int len = api_loop_addr(port, &st);
    if (connect(*client, (SOCKADDR *)&st, len) == SOCKET_ERROR)
        return -1;
    *server = accept(l, NULL, NULL);
    if (*server == INVALID_SOCKET)
        return -1;
    return closesocket(l);
}

static inline int set_dword(SOCKET s, int level, int name, DWORD v)
{
    return setsockopt(s, level, name, (const char *)&v, sizeof v);
}

/* The option's DWORD value, or 0xdeadbeef when getsockopt fails. */
static inline DWORD get_dword(SOCKET s, int level, int name)
{
    DWORD v = 0;
    int len = sizeof v;
    if (getsockopt(s, level, name, (char *)&v, &len) == SOCKET_ERROR)
        return 0xdeadbeef;
    return v;
}

static inline int set_nonblocking(SOCKET s, int on)
{
    u_long mode = on ? 1 : 0;
    return ioctlsocket(s, FIONBIO, &mode);
}

/* Lets virtual time pass with the stack running (delayed ACKs go out, etc.). */
static inline void idle_ms(DWORD ms) { Sleep(ms); }

/* Probes before keep-alive gives up under a profile's defaults (A10, C2). */
static inline uint32_t ka_probe_count(const char *profile)
{
    return profile && strcmp(profile, "linux") == 0 ? 9 : 10;
}

/* What the tests of a pending receive that keep-alive ends share: after a second of idleness,
 * SIO_KEEPALIVE_VALS on c (time_ms, interval_ms), an overlapped receive into wb pending on ov
 * (completion as the caller set ov up), and c's peer cut off. Returns when keep-alive was
 * switched on, on the virtual clock. */
static inline uint64_t pend_recv_then_vanish(SOCKET c, ULONG time_ms, ULONG interval_ms,
                                             WSABUF *wb, WSAOVERLAPPED *ov)
{
    idle_ms(1000);
    struct tcp_keepalive kv = {1, time_ms, interval_ms};
    DWORD bytes;
    assert_int_equal(WSAIoctl(c, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL), 0);
    uint64_t t_on = vg_clock_ms();
    DWORD n, flags = 0;
    assert_fails_with(WSARecv(c, wb, 1, &n, &flags, ov, NULL), WSA_IO_PENDING);
    assert_int_equal(vg_blackhole(c, 1), 0);
    return t_on;
}

#endif
