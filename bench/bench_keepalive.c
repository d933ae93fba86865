/* Idle keep-alive connections at scale: heap bytes per endpoint and CPU time per keep-alive probe,
 * for vigil at 10^4, 10^5 and 10^6 connections (two stacks in the simulator, virtual time). The
 * peers (lwIP, the Linux kernel) are measured by bench_peer_*; this program measures vigil only.
 *
 * Usage: bench_keepalive [--runs N] [--runs-1m N] [--quick] [--n CONNECTIONS] [--perf-ctl FIFO]
 *   --runs N      repeats at 10^4 and 10^5 (default 5); the scales interleave within each repeat
 *   --runs-1m N   repeats at 10^6 (default 3: one takes about 20 s of CPU)
 *   --quick       one run at 10^4 only (a smoke test of the program, not of its figures)
 *   --n N         one scale only, N connections, --runs times
 *   --perf-ctl F  writes "enable"/"disable" to F around the probe windows, for
 *                 `perf record -D -1 --control fifo:F`: a profile of the probes, not of the setup
 *   --wheel-prefetch B  the timer wheel's owner prefetch (vg_wheel_set_prefetch) in bytes, 0 off:
 *                 an A/B of that hint in one program (default: the stack's own setting)
 *
 * One line per measurement on stdout (the benchmark convention):
 *   VGBENCH {"suite":"memory","impl":"vigil","variant":"idle","n":...,"metric":"bytes_per_endpoint",...}
 *   VGBENCH {"suite":"probe","impl":"vigil","variant":"answered","n":...,"metric":"us_per_probe",...}
 * memory: growth of the heap (mallinfo2) over both stacks while n connections are set up, plus
 * the growth of what they mapped outside malloc (stats.slab_chunk_bytes: TCB slabs in 2 MiB
 * huge-page chunks, each counted whole), divided by the 2n endpoints: TCBs, slabs, hash
 * buckets, timers, all in. probe "answered":
 * CPU over a window of 5 million probes (5 s at 10^6) with the peer alive, divided by the probes sent (the client's timer and
 * probe, the wire, the server's lookup and answer, the client's receipt); "unanswered": the
 * peer is down (5 s), so the client's timer, probe and hand-off to the wire. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/simnet.h"
#include "tcp/tcb.h"
#include "util/vgb_clock.h"

#define SERVER_PORTS 16u        /* local ports stay below 65536 for a million connections */
#define KA_MS 1000u             /* idle time and interval: one probe per second per connection */
#define WINDOW_MS 5000u         /* virtual time each probe run covers, at least */
/* The answered run covers as many probes at every scale (5 s at 10^6, 500 s at 10^4): a run of
 * a few tens of milliseconds would sample whatever speed the shared host had at that moment, and
 * the growth figure compares scales. */
#define ANSWERED_PROBES 5000000u
#define MAX_SCALES 3

static long wheel_prefetch = -1;   /* --wheel-prefetch: -1 leaves the stack's setting */

/* Bytes handed out by malloc, small blocks and mmapped ones alike. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* What the stacks mapped themselves, outside malloc (TCB slabs in huge-page chunks, whole). */
static size_t mapped_in_use(vg_stack *a, vg_stack *b)
{
    return (size_t)(vg_stack_stats(a)->slab_chunk_bytes + vg_stack_stats(b)->slab_chunk_bytes);
}

static const char *perf_ctl;

static void perf_say(const char *what)
{
    if (!perf_ctl)
        return;
    FILE *f = fopen(perf_ctl, "w");
    if (f) {
        fprintf(f, "%s\n", what);
        fclose(f);
    }
}

struct result {
    double bytes_per_endpoint;       /* 0 when mallinfo2 sees no growth (malloc replaced) */
    double slab_bytes_per_endpoint;  /* the part in TCB slabs (stats.tcb_bytes of both stacks) */
    double us_answered, us_unanswered;
    double replaced_per_probe;       /* the client's timers re-placed down the wheel, answered run */
    unsigned long long probes_answered, probes_unanswered;
    size_t tcb_size;
};

/* One probe window, a function of its own so that a profiler can collect it alone
 * (valgrind --tool=callgrind --toggle-collect=probe_window). */
__attribute__((noinline)) static void probe_window(vg_simnet *net, uint64_t ms)
{
    vg_simnet_run_until(net, vg_simnet_now(net) + VG_MS(ms));
}

static int quick;

static uint64_t answered_window_ms(size_t n)
{
    uint64_t ms = (uint64_t)ANSWERED_PROBES / n * KA_MS;
    return quick || ms < WINDOW_MS ? WINDOW_MS : ms;
}

static int fail(const char *what, size_t i)
{
    fprintf(stderr, "bench_keepalive: %s (%zu)\n", what, i);
    return -1;
}

