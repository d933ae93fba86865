/* The peers' cost of idle keep-alive connections, for the rows vigil's bench_keepalive prints:
 * bytes per idle endpoint (suite "memory") and CPU per keep-alive probe and its answer (suite
 * "probe"), keep-alive after 1 s idle every 1 s on the client side.
 * - lwIP (NO_SYS=1, raw pcbs, 10^4 connections): memory from lwIP's own pool and heap
 *   statistics; CPU of the process over 5 s of virtual time of probes and answers, per probe.
 * - Linux (loopback of a namespace of its own, 10^4 and 10^5 connections): slab growth per
 *   endpoint; keep-alive timers run in softirq context, charged to whatever runs, so CPU per
 *   probe is the machine's softirq time (/proc/stat; timer, transmission and loopback delivery
 *   all run there) over a window with probes minus an interleaved window of the same length
 *   with keep-alive off, per probe counted by the namespace's TcpExt TCPKeepAlive. The kernel
 *   accounts that time in ticks (10 ms) unless built with IRQ_TIME_ACCOUNTING, and the window
 *   also sees other processes' softirq work (their network, block I/O): the difference is exact
 *   only on average, to about a tick per window.
 * Usage: bench_peer_idle [--runs N] [--quick] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vgb_linux.h"
#include "vgb_report.h"
#ifdef VGB_HAVE_LWIP
#include "../lwip/vgb_lwip.h"
#endif

#define MEM_METRIC "bytes_per_endpoint", "B per idle endpoint"
#define PROBE_METRIC "us_per_probe", "us CPU per probe + answer"
#define PER_LISTENER 20000L     /* client ports per listener port (the namespace's range is widened) */

#ifdef VGB_HAVE_LWIP
static int lwip_run(long n, unsigned window_ms, int run)
{
    size_t m0 = vgb_lwip_mem_in_use();
    if (vgb_lwip_idle_open(n, 1000) != 0) {
        fprintf(stderr, "bench_peer_idle: lwIP could not open %ld connections\n", n);
        vgb_lwip_idle_close();
        return -1;
    }
    size_t m1 = vgb_lwip_mem_in_use();
    uint64_t probes, answers;
    double c0 = vgb_cpu_seconds();
    vgb_lwip_idle_run(window_ms, &probes, &answers);
    double cpu = vgb_cpu_seconds() - c0;
    long alive = vgb_lwip_idle_alive();
    vgb_lwip_idle_close();
    if (alive != n || probes == 0) {
        fprintf(stderr, "bench_peer_idle: lwIP: %ld of %ld alive, %llu probes\n", alive, n,
                (unsigned long long)probes);
        return -1;
    }
    vgb_emit("memory", "lwip", "raw-pcb", n, MEM_METRIC, (double)(m1 - m0) / (2.0 * (double)n), "lower", run);
    vgb_emit("probe", "lwip", "raw-pcb", n, PROBE_METRIC, cpu * 1e6 / (double)probes, "lower", run);
    printf("lwIP n=%ld: %llu probes, %llu answers in %u ms virtual, %.3f s CPU\n", n,
           (unsigned long long)probes, (unsigned long long)answers, window_ms, cpu);
    return 0;
}
#endif

/* Kernel memory in slab objects: active objects times object size over every cache. */
static long long slab_bytes(void)
{
    FILE *f = fopen("/proc/slabinfo", "r");
    if (!f)
        return -1;
    char line[512];
    long long total = 0;
    while (fgets(line, sizeof line, f)) {
        char name[128];
        long long active, num, size;
        if (line[0] != '#' && sscanf(line, "%127s %lld %lld %lld", name, &active, &num, &size) == 4)
            total += active * size;
    }
    fclose(f);
    return total;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int set_keepalive(int fd, int on)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &one, sizeof one)
           | setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &one, sizeof one)
           | setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
}

/* The Linux connections live in worker processes of at most WORKER_CONNS connections each
 * (both ends: 2 descriptors per connection), so neither end needs a descriptor limit above what
 * an unprivileged process may have; the workers share the namespace. The parent sends each a
 * command byte and waits for its answer. */
#define WORKER_CONNS 9000L

struct lx_worker {
    pid_t pid;
    int cmd, ack;    /* parent's ends of the two pipes */
};

