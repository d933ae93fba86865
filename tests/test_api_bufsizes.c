/* SO_RCVBUF / SO_SNDBUF with buffer autotuning (README "Buffers"): getsockopt reports the size in
 * effect, which autotuning grows, until the program sets one; a size set fixes that buffer on
 * the connection (accepted sockets take the listener's), and is what getsockopt reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"
#include "api/ws.h"
#include "tcp/tcb.h"

static vg_tcb *tcb_of(SOCKET s)
{
    struct ws_sock *so = ws_sock_find(s);
    assert_non_null(so);
    assert_non_null(so->tcb);
    return so->tcb;
}

static void unset_sizes_report_what_autotuning_has_grown(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27301, &c, &s), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_RCVBUF), 65536);
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_SNDBUF), 65536);
    assert_int_equal(vg_tcp_bufsizes(tcb_of(s), NULL, NULL), 0);   /* free to grow */
    /* What autotuning does to the connection (tcp_autotune.c), getsockopt reports. */
    tcb_of(s)->rcvbuf = 3u << 20;
    tcb_of(c)->sndbuf = 1u << 20;
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_RCVBUF), 3u << 20);
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_SNDBUF), 1u << 20);
    closesocket(c);
    closesocket(s);
    api_stop();
}

static void a_size_set_is_fixed_and_inherited(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in sa = loopback_addr(27302);
    assert_int_equal(set_dword(l, SOL_SOCKET, SO_RCVBUF, 300000), 0);
    assert_int_equal(bind(l, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_int_equal(listen(l, 5), 0);
    SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_SNDBUF, 200000), 0);
    assert_int_equal(connect(c, (SOCKADDR *)&sa, sizeof sa), 0);
    SOCKET s = accept(l, NULL, NULL);
    assert_true(s != INVALID_SOCKET);
    uint32_t snd, rcv;
    assert_int_equal(vg_tcp_bufsizes(tcb_of(s), NULL, &rcv), VG_RCVBUF_FIXED);
    assert_int_equal(rcv, 300000);
    assert_int_equal(vg_tcp_bufsizes(tcb_of(c), &snd, NULL), VG_SNDBUF_FIXED);
    assert_int_equal(snd, 200000);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_RCVBUF), 300000);
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_SNDBUF), 200000);
    /* The accepted socket's send buffer was not set: it still follows its window. */
    assert_int_equal(vg_tcp_bufsizes(tcb_of(s), NULL, NULL) & VG_SNDBUF_FIXED, 0);
    /* Windows keeps and reports 0; the connection's buffer stays what it was. */
    assert_int_equal(set_dword(s, SOL_SOCKET, SO_SNDBUF, 0), 0);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_SNDBUF), 0);
    vg_tcp_bufsizes(tcb_of(s), &snd, NULL);
    assert_int_equal(snd, 65536);
    closesocket(c);
    closesocket(s);
    closesocket(l);
    api_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unset_sizes_report_what_autotuning_has_grown),
        cmocka_unit_test(a_size_set_is_fixed_and_inherited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
