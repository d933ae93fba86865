/* Overlapped I/O and event waits together, as Windows servers combine them: an overlapped
 * WSARecv's hEvent waited on with WSAWaitForMultipleEvents beside other sockets' events (the
 * index is the socket whose data arrived, and its event is set when the receive completes, not
 * before), the overlapped WSAIoctl(SIO_KEEPALIVE_VALS) signalling at once, an alertable
 * WSAWaitForMultipleEvents delivering a completion routine (WSA_WAIT_IO_COMPLETION), and
 * keep-alive's abort completing a pending receive whose event is being waited on, at the exact
 * instant, with WSAENETRESET. Virtual time throughout, so the instants are exact. */
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

#define STATUS_PENDING_ 0x103u
#define SOCKETS 3

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

/* A line sent on a socket from another thread (the peer) once the test posts `go`: the test
 * has checked that nothing is set yet and is about to wait, and no clock decides the order. */
struct later_send {
    SOCKET s;
    const char *line;
    sem_t go;
    int sent;
};

static void *send_later(void *arg)
{
    struct later_send *ls = arg;
    sem_wait(&ls->go);
    ls->sent = send(ls->s, ls->line, (int)strlen(ls->line), 0);
    return NULL;
}

static void start_sender(struct later_send *ls, pthread_t *th, SOCKET s, const char *line)
{
    ls->s = s;
    ls->line = line;
    ls->sent = 0;
    assert_int_equal(sem_init(&ls->go, 0, 0), 0);
    assert_int_equal(pthread_create(th, NULL, send_later, ls), 0);
}

static void join_sender(struct later_send *ls, pthread_t th)
{
    assert_int_equal(pthread_join(th, NULL), 0);
    sem_destroy(&ls->go);
    assert_int_equal(ls->sent, (int)strlen(ls->line));
}

/* SOCKETS connected pairs; on each accepted side an overlapped WSARecv pending on its own event. */
struct pending_set {
    SOCKET client[SOCKETS], server[SOCKETS];
    char buf[SOCKETS][32];
    WSABUF wb[SOCKETS];
    WSAOVERLAPPED ov[SOCKETS];
    WSAEVENT ev[SOCKETS];
};

static void pend_receives(struct pending_set *p, u_short port0)
{
    for (int i = 0; i < SOCKETS; i++) {
        assert_int_equal(tcp_pair((u_short)(port0 + i), &p->client[i], &p->server[i]), 0);
        p->wb[i].len = sizeof p->buf[i];
        p->wb[i].buf = p->buf[i];
        memset(&p->ov[i], 0, sizeof p->ov[i]);
        p->ev[i] = WSACreateEvent();
        assert_true(p->ev[i] != WSA_INVALID_EVENT);
        p->ov[i].hEvent = p->ev[i];
        DWORD n = 0, flags = 0;
        assert_fails_with(WSARecv(p->server[i], &p->wb[i], 1, &n, &flags, &p->ov[i], NULL),
                          WSA_IO_PENDING);
    }
}

static void close_set(struct pending_set *p)
{
    for (int i = 0; i < SOCKETS; i++) {
        closesocket(p->server[i]);
        closesocket(p->client[i]);
        assert_int_equal(WSACloseEvent(p->ev[i]), TRUE);
    }
}

