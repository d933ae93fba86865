/* Flow control and window scaling (RFC 9293 §3.8.6, RFC 7323 §2): the sender never puts more
 * than the peer's window in flight; the receiver's advertised window follows its free buffer
 * and reopens when the application reads; window scaling is used in both directions only when
 * both SYNs carry the option, and a SYN's own window is never scaled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "testnet.h"

#define PORT 8080
/* A receive buffer that needs window scaling: 2^20 octets fit 16 bits under a shift of 5, the
 * smallest that does. (The default 65536-octet buffer is offered shift 0; see
 * test_window_agreement.c.) */
#define SCALED_RCVBUF (1u << 20)
#define OUR_WSCALE 5

static uint8_t big[1 << 20];

static void fill_big(void)
{
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
}

/* Collects what the stack sends at this instant; returns the highest sequence number it
 * reached (end of data) and asserts every segment is in order from `from`. */
static uint32_t burst_end(struct rawpeer *rp, uint32_t from)
{
    const struct rp_seg *g;
    uint32_t end = from;
    while ((g = rp_take(rp)) != NULL) {
        if (!g->dlen)
            continue;
        assert_int_equal(g->th.seq, end);
        end += (uint32_t)g->dlen;
    }
    return end;
}

static struct rawpeer *rp_new_scaled(void)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.rcvbuf = SCALED_RCVBUF;
    return rp_new(&c);
}

