/* The per-transfer block (src/tcp/tcb_xfer.h): an idle connection holds none, keep-alive never
 * takes one, a transfer takes one and gives it back, emptied blocks are kept up to
 * VG_XFER_SPARES, and when none can be allocated every call and segment fails cleanly: send,
 * shutdown and connect with VG_ERR_NOBUFS, close with a reset, out-of-order data dropped for the
 * peer to resend, a delayed ACK sent at once. NewReno's recovery point outlives the block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"
#include "testnet.h"

#define PORT 8080

/* Fails the allocation of a transfer block only (rings and islands have other sizes). */
static int fail_blocks(void *ctx, size_t size)
{
    (void)ctx;
    return size == sizeof(struct vg_tcb_xfer);
}

/* A passive open: the handshake takes no block, so the stack has no spare either and the hook
 * above decides every block the test asks for. */
static vg_tcb *accepted(struct rawpeer *rp)
{
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    assert_non_null(t);
    vg_tcp_close(l, rp->now);
    assert_null(t->x);
    assert_int_equal(rp_stats(rp)->tcp_xfer_live, 0);
    assert_int_equal(rp_stats(rp)->tcp_xfer_spares, 0);
    return t;
}

static void an_idle_keepalive_connection_never_takes_a_block(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = accepted(rp);
    assert_int_equal(vg_tcp_set_keepalive_time_ms(t, 1000, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive_interval_ms(t, 500, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive(t, 1, rp->now), 0);
    vg_time on = rp->now;

    /* Probe 1 at exactly time after the switch-on, answered. */
    const struct rp_seg *g = rp_wait(rp, on + VG_MS(5000));
    assert_non_null(g);
    assert_int_equal(g->at, on + VG_MS(1000));
    assert_int_equal(g->th.seq, rp->ack - 1);
    assert_null(t->x);
    rp_run_for(rp, VG_MS(3));
    rp_send_ack(rp);
    vg_time answered = rp->now;
    rp_expect_none(rp);
    assert_null(t->x);

    /* Probe 1 again a time after the answer; left unanswered, probe 2 an interval later. */
    g = rp_wait(rp, answered + VG_MS(5000));
    assert_non_null(g);
    assert_int_equal(g->at, answered + VG_MS(1000));
    g = rp_wait(rp, answered + VG_MS(5000));
    assert_non_null(g);
    assert_int_equal(g->at, answered + VG_MS(1500));
    assert_null(t->x);

    /* The peer's own probe (one octet at RCV.NXT - 1) is answered at once, with no block. */
    rp_send(rp, VG_TCP_ACK, rp->seq - 1, rp->ack, rp->wnd, NULL, "k", 1);
    g = rp_expect(rp);
    assert_int_equal(g->th.flags, VG_TCP_ACK);
    assert_int_equal(g->th.ack, rp->seq);
    assert_null(t->x);

    const struct vg_stack_stats *st = rp_stats(rp);
    assert_int_equal(st->ka_probes_sent, 3);
    assert_int_equal(st->tcp_xfer_live, 0);
    assert_int_equal(st->tcp_xfer_spares, 0);
    assert_int_equal(st->tcp_xfer_failed, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void a_transfer_takes_a_block_and_gives_it_back(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = accepted(rp);
    const struct vg_stack_stats *st = rp_stats(rp);

    /* Data in flight holds it until acknowledged; then it waits on the spare list. */
    assert_int_equal(vg_tcp_send(t, "hello", 5, rp->now), 5);
    assert_non_null(t->x);
    assert_int_equal(st->tcp_xfer_live, 1);
    const struct rp_seg *g = rp_receive(rp);
    assert_int_equal(g->dlen, 5);
    assert_true(tcb_rtx_at(t) != VG_TIME_NEVER);
    rp_run_for(rp, VG_MS(2));
    rp_send_ack(rp);
    assert_null(t->x);
    assert_int_equal(st->tcp_xfer_live, 0);
    assert_int_equal(st->tcp_xfer_spares, 1);

    /* A delayed ACK holds it until the ACK goes, 40 ms later. */
    rp_send_data(rp, "abc", 3);
    vg_time got = rp->now;
    assert_non_null(t->x);
    assert_int_equal(tcb_delack_at(t), got + VG_DELACK_US);
    g = rp_wait(rp, got + VG_MS(1000));
    assert_non_null(g);
    assert_int_equal(g->at, got + VG_DELACK_US);
    assert_int_equal(g->th.ack, rp->seq);
    assert_null(t->x);

    /* Out-of-order data holds it while the hole is open. */
    uint8_t a[100], b[100], buf[256];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    rp_send(rp, VG_TCP_ACK, rp->seq + 100, rp->ack, rp->wnd, NULL, b, sizeof b);
    g = rp_expect(rp);
    assert_int_equal(g->th.ack, rp->seq);     /* a duplicate ACK, at once */
    assert_non_null(t->x);
    assert_int_equal(tcb_nooo(t), 1);
    rp_send_data(rp, a, sizeof a);
    rp->seq += 100;
    g = rp_expect(rp);
    assert_int_equal(g->th.ack, rp->seq);     /* the hole is filled: everything acknowledged */
    assert_null(t->x);
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 203);
    assert_memory_equal(buf, "abc", 3);
    assert_memory_equal(buf + 3, a, 100);
    assert_memory_equal(buf + 103, b, 100);
    assert_int_equal(st->tcp_xfer_live, 0);
    assert_int_equal(st->tcp_xfer_spares, 1);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* Many transfers at once: one block each, and no more than VG_XFER_SPARES kept afterwards. */
static void emptied_blocks_are_kept_up_to_the_spare_limit(void **state)
{
    (void)state;
    enum { CONNS = VG_XFER_SPARES + 8 };
    struct tn_pair *p = tn_pair_new(5, NULL, VG_PROFILE_WINDOWS_VISTA);
    vg_tcb *l = tn_listen(p, 1, PORT);
    vg_tcb *c[CONNS], *s[CONNS];
    for (int i = 0; i < CONNS; i++)
        tn_connect_pair(p, 0, NULL, l, 0, &c[i], &s[i]);
    const struct vg_stack_stats *st = vg_stack_stats(tn_stack(p, 0));
    assert_int_equal(st->tcp_xfer_live, 0);
    for (int i = 0; i < CONNS; i++)
        assert_int_equal(vg_tcp_send(c[i], "x", 1, tn_now(p)), 1);
    assert_int_equal(st->tcp_xfer_live, CONNS);
    tn_run_for(p, VG_MS(500));
    assert_int_equal(st->tcp_xfer_live, 0);
    assert_int_equal(st->tcp_xfer_spares, VG_XFER_SPARES);
    assert_int_equal(vg_stack_stats(tn_stack(p, 1))->tcp_xfer_live, 0);
    for (int i = 0; i < CONNS; i++) {
        vg_tcp_abort(c[i], tn_now(p));
        vg_tcp_abort(s[i], tn_now(p));
    }
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);   /* the spares go with the stack (LeakSanitizer checks) */
}

static void without_a_block_calls_fail_with_nobufs_and_retry(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = accepted(rp);
    const struct vg_stack_stats *st = rp_stats(rp);
    vg_stack_set_alloc_fail(rp->s, fail_blocks, NULL);

    assert_int_equal(vg_tcp_send(t, "hello", 5, rp->now), -VG_ERR_NOBUFS);
    assert_int_equal(vg_tcp_unacked(t), 0);            /* nothing taken */
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), -VG_ERR_NOBUFS);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    rp_expect_none(rp);

    vg_tcb *c = vg_tcp_open(rp->s);
    assert_non_null(c);
    assert_int_equal(vg_tcp_connect(c, RP_PEER_ADDR, 9999, rp->now), -VG_ERR_NOBUFS);
    assert_int_equal(vg_tcp_state(c), VG_TCP_CLOSED);
    rp_expect_none(rp);
    assert_int_equal(st->tcp_xfer_failed, 3);
    assert_int_equal(st->tcp_xfer_live, 0);

    /* The same calls succeed once memory is back. */
    vg_stack_set_alloc_fail(rp->s, NULL, NULL);
    assert_int_equal(vg_tcp_send(t, "hello", 5, rp->now), 5);
    const struct rp_seg *g = rp_receive(rp);
    assert_int_equal(g->dlen, 5);
    assert_memory_equal(g->data, "hello", 5);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    g = rp_receive(rp);
    assert_true(g->th.flags & VG_TCP_FIN);
    assert_int_equal(vg_tcp_connect(c, RP_PEER_ADDR, 9999, rp->now), 0);
    g = rp_expect(rp);
    assert_int_equal(g->th.flags, VG_TCP_SYN);
    vg_tcp_abort(c, rp->now);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* A close owes the peer a FIN it may have to retransmit: with no block for that, a reset. */
static void without_a_block_close_resets(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = accepted(rp);
    vg_stack_set_alloc_fail(rp->s, fail_blocks, NULL);
    vg_tcp_close(t, rp->now);
    const struct rp_seg *g = rp_expect(rp);
    assert_true(g->th.flags & VG_TCP_RST);
    rp_expect_none(rp);
    const struct vg_stack_stats *st = rp_stats(rp);
    assert_int_equal(st->tcp_xfer_failed, 1);
    assert_int_equal(st->tcbs_live, 0);
    vg_stack_set_alloc_fail(rp->s, NULL, NULL);
    rp_free(rp);
}

static void without_a_block_out_of_order_data_is_dropped_and_resent(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = accepted(rp);
    const struct vg_stack_stats *st = rp_stats(rp);
    uint8_t a[100], b[100], buf[256];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    vg_stack_set_alloc_fail(rp->s, fail_blocks, NULL);

    /* The second segment first: dropped, counted, and the ACK says what is missing. */
    rp_send(rp, VG_TCP_ACK, rp->seq + 100, rp->ack, rp->wnd, NULL, b, sizeof b);
    const struct rp_seg *g = rp_expect(rp);
    assert_int_equal(g->th.ack, rp->seq);
    assert_int_equal(st->tcp_xfer_rx_drops, 1);
    assert_int_equal(st->tcp_ooo_segments, 0);
    /* A FIN out of order too. */
    rp_send(rp, VG_TCP_ACK | VG_TCP_FIN, rp->seq + 200, rp->ack, rp->wnd, NULL, NULL, 0);
    g = rp_expect(rp);
    assert_int_equal(g->th.ack, rp->seq);
    assert_int_equal(st->tcp_xfer_rx_drops, 2);
    assert_null(t->x);

    /* In order, it is taken (and ACKed at once, the delayed ACK having no block either). */
    rp_send_data(rp, a, sizeof a);
    g = rp_expect(rp);
    assert_int_equal(g->th.ack, rp->seq);
    vg_stack_set_alloc_fail(rp->s, NULL, NULL);

    /* The peer resends the rest; every byte arrives once, in order, then the FIN. */
    rp_send_data(rp, b, sizeof b);
    rp_send_seg(rp, VG_TCP_ACK | VG_TCP_FIN, NULL, 0);
    rp_drain(rp);
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 200);
    assert_memory_equal(buf, a, 100);
    assert_memory_equal(buf + 100, b, 100);
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSE_WAIT);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void without_a_block_the_delayed_ack_is_sent_at_once(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = accepted(rp);
    char buf[8];

    /* With a block: the ACK of one small segment waits 40 ms. */
    rp_send_data(rp, "one", 3);
    vg_time got = rp->now;
    rp_expect_none(rp);
    const struct rp_seg *g = rp_wait(rp, got + VG_MS(1000));
    assert_int_equal(g->at, got + VG_DELACK_US);

    /* Without one (the spare that block became is dropped first): at once. */
    tcb_xfer_spares_free(rp->s);
    vg_stack_set_alloc_fail(rp->s, fail_blocks, NULL);
    rp_run_for(rp, VG_MS(10));
    rp_send_data(rp, "two", 3);
    g = rp_expect(rp);
    assert_int_equal(g->at, rp->now);
    assert_int_equal(g->th.ack, rp->seq);
    assert_int_equal(rp_stats(rp)->tcp_xfer_failed, 1);
    assert_null(t->x);
    vg_stack_set_alloc_fail(rp->s, NULL, NULL);
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 6);
    assert_memory_equal(buf, "onetwo", 6);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* NewReno (RFC 6582 §3.2 step 2): after a recovery that ended exactly at SND.UNA, three
 * duplicate ACKs of SND.UNA start no new recovery. The block is given back in between, and
 * the one taken for the next transfer must still know where the last recovery ended. */
static void the_recovery_point_outlives_the_block(void **state)
{
    (void)state;
    enum { MSS = 536 };
    struct rawpeer *rp = rp_new(NULL);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    rp_send_ack(rp);
    const struct vg_stack_stats *st = rp_stats(rp);
    static uint8_t data[8 * MSS];
    memset(data, 'd', sizeof data);

    assert_int_equal(vg_tcp_send(t, data, 4 * MSS, rp->now), 4 * MSS);
    uint32_t una = rp->ack;
    rp_drain(rp);
    for (int i = 0; i < 3; i++) {
        rp_run_for(rp, VG_MS(1));
        rp_send(rp, VG_TCP_ACK, rp->seq, una, rp->wnd, NULL, NULL, 0);
    }
    assert_int_equal(st->tcp_fast_retransmits, 1);
    rp_drain(rp);
    rp_send(rp, VG_TCP_ACK, rp->seq, una + 4 * MSS, rp->wnd, NULL, NULL, 0);   /* full ACK */
    rp_drain(rp);
    assert_null(t->x);

    una += 4 * MSS;
    assert_int_equal(vg_tcp_send(t, data, 4 * MSS, rp->now), 4 * MSS);
    rp_drain(rp);
    for (int i = 0; i < 3; i++) {
        rp_run_for(rp, VG_MS(1));
        rp_send(rp, VG_TCP_ACK, rp->seq, una, rp->wnd, NULL, NULL, 0);
    }
    assert_int_equal(st->tcp_fast_retransmits, 1);   /* SND.UNA is not past the recovery point */
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_idle_keepalive_connection_never_takes_a_block),
        cmocka_unit_test(a_transfer_takes_a_block_and_gives_it_back),
        cmocka_unit_test(emptied_blocks_are_kept_up_to_the_spare_limit),
        cmocka_unit_test(without_a_block_calls_fail_with_nobufs_and_retry),
        cmocka_unit_test(without_a_block_close_resets),
        cmocka_unit_test(without_a_block_out_of_order_data_is_dropped_and_resent),
        cmocka_unit_test(without_a_block_the_delayed_ack_is_sent_at_once),
        cmocka_unit_test(the_recovery_point_outlives_the_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
