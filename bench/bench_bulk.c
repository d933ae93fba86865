/* Bulk transfer at MTU 1500 in one process, per CPU-second, side by side: vigil (two stacks on an
 * in-process link, with the link's checksum and TSO offloads declared and without), lwIP (two
 * netifs, NO_SYS=1) and Linux (loopback of a namespace of its own, GSO on and off). Runs
 * interleave the implementations; each prints a VGBENCH line (README "Performance").
 * Usage: bench_bulk [--runs N] [--quick] */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vigil/vigil.h>

#include "vgb_linux.h"
#include "vgb_linux_tcp.h"
#include "vgb_report.h"
#include "vgb_vigil_pair.h"
#ifdef VGB_HAVE_LWIP
#include "../lwip/vgb_lwip.h"
#endif

#define SUITE "bulk"
#define METRIC "gbit_per_cpu_s", "Gbit/s per CPU-s"
#define PORT 5001u

static uint8_t appbuf[65536];    /* the application's buffer, both directions */

static double gbit_per_cpu_s(uint64_t bytes, double cpu)
{
    return cpu > 0 ? (double)bytes * 8.0 / 1e9 / cpu : 0;
}

/* One connection A -> B carrying total bytes through vg_tcp_send / vg_tcp_recv; CPU seconds of
 * the transfer (handshake excluded), or -1. verbose: says how many frames crossed the link. */
static double vigil_bulk(unsigned offloads, unsigned rx_flags, uint64_t total, int verbose)
{
    struct vgb_pair p;
    double cpu = -1;
    if (vgb_pair_init(&p, offloads, rx_flags, 0) != 0)
        goto out;
    vg_tcb *l = vg_tcp_open(p.s[1]), *c = vg_tcp_open(p.s[0]), *s = NULL;
    if (!l || !c || vg_tcp_bind(l, 0, PORT) != 0 || vg_tcp_listen(l, 4) != 0
        || vg_tcp_connect(c, VGB_ADDR_B, PORT, p.now) != 0)
        goto out;
    for (int i = 0; i < 1000 && !s; i++) {
        if (vgb_pair_pump(&p) == 0)
            vgb_pair_advance(&p);
        s = vg_tcp_accept(l);
    }
    if (!s || vg_tcp_state(c) != VG_TCP_ESTABLISHED)
        goto out;
    uint64_t sent = 0, received = 0;
    long idle = 0;
    double c0 = vgb_cpu_seconds();
    while (received < total) {
        int moved = 0;
        while (sent < total) {
            size_t want = total - sent < sizeof appbuf ? (size_t)(total - sent) : sizeof appbuf;
            long n = vg_tcp_send(c, appbuf, want, p.now);
            if (n <= 0)
                break;
            sent += (uint64_t)n;
            moved = 1;
        }
        moved |= vgb_pair_pump(&p) > 0;
        long n;
        while ((n = vg_tcp_recv(s, appbuf, sizeof appbuf, p.now)) > 0) {
            received += (uint64_t)n;
            moved = 1;
        }
        if (!moved) {
            vgb_pair_advance(&p);
            if (++idle > 1000000)
                goto out;
        }
    }
    cpu = vgb_cpu_seconds() - c0;
    if (verbose)
        printf("vigil %s: %llu frames out of the sender (%.0f payload octets each on average), "
               "%llu out of the receiver\n", offloads ? "offload" : "mtu1500",
               (unsigned long long)p.wire[0].frames_total,
               p.wire[0].frames_total ? (double)total / (double)p.wire[0].frames_total : 0,
               (unsigned long long)p.wire[1].frames_total);
    vg_tcp_abort(c, p.now);
    vg_tcp_abort(s, p.now);
    vg_tcp_close(l, p.now);
out:
    vgb_pair_free(&p);
    return cpu;
}

#ifdef VGB_HAVE_LWIP
static double lwip_bulk(uint64_t total)
{
    double c0 = vgb_cpu_seconds();
    if (vgb_lwip_bulk(total) != 0)
        return -1;
    return vgb_cpu_seconds() - c0;
}
#endif

struct lx_sender {
    int fd;
    uint64_t total;
    int err;
};

static void *lx_send(void *arg)
{
    struct lx_sender *sd = arg;
    static uint8_t txbuf[65536];
    uint64_t sent = 0;
    while (sent < sd->total) {
        size_t want = sd->total - sent < sizeof txbuf ? (size_t)(sd->total - sent) : sizeof txbuf;
        ssize_t n = send(sd->fd, txbuf, want, 0);
        if (n <= 0) {
            sd->err = errno;
            break;
        }
        sent += (uint64_t)n;
    }
    shutdown(sd->fd, SHUT_WR);
    return NULL;
}

/* A sender thread and this thread receiving, over the namespace's loopback. CPU seconds of the
 * process (both threads, user + system: loopback's softirq runs in the sender's context, unless
 * ksoftirqd takes it over, which *ksoft reports), or -1. */
