/* Maximum segment size (RFC 9293 §3.7.1, RFC 879): each SYN announces MTU - 40; a segment never
 * carries more data than the peer announced (536 when it announced nothing) nor more than our
 * own MTU allows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "testnet.h"

#define PORT 8080

static uint8_t data[200000];

/* Sends `len` bytes and receives them as the peer, acknowledging each burst; returns the
 * largest segment seen and checks full segments are exactly `mss`. */
static size_t transfer_and_measure(struct rawpeer *rp, vg_tcb *t, size_t len, size_t mss)
{
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 3u + (i >> 9));
    size_t queued = 0, got = 0, largest = 0;
    uint32_t base = rp->ack;
    for (int round = 0; got < len; round++) {
        assert_true(round < 10000);
        if (queued < len) {
            long n = vg_tcp_send(t, data + queued, len - queued, rp->now);
            if (n > 0)
                queued += (size_t)n;
        }
        const struct rp_seg *g;
        while ((g = rp_take(rp)) != NULL) {
            if (!g->dlen)
                continue;
            assert_true(g->dlen <= mss);
            if (g->dlen > largest)
                largest = g->dlen;
            assert_int_equal(g->th.seq, base + got);
            assert_memory_equal(g->data, data + got, g->dlen);
            got += g->dlen;
            /* Every segment but the last of a burst is full-sized. */
            if (rp_pending(rp))
                assert_int_equal(g->dlen, mss);
        }
        rp->ack = base + (uint32_t)got;
        rp_run_for(rp, VG_MS(1));
        rp_send_ack(rp);
    }
    return largest;
}

static void segments_never_exceed_the_peer_mss(void **state)
{
    (void)state;
    const uint16_t mss[] = {536, 1000, 1200, 1460};
    for (size_t i = 0; i < sizeof mss / sizeof mss[0]; i++) {
        struct rawpeer *rp = rp_new(NULL);
        struct vg_tcp_opts o = {.has_mss = 1, .mss = mss[i], .has_wscale = 1, .wscale = 7};
        vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
        assert_int_equal(transfer_and_measure(rp, t, 100000, mss[i]), mss[i]);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

static void peer_without_mss_option_gets_536(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    struct vg_tcp_opts o = {.has_wscale = 1, .wscale = 7};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    assert_int_equal(transfer_and_measure(rp, t, 20000, 536), 536);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void passive_side_honours_the_mss_of_the_syn(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 700};
    vg_tcb *t = rp_open_passive(rp, l, PORT, &o, 65535);
    assert_int_equal(transfer_and_measure(rp, t, 30000, 700), 700);
    vg_tcp_abort(t, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void our_mss_option_is_mtu_minus_40_and_bounds_our_segments(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.mtu = 1000;
    struct rawpeer *rp = rp_new(&c);
    /* Active open: the SYN says 960. */
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    assert_true(syn->th.opt.has_mss);
    assert_int_equal(syn->th.opt.mss, 960);
    vg_tcp_abort(t, rp->now);
    /* Passive open: so does the SYN-ACK; and a peer offering 1460 still gets at most 960. */
    rp_drain(rp);
    vg_tcb *l = rp_listen(rp, PORT + 1, 4);
    rp->sport = PORT + 1;
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460};
    rp_send(rp, VG_TCP_SYN, 7, 0, 65535, &o, NULL, 0);
    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.opt.mss, 960);
    rp->seq = 8;
    rp->ack = sa->th.seq + 1;
    rp_send_ack(rp);
    vg_tcb *c2 = vg_tcp_accept(l);
    assert_non_null(c2);
    assert_int_equal(transfer_and_measure(rp, c2, 20000, 960), 960);
    vg_tcp_abort(c2, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static size_t largest_ip;

static int measure_filter(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    (void)ctx;
    (void)pkt;
    (void)from;
    (void)to;
    (void)now;
    if (len > largest_ip)
        largest_ip = len;
    return 1;
}

static void two_stacks_with_different_mtus_never_exceed_the_smaller(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], VG_PROFILE_WINDOWS_VISTA);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].seed = 21 + (uint64_t)i;
    }
    c[1].mtu = 600;
    struct tn_pair *p = tn_pair_new_cfg(9, NULL, &c[0], &c[1]);
    largest_ip = 0;
    vg_simnet_set_filter(p->net, measure_filter, NULL);
    vg_tcb *l = tn_listen(p, 1, PORT), *a, *b;
    tn_connect_pair(p, 0, NULL, l, 0, &a, &b);
    uint64_t bytes[2] = {200000, 200000};
    struct tn_transfer_result r;
    tn_transfer(p, a, b, bytes, 3, TN_SHUTDOWN, VG_MS(60000), &r);
    tn_assert_transfer_exact(&r);
    assert_int_equal(largest_ip, 600);             /* full segments both ways, none larger */
    vg_tcp_close(a, tn_now(p));
    vg_tcp_close(b, tn_now(p));
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(segments_never_exceed_the_peer_mss),
        cmocka_unit_test(peer_without_mss_option_gets_536),
        cmocka_unit_test(passive_side_honours_the_mss_of_the_syn),
        cmocka_unit_test(our_mss_option_is_mtu_minus_40_and_bounds_our_segments),
        cmocka_unit_test(two_stacks_with_different_mtus_never_exceed_the_smaller),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
