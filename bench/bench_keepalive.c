/* A million idle keep-alive connections: heap bytes per connection and CPU time per probe, next
 * to the peers measured in the same run: lwIP's struct tcp_pcb (Debian's liblwip-dev headers)
 * and Linux kernel TCP over loopback (slab growth per connection).
 * Usage: bench_keepalive [N vigil connections, default 1000000] [M kernel connections, default 2000] */
#define _GNU_SOURCE   /* TCP_KEEPIDLE, TCP_KEEPINTVL */
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim/simnet.h"
#include "tcp/tcb.h"

#ifdef VG_BENCH_HAVE_LWIP
size_t vg_bench_lwip_tcp_pcb_size(void);   /* bench/lwip_pcb_size.c */
#endif

#define SERVER_PORTS 16u        /* local ports stay below 65536 for a million connections */
#define KA_MS 1000u             /* idle time and interval: one probe per second per connection */
#define WINDOW_MS 5000u         /* virtual time each probe run covers */

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes handed out by malloc, small blocks and mmapped ones alike. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

struct vigil_result {
    size_t n;
    double bytes_per_endpoint;       /* heap growth of both stacks / 2N */
    double stack_bytes_per_conn;     /* the client stack's own tcb_bytes / tcbs_live */
    uint64_t tcbs_live;
    uint64_t probes_answered, probes_unanswered;
    double us_per_probe_answered, us_per_probe_unanswered;
    double setup_wall;
};

