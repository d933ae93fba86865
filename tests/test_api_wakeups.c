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
    volatile int entering;
};

static void *recv_thread(void *arg)
{
    struct call *c = arg;
    char b;
    c->started_ms = vg_clock_ms();
    c->entering = 1;
    c->result = recv(c->s, &b, 1, 0);
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

static void waiter_on_a_sleeps_through_traffic_on_b(void **state)
{
    (void)state;
    assert_int_equal(start_real(), 0);
    SOCKET ca, sa, cb, sb;
    assert_int_equal(tcp_pair(27601, &ca, &sa), 0);
    assert_int_equal(tcp_pair(27602, &cb, &sb), 0);
    struct call a = {.s = sa};
    pthread_t th;
    start_blocked(&th, &a);
    /* This thread must not block itself: every wake-up counted is the waiter's. Without Nagle
     * each message leaves at once, and with it the stack's work for it. */
    assert_int_equal(set_nonblocking(sb, 1), 0);
    assert_int_equal(set_dword(cb, IPPROTO_TCP, TCP_NODELAY, 1), 0);

    enum { MSGS = 200 };
    uint64_t w0 = vg_ws_wakeups();
    for (int i = 0; i < MSGS; i++) {
        char b;
        assert_int_equal(send(cb, "x", 1, 0), 1);
        assert_int_equal(recv(sb, &b, 1, 0), 1);
    }
    uint64_t woken = vg_ws_wakeups() - w0;
    /* Each of those 400 calls used to wake every blocked thread on its way out. What is left is
     * the waiter keeping time for the stack's timers (delayed ACKs) a few times. */
    print_message("waiter on A woken %llu times by %d messages on B\n", (unsigned long long)woken,
                  MSGS);
    assert_true(woken < MSGS / 10);

    assert_int_equal(send(ca, "y", 1, 0), 1);
    pthread_join(th, NULL);
    assert_int_equal(a.result, 1);
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

/* Three threads blocked with timeouts of 300, 500 and 700 ms and the main thread in Sleep(1000):
 * virtual time jumps to the earliest deadline of all of them each time, so every call ends
 * exactly its timeout after it began. */
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
