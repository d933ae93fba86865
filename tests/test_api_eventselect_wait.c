/* WSAWaitForMultipleEvents as documented: 1 to WSA_MAXIMUM_WAIT_EVENTS (64) handles; wait-any
 * returns WSA_WAIT_EVENT_0 + the lowest signalled index, wait-all WSA_WAIT_EVENT_0 once all
 * are; a timeout in ms (exact in virtual time) gives WSA_WAIT_TIMEOUT, 0 only looks;
 * WSA_INFINITE waits until an event is set (here by another thread); an alertable wait runs
 * the APCs queued to the thread and returns WSA_WAIT_IO_COMPLETION, a non-alertable one leaves
 * them queued; failures are WSA_WAIT_FAILED with WSA_INVALID_PARAMETER (0 or 65 handles),
 * WSA_INVALID_HANDLE (a closed or forged handle) or WSANOTINITIALISED. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "test_api_support.h"

/* The library's own APC queue (src/api/ws.h), the one overlapped I/O's completion routines use:
 * a test posts to it directly. */
struct ws_apc_queue;
struct ws_apc_queue *ws_apc_self(void);
int ws_apc_post(struct ws_apc_queue *q, void (*fn)(void *arg), void *arg);

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

#define assert_wait_fails(call, wsa)                                                           \
    do {                                                                                       \
        WSASetLastError(0);                                                                    \
        assert_int_equal((call), WSA_WAIT_FAILED);                                             \
        assert_int_equal(WSAGetLastError(), (wsa));                                            \
    } while (0)

static void make_events(WSAEVENT *e, int n)
{
    for (int i = 0; i < n; i++) {
        e[i] = WSACreateEvent();
        assert_true(e[i] != WSA_INVALID_EVENT);
    }
}

static void wait_any_returns_the_lowest_signalled_index(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e[5];
    make_events(e, 5);
    assert_int_equal(WSASetEvent(e[3]), TRUE);
    assert_int_equal(WSASetEvent(e[1]), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(5, e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0 + 1);
    /* Manual-reset: the wait left it signalled. */
    assert_int_equal(WSAWaitForMultipleEvents(5, e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0 + 1);
    assert_int_equal(WSAResetEvent(e[1]), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(5, e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0 + 3);
    assert_int_equal(WSAWaitForMultipleEvents(3, e, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
}

static void wait_all_needs_every_event(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e[4];
    make_events(e, 4);
    for (int i = 0; i < 3; i++)
        assert_int_equal(WSASetEvent(e[i]), TRUE);
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(WSAWaitForMultipleEvents(4, e, TRUE, 700, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(vg_clock_ms() - t0, 700);
    assert_int_equal(WSASetEvent(e[3]), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(4, e, TRUE, 700, FALSE), WSA_WAIT_EVENT_0);
    assert_int_equal(vg_clock_ms() - t0, 700);    /* it did not wait */
}

static void timeouts_are_exact(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e;
    make_events(&e, 1);
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(vg_clock_ms(), t0);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 250, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(vg_clock_ms() - t0, 250);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, TRUE, 86400000, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(vg_clock_ms() - t0, 250 + 86400000);
}

/* Another thread sets the event while the wait blocks. It sleeps on the wall clock, outside
 * Winsock, so the virtual clock does not move: the wait ends when the event is set, not at a
 * deadline (WSA_INFINITE has none). */
static void *set_later(void *arg)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    WSASetEvent(*(WSAEVENT *)arg);
    return NULL;
}

static void infinite_waits_until_set(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e[2];
    make_events(e, 2);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, set_later, &e[1]), 0);
    assert_int_equal(WSAWaitForMultipleEvents(2, e, FALSE, WSA_INFINITE, FALSE),
                     WSA_WAIT_EVENT_0 + 1);
    pthread_join(th, NULL);
}

static int apc_ran;

static void count_apc(void *arg)
{
    (void)arg;
    apc_ran++;
}

static void alertable_runs_apcs_and_says_io_completion(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e;
    make_events(&e, 1);
    apc_ran = 0;
    assert_int_equal(ws_apc_post(ws_apc_self(), count_apc, NULL), 0);
    /* Not alertable: the APC stays queued, the wait times out. */
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 100, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(apc_ran, 0);
    assert_int_equal(vg_clock_ms() - t0, 100);
    /* Alertable: it runs, the wait ends at once. */
    assert_int_equal(ws_apc_post(ws_apc_self(), count_apc, NULL), 0);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, WSA_INFINITE, TRUE),
                     WSA_WAIT_IO_COMPLETION);
    assert_int_equal(apc_ran, 2);
    assert_int_equal(vg_clock_ms() - t0, 100);
    /* Nothing queued: an alertable wait is an ordinary one. */
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 50, TRUE), WSA_WAIT_TIMEOUT);
    assert_int_equal(WSASetEvent(e), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 50, TRUE), WSA_WAIT_EVENT_0);
}

