/* Spec A6.2: a call made while a blocking call is in progress on the same thread (from inside a
 * Winsock 1.1 blocking hook, or from a callback the stack is running) fails with WSAEINPROGRESS,
 * after A6.1 and before every later step. Also the hook calls themselves: WSASetBlockingHook,
 * WSAUnhookBlockingHook, WSAIsBlocking, WSACancelBlockingCall (a cancelled call fails WSAEINTR),
 * and their removal from Winsock 2. */
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

static int teardown(void **state)
{
    (void)state;
    vg_ws_set_event_hook(NULL, NULL);
    vg_ws_set_link_up(1);
    api_stop();
    return 0;
}

#define WINSOCK_1_1 MAKEWORD(1, 1)

/* What the hook saw; the hook runs on the blocked thread, the checks on the test's thread. */
static struct {
    SOCKET s;
    int calls;
    int cancel;                   /* cancel the blocked call on the first visit */
    int is_blocking;
    int set_result, set_error;
    int get_result, get_error;
    int notsock_error;            /* getsockopt(INVALID_SOCKET, bad level, NULL) */
    int cleanup_result, cleanup_error;
    int startup_result;
    SOCKET socket_result;
    int socket_error;
    int select_error;
    sem_t in_hook, go;            /* for the tests with a second thread */
    int handshake;
} seen;

static void reset_seen(SOCKET s)
{
    sem_destroy(&seen.in_hook);
    sem_destroy(&seen.go);
    memset(&seen, 0, sizeof seen);
    seen.s = s;
    sem_init(&seen.in_hook, 0, 0);
    sem_init(&seen.go, 0, 0);
}

static BOOL PASCAL FAR probing_hook(void)
{
    if (seen.calls++ > 0)
        return FALSE;
    if (seen.handshake) {
        sem_post(&seen.in_hook);
        sem_wait(&seen.go);
    }
    seen.is_blocking = WSAIsBlocking();
    DWORD v = TRUE;
    int len = sizeof v;
    WSASetLastError(0);
    seen.set_result = setsockopt(seen.s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, sizeof v);
    seen.set_error = WSAGetLastError();
    WSASetLastError(0);
    seen.get_result = getsockopt(seen.s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &len);
    seen.get_error = WSAGetLastError();
    WSASetLastError(0);
    getsockopt(INVALID_SOCKET, 0x4242, SO_KEEPALIVE, NULL, NULL);
    seen.notsock_error = WSAGetLastError();
    WSASetLastError(0);
    seen.cleanup_result = WSACleanup();
    seen.cleanup_error = WSAGetLastError();
    WSADATA wsa;
    seen.startup_result = WSAStartup(MAKEWORD(2, 2), &wsa);
    WSASetLastError(0);
    seen.socket_result = socket(AF_INET, SOCK_STREAM, 0);
    seen.socket_error = WSAGetLastError();
    fd_set r;
    FD_ZERO(&r);
    FD_SET(seen.s, &r);
    struct timeval tv = {0, 0};
    WSASetLastError(0);
    select(0, &r, NULL, NULL, &tv);
    seen.select_error = WSAGetLastError();
    if (seen.cancel)
        WSACancelBlockingCall();
    return FALSE;
}

static BOOL PASCAL FAR counting_hook(void)
{
    seen.calls++;
    return FALSE;
}

/* A blocking recv on a connected, idle socket: only the hook can end it. */
static int blocked_recv(SOCKET s)
{
    char b;
    WSASetLastError(0);
    int n = recv(s, &b, 1, 0);
    return n == SOCKET_ERROR ? WSAGetLastError() : 0;
}

static void a6_2_inprogress_from_blocking_hook(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27301, &c, &s), 0);
    reset_seen(c);
    seen.cancel = 1;
    assert_non_null(WSASetBlockingHook((FARPROC)probing_hook));
    assert_false(WSAIsBlocking());
    assert_int_equal(blocked_recv(c), WSAEINTR);   /* the hook cancelled it */
    assert_int_equal(seen.calls, 1);
    assert_true(seen.is_blocking);
    assert_int_equal(seen.set_result, SOCKET_ERROR);
    assert_int_equal(seen.set_error, WSAEINPROGRESS);
    assert_int_equal(seen.get_result, SOCKET_ERROR);
    assert_int_equal(seen.get_error, WSAEINPROGRESS);
    /* Nothing the hook tried happened. */
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_KEEPALIVE), 0);
    assert_false(WSAIsBlocking());
}

