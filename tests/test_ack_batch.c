/* ACK coalescing per batch of input (vg_stack_batch_begin / vg_stack_batch_end): in-order data
 * that calls for an ACK at once is acknowledged once per connection when the batch ends, or by
 * the first segment the connection sends before that (a window update after a read); everything
 * RFC 5681 wants acknowledged at once still is (out-of-order data and the duplicate ACKs it
 * makes, a FIN, keep-alive probes); a held ACK never waits longer than the delayed-ACK timer; a
 * connection freed while held is forgotten; a full batch ACKs at once and counts it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080
#define MSS 1460u
#define BIG (2u * MSS)                 /* a coalesced segment: ACKed at once outside a batch */

static uint8_t data[44 * MSS];         /* what GRO makes of 44 segments: the whole 64 KiB window */

static struct rawpeer *peer_with(vg_tcb **t, int no_delayed_ack)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.no_delayed_ack = (uint8_t)no_delayed_ack;
    struct rawpeer *rp = rp_new(&c);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    return rp;
}

static void batch_sends_one_ack_for_several_segments_at_its_end(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 0);
    uint32_t seq = rp->seq;
    vg_stack_batch_begin(rp->s);
    for (int i = 0; i < 3; i++)
        rp_send_data(rp, data + i * BIG, BIG);
    rp_expect_none(rp);                            /* held, not three ACKs */
    assert_int_equal(rp_stats(rp)->tcp_acks_held, 3);
    vg_stack_batch_end(rp->s, rp->now);
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->th.ack, seq + 3 * BIG);
    assert_int_equal(a->at, rp->now);
    assert_int_equal(a->dlen, 0);
    rp_expect_none(rp);
    /* Outside a batch the same segment is ACKed at once again. */
    rp_send_data(rp, data, BIG);
    assert_int_equal(rp_expect(rp)->th.ack, seq + 4 * BIG);
    rp_run_for(rp, VG_MS(1000));
    rp_expect_none(rp);                            /* and the delayed-ACK timer adds nothing */
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void window_update_of_a_read_carries_the_held_ack(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 0);
    uint32_t seq = rp->seq;
    vg_stack_batch_begin(rp->s);
    rp_send_data(rp, data, sizeof data);           /* fills the window */
    rp_expect_none(rp);                            /* no ACK with a closed window */
    static uint8_t got[sizeof data];
    assert_int_equal(vg_tcp_recv(t, got, sizeof got, rp->now), (long)sizeof data);
    /* One segment: the ACK of everything and the reopened window. */
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, seq + (uint32_t)sizeof data);
    assert_true(a->th.wnd >= 65535 - MSS);
    rp_expect_none(rp);
    vg_stack_batch_end(rp->s, rp->now);
    rp_expect_none(rp);                            /* already carried: nothing is sent twice */
    rp_run_for(rp, VG_MS(1000));
    rp_expect_none(rp);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void skip_takes_the_bytes_and_reopens_the_window_like_recv(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 0);
    uint32_t seq = rp->seq;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13);
    vg_stack_batch_begin(rp->s);
    rp_send_data(rp, data, sizeof data);
    rp_expect_none(rp);
    assert_int_equal(vg_tcp_skip(t, 1000, rp->now), 1000);
    rp_expect_none(rp);                            /* 1000 octets of room: too little to say */
    static uint8_t got[100];
    assert_int_equal(vg_tcp_recv(t, got, sizeof got, rp->now), (long)sizeof got);
    assert_memory_equal(got, data + 1000, sizeof got);   /* skipped in order, nothing lost */
    assert_int_equal(vg_tcp_skip(t, SIZE_MAX, rp->now), (long)sizeof data - 1100);
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, seq + (uint32_t)sizeof data);
    assert_true(a->th.wnd >= 65535 - MSS);
    vg_stack_batch_end(rp->s, rp->now);
    rp_expect_none(rp);
    assert_int_equal(vg_tcp_skip(t, 10, rp->now), -VG_ERR_WOULDBLOCK);
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    rp_expect_close_wait_ack(rp);
    assert_int_equal(vg_tcp_skip(t, 10, rp->now), 0);    /* EOF, as recv says it */
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void out_of_order_data_is_acked_at_once_inside_a_batch(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 0);
    uint32_t start = rp->seq;
    vg_stack_batch_begin(rp->s);
    rp->seq = start + BIG;                         /* the first BIG octets are missing */
    rp_send_data(rp, data, BIG);
    rp_send_data(rp, data, BIG);
    rp_send_data(rp, data, BIG);
    /* Three duplicate ACKs, one per segment, at once: the sender's fast retransmit counts them. */
    for (int i = 0; i < 3; i++) {
        const struct rp_seg *d = rp_expect(rp);
        assert_int_equal(d->th.ack, start);
        assert_int_equal(d->at, rp->now);
    }
    rp_expect_none(rp);
    rp->seq = start;
    rp_send_data(rp, data, BIG);                   /* fills the hole: ACKed at once as well */
    assert_int_equal(rp_expect(rp)->th.ack, start + 4 * BIG);
    rp_expect_none(rp);
    vg_stack_batch_end(rp->s, rp->now);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcp_acks_held, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void probe_answered_at_once_and_fin_ack_held_to_the_batch_end(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 0);
    vg_stack_batch_begin(rp->s);
    rp_send_data(rp, data, BIG);
    rp_expect_none(rp);
    /* B5: a probe (SEQ = RCV.NXT - 1, one garbage octet) is answered at once, and its answer
     * carries the held ACK. */
    uint32_t nxt = rp->seq;
    rp_send(rp, VG_TCP_ACK, nxt - 1, rp->ack, rp->wnd, NULL, "", 1);
    const struct rp_seg *p = rp_expect(rp);
    assert_int_equal(p->th.ack, nxt);
    assert_int_equal(p->at, rp->now);
    /* A FIN's ACK waits for the application's own FIN: inside a batch, to the batch's end. */
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    rp_expect_none(rp);
    vg_stack_batch_end(rp->s, rp->now);
    const struct rp_seg *f = rp_expect(rp);
    assert_int_equal(f->th.flags, VG_TCP_ACK);
    assert_int_equal(f->th.ack, nxt + 1);
    assert_int_equal(f->at, rp->now);
    rp_run_for(rp, VG_MS(100));
    rp_expect_none(rp);                 /* once */
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void held_ack_goes_with_the_delayed_ack_timer_if_the_batch_never_ends(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 0);
    uint32_t seq = rp->seq;
    vg_time sent = rp->now;
    vg_stack_batch_begin(rp->s);
    rp_send_data(rp, data, BIG);
    const struct rp_seg *a = rp_wait(rp, sent + VG_MS(1000));
    assert_non_null(a);
    assert_int_equal(a->at, sent + VG_MS(40));     /* the stack's delayed-ACK time */
    assert_int_equal(a->th.ack, seq + BIG);
    vg_stack_batch_end(rp->s, rp->now);
    rp_expect_none(rp);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void no_delayed_ack_is_not_held(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 1);
    vg_stack_batch_begin(rp->s);
    rp_send_data(rp, data, BIG);
    assert_int_equal(rp_expect(rp)->th.ack, rp->seq);
    vg_stack_batch_end(rp->s, rp->now);
    rp_expect_none(rp);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void connection_freed_while_held_is_forgotten(void **state)
{
    (void)state;
    vg_tcb *t;
    struct rawpeer *rp = peer_with(&t, 0);
    vg_stack_batch_begin(rp->s);
    rp_send_data(rp, data, BIG);
    rp_expect_none(rp);
    uint64_t live = rp_stats(rp)->tcbs_live;
    vg_tcp_abort(t, rp->now);                      /* RST, and the TCB is freed */
    assert_int_equal(rp_expect(rp)->th.flags & VG_TCP_RST, VG_TCP_RST);
    assert_int_equal(rp_stats(rp)->tcbs_live, live - 1);
    vg_stack_batch_end(rp->s, rp->now);            /* must not touch it (ASan watches) */
    rp_expect_none(rp);
    rp_free(rp);
}

