/* The Linux side of the TUN tests: a plain program on the kernel's own TCP sockets.
 *
 *   linux_peer echo-client HOST PORT BYTES      send BYTES of the test pattern, read the echo back,
 *                                               check it; exit 0 only if every byte came back
 *   linux_peer send-client HOST PORT BYTES      send BYTES of the test pattern, half-close, read
 *                                               until the peer's close (a discard server sends
 *                                               nothing); exit 0 when all was sent and it closed
 *   linux_peer echo-server PORT                 accept one connection, check that it carries the
 *                                               pattern, echo it, close after the peer's FIN; prints
 *                                               the kernel's smoothed RTT (tcp_info) as rtt_us
 *   linux_peer hold-client HOST PORT SECONDS [KA]
 *   linux_peer hold-server PORT SECONDS [KA]    one idle connection held for SECONDS; exit 0 if it
 *                                               is still up then, 3 if it died (the error is printed)
 *   KA = --keepalive IDLE_S INTVL_S COUNT       SO_KEEPALIVE with TCP_KEEPIDLE/KEEPINTVL/KEEPCNT
 *   linux_peer connect-echo HOST PORT N GAP_MS  N connections one after another, GAP_MS apart: each
 *                                               connects (timed), sends 100 octets of the pattern,
 *                                               checks their echo and closes; prints one line per
 *                                               connection, then ok, connect_us_median/max and
 *                                               syn_retransmits (tcp_info); exit 0 if all echoed
 *
 * Servers print "ready" once listening. Results are "key=value" lines on stdout; a stall of
 * 30 seconds without progress fails the run rather than hanging the test. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli_pattern.h"

#define STALL_MS 30000
#define CHUNK 65536

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void die(const char *what)
{
    printf("result=error\nwhere=%s\nerrno=%s\n", what, strerrorname_np(errno));
    exit(1);
}

/* PEER_FAMILY=6 in the environment: listen on IPv6 (::) instead of IPv4. */
static int listen_on(int port)
{
    const char *fam = getenv("PEER_FAMILY");
    int v6 = fam && !strcmp(fam, "6");
    int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    int bound = v6 ? bind(s, (struct sockaddr *)&a6, sizeof a6)
                   : bind(s, (struct sockaddr *)&a, sizeof a);
    if (bound != 0 || listen(s, 4) != 0)
        die("listen");
    printf("ready\n");
    fflush(stdout);
    int c = accept(s, NULL, NULL);
    if (c < 0)
        die("accept");
    close(s);
    return c;
}

/* host is an IPv4 or (with a colon) an IPv6 address. */
static int connect_to(const char *host, int port)
{
    if (strchr(host, ':')) {
        int s = socket(AF_INET6, SOCK_STREAM, 0);
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET6, host, &a6.sin6_addr) != 1)
            die("address");
        if (connect(s, (struct sockaddr *)&a6, sizeof a6) != 0)
            die("connect");
        return s;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        die("address");
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect");
    return s;
}

static void set_keepalive(int s, int idle, int intvl, int cnt)
{
    int one = 1;
    if (setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) != 0 ||
        setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0 ||
        setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) != 0 ||
        setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) != 0)
        die("setsockopt");
}

static void nonblocking(int s)
{
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
}

/* Sends the pattern and checks the echo at the same time (a sender that stopped reading would
 * deadlock against an echo server's full buffers). */
