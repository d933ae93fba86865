/* Connection rate per CPU-second, side by side: connect, one byte each way, close (the client
 * first), one connection at a time. vigil: two stacks on an in-process link (no offloads, as a
 * plain link); lwIP: two netifs (NO_SYS=1); Linux: loopback of a namespace of its own, client
 * and server in one thread (loopback delivers synchronously). Both in-process stacks advance
 * virtual time 10 ms per connection, so TIME_WAIT ages as it would at about 100 connections/s.
 * Usage: bench_connect [--runs N] [--quick] */
#include <stdio.h>
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

#define SUITE "connect"
#define METRIC "conn_per_cpu_s", "connections/s per CPU-s"
#define PORT 5002u

static int vigil_wait(struct vgb_pair *p, int (*done)(void *), void *arg)
{
    for (int i = 0; i < 10000; i++) {
        if (done(arg))
            return 1;
        if (vgb_pair_pump(p) == 0 && !done(arg))
            vgb_pair_advance(p);
    }
    return done(arg);
}

static int is_established(void *t) { return vg_tcp_state(t) == VG_TCP_ESTABLISHED; }
static int is_readable(void *t) { return vg_tcp_readable(t) > 0; }
static int is_eof(void *t) { return vg_tcp_eof(t) || vg_tcp_state(t) == VG_TCP_CLOSE_WAIT; }

/* n connections; CPU seconds, or -1. */
static double vigil_connect(long n)
{
    struct vgb_pair p;
    double cpu = -1;
    uint8_t b;
    if (vgb_pair_init(&p, 0, 0, 0) != 0)
        goto out;
    vg_tcb *l = vg_tcp_open(p.s[1]);
    if (!l || vg_tcp_bind(l, 0, PORT) != 0 || vg_tcp_listen(l, 16) != 0)
        goto out;
    double c0 = vgb_cpu_seconds();
    for (long i = 0; i < n; i++) {
        vg_tcb *c = vg_tcp_open(p.s[0]), *s;
        if (!c || vg_tcp_connect(c, VGB_ADDR_B, PORT, p.now) != 0 || !vigil_wait(&p, is_established, c)
            || !(s = vg_tcp_accept(l)))
            goto out;
        if (vg_tcp_send(c, "c", 1, p.now) != 1 || !vigil_wait(&p, is_readable, s)
            || vg_tcp_recv(s, &b, 1, p.now) != 1 || vg_tcp_send(s, "s", 1, p.now) != 1
            || !vigil_wait(&p, is_readable, c) || vg_tcp_recv(c, &b, 1, p.now) != 1)
            goto out;
        vg_tcp_close(c, p.now);
        if (!vigil_wait(&p, is_eof, s) || vg_tcp_recv(s, &b, 1, p.now) != 0)
            goto out;
        vg_tcp_close(s, p.now);
        vgb_pair_pump(&p);
        vgb_pair_tick(&p, VG_MS(10));
    }
    cpu = vgb_cpu_seconds() - c0;
out:
    if (cpu < 0)
        fprintf(stderr, "bench_connect: a vigil connection did not complete\n");
    vgb_pair_free(&p);
    return cpu;
}

static double linux_connect(long n)
{
    unsigned short port;
    int l = vgb_lx_listen(&port, 128);
    if (l < 0)
        return -1;
    double c0 = vgb_cpu_seconds();
    char b;
    for (long i = 0; i < n; i++) {
        int c = vgb_lx_connect(port);
        int s = c >= 0 ? accept(l, NULL, NULL) : -1;
        int ok = s >= 0 && write(c, "c", 1) == 1 && read(s, &b, 1) == 1 && write(s, "s", 1) == 1
                 && read(c, &b, 1) == 1;
        if (c >= 0)
            close(c);
        ok = ok && read(s, &b, 1) == 0;
        if (s >= 0)
            close(s);
        if (!ok) {
            close(l);
            fprintf(stderr, "bench_connect: a Linux connection did not complete\n");
            return -1;
        }
    }
    double cpu = vgb_cpu_seconds() - c0;
    close(l);
    return cpu;
}

int main(int argc, char **argv)
{
    struct vgb_args a;
    vgb_parse_args(argc, argv, &a, "bench_connect");
    long n = a.quick ? 2000 : 100000;
    printf("bench_connect: %ld connections per run, %d runs\n", n, a.runs);
    char why[256] = "";
    int have_linux = vgb_wants(&a, "linux") && vgb_netns_enter(why, sizeof why) == 0;
    if (!have_linux && vgb_wants(&a, "linux"))
        vgb_skip(SUITE, "linux", "loopback", why);
#ifdef VGB_HAVE_LWIP
    int have_lwip = vgb_wants(&a, "lwip") && vgb_lwip_init() == 0;
    if (!have_lwip && vgb_wants(&a, "lwip"))
        vgb_skip(SUITE, "lwip", "inproc", "lwIP did not initialise");
#else
    vgb_skip(SUITE, "lwip", "inproc", "built without lwIP's source (VG_LWIP_SOURCE_DIR)");
#endif
    int status = 0;
    for (int run = 1; run <= a.runs; run++) {
        double cpu = vgb_wants(&a, "vigil") ? vigil_connect(n) : 0;
        if (cpu > 0)
            vgb_emit(SUITE, "vigil", "inproc", 0, METRIC, (double)n / cpu, "higher", run);
        else if (vgb_wants(&a, "vigil"))
            status = 1;
#ifdef VGB_HAVE_LWIP
        if (have_lwip) {
            double c0 = vgb_cpu_seconds();
            long done = vgb_lwip_connect_close(n);
            cpu = vgb_cpu_seconds() - c0;
            if (done == n && cpu > 0)
                vgb_emit(SUITE, "lwip", "inproc", 0, METRIC, (double)n / cpu, "higher", run);
            else
                status = 1, fprintf(stderr, "bench_connect: lwIP completed %ld of %ld\n", done, n);
        }
#endif
        if (have_linux) {
            cpu = linux_connect(n);
            if (cpu > 0)
                vgb_emit(SUITE, "linux", "loopback", 0, METRIC, (double)n / cpu, "higher", run);
            else
                status = 1;
        }
    }
    return status;
}