static double linux_bulk(uint64_t total, double *ksoft)
{
    unsigned short port;
    int l = vgb_lx_listen(&port, 4);
    int c = l >= 0 ? vgb_lx_connect(port) : -1;
    int s = c >= 0 ? accept(l, NULL, NULL) : -1;
    double cpu = -1;
    if (s >= 0) {
        struct lx_sender sd = {.fd = c, .total = total};
        pthread_t th;
        double k0 = vgb_ksoftirqd_seconds(), c0 = vgb_cpu_seconds();
        if (pthread_create(&th, NULL, lx_send, &sd) == 0) {
            uint64_t received = 0;
            ssize_t n;
            while (received < total && (n = recv(s, appbuf, sizeof appbuf, 0)) > 0)
                received += (uint64_t)n;
            pthread_join(th, NULL);
            if (received == total && sd.err == 0)
                cpu = vgb_cpu_seconds() - c0;
            *ksoft = vgb_ksoftirqd_seconds() - k0;
        }
    }
    if (s >= 0)
        close(s);
    if (c >= 0)
        close(c);
    if (l >= 0)
        close(l);
    return cpu;
}

int main(int argc, char **argv)
{
    struct vgb_args a;
    vgb_parse_args(argc, argv, &a, "bench_bulk");
    uint64_t total = a.quick ? (8u << 20) : (1024u << 20);
    printf("bench_bulk: %llu MiB per run, %d runs, MTU 1500, 64 KiB application writes and reads\n",
           (unsigned long long)(total >> 20), a.runs);

    char why[256] = "", gso_why[256] = "";
    int have_linux = vgb_wants(&a, "linux") && vgb_netns_enter(why, sizeof why) == 0;
    int have_gso_off = have_linux && vgb_lo_set_gso(0, gso_why, sizeof gso_why) == 0;
    if (have_gso_off)
        vgb_lo_set_gso(1, gso_why, sizeof gso_why);
    if (!have_linux && vgb_wants(&a, "linux")) {
        vgb_skip(SUITE, "linux", "mtu1500-gso-on", why);
        vgb_skip(SUITE, "linux", "mtu1500-gso-off", why);
    } else if (!have_gso_off) {
        vgb_skip(SUITE, "linux", "mtu1500-gso-off", gso_why);
    }
#ifdef VGB_HAVE_LWIP
    int have_lwip = vgb_wants(&a, "lwip") && vgb_lwip_init() == 0;
    if (!have_lwip && vgb_wants(&a, "lwip"))
        vgb_skip(SUITE, "lwip", "mtu1500", "lwIP did not initialise");
#else
    vgb_skip(SUITE, "lwip", "mtu1500", "built without lwIP's source (VG_LWIP_SOURCE_DIR)");
#endif

    int status = 0;
    double ksoft_total = 0, linux_cpu_total = 0;
    for (int run = 1; run <= a.runs; run++) {
        double cpu = 0;
        if (vgb_wants(&a, "vigil")) {
            cpu = vigil_bulk(VG_OFFLOAD_TX_CSUM | VG_OFFLOAD_TSO, VG_RX_CSUM_VALID, total, run == 1);
            if (cpu > 0)
                vgb_emit(SUITE, "vigil", "offload", 0, METRIC, gbit_per_cpu_s(total, cpu), "higher", run);
            else
                status = 1, fprintf(stderr, "bench_bulk: vigil (offload) transfer stalled\n");
            cpu = vigil_bulk(0, 0, total, run == 1);
            if (cpu > 0)
                vgb_emit(SUITE, "vigil", "mtu1500", 0, METRIC, gbit_per_cpu_s(total, cpu), "higher", run);
            else
                status = 1, fprintf(stderr, "bench_bulk: vigil (mtu1500) transfer stalled\n");
        }
#ifdef VGB_HAVE_LWIP
        if (have_lwip) {
            cpu = lwip_bulk(total);
            if (cpu > 0)
                vgb_emit(SUITE, "lwip", "mtu1500", 0, METRIC, gbit_per_cpu_s(total, cpu), "higher", run);
            else
                status = 1, fprintf(stderr, "bench_bulk: lwIP transfer stalled\n");
        }
#endif
        for (int gso = 1; have_linux && gso >= 0; gso--) {
            if (!gso && !have_gso_off)
                break;
            if (have_gso_off)
                vgb_lo_set_gso(gso, gso_why, sizeof gso_why);
            double ksoft = 0;
            cpu = linux_bulk(total, &ksoft);
            if (cpu > 0) {
                vgb_emit(SUITE, "linux", gso ? "mtu1500-gso-on" : "mtu1500-gso-off", 0, METRIC,
                         gbit_per_cpu_s(total, cpu), "higher", run);
                ksoft_total += ksoft;
                linux_cpu_total += cpu;
                printf("linux %s run %d: %.3f s CPU of the process, ksoftirqd %.3f s meanwhile\n",
                       gso ? "gso-on" : "gso-off", run, cpu, ksoft);
            } else {
                status = 1, fprintf(stderr, "bench_bulk: Linux transfer failed\n");
            }
        }
    }
    if (have_linux)
        printf("bench_bulk: ksoftirqd ran %.3f s during the Linux transfers, against %.3f s of the "
               "process's own CPU time (softirq work that ksoftirqd did is not in the Linux rows; "
               "other processes on the machine also feed ksoftirqd)\n", ksoft_total, linux_cpu_total);
    return status;
}
