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

#define PAIRS 12

static void send_past_the_buffer_budget_fails_with_wsaenobufs(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    /* Receivers that never read, and senders with 8 MiB send buffers: together they ask for
     * more than the whole stack's budget (64 MiB by default), which is what must stop them. */
    SOCKET c[PAIRS], s[PAIRS];
    size_t sent[PAIRS] = {0};
    enum { CHUNK = 1 << 20 };
    char *buf = malloc(CHUNK);
    assert_non_null(buf);
    int nobufs = -1;
    for (int p = 0; p < PAIRS && nobufs < 0; p++) {
        assert_int_equal(tcp_pair((u_short)(27701 + p), &c[p], &s[p]), 0);
        assert_int_equal(set_dword(c[p], SOL_SOCKET, SO_SNDBUF, 8u << 20), 0);
        assert_int_equal(set_nonblocking(c[p], 1), 0);
        for (int i = 0; i < 20; i++) {
            for (size_t k = 0; k < CHUNK; k++)
                buf[k] = (char)pattern_at(sent[p] + k + (size_t)p);
            int rc = send(c[p], buf, CHUNK, 0);
            if (rc == SOCKET_ERROR) {
                int e = WSAGetLastError();
                if (e == WSAENOBUFS)
                    nobufs = p;
                else
                    assert_int_equal(e, WSAEWOULDBLOCK);   /* this buffer is full */
                break;
            }
            sent[p] += (size_t)rc;
        }
    }
    assert_true(nobufs > 0);
    struct vg_stack_stats st;
    assert_int_equal(vg_ws_stack_stats(&st), 0);
    assert_true(st.mem_bytes <= 64u << 20);
    assert_true(st.mem_refused > 0);
    size_t total = 0;
    for (int p = 0; p <= nobufs; p++)
        total += sent[p];
    assert_true(total > 60u << 20);

    /* Everything send() accepted arrives, in order. */
    for (int p = 0; p <= nobufs; p++) {
        size_t got = 0;
        while (got < sent[p]) {
            int n = recv(s[p], buf, CHUNK, 0);
            assert_true(n > 0);
            for (int k = 0; k < n; k++)
                if ((uint8_t)buf[k] != pattern_at(got + (size_t)k + (size_t)p))
                    fail_msg("pair %d: byte %zu differs", p, got + (size_t)k);
            got += (size_t)n;
        }
        assert_int_equal(got, sent[p]);
        closesocket(c[p]);
        closesocket(s[p]);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(send_past_the_buffer_budget_fails_with_wsaenobufs, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
