/* Scatter/gather and overlapped I/O as Winsock documents them: WSASocket, WSASend, WSARecv,
 * WSASendTo, WSARecvFrom (non-overlapped: send/recv over a WSABUF array), overlapped calls that
 * complete at once (0, and still signal) or pend (WSA_IO_PENDING, OVERLAPPED.Internal
 * STATUS_PENDING, WSAGetOverlappedResult WSA_IO_INCOMPLETE until done), completion routines
 * that run only in an alertable wait (SleepEx) of the issuing thread, closesocket completing
 * pending operations with WSA_OPERATION_ABORTED, the overlapped WSAIoctl(SIO_KEEPALIVE_VALS),
 * and the exact instant a pending receive learns that keep-alive dropped its connection. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif
#ifndef WAIT_IO_COMPLETION
#define WAIT_IO_COMPLETION 0xC0
#endif
#define STATUS_PENDING_ 0x103u
#define STATUS_CANCELLED_ 0xC0000120u

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

static int send_all(SOCKET s, const char *p)
{
    return send(s, p, (int)strlen(p), 0);
}

/* ---- WSASocket. */
static void wsasocket_takes_null_protocol_info_and_group_0(void **state)
{
    (void)state;
    WSASetLastError(0);
    assert_true(WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED) ==
                INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    assert_true(s != INVALID_SOCKET);
    assert_int_equal(get_dword(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    SOCKET u = WSASocket(AF_INET, SOCK_DGRAM, 0, NULL, 0, 0);
    assert_true(u != INVALID_SOCKET);
    char info[64] = {0};
    WSASetLastError(0);
    assert_true(WSASocket(AF_INET, SOCK_STREAM, 0, (void *)info, 0, 0) == INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSAEINVAL);
    WSASetLastError(0);
    assert_true(WSASocket(AF_INET, SOCK_STREAM, 0, NULL, 1, 0) == INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSAEINVAL);
    WSASetLastError(0);
    assert_true(WSASocket(AF_APPLETALK, SOCK_DGRAM, 0, NULL, 0, 0) == INVALID_SOCKET);
    assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
}

/* ---- Non-overlapped: gather on send, scatter on receive. */
static void gather_send_scatter_recv(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27301, &c, &s), 0);
    char a[] = "ab", b[] = "cde", d[] = "f";
    WSABUF out[3] = {{2, a}, {3, b}, {1, d}};
    DWORD sent = 0;
    assert_int_equal(WSASend(c, out, 3, &sent, 0, NULL, NULL), 0);
    assert_int_equal(sent, 6);
    char x[4], y[4];
    WSABUF in[2] = {{4, x}, {4, y}};
    DWORD got = 0, flags = 0;
    assert_int_equal(WSARecv(s, in, 2, &got, &flags, NULL, NULL), 0);
    assert_int_equal(got, 6);
    assert_int_equal(flags, 0);
    assert_memory_equal(x, "abcd", 4);
    assert_memory_equal(y, "ef", 2);
    /* A blocking WSARecv waits for data, as recv does. */
    assert_int_equal(send_all(c, "ghij"), 4);
    assert_int_equal(WSARecv(s, in, 1, &got, &flags, NULL, NULL), 0);
    assert_int_equal(got, 4);
    /* Non-blocking with nothing there: WSAEWOULDBLOCK. */
    assert_int_equal(set_nonblocking(s, 1), 0);
    assert_fails_with(WSARecv(s, in, 2, &got, &flags, NULL, NULL), WSAEWOULDBLOCK);
    /* End of stream: 0 bytes, success. */
    assert_int_equal(shutdown(c, SD_SEND), 0);
    idle_ms(10);
    assert_int_equal(WSARecv(s, in, 2, &got, &flags, NULL, NULL), 0);
    assert_int_equal(got, 0);
}

