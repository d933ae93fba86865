/* Data integrity: 16 MiB each way at once, over links that lose, duplicate, reorder and corrupt
 * packets, must arrive byte-exact (SHA-256 of what was sent equals that of what was received, in
 * each direction), and every corrupted packet must be thrown away by a checksum, never delivered
 * as data. VIGIL_SEEDS=N runs N seeds per loss level instead of the default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "testnet.h"

#define MIB (1024u * 1024u)
#define TRANSFER_BYTES (16u * MIB)

/* Seeds per loss level when VIGIL_SEEDS is unset. A sanitizer build runs several times slower,
 * so it tries fewer seeds to stay within a few minutes. */
#if defined(__SANITIZE_ADDRESS__)
#define SEED_DIVISOR 3u
#else
#define SEED_DIVISOR 1u
#endif

static unsigned seeds_for(unsigned dflt)
{
    const char *e = getenv("VIGIL_SEEDS");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        if (v > 0 && v < 100000)
            return (unsigned)v;
    }
    return dflt / SEED_DIVISOR ? dflt / SEED_DIVISOR : 1;
}

static int wire_empty(void *net) { return vg_simnet_in_flight(net) == 0; }

static void run_one(double loss, uint64_t seed)
{
    struct vg_link_params lp = {
        .latency_us = 5000, .bandwidth_bps = 100000000,
        .loss = loss, .dup = 0.01, .reorder = 0.01, .corrupt = 0.005,
    };
    struct vg_stack_config c[2];
    uint64_t x = seed;
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], VG_PROFILE_WINDOWS_VISTA);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].seed = vg_splitmix64(&x);
        /* At 20 % loss a segment and its answers can fail many times over; this test is about
         * the bytes, so the handshake may retry longer than the default, and the data transfer
         * retries without limit (TCP_MAXRT forever) while the test's time limit bounds it. */
        c[i].max_retransmissions = 30;
    }
    struct tn_pair *p = tn_pair_new_cfg(seed, &lp, &c[0], &c[1]);
    vg_tcb *l = tn_listen(p, 1, 443), *a, *b;
    tn_connect_pair(p, 0, NULL, l, VG_MS(600000), &a, &b);
    vg_tcp_set_maxrt_ms(a, VG_MAXRT_FOREVER);
    vg_tcp_set_maxrt_ms(b, VG_MAXRT_FOREVER);

    uint64_t bytes[2] = {TRANSFER_BYTES, TRANSFER_BYTES};
    struct tn_transfer_result r;
    tn_transfer(p, a, b, bytes, seed, TN_SHUTDOWN, VG_MS(48ull * 3600 * 1000), &r);

    const struct vg_simnet_stats *ns = vg_simnet_stats(p->net);
    const struct vg_stack_stats *s0 = vg_stack_stats(tn_stack(p, 0)), *s1 = vg_stack_stats(tn_stack(p, 1));
    print_message("loss %.2f seed %llu: %.1f s virtual, %llu packets, %llu lost, %llu corrupted, "
                  "%llu retransmitted\n", loss, (unsigned long long)seed, (double)r.elapsed / 1e6,
                  (unsigned long long)ns->sent, (unsigned long long)ns->lost,
                  (unsigned long long)ns->corrupted,
                  (unsigned long long)(s0->tcp_retransmits + s1->tcp_retransmits));
    tn_assert_transfer_exact(&r);
    assert_int_equal(r.received[0], TRANSFER_BYTES);
    assert_int_equal(r.received[1], TRANSFER_BYTES);

    /* Every corrupted copy that reached a host was rejected by the IP or TCP checksum (a
     * duplicate of a corrupted packet is a second corrupted copy). The transfer can end with a
     * corrupted copy still on the wire (a duplicate, a retransmitted FIN's twin): counted as
     * corrupted, not yet rejected. So the wire is run empty first; nothing sent by then is left
     * uncounted on either side. */
    assert_true(vg_simnet_run_while_not(p->net, wire_empty, p->net, tn_now(p) + VG_MS(60000)));
    uint64_t rejected = s0->ip_bad + s0->tcp_bad + s1->ip_bad + s1->tcp_bad;
    assert_true(ns->corrupted > 0);
    assert_true(rejected >= ns->corrupted);
    assert_true(rejected <= ns->corrupted + ns->duplicated);
    /* The simulated wire can corrupt: it declares no offloads, so every checksum was computed
     * in software on output and verified on input, none taken on trust. */
    for (int i = 0; i < 2; i++)
        assert_int_equal(vg_stack_offloads(tn_stack(p, i)), 0);
    assert_int_equal(s0->rx_csum_trusted + s1->rx_csum_trusted, 0);
    assert_int_equal(s0->tcp_tso_frames_out + s1->tcp_tso_frames_out, 0);
    if (loss > 0)
        assert_true(s0->tcp_retransmits + s1->tcp_retransmits > 0);

    vg_tcp_close(a, tn_now(p));
    vg_tcp_close(b, tn_now(p));
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);
}

static void run_level(double loss, unsigned default_seeds)
{
    unsigned n = seeds_for(default_seeds);
    for (unsigned i = 0; i < n; i++)
        run_one(loss, 1000u * (uint64_t)(loss * 100) + i + 1);
}

static void both_ways_exact_without_loss(void **state)
{
    (void)state;
    run_level(0.0, 4);
}

static void both_ways_exact_at_1_percent_loss(void **state)
{
    (void)state;
    run_level(0.01, 6);
}

static void both_ways_exact_at_5_percent_loss(void **state)
{
    (void)state;
    run_level(0.05, 6);
}

static void both_ways_exact_at_20_percent_loss(void **state)
{
    (void)state;
    run_level(0.20, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_ways_exact_without_loss),
        cmocka_unit_test(both_ways_exact_at_1_percent_loss),
        cmocka_unit_test(both_ways_exact_at_5_percent_loss),
        cmocka_unit_test(both_ways_exact_at_20_percent_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
