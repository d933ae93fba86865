/* The buffer budget seen through the Winsock layer: an application (or a peer that never reads)
 * that makes the stack hold more than cfg.mem_limit gets WSAENOBUFS from send(), as Windows
 * answers when its non-paged pool is spent, instead of a misleading WSAENOTCONN; what send()
 * took is all delivered once the receiver reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_api_support.h"

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

static uint8_t pattern_at(size_t off) { return (uint8_t)(off * 7u + (off >> 11)); }

static void send_past_the_buffer_budget_fails_with_wsaenobufs(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27701, &c, &s), 0);
    /* A send buffer twice the whole stack's budget (64 MiB by default), towards a receiver that
     * does not read: the budget, not the buffer, must be what stops it. */
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_SNDBUF, 128u << 20), 0);
    assert_int_equal(set_nonblocking(c, 1), 0);
    enum { CHUNK = 1 << 20 };
    char *buf = malloc(CHUNK);
    assert_non_null(buf);
    size_t sent = 0;
    int rc = 0;
    for (int i = 0; i < 200; i++) {
        for (size_t k = 0; k < CHUNK; k++)
            buf[k] = (char)pattern_at(sent + k);
        rc = send(c, buf, CHUNK, 0);
        if (rc == SOCKET_ERROR)
            break;
        sent += (size_t)rc;
    }
    assert_int_equal(rc, SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAENOBUFS);
    struct vg_stack_stats st;
    assert_int_equal(vg_ws_stack_stats(&st), 0);
    assert_true(st.mem_bytes <= 64u << 20);
    assert_true(st.mem_refused > 0);
    assert_true(sent > 60u << 20);

    /* Everything send() accepted arrives, in order. */
    size_t got = 0;
    while (got < sent) {
        int n = recv(s, buf, CHUNK, 0);
        assert_true(n > 0);
        for (int k = 0; k < n; k++)
            if ((uint8_t)buf[k] != pattern_at(got + (size_t)k))
                fail_msg("byte %zu differs", got + (size_t)k);
        got += (size_t)n;
    }
    assert_int_equal(got, sent);
    free(buf);
    closesocket(c);
    closesocket(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(send_past_the_buffer_budget_fails_with_wsaenobufs, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
