/* Spec A6: the errors of getsockopt/setsockopt(SO_KEEPALIVE), checked in order, first match wins,
 * one test per step and per pair of conditions that hold at once (A7 and C2 for the profiles
 * that lift step 8). Step 2 (WSAEINPROGRESS) needs a blocking call in progress: its tests are in
 * test_api_hook.c. Every test runs over AF_INET and again over AF_INET6 (groups "ipv4", "ipv6"):
 * the order does not depend on the family. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

static int teardown(void **state)
{
    (void)state;
    vg_ws_set_link_up(1);
    api_stop();
    return 0;
}

static int setup_vista(void **state)
{
    (void)state;
    return api_start(NULL);
}

static int set_ka(SOCKET s, DWORD v) { return set_dword(s, SOL_SOCKET, SO_KEEPALIVE, v); }

static int get_ka(SOCKET s, DWORD *v)
{
    int len = sizeof *v;
    return getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)v, &len);
}

/* A socket whose non-blocking connect stays in progress (SYN_SENT): the listener's backlog of
 * one is taken by an earlier connection nobody accepted, so its SYN goes unanswered. */
static SOCKET stalled_connect(u_short port, SOCKET *listener, SOCKET *first)
{
    *listener = tcp_listener(port, 1);
    assert_int_not_equal(*listener, INVALID_SOCKET);
    SOCKADDR_STORAGE sa;
    int len = api_loop_addr(port, &sa);
    *first = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(connect(*first, (SOCKADDR *)&sa, len), 0);
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(set_nonblocking(s, 1), 0);
    assert_fails_with(connect(s, (SOCKADDR *)&sa, len), WSAEWOULDBLOCK);
    return s;
}

/* ---- Step 1: WSANOTINITIALISED. */

static void a6_1_notinitialised_before_wsastartup(void **state)
{
    (void)state;
    DWORD v = 1;
    int len = sizeof v;
    assert_fails_with(setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, sizeof v),
                      WSANOTINITIALISED);
    assert_fails_with(getsockopt(4, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &len),
                      WSANOTINITIALISED);
}

static void a6_1_notinitialised_after_last_wsacleanup(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    assert_int_not_equal(s, INVALID_SOCKET);
    /* Two WSAStartups: one WSACleanup leaves the socket usable. */
    assert_int_equal(WSACleanup(), 0);
    assert_int_equal(set_ka(s, TRUE), 0);
    assert_int_equal(WSACleanup(), 0);
    assert_fails_with(set_ka(s, TRUE), WSANOTINITIALISED);
    DWORD v;
    assert_fails_with(get_ka(s, &v), WSANOTINITIALISED);
}

static void a6_1_notinitialised_before_notsock(void **state)
{
    (void)state;
    DWORD v;
    assert_fails_with(set_ka(INVALID_SOCKET, TRUE), WSANOTINITIALISED);
    assert_fails_with(get_ka(INVALID_SOCKET, &v), WSANOTINITIALISED);
}

static void a6_1_notinitialised_before_every_later_step(void **state)
{
    (void)state;
    /* Unknown level, unknown option, NULL buffers, on a non-socket: still step 1. */
    int len = 0;
    assert_fails_with(setsockopt(INVALID_SOCKET, 0x4242, 0x4242, NULL, 0), WSANOTINITIALISED);
    assert_fails_with(getsockopt(INVALID_SOCKET, 0x4242, 0x4242, NULL, &len), WSANOTINITIALISED);
    assert_fails_with(getsockopt(INVALID_SOCKET, SOL_SOCKET, SO_KEEPALIVE, NULL, NULL),
                      WSANOTINITIALISED);
}

/* ---- Step 3: WSAENETDOWN. */

static void a6_3_netdown(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(vg_ws_set_link_up(0), 0);
    DWORD v;
    assert_fails_with(set_ka(s, TRUE), WSAENETDOWN);
    assert_fails_with(get_ka(s, &v), WSAENETDOWN);
    /* The link comes back: so does the option. */
    assert_int_equal(vg_ws_set_link_up(1), 0);
    assert_int_equal(set_ka(s, TRUE), 0);
    assert_int_equal(get_ka(s, &v), 0);
    assert_int_equal(v, 1);
}

