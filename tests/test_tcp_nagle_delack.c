/* Nagle's algorithm (RFC 896, RFC 1122 §4.2.3.4) and delayed ACKs (RFC 1122 §4.2.3.2,
 * RFC 5681 §4.2), each with its switch: vg_tcp_set_nodelay turns Nagle off for a connection,
 * cfg.no_delayed_ack turns delayed ACKs off for a stack. The delayed-ACK timer is the stack's
 * documented 40 ms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080
#define DELACK VG_MS(40)

static struct rawpeer *new_peer(int no_delayed_ack)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.no_delayed_ack = (uint8_t)no_delayed_ack;
    return rp_new(&c);
}

static vg_tcb *established(struct rawpeer *rp)
{
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1000};
    return rp_open_active(rp, PORT, &o, 65535);
}

static void nagle_holds_small_segment_while_data_is_unacknowledged(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    vg_tcb *t = established(rp);
    assert_false(vg_tcp_nodelay(t));               /* Nagle is on by default */
    assert_int_equal(vg_tcp_send(t, "first", 5, rp->now), 5);
    const struct rp_seg *a = rp_receive(rp);       /* nothing in flight: sent at once */
    assert_int_equal(a->dlen, 5);
    assert_int_equal(vg_tcp_send(t, "sec", 3, rp->now), 3);
    assert_int_equal(vg_tcp_send(t, "ond", 3, rp->now), 3);
    rp_run_for(rp, VG_MS(150));
    rp_expect_none(rp);                            /* held: a small segment is in flight */
    rp_send_ack(rp);
    const struct rp_seg *b = rp_receive(rp);       /* released by the ACK, coalesced */
    assert_int_equal(b->th.seq, a->th.seq + 5);
    assert_int_equal(b->dlen, 6);
    assert_memory_equal(b->data, "second", 6);
    rp_expect_none(rp);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void nagle_never_holds_a_full_segment(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    vg_tcb *t = established(rp);
    static uint8_t buf[2500];
    assert_int_equal(vg_tcp_send(t, "x", 1, rp->now), 1);
    rp_receive(rp);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), (long)sizeof buf);
    /* Two full segments go out despite the unacknowledged octet; the 500-octet tail waits. */
    assert_int_equal(rp_receive(rp)->dlen, 1000);
    assert_int_equal(rp_receive(rp)->dlen, 1000);
    rp_expect_none(rp);
    rp_send_ack(rp);
    assert_int_equal(rp_receive(rp)->dlen, 500);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void nodelay_sends_each_small_write_at_once(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    vg_tcb *t = established(rp);
    vg_tcp_set_nodelay(t, 1);
    assert_true(vg_tcp_nodelay(t));
    const char *parts[] = {"a", "bc", "def", "ghij"};
    uint32_t seq = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(vg_tcp_send(t, parts[i], strlen(parts[i]), rp->now), (long)strlen(parts[i]));
        const struct rp_seg *g = rp_receive(rp);
        assert_int_equal(g->dlen, strlen(parts[i]));
        assert_memory_equal(g->data, parts[i], g->dlen);
        if (i)
            assert_int_equal(g->th.seq, seq);
        seq = g->th.seq + (uint32_t)g->dlen;
        assert_int_equal(g->at, rp->now);          /* no ACK was needed in between */
    }
    /* Switched back on, Nagle holds again. */
    vg_tcp_set_nodelay(t, 0);
    assert_int_equal(vg_tcp_send(t, "k", 1, rp->now), 1);
    rp_expect_none(rp);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void delayed_ack_waits_40ms_for_a_single_segment(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    vg_tcb *t = established(rp);
    rp_send_data(rp, "hello", 5);
    vg_time sent = rp->now;
    rp_expect_none(rp);                            /* not at once */
    const struct rp_seg *a = rp_wait(rp, sent + VG_MS(1000));
    assert_non_null(a);
    assert_int_equal(a->at, sent + DELACK);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->dlen, 0);
    rp_run_for(rp, VG_MS(1000));
    rp_expect_none(rp);                            /* exactly one ACK */
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void delayed_ack_acks_every_second_full_segment_at_once(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    vg_tcb *t = established(rp);
    static uint8_t buf[1000];
    for (int pair = 0; pair < 3; pair++) {
        rp_send_data(rp, buf, sizeof buf);
        rp_expect_none(rp);
        rp_run_for(rp, VG_MS(5));
        rp_send_data(rp, buf, sizeof buf);
        const struct rp_seg *a = rp_take(rp);      /* the second one is acknowledged at once */
        assert_non_null(a);
        assert_int_equal(a->th.ack, rp->seq);
        rp_expect_none(rp);
        rp_run_for(rp, VG_MS(100));
        rp_expect_none(rp);                        /* and the timer is gone with it */
    }
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void delayed_ack_rides_on_reply_data(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    vg_tcb *t = established(rp);
    vg_tcp_set_nodelay(t, 1);
    rp_send_data(rp, "ping", 4);
    rp_run_for(rp, VG_MS(10));
    char buf[8];
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 4);
    assert_int_equal(vg_tcp_send(t, "pong", 4, rp->now), 4);
    const struct rp_seg *d = rp_receive(rp);
    assert_int_equal(d->dlen, 4);
    assert_true(d->th.flags & VG_TCP_ACK);
    assert_int_equal(d->th.ack, rp->seq);          /* the ACK travels with the reply */
    rp_send_ack(rp);
    rp_run_for(rp, VG_MS(200));
    rp_expect_none(rp);                            /* so no separate ACK follows */
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void no_delayed_ack_acks_every_segment_at_once(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(1);
    vg_tcb *t = established(rp);
    for (int i = 0; i < 5; i++) {
        rp_send_data(rp, "abc", 3);
        const struct rp_seg *a = rp_take(rp);
        assert_non_null(a);
        assert_int_equal(a->at, rp->now);
        assert_int_equal(a->th.ack, rp->seq);
        rp_expect_none(rp);
        rp_run_for(rp, VG_MS(1));
    }
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void nagle_and_delayed_ack_between_two_scripted_writes(void **state)
{
    (void)state;
    /* The classic interaction: a small write waits for the ACK of the previous one, and that
     * ACK itself is delayed; with Nagle off nothing waits. */
    for (int nodelay = 0; nodelay <= 1; nodelay++) {
        struct rawpeer *rp = new_peer(0);
        vg_tcb *t = established(rp);
        vg_tcp_set_nodelay(t, nodelay);
        assert_int_equal(vg_tcp_send(t, "a", 1, rp->now), 1);
        vg_time t0 = rp_receive(rp)->at;
        assert_int_equal(vg_tcp_send(t, "b", 1, rp->now), 1);
        const struct rp_seg *b = rp_take(rp);
        if (nodelay) {
            assert_non_null(b);
            assert_int_equal(b->at, t0);
        } else {
            assert_null(b);
            rp_run_for(rp, DELACK);                /* the peer's delayed ACK */
            rp_send_ack(rp);
            b = rp_take(rp);
            assert_non_null(b);
            assert_int_equal(b->at, t0 + DELACK);
        }
        assert_memory_equal(b->data, "b", 1);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nagle_holds_small_segment_while_data_is_unacknowledged),
        cmocka_unit_test(nagle_never_holds_a_full_segment),
        cmocka_unit_test(nodelay_sends_each_small_write_at_once),
        cmocka_unit_test(delayed_ack_waits_40ms_for_a_single_segment),
        cmocka_unit_test(delayed_ack_acks_every_second_full_segment_at_once),
        cmocka_unit_test(delayed_ack_rides_on_reply_data),
        cmocka_unit_test(no_delayed_ack_acks_every_segment_at_once),
        cmocka_unit_test(nagle_and_delayed_ack_between_two_scripted_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