static void data_call_errors(void **state)
{
    (void)state;
    char buf[8];
    WSABUF wb = {sizeof buf, buf};
    DWORD n, flags = 0;
    assert_fails_with(WSARecv(1234, &wb, 1, &n, &flags, NULL, NULL), WSANOTINITIALISED);
    assert_int_equal(api_start(NULL), 0);
    assert_fails_with(WSARecv(1234, &wb, 1, &n, &flags, NULL, NULL), WSAENOTSOCK);
    assert_fails_with(WSASend(1234, &wb, 1, &n, 0, NULL, NULL), WSAENOTSOCK);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27302, &c, &s), 0);
    assert_fails_with(WSARecv(s, NULL, 1, &n, &flags, NULL, NULL), WSAEFAULT);
    assert_fails_with(WSARecv(s, &wb, 1, &n, NULL, NULL, NULL), WSAEFAULT);
    assert_fails_with(WSARecv(s, &wb, 1, NULL, &flags, NULL, NULL), WSAEFAULT);
    WSABUF bad = {8, NULL};
    assert_fails_with(WSASend(s, &bad, 1, &n, 0, NULL, NULL), WSAEFAULT);
    flags = MSG_OOB;              /* no urgent data in this layer */
    assert_fails_with(WSARecv(s, &wb, 1, &n, &flags, NULL, NULL), WSAEOPNOTSUPP);
    flags = 0;
    SOCKET fresh = socket(AF_INET, SOCK_STREAM, 0);
    assert_fails_with(WSARecv(fresh, &wb, 1, &n, &flags, NULL, NULL), WSAENOTCONN);
    assert_int_equal(shutdown(s, SD_RECEIVE), 0);
    assert_fails_with(WSARecv(s, &wb, 1, &n, &flags, NULL, NULL), WSAESHUTDOWN);
}

/* ---- Overlapped, completed through the event and WSAGetOverlappedResult. */
static void overlapped_recv_pends_then_completes(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27303, &c, &s), 0);
    char buf[16];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = WSACreateEvent();
    DWORD n = 77, flags = 0;
    assert_fails_with(WSARecv(s, &wb, 1, &n, &flags, &ov, NULL), WSA_IO_PENDING);
    assert_int_equal(ov.Internal, STATUS_PENDING_);
    DWORD got = 0, oflags = 1;
    WSASetLastError(0);
    assert_int_equal(WSAGetOverlappedResult(s, &ov, &got, FALSE, &oflags), FALSE);
    assert_int_equal(WSAGetLastError(), WSA_IO_INCOMPLETE);
    WSASetLastError(0);
    assert_int_equal(WSAGetOverlappedResult(s, NULL, &got, FALSE, &oflags), FALSE);
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
    assert_int_equal(send_all(c, "hello"), 5);
    assert_int_equal(WSAGetOverlappedResult(s, &ov, &got, TRUE, &oflags), TRUE);
    assert_int_equal(got, 5);
    assert_int_equal(oflags, 0);
    assert_int_equal(ov.Internal, 0);
    assert_int_equal(ov.InternalHigh, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(WSACloseEvent(ov.hEvent), TRUE);
}

static void overlapped_completes_at_once_when_it_can(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27304, &c, &s), 0);
    assert_int_equal(send_all(c, "xyz"), 3);
    idle_ms(10);
    char buf[16];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    DWORD n = 0, flags = 0;
    assert_int_equal(WSARecv(s, &wb, 1, &n, &flags, &ov, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ov.Internal, 0);
    assert_int_equal(ov.InternalHigh, 3);
    /* An overlapped send with room in the buffer completes at once too. */
    char a[] = "12", b[] = "345";
    WSABUF out[2] = {{2, a}, {3, b}};
    WSAOVERLAPPED ov2;
    memset(&ov2, 0, sizeof ov2);
    assert_int_equal(WSASend(s, out, 2, &n, 0, &ov2, NULL), 0);
    assert_int_equal(n, 5);
    DWORD got, oflags;
    assert_int_equal(WSAGetOverlappedResult(s, &ov2, &got, FALSE, &oflags), TRUE);
    assert_int_equal(got, 5);
    char in[8];
    assert_int_equal(recv(c, in, sizeof in, 0), 5);
    assert_memory_equal(in, "12345", 5);
}

/* ---- Completion routines. */
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

static void *sleep_alertably(void *arg)
{
    (void)arg;
    DWORD r = SleepEx(100, TRUE);
    return (void *)(uintptr_t)r;
}

static void routine_runs_only_in_an_alertable_wait_of_its_thread(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27305, &c, &s), 0);
    char buf[16];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    DWORD n, flags = 0;
    routine_calls = 0;
    assert_fails_with(WSARecv(s, &wb, 1, &n, &flags, &ov, on_done), WSA_IO_PENDING);
    assert_int_equal(send_all(c, "data"), 4);
    Sleep(50);                                   /* not alertable */
    assert_int_not_equal(ov.Internal, STATUS_PENDING_);   /* done, but not yet delivered */
    assert_int_equal(routine_calls, 0);
    assert_int_equal(SleepEx(0, FALSE), 0);
    assert_int_equal(routine_calls, 0);
    /* Another thread's alertable wait does not run this thread's routine. */
    pthread_t t;
    void *r;
    assert_int_equal(pthread_create(&t, NULL, sleep_alertably, NULL), 0);
    assert_int_equal(pthread_join(t, &r), 0);
    assert_int_equal((uintptr_t)r, 0);
    assert_int_equal(routine_calls, 0);
    assert_int_equal(SleepEx(INFINITE, TRUE), WAIT_IO_COMPLETION);
    assert_int_equal(routine_calls, 1);
    assert_int_equal(routine_error, 0);
    assert_int_equal(routine_bytes, 4);
    assert_ptr_equal(routine_ov, &ov);
    assert_true(pthread_equal(routine_thread, pthread_self()));
    /* Nothing left: an alertable SleepEx just lets the time pass. */
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(SleepEx(250, TRUE), 0);
    assert_int_equal(vg_clock_ms() - t0, 250);
}