static int vigil_measure(size_t n, struct vigil_result *r)
{
    struct vg_link_params lp = {.latency_us = 500};
    vg_simnet *net = vg_simnet_new(7, &lp);
    struct vg_stack_config cfg[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&cfg[i], VG_PROFILE_WINDOWS_VISTA);
        cfg[i].addr = i ? 0xc0000202u : 0xc0000201u;
        cfg[i].seed = 11u + (uint64_t)i;
        /* Far past the default connection limit (262144): the point is a million TCBs. */
        cfg[i].max_tcbs = (uint32_t)n + SERVER_PORTS + 16u;
        cfg[i].max_backlog = (uint32_t)(n / SERVER_PORTS + 1);   /* all wait for accept at once */
    }
    if (!net || vg_simnet_add_host(net, &cfg[0]) != 0 || vg_simnet_add_host(net, &cfg[1]) != 1) {
        fprintf(stderr, "bench_keepalive: cannot build the simulated network\n");
        return -1;
    }
    vg_stack *cs = vg_simnet_stack(net, 0), *ss = vg_simnet_stack(net, 1);
    vg_tcb **client = malloc(n * sizeof *client);
    vg_tcb *listener[SERVER_PORTS];
    if (!client)
        return -1;
    for (unsigned k = 0; k < SERVER_PORTS; k++) {
        listener[k] = vg_tcp_open(ss);
        if (!listener[k] || vg_tcp_bind(listener[k], 0, (uint16_t)(8000 + k)) != 0
            || vg_tcp_listen(listener[k], (int)(n / SERVER_PORTS + 1)) != 0) {
            fprintf(stderr, "bench_keepalive: cannot listen on port %u\n", 8000 + k);
            return -1;
        }
    }

    double w0 = wall_seconds();
    size_t heap0 = heap_in_use();
    for (size_t i = 0; i < n; i++) {
        vg_tcb *t = vg_tcp_open(cs);
        vg_time now = vg_simnet_now(net);
        /* Vista semantics: keep-alive settings must be in place before connect (spec A6.8). */
        if (!t || vg_tcp_set_keepalive_time_ms(t, KA_MS, now) != 0
            || vg_tcp_set_keepalive_interval_ms(t, KA_MS, now) != 0
            || vg_tcp_set_keepalive(t, 1, now) != 0
            || vg_tcp_bind(t, 0, (uint16_t)(1024 + i / SERVER_PORTS)) != 0
            || vg_tcp_connect(t, 0xc0000202u, (uint16_t)(8000 + i % SERVER_PORTS), now) != 0) {
            fprintf(stderr, "bench_keepalive: connection %zu could not start\n", i);
            return -1;
        }
        client[i] = t;
        if (i % 1000 == 999)   /* let handshakes complete so the wire never holds a million SYNs */
            vg_simnet_run_until(net, vg_simnet_now(net) + 137);
    }
    vg_simnet_run_until(net, vg_simnet_now(net) + VG_MS(100));
    size_t accepted = 0;
    for (unsigned k = 0; k < SERVER_PORTS; k++)
        while (vg_tcp_accept(listener[k]))
            accepted++;
    size_t established = 0;
    for (size_t i = 0; i < n; i++)
        established += vg_tcp_state(client[i]) == VG_TCP_ESTABLISHED;
    if (accepted != n || established != n || vg_simnet_in_flight(net) != 0) {
        fprintf(stderr, "bench_keepalive: %zu accepted, %zu established of %zu, %zu packets in flight\n",
                accepted, established, n, vg_simnet_in_flight(net));
        return -1;
    }
    size_t heap1 = heap_in_use();
    r->setup_wall = wall_seconds() - w0;
    r->n = n;
    /* Both stacks live in this process and hold one TCB per connection each. */
    /* 0 when malloc is replaced (sanitizers, valgrind): mallinfo2 then sees nothing. */
    r->bytes_per_endpoint = heap1 > heap0 ? ((double)heap1 - (double)heap0) / (2.0 * (double)n) : 0;
    const struct vg_stack_stats *cst = vg_stack_stats(cs);
    r->tcbs_live = cst->tcbs_live;
    r->stack_bytes_per_conn = cst->tcbs_live ? (double)cst->tcb_bytes / (double)cst->tcbs_live : 0;

    /* Peer alive: every probe is answered, so the cost covers the client's timer and send, the
     * wire, the server's answer and the client's receipt of it. */
    uint64_t p0 = cst->ka_probes_sent, acked0 = cst->ka_probes_acked;
    double c0 = cpu_seconds();
    vg_simnet_run_until(net, vg_simnet_now(net) + VG_MS(WINDOW_MS));
    double c1 = cpu_seconds();
    r->probes_answered = cst->ka_probes_sent - p0;
    if (cst->ka_probes_acked - acked0 < r->probes_answered - n) {   /* the last may be in flight */
        fprintf(stderr, "bench_keepalive: only %llu of %llu probes answered\n",
                (unsigned long long)(cst->ka_probes_acked - acked0),
                (unsigned long long)r->probes_answered);
        return -1;
    }
    r->us_per_probe_answered = r->probes_answered ? (c1 - c0) * 1e6 / (double)r->probes_answered : 0;

    /* Peer down: nothing comes back, so the cost is the client's timer, probe and wire hand-off. */
    vg_simnet_set_host_up(net, 1, 0);
    uint64_t p1 = cst->ka_probes_sent, aborts1 = cst->ka_aborts;
    c0 = cpu_seconds();
    vg_simnet_run_until(net, vg_simnet_now(net) + VG_MS(WINDOW_MS));
    c1 = cpu_seconds();
    r->probes_unanswered = cst->ka_probes_sent - p1;
    if (cst->ka_aborts != aborts1) {
        fprintf(stderr, "bench_keepalive: %llu connections aborted during the unanswered run\n",
                (unsigned long long)(cst->ka_aborts - aborts1));
        return -1;
    }
    r->us_per_probe_unanswered = r->probes_unanswered ? (c1 - c0) * 1e6 / (double)r->probes_unanswered : 0;

    vg_simnet_free(net);
    free(client);
    return 0;
}

/* Kernel memory in slab objects: the sum of active objects times object size over every cache,
 * so the socket, inode, file and dentry a connection costs are all counted. -1 if unreadable. */
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

static long long meminfo_slab_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    long long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Slab: %lld kB", &kb) == 1)
            break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

static int set_keepalive(int fd)
{
    int on = 1, one_s = 1;
    return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) | setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &one_s, sizeof one_s)
           | setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &one_s, sizeof one_s);
}

/* M client connections to a listener on 127.0.0.1, keep-alive after 1 s every 1 s, held idle
 * for 1.5 s (so probes have run) and measured; everything is closed before returning.
 * Returns kernel bytes per endpoint (socket), or a negative value with *why set. */
