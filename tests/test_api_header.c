/* <vigil/winsock2.h> itself: the spec's constants with the Windows values, Winsock's fd_set and
 * its macros, byte order and address conversions, and living beside the C library. This file
 * includes C library headers both before and after it, uses glibc's own struct timeval and
 * gettimeofday, and compiles with -Wall -Wextra -Wpedantic -Werror: that it builds is part of
 * the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "vigil/winsock2.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void spec_constants_have_windows_values(void **state)
{
    (void)state;
    assert_int_equal(SOL_SOCKET, 0xffff);
    assert_int_equal(SO_KEEPALIVE, 0x0008);
    assert_int_equal(IPPROTO_TCP, 6);
    assert_int_equal(TCP_KEEPALIVE, 3);
    assert_int_equal(TCP_KEEPIDLE, 3);
    assert_int_equal(TCP_KEEPCNT, 16);
    assert_int_equal(TCP_KEEPINTVL, 17);
    assert_int_equal(TCP_MAXRT, 5);
    assert_int_equal(SIO_KEEPALIVE_VALS, 0x98000004u);
    assert_int_equal(SIO_KEEPALIVE_VALS, _WSAIOW(IOC_VENDOR, 4));
    assert_int_equal(sizeof(struct tcp_keepalive), 3 * sizeof(uint32_t));
    assert_int_equal(sizeof(u_long), 4);
    assert_int_equal(sizeof(DWORD), 4);
    assert_int_equal(SOCKET_ERROR, -1);
    assert_true(INVALID_SOCKET == (SOCKET)~0);
    assert_int_equal(FIONBIO, (long)0x8004667E);
    assert_int_equal(FIONREAD, (long)0x4004667F);
    const struct { int value, expected; } codes[] = {
        {WSAEINTR, 10004}, {WSAEFAULT, 10014}, {WSAEINVAL, 10022}, {WSAEWOULDBLOCK, 10035},
        {WSAEINPROGRESS, 10036}, {WSAEALREADY, 10037}, {WSAENOTSOCK, 10038},
        {WSAENOPROTOOPT, 10042}, {WSAEADDRINUSE, 10048}, {WSAENETDOWN, 10050},
        {WSAENETRESET, 10052}, {WSAECONNABORTED, 10053}, {WSAECONNRESET, 10054},
        {WSAENOBUFS, 10055}, {WSAEISCONN, 10056}, {WSAENOTCONN, 10057}, {WSAETIMEDOUT, 10060},
        {WSAECONNREFUSED, 10061}, {WSANOTINITIALISED, 10093},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_int_equal(codes[i].value, codes[i].expected);
}

static void structures_as_windows_lays_them_out(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct sockaddr_in), 16);
    assert_int_equal(sizeof(SOCKADDR), 16);
    assert_int_equal(offsetof(struct sockaddr_in, sin_port), 2);
    assert_int_equal(offsetof(struct sockaddr_in, sin_addr), 4);
    struct in_addr a;
    a.s_addr = htonl(0x7f000001);
    assert_int_equal(a.S_un.S_un_b.s_b1, 127);
    assert_int_equal(a.S_un.S_un_b.s_b4, 1);
    assert_int_equal(a.s_net, 127);
    assert_int_equal(a.s_impno, 1);
    assert_int_equal(sizeof(LINGER), 4);
    assert_int_equal(MAKEWORD(2, 2), 0x0202);
    assert_int_equal(MAKEWORD(1, 2), 0x0201);
    assert_int_equal(LOBYTE(0x0201), 1);
    assert_int_equal(HIBYTE(0x0201), 2);
}

static void fd_set_is_winsocks(void **state)
{
    (void)state;
    fd_set set;
    FD_ZERO(&set);
    assert_int_equal(set.fd_count, 0);
    assert_int_equal(sizeof set.fd_array / sizeof set.fd_array[0], 64);
    FD_SET(8, &set);
    FD_SET(12, &set);
    FD_SET(8, &set);
    assert_int_equal(set.fd_count, 2);            /* never the same socket twice */
    assert_true(FD_ISSET(12, &set));
    assert_false(FD_ISSET(16, &set));
    FD_CLR(8, &set);
    assert_int_equal(set.fd_count, 1);
    assert_int_equal(set.fd_array[0], 12);
    for (SOCKET s = 100; s < 200; s += 1)
        FD_SET(s, &set);
    assert_int_equal(set.fd_count, FD_SETSIZE);   /* full: further sockets are left out */
    assert_false(FD_ISSET(199, &set));
}

static void byte_order_and_addresses(void **state)
{
    (void)state;
    assert_int_equal(htons(0x1234), 0x3412);
    assert_int_equal(htonl(0x01020304), 0x04030201);
    assert_int_equal(ntohs(htons(27015)), 27015);
    assert_int_equal(inet_addr("127.0.0.1"), htonl(0x7f000001));
    assert_int_equal(inet_addr("10.1.2"), htonl(0x0a010002));      /* classic a.b.c */
    assert_int_equal(inet_addr("0x7f.1"), htonl(0x7f000001));
    assert_int_equal(inet_addr("256.1.1.1"), INADDR_NONE);
    assert_int_equal(inet_addr("1.2.3.4.5"), INADDR_NONE);
    assert_int_equal(inet_addr("nonsense"), INADDR_NONE);
    struct in_addr a;
    a.s_addr = inet_addr("192.0.2.33");
    assert_string_equal(inet_ntoa(a), "192.0.2.33");
    uint32_t bin;
    assert_int_equal(inet_pton(AF_INET, "198.51.100.7", &bin), 1);
    assert_int_equal(bin, inet_addr("198.51.100.7"));
    assert_int_equal(inet_pton(AF_INET, "10.1.2", &bin), 0);       /* pton wants all four */
    char text[16];
    assert_string_equal(inet_ntop(AF_INET, &bin, text, sizeof text), "198.51.100.7");
    assert_null(inet_ntop(AF_INET, &bin, text, 8));
}

static void libc_lives_beside_it(void **state)
{
    (void)state;
    /* glibc's timeval and gettimeofday, Winsock's select with the same struct timeval. */
    struct timeval now;
    assert_int_equal(gettimeofday(&now, NULL), 0);
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", (long)now.tv_usec);
    assert_true(strlen(buf) > 0);
    setenv("VIGIL_CLOCK", "virtual", 1);
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    SOCKET s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(27701);
    sa.sin_addr.s_addr = inet_addr("127.0.0.1");
    assert_int_equal(bind(s, (SOCKADDR *)&sa, sizeof sa), 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(s, &r);
    struct timeval tv = {1, 0};
    assert_int_equal(select(0, &r, NULL, NULL, &tv), 0);
    assert_int_equal(closesocket(s), 0);
    assert_int_equal(WSACleanup(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_constants_have_windows_values),
        cmocka_unit_test(structures_as_windows_lays_them_out),
        cmocka_unit_test(fd_set_is_winsocks),
        cmocka_unit_test(byte_order_and_addresses),
        cmocka_unit_test(libc_lives_beside_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