static void close_aborts_pending_operations(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27306, &c, &s), 0);
    char b1[8], b2[8];
    WSABUF w1 = {sizeof b1, b1}, w2 = {sizeof b2, b2};
    WSAOVERLAPPED o1, o2;
    memset(&o1, 0, sizeof o1);
    memset(&o2, 0, sizeof o2);
    DWORD n, flags = 0;
    routine_calls = 0;
    assert_fails_with(WSARecv(s, &w1, 1, &n, &flags, &o1, on_done), WSA_IO_PENDING);
    assert_fails_with(WSARecv(s, &w2, 1, &n, &flags, &o2, NULL), WSA_IO_PENDING);
    assert_int_equal(closesocket(s), 0);
    assert_int_equal(o2.Internal, STATUS_CANCELLED_);
    assert_int_equal(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
    assert_int_equal(routine_calls, 1);
    assert_int_equal(routine_error, WSA_OPERATION_ABORTED);
    assert_int_equal(routine_bytes, 0);
}

/* ---- The overlapped WSAIoctl(SIO_KEEPALIVE_VALS) (A12): done at once, and it signals. */
static void overlapped_keepalive_vals_completes_at_once(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27307, &c, &s), 0);
    struct tcp_keepalive kv = {1, 5000, 500};
    DWORD bytes = 99;
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = WSACreateEvent();
    assert_int_equal(WSAIoctl(c, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, &ov, NULL), 0);
    assert_int_equal(bytes, 0);
    assert_int_equal(ov.Internal, 0);
    DWORD got, flags;
    assert_int_equal(WSAGetOverlappedResult(c, &ov, &got, FALSE, &flags), TRUE);
    assert_int_equal(got, 0);
    assert_int_equal(get_dword(c, SOL_SOCKET, SO_KEEPALIVE), 1);
    routine_calls = 0;
    assert_int_equal(WSAIoctl(c, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, &ov, on_done),
                     0);
    assert_int_equal(routine_calls, 0);
    assert_int_equal(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
    assert_int_equal(routine_calls, 1);
    assert_int_equal(routine_error, 0);
    /* An overlapped call that fails at once reports it and delivers nothing. */
    struct tcp_keepalive zero = {1, 0, 500};
    assert_fails_with(WSAIoctl(c, SIO_KEEPALIVE_VALS, &zero, sizeof zero, NULL, 0, &bytes, &ov,
                               on_done), WSAEINVAL);
    assert_int_equal(SleepEx(0, TRUE), 0);
    assert_int_equal(routine_calls, 1);
}

/* ---- A pending overlapped receive when keep-alive drops the connection (B3, A13, C2). */
static void pending_recv_learns_of_keepalive_drop(const char *profile, int expected)
{
    assert_int_equal(api_start(profile), 0);
    SOCKET c, s;
    assert_int_equal(tcp_pair(27308, &c, &s), 0);
    char buf[8];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = WSACreateEvent();
    uint64_t t_on = pend_recv_then_vanish(c, 30000, 2000, &wb, &ov);
    DWORD got, oflags;
    WSASetLastError(0);
    assert_int_equal(WSAGetOverlappedResult(c, &ov, &got, TRUE, &oflags), FALSE);
    assert_int_equal(WSAGetLastError(), expected);
    assert_int_equal(vg_clock_ms() - t_on, 30000 + ka_probe_count(profile) * 2000);
    assert_int_equal(got, 0);
    /* The drop was reported by the pending call; the next one hears WSAENOTCONN (A13). */
    DWORD n, flags = 0;
    assert_fails_with(WSARecv(c, &wb, 1, &n, &flags, NULL, NULL), WSAENOTCONN);
}

static void pending_recv_netreset_at_the_instant(void **state)
{
    (void)state;
    pending_recv_learns_of_keepalive_drop(NULL, WSAENETRESET);
}

