/* Fast retransmit and fast recovery (RFC 5681 §3.2, NewReno RFC 6582): the third duplicate
 * ACK resends the missing segment at once instead of waiting for the retransmission timer, and
 * in recovery a partial ACK resends the next hole at once. Each scripted case runs over several
 * stack seeds, so it holds wherever the initial sequence number falls in the 32-bit space. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "testnet.h"

#define PORT 8080
#define MSS 536u
#define SEEDS 8

static struct rawpeer *new_peer(uint64_t seed)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.seed = seed;
    return rp_new(&c);
}

/* Established with a peer MSS of 536, so the initial window is four segments (RFC 5681 §3.1). */
static vg_tcb *established(struct rawpeer *rp)
{
    struct vg_tcp_opts o = {.has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    /* The SYN-ACK's window is never scaled; the first ACK announces the scaled one, so the
     * duplicate ACKs below all carry the window already in force (RFC 5681 §2 (e)). */
    rp_send_ack(rp);
    return t;
}

/* Queues n full segments and collects the n segments the stack sends at once. */
static void send_segments(struct rawpeer *rp, vg_tcb *t, unsigned n, const struct rp_seg **seg)
{
    uint8_t buf[16 * MSS];
    for (size_t i = 0; i < n * MSS; i++)
        buf[i] = (uint8_t)(i * 13u);
    assert_int_equal(vg_tcp_send(t, buf, n * MSS, rp->now), (long)(n * MSS));
    for (unsigned i = 0; i < n; i++) {
        seg[i] = rp_expect(rp);
        assert_int_equal(seg[i]->dlen, MSS);
        if (i)
            assert_int_equal(seg[i]->th.seq, seg[i - 1]->th.seq + MSS);
    }
    rp_expect_none(rp);
}

static void dupack(struct rawpeer *rp, uint32_t ack)
{
    rp_run_for(rp, VG_MS(1));
    rp_send(rp, VG_TCP_ACK, rp->seq, ack, rp->wnd, NULL, NULL, 0);
}

static void third_dupack_retransmits_at_once_without_waiting_for_rto(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct rawpeer *rp = new_peer(seed);
        vg_tcb *t = established(rp);
        const struct rp_seg *s[4];
        send_segments(rp, t, 4, s);
        vg_time sent = s[0]->at;
        uint32_t lost = s[0]->th.seq;

        /* S1 is lost; S2, S3, S4 each produce a duplicate ACK for it. */
        dupack(rp, lost);
        dupack(rp, lost);
        rp_expect_none(rp);                       /* two duplicates are not enough */
        assert_int_equal(rp_stats(rp)->tcp_retransmits, 0);
        dupack(rp, lost);
        const struct rp_seg *r = rp_expect(rp);
        assert_int_equal(r->th.seq, lost);
        assert_int_equal(r->dlen, MSS);
        assert_memory_equal(r->data, s[0]->data, MSS);
        assert_int_equal(r->at, rp->now);          /* sent on the third duplicate ACK... */
        assert_true(r->at - sent < VG_MS(200));    /* ...long before any RTO could expire */
        assert_int_equal(rp_stats(rp)->tcp_fast_retransmits, 1);
        assert_int_equal(rp_stats(rp)->tcp_retransmits, 1);
        assert_int_equal(rp_count_events(rp, VG_EV_RETRANSMIT, t), 1);

        /* The hole is filled: everything is acknowledged and nothing more is resent. */
        rp_send(rp, VG_TCP_ACK, rp->seq, lost + 4 * MSS, rp->wnd, NULL, NULL, 0);
        rp_run_for(rp, VG_MS(10000));
        rp_expect_none(rp);
        assert_int_equal(vg_tcp_unacked(t), 0);
        assert_int_equal(rp_stats(rp)->tcp_retransmits, 1);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

static void newreno_partial_ack_retransmits_next_hole_at_once(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct rawpeer *rp = new_peer(seed);
        vg_tcb *t = established(rp);
        /* A first round acknowledged segment by segment opens the window to eight segments. */
        const struct rp_seg *s[8];
        send_segments(rp, t, 4, s);
        for (int i = 0; i < 4; i++) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_ACK, rp->seq, s[i]->th.seq + MSS, rp->wnd, NULL, NULL, 0);
        }
        send_segments(rp, t, 8, s);
        vg_time sent = s[0]->at;

        /* S1 and S4 are lost: S2, S3, S5..S8 arrive and each produces a duplicate ACK. */
        uint32_t hole1 = s[0]->th.seq, hole2 = s[3]->th.seq, end = s[7]->th.seq + MSS;
        for (int i = 0; i < 6; i++)
            dupack(rp, hole1);
        const struct rp_seg *r1 = rp_expect(rp);
        assert_int_equal(r1->th.seq, hole1);
        rp_expect_none(rp);                        /* no new data was queued to send */

        /* The resent S1 fills the first hole: the ACK covers up to S4 only (partial). */
        dupack(rp, hole2);
        const struct rp_seg *r2 = rp_expect(rp);
        assert_int_equal(r2->th.seq, hole2);
        assert_int_equal(r2->dlen, MSS);
        assert_memory_equal(r2->data, s[3]->data, MSS);
        assert_int_equal(r2->at, rp->now);
        assert_true(r2->at - sent < VG_MS(200));
        assert_int_equal(rp_stats(rp)->tcp_fast_retransmits, 1);
        assert_int_equal(rp_stats(rp)->tcp_retransmits, 2);

        /* The full ACK ends recovery; nothing else is resent. */
        dupack(rp, end);
        rp_run_for(rp, VG_MS(10000));
        rp_expect_none(rp);
        assert_int_equal(vg_tcp_unacked(t), 0);
        assert_int_equal(rp_stats(rp)->tcp_retransmits, 2);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

static void dupacks_with_a_changed_window_are_not_duplicates(void **state)
{
    (void)state;
    /* RFC 5681 §2 (e): an ACK that changes the advertised window is a window update. */
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct rawpeer *rp = new_peer(seed);
        vg_tcb *t = established(rp);
        const struct rp_seg *s[4];
        send_segments(rp, t, 4, s);
        for (int i = 0; i < 3; i++) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_ACK, rp->seq, s[0]->th.seq, (uint16_t)(1000 + i), NULL, NULL, 0);
        }
        rp_expect_none(rp);
        assert_int_equal(rp_stats(rp)->tcp_fast_retransmits, 0);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

