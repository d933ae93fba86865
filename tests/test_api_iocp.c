/* I/O completion ports and the <mswsock.h> extensions as Windows documents them:
 * CreateIoCompletionPort (a new port; a socket associated once, with its key),
 * GetQueuedCompletionStatus (FIFO packets, timeouts with *lpOverlapped NULL and WAIT_TIMEOUT, a
 * failed operation's packet: FALSE with the OVERLAPPED set), GetQueuedCompletionStatusEx
 * batches and alertable waits, PostQueuedCompletionStatus, CloseHandle, the extension functions
 * fetched by GUID, AcceptEx with and without data, GetAcceptExSockaddrs, ConnectEx (a bound
 * socket, optional data, a refused port), and the exact instant keep-alive's drop reaches a
 * port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif
#ifndef WAIT_TIMEOUT
#define WAIT_TIMEOUT 258
#endif
#ifndef WAIT_IO_COMPLETION
#define WAIT_IO_COMPLETION 0xC0
#endif
#define ERROR_INVALID_HANDLE_ 6
#define ERROR_INVALID_PARAMETER_ 87
#define ERROR_CONNECTION_REFUSED_ 1225

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

#define assert_false_with(call, err)                                                               \
    do {                                                                                           \
        WSASetLastError(0);                                                                        \
        assert_int_equal((call), FALSE);                                                           \
        assert_int_equal(WSAGetLastError(), (err));                                                \
    } while (0)

static HANDLE new_port(void)
{
    HANDLE p = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    assert_non_null(p);
    return p;
}

static void post_and_get_round_trip_fifo(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    HANDLE port = new_port();
    WSAOVERLAPPED o[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(PostQueuedCompletionStatus(port, 10u + (DWORD)i, 100u + (ULONG_PTR)i, &o[i]),
                         TRUE);
    for (int i = 0; i < 3; i++) {
        DWORD bytes = 0;
        ULONG_PTR key = 0;
        LPOVERLAPPED ov = NULL;
        assert_int_equal(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0), TRUE);
        assert_int_equal(bytes, 10u + (DWORD)i);
        assert_int_equal(key, 100u + (ULONG_PTR)i);
        assert_ptr_equal(ov, &o[i]);
    }
    /* Empty: FALSE, *lpOverlapped NULL, WAIT_TIMEOUT, after the timeout (virtual time). */
    DWORD bytes;
    ULONG_PTR key;
    LPOVERLAPPED ov = &o[0];
    uint64_t t0 = vg_clock_ms();
    assert_false_with(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 500), WAIT_TIMEOUT);
    assert_null(ov);
    assert_int_equal(vg_clock_ms() - t0, 500);
    assert_int_equal(CloseHandle(port), TRUE);
}

static void port_errors(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    HANDLE port = new_port();
    WSASetLastError(0);
    assert_null(CreateIoCompletionPort(INVALID_HANDLE_VALUE, port, 0, 0));
    assert_int_equal(WSAGetLastError(), ERROR_INVALID_PARAMETER_);
    WSASetLastError(0);
    assert_null(CreateIoCompletionPort((HANDLE)(uintptr_t)1234, port, 0, 0));   /* no socket */
    assert_int_equal(WSAGetLastError(), ERROR_INVALID_HANDLE_);
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    assert_ptr_equal(CreateIoCompletionPort((HANDLE)s, port, 7, 0), port);
    WSASetLastError(0);
    assert_null(CreateIoCompletionPort((HANDLE)s, port, 8, 0));   /* once only */
    assert_int_equal(WSAGetLastError(), ERROR_INVALID_PARAMETER_);
    /* A socket with no port given gets a new one. */
    SOCKET t = socket(AF_INET, SOCK_STREAM, 0);
    HANDLE p2 = CreateIoCompletionPort((HANDLE)t, NULL, 1, 0);
    assert_non_null(p2);
    assert_true(p2 != port);
    DWORD bytes;
    ULONG_PTR key;
    LPOVERLAPPED ov;
    assert_int_equal(CloseHandle(port), TRUE);
    assert_false_with(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0), ERROR_INVALID_HANDLE_);
    assert_false_with(PostQueuedCompletionStatus(port, 0, 0, NULL), ERROR_INVALID_HANDLE_);
    assert_false_with(CloseHandle(port), ERROR_INVALID_HANDLE_);
    /* CloseHandle closes an event object too. */
    WSAEVENT e = WSACreateEvent();
    assert_int_equal(CloseHandle(e), TRUE);
    assert_false_with(WSASetEvent(e), WSA_INVALID_HANDLE);
}

