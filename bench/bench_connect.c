/* Connection rate per CPU-second, side by side: connect, one byte each way, close (the client
 * first), one connection at a time. vigil: two stacks on an in-process link (no offloads, as a
 * plain link); lwIP: two netifs (NO_SYS=1); Linux: loopback of a namespace of its own, client
 * and server in one thread (loopback delivers synchronously). Both in-process stacks advance
 * virtual time 10 ms per connection, so TIME_WAIT ages as it would at about 100 connections/s.
 * The three take turns within a run, --chunk connections at a time (default 10,000).
 * Usage: bench_connect [--runs N] [--quick] [--only IMPL] [--chunk N] */
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

/* One run's vigil side: the pair and its listener live for the whole run, fed in chunks. */
struct vigil_cc {
    struct vgb_pair p;
    vg_tcb *l;
};

static int vigil_cc_open(struct vigil_cc *v)
{
    if (vgb_pair_init(&v->p, 0, 0, 0) != 0)
        return -1;
    v->l = vg_tcp_open(v->p.s[1]);
    if (!v->l || vg_tcp_bind(v->l, 0, PORT) != 0 || vg_tcp_listen(v->l, 16) != 0) {
        vgb_pair_free(&v->p);
        return -1;
    }
    return 0;
}

/* n more connections; CPU seconds, or -1. */
static double vigil_connect(struct vigil_cc *v, long n)
{
    struct vgb_pair *p = &v->p;
    uint8_t b;
    double c0 = vgb_cpu_seconds();
    for (long i = 0; i < n; i++) {
        vg_tcb *c = vg_tcp_open(p->s[0]), *s;
        if (!c || vg_tcp_connect(c, VGB_ADDR_B, PORT, p->now) != 0 || !vigil_wait(p, is_established, c)
            || !(s = vg_tcp_accept(v->l)))
            return -1;
        if (vg_tcp_send(c, "c", 1, p->now) != 1 || !vigil_wait(p, is_readable, s)
            || vg_tcp_recv(s, &b, 1, p->now) != 1 || vg_tcp_send(s, "s", 1, p->now) != 1
            || !vigil_wait(p, is_readable, c) || vg_tcp_recv(c, &b, 1, p->now) != 1)
            return -1;
        vg_tcp_close(c, p->now);
        if (!vigil_wait(p, is_eof, s) || vg_tcp_recv(s, &b, 1, p->now) != 0)
            return -1;
        vg_tcp_close(s, p->now);
        vgb_pair_pump(p);
        vgb_pair_tick(p, VG_MS(10));
    }
    return vgb_cpu_seconds() - c0;
}

/* n more connections to the listener l; CPU seconds, or -1. */
static double linux_connect(int l, unsigned short port, long n)
{
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
        if (!ok)
            return -1;
    }
    return vgb_cpu_seconds() - c0;
}

#ifdef VGB_HAVE_LWIP
static double lwip_connect(long n)
{
    double c0 = vgb_cpu_seconds();
    long done = vgb_lwip_connect_close(n);
    double cpu = vgb_cpu_seconds() - c0;
    if (done != n)
        fprintf(stderr, "bench_connect: lwIP completed %ld of %ld\n", done, n);
    return done == n ? cpu : -1;
}
#endif

/* The host's speed here swings by up to 2x over tenths of a second, longer than one stack's
 * share of a run: the stacks take turns a chunk at a time (the order reversed every chunk), so
 * each run's figures come from the same stretch of time. Not much finer: each turn starts with
 * caches the others left (Linux's turn is 70 ms of system calls), which the larger working set
 * pays more for; at 1,000 a turn that cost is a measurable part of a 2 ms turn. */
#define CHUNK_DEFAULT 10000L
enum { VIGIL, LWIP, LINUX, IMPLS };
static const char *const impl_name[IMPLS] = {"vigil", "lwip", "linux"};
static const char *const impl_variant[IMPLS] = {"inproc", "inproc", "loopback"};

int main(int argc, char **argv)
{
    struct vgb_args a;
    vgb_parse_args(argc, argv, &a, "bench_connect");
    long n = a.quick ? 2000 : 100000;
    long chunk = a.chunk ? a.chunk : a.quick ? 1000 : CHUNK_DEFAULT;
    printf("bench_connect: %ld connections per run in turns of %ld, %d runs\n", n, chunk, a.runs);
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
    unsigned short lx_port = 0;
    int lx = have_linux ? vgb_lx_listen(&lx_port, 128) : -1;
    if (have_linux && lx < 0)
        return 1;
    int status = 0;
    for (int run = 1; run <= a.runs; run++) {
        struct vigil_cc v;
        int want[IMPLS] = {vgb_wants(&a, "vigil"), 0, have_linux};
#ifdef VGB_HAVE_LWIP
        want[LWIP] = have_lwip;
#endif
        if (want[VIGIL] && vigil_cc_open(&v) != 0)
            return 1;
        double cpu[IMPLS] = {0};
        for (long done = 0, turn = 0; done < n; done += chunk, turn++) {
            long k = n - done < chunk ? n - done : chunk;
            for (int j = 0; j < IMPLS; j++) {
                int i = turn % 2 ? IMPLS - 1 - j : j;
                if (!want[i] || cpu[i] < 0)
                    continue;
                double c = i == VIGIL ? vigil_connect(&v, k)
#ifdef VGB_HAVE_LWIP
                         : i == LWIP ? lwip_connect(k)
#endif
                                     : linux_connect(lx, lx_port, k);
                cpu[i] = c < 0 ? -1 : cpu[i] + c;
            }
        }
        if (want[VIGIL])
            vgb_pair_free(&v.p);
        for (int i = 0; i < IMPLS; i++) {
            if (!want[i])
                continue;
            if (cpu[i] > 0)
                vgb_emit(SUITE, impl_name[i], impl_variant[i], 0, METRIC, (double)n / cpu[i], "higher", run);
            else
                status = 1, fprintf(stderr, "bench_connect: a %s connection did not complete\n", impl_name[i]);
        }
    }
    if (lx >= 0)
        close(lx);
    return status;
}