/* ---- Wait-any over several sockets' receive events: the one whose data arrived. */
static void wait_any_names_the_socket_whose_receive_completed(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    struct pending_set p;
    pend_receives(&p, 27401);
    /* Nothing has arrived: no event is set, every receive still pends. */
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS, p.ev, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);

    struct later_send ls;
    pthread_t th;
    start_sender(&ls, &th, p.client[1], "data for socket 1");
    /* Until the peer sends, the waits time out and the receive is still pending: the event
     * is not set before the receive completes. */
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS, p.ev, FALSE, 300, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(vg_clock_ms() - t0, 300);
    assert_int_equal(p.ov[1].Internal, STATUS_PENDING_);
    DWORD got = 0, flags = 0;
    WSASetLastError(0);
    assert_int_equal(WSAGetOverlappedResult(p.server[1], &p.ov[1], &got, FALSE, &flags), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_IO_INCOMPLETE);

    assert_int_equal(sem_post(&ls.go), 0);
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS, p.ev, FALSE, WSA_INFINITE, FALSE),
                     WSA_WAIT_EVENT_0 + 1);
    join_sender(&ls, th);
    /* Set because it completed: the receive is done with the data, and the others still pend. */
    assert_int_not_equal(p.ov[1].Internal, STATUS_PENDING_);
    assert_int_equal(WSAGetOverlappedResult(p.server[1], &p.ov[1], &got, FALSE, &flags), TRUE);
    assert_int_equal(got, strlen(ls.line));
    assert_int_equal(flags, 0);
    assert_memory_equal(p.buf[1], ls.line, got);
    assert_int_equal(p.ov[0].Internal, STATUS_PENDING_);
    assert_int_equal(p.ov[2].Internal, STATUS_PENDING_);
    /* A manual-reset event stays set until reset; then the others pend on, until data reaches
     * socket 2. */
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS, p.ev, FALSE, 0, FALSE), WSA_WAIT_EVENT_0 + 1);
    assert_int_equal(WSAResetEvent(p.ev[1]), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS, p.ev, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(send(p.client[2], "two", 3, 0), 3);
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS, p.ev, FALSE, WSA_INFINITE, FALSE),
                     WSA_WAIT_EVENT_0 + 2);
    assert_int_equal(WSAGetOverlappedResult(p.server[2], &p.ov[2], &got, TRUE, &flags), TRUE);
    assert_int_equal(got, 3);
    assert_memory_equal(p.buf[2], "two", 3);
    assert_int_equal(p.ov[0].Internal, STATUS_PENDING_);
    close_set(&p);
}