static int apc_runs;
static void CALLBACK count_routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
    (void)err;
    (void)bytes;
    (void)ov;
    (void)flags;
    apc_runs++;
}

static void get_ex_batches_and_alertable(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    HANDLE port = new_port();
    for (int i = 0; i < 5; i++)
        assert_int_equal(PostQueuedCompletionStatus(port, (DWORD)i, (ULONG_PTR)i, NULL), TRUE);
    OVERLAPPED_ENTRY e[3];
    ULONG n = 0;
    assert_int_equal(GetQueuedCompletionStatusEx(port, e, 3, &n, 0, FALSE), TRUE);
    assert_int_equal(n, 3);
    for (ULONG i = 0; i < n; i++)
        assert_int_equal(e[i].lpCompletionKey, i);
    assert_int_equal(GetQueuedCompletionStatusEx(port, e, 3, &n, INFINITE, FALSE), TRUE);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].dwNumberOfBytesTransferred, 3);
    assert_int_equal(e[1].lpCompletionKey, 4);
    assert_false_with(GetQueuedCompletionStatusEx(port, e, 3, &n, 100, FALSE), WAIT_TIMEOUT);
    assert_int_equal(n, 0);
    assert_false_with(GetQueuedCompletionStatusEx(port, e, 0, &n, 0, FALSE), ERROR_INVALID_PARAMETER_);
    /* Alertable: a completion routine queued to this thread ends the wait and runs. */
    SOCKET c, s;
    assert_int_equal(tcp_pair(27401, &c, &s), 0);
    struct tcp_keepalive kv = {1, 5000, 500};
    DWORD bytes;
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    apc_runs = 0;
    assert_int_equal(WSAIoctl(c, SIO_KEEPALIVE_VALS, &kv, sizeof kv, NULL, 0, &bytes, &ov,
                              count_routine), 0);
    assert_false_with(GetQueuedCompletionStatusEx(port, e, 3, &n, INFINITE, TRUE), WAIT_IO_COMPLETION);
    assert_int_equal(apc_runs, 1);
}

/* A socket's operations complete to its port, with its key, and not as routines. */
static void socket_operations_complete_to_the_port(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    HANDLE port = new_port();
    SOCKET c, s;
    assert_int_equal(tcp_pair(27402, &c, &s), 0);
    assert_ptr_equal(CreateIoCompletionPort((HANDLE)s, port, 42, 0), port);
    char buf[16];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    DWORD n, flags = 0;
    apc_runs = 0;
    WSASetLastError(0);
    assert_int_equal(WSARecv(s, &wb, 1, &n, &flags, &ov, count_routine), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSA_IO_PENDING);
    assert_int_equal(send(c, "ping", 4, 0), 4);
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED got = NULL;
    assert_int_equal(GetQueuedCompletionStatus(port, &bytes, &key, &got, INFINITE), TRUE);
    assert_int_equal(key, 42);
    assert_int_equal(bytes, 4);
    assert_ptr_equal(got, &ov);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(SleepEx(0, TRUE), 0);
    assert_int_equal(apc_runs, 0);
    /* Completed at once: still posted. */
    char out[] = "pong";
    WSABUF ob = {4, out};
    WSAOVERLAPPED ov2;
    memset(&ov2, 0, sizeof ov2);
    assert_int_equal(WSASend(s, &ob, 1, &n, 0, &ov2, NULL), 0);
    assert_int_equal(GetQueuedCompletionStatus(port, &bytes, &key, &got, 0), TRUE);
    assert_ptr_equal(got, &ov2);
    assert_int_equal(bytes, 4);
    /* hEvent with its low bit set keeps a completion off the port. */
    WSAEVENT ev = WSACreateEvent();
    ov2.hEvent = (HANDLE)((uintptr_t)ev | 1);
    assert_int_equal(WSASend(s, &ob, 1, &n, 0, &ov2, NULL), 0);
    assert_false_with(GetQueuedCompletionStatus(port, &bytes, &key, &got, 0), WAIT_TIMEOUT);
    /* closesocket: the pending receive's packet says WSA_OPERATION_ABORTED. */
    assert_int_equal(WSARecv(s, &wb, 1, &n, &flags, &ov, NULL), SOCKET_ERROR);
    assert_int_equal(closesocket(s), 0);
    assert_false_with(GetQueuedCompletionStatus(port, &bytes, &key, &got, 0), WSA_OPERATION_ABORTED);
    assert_ptr_equal(got, &ov);
}

