/* What a waiting thread costs the Winsock layer: CONNS loopback connections, THREADS threads
 * each blocked in recv() on its own one of them, one sender thread writing MSGS one-octet
 * messages to them in turn, each echoed back before the next. Prints how many times a blocked
 * thread woke up per message (2 is the least: the receiver the message is for, then the sender
 * for its echo), the wall time per message, and then the time
 * of a select() and of a WSAPoll() over all CONNS sockets that finds one of them readable.
 *
 *   bench_ws_wakeups [CONNS [THREADS [MSGS]]]     defaults 1000 100 20000
 *
 * Real clock, loopback network. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vgb_leading_opts.h"
#include "util/vgb_clock.h"
#include "vigil/winsock2.h"

static SOCKET *cli, *srv;
static size_t conns = 1000, threads = 100, msgs = 20000;

static void die(const char *what)
{
    fprintf(stderr, "bench_ws_wakeups: %s failed: WSA error %d\n", what, WSAGetLastError());
    exit(1);
}

static void *receiver(void *arg)
{
    size_t i = (size_t)arg;
    size_t want = msgs / threads + (i < msgs % threads);
    char c;
    for (size_t k = 0; k < want; k++)
        if (recv(srv[i], &c, 1, 0) != 1 || send(srv[i], &c, 1, 0) != 1)
            die("recv");
    return NULL;
}

static void connect_all(void)
{
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(9000);
    if (bind(l, (SOCKADDR *)&sa, sizeof sa) || listen(l, SOMAXCONN))
        die("listen");
    for (size_t i = 0; i < conns; i++) {
        cli[i] = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (cli[i] == INVALID_SOCKET || connect(cli[i], (SOCKADDR *)&sa, sizeof sa))
            die("connect");
        srv[i] = accept(l, NULL, NULL);
        if (srv[i] == INVALID_SOCKET)
            die("accept");
    }
    closesocket(l);
}

static void bench_recv_threads(void)
{
    pthread_t *t = calloc(threads, sizeof *t);
    for (size_t i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, receiver, (void *)i);
    Sleep(200);                   /* every receiver is blocked in recv before the clock starts */
    uint64_t w0 = vg_ws_wakeups();
    double t0 = vgb_wall_seconds();
    char c;
    for (size_t k = 0; k < msgs; k++)
        if (send(cli[k % threads], "x", 1, 0) != 1 || recv(cli[k % threads], &c, 1, 0) != 1)
            die("send");
    for (size_t i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double dt = vgb_wall_seconds() - t0;
    uint64_t w = vg_ws_wakeups() - w0;
    printf("recv: %zu threads blocked on %zu of %zu connections, %zu messages: %.2f wake-ups "
           "per message, %.1f us per message\n", threads, threads, conns, msgs,
           (double)w / (double)msgs, dt * 1e6 / (double)msgs);
    free(t);
}

static void bench_select_poll(void)
{
    enum { ROUNDS = 200 };
    size_t n = conns < FD_SETSIZE ? conns : FD_SETSIZE;
    WSAPOLLFD *pfd = calloc(conns, sizeof *pfd);
    for (size_t i = 0; i < conns; i++)
        pfd[i] = (WSAPOLLFD){.fd = srv[i], .events = POLLRDNORM};
    char c;
    double t0 = vgb_wall_seconds();
    for (int r = 0; r < ROUNDS; r++) {
        size_t i = (size_t)r * 7919 % n;
        send(cli[i], "x", 1, 0);
        fd_set rd;
        FD_ZERO(&rd);
        for (size_t k = 0; k < n; k++)
            FD_SET(srv[k], &rd);
        if (select(0, &rd, NULL, NULL, NULL) != 1 || !FD_ISSET(srv[i], &rd))
            die("select");
        recv(srv[i], &c, 1, 0);
    }
    double ts = (vgb_wall_seconds() - t0) * 1e6 / ROUNDS;
    t0 = vgb_wall_seconds();
    for (int r = 0; r < ROUNDS; r++) {
        size_t i = (size_t)r * 7919 % conns;
        send(cli[i], "x", 1, 0);
        if (WSAPoll(pfd, (ULONG)conns, -1) != 1 || !(pfd[i].revents & POLLRDNORM))
            die("WSAPoll");
        recv(srv[i], &c, 1, 0);
    }
    double tp = (vgb_wall_seconds() - t0) * 1e6 / ROUNDS;
    printf("select over %zu sockets: %.1f us per round; WSAPoll over %zu sockets: %.1f us per "
           "round (send, wait, recv)\n", n, ts, conns, tp);
    free(pfd);
}

int main(int argc, char **argv)
{
    int quick = vgb_take_leading_opts(&argc, &argv);   /* one short run: the runner's smoke test */
    if (quick)
        conns = 100, threads = 10, msgs = 1000;
    if (argc > 1)
        conns = strtoul(argv[1], NULL, 10);
    if (argc > 2)
        threads = strtoul(argv[2], NULL, 10);
    if (argc > 3)
        msgs = strtoul(argv[3], NULL, 10);
    if (conns == 0 || threads == 0 || threads > conns || msgs == 0) {
        fprintf(stderr, "usage: bench_ws_wakeups [CONNS [THREADS [MSGS]]] (THREADS <= CONNS)\n");
        return 2;
    }
    setenv("VIGIL_CLOCK", "real", 1);
    setenv("VIGIL_NET", "loopback", 1);
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa))
        die("WSAStartup");
    cli = calloc(conns, sizeof *cli);
    srv = calloc(conns, sizeof *srv);
    connect_all();
    bench_recv_threads();
    bench_select_poll();
    WSACleanup();
    return 0;
}