/* ---- The overlapped SIO_KEEPALIVE_VALS (A12) signals its event at once. */
static void overlapped_keepalive_vals_event_is_set_at_once(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    struct pending_set p;
    pend_receives(&p, 27411);
    WSAEVENT all[SOCKETS + 1];
    memcpy(all, p.ev, sizeof p.ev);
    all[SOCKETS] = WSACreateEvent();
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = all[SOCKETS];
    struct tcp_keepalive kv = {1, 5000, 500};
    DWORD bytes = 99;
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS + 1, all, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(WSAIoctl(p.client[0], SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, &ov,
                              NULL), 0);
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS + 1, all, FALSE, 0, FALSE),
                     WSA_WAIT_EVENT_0 + SOCKETS);
    assert_int_equal(vg_clock_ms(), t0);
    DWORD got = 7, flags = 7;
    assert_int_equal(WSAGetOverlappedResult(p.client[0], &ov, &got, FALSE, &flags), TRUE);
    assert_int_equal(got, 0);
    /* An overlapped call that fails at once leaves its event as it was. */
    assert_int_equal(WSAResetEvent(all[SOCKETS]), TRUE);
    struct tcp_keepalive zero = {1, 0, 500};
    assert_fails_with(WSAIoctl(p.client[0], SIO_KEEPALIVE_VALS, &zero, sizeof zero, NULL, 0, &bytes,
                               &ov, NULL), WSAEINVAL);
    assert_int_equal(WSAWaitForMultipleEvents(SOCKETS + 1, all, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(WSACloseEvent(all[SOCKETS]), TRUE);
    close_set(&p);
}

/* ---- An alertable WSAWaitForMultipleEvents delivers the thread's completion routines. */
static int routine_calls;
static DWORD routine_error, routine_bytes;
static WSAOVERLAPPED *routine_ov;
static pthread_t routine_thread;

static void CALLBACK on_done(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
    (void)flags;
    routine_calls++;
    routine_error = error;
    routine_bytes = bytes;
    routine_ov = ov;
    routine_thread = pthread_self();
}

static void alertable_wait_runs_the_completion_routine(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27421, &c, &s), 0);
    WSAEVENT unrelated = WSACreateEvent();
    char buf[16];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    DWORD n = 0, flags = 0;
    routine_calls = 0;
    assert_fails_with(WSARecv(s, &wb, 1, &n, &flags, &ov, on_done), WSA_IO_PENDING);

    /* Nothing has arrived: an alertable wait with a timeout times out, the routine not run. */
    assert_int_equal(WSAWaitForMultipleEvents(1, &unrelated, FALSE, 200, TRUE), WSA_WAIT_TIMEOUT);
    assert_int_equal(routine_calls, 0);
    /* The data comes while the thread waits alertably without a timeout: the wait runs the
     * routine and returns WSA_WAIT_IO_COMPLETION, not the (unset) event's index. */
    struct later_send ls;
    pthread_t th;
    start_sender(&ls, &th, c, "routine");
    assert_int_equal(sem_post(&ls.go), 0);
    assert_int_equal(WSAWaitForMultipleEvents(1, &unrelated, FALSE, WSA_INFINITE, TRUE),
                     WSA_WAIT_IO_COMPLETION);
    join_sender(&ls, th);
    assert_int_equal(routine_calls, 1);
    assert_int_equal(routine_error, 0);
    assert_int_equal(routine_bytes, 7);
    assert_ptr_equal(routine_ov, &ov);
    assert_true(pthread_equal(routine_thread, pthread_self()));
    assert_memory_equal(buf, "routine", 7);

    /* A completed receive whose routine waits: a non-alertable wait leaves it queued and times
     * out; the next alertable one, even with timeout 0, delivers it. */
    assert_fails_with(WSARecv(s, &wb, 1, &n, &flags, &ov, on_done), WSA_IO_PENDING);
    assert_int_equal(send(c, "again", 5, 0), 5);
    assert_int_equal(WSAWaitForMultipleEvents(1, &unrelated, FALSE, 50, FALSE), WSA_WAIT_TIMEOUT);
    assert_int_equal(routine_calls, 1);
    assert_int_equal(WSAWaitForMultipleEvents(1, &unrelated, FALSE, 0, TRUE),
                     WSA_WAIT_IO_COMPLETION);
    assert_int_equal(routine_calls, 2);
    assert_int_equal(routine_bytes, 5);
    /* Nothing queued: an alertable wait returns the event's index when it is set. */
    assert_int_equal(WSASetEvent(unrelated), TRUE);
    assert_int_equal(WSAWaitForMultipleEvents(1, &unrelated, FALSE, WSA_INFINITE, TRUE),
                     WSA_WAIT_EVENT_0);
    assert_int_equal(routine_calls, 2);
    assert_int_equal(WSACloseEvent(unrelated), TRUE);
}

/* ---- Keep-alive's abort completes a pending receive being waited on, at the exact instant (B3),
 * with A13's error (WSAETIMEDOUT under linux, C2). */