/* B3's abort instant and A13's WSAENETRESET, delivered to a completion port. */
static void keepalive_drop_reaches_the_port_at_the_instant(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    HANDLE port = new_port();
    SOCKET c, s;
    assert_int_equal(tcp_pair(27403, &c, &s), 0);
    assert_ptr_equal(CreateIoCompletionPort((HANDLE)c, port, 9, 0), port);
    char buf[8];
    WSABUF wb = {sizeof buf, buf};
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    uint64_t t_on = pend_recv_then_vanish(c, 30000, 2000, &wb, &ov);
    DWORD bytes;
    ULONG_PTR key = 0;
    LPOVERLAPPED got = NULL;
    WSASetLastError(0);
    assert_int_equal(GetQueuedCompletionStatus(port, &bytes, &key, &got, INFINITE), FALSE);
    assert_ptr_equal(got, &ov);
    assert_int_equal(key, 9);
    assert_int_equal(WSAGetLastError(), WSAENETRESET);
    assert_int_equal(vg_clock_ms() - t_on, 30000 + 10 * 2000);
    DWORD t, f;
    assert_false_with(WSAGetOverlappedResult(c, &ov, &t, FALSE, &f), WSAENETRESET);
}

/* ---- The extension functions. */
static LPFN_ACCEPTEX acceptex;
static LPFN_GETACCEPTEXSOCKADDRS getsockaddrs;
static LPFN_CONNECTEX connectex;

static void fetch_extensions(SOCKET s)
{
    GUID a = WSAID_ACCEPTEX, g = WSAID_GETACCEPTEXSOCKADDRS, c = WSAID_CONNECTEX;
    DWORD bytes = 0;
    assert_int_equal(WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &a, sizeof a, &acceptex,
                              sizeof acceptex, &bytes, NULL, NULL), 0);
    assert_int_equal(bytes, sizeof acceptex);
    assert_int_equal(WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &g, sizeof g, &getsockaddrs,
                              sizeof getsockaddrs, &bytes, NULL, NULL), 0);
    assert_int_equal(WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &c, sizeof c, &connectex,
                              sizeof connectex, &bytes, NULL, NULL), 0);
    assert_non_null(acceptex);
    assert_non_null(getsockaddrs);
    assert_non_null(connectex);
}

static void extension_pointers_by_guid(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    fetch_extensions(s);
    assert_true(acceptex == AcceptEx);
    GUID bogus = {1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}};
    void *fn = NULL;
    DWORD bytes;
    WSASetLastError(0);
    assert_int_equal(WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &bogus, sizeof bogus, &fn,
                              sizeof fn, &bytes, NULL, NULL), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEINVAL);
    WSASetLastError(0);
    GUID a = WSAID_ACCEPTEX;
    assert_int_equal(WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &a, sizeof a, &fn, 1, &bytes,
                              NULL, NULL), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
}

#define ADDR_LEN (sizeof(struct sockaddr_in) + 16)

