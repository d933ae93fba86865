/* Goodput on a long fat path in the simulator (virtual time), against the Mathis bound: the
 * figures issue 12's "Must hold" list is judged by. Host 192.0.2.1 sends a bulk transfer to
 * 192.0.2.2 over a 1 Gbit/s link with 20 ms one-way latency (40 ms RTT) and random loss on
 * every packet, both directions (the link's loss, as `vigil transfer --loss P` has it), for each
 * congestion control the build offers.
 *
 * Usage: bench_paths [--runs N] [--seeds N] [--quick] [--bytes N] [--clean-bytes N]
 *                    [--loss P[,P...]]
 *   --runs N         repeats (default 3); each run takes its own seeds, so runs are samples
 *   --seeds N        transfers per row and run, whose median is the run's figure (default 5)
 *   --quick          one run of one seed with small transfers (a smoke test: figures mean nothing)
 *   --bytes N        bytes per transfer on a lossy link (default 20,000,000, as the issue's
 *                    `vigil transfer --bytes 20000000` figures)
 *   --clean-bytes N  bytes per transfer without loss (default 1,000,000,000: at 1 Gbit/s and
 *                    40 ms a 20 MB transfer is mostly slow start, and even 200 MB spends a
 *                    fifth of its time there). Without loss every seed gives the same transfer
 *                    (nothing random happens on the link), so a clean row takes one seed.
 *   --loss LIST      the loss probabilities, comma-separated (default 0,0.01,0.05)
 *
 * Goodput is the bytes the receiver read, divided by the virtual time from the sender's
 * connection being established to the receiver's reading the last byte. One line per row and
 * run (the benchmark convention), with the row's model figures as extra keys:
 *   VGBENCH {"suite":"path","impl":"vigil","variant":"cubic-loss1pct","n":0,
 *            "metric":"goodput_mbit_per_s","unit":"Mbit/s (virtual time)","value":...,
 *            "better":"higher","run":1,"loss":0.01,"rtt_ms":40,"mathis_mbit_per_s":...,
 *            "ratio_mathis":...,"cpu_s":...,"seeds":5,...}
 * The Mathis bound is 1.22 * MSS / (RTT * sqrt(p)) with MSS 1460 (MTU 1500 without TCP options:
 * once timestamps take 12 octets of every segment the payload is 1448, so the bound quoted is
 * 0.8 % above what such a sender could carry, never below) and RTT the 40 ms of propagation.
 * cpu_s is the process's CPU time for the row's transfers. Virtual-time figures are exact: the
 * same seeds give the same figures on any machine; only cpu_s depends on the host.
 *
 * Built where vg_stack_config has .cc (enum vg_cc_algo), every row runs once with CUBIC and once
 * with NewReno, and each run also prints CUBIC / NewReno; otherwise the stack's only algorithm
 * runs, as the variant "default". */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/simnet.h"
#include "util/vgb_clock.h"
#include "vigil/vigil.h"

#define ADDR_A 0xc0000201u
#define ADDR_B 0xc0000202u
#define PORT_B 5001
#define CHUNK 65536
#define RTT_MS 40
#define LINK_MBPS 1000
#define MSS_BYTES 1460
/* Give up when no byte arrives for this long: the transfer is stuck, not slow. */
#define NO_PROGRESS_LIMIT VG_MS(3600000)
#define MAX_LOSSES 8
#define MAX_SEEDS 64

struct cc_choice {
    const char *name;
    int algo;   /* enum vg_cc_algo, or -1: the stack's default */
};
#ifdef VGB_HAVE_CC_SELECT
static const struct cc_choice CCS[] = {{"cubic", VG_CC_CUBIC}, {"newreno", VG_CC_NEWRENO}};
#else
static const struct cc_choice CCS[] = {{"default", -1}};
#endif
#define NCC ((int)(sizeof CCS / sizeof CCS[0]))