static void keepalive_abort_completes_the_waited_receive(const char *profile, int expected)
{
    assert_int_equal(api_start(profile), 0);
    struct pending_set p;
    pend_receives(&p, 27431);
    /* The receive on the client side of pair 2 is the one keep-alive will end: its peer
     * vanishes. It is waited on beside the accepted sides' receives of pairs 0 and 1, which
     * nothing completes. */
    SOCKET c = p.client[2];
    char buf[8];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    WSAEVENT waited[3] = {p.ev[0], p.ev[1], WSACreateEvent()};
    ov.hEvent = waited[2];
    uint64_t t_on = pend_recv_then_vanish(c, 5000, 500, &wb, &ov);

    uint32_t count = ka_probe_count(profile);
    uint64_t abort_at = 5000 + count * 500;
    /* One millisecond before the abort nothing is signalled yet. */
    assert_int_equal(WSAWaitForMultipleEvents(3, waited, FALSE,
                                              (DWORD)(abort_at - 1 - (vg_clock_ms() - t_on)), FALSE),
                     WSA_WAIT_TIMEOUT);
    assert_int_equal(vg_clock_ms() - t_on, abort_at - 1);
    assert_int_equal(ov.Internal, STATUS_PENDING_);
    assert_int_equal(WSAWaitForMultipleEvents(3, waited, FALSE, WSA_INFINITE, FALSE),
                     WSA_WAIT_EVENT_0 + 2);
    assert_int_equal(vg_clock_ms() - t_on, abort_at);
    DWORD got = 9, oflags;
    WSASetLastError(0);
    assert_int_equal(WSAGetOverlappedResult(c, &ov, &got, FALSE, &oflags), FALSE);
    assert_int_equal(WSAGetLastError(), expected);
    assert_int_equal(got, 0);
    assert_int_equal(p.ov[0].Internal, STATUS_PENDING_);
    assert_int_equal(p.ov[1].Internal, STATUS_PENDING_);
    assert_int_equal(WSACloseEvent(waited[2]), TRUE);
    close_set(&p);
}

static void keepalive_abort_netreset(void **state)
{
    (void)state;
    keepalive_abort_completes_the_waited_receive(NULL, WSAENETRESET);
}

static void keepalive_abort_timedout_under_linux(void **state)
{
    (void)state;
    keepalive_abort_completes_the_waited_receive("linux", WSAETIMEDOUT);
}

/* A pending overlapped receive on a datagram socket completes when a datagram arrives (the
 * stack's UDP readable event), with no further call on that socket: the waiter on its event
 * wakes with the datagram and its source. */
static void datagram_receive_completes_on_arrival(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET r = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP), u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in at = loopback_addr(27501);
    assert_int_equal(bind(r, (SOCKADDR *)&at, sizeof at), 0);
    assert_int_equal(connect(u, (SOCKADDR *)&at, sizeof at), 0);
    char buf[32];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = WSACreateEvent();
    struct sockaddr_in from;
    int fromlen = sizeof from;
    DWORD n = 0, flags = 0;
    assert_fails_with(WSARecvFrom(r, &wb, 1, &n, &flags, (SOCKADDR *)&from, &fromlen, &ov, NULL),
                      WSA_IO_PENDING);
    assert_int_equal(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
    struct later_send ls;
    pthread_t th;
    start_sender(&ls, &th, u, "ping");
    sem_post(&ls.go);
    assert_int_equal(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, WSA_INFINITE, FALSE),
                     WSA_WAIT_EVENT_0);
    join_sender(&ls, th);
    DWORD got = 0, fl = 0;
    assert_int_equal(WSAGetOverlappedResult(r, &ov, &got, FALSE, &fl), TRUE);
    assert_int_equal(got, 4);
    assert_memory_equal(buf, "ping", 4);
    struct sockaddr_in mine;
    int minelen = sizeof mine;
    assert_int_equal(getsockname(u, (SOCKADDR *)&mine, &minelen), 0);
    assert_int_equal(from.sin_port, mine.sin_port);
    WSACloseEvent(ov.hEvent);
    closesocket(u);
    closesocket(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(wait_any_names_the_socket_whose_receive_completed, teardown),
        cmocka_unit_test_teardown(overlapped_keepalive_vals_event_is_set_at_once, teardown),
        cmocka_unit_test_teardown(alertable_wait_runs_the_completion_routine, teardown),
        cmocka_unit_test_teardown(keepalive_abort_netreset, teardown),
        cmocka_unit_test_teardown(keepalive_abort_timedout_under_linux, teardown),
        cmocka_unit_test_teardown(datagram_receive_completes_on_arrival, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
