/* Winsock lets a program choose FD_SETSIZE by defining it before including <winsock2.h>; the
 * library reads fd_count entries whatever the size. Here sets of 200, with C library headers
 * that bring glibc's own FD_SETSIZE (1024) included after. */
#define FD_SETSIZE 200
#include "vigil/winsock2.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void a_select_over_more_than_64_sockets(void **state)
{
    (void)state;
    assert_int_equal(FD_SETSIZE, 200);
    setenv("VIGIL_CLOCK", "virtual", 1);
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    enum { N = 150 };
    SOCKET socks[N];
    fd_set r;
    FD_ZERO(&r);
    for (int i = 0; i < N; i++) {
        socks[i] = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((u_short)(28000 + i));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(socks[i], (SOCKADDR *)&sa, sizeof sa), 0);
        FD_SET(socks[i], &r);
    }
    assert_int_equal(r.fd_count, N);
    /* One datagram, to the 140th socket: select keeps exactly that one. */
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(28000 + 139);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(sendto(socks[0], "x", 1, 0, (SOCKADDR *)&to, sizeof to), 1);
    assert_int_equal(select(0, &r, NULL, NULL, NULL), 1);
    assert_int_equal(r.fd_count, 1);
    assert_true(r.fd_array[0] == socks[139]);
    assert_true(FD_ISSET(socks[139], &r));
    assert_int_equal(WSACleanup(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_select_over_more_than_64_sockets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
