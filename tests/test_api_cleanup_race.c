/* WSACleanup against the rest of the process: a call that another thread makes while the last
 * WSACleanup ends the network either completes or fails WSANOTINITIALISED, and never touches
 * the network's memory after it is freed (the ASan build is the judge of that); a SOCKET or
 * HANDLE kept across WSACleanup and WSAStartup is refused, even when the new network puts its
 * first socket or event in the same slot. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

struct worker {
    pthread_t th;
    atomic_int rounds;            /* rounds of calls that completed */
    atomic_int done;              /* the worker has stopped */
    int unexpected;               /* a result other than success or WSANOTINITIALISED */
    int last_error;
};

/* The result of one call: 1 to go on, 0 once Winsock is gone. */
static int judge(struct worker *w, int failed)
{
    if (!failed)
        return 1;
    int e = WSAGetLastError();
    if (e != WSANOTINITIALISED) {
        w->unexpected++;
        w->last_error = e;
    }
    return 0;
}

/* Calls that reach the socket table, the HANDLE table and the stack, until Winsock is gone. */
static void *churn(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (!judge(w, s == INVALID_SOCKET))
            break;
        u_long nb = 1;
        if (!judge(w, ioctlsocket(s, FIONBIO, &nb) != 0))
            break;
        struct sockaddr_in to = loopback_addr(9);
        int rc = connect(s, (SOCKADDR *)&to, sizeof to);
        if (rc != 0 && WSAGetLastError() != WSAEWOULDBLOCK && !judge(w, 1))
            break;
        if (!judge(w, closesocket(s) != 0))
            break;
        WSAEVENT e = WSACreateEvent();
        if (!judge(w, e == WSA_INVALID_EVENT))
            break;
        if (!judge(w, !WSASetEvent(e)))
            break;
        if (!judge(w, !WSACloseEvent(e)))
            break;
        atomic_fetch_add(&w->rounds, 1);
    }
    atomic_store(&w->done, 1);
    return NULL;
}

static void calls_racing_the_last_cleanup_complete_or_fail_notinitialised(void **state)
{
    (void)state;
    enum { ROUNDS = 30, WORKERS = 2 };
    for (int r = 0; r < ROUNDS; r++) {
        assert_int_equal(api_start(NULL), 0);
        struct worker w[WORKERS];
        for (int i = 0; i < WORKERS; i++) {
            w[i] = (struct worker){0};
            assert_int_equal(pthread_create(&w[i].th, NULL, churn, &w[i]), 0);
        }
        /* Let every worker get going, so that the cleanup lands among their calls. */
        for (int i = 0; i < WORKERS; i++)
            while (atomic_load(&w[i].rounds) < 1 + r % 5 && !atomic_load(&w[i].done))
                sched_yield();
        assert_int_equal(WSACleanup(), 0);
        for (int i = 0; i < WORKERS; i++) {
            assert_int_equal(pthread_join(w[i].th, NULL), 0);
            if (w[i].unexpected || atomic_load(&w[i].rounds) == 0)
                fail_msg("round %d, worker %d: %d calls failed otherwise, last with %d", r, i,
                         w[i].unexpected, w[i].last_error);
        }
        /* Winsock is gone for everyone, and comes back whole. */
        assert_int_equal(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), INVALID_SOCKET);
        assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    }
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27650, &c, &s), 0);
    assert_int_equal(send(c, "x", 1, 0), 1);
    char b;
    assert_int_equal(recv(s, &b, 1, 0), 1);
    api_stop();
}

static void handles_from_before_cleanup_are_refused_in_the_same_slot(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET old_s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_int_not_equal(old_s, INVALID_SOCKET);
    WSAEVENT old_e = WSACreateEvent();
    assert_ptr_not_equal(old_e, WSA_INVALID_EVENT);
    assert_int_equal(WSACleanup(), 0);

    assert_int_equal(api_start(NULL), 0);
    /* The first socket and event of the new network take the first slots again, as the old
     * ones did: only the generation tells them apart. */
    SOCKET new_s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_int_not_equal(new_s, INVALID_SOCKET);
    WSAEVENT new_e = WSACreateEvent();
    assert_ptr_not_equal(new_e, WSA_INVALID_EVENT);
    assert_int_not_equal(new_s, old_s);
    assert_ptr_not_equal(new_e, old_e);

    int type = 0, len = sizeof type;
    assert_int_equal(getsockopt(old_s, SOL_SOCKET, SO_TYPE, (char *)&type, &len), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAENOTSOCK);
    assert_int_equal(closesocket(old_s), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAENOTSOCK);
    assert_false(WSASetEvent(old_e));
    assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);

    /* ... and the new ones are untouched by the attempts. */
    len = sizeof type;
    assert_int_equal(getsockopt(new_s, SOL_SOCKET, SO_TYPE, (char *)&type, &len), 0);
    assert_int_equal(type, SOCK_STREAM);
    assert_true(WSASetEvent(new_e));
    assert_int_equal(WSAWaitForMultipleEvents(1, &new_e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0);
    assert_int_equal(closesocket(new_s), 0);
    assert_true(WSACloseEvent(new_e));
    api_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calls_racing_the_last_cleanup_complete_or_fail_notinitialised),
        cmocka_unit_test(handles_from_before_cleanup_are_refused_in_the_same_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