static void sixty_four_events_and_not_sixty_five(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e[WSA_MAXIMUM_WAIT_EVENTS + 1];
    make_events(e, WSA_MAXIMUM_WAIT_EVENTS + 1);
    assert_int_equal(WSASetEvent(e[63]), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(64, e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0 + 63);
    assert_int_equal(WSAWaitForMultipleEvents(64, e, TRUE, 0, FALSE), WSA_WAIT_TIMEOUT);
    for (int i = 0; i < 64; i++)
        assert_int_equal(WSASetEvent(e[i]), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(64, e, TRUE, 0, FALSE), WSA_WAIT_EVENT_0);
    assert_wait_fails(WSAWaitForMultipleEvents(65, e, FALSE, 0, FALSE), WSA_INVALID_PARAMETER);
    assert_wait_fails(WSAWaitForMultipleEvents(0, e, FALSE, 0, FALSE), WSA_INVALID_PARAMETER);
    assert_wait_fails(WSAWaitForMultipleEvents(1, NULL, FALSE, 0, FALSE), WSA_INVALID_PARAMETER);
}

static void closed_and_forged_handles(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e[3];
    make_events(e, 3);
    assert_int_equal(WSASetEvent(e[0]), TRUE);
    assert_int_equal(WSACloseEvent(e[2]), TRUE);
    assert_wait_fails(WSAWaitForMultipleEvents(3, e, FALSE, 0, FALSE), WSA_INVALID_HANDLE);
    e[2] = WSA_INVALID_EVENT;
    assert_wait_fails(WSAWaitForMultipleEvents(3, e, FALSE, 0, FALSE), WSA_INVALID_HANDLE);
    e[2] = (WSAEVENT)(uintptr_t)0x7fff0001u;
    assert_wait_fails(WSAWaitForMultipleEvents(3, e, FALSE, 0, FALSE), WSA_INVALID_HANDLE);
    assert_int_equal(WSAWaitForMultipleEvents(2, e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0);
}

static void needs_startup(void **state)
{
    (void)state;
    api_stop();
    WSAEVENT e = (WSAEVENT)(uintptr_t)0x10000u;
    assert_wait_fails(WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE), WSANOTINITIALISED);
    /* An event from before WSACleanup is no event in the next period. */
    assert_int_equal(api_start(NULL), 0);
    e = WSACreateEvent();
    api_stop();
    assert_int_equal(api_start(NULL), 0);
    assert_wait_fails(WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE), WSA_INVALID_HANDLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(wait_any_returns_the_lowest_signalled_index, teardown),
        cmocka_unit_test_teardown(wait_all_needs_every_event, teardown),
        cmocka_unit_test_teardown(timeouts_are_exact, teardown),
        cmocka_unit_test_teardown(infinite_waits_until_set, teardown),
        cmocka_unit_test_teardown(alertable_runs_apcs_and_says_io_completion, teardown),
        cmocka_unit_test_teardown(sixty_four_events_and_not_sixty_five, teardown),
        cmocka_unit_test_teardown(closed_and_forged_handles, teardown),
        cmocka_unit_test_teardown(needs_startup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