static double kernel_measure(size_t m, const char **source, const char **why)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * m + 16) {
        rl.rlim_cur = rl.rlim_max < 2 * m + 16 ? rl.rlim_max : 2 * m + 16;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < 2 * m + 16) {
            *why = "file-descriptor limit too low for 2M sockets";
            return -1;
        }
    }
    long long (*probe)(void) = slab_bytes;
    *source = "/proc/slabinfo, all caches";
    if (probe() < 0) {
        probe = meminfo_slab_bytes;
        *source = "/proc/meminfo Slab";
        if (probe() < 0) {
            *why = "neither /proc/slabinfo nor /proc/meminfo is readable";
            return -1;
        }
    }
    int *fds = malloc(2 * m * sizeof *fds);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (!fds || l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 128) != 0
        || getsockname(l, (struct sockaddr *)&a, &alen) != 0) {
        *why = "cannot listen on 127.0.0.1";
        free(fds);
        if (l >= 0)
            close(l);
        return -1;
    }
    size_t open_fds = 0;
    double result = -1;
    long long before = probe();
    for (size_t i = 0; i < m; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0)
            break;
        fds[open_fds++] = c;
        if (set_keepalive(c) != 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0)
            break;
        int s = accept(l, NULL, NULL);
        if (s < 0)
            break;
        fds[open_fds++] = s;
    }
    if (open_fds == 2 * m) {
        struct timespec idle = {1, 500000000};
        nanosleep(&idle, NULL);
        long long after = probe();
        if (after > before)
            result = (double)(after - before) / (2.0 * (double)m);
        else
            *why = "slab memory did not grow: other activity on the machine freed more than we used";
    } else {
        *why = strerror(errno);
    }
    for (size_t i = 0; i < open_fds; i++)
        close(fds[i]);
    close(l);
    free(fds);
    return result;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t m = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
    if (n == 0 || n / SERVER_PORTS > 65535 - 1024 || m == 0) {
        fprintf(stderr, "usage: bench_keepalive [connections 1..%u] [kernel connections >0]\n",
                (65535 - 1024) * SERVER_PORTS);
        return 2;
    }
    struct vigil_result v;
    if (vigil_measure(n, &v) != 0)
        return 1;
    printf("vigil: %zu idle keep-alive connections (client tcbs_live %llu), TCB %zu B, ",
           v.n, (unsigned long long)v.tcbs_live, sizeof(struct vg_tcb));
    if (v.bytes_per_endpoint > 0)
        printf("%.0f B/connection endpoint (heap)", v.bytes_per_endpoint);
    else
        printf("heap per connection n/a (mallinfo2 saw no growth: malloc replaced by a sanitizer or valgrind?)");
    if (v.stack_bytes_per_conn > 0)
        printf(", %.0f B/connection (client stack's tcb_bytes)\n", v.stack_bytes_per_conn);
    else
        printf(", stack's tcb_bytes n/a (counter reads 0)\n");
    printf("vigil: %.3f us CPU per probe answered (%llu probes; client + peer + wire), "
           "%.3f us per probe unanswered (%llu probes; client timer + send + wire)\n",
           v.us_per_probe_answered, (unsigned long long)v.probes_answered,
           v.us_per_probe_unanswered, (unsigned long long)v.probes_unanswered);
    printf("vigil: setup of %zu connections took %.1f s wall\n", v.n, v.setup_wall);

#ifdef VG_BENCH_HAVE_LWIP
    size_t pcb = vg_bench_lwip_tcp_pcb_size();
    printf("lwIP 2.1 (Debian liblwip-dev): sizeof(struct tcp_pcb) %zu B; vigil/lwIP = %.2f (TCB size)",
           pcb, (double)sizeof(struct vg_tcb) / (double)pcb);
    if (v.bytes_per_endpoint > 0)
        printf(", %.2f (vigil heap per endpoint / tcp_pcb)", v.bytes_per_endpoint / (double)pcb);
    printf("\n");
#else
    printf("lwIP: n/a (liblwip-dev headers were not found at build time)\n");
#endif
    printf("lwIP: CPU per probe n/a (not run: Debian's liblwip is built with NO_SYS=0 and needs its tcpip thread and a netif)\n");

    const char *source = "", *why = "";
    double k = kernel_measure(m, &source, &why);
    if (k > 0 && v.bytes_per_endpoint > 0)
        printf("Linux kernel TCP (loopback, %zu connections, %s): %.0f B/connection endpoint; vigil/kernel = %.3f\n",
               m, source, k, v.bytes_per_endpoint / k);
    else if (k > 0)
        printf("Linux kernel TCP (loopback, %zu connections, %s): %.0f B/connection endpoint; ratio n/a\n",
               m, source, k);
    else
        printf("Linux kernel TCP: n/a (%s)\n", why);
    printf("Linux kernel TCP: CPU per probe n/a (probes run in softirq context, not charged to this process)\n");
    return 0;
}