/* One transfer's outcome. */
struct result {
    double goodput_mbps;   /* virtual time */
    double virt_s;
    uint64_t retransmits, fast;   /* the sender's segments retransmitted, and by fast retransmit */
    int ok;
};

static vg_simnet *make_net(uint64_t seed, double loss, int algo)
{
    struct vg_link_params lp = {
        .latency_us = RTT_MS * 1000 / 2,
        .bandwidth_bps = (uint64_t)LINK_MBPS * 1000000u,
        .loss = loss,
    };
    vg_simnet *n = vg_simnet_new(seed, &lp);
    if (!n)
        return NULL;
    uint32_t addr[2] = {ADDR_A, ADDR_B};
    for (int i = 0; i < 2; i++) {
        struct vg_stack_config cfg;
        vg_stack_config_default(&cfg, VG_PROFILE_WINDOWS_VISTA);
        cfg.addr = addr[i];
        cfg.prefix_len = 24;
        cfg.seed = seed * 2 + (uint64_t)i;
        /* As vigil transfer: the transfer retries for as long as it takes, at any loss. */
        cfg.max_retransmissions = UINT32_MAX;
        cfg.synack_retries = 255;
#ifdef VGB_HAVE_CC_SELECT
        if (algo >= 0)
            cfg.cc = algo;
#else
        (void)algo;
#endif
        if (vg_simnet_add_host(n, &cfg) != i) {
            vg_simnet_free(n);
            return NULL;
        }
    }
    return n;
}

