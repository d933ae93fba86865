/* Benchmark (not a test): a completion-port echo server with many connections on the loopback
 * stack, all in one thread and one port. N clients connect with ConnectEx to a listener with N
 * AcceptEx calls outstanding; then every client sends a small message, the server echoes it, and
 * the client sends the next, for R rounds. Prints the connections, the messages echoed per
 * second of wall time and per CPU-second of the echo phase.
 *
 *   bench_iocp_echo [CONNECTIONS [ROUNDS [MESSAGE_BYTES]]]     (default 10000 10 32)
 *
 * Runs under VIGIL_CLOCK=virtual unless the environment says otherwise: the loopback stack
 * never waits for a timer then, so what is measured is the stack and the Winsock layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vgb_clock.h"
#include "util/vgb_leading_opts.h"
#include "vigil/winsock2.h"

#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif

enum { ACCEPTING, SERVING, CONNECTING, CLIENT };

struct conn {
    OVERLAPPED ov;                /* first: the OVERLAPPED a completion returns is the record */
    int role;
    SOCKET s;
    WSABUF wb;
    DWORD len, done;              /* the message in flight: its length, bytes moved so far */
    int sending;
    int rounds;
    char buf[256 + 2 * (sizeof(struct sockaddr_in) + 16)];
};

static size_t msg_len;
static int rounds_wanted;
static LPFN_ACCEPTEX accept_ex;
static LPFN_CONNECTEX connect_ex;

static void die(const char *what)
{
    fprintf(stderr, "bench_iocp_echo: %s failed with error %d\n", what, WSAGetLastError());
    exit(1);
}

/* Sends or receives the rest of the message (one operation outstanding per connection). */
static void move(struct conn *c, int sending)
{
    DWORD n, flags = 0;
    memset(&c->ov, 0, sizeof c->ov);
    c->sending = sending;
    c->wb.buf = c->buf + c->done;
    c->wb.len = c->len - c->done;
    int r = sending ? WSASend(c->s, &c->wb, 1, &n, 0, &c->ov, NULL)
                    : WSARecv(c->s, &c->wb, 1, &n, &flags, &c->ov, NULL);
    if (r == SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING)
        die(sending ? "WSASend" : "WSARecv");
}

static void start_message(struct conn *c, int sending)
{
    c->done = 0;
    move(c, sending);
}