static void window_scale_negotiated_both_ways_on_active_open(void **state)
{
    (void)state;
    fill_big();
    struct rawpeer *rp = rp_new_scaled();
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 2};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 1000);   /* SYN-ACK window: 1000, unscaled */
    /* Our window fields are scaled by our shift: (2^20 - 1) >> 5. */
    rp_send_data(rp, "x", 1);
    rp_run_for(rp, VG_MS(100));
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.wnd, (SCALED_RCVBUF - 1) >> OUR_WSCALE);
    char c;
    assert_int_equal(vg_tcp_recv(t, &c, 1, rp->now), 1);

    /* The peer's window field 730 now means 2920 octets (two segments): exactly that much is
     * sent. Unscaled, 730 octets would have gone out. */
    rp->wnd = 730;
    rp_send_ack(rp);
    rp_drain(rp);
    assert_int_equal(vg_tcp_send(t, big, 20000, rp->now), 20000);
    uint32_t una = rp->ack;
    assert_int_equal(burst_end(rp, una), una + 2920);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void syn_window_is_never_scaled(void **state)
{
    (void)state;
    fill_big();
    struct rawpeer *rp = rp_new(NULL);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 4};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 2920);   /* 2920 octets, not 2920 << 4 */
    assert_int_equal(vg_tcp_send(t, big, 20000, rp->now), 20000);
    uint32_t una = rp->ack;
    assert_int_equal(burst_end(rp, una), una + 2920);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void no_window_scaling_when_the_peer_does_not_offer_it(void **state)
{
    (void)state;
    fill_big();
    struct rawpeer *rp = rp_new(NULL);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    /* Our window: unscaled, so 65536 free octets are advertised as 65535. */
    rp_send_data(rp, "x", 1);
    rp_run_for(rp, VG_MS(100));
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.wnd, 65535);
    char c;
    assert_int_equal(vg_tcp_recv(t, &c, 1, rp->now), 1);
    /* The peer's window field is a plain octet count. */
    rp->wnd = 2920;
    rp_send_ack(rp);
    rp_drain(rp);
    assert_int_equal(vg_tcp_send(t, big, 20000, rp->now), 20000);
    uint32_t una = rp->ack;
    assert_int_equal(burst_end(rp, una), una + 2920);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void passive_open_answers_window_scale_only_when_offered(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new_scaled();
    vg_tcb *l = rp_listen(rp, PORT, 4);
    rp->sport = PORT;

    /* Offered: the SYN-ACK carries ours, and later window fields are scaled. */
    struct vg_tcp_opts with = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 0};
    rp->port = 40001;
    rp_send(rp, VG_TCP_SYN, 100, 0, 65535, &with, NULL, 0);
    const struct rp_seg *sa = rp_expect(rp);
    assert_true(sa->th.opt.has_wscale);
    assert_int_equal(sa->th.opt.wscale, OUR_WSCALE);
    rp_send(rp, VG_TCP_ACK | VG_TCP_PSH, 101, sa->th.seq + 1, 65535, NULL, "x", 1);
    rp_run_for(rp, VG_MS(100));
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.wnd, (SCALED_RCVBUF - 1) >> OUR_WSCALE);

    /* Not offered: no option in the SYN-ACK and plain window fields. */
    struct vg_tcp_opts without = {.has_mss = 1, .mss = 1460};
    rp->port = 40002;
    rp_send(rp, VG_TCP_SYN, 100, 0, 65535, &without, NULL, 0);
    sa = rp_expect(rp);
    assert_false(sa->th.opt.has_wscale);
    rp_send(rp, VG_TCP_ACK | VG_TCP_PSH, 101, sa->th.seq + 1, 65535, NULL, "x", 1);
    rp_run_for(rp, VG_MS(100));
    a = rp_expect(rp);
    assert_int_equal(a->th.wnd, 65535);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void sender_never_exceeds_the_advertised_window(void **state)
{
    (void)state;
    /* The peer acknowledges in random steps and advertises random windows (never moving the
     * right edge left); every octet the stack sends lies inside the window last offered. */
    fill_big();
    struct rawpeer *rp = rp_new(NULL);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1000};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 3000);
    vg_tcp_set_nodelay(t, 1);
    struct vg_prng r;
    vg_prng_seed(&r, 99);
    uint32_t base = rp->ack, sent = 0, acked = 0, right = base + 3000;
    size_t queued = 0;
    for (int rounds = 0; acked < 200000; rounds++) {
        if (rounds > 100000)
            fail_msg("no progress: %u of 200000 acknowledged", acked);
        while (queued < 200000) {
            long n = vg_tcp_send(t, big + queued, 200000 - queued, rp->now);
            if (n <= 0)
                break;
            queued += (size_t)n;
        }
        const struct rp_seg *g;
        while ((g = rp_take(rp)) != NULL) {
            if (!g->dlen)
                continue;
            uint32_t end = g->th.seq + (uint32_t)g->dlen;
            /* A zero-window probe is the one octet allowed past a closed window. */
            int probe = g->dlen == 1 && g->th.seq == right && base + acked == right;
            if (!probe && (int32_t)(end - right) > 0)
                fail_msg("segment ends %d octets beyond the window", (int)(end - right));
            assert_memory_equal(g->data, big + (g->th.seq - base), g->dlen);
            if (end - base > sent)
                sent = end - base;
        }
        /* Acknowledge part of what was sent, with a new window whose edge never retreats. */
        uint32_t step = sent > acked ? (uint32_t)vg_prng_below(&r, sent - acked + 1) : 0;
        acked += step;
        uint32_t wnd = (uint32_t)vg_prng_below(&r, 6000);
        if ((int32_t)(base + acked + wnd - right) < 0)
            wnd = right - (base + acked);
        right = base + acked + wnd;
        rp->ack = base + acked;
        rp->wnd = (uint16_t)wnd;
        rp_run_for(rp, VG_MS(5));
        rp_send_ack(rp);
        if (acked == sent && wnd == 0)
            rp_run_for(rp, VG_MS(1000));           /* let the persist timer probe */
    }
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void receive_window_shrinks_with_buffered_data_and_reopens_on_read(void **state)
{
    (void)state;
    fill_big();
    struct vg_stack_config c;
    rp_config(&c);
    c.rcvbuf = 8000;
    struct rawpeer *rp = rp_new(&c);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1000};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    uint32_t off = 0;
    for (int i = 0; i < 8; i++) {
        rp_send_data(rp, big + off, 1000);
        off += 1000;
        rp_run_for(rp, VG_MS(50));
        const struct rp_seg *a = NULL, *g;
        while ((g = rp_take(rp)) != NULL)
            a = g;
        if (a) {
            assert_int_equal(a->th.ack, rp->seq);
            assert_int_equal(a->th.wnd, 8000 - off);   /* free space, unread data excluded */
        }
    }
    assert_int_equal(vg_tcp_readable(t), 8000);
    /* A ninth segment does not fit. */
    rp_send_data(rp, big + off, 1000);
    rp->seq -= 1000;
    rp_run_for(rp, VG_MS(50));
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->th.wnd, 0);
    /* A small read does not reopen the window (receiver SWS avoidance)... */
    uint8_t buf[8000];
    assert_int_equal(vg_tcp_recv(t, buf, 100, rp->now), 100);
    rp_expect_none(rp);
    /* ...reading the rest announces the window at once. */
    assert_int_equal(vg_tcp_recv(t, buf + 100, sizeof buf - 100, rp->now), 7900);
    assert_memory_equal(buf, big, 8000);
    a = rp_expect(rp);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->th.wnd, 8000);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void large_windows_with_scaling_between_two_stacks(void **state)
{
    (void)state;
    /* 1 MiB buffers need the scale factor: with 20 ms RTT and no loss, a 4 MiB transfer
     * completes in well under the time a 64 KiB window would allow (4 MiB / 64 KiB × 20 ms
     * = 1.28 s of virtual time). */
    struct vg_stack_config c[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], VG_PROFILE_WINDOWS_VISTA);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].seed = 7 + (uint64_t)i;
        c[i].sndbuf = c[i].rcvbuf = 1u << 20;
    }
    struct vg_link_params lp = {.latency_us = 10000};
    struct tn_pair *p = tn_pair_new_cfg(5, &lp, &c[0], &c[1]);
    vg_tcb *l = tn_listen(p, 1, PORT), *a, *b;
    tn_connect_pair(p, 0, NULL, l, 0, &a, &b);
    uint64_t bytes[2] = {4u << 20, 0};
    struct tn_transfer_result r;
    tn_transfer(p, a, b, bytes, 1, TN_SHUTDOWN, VG_MS(60000), &r);
    tn_assert_transfer_exact(&r);
    assert_true(r.elapsed < VG_MS(1280));
    vg_tcp_close(a, tn_now(p));
    vg_tcp_close(b, tn_now(p));
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_scale_negotiated_both_ways_on_active_open),
        cmocka_unit_test(syn_window_is_never_scaled),
        cmocka_unit_test(no_window_scaling_when_the_peer_does_not_offer_it),
        cmocka_unit_test(passive_open_answers_window_scale_only_when_offered),
        cmocka_unit_test(sender_never_exceeds_the_advertised_window),
        cmocka_unit_test(receive_window_shrinks_with_buffered_data_and_reopens_on_read),
        cmocka_unit_test(large_windows_with_scaling_between_two_stacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
