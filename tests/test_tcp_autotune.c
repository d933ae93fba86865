/* Buffers that fit the path (README "Buffers"): receive autotuning grows a connection's receive
 * buffer toward what the application takes per round trip, the send buffer follows the
 * congestion window, both inside cfg.rcvbuf_max / cfg.sndbuf_max and the buffer budget; a size
 * the application sets fixes that buffer; idle connections keep their grown sizes but no memory.
 * Everything here is virtual time in the simulator, so the figures are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"
#include "testnet.h"

#define MIB (1024u * 1024u)

/* A 40 ms round trip on a 1 Gbit/s link: a bandwidth-delay product of 5 MB, 76 times what a
 * fixed 64 KiB window carries. */
static const struct vg_link_params long_fat = {.latency_us = 20000, .bandwidth_bps = 1000000000};

struct bulk {
    struct tn_pair *p;
    vg_tcb *a, *b;                       /* a (host 0) sends to b (host 1) */
    struct tn_transfer_result r;
};

static void bulk_setup(struct bulk *k, const struct vg_link_params *lp, struct vg_stack_config c[2],
                       void (*before_connect)(vg_tcb *client, vg_tcb *listener))
{
    memset(k, 0, sizeof *k);
    k->p = tn_pair_new_cfg(7, lp, &c[0], &c[1]);
    vg_tcb *l = tn_listen(k->p, 1, 443);
    vg_tcb *client = vg_tcp_open(tn_stack(k->p, 0));
    assert_non_null(client);
    if (before_connect)
        before_connect(client, l);
    tn_connect_pair(k->p, 0, client, l, 0, &k->a, &k->b);
}

static __attribute__((unused)) void bulk_run(struct bulk *k, uint64_t bytes)
{
    uint64_t n[2] = {bytes, 0};
    tn_transfer(k->p, k->a, k->b, n, 11, TN_SHUTDOWN, VG_MS(3600ull * 1000), &k->r);
    tn_assert_transfer_exact(&k->r);
    assert_int_equal(k->r.received[0], bytes);
}

static double gbit_per_s(const struct bulk *k)
{
    return (double)k->r.received[0] * 8.0 / ((double)k->r.elapsed * 1e3);
}

static void default_configs(struct vg_stack_config c[2])
{
    tn_pair_configs(c, VG_PROFILE_WINDOWS_VISTA, 7);
}

static void explore(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    default_configs(c);
    if (getenv("FIXED")) { for (int i = 0; i < 2; i++) { c[i].rcvbuf = c[i].rcvbuf_max = 6 * MIB; c[i].sndbuf = c[i].sndbuf_max = 12 * MIB; } }
    struct bulk k;
    bulk_setup(&k, &long_fat, c, NULL);
    uint64_t n[2] = {100ull * 1000 * 1000, 0};
    tn_transfer(k.p, k.a, k.b, n, 11, 0, VG_MS(3600ull * 1000), &k.r);
    print_message("first: %.3f Gbit/s in %.3f s\n", gbit_per_s(&k), (double)k.r.elapsed / 1e6);
    n[0] = 400ull * 1000 * 1000;
    tn_transfer(k.p, k.a, k.b, n, 12, 0, VG_MS(3600ull * 1000), &k.r);
    print_message("second: %.3f Gbit/s in %.3f s srtt a %u b %u\n", gbit_per_s(&k), (double)k.r.elapsed / 1e6, k.a->srtt_us, k.b->srtt_us);
    uint32_t sa, ra, sb, rb;
    vg_tcp_bufsizes(k.a, &sa, &ra);
    vg_tcp_bufsizes(k.b, &sb, &rb);
    print_message("%.3f Gbit/s in %.3f s; a snd %u cwnd %u ssthresh %u; b rcv %u wscale %u\n",
                  gbit_per_s(&k), (double)k.r.elapsed / 1e6, sa, k.a->cwnd, k.a->ssthresh, rb,
                  k.b->rcv_wscale);
    const struct vg_stack_stats *s0 = vg_stack_stats(tn_stack(k.p, 0)), *s1 = vg_stack_stats(tn_stack(k.p, 1));
    print_message("grown snd %llu rcv %llu refused %llu/%llu rtx %llu\n",
                  (unsigned long long)s0->tcp_sndbuf_grown, (unsigned long long)s1->tcp_rcvbuf_grown,
                  (unsigned long long)s0->tcp_buf_grow_refused, (unsigned long long)s1->tcp_buf_grow_refused,
                  (unsigned long long)s0->tcp_retransmits);
    tn_pair_free(k.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(explore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