static void a6_3_netdown_before_notsock(void **state)
{
    (void)state;
    assert_int_equal(vg_ws_set_link_up(0), 0);
    DWORD v;
    assert_fails_with(set_ka(INVALID_SOCKET, TRUE), WSAENETDOWN);
    assert_fails_with(get_ka((SOCKET)12345, &v), WSAENETDOWN);
}

static void a6_3_netdown_before_bad_level_and_fault(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_DGRAM, IPPROTO_UDP);
    assert_int_equal(vg_ws_set_link_up(0), 0);
    assert_fails_with(setsockopt(s, 0x4242, SO_KEEPALIVE, NULL, 0), WSAENETDOWN);
    assert_fails_with(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, NULL, NULL), WSAENETDOWN);
}

/* ---- Step 4: WSAENOTSOCK. */

static void a6_4_notsock(void **state)
{
    (void)state;
    DWORD v;
    assert_fails_with(set_ka(INVALID_SOCKET, TRUE), WSAENOTSOCK);
    assert_fails_with(get_ka(0, &v), WSAENOTSOCK);
    assert_fails_with(get_ka((SOCKET)3, &v), WSAENOTSOCK);
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    assert_fails_with(get_ka(s + 4096, &v), WSAENOTSOCK);
    /* A closed socket is no socket, even once its slot is taken again. */
    assert_int_equal(closesocket(s), 0);
    assert_fails_with(set_ka(s, TRUE), WSAENOTSOCK);
    for (int i = 0; i < 200; i++)
        assert_int_not_equal(socket(api_family(), SOCK_STREAM, 0), INVALID_SOCKET);
    assert_fails_with(get_ka(s, &v), WSAENOTSOCK);
}

static void a6_4_notsock_before_bad_level_and_fault(void **state)
{
    (void)state;
    assert_fails_with(setsockopt((SOCKET)8, 0x4242, 0x4242, NULL, 0), WSAENOTSOCK);
    assert_fails_with(getsockopt((SOCKET)8, SOL_SOCKET, SO_KEEPALIVE, NULL, NULL), WSAENOTSOCK);
}

/* ---- Step 5: WSAEINVAL, unknown level. */

static void a6_5_unknown_level(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    DWORD v = TRUE;
    int len = sizeof v;
    assert_fails_with(setsockopt(s, 0x4242, SO_KEEPALIVE, (char *)&v, sizeof v), WSAEINVAL);
    assert_fails_with(getsockopt(s, 0x4242, SO_KEEPALIVE, (char *)&v, &len), WSAEINVAL);
    assert_fails_with(setsockopt(s, -1, SO_KEEPALIVE, (char *)&v, sizeof v), WSAEINVAL);
    /* Nothing was set. */
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
}

static void a6_5_bad_level_before_unknown_option(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    DWORD v = TRUE;
    assert_fails_with(setsockopt(s, 0x4242, 0x4242, (char *)&v, sizeof v), WSAEINVAL);
}

static void a6_5_bad_level_before_null_optval(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    int len = 4;
    assert_fails_with(setsockopt(s, 0x4242, SO_KEEPALIVE, NULL, 4), WSAEINVAL);
    assert_fails_with(getsockopt(s, 0x4242, SO_KEEPALIVE, NULL, &len), WSAEINVAL);
    assert_fails_with(getsockopt(s, 0x4242, SO_KEEPALIVE, NULL, NULL), WSAEINVAL);
}

static void a6_5_bad_level_on_datagram_socket(void **state)
{
    (void)state;
    SOCKET u = socket(api_family(), SOCK_DGRAM, IPPROTO_UDP);
    DWORD v = TRUE;
    /* Both step 5 and step 6 (A5) hold: the level wins. */
    assert_fails_with(setsockopt(u, 0x4242, SO_KEEPALIVE, (char *)&v, sizeof v), WSAEINVAL);
}

/* ---- Step 6: WSAENOPROTOOPT. */