static void a6_2_inprogress_before_notsock_and_later_steps(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27302, &c, &s), 0);
    reset_seen(c);
    seen.cancel = 1;
    WSASetBlockingHook((FARPROC)probing_hook);
    assert_int_equal(blocked_recv(c), WSAEINTR);
    assert_int_equal(seen.notsock_error, WSAEINPROGRESS);
}

static void a6_2_every_call_from_the_hook_fails(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27303, &c, &s), 0);
    reset_seen(c);
    seen.cancel = 1;
    WSASetBlockingHook((FARPROC)probing_hook);
    assert_int_equal(blocked_recv(c), WSAEINTR);
    assert_int_equal(seen.cleanup_result, SOCKET_ERROR);
    assert_int_equal(seen.cleanup_error, WSAEINPROGRESS);
    assert_int_equal(seen.startup_result, WSAEINPROGRESS);
    assert_int_equal(seen.socket_result, INVALID_SOCKET);
    assert_int_equal(seen.socket_error, WSAEINPROGRESS);
    assert_int_equal(seen.select_error, WSAEINPROGRESS);
    /* The WSACleanup and WSAStartup tried from the hook counted for nothing: one is still due. */
    assert_int_equal(WSACleanup(), 0);
    assert_int_equal(WSACleanup(), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
}

/* The blocked thread of the two-thread tests: hook installed, recv on the socket. */
static void *blocked_thread(void *arg)
{
    (void)arg;
    WSASetBlockingHook((FARPROC)probing_hook);
    static int result;
    result = blocked_recv(seen.s);
    return &result;
}

static void a6_2_inprogress_before_netdown(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27304, &c, &s), 0);
    reset_seen(c);
    seen.cancel = 1;
    seen.handshake = 1;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocked_thread, NULL), 0);
    sem_wait(&seen.in_hook);
    assert_int_equal(vg_ws_set_link_up(0), 0);    /* the network fails under the hook */
    sem_post(&seen.go);
    void *res;
    pthread_join(th, &res);
    assert_int_equal(seen.get_error, WSAEINPROGRESS);
    assert_int_equal(seen.notsock_error, WSAEINPROGRESS);
    assert_int_equal(*(int *)res, WSAEINTR);
    /* Outside the hook the same call meets step 3. */
    DWORD v;
    int len = sizeof v;
    assert_int_equal(getsockopt(c, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &len), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAENETDOWN);
}

static void a6_1_notinitialised_before_inprogress(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27305, &c, &s), 0);
    reset_seen(c);
    seen.handshake = 1;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocked_thread, NULL), 0);
    sem_wait(&seen.in_hook);
    assert_int_equal(WSACleanup(), 0);            /* another thread ends Winsock meanwhile */
    sem_post(&seen.go);
    void *res;
    pthread_join(th, &res);
    assert_int_equal(seen.get_error, WSANOTINITIALISED);
    assert_int_equal(seen.set_error, WSANOTINITIALISED);
    /* The blocked call was ended by the WSACleanup. */
    assert_int_equal(*(int *)res, WSAEINTR);
}

/* ---- The stack's callbacks (vg_ws_set_event_hook): A6.2's other half. */

static struct {
    int probes;
    SOCKET socket_seen;
    int get_result, get_error;
    int ioctl_error;
} cb;

static void on_event(void *ctx, SOCKET s, const struct vg_event *ev)
{
    (void)ctx;
    if (ev->type != VG_EV_PROBE_SENT)
        return;
    cb.probes++;
    cb.socket_seen = s;
    DWORD v;
    int len = sizeof v;
    WSASetLastError(0);
    cb.get_result = getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &len);
    cb.get_error = WSAGetLastError();
    struct tcp_keepalive kv = {0, 1000, 1000};
    DWORD bytes;
    WSASetLastError(0);
    WSAIoctl(s, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL);
    cb.ioctl_error = WSAGetLastError();
}