/* Sends total bytes from host 0 to host 1 and measures the goodput. */
static struct result transfer(uint64_t seed, double loss, int algo, uint64_t total)
{
    static uint8_t zeros[CHUNK];
    struct result res = {0};
    vg_simnet *net = make_net(seed, loss, algo);
    if (!net)
        return res;
    vg_stack *a = vg_simnet_stack(net, 0), *b = vg_simnet_stack(net, 1);
    vg_tcb *l = vg_tcp_open(b), *tx = vg_tcp_open(a), *rx = NULL;
    if (!l || !tx || vg_tcp_bind(l, ADDR_B, PORT_B) || vg_tcp_listen(l, 1) ||
        vg_tcp_connect(tx, ADDR_B, PORT_B, vg_simnet_now(net))) {
        vg_simnet_free(net);
        return res;
    }
    vg_time last_progress = vg_simnet_now(net), start = VG_TIME_NEVER;
    uint64_t sent = 0, received = 0;
    int shut = 0;
    while (received < total) {
        vg_time now = vg_simnet_now(net);
        if (start == VG_TIME_NEVER && vg_tcp_state(tx) == VG_TCP_ESTABLISHED) {
            start = now;
            vg_tcp_set_maxrt_ms(tx, VG_MAXRT_FOREVER);
        }
        if (!rx && (rx = vg_tcp_accept(l)) != NULL)
            vg_tcp_set_maxrt_ms(rx, VG_MAXRT_FOREVER);
        while (start != VG_TIME_NEVER && sent < total) {
            uint64_t left = total - sent;
            long n = vg_tcp_send(tx, zeros, left < CHUNK ? (size_t)left : CHUNK, now);
            if (n <= 0)
                break;
            sent += (uint64_t)n;
        }
        if (sent == total && !shut && vg_tcp_shutdown_send(tx, now) == 0)
            shut = 1;
        for (long n; rx && (n = vg_tcp_skip(rx, SIZE_MAX, now)) > 0;) {
            received += (uint64_t)n;
            last_progress = now;
        }
        if (received >= total)
            break;
        if (vg_tcp_error(tx) || (rx && vg_tcp_error(rx)))
            break;
        if (!vg_simnet_step(net, last_progress + NO_PROGRESS_LIMIT))
            break;
    }
    if (received == total && start != VG_TIME_NEVER) {
        res.virt_s = (double)(vg_simnet_now(net) - start) / 1e6;
        res.goodput_mbps = res.virt_s > 0 ? (double)total * 8 / res.virt_s / 1e6 : 0;
        res.ok = 1;
    }
    const struct vg_stack_stats *st = vg_stack_stats(a);
    res.retransmits = st->tcp_retransmits;
    res.fast = st->tcp_fast_retransmits;
    vg_simnet_free(net);
    return res;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double mathis_mbps(double loss)
{
    if (loss <= 0)
        return 0;
    return 1.22 * MSS_BYTES * 8 / (RTT_MS / 1000.0 * sqrt(loss)) / 1e6;
}

static void variant_name(char *buf, size_t len, const char *cc, double loss)
{
    snprintf(buf, len, "%s-loss%gpct", cc, loss * 100);
}

/* One row of one run: the median of its seeds' transfers. */
struct row {
    double goodput, virt, retransmits, fast, cpu;
    int failed;
};

static struct row measure(int run, double loss, int algo, int seeds, uint64_t bytes)
{
    double g[MAX_SEEDS], v[MAX_SEEDS], rt[MAX_SEEDS], fr[MAX_SEEDS];
    struct row r = {0};
    double cpu0 = vgb_cpu_seconds();
    for (int s = 0; s < seeds; s++) {
        /* Every run its own seeds, the same for every algorithm of that run: one loss pattern
         * (to the extent the algorithms send the same packets) judges both. */
        struct result x = transfer((uint64_t)run * 1000 + (uint64_t)s + 1, loss, algo, bytes);
        if (!x.ok)
            r.failed++;
        g[s] = x.goodput_mbps;
        v[s] = x.virt_s;
        rt[s] = (double)x.retransmits;
        fr[s] = (double)x.fast;
    }
    r.cpu = vgb_cpu_seconds() - cpu0;
    r.goodput = median(g, seeds);
    r.virt = median(v, seeds);
    r.retransmits = median(rt, seeds);
    r.fast = median(fr, seeds);
    return r;
}

static void emit(const char *cc, double loss, int run, int seeds, uint64_t bytes,
                 const struct row *r)
{
    char var[64];
    variant_name(var, sizeof var, cc, loss);
    double m = mathis_mbps(loss);
    printf("VGBENCH {\"suite\":\"path\",\"impl\":\"vigil\",\"variant\":\"%s\",\"n\":0,"
           "\"metric\":\"goodput_mbit_per_s\",\"unit\":\"Mbit/s (virtual time)\",\"value\":%.6g,"
           "\"better\":\"higher\",\"run\":%d,\"cc\":\"%s\",\"loss\":%g,\"rtt_ms\":%d,"
           "\"link_mbit_per_s\":%d,\"bytes\":%llu,\"seeds\":%d,\"virtual_s\":%.6g,",
           var, r->goodput, run, cc, loss, RTT_MS, LINK_MBPS, (unsigned long long)bytes, seeds,
           r->virt);
    if (m > 0)
        printf("\"mathis_mbit_per_s\":%.6g,\"ratio_mathis\":%.4g,", m, r->goodput / m);
    else
        printf("\"mathis_mbit_per_s\":null,\"ratio_mathis\":null,");
    printf("\"retransmits\":%g,\"fast_retransmits\":%g,\"cpu_s\":%.4g}\n", r->retransmits, r->fast,
           r->cpu);
}

static int parse_losses(const char *s, double *out)
{
    int n = 0;
    while (*s && n < MAX_LOSSES) {
        char *end;
        double p = strtod(s, &end);
        if (end == s || p < 0 || p >= 1)
            return -1;
        out[n++] = p;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return *s ? -1 : n;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_paths [--runs N] [--seeds N] [--quick] [--bytes N] "
                    "[--clean-bytes N] [--loss P[,P...]]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int runs = 3, seeds = 5, quick = 0;
    uint64_t bytes = 20000000, clean_bytes = 1000000000;
    double losses[MAX_LOSSES] = {0, 0.01, 0.05};
    int nloss = 3;
    const char *runs_arg = NULL, *seeds_arg = NULL, *bytes_arg = NULL, *clean_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs_arg = argv[++i];
        else if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds_arg = argv[++i];
        else if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
            bytes_arg = argv[++i];
        else if (!strcmp(argv[i], "--clean-bytes") && i + 1 < argc)
            clean_arg = argv[++i];
        else if (!strcmp(argv[i], "--loss") && i + 1 < argc) {
            if ((nloss = parse_losses(argv[++i], losses)) <= 0)
                usage();
        } else
            usage();
    }
    if (quick) {
        runs = 1, seeds = 1;
        bytes = 1000000, clean_bytes = 5000000;
    }
    if (runs_arg)
        runs = atoi(runs_arg);
    if (seeds_arg)
        seeds = atoi(seeds_arg);
    if (bytes_arg)
        bytes = strtoull(bytes_arg, NULL, 10);
    if (clean_arg)
        clean_bytes = strtoull(clean_arg, NULL, 10);
    if (runs < 1 || seeds < 1 || seeds > MAX_SEEDS || bytes == 0 || clean_bytes == 0)
        usage();

    printf("bench_paths: %d ms RTT, %d Mbit/s link, random loss on every packet both ways; "
           "%llu bytes per transfer (%llu without loss, one seed), median of %d seeds per row, %d runs%s\n",
           RTT_MS, LINK_MBPS, (unsigned long long)bytes, (unsigned long long)clean_bytes, seeds,
           runs, NCC > 1 ? "" : "; this build has no choice of congestion control (the default only)");
    int failed = 0;
    double med[MAX_LOSSES][2][64];
    for (int run = 1; run <= runs; run++) {
        for (int li = 0; li < nloss; li++) {
            double loss = losses[li];
            uint64_t n = loss > 0 ? bytes : clean_bytes;
            int sd = loss > 0 ? seeds : 1;
            struct row r[2];
            for (int c = 0; c < NCC; c++) {
                r[c] = measure(run, loss, CCS[c].algo, sd, n);
                failed += r[c].failed;
                emit(CCS[c].name, loss, run, sd, n, &r[c]);
                if (run <= 64)
                    med[li][c][run - 1] = r[c].goodput;
            }
            double m = mathis_mbps(loss);
            printf("  run %d loss %g%%:", run, loss * 100);
            for (int c = 0; c < NCC; c++) {
                printf(" %s %.4g Mbit/s (%.4g s virtual, %g retransmits, %g of them fast, %.3f s CPU",
                       CCS[c].name, r[c].goodput, r[c].virt, r[c].retransmits, r[c].fast,
                       r[c].cpu);
                if (m > 0)
                    printf(", %.3g x Mathis", r[c].goodput / m);
                printf(");");
            }
            if (m > 0)
                printf(" Mathis %.4g Mbit/s", m);
            if (NCC > 1 && r[1].goodput > 0)
                printf("%s%s/%s %.3g", m > 0 ? "; " : " ", CCS[0].name, CCS[1].name,
                       r[0].goodput / r[1].goodput);
            printf("\n");
        }
    }
    int shown = runs < 64 ? runs : 64;
    printf("bench_paths: medians of %d runs (Mbit/s of virtual time):\n", shown);
    for (int li = 0; li < nloss; li++) {
        double m = mathis_mbps(losses[li]), g[2] = {0, 0};
        char pct[32];
        snprintf(pct, sizeof pct, "%g%%", losses[li] * 100);
        printf("  loss %-6s", pct);
        for (int c = 0; c < NCC; c++) {
            g[c] = median(med[li][c], shown);
            printf("  %-8s %10.4g", CCS[c].name, g[c]);
            if (m > 0)
                printf(" (%.3g x Mathis)", g[c] / m);
        }
        if (m > 0)
            printf("  Mathis %.4g", m);
        if (NCC > 1 && g[1] > 0)
            printf("  %s/%s %.3g", CCS[0].name, CCS[1].name, g[0] / g[1]);
        printf("\n");
    }
    if (failed) {
        fprintf(stderr, "bench_paths: %d transfers did not complete\n", failed);
        return 1;
    }
    return 0;
}
