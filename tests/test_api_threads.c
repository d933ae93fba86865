/* The API from several threads: the last error is per thread; a blocking call lets other threads
 * work (the lock is dropped while it waits) and is woken by what they do; closing a socket or
 * ending Winsock under a blocked call ends that call with WSAEINTR; when keep-alive drops a
 * connection every call in progress on it fails with WSAENETRESET (A13).
 *
 * To know that a thread really is blocked, these tests negotiate Winsock 1.1 and install a
 * blocking hook that reports its first run: the hook only runs inside a blocking wait. */
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

static int setup(void **state)
{
    (void)state;
    return api_start_version(NULL, MAKEWORD(1, 1));
}

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

static sem_t blocked;             /* posted once by each thread's first hook run */
static _Thread_local int hook_ran;

static BOOL PASCAL FAR report_blocked(void)
{
    if (!hook_ran) {
        hook_ran = 1;
        sem_post(&blocked);
    }
    return FALSE;
}

struct call {
    SOCKET s;
    int result;
    int error;
    char buf[16];
};

static void *recv_thread(void *arg)
{
    struct call *c = arg;
    hook_ran = 0;
    WSASetBlockingHook((FARPROC)report_blocked);
    c->result = recv(c->s, c->buf, sizeof c->buf, 0);
    c->error = c->result == SOCKET_ERROR ? WSAGetLastError() : 0;
    return NULL;
}

static void *accept_thread(void *arg)
{
    struct call *c = arg;
    hook_ran = 0;
    WSASetBlockingHook((FARPROC)report_blocked);
    SOCKET a = accept(c->s, NULL, NULL);
    c->result = a == INVALID_SOCKET ? SOCKET_ERROR : 0;
    c->error = a == INVALID_SOCKET ? WSAGetLastError() : 0;
    return NULL;
}

static void start_blocked(pthread_t *th, void *(*fn)(void *), struct call *c)
{
    sem_init(&blocked, 0, 0);
    assert_int_equal(pthread_create(th, NULL, fn, c), 0);
    sem_wait(&blocked);
}

static void blocked_recv_woken_by_another_thread(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27501, &c, &s), 0);
    struct call call = {.s = s};
    pthread_t th;
    start_blocked(&th, recv_thread, &call);
    assert_int_equal(send(c, "wake", 4, 0), 4);       /* the lock is free while it waits */
    pthread_join(th, NULL);
    assert_int_equal(call.result, 4);
    assert_memory_equal(call.buf, "wake", 4);
}

static void closesocket_under_a_blocked_call_eintr(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27502, &c, &s), 0);
    struct call call = {.s = s};
    pthread_t th;
    start_blocked(&th, recv_thread, &call);
    assert_int_equal(closesocket(s), 0);
    pthread_join(th, NULL);
    assert_int_equal(call.result, SOCKET_ERROR);
    assert_int_equal(call.error, WSAEINTR);
}

static void wsacleanup_under_a_blocked_call_eintr(void **state)
{
    (void)state;
    SOCKET l = tcp_listener(27503, 5);
    struct call call = {.s = l};
    pthread_t th;
    start_blocked(&th, accept_thread, &call);
    assert_int_equal(WSACleanup(), 0);
    pthread_join(th, NULL);
    assert_int_equal(call.result, SOCKET_ERROR);
    assert_int_equal(call.error, WSAEINTR);
}

static void a13_every_call_in_progress_fails_netreset(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27504, &c, &s), 0);
    struct call one = {.s = c}, two = {.s = c};
    pthread_t t1, t2;
    start_blocked(&t1, recv_thread, &one);
    start_blocked(&t2, recv_thread, &two);
    /* Both are waiting; now the peer vanishes and keep-alive is switched on. */
    assert_int_equal(vg_blackhole(c, 1), 0);
    struct tcp_keepalive kv = {1, 10000, 1000};
    DWORD bytes;
    assert_int_equal(WSAIoctl(c, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, NULL, NULL), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(one.result, SOCKET_ERROR);
    assert_int_equal(one.error, WSAENETRESET);
    assert_int_equal(two.result, SOCKET_ERROR);
    assert_int_equal(two.error, WSAENETRESET);
    char b;
    assert_int_equal(recv(c, &b, 1, 0), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAENOTCONN);
}

static void *fail_notsock(void *arg)
{
    int *err = arg;
    WSASetLastError(0);
    closesocket(INVALID_SOCKET);
    *err = WSAGetLastError();
    return NULL;
}

static void last_error_is_per_thread(void **state)
{
    (void)state;
    WSASetLastError(WSAEWOULDBLOCK);
    int other = 0;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, fail_notsock, &other), 0);
    pthread_join(th, NULL);
    assert_int_equal(other, WSAENOTSOCK);
    assert_int_equal(WSAGetLastError(), WSAEWOULDBLOCK);
}

#define BULK_BYTES (3u * 1024u * 1024u)

struct bulk {
    SOCKET s;
    int ok;
};

static unsigned char pattern(size_t i) { return (unsigned char)((i * 2654435761u) >> 13); }

static void *bulk_sender(void *arg)
{
    struct bulk *b = arg;
    static unsigned char chunk[100000];
    size_t sent = 0;
    b->ok = 1;
    while (sent < BULK_BYTES) {
        size_t n = BULK_BYTES - sent < sizeof chunk ? BULK_BYTES - sent : sizeof chunk;
        for (size_t i = 0; i < n; i++)
            chunk[i] = pattern(sent + i);
        if (send(b->s, (const char *)chunk, (int)n, 0) != (int)n) {
            b->ok = 0;
            break;
        }
        sent += n;
    }
    shutdown(b->s, SD_SEND);
    return NULL;
}

static void bulk_transfer_between_threads(void **state)
{
    (void)state;
    SOCKET c, s;
    assert_int_equal(tcp_pair(27505, &c, &s), 0);
    struct bulk b = {.s = c};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, bulk_sender, &b), 0);
    size_t got = 0;
    int intact = 1;
    for (;;) {
        char buf[7000];
        int n = recv(s, buf, sizeof buf, 0);
        assert_true(n >= 0);
        if (n == 0)
            break;
        for (int i = 0; i < n; i++)
            intact &= (unsigned char)buf[i] == pattern(got + (size_t)i);
        got += (size_t)n;
    }
    pthread_join(th, NULL);
    assert_true(b.ok);
    assert_int_equal(got, BULK_BYTES);
    assert_true(intact);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(blocked_recv_woken_by_another_thread),
        T(closesocket_under_a_blocked_call_eintr),
        T(wsacleanup_under_a_blocked_call_eintr),
        T(a13_every_call_in_progress_fails_netreset),
        T(last_error_is_per_thread),
        T(bulk_transfer_between_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