static void worker_main(long first, long count, int cmd, int ack)
{
    int *fd = malloc((size_t)(2 * count) * sizeof *fd);
    long open = 0;
    char c = 'e';
    for (long i = 0; fd && i < count; i++) {
        int k = (int)((first + i) / PER_LISTENER);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(9000 + k)),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int f = socket(AF_INET, SOCK_STREAM, 0);
        if (f < 0)
            break;
        fd[open++] = f;
        if (connect(f, (struct sockaddr *)&a, sizeof a) != 0)
            break;
        /* the listener is the parent's, at descriptor 3 + k (see lx_open) */
        int s = accept(3 + k, NULL, NULL);
        if (s < 0)
            break;
        fd[open++] = s;
    }
    if (open == 2 * count)
        c = 'r';
    if (write(ack, &c, 1) != 1)
        _exit(1);
    while (read(cmd, &c, 1) == 1) {
        if (c == 'q')
            break;
        int rc = 0;
        for (long i = 0; i < count; i++)
            rc |= set_keepalive(fd[2 * i], c == 'k');
        c = rc ? 'e' : 'r';
        if (write(ack, &c, 1) != 1)
            break;
    }
    struct linger lg = {1, 0};   /* RST: no TIME_WAIT left over for the next run's slab count */
    for (long i = 0; i < open; i++) {
        setsockopt(fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd[i]);
    }
    c = 'r';
    if (write(ack, &c, 1) != 1)
        _exit(1);
    _exit(0);
}

struct lx_conns {
    struct lx_worker w[64];
    int nw;
    int listeners[16];
    int nl;
};

/* Every worker runs command c; 0 when all answered that it worked. */
static int lx_command(struct lx_conns *c, char cmd)
{
    int rc = 0;
    for (int i = 0; i < c->nw; i++)
        if (write(c->w[i].cmd, &cmd, 1) != 1)
            rc = -1;
    for (int i = 0; i < c->nw; i++) {
        char r = 'e';
        if (read(c->w[i].ack, &r, 1) != 1 || r != 'r')
            rc = -1;
    }
    return rc;
}

static void lx_close(struct lx_conns *c)
{
    lx_command(c, 'q');
    for (int i = 0; i < c->nw; i++) {
        close(c->w[i].cmd);
        close(c->w[i].ack);
        waitpid(c->w[i].pid, NULL, 0);
    }
    for (int i = 0; i < c->nl; i++)
        close(c->listeners[i]);
    c->nw = c->nl = 0;
}

static int lx_open(struct lx_conns *c, long n, const char **why)
{
    memset(c, 0, sizeof *c);
    c->nl = (int)((n + PER_LISTENER - 1) / PER_LISTENER);
    if (c->nl > 16 || (n + WORKER_CONNS - 1) / WORKER_CONNS > 64) {
        *why = "too many connections";
        return -1;
    }
    for (int k = 0; k < c->nl; k++) {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(9000 + k)),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int on = 1;
        /* Workers find listener k at descriptor 3 + k. */
        if (l >= 0 && l != 3 + k) {
            int d = dup2(l, 3 + k);
            close(l);
            l = d;
        }
        if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0
            || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 4096) != 0) {
            *why = "cannot listen on 127.0.0.1";
            return -1;
        }
        c->listeners[k] = l;
    }
    for (long first = 0; first < n; first += WORKER_CONNS) {
        long count = n - first < WORKER_CONNS ? n - first : WORKER_CONNS;
        int cmd[2], ack[2];
        if (pipe(cmd) != 0 || pipe(ack) != 0) {
            *why = "pipe failed";
            return -1;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            *why = "fork failed";
            return -1;
        }
        if (pid == 0) {
            close(cmd[1]);
            close(ack[0]);
            worker_main(first, count, cmd[0], ack[1]);
        }
        close(cmd[0]);
        close(ack[1]);
        struct lx_worker *w = &c->w[c->nw++];
        w->pid = pid;
        w->cmd = cmd[1];
        w->ack = ack[0];
        char r = 'e';
        if (read(w->ack, &r, 1) != 1 || r != 'r') {
            *why = "a worker could not open its connections";
            return -1;
        }
    }
    return 0;
}