static void a6_6_unknown_option(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    DWORD v = TRUE;
    int len = sizeof v;
    assert_fails_with(setsockopt(s, SOL_SOCKET, 0x4242, (char *)&v, sizeof v), WSAENOPROTOOPT);
    assert_fails_with(getsockopt(s, SOL_SOCKET, 0x4242, (char *)&v, &len), WSAENOPROTOOPT);
    assert_fails_with(setsockopt(s, IPPROTO_TCP, 99, (char *)&v, sizeof v), WSAENOPROTOOPT);
    /* SO_KEEPALIVE is not an option of the TCP level, nor of the IP level. */
    assert_fails_with(setsockopt(s, IPPROTO_TCP, SO_KEEPALIVE + 0x1000, (char *)&v, sizeof v),
                      WSAENOPROTOOPT);
    assert_fails_with(setsockopt(s, IPPROTO_IP, SO_KEEPALIVE, (char *)&v, sizeof v),
                      WSAENOPROTOOPT);
}

static void a6_6_datagram_socket(void **state)
{
    (void)state;
    SOCKET u = socket(api_family(), SOCK_DGRAM, IPPROTO_UDP);
    DWORD v;
    assert_fails_with(set_ka(u, TRUE), WSAENOPROTOOPT);
    assert_fails_with(get_ka(u, &v), WSAENOPROTOOPT);
}

static void a6_6_unknown_option_before_short_buffer(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    char c = 1;
    int len = 1;
    assert_fails_with(setsockopt(s, SOL_SOCKET, 0x4242, &c, 1), WSAENOPROTOOPT);
    assert_fails_with(getsockopt(s, SOL_SOCKET, 0x4242, &c, &len), WSAENOPROTOOPT);
    assert_fails_with(setsockopt(s, SOL_SOCKET, 0x4242, NULL, 0), WSAENOPROTOOPT);
}

static void a6_6_datagram_before_null_optval(void **state)
{
    (void)state;
    SOCKET u = socket(api_family(), SOCK_DGRAM, IPPROTO_UDP);
    assert_fails_with(setsockopt(u, SOL_SOCKET, SO_KEEPALIVE, NULL, 0), WSAENOPROTOOPT);
    assert_fails_with(getsockopt(u, SOL_SOCKET, SO_KEEPALIVE, NULL, NULL), WSAENOPROTOOPT);
}

static void a6_6_read_only_option_cannot_be_set(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    assert_fails_with(set_dword(s, SOL_SOCKET, SO_TYPE, SOCK_DGRAM), WSAENOPROTOOPT);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
}

/* ---- Step 7: WSAEFAULT. */

static void a6_7_setsockopt_fault(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    DWORD v = TRUE;
    assert_fails_with(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, NULL, sizeof v), WSAEFAULT);
    assert_fails_with(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, 3), WSAEFAULT);
    assert_fails_with(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, 0), WSAEFAULT);
    assert_fails_with(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, -4), WSAEFAULT);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    /* A buffer larger than a DWORD is fine: the first four bytes are the value. */
    DWORD big[2] = {TRUE, 0};
    assert_int_equal(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)big, sizeof big), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 1);
}

static void a6_7_getsockopt_fault(void **state)
{
    (void)state;
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    DWORD v = 0x55;
    int len = sizeof v;
    assert_fails_with(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, NULL, &len), WSAEFAULT);
    assert_fails_with(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, NULL), WSAEFAULT);
    len = 3;
    assert_fails_with(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &len), WSAEFAULT);
    assert_int_equal(len, 3);
    assert_int_equal(v, 0x55);        /* nothing written */
    len = -1;
    assert_fails_with(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &len), WSAEFAULT);
}

static void a6_7_fault_before_transitional_state(void **state)
{
    (void)state;
    SOCKET l, first;
    SOCKET s = stalled_connect(27101, &l, &first);
    DWORD v = TRUE;
    /* Steps 7 and 8 both hold under windows-vista: the fault wins. */
    assert_fails_with(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, 2), WSAEFAULT);
    assert_fails_with(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, NULL, 4), WSAEFAULT);
    assert_fails_with(set_ka(s, TRUE), WSAEINVAL);
}

/* ---- Step 8 (windows-vista), A7 (windows-2000), C2 (linux). */

static void a6_8_vista_set_while_connecting_einval(void **state)
{
    (void)state;
    SOCKET l, first;
    SOCKET s = stalled_connect(27102, &l, &first);
    assert_fails_with(set_ka(s, TRUE), WSAEINVAL);
    assert_fails_with(set_ka(s, FALSE), WSAEINVAL);
    /* Reading it is not a change of state: allowed, and it is still off. */
    DWORD v = 7;
    assert_int_equal(get_ka(s, &v), 0);
    assert_int_equal(v, 0);
}

