/* HyStart++ (RFC 9406, src/tcp/cc_hystart.c) on a simulated path with a bottleneck: 2 Mbit/s
 * and 40 ms of round trip carry 10 KB, and the simulator queues whatever is sent beyond that
 * without limit, so no loss ever ends slow start. The queue shows as a rising RTT; HyStart++
 * sees it, goes through Conservative Slow Start and ends slow start (ssthresh set) with not a
 * segment lost. Without a queue (an unlimited link) the RTT never rises and slow start goes on;
 * NewReno on the same bottleneck never leaves it either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp/cc.h"
#include "tcp/tcb.h"
#include "testnet.h"

#define PORT 8080

struct outcome {
    uint32_t ssthresh;
    uint64_t css, exits, retransmits;
};

static struct outcome run(uint64_t bandwidth_bps, int algo, uint64_t seed)
{
    struct vg_link_params lp = {.latency_us = 20000, .bandwidth_bps = bandwidth_bps};
    struct vg_stack_config c[2];
    tn_pair_configs(c, VG_PROFILE_WINDOWS_VISTA, seed);
    c[0].cc = c[1].cc = (uint8_t)algo;
    struct tn_pair *p = tn_pair_new_cfg(seed, &lp, &c[0], &c[1]);
    vg_tcb *a, *b;
    tn_connect_pair(p, 0, NULL, tn_listen(p, 1, PORT), 0, &a, &b);
    const uint64_t bytes[2] = {1000000, 0};
    struct tn_transfer_result r;
    tn_transfer(p, a, b, bytes, seed, 0, VG_MS(600000), &r);
    tn_assert_transfer_exact(&r);
    const struct vg_stack_stats *st = vg_stack_stats(tn_stack(p, 0));
    struct outcome o = {a->ssthresh, st->tcp_hystart_css, st->tcp_hystart_exits,
                        st->tcp_retransmits};
    tn_pair_free(p);
    return o;
}

static void a_queue_building_ends_slow_start_before_any_loss(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct outcome o = run(2000000, VG_CC_CUBIC, seed);
        assert_true(o.css >= 1);
        assert_int_equal(o.exits, 1);
        assert_int_equal(o.retransmits, 0);
        assert_true(o.ssthresh < VG_CC_INITIAL_SSTHRESH);
        /* Where it stopped: past the path's 10 KB, within a few times the 64 KiB window the
         * receiver allows (the queue keeps rising while CSS grows cwnd by a quarter). */
        assert_true(o.ssthresh >= 10000);
        assert_true(o.ssthresh <= 200000);
    }
}

static void no_queue_no_exit(void **state)
{
    (void)state;
    struct outcome o = run(0, VG_CC_CUBIC, 1);
    assert_int_equal(o.css, 0);
    assert_int_equal(o.exits, 0);
    assert_int_equal(o.ssthresh, VG_CC_INITIAL_SSTHRESH);
}

static void newreno_has_no_hystart(void **state)
{
    (void)state;
    struct outcome o = run(2000000, VG_CC_NEWRENO, 1);
    assert_int_equal(o.css, 0);
    assert_int_equal(o.exits, 0);
    assert_int_equal(o.ssthresh, VG_CC_INITIAL_SSTHRESH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_queue_building_ends_slow_start_before_any_loss),
        cmocka_unit_test(no_queue_no_exit),
        cmocka_unit_test(newreno_has_no_hystart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