/* Connections of their own: the scripted peer's state swapped per port. */
struct side {
    vg_tcb *t;
    uint16_t port;
    uint32_t seq, ack;
};

static void full_batch_acks_the_next_connection_at_once(void **state)
{
    (void)state;
    enum { N = VG_ACK_BATCH_MAX + 1 };
    static struct side c[N];
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, N);
    for (int i = 0; i < N; i++) {
        rp->port = (uint16_t)(RP_PEER_PORT + i);
        c[i].t = rp_open_passive(rp, l, PORT, NULL, 65535);
        c[i].port = rp->port;
        c[i].seq = rp->seq;
        c[i].ack = rp->ack;
    }
    vg_stack_batch_begin(rp->s);
    for (int i = 0; i < N; i++) {
        rp->port = c[i].port;
        rp->seq = c[i].seq;
        rp->ack = c[i].ack;
        rp_send_data(rp, data, BIG);
        c[i].seq = rp->seq;
        if (i < VG_ACK_BATCH_MAX)
            rp_expect_none(rp);
    }
    const struct rp_seg *a = rp_expect(rp);        /* the 65th: no room to hold it */
    assert_int_equal(a->th.dport, c[N - 1].port);
    assert_int_equal(a->th.ack, c[N - 1].seq);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcp_ack_batch_full, 1);
    assert_int_equal(rp_stats(rp)->tcp_acks_held, VG_ACK_BATCH_MAX);
    vg_stack_batch_end(rp->s, rp->now);
    /* Every held connection gets its one ACK. */
    static int seen[N];
    for (int i = 0; i < VG_ACK_BATCH_MAX; i++) {
        const struct rp_seg *g = rp_expect(rp);
        int k = g->th.dport - RP_PEER_PORT;
        assert_true(k >= 0 && k < VG_ACK_BATCH_MAX);
        assert_false(seen[k]);
        seen[k] = 1;
        assert_int_equal(g->th.ack, c[k].seq);
    }
    rp_expect_none(rp);
    for (int i = 0; i < N; i++)
        vg_tcp_abort(c[i].t, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_sends_one_ack_for_several_segments_at_its_end),
        cmocka_unit_test(window_update_of_a_read_carries_the_held_ack),
        cmocka_unit_test(skip_takes_the_bytes_and_reopens_the_window_like_recv),
        cmocka_unit_test(out_of_order_data_is_acked_at_once_inside_a_batch),
        cmocka_unit_test(probe_answered_at_once_and_fin_ack_held_to_the_batch_end),
        cmocka_unit_test(held_ack_goes_with_the_delayed_ack_timer_if_the_batch_never_ends),
        cmocka_unit_test(no_delayed_ack_is_not_held),
        cmocka_unit_test(connection_freed_while_held_is_forgotten),
        cmocka_unit_test(full_batch_acks_the_next_connection_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