static void a6_8_vista_set_before_connect_or_after_it_completes(void **state)
{
    (void)state;
    SOCKET l = tcp_listener(27103, 5);
    SOCKET s = socket(api_family(), SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(set_ka(s, TRUE), 0);            /* before connect */
    assert_int_equal(set_nonblocking(s, 1), 0);
    SOCKADDR_STORAGE sa;
    int len = api_loop_addr(27103, &sa);
    assert_fails_with(connect(s, (SOCKADDR *)&sa, len), WSAEWOULDBLOCK);
    /* The loopback handshake completes as soon as the stack runs: wait for it as programs do. */
    fd_set w;
    FD_ZERO(&w);
    FD_SET(s, &w);
    assert_int_equal(select(0, NULL, &w, NULL, NULL), 1);
    assert_int_equal(set_ka(s, FALSE), 0);           /* after it completed */
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    closesocket(l);
}

static void a6_8_vista_applies_to_keepalive_not_other_options(void **state)
{
    (void)state;
    SOCKET l, first;
    SOCKET s = stalled_connect(27104, &l, &first);
    assert_int_equal(set_dword(s, IPPROTO_TCP, TCP_NODELAY, TRUE), 0);
    assert_int_equal(set_dword(s, SOL_SOCKET, SO_RCVBUF, 32768), 0);
}

static void a7_windows2000_set_while_connecting_allowed(void **state)
{
    (void)state;
    assert_int_equal(api_start("windows-2000"), 0);
    SOCKET l, first;
    SOCKET s = stalled_connect(27105, &l, &first);
    assert_int_equal(set_ka(s, TRUE), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 1);
    assert_int_equal(set_ka(s, FALSE), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 0);
}

static void c2_linux_set_while_connecting_allowed(void **state)
{
    (void)state;
    assert_int_equal(api_start("linux"), 0);
    SOCKET l, first;
    SOCKET s = stalled_connect(27106, &l, &first);
    assert_int_equal(set_ka(s, TRUE), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_KEEPALIVE), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a6_1_notinitialised_before_wsastartup, teardown),
        cmocka_unit_test_teardown(a6_1_notinitialised_after_last_wsacleanup, teardown),
        cmocka_unit_test_teardown(a6_1_notinitialised_before_notsock, teardown),
        cmocka_unit_test_teardown(a6_1_notinitialised_before_every_later_step, teardown),
        cmocka_unit_test_setup_teardown(a6_3_netdown, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_3_netdown_before_notsock, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_3_netdown_before_bad_level_and_fault, setup_vista,
                                        teardown),
        cmocka_unit_test_setup_teardown(a6_4_notsock, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_4_notsock_before_bad_level_and_fault, setup_vista,
                                        teardown),
        cmocka_unit_test_setup_teardown(a6_5_unknown_level, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_5_bad_level_before_unknown_option, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_5_bad_level_before_null_optval, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_5_bad_level_on_datagram_socket, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_6_unknown_option, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_6_datagram_socket, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_6_unknown_option_before_short_buffer, setup_vista,
                                        teardown),
        cmocka_unit_test_setup_teardown(a6_6_datagram_before_null_optval, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_6_read_only_option_cannot_be_set, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_7_setsockopt_fault, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_7_getsockopt_fault, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_7_fault_before_transitional_state, setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_8_vista_set_while_connecting_einval, setup_vista,
                                        teardown),
        cmocka_unit_test_setup_teardown(a6_8_vista_set_before_connect_or_after_it_completes,
                                        setup_vista, teardown),
        cmocka_unit_test_setup_teardown(a6_8_vista_applies_to_keepalive_not_other_options,
                                        setup_vista, teardown),
        cmocka_unit_test_teardown(a7_windows2000_set_while_connecting_allowed, teardown),
        cmocka_unit_test_teardown(c2_linux_set_while_connecting_allowed, teardown),
    };
    int failed = cmocka_run_group_tests_name("ipv4", tests, api_use_ipv4, NULL);
    failed += cmocka_run_group_tests_name("ipv6", tests, api_use_ipv6, NULL);
    return failed;
}