/* Keep-alive on every client; returns 0 when every setsockopt took. */
static int lx_keepalive(struct lx_conns *c, int on)
{
    return lx_command(c, on ? 'k' : 'o');
}

static int linux_run(long n, double window_s, int run)
{
    const char *why = "";
    struct lx_conns c;
    long long s0 = slab_bytes();
    if (lx_open(&c, n, &why) != 0) {
        fprintf(stderr, "bench_peer_idle: Linux could not open %ld connections: %s\n", n, why);
        lx_close(&c);
        return -1;
    }
    sleep_s(0.2);
    long long s1 = slab_bytes();
    if (s0 >= 0 && s1 > s0)
        vgb_emit("memory", "linux", "loopback", n, MEM_METRIC, (double)(s1 - s0) / (2.0 * (double)n), "lower", run);
    else
        fprintf(stderr, "bench_peer_idle: slab did not grow (or /proc/slabinfo unreadable)\n");

    /* Keep-alive off, then on: each window starts after the setsockopt calls have settled. */
    double base = 0, with = 0;
    long long probes = 0;
    for (int on = 0; on <= 1; on++) {
        lx_keepalive(&c, on);
        sleep_s(0.3);
        long long p0 = vgb_tcpext("TCPKeepAlive");
        double k0 = vgb_softirq_seconds();
        sleep_s(window_s);
        double k1 = vgb_softirq_seconds();
        long long p1 = vgb_tcpext("TCPKeepAlive");
        if (on) {
            with = k1 - k0;
            probes = p1 - p0;
        } else {
            base = k1 - k0;
        }
    }
    lx_keepalive(&c, 0);
    lx_close(&c);
    printf("Linux n=%ld: %lld probes in %.1f s; softirq time %.3f s with probes, %.3f s without\n",
           n, probes, window_s, with, base);
    if (probes <= 0 || with <= base) {
        fprintf(stderr, "bench_peer_idle: Linux n=%ld: no probe cost seen (%lld probes, %.3f s vs %.3f s)\n",
                n, probes, with, base);
        return 0;   /* noise on a busy machine, not a failure of the program */
    }
    vgb_emit("probe", "linux", "loopback", n, PROBE_METRIC, (with - base) * 1e6 / (double)probes, "lower", run);
    return 0;
}

/* The namespace's ephemeral range, widened so 10^5 connections fit on a few listener ports. */
static void widen_port_range(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "w");
    if (f) {
        fprintf(f, "10000 65000\n");
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    struct vgb_args a;
    vgb_parse_args(argc, argv, &a, "bench_peer_idle");
    long linux_n[2] = {a.quick ? 1000 : 10000, a.quick ? 0 : 100000};
    double linux_window_s = a.quick ? 1.2 : 3.0;

    char why[256] = "";
    int have_linux = vgb_netns_enter(why, sizeof why) == 0;
    if (!have_linux) {
        vgb_skip("memory", "linux", "loopback", why);
        vgb_skip("probe", "linux", "loopback", why);
    } else {
        widen_port_range();
        if (slab_bytes() < 0)
            vgb_skip("memory", "linux", "loopback", "/proc/slabinfo unreadable");
        if (vgb_tcpext("TCPKeepAlive") < 0 || vgb_softirq_seconds() < 0)
            vgb_skip("probe", "linux", "loopback", "no TcpExt TCPKeepAlive or /proc/stat");
    }
#ifdef VGB_HAVE_LWIP
    long lwip_n = a.quick ? 1000 : 10000;
    unsigned lwip_window_ms = a.quick ? 2000 : 5000;
    int have_lwip = vgb_lwip_init() == 0;
#else
    vgb_skip("memory", "lwip", "raw-pcb", "built without lwIP's source (VG_LWIP_SOURCE_DIR)");
    vgb_skip("probe", "lwip", "raw-pcb", "built without lwIP's source (VG_LWIP_SOURCE_DIR)");
#endif
    int status = 0;
    for (int run = 1; run <= a.runs; run++) {
#ifdef VGB_HAVE_LWIP
        if (have_lwip && lwip_run(lwip_n, lwip_window_ms, run) != 0)
            status = 1;
#endif
        for (int i = 0; have_linux && i < 2; i++)
            if (linux_n[i] && linux_run(linux_n[i], linux_window_s, run) != 0)
                status = 1;
    }
    return status;
}