static int measure(size_t n, struct result *r)
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
    if (!net || vg_simnet_add_host(net, &cfg[0]) != 0 || vg_simnet_add_host(net, &cfg[1]) != 1)
        return fail("cannot build the simulated network", 0);
    vg_stack *cs = vg_simnet_stack(net, 0), *ss = vg_simnet_stack(net, 1);
    if (wheel_prefetch >= 0) {
        vg_wheel_set_prefetch(&cs->wheel, (uint32_t)wheel_prefetch);
        vg_wheel_set_prefetch(&ss->wheel, (uint32_t)wheel_prefetch);
    }
    vg_tcb **client = malloc(n * sizeof *client);
    vg_tcb *listener[SERVER_PORTS];
    if (!client)
        return fail("out of memory", n);
    for (unsigned k = 0; k < SERVER_PORTS; k++) {
        listener[k] = vg_tcp_open(ss);
        if (!listener[k] || vg_tcp_bind(listener[k], 0, (uint16_t)(8000 + k)) != 0
            || vg_tcp_listen(listener[k], (int)(n / SERVER_PORTS + 1)) != 0)
            return fail("cannot listen", k);
    }

    /* The client array is allocated before the baseline, so only the stacks' growth counts. */
    size_t heap0 = heap_in_use(), mapped0 = mapped_in_use(cs, ss);
    for (size_t i = 0; i < n; i++) {
        vg_tcb *t = vg_tcp_open(cs);
        vg_time now = vg_simnet_now(net);
        /* Vista semantics: keep-alive settings must be in place before connect (spec A6.8). */
        if (!t || vg_tcp_set_keepalive_time_ms(t, KA_MS, now) != 0
            || vg_tcp_set_keepalive_interval_ms(t, KA_MS, now) != 0
            || vg_tcp_set_keepalive(t, 1, now) != 0
            || vg_tcp_bind(t, 0, (uint16_t)(1024 + i / SERVER_PORTS)) != 0
            || vg_tcp_connect(t, 0xc0000202u, (uint16_t)(8000 + i % SERVER_PORTS), now) != 0)
            return fail("a connection could not start", i);
        client[i] = t;
        if (i % 1000 == 999)   /* let handshakes complete so the wire never holds a million SYNs */
            vg_simnet_run_until(net, vg_simnet_now(net) + 137);
    }
    vg_simnet_run_until(net, vg_simnet_now(net) + VG_MS(100));
    size_t accepted = 0, established = 0;
    for (unsigned k = 0; k < SERVER_PORTS; k++)
        while (vg_tcp_accept(listener[k]))
            accepted++;
    for (size_t i = 0; i < n; i++)
        established += vg_tcp_state(client[i]) == VG_TCP_ESTABLISHED;
    if (accepted != n || established != n || vg_simnet_in_flight(net) != 0)
        return fail("not every connection was established and accepted", established);
    size_t heap1 = heap_in_use(), mapped1 = mapped_in_use(cs, ss);
    /* No heap growth at all: malloc is not glibc's (a sanitizer), the figure would be wrong. */
    r->bytes_per_endpoint = heap1 > heap0
        ? ((double)heap1 - (double)heap0 + (double)mapped1 - (double)mapped0) / (2.0 * (double)n)
        : 0;
    r->tcb_size = sizeof(struct vg_tcb);
    r->slab_bytes_per_endpoint = ((double)vg_stack_stats(cs)->tcb_bytes
                                  + (double)vg_stack_stats(ss)->tcb_bytes) / (2.0 * (double)n);

    /* Peer alive: every probe is answered. */
    const struct vg_stack_stats *cst = vg_stack_stats(cs);
    uint64_t p0 = cst->ka_probes_sent, acked0 = cst->ka_probes_acked;
    perf_say("enable");
    double c0 = vgb_cpu_seconds();
    uint64_t replaced0 = cs->wheel.replaced;
    probe_window(net, answered_window_ms(n));
    double c1 = vgb_cpu_seconds();
    perf_say("disable");
    r->probes_answered = (unsigned long long)(cst->ka_probes_sent - p0);
    if (cst->ka_probes_acked - acked0 + n < r->probes_answered)   /* the last may be in flight */
        return fail("probes went unanswered with the peer up", (size_t)(cst->ka_probes_acked - acked0));
    r->us_answered = r->probes_answered ? (c1 - c0) * 1e6 / (double)r->probes_answered : 0;
    r->replaced_per_probe = r->probes_answered
        ? (double)(cs->wheel.replaced - replaced0) / (double)r->probes_answered : 0;

    /* Peer down: nothing comes back. */
    vg_simnet_set_host_up(net, 1, 0);
    uint64_t p1 = cst->ka_probes_sent, aborts1 = cst->ka_aborts;
    perf_say("enable");
    c0 = vgb_cpu_seconds();
    probe_window(net, WINDOW_MS);
    c1 = vgb_cpu_seconds();
    perf_say("disable");
    r->probes_unanswered = (unsigned long long)(cst->ka_probes_sent - p1);
    if (cst->ka_aborts != aborts1)
        return fail("connections aborted during the unanswered run", (size_t)(cst->ka_aborts - aborts1));
    r->us_unanswered = r->probes_unanswered ? (c1 - c0) * 1e6 / (double)r->probes_unanswered : 0;

    vg_simnet_free(net);
    free(client);
    return 0;
}