int main(int argc, char **argv)
{
    int quick = vgb_take_leading_opts(&argc, &argv);   /* one short run: the runner's smoke test */
    int n = argc > 1 ? atoi(argv[1]) : quick ? 100 : 10000;
    rounds_wanted = argc > 2 ? atoi(argv[2]) : quick ? 2 : 10;
    msg_len = argc > 3 ? (size_t)atoi(argv[3]) : 32;
    if (n < 1 || rounds_wanted < 1 || msg_len < 1 || msg_len > 256) {
        fprintf(stderr, "bench_iocp_echo: usage: bench_iocp_echo [CONNECTIONS [ROUNDS [BYTES<=256]]]\n");
        return 2;
    }
    setenv("VIGIL_CLOCK", getenv("VIGIL_CLOCK") ? getenv("VIGIL_CLOCK") : "virtual", 1);
    setenv("VIGIL_NET", "loopback", 1);
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        die("WSAStartup");
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    SOCKET l = WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(7000);
    if (bind(l, (SOCKADDR *)&sa, sizeof sa) || listen(l, SOMAXCONN))
        die("bind/listen");
    CreateIoCompletionPort((HANDLE)l, port, 0, 0);
    GUID ga = WSAID_ACCEPTEX, gc = WSAID_CONNECTEX;
    DWORD bytes;
    if (WSAIoctl(l, SIO_GET_EXTENSION_FUNCTION_POINTER, &ga, sizeof ga, &accept_ex,
                 sizeof accept_ex, &bytes, NULL, NULL) ||
        WSAIoctl(l, SIO_GET_EXTENSION_FUNCTION_POINTER, &gc, sizeof gc, &connect_ex,
                 sizeof connect_ex, &bytes, NULL, NULL))
        die("SIO_GET_EXTENSION_FUNCTION_POINTER");

    struct conn *srv = calloc((size_t)n, sizeof *srv), *cli = calloc((size_t)n, sizeof *cli);
    const DWORD addr_len = sizeof(struct sockaddr_in) + 16;
    DWORD one = 1;
    for (int i = 0; i < n; i++) {
        srv[i].role = ACCEPTING;
        srv[i].s = WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
        if (srv[i].s == INVALID_SOCKET)
            die("WSASocket");
        if (!accept_ex(l, srv[i].s, srv[i].buf, 0, addr_len, addr_len, &bytes, &srv[i].ov) &&
            WSAGetLastError() != WSA_IO_PENDING)
            die("AcceptEx");
    }
    struct sockaddr_in any = sa;
    any.sin_port = 0;
    for (int i = 0; i < n; i++) {
        cli[i].role = CONNECTING;
        cli[i].s = WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
        if (cli[i].s == INVALID_SOCKET || bind(cli[i].s, (SOCKADDR *)&any, sizeof any))
            die("client socket");
        setsockopt(cli[i].s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
        CreateIoCompletionPort((HANDLE)cli[i].s, port, 1, 0);
        if (!connect_ex(cli[i].s, (SOCKADDR *)&sa, sizeof sa, NULL, 0, &bytes, &cli[i].ov) &&
            WSAGetLastError() != WSA_IO_PENDING)
            die("ConnectEx");
    }

    /* Phase 1: every connection made (both ends' completions). */
    int pending = 2 * n;
    double t0 = 0, c0 = 0;
    long long messages = 0;
    int finished = 0;
    while (finished < n) {
        DWORD got;
        ULONG_PTR key;
        LPOVERLAPPED ov;
        if (!GetQueuedCompletionStatus(port, &got, &key, &ov, INFINITE))
            die("an operation");
        struct conn *c = (struct conn *)ov;
        switch (c->role) {
        case ACCEPTING:
            setsockopt(c->s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (const char *)&l, sizeof l);
            setsockopt(c->s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
            CreateIoCompletionPort((HANDLE)c->s, port, 2, 0);
            c->role = SERVING;
            c->len = (DWORD)msg_len;
            start_message(c, 0);
            pending--;
            break;
        case CONNECTING:
            c->role = CLIENT;
            c->len = (DWORD)msg_len;
            memset(c->buf, 'x', msg_len);
            pending--;
            break;
        case SERVING:
            if (got == 0) {
                closesocket(c->s);
                break;
            }
            c->done += got;
            if (c->done < c->len) {
                move(c, c->sending);
                break;
            }
            start_message(c, !c->sending);   /* echo what came; then wait for the next */
            break;
        case CLIENT:
            c->done += got;
            if (c->done < c->len) {
                move(c, c->sending);
                break;
            }
            if (c->sending) {
                start_message(c, 0);
                break;
            }
            messages++;
            if (++c->rounds < rounds_wanted) {
                start_message(c, 1);
            } else {
                finished++;
                closesocket(c->s);
            }
            break;
        }
        if (pending == 0 && t0 == 0) {
            /* Phase 2: the echo rounds, timed. */
            t0 = vgb_wall_seconds();
            c0 = vgb_cpu_seconds();
            for (int i = 0; i < n; i++)
                start_message(&cli[i], 1);
            pending = -1;
        }
    }
    double wall = vgb_wall_seconds() - t0, cpu = vgb_cpu_seconds() - c0;
    printf("connections %d, rounds %d, message %zu bytes: %lld messages echoed in %.3f s "
           "(%.0f messages/s, %.0f per CPU-second)\n",
           n, rounds_wanted, msg_len, messages, wall, (double)messages / wall,
           (double)messages / cpu);
    CloseHandle(port);
    WSACleanup();
    free(srv);
    free(cli);
    return 0;
}
