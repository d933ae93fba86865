/* MSG_PEEK as Windows documents it for recv and WSARecv on a stream socket: the data is copied
 * into the buffer and stays queued, so the next receive returns the same bytes; a peek does not
 * wait for MSG_WAITALL's whole buffer; a blocking peek on an empty connection waits for data. */
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

static void recv_peek_leaves_the_data(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27401, &c, &s), 0);
    assert_int_equal(send(c, "hello world", 11, 0), 11);
    char buf[32];
    memset(buf, 0, sizeof buf);
    assert_int_equal(recv(s, buf, 5, MSG_PEEK), 5);
    assert_memory_equal(buf, "hello", 5);
    memset(buf, 0, sizeof buf);
    assert_int_equal(recv(s, buf, sizeof buf, MSG_PEEK | MSG_WAITALL), 11);   /* no waiting */
    assert_memory_equal(buf, "hello world", 11);
    u_long ready = 0;
    assert_int_equal(ioctlsocket(s, FIONREAD, &ready), 0);
    assert_int_equal(ready, 11);
    memset(buf, 0, sizeof buf);
    assert_int_equal(recv(s, buf, sizeof buf, 0), 11);
    assert_memory_equal(buf, "hello world", 11);
    /* Nothing left: a non-blocking peek would block. */
    u_long on = 1;
    assert_int_equal(ioctlsocket(s, FIONBIO, &on), 0);
    assert_int_equal(recv(s, buf, sizeof buf, MSG_PEEK), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEWOULDBLOCK);
    /* After the peer's FIN, a peek says end of stream as recv does. */
    assert_int_equal(shutdown(c, SD_SEND), 0);
    Sleep(10);
    assert_int_equal(recv(s, buf, sizeof buf, MSG_PEEK), 0);
    closesocket(c);
    closesocket(s);
}

static void wsarecv_peek_scatters_and_leaves_the_data(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27402, &c, &s), 0);
    assert_int_equal(send(c, "abcdefgh", 8, 0), 8);
    char a[3], b[10];
    WSABUF wb[2] = {{sizeof a, a}, {sizeof b, b}};
    DWORD n = 0, flags = MSG_PEEK;
    assert_int_equal(WSARecv(s, wb, 2, &n, &flags, NULL, NULL), 0);
    assert_int_equal(n, 8);
    assert_memory_equal(a, "abc", 3);
    assert_memory_equal(b, "defgh", 5);
    char all[16];
    assert_int_equal(recv(s, all, sizeof all, 0), 8);
    assert_memory_equal(all, "abcdefgh", 8);
    closesocket(c);
    closesocket(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(recv_peek_leaves_the_data, teardown),
        cmocka_unit_test_teardown(wsarecv_peek_scatters_and_leaves_the_data, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