static int echo_client(const char *host, int port, uint64_t bytes)
{
    int s = connect_to(host, port);
    nonblocking(s);
    static uint8_t out[CHUNK], in[CHUNK];
    uint64_t sent = 0, got = 0, last_progress = now_ms();
    int shut = 0;
    for (;;) {
        if (sent == bytes && !shut) {
            shutdown(s, SHUT_WR);
            shut = 1;
        }
        struct pollfd p = {.fd = s, .events = (short)(POLLIN | (shut ? 0 : POLLOUT))};
        if (poll(&p, 1, 1000) < 0 && errno != EINTR)
            die("poll");
        if (now_ms() - last_progress > STALL_MS) {
            printf("result=stalled\nsent=%llu\nreceived=%llu\n", (unsigned long long)sent,
                   (unsigned long long)got);
            return 1;
        }
        if (!shut && (p.revents & POLLOUT)) {
            size_t n = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
            cli_pattern_fill(sent, out, n);
            ssize_t k = send(s, out, n, MSG_NOSIGNAL);
            if (k < 0 && errno != EAGAIN)
                die("send");
            if (k > 0) {
                sent += (uint64_t)k;
                last_progress = now_ms();
            }
        }
        if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
            ssize_t k = recv(s, in, sizeof in, 0);
            if (k < 0 && errno != EAGAIN)
                die("recv");
            if (k == 0)
                break;
            if (k > 0) {
                size_t bad = cli_pattern_check(got, in, (size_t)k);
                if (bad < (size_t)k) {
                    printf("result=mismatch\nat=%llu\n", (unsigned long long)(got + bad));
                    return 1;
                }
                got += (uint64_t)k;
                last_progress = now_ms();
            }
        }
    }
    close(s);
    printf("result=%s\nsent=%llu\nreceived=%llu\n", got == bytes ? "ok" : "short",
           (unsigned long long)sent, (unsigned long long)got);
    return got == bytes ? 0 : 1;
}

static int send_client(const char *host, int port, uint64_t bytes)
{
    int s = connect_to(host, port);
    struct timeval stall = {.tv_sec = STALL_MS / 1000};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &stall, sizeof stall);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &stall, sizeof stall);
    static uint8_t out[CHUNK];
    uint64_t sent = 0;
    while (sent < bytes) {
        size_t n = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
        cli_pattern_fill(sent, out, n);
        for (size_t off = 0; off < n;) {
            ssize_t k = send(s, out + off, n - off, MSG_NOSIGNAL);
            if (k < 0)
                die("send");
            off += (size_t)k;
        }
        sent += n;
    }
    shutdown(s, SHUT_WR);
    ssize_t k;
    while ((k = recv(s, out, sizeof out, 0)) > 0)
        ;
    if (k < 0)
        die("recv");
    close(s);
    printf("result=ok\nsent=%llu\n", (unsigned long long)sent);
    return 0;
}

static int echo_server(int port)
{
    int s = listen_on(port);
    static uint8_t buf[CHUNK];
    uint64_t got = 0;
    for (;;) {
        struct pollfd p = {.fd = s, .events = POLLIN};
        int n = poll(&p, 1, STALL_MS);
        if (n == 0) {
            printf("result=stalled\nreceived=%llu\n", (unsigned long long)got);
            return 1;
        }
        ssize_t k = recv(s, buf, sizeof buf, 0);
        if (k < 0)
            die("recv");
        if (k == 0)
            break;
        size_t bad = cli_pattern_check(got, buf, (size_t)k);
        if (bad < (size_t)k) {
            printf("result=mismatch\nat=%llu\n", (unsigned long long)(got + bad));
            return 1;
        }
        got += (uint64_t)k;
        for (ssize_t off = 0; off < k;) {
            ssize_t w = send(s, buf + off, (size_t)(k - off), MSG_NOSIGNAL);
            if (w < 0)
                die("send");
            off += w;
        }
    }
    /* The kernel's own smoothed RTT: what a test checks an emulated link delay against. */
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len);
    close(s);
    printf("result=ok\nreceived=%llu\nrtt_us=%u\n", (unsigned long long)got,
           (unsigned)ti.tcpi_rtt);
    return 0;
}

