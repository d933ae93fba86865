/* Event objects as Winsock documents them: WSACreateEvent makes a manual-reset event that
 * starts unsignalled; WSASetEvent and WSAResetEvent change it and return TRUE; a handle that
 * is not an open event (never made, closed, or from before WSACleanup) fails with
 * WSA_INVALID_HANDLE; every call needs WSAStartup (WSANOTINITIALISED). The state itself is
 * what WSAWaitForMultipleEvents reads: here through the library's internals, which the tests
 * of that call exercise through the public call. */
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

static void create_set_reset_close(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e = WSACreateEvent();
    assert_true(e != WSA_INVALID_EVENT);
    WSAEVENT f = WSACreateEvent();
    assert_true(f != WSA_INVALID_EVENT && f != e);
    assert_int_equal(WSASetEvent(e), TRUE);
    assert_int_equal(WSASetEvent(e), TRUE);    /* setting a signalled event is no error */
    assert_int_equal(WSAResetEvent(e), TRUE);
    assert_int_equal(WSAResetEvent(e), TRUE);
    assert_int_equal(WSACloseEvent(e), TRUE);
    assert_int_equal(WSACloseEvent(f), TRUE);
}

static void closed_and_forged_handles_are_refused(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(WSACloseEvent(e), TRUE);
    WSASetLastError(0);
    assert_int_equal(WSASetEvent(e), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);
    /* The slot is reused by the next event, under a new generation: the old value still fails. */
    WSAEVENT g = WSACreateEvent();
    assert_true(g != WSA_INVALID_EVENT);
    assert_true(g != e);
    assert_int_equal(WSAResetEvent(e), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);
    assert_int_equal(WSACloseEvent(e), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);
    assert_int_equal(WSASetEvent(WSA_INVALID_EVENT), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);
    assert_int_equal(WSASetEvent((WSAEVENT)(uintptr_t)0x7fff0001u), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);
    assert_int_equal(WSACloseEvent(g), TRUE);
}

static void calls_need_startup_and_cleanup_closes_events(void **state)
{
    (void)state;
    api_stop();
    assert_true(WSACreateEvent() == WSA_INVALID_EVENT);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    assert_int_equal(api_start(NULL), 0);
    WSAEVENT e = WSACreateEvent();
    assert_true(e != WSA_INVALID_EVENT);
    api_stop();
    assert_int_equal(WSASetEvent(e), FALSE);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    /* The last WSACleanup freed it: in the next period the old handle is no event. */
    assert_int_equal(api_start(NULL), 0);
    assert_int_equal(WSASetEvent(e), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);
}

static void many_events(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    enum { N = 5000 };
    static WSAEVENT ev[N];
    for (int i = 0; i < N; i++) {
        ev[i] = WSACreateEvent();
        assert_true(ev[i] != WSA_INVALID_EVENT);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(WSACloseEvent(ev[i]), TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(create_set_reset_close, teardown),
        cmocka_unit_test_teardown(closed_and_forged_handles_are_refused, teardown),
        cmocka_unit_test_teardown(calls_need_startup_and_cleanup_closes_events, teardown),
        cmocka_unit_test_teardown(many_events, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