static void line(const char *suite, const char *variant, size_t n, const char *metric,
                 const char *unit, double value, int run)
{
    printf("VGBENCH {\"suite\":\"%s\",\"impl\":\"vigil\",\"variant\":\"%s\",\"n\":%zu,"
           "\"metric\":\"%s\",\"unit\":\"%s\",\"value\":%.4g,\"better\":\"lower\",\"run\":%d}\n",
           suite, variant, n, metric, unit, value, run);
    fflush(stdout);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int k)
{
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

#define MAX_RUNS 64

int main(int argc, char **argv)
{
    int runs = 5, runs_1m = 3;
    size_t only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--runs-1m") && i + 1 < argc)
            runs_1m = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            only = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--perf-ctl") && i + 1 < argc)
            perf_ctl = argv[++i];
        else if (!strcmp(argv[i], "--wheel-prefetch") && i + 1 < argc)
            wheel_prefetch = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_keepalive [--runs N] [--runs-1m N] [--quick] [--n N] "
                            "[--perf-ctl FIFO] [--wheel-prefetch BYTES]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || runs_1m < 0 || runs_1m > MAX_RUNS
        || (only && only / SERVER_PORTS > 65535 - 1024)) {
        fprintf(stderr, "bench_keepalive: runs 1..%d, --n up to %u\n", MAX_RUNS,
                (65535 - 1024) * SERVER_PORTS);
        return 2;
    }
    size_t scale[MAX_SCALES] = {10000, 100000, 1000000};
    int scale_runs[MAX_SCALES] = {runs, runs, runs_1m};
    int nscales = 3;
    if (quick) {
        nscales = 1;
        scale_runs[0] = 1;
    } else if (only) {
        scale[0] = only;
        nscales = 1;
    }
    if (!quick && !only && runs_1m < runs)
        printf("bench_keepalive: %d runs at 10^4 and 10^5, %d at 10^6 (each takes ~20 s of CPU; "
               "--runs-1m sets it)\n", runs, runs_1m);

    static double mem[MAX_SCALES][MAX_RUNS], ans[MAX_SCALES][MAX_RUNS], unans[MAX_SCALES][MAX_RUNS];
    double slab[MAX_SCALES] = {0}, replaced[MAX_SCALES] = {0};
    int done[MAX_SCALES] = {0};
    size_t tcb_size = 0;
    int most = 0;
    for (int k = 0; k < nscales; k++)
        most = scale_runs[k] > most ? scale_runs[k] : most;
    /* Scales interleave within a repeat, so a busy spell on the machine hits all of them. */
    for (int run = 1; run <= most; run++) {
        for (int k = 0; k < nscales; k++) {
            if (run > scale_runs[k])
                continue;
            struct result r;
            if (measure(scale[k], &r) != 0)
                return 1;
            tcb_size = r.tcb_size;
            if (r.bytes_per_endpoint > 0)
                line("memory", "idle", scale[k], "bytes_per_endpoint", "B", r.bytes_per_endpoint, run);
            else if (run == 1)
                printf("VGBENCH-SKIP {\"suite\":\"memory\",\"impl\":\"vigil\",\"why\":\"mallinfo2 sees "
                       "no heap growth: malloc replaced (sanitizer or valgrind)\"}\n");
            line("probe", "answered", scale[k], "us_per_probe", "us CPU", r.us_answered, run);
            line("probe", "unanswered", scale[k], "us_per_probe", "us CPU", r.us_unanswered, run);
            mem[k][done[k]] = r.bytes_per_endpoint;
            slab[k] = r.slab_bytes_per_endpoint;
            replaced[k] = r.replaced_per_probe;
            ans[k][done[k]] = r.us_answered;
            unans[k][done[k]] = r.us_unanswered;
            done[k]++;
        }
    }

    printf("vigil: struct vg_tcb %zu B; medians of interleaved runs:\n", tcb_size);
    double ans_med[MAX_SCALES];
    for (int k = 0; k < nscales; k++) {
        double m = median(mem[k], done[k]);
        ans_med[k] = median(ans[k], done[k]);
        printf("  n=%-8zu %3d runs  %6.1f B/endpoint (%.1f in TCB slabs, the rest hash buckets and "
               "queues)  %.3f us/probe answered  %.3f us/probe unanswered  %.2f wheel "
               "re-placements/probe\n",
               scale[k], done[k], m, slab[k], ans_med[k], median(unans[k], done[k]), replaced[k]);
    }
    if (nscales == 3 && ans_med[0] > 0)
        printf("  probe cost growth 10^4 -> 10^6: %.2fx (answered)\n", ans_med[2] / ans_med[0]);
    return 0;
}