static void acceptex_without_and_with_data(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    HANDLE port = new_port();
    SOCKET l = tcp_listener(27404, 5);
    assert_true(l != INVALID_SOCKET);
    fetch_extensions(l);
    assert_ptr_equal(CreateIoCompletionPort((HANDLE)l, port, 1, 0), port);

    /* Errors first: a listener and a fresh socket are needed, and room for the addresses. */
    char out[64 + 2 * ADDR_LEN];
    DWORD bytes = 5;
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    SOCKET a = socket(AF_INET, SOCK_STREAM, 0);
    assert_false_with(acceptex(l, 1234, out, 0, ADDR_LEN, ADDR_LEN, &bytes, &ov), WSAENOTSOCK);
    assert_false_with(acceptex(l, a, out, 0, ADDR_LEN, ADDR_LEN, &bytes, NULL), WSAEFAULT);
    assert_false_with(acceptex(l, a, out, 0, ADDR_LEN - 1, ADDR_LEN, &bytes, &ov), WSAEINVAL);
    assert_false_with(acceptex(a, l, out, 0, ADDR_LEN, ADDR_LEN, &bytes, &ov), WSAEINVAL);

    /* Without data: completes when the connection is there. */
    assert_false_with(acceptex(l, a, out, 0, ADDR_LEN, ADDR_LEN, &bytes, &ov), WSA_IO_PENDING);
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback_addr(27404);
    assert_int_equal(connect(c, (SOCKADDR *)&sa, sizeof sa), 0);
    ULONG_PTR key;
    LPOVERLAPPED got;
    assert_int_equal(GetQueuedCompletionStatus(port, &bytes, &key, &got, INFINITE), TRUE);
    assert_ptr_equal(got, &ov);
    assert_int_equal(key, 1);
    assert_int_equal(bytes, 0);
    assert_int_equal(setsockopt(a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (char *)&l, sizeof l), 0);
    struct sockaddr *local, *remote;
    int llen = 0, rlen = 0;
    getsockaddrs(out, 0, ADDR_LEN, ADDR_LEN, &local, &llen, &remote, &rlen);
    assert_int_equal(llen, sizeof(struct sockaddr_in));
    assert_int_equal(rlen, sizeof(struct sockaddr_in));
    struct sockaddr_in lo, re, cl;
    memcpy(&lo, local, sizeof lo);
    memcpy(&re, remote, sizeof re);
    int cllen = sizeof cl;
    assert_int_equal(getsockname(c, (SOCKADDR *)&cl, &cllen), 0);
    assert_int_equal(lo.sin_family, AF_INET);
    assert_int_equal(ntohs(lo.sin_port), 27404);
    assert_int_equal(ntohl(lo.sin_addr.s_addr), INADDR_LOOPBACK);
    assert_int_equal(re.sin_port, cl.sin_port);
    assert_int_equal(re.sin_addr.s_addr, cl.sin_addr.s_addr);
    /* The accept socket carries the connection. */
    assert_int_equal(send(c, "abc", 3, 0), 3);
    char in[8];
    assert_int_equal(recv(a, in, sizeof in, 0), 3);

    /* With data: completes with the first data, which fills the buffer's start. */
    SOCKET a2 = socket(AF_INET, SOCK_STREAM, 0);
    memset(&ov, 0, sizeof ov);
    assert_false_with(acceptex(l, a2, out, 64, ADDR_LEN, ADDR_LEN, &bytes, &ov), WSA_IO_PENDING);
    SOCKET c2 = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(c2, (SOCKADDR *)&sa, sizeof sa), 0);
    assert_false_with(GetQueuedCompletionStatus(port, &bytes, &key, &got, 100), WAIT_TIMEOUT);
    assert_int_equal(send(c2, "hello", 5, 0), 5);
    assert_int_equal(GetQueuedCompletionStatus(port, &bytes, &key, &got, INFINITE), TRUE);
    assert_ptr_equal(got, &ov);
    assert_int_equal(bytes, 5);
    assert_memory_equal(out, "hello", 5);
    getsockaddrs(out, 64, ADDR_LEN, ADDR_LEN, &local, &llen, &remote, &rlen);
    memcpy(&lo, local, sizeof lo);
    assert_int_equal(ntohs(lo.sin_port), 27404);

    /* closesocket on the listener aborts a pending AcceptEx. */
    SOCKET a3 = socket(AF_INET, SOCK_STREAM, 0);
    assert_false_with(acceptex(l, a3, out, 0, ADDR_LEN, ADDR_LEN, &bytes, &ov), WSA_IO_PENDING);
    assert_int_equal(closesocket(l), 0);
    assert_false_with(GetQueuedCompletionStatus(port, &bytes, &key, &got, 0), WSA_OPERATION_ABORTED);
}