static void a6_2_inprogress_from_stack_callback(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);         /* Winsock 2.2: no blocking hooks needed */
    SOCKET c, s;
    assert_int_equal(tcp_pair(27306, &c, &s), 0);
    memset(&cb, 0, sizeof cb);
    vg_ws_set_event_hook(on_event, NULL);
    struct tcp_keepalive kv = {1, 10000, 1000};
    DWORD bytes;
    assert_int_equal(WSAIoctl(c, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL), 0);
    assert_int_equal(vg_blackhole(c, 1), 0);
    assert_int_equal(blocked_recv(c), WSAENETRESET);
    assert_int_equal(cb.probes, 10);
    assert_int_equal(cb.socket_seen, c);
    assert_int_equal(cb.get_result, SOCKET_ERROR);
    assert_int_equal(cb.get_error, WSAEINPROGRESS);
    /* Had the callback's WSAIoctl (switching keep-alive off) worked, no drop would have come. */
    assert_int_equal(cb.ioctl_error, WSAEINPROGRESS);
}

/* ---- The hook calls. */

static void hooks_removed_in_winsock2(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSASetLastError(0);
    assert_null(WSASetBlockingHook((FARPROC)counting_hook));
    assert_int_equal(WSAGetLastError(), WSAEOPNOTSUPP);
    assert_int_equal(WSAUnhookBlockingHook(), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEOPNOTSUPP);
    assert_int_equal(WSACancelBlockingCall(), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEOPNOTSUPP);
}

static void hook_calls_need_wsastartup(void **state)
{
    (void)state;
    assert_null(WSASetBlockingHook((FARPROC)counting_hook));
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    assert_int_equal(WSACancelBlockingCall(), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
}

static void cancel_without_blocking_call_einval(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    assert_int_equal(WSACancelBlockingCall(), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEINVAL);
}

static void hook_runs_while_waiting_and_can_be_removed(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27307, &c, &s), 0);
    reset_seen(c);
    FARPROC builtin = WSASetBlockingHook((FARPROC)counting_hook);
    assert_non_null(builtin);
    assert_true(builtin != (FARPROC)counting_hook);
    assert_int_equal(set_dword(c, SOL_SOCKET, SO_RCVTIMEO, 5000), 0);
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(blocked_recv(c), WSAETIMEDOUT);
    assert_int_equal(vg_clock_ms() - t0, 5000);
    assert_true(seen.calls > 0);
    /* Installing another hook hands back ours; unhooking brings back the built-in one. */
    assert_true(WSASetBlockingHook((FARPROC)probing_hook) == (FARPROC)counting_hook);
    assert_int_equal(WSAUnhookBlockingHook(), 0);
    int before = seen.calls;
    assert_int_equal(blocked_recv(c), WSAETIMEDOUT);
    assert_int_equal(seen.calls, before);
    assert_true(WSASetBlockingHook((FARPROC)counting_hook) == builtin);
}

static void err_row_wsaeintr_cancelled_blocking_call(void **state)
{
    (void)state;
    assert_int_equal(api_start_version(NULL, WINSOCK_1_1), 0);
    SOCKET l = tcp_listener(27308, 5);
    reset_seen(l);
    seen.cancel = 1;
    WSASetBlockingHook((FARPROC)probing_hook);
    WSASetLastError(0);
    assert_int_equal(accept(l, NULL, NULL), INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSAEINTR);
    /* The listener is intact: the next connection is accepted. */
    WSAUnhookBlockingHook();
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback_addr(27308);
    assert_int_equal(connect(c, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_int_not_equal(accept(l, NULL, NULL), INVALID_SOCKET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a6_2_inprogress_from_blocking_hook, teardown),
        cmocka_unit_test_teardown(a6_2_inprogress_before_notsock_and_later_steps, teardown),
        cmocka_unit_test_teardown(a6_2_every_call_from_the_hook_fails, teardown),
        cmocka_unit_test_teardown(a6_2_inprogress_before_netdown, teardown),
        cmocka_unit_test_teardown(a6_1_notinitialised_before_inprogress, teardown),
        cmocka_unit_test_teardown(a6_2_inprogress_from_stack_callback, teardown),
        cmocka_unit_test_teardown(hooks_removed_in_winsock2, teardown),
        cmocka_unit_test_teardown(hook_calls_need_wsastartup, teardown),
        cmocka_unit_test_teardown(cancel_without_blocking_call_einval, teardown),
        cmocka_unit_test_teardown(hook_runs_while_waiting_and_can_be_removed, teardown),
        cmocka_unit_test_teardown(err_row_wsaeintr_cancelled_blocking_call, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
