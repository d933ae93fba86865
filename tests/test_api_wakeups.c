/* Who a blocked call is woken by (src/api/ws_wait.c): a thread blocked on socket A sleeps
 * through traffic on socket B; when the thread keeping time for every waiter leaves its wait,
 * another takes over, so a waiter whose wake-up only the stack's timers can bring still gets
 * it; under virtual time several waiters' timeouts each end at their exact instant.
 * Wake-ups are counted with vg_ws_wakeups(). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "test_api_support.h"

static int start_real(void)
{
    if (api_start(NULL) != 0)
        return -1;
    /* api_start chose virtual time; these tests need the real-time waits (leader and followers). */
    api_stop();
    setenv("VIGIL_CLOCK", "real", 1);
    WSADATA wsa;
    return WSAStartup(MAKEWORD(2, 2), &wsa);
}

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

struct call {
    SOCKET s;
    int result, error;
    uint64_t started_ms, ended_ms;
    uint64_t wakeups;             /* the thread's own during the call */
    volatile int entering;
};

static void *recv_thread(void *arg)
{
    struct call *c = arg;
    char b;
    c->started_ms = vg_clock_ms();
    uint64_t w0 = vg_ws_thread_wakeups();
    c->entering = 1;
    c->result = recv(c->s, &b, 1, 0);
    c->wakeups = vg_ws_thread_wakeups() - w0;
    c->ended_ms = vg_clock_ms();
    c->error = c->result == SOCKET_ERROR ? WSAGetLastError() : 0;
    return NULL;
}

/* Starts fn on c and gives it time to block (no assertion rests on that time: a thread that is
 * late only makes the counts below smaller). */
static void start_blocked(pthread_t *th, struct call *c)
{
    assert_int_equal(pthread_create(th, NULL, recv_thread, c), 0);
    while (!c->entering)
        pause_ms(1);
    pause_ms(50);
}

/* K blocks first on an idle socket and keeps time for both; A blocks on socket A. 200 messages
 * on socket B, each sent and read by this thread, must not wake A: A wakes once, for its own
 * data. (Every call's exit used to wake every blocked thread.) */
static void waiter_on_a_sleeps_through_traffic_on_b(void **state)
{
    (void)state;
    assert_int_equal(start_real(), 0);
    SOCKET ca, sa, cb, sb, ck, sk;
    assert_int_equal(tcp_pair(27601, &ca, &sa), 0);
    assert_int_equal(tcp_pair(27602, &cb, &sb), 0);
    assert_int_equal(tcp_pair(27605, &ck, &sk), 0);
    struct call a = {.s = sa}, k = {.s = sk};
    pthread_t ta, tk;
    start_blocked(&tk, &k);
    start_blocked(&ta, &a);
    /* This thread must not block itself. Without Nagle each message leaves at once. */
    assert_int_equal(set_nonblocking(sb, 1), 0);
    assert_int_equal(set_dword(cb, IPPROTO_TCP, TCP_NODELAY, 1), 0);

    enum { MSGS = 200 };
    uint64_t w0 = vg_ws_wakeups();
    for (int i = 0; i < MSGS; i++) {
        char b;
        assert_int_equal(send(cb, "x", 1, 0), 1);
        assert_int_equal(recv(sb, &b, 1, 0), 1);
        pause_ms(1);              /* a waiter that was woken gets the lock and sleeps again */
    }
    print_message("blocked threads woken %llu times by %d messages on B\n",
                  (unsigned long long)(vg_ws_wakeups() - w0), MSGS);

    assert_int_equal(send(ca, "y", 1, 0), 1);
    pthread_join(ta, NULL);
    assert_int_equal(a.result, 1);
    print_message("the waiter on A woke %llu times\n", (unsigned long long)a.wakeups);
    assert_true(a.wakeups <= 2);  /* its own data (and a hand-off of the time-keeping) */
    assert_int_equal(send(ck, "z", 1, 0), 1);
    pthread_join(tk, NULL);
    assert_int_equal(k.result, 1);
}

/* X blocks first and keeps time; Y blocks on a connection keep-alive is about to drop (its
 * peer black-holed), which only the timers can report. X's data comes and X leaves: Y must
 * take over the timers and see WSAENETRESET at the abort, not wait forever (its SO_RCVTIMEO is
 * the test's safety net, far later than the abort). */
static void timekeeping_passes_to_the_next_waiter(void **state)
{
    (void)state;
    assert_int_equal(start_real(), 0);
    SOCKET cx, sx, cy, sy;
    assert_int_equal(tcp_pair(27603, &cx, &sx), 0);
    assert_int_equal(tcp_pair(27604, &cy, &sy), 0);
    assert_int_equal(set_dword(sy, SOL_SOCKET, SO_RCVTIMEO, 20000), 0);
    struct call x = {.s = sx}, y = {.s = sy};
    pthread_t tx, ty;
    start_blocked(&tx, &x);
    struct tcp_keepalive ka = {1, 200, 50};
    DWORD got;
    assert_int_equal(WSAIoctl(sy, SIO_KEEPALIVE_VALS, &ka, sizeof ka, NULL, 0, &got, NULL, NULL),
                     0);
    assert_int_equal(vg_blackhole(sy, 1), 0);
    start_blocked(&ty, &y);
    assert_int_equal(send(cx, "x", 1, 0), 1);
    pthread_join(tx, NULL);
    assert_int_equal(x.result, 1);
    pthread_join(ty, NULL);
    assert_int_equal(y.result, SOCKET_ERROR);
    assert_int_equal(y.error, WSAENETRESET);
}

/* Three threads blocked with timeouts of 700, 300 and 500 ms, then the main thread in
 * Sleep(1000): under virtual time every call ends exactly its timeout after it began, and the
 * clock never runs past a waiter's deadline. (The clock stands still only while a thread waits
 * for the lock, so a waiter alone jumps at once: the threads here mostly wait in turn.) */
static void virtual_time_is_exact_under_several_waiters(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    static const DWORD timeouts[] = {700, 300, 500};
    SOCKET c[3], s[3];
    struct call k[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tcp_pair((u_short)(27610 + i), &c[i], &s[i]), 0);
        assert_int_equal(set_dword(s[i], SOL_SOCKET, SO_RCVTIMEO, timeouts[i]), 0);
        k[i] = (struct call){.s = s[i]};
    }
    for (int i = 0; i < 3; i++)
        start_blocked(&th[i], &k[i]);
    uint64_t t0 = vg_clock_ms();
    Sleep(1000);
    assert_int_equal(vg_clock_ms(), t0 + 1000);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(k[i].result, SOCKET_ERROR);
        assert_int_equal(k[i].error, WSAETIMEDOUT);
        assert_int_equal(k[i].ended_ms - k[i].started_ms, timeouts[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(waiter_on_a_sleeps_through_traffic_on_b, teardown),
        cmocka_unit_test_teardown(timekeeping_passes_to_the_next_waiter, teardown),
        cmocka_unit_test_teardown(virtual_time_is_exact_under_several_waiters, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