/* Drops the n-th TCP segment with data sent by host 0, once. */
struct drop_nth {
    unsigned n, seen;
};

static int drop_filter(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    struct drop_nth *d = ctx;
    (void)pkt;
    (void)to;
    (void)now;
    if (from != 0 || len <= 40 + 20)
        return 1;
    return ++d->seen != d->n;
}

static void single_loss_between_two_stacks_is_repaired_by_fast_retransmit(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct tn_pair *p = tn_pair_new(seed, NULL, VG_PROFILE_WINDOWS_VISTA);
        vg_tcb *l = tn_listen(p, 1, PORT), *a, *b;
        tn_connect_pair(p, 0, NULL, l, 0, &a, &b);
        struct drop_nth d = {20, 0};
        vg_simnet_set_filter(p->net, drop_filter, &d);
        uint64_t bytes[2] = {300000, 0};
        struct tn_transfer_result r;
        tn_transfer(p, a, b, bytes, seed, 0, VG_MS(60000), &r);
        tn_assert_transfer_exact(&r);
        const struct vg_stack_stats *st = vg_stack_stats(tn_stack(p, 0));
        assert_true(d.seen > d.n);
        assert_int_equal(st->tcp_fast_retransmits, 1);
        assert_int_equal(st->tcp_retransmits, 1);  /* the only resend was the fast one */
        vg_tcp_abort(a, tn_now(p));
        vg_tcp_abort(b, tn_now(p));
        vg_tcp_close(l, tn_now(p));
        tn_pair_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(third_dupack_retransmits_at_once_without_waiting_for_rto),
        cmocka_unit_test(newreno_partial_ack_retransmits_next_hole_at_once),
        cmocka_unit_test(dupacks_with_a_changed_window_are_not_duplicates),
        cmocka_unit_test(single_loss_between_two_stacks_is_repaired_by_fast_retransmit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