static void connectex_bound_refused_and_with_data(void **state)
{
    (void)state;
    assert_int_equal(api_start(NULL), 0);
    SOCKET l = tcp_listener(27405, 5);
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    fetch_extensions(s);
    struct sockaddr_in to = loopback_addr(27405), any = loopback_addr(0);
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = WSACreateEvent();
    DWORD sent = 9;
    /* Not bound: WSAEINVAL. */
    assert_false_with(connectex(s, (SOCKADDR *)&to, sizeof to, NULL, 0, &sent, &ov), WSAEINVAL);
    assert_int_equal(bind(s, (SOCKADDR *)&any, sizeof any), 0);
    assert_false_with(connectex(s, (SOCKADDR *)&to, sizeof to, NULL, 0, &sent, NULL), WSAEFAULT);
    assert_false_with(connectex(s, (SOCKADDR *)&to, 4, NULL, 0, &sent, &ov), WSAEFAULT);
    char data[] = "first";
    assert_false_with(connectex(s, (SOCKADDR *)&to, sizeof to, data, 5, &sent, &ov), WSA_IO_PENDING);
    DWORD got, flags;
    assert_int_equal(WSAGetOverlappedResult(s, &ov, &got, TRUE, &flags), TRUE);
    assert_int_equal(got, 5);
    assert_int_equal(setsockopt(s, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0), 0);
    SOCKET a = accept(l, NULL, NULL);
    char in[8];
    assert_int_equal(recv(a, in, sizeof in, 0), 5);
    assert_memory_equal(in, "first", 5);
    assert_false_with(connectex(s, (SOCKADDR *)&to, sizeof to, NULL, 0, &sent, &ov), WSAEISCONN);

    /* A port nobody listens on: WSAECONNREFUSED, through the event and through a port. */
    struct sockaddr_in closed = loopback_addr(27406);
    SOCKET r = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(r, (SOCKADDR *)&any, sizeof any), 0);
    memset(&ov, 0, sizeof ov);
    assert_false_with(connectex(r, (SOCKADDR *)&closed, sizeof closed, NULL, 0, &sent, &ov),
                      WSA_IO_PENDING);
    assert_false_with(WSAGetOverlappedResult(r, &ov, &got, TRUE, &flags), WSAECONNREFUSED);
    HANDLE port = new_port();
    SOCKET r2 = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(r2, (SOCKADDR *)&any, sizeof any), 0);
    assert_ptr_equal(CreateIoCompletionPort((HANDLE)r2, port, 5, 0), port);
    assert_false_with(connectex(r2, (SOCKADDR *)&closed, sizeof closed, NULL, 0, &sent, &ov),
                      WSA_IO_PENDING);
    ULONG_PTR key;
    LPOVERLAPPED o;
    assert_false_with(GetQueuedCompletionStatus(port, &got, &key, &o, INFINITE),
                      ERROR_CONNECTION_REFUSED_);
    assert_ptr_equal(o, &ov);
    assert_false_with(WSAGetOverlappedResult(r2, &ov, &got, FALSE, &flags), WSAECONNREFUSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(post_and_get_round_trip_fifo, teardown),
        cmocka_unit_test_teardown(port_errors, teardown),
        cmocka_unit_test_teardown(get_ex_batches_and_alertable, teardown),
        cmocka_unit_test_teardown(socket_operations_complete_to_the_port, teardown),
        cmocka_unit_test_teardown(keepalive_drop_reaches_the_port_at_the_instant, teardown),
        cmocka_unit_test_teardown(extension_pointers_by_guid, teardown),
        cmocka_unit_test_teardown(acceptex_without_and_with_data, teardown),
        cmocka_unit_test_teardown(connectex_bound_refused_and_with_data, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
