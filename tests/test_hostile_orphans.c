/* Orphans: connections the application closed that are still finishing. A peer that stops
 * answering after our FIN, or never sends its own, must not hold them forever — not even when
 * the application had asked to wait forever (TCP_MAXRT -1) — and their number is bounded: past
 * cfg.max_orphans a close resets instead (Linux tcp_max_orphans), and one that receives new
 * data nobody will read resets too. tcp_orphans counts them live. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rawpeer.h"

#define PORT 8080

static vg_tcb *established(struct rawpeer *rp)
{
    vg_tcb *l = rp_listen(rp, PORT, 16);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    vg_tcp_close(l, rp->now);
    return t;
}

/* An established connection closed by the application, its FIN acknowledged by the peer: an
 * orphan in FIN_WAIT_2. */
static void orphan_in_fin_wait_2(struct rawpeer *rp)
{
    vg_tcb *t = established(rp);
    vg_tcp_close(t, rp->now);
    const struct rp_seg *f = rp_expect(rp);
    rp->ack = f->th.seq + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_2);
}

/* Runs with the peer silent until the stack gives up; returns the FINs it sent. */
static unsigned silent_until_reset(struct rawpeer *rp, vg_time limit)
{
    unsigned fins = 0;
    const struct rp_seg *g;
    while ((g = rp_wait(rp, limit)) != NULL) {
        if (g->th.flags & VG_TCP_RST)
            return fins;
        assert_true(g->th.flags & VG_TCP_FIN);
        fins++;
    }
    fail_msg("still retransmitting its FIN at t=%llu us", (unsigned long long)rp->now);
    return fins;
}

static void fin_wait_1_silent_peer_ends(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    vg_tcp_set_maxrt_ms(t, VG_MAXRT_FOREVER);     /* the application would wait forever */
    vg_tcp_close(t, rp->now);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_1);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 1);
    unsigned fins = silent_until_reset(rp, rp->now + VG_MS(48ull * 3600 * 1000));
    assert_int_equal(fins, 1 + 5);                /* the FIN and 5 retransmissions */
    assert_int_equal(rp_stats(rp)->tcp_orphans, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void fin_wait_1_zero_window_peer_that_answers_ends(void **state)
{
    (void)state;
    /* The peer takes the data, shuts its window, and answers every retransmitted FIN with an
     * ACK that leaves the FIN unacknowledged: each answer is a duplicate, the retransmission
     * count keeps rising, and the orphan ends at the retransmission limit — even though the
     * application had asked to wait forever. */
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_send(t, "data", 4, rp->now), 4);
    rp_receive(rp);
    vg_tcp_set_maxrt_ms(t, VG_MAXRT_FOREVER);
    vg_tcp_close(t, rp->now);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 1);
    const struct rp_seg *g = rp_expect(rp);
    assert_true(g->th.flags & VG_TCP_FIN);
    rp->wnd = 0;
    rp_send_ack(rp);                              /* the data, not the FIN */
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_1);
    unsigned fins = 0;
    while ((g = rp_wait(rp, rp->now + VG_MS(48ull * 3600 * 1000))) != NULL) {
        if (g->th.flags & VG_TCP_RST)
            break;
        assert_true(g->th.flags & VG_TCP_FIN);
        fins++;
        rp_send_ack(rp);
    }
    assert_non_null(g);
    assert_int_equal(fins, 5);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void last_ack_silent_peer_ends(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    rp_drain(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSE_WAIT);
    vg_tcp_set_maxrt_ms(t, VG_MAXRT_FOREVER);
    vg_tcp_close(t, rp->now);
    assert_int_equal(vg_tcp_state(t), VG_TCP_LAST_ACK);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 1);
    unsigned fins = silent_until_reset(rp, rp->now + VG_MS(48ull * 3600 * 1000));
    assert_int_equal(fins, 1 + 5);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void fin_wait_2_orphan_ends_even_while_the_peer_talks(void **state)
{
    (void)state;
    /* The peer acknowledges our FIN, never sends its own, and keeps the connection busy with
     * keep-alive probes every 10 s: the orphan still ends at cfg.orphan_timeout_ms. */
    struct rawpeer *rp = rp_new(NULL);
    orphan_in_fin_wait_2(rp);
    vg_time entered = rp->now;
    while (rp->now + VG_MS(10000) < entered + VG_MS(60000)) {
        rp_run_for(rp, VG_MS(10000));
        rp_send(rp, VG_TCP_ACK, rp->seq - 1, rp->ack, 65535, NULL, NULL, 0);
        rp_drain(rp);
        assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    }
    rp_run_until(rp, entered + VG_MS(60000));
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    assert_int_equal(rp_stats(rp)->tcp_orphan_timeouts, 1);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 0);
    rp_free(rp);
}

static void orphan_stuffed_with_data_resets(void **state)
{
    (void)state;
    /* The peer acknowledges our FIN and then pours data into the orphan, which nobody will ever
     * read: instead of holding it in the receive buffer until the orphan timeout, the stack
     * resets (RFC 1122 §4.2.2.13; Linux TCPAbortOnData) and frees everything. */
    struct rawpeer *rp = rp_new(NULL);
    orphan_in_fin_wait_2(rp);
    static const uint8_t junk[1000];
    rp_send_data(rp, junk, sizeof junk);
    const struct rp_seg *r = rp_expect(rp);
    assert_true(r->th.flags & VG_TCP_RST);
    assert_int_equal(rp_stats(rp)->tcp_orphan_data_resets, 1);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    assert_int_equal(rp_stats(rp)->mem_bytes, 0);
    rp_free(rp);
}

static void max_orphans_resets_excess(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.max_orphans = 3;
    struct rawpeer *rp = rp_new(&c);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    vg_tcb *t[5];
    uint16_t port[5];
    for (int i = 0; i < 5; i++) {
        rp->port = (uint16_t)(RP_PEER_PORT + i);
        port[i] = rp->port;
        t[i] = rp_open_passive(rp, l, PORT, NULL, 65535);
    }
    for (int i = 0; i < 5; i++) {
        vg_tcp_close(t[i], rp->now);
        const struct rp_seg *g = rp_expect(rp);
        assert_int_equal(g->th.dport, port[i]);
        if (i < 3)
            assert_int_equal(g->th.flags & (VG_TCP_FIN | VG_TCP_RST), VG_TCP_FIN);
        else
            assert_true(g->th.flags & VG_TCP_RST);   /* over the limit: reset, not lingered */
        rp_expect_none(rp);
    }
    assert_int_equal(rp_stats(rp)->tcp_orphans, 3);
    assert_int_equal(rp_stats(rp)->tcp_orphans_aborted, 2);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1 + 3);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fin_wait_1_silent_peer_ends),
        cmocka_unit_test(fin_wait_1_zero_window_peer_that_answers_ends),
        cmocka_unit_test(last_ack_silent_peer_ends),
        cmocka_unit_test(fin_wait_2_orphan_ends_even_while_the_peer_talks),
        cmocka_unit_test(orphan_stuffed_with_data_resets),
        cmocka_unit_test(max_orphans_resets_excess),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