/* Holds an idle connection; anything that arrives other than the end of the time is reported. */
static int hold(int s, int seconds)
{
    uint64_t start = now_ms(), end = start + (uint64_t)seconds * 1000u;
    uint8_t buf[4096];
    for (;;) {
        uint64_t t = now_ms();
        if (t >= end)
            break;
        struct pollfd p = {.fd = s, .events = POLLIN};
        if (poll(&p, 1, (int)(end - t)) <= 0)
            continue;
        ssize_t k = recv(s, buf, sizeof buf, 0);
        if (k > 0)
            continue;
        printf("result=%s\nerror=%s\nafter_ms=%llu\n", k == 0 ? "eof" : "died",
               k == 0 ? "none" : strerrorname_np(errno), (unsigned long long)(now_ms() - start));
        return 3;
    }
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len);
    int err = 0;
    len = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
    int up = ti.tcpi_state == TCP_ESTABLISHED && !err;
    printf("result=%s\nstate=%u\nprobes_outstanding=%u\n", up ? "alive" : "died",
           (unsigned)ti.tcpi_state, (unsigned)ti.tcpi_probes);
    close(s);
    return up ? 0 : 3;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One timed connection and a 100-octet echo: 0 when the echo came back intact. */
static int connect_echo_one(const char *host, int port, uint64_t *connect_us, unsigned *retrans)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        die("address");
    uint64_t t0 = now_us();
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    *connect_us = now_us() - t0;
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len);
    *retrans = ti.tcpi_total_retrans;     /* a resent SYN counts */
    int ok = 0;
    if (rc == 0) {
        uint8_t out[100], in[100];
        size_t got = 0;
        cli_pattern_fill(0, out, sizeof out);
        if (send(s, out, sizeof out, MSG_NOSIGNAL) == (ssize_t)sizeof out) {
            while (got < sizeof in) {
                ssize_t k = recv(s, in + got, sizeof in - got, 0);
                if (k <= 0)
                    break;
                got += (size_t)k;
            }
        }
        ok = got == sizeof in && cli_pattern_check(0, in, got) == got;
    }
    close(s);
    return ok ? 0 : 1;
}

static int connect_echo(const char *host, int port, int n, int gap_ms)
{
    if (n <= 0 || n > 100000)
        return 2;
    uint64_t *us = calloc((size_t)n, sizeof *us);
    if (!us)
        die("calloc");
    int ok = 0;
    unsigned syn_retrans = 0;
    for (int i = 0; i < n; i++) {
        unsigned r = 0;
        int bad = connect_echo_one(host, port, &us[i], &r);
        ok += !bad;
        syn_retrans += r;
        printf("conn=%d connect_us=%llu retrans=%u result=%s\n", i, (unsigned long long)us[i], r,
               bad ? "failed" : "ok");
        if (gap_ms > 0)
            usleep((useconds_t)gap_ms * 1000u);
    }
    qsort(us, (size_t)n, sizeof *us, cmp_u64);
    printf("ok=%d\ntotal=%d\nconnect_us_median=%llu\nconnect_us_max=%llu\nsyn_retransmits=%u\n", ok,
           n, (unsigned long long)us[n / 2], (unsigned long long)us[n - 1], syn_retrans);
    free(us);
    return ok == n ? 0 : 1;
}

static int keepalive_args(int s, int argc, char **argv, int at)
{
    if (argc == at)
        return 0;
    if (argc != at + 4 || strcmp(argv[at], "--keepalive") != 0)
        return -1;
    set_keepalive(s, atoi(argv[at + 1]), atoi(argv[at + 2]), atoi(argv[at + 3]));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && !strcmp(argv[1], "echo-client"))
        return echo_client(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 5 && !strcmp(argv[1], "send-client"))
        return send_client(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "echo-server"))
        return echo_server(atoi(argv[2]));
    if (argc >= 5 && !strcmp(argv[1], "hold-client")) {
        int s = connect_to(argv[2], atoi(argv[3]));
        if (keepalive_args(s, argc, argv, 5) != 0)
            goto usage;
        printf("connected\n");
        return hold(s, atoi(argv[4]));
    }
    if (argc >= 4 && !strcmp(argv[1], "hold-server")) {
        int s = listen_on(atoi(argv[2]));
        if (keepalive_args(s, argc, argv, 4) != 0)
            goto usage;
        printf("connected\n");
        return hold(s, atoi(argv[3]));
    }
    if (argc == 6 && !strcmp(argv[1], "connect-echo"))
        return connect_echo(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
usage:
    fprintf(stderr, "usage: see the comment at the top of linux_peer.c\n");
    return 2;
}