static void pending_recv_timedout_under_linux(void **state)
{
    (void)state;
    pending_recv_learns_of_keepalive_drop("linux", WSAETIMEDOUT);
}

/* ---- Datagrams: WSASendTo gathers one datagram, WSARecvFrom scatters it and names its sender. */
static void datagram_scatter_gather(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = loopback_addr(27309), sb = loopback_addr(27310);
    assert_int_equal(bind(a, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_int_equal(bind(b, (SOCKADDR *)&sb, sizeof sb), 0);
    char p1[] = "one", p2[] = "two";
    WSABUF out[2] = {{3, p1}, {3, p2}};
    DWORD n = 0;
    assert_int_equal(WSASendTo(a, out, 2, &n, 0, (SOCKADDR *)&sb, sizeof sb, NULL, NULL), 0);
    assert_int_equal(n, 6);
    char x[2], y[8];
    WSABUF in[2] = {{2, x}, {8, y}};
    struct sockaddr_in from;
    int fromlen = sizeof from;
    DWORD flags = 0;
    assert_int_equal(WSARecvFrom(b, in, 2, &n, &flags, (SOCKADDR *)&from, &fromlen, NULL, NULL), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(x, "on", 2);
    assert_memory_equal(y, "etwo", 4);
    assert_int_equal(ntohs(from.sin_port), 27309);
    /* Buffers smaller than the datagram: filled, the rest lost, WSAEMSGSIZE. */
    assert_int_equal(WSASendTo(a, out, 2, &n, 0, (SOCKADDR *)&sb, sizeof sb, NULL, NULL), 0);
    assert_fails_with(WSARecvFrom(b, in, 1, &n, &flags, NULL, NULL, NULL, NULL), WSAEMSGSIZE);
    /* An overlapped receive of a datagram already there completes at once. */
    assert_int_equal(WSASendTo(a, out, 1, &n, 0, (SOCKADDR *)&sb, sizeof sb, NULL, NULL), 0);
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    assert_int_equal(WSARecvFrom(b, &in[1], 1, &n, &flags, NULL, NULL, &ov, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ov.InternalHigh, 3);
    /* Issued on an empty queue: pending, then completed by the datagram that comes. */
    assert_fails_with(WSARecvFrom(b, &in[1], 1, &n, &flags, (SOCKADDR *)&from, &fromlen, &ov, NULL),
                      WSA_IO_PENDING);
    assert_int_equal(ov.Internal, STATUS_PENDING_);
    assert_int_equal(WSASendTo(a, &out[1], 1, &n, 0, (SOCKADDR *)&sb, sizeof sb, NULL, NULL), 0);
    DWORD got, oflags;
    assert_int_equal(WSAGetOverlappedResult(b, &ov, &got, TRUE, &oflags), TRUE);
    assert_int_equal(got, 3);
    assert_memory_equal(y, "two", 3);
    assert_int_equal(ntohs(from.sin_port), 27309);
    /* ... and through a completion routine, in SleepEx. */
    routine_calls = 0;
    assert_fails_with(WSARecvFrom(b, &in[1], 1, &n, &flags, NULL, NULL, &ov, on_done),
                      WSA_IO_PENDING);
    assert_int_equal(WSASendTo(a, out, 1, &n, 0, (SOCKADDR *)&sb, sizeof sb, NULL, NULL), 0);
    assert_int_equal(SleepEx(INFINITE, TRUE), WAIT_IO_COMPLETION);
    assert_int_equal(routine_calls, 1);
    assert_int_equal(routine_bytes, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(wsasocket_takes_null_protocol_info_and_group_0, teardown),
        cmocka_unit_test_teardown(gather_send_scatter_recv, teardown),
        cmocka_unit_test_teardown(data_call_errors, teardown),
        cmocka_unit_test_teardown(overlapped_recv_pends_then_completes, teardown),
        cmocka_unit_test_teardown(overlapped_completes_at_once_when_it_can, teardown),
        cmocka_unit_test_teardown(routine_runs_only_in_an_alertable_wait_of_its_thread, teardown),
        cmocka_unit_test_teardown(close_aborts_pending_operations, teardown),
        cmocka_unit_test_teardown(overlapped_keepalive_vals_completes_at_once, teardown),
        cmocka_unit_test_teardown(pending_recv_netreset_at_the_instant, teardown),
        cmocka_unit_test_teardown(pending_recv_timedout_under_linux, teardown),
        cmocka_unit_test_teardown(datagram_scatter_gather, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
