/* Retransmission timeout (RFC 6298): initial RTO of 1 s, RTO = SRTT + 4·RTTVAR from the
 * samples (never below the stack's documented 200 ms floor, never above 60 s), exponential
 * backoff, Karn's rule (no sample from a retransmitted segment; the backed-off RTO stays until
 * a clean sample), the timer restarted by an ACK of new data, and a bounded number of
 * retransmissions followed by an abort with VG_ERR_TIMEDOUT. The expected instants come from an
 * independent RFC 6298 model below, in virtual time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080
#define RTO_FLOOR VG_MS(200)
#define RTO_CEILING VG_MS(60000)

/* RFC 6298 §2, in microseconds (integer arithmetic as in the RFC's formulas). */
struct rto_model {
    int have;
    vg_time srtt, rttvar, rto;
};

static void model_init(struct rto_model *m)
{
    memset(m, 0, sizeof *m);
    m->rto = VG_MS(1000);
}

static void model_sample(struct rto_model *m, vg_time r)
{
    if (!m->have) {
        m->srtt = r;
        m->rttvar = r / 2;
        m->have = 1;
    } else {
        vg_time diff = m->srtt > r ? m->srtt - r : r - m->srtt;
        m->rttvar = (3 * m->rttvar + diff) / 4;
        m->srtt = (7 * m->srtt + r) / 8;
    }
    m->rto = m->srtt + 4 * m->rttvar;
    if (m->rto < RTO_FLOOR)
        m->rto = RTO_FLOOR;
    if (m->rto > RTO_CEILING)
        m->rto = RTO_CEILING;
}

static void model_backoff(struct rto_model *m)
{
    m->rto = 2 * m->rto > RTO_CEILING ? RTO_CEILING : 2 * m->rto;
}

static struct rawpeer *new_peer(uint32_t max_rtx)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.max_retransmissions = max_rtx;
    return rp_new(&c);
}

/* Active open whose SYN-ACK arrives rtt after the SYN: the first RTT sample. */
static vg_tcb *open_with_rtt(struct rawpeer *rp, vg_time rtt, struct rto_model *m)
{
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    rp_run_for(rp, rtt);
    rp->ack = syn->th.seq + 1;
    rp->seq = 0x5000;
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460};
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq, rp->ack, 65535, &o, NULL, 0);
    rp->seq++;
    rp_expect(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    model_init(m);
    model_sample(m, rtt);
    return t;
}

/* Sends n bytes and returns the segment that carried them. */
static const struct rp_seg *send_bytes(struct rawpeer *rp, vg_tcb *t, size_t n)
{
    uint8_t buf[1000];
    assert_true(n <= sizeof buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(rp->now + i);
    assert_int_equal(vg_tcp_send(t, buf, n, rp->now), (long)n);
    const struct rp_seg *d = rp_expect(rp);
    assert_int_equal(d->dlen, n);
    return d;
}

/* Expects the next output to be a retransmission of d exactly `after` µs after `since`. */
static const struct rp_seg *expect_resend(struct rawpeer *rp, const struct rp_seg *d, vg_time since,
                                          vg_time after)
{
    const struct rp_seg *r = rp_wait(rp, since + after + VG_MS(100000));
    if (!r)
        fail_msg("no retransmission (expected %llu us after %llu)", (unsigned long long)after,
                 (unsigned long long)since);
    if (r->at != since + after)
        fail_msg("retransmitted %lld us after the previous send, expected %llu",
                 (long long)(r->at - since), (unsigned long long)after);
    assert_int_equal(r->th.seq, d->th.seq);
    assert_int_equal(r->dlen, d->dlen);
    assert_memory_equal(r->data, d->data, d->dlen);
    return r;
}

static void syn_retransmitted_after_initial_1s_rto_then_doubling_until_timedout(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);          /* default: 5 retransmissions */
    vg_tcb *t = vg_tcp_open(rp->s);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    vg_time prev = syn->at, rto = VG_MS(1000);
    for (int i = 0; i < 5; i++) {
        const struct rp_seg *r = rp_wait(rp, prev + rto + 1);
        assert_non_null(r);
        assert_int_equal(r->at, prev + rto);
        assert_int_equal(r->th.flags, VG_TCP_SYN);
        assert_int_equal(r->th.seq, syn->th.seq);
        prev = r->at;
        rto *= 2;
    }
    assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_SENT);
    /* The sixth expiry gives up: 1+2+4+8+16+32 = 63 s after the first SYN. */
    assert_null(rp_wait(rp, prev + rto - 1));
    rp_run_until(rp, prev + rto);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_error(t), VG_ERR_TIMEDOUT);
    const struct rp_event *a = rp_find_event(rp, VG_EV_ABORTED, t, 0);
    assert_non_null(a);
    assert_int_equal(a->ev.err, VG_ERR_TIMEDOUT);
    assert_int_equal(a->ev.now, syn->at + VG_MS(63000));
    rp_expect_none(rp);                            /* never synchronised: no RST */
    assert_int_equal(rp_count_events(rp, VG_EV_RETRANSMIT, t), 5);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void rto_from_first_sample_is_srtt_plus_four_rttvar(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    struct rto_model m;
    vg_tcb *t = open_with_rtt(rp, VG_MS(100), &m);
    assert_int_equal(m.rto, VG_MS(300));          /* R + 4·R/2 */
    const struct rp_seg *d = send_bytes(rp, t, 100);
    const struct rp_seg *r = expect_resend(rp, d, d->at, m.rto);
    model_backoff(&m);
    r = expect_resend(rp, d, r->at, m.rto);
    model_backoff(&m);
    expect_resend(rp, d, r->at, m.rto);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void rto_never_below_the_200ms_floor(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    struct rto_model m;
    vg_tcb *t = open_with_rtt(rp, VG_MS(2), &m);
    assert_int_equal(m.rto, RTO_FLOOR);
    const struct rp_seg *d = send_bytes(rp, t, 10);
    expect_resend(rp, d, d->at, RTO_FLOOR);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void backoff_doubles_up_to_60s_then_times_out_with_rst(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(12);
    struct rto_model m;
    vg_tcb *t = open_with_rtt(rp, VG_MS(100), &m);
    const struct rp_seg *d = send_bytes(rp, t, 100);
    vg_time prev = d->at;
    for (int i = 0; i < 12; i++) {
        const struct rp_seg *r = expect_resend(rp, d, prev, m.rto);
        prev = r->at;
        model_backoff(&m);
    }
    assert_int_equal(m.rto, RTO_CEILING);         /* the ceiling was reached on the way */
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    /* The thirteenth expiry gives up: RST to the peer, TIMEDOUT to the application. */
    const struct rp_seg *rst = rp_wait(rp, prev + m.rto);
    assert_non_null(rst);
    assert_int_equal(rst->at, prev + m.rto);
    assert_true(rst->th.flags & VG_TCP_RST);
    assert_int_equal(rst->th.seq, d->th.seq + 100);   /* SND.MAX */
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_error(t), VG_ERR_TIMEDOUT);
    assert_int_equal(rp_stats(rp)->tcp_timeouts, 1);
    assert_int_equal(rp_stats(rp)->tcp_retransmits, 12);
    char c;
    assert_int_equal(vg_tcp_recv(t, &c, 1, rp->now), -VG_ERR_TIMEDOUT);
    assert_int_equal(vg_tcp_send(t, &c, 1, rp->now), -VG_ERR_TIMEDOUT);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void karn_no_sample_from_retransmitted_segment_and_backoff_kept(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer(0);
    struct rto_model m;
    vg_tcb *t = open_with_rtt(rp, VG_MS(100), &m);

    /* D1 is lost once; its retransmission is acknowledged 1 ms later. The ACK is ambiguous
     * (RFC 6298 §3), so it must not move the estimate; the backed-off RTO stays. */
    const struct rp_seg *d1 = send_bytes(rp, t, 100);
    expect_resend(rp, d1, d1->at, m.rto);
    model_backoff(&m);
    rp_run_for(rp, VG_MS(1));
    rp->ack = d1->th.seq + 100;
    rp_send_ack(rp);

    /* D2 is lost: it is resent after the backed-off RTO (600 ms) — not 300 ms (the old
     * estimate), 336 ms (a sample of 1 ms) or 473 ms (a sample of 301 ms). */
    rp_run_for(rp, VG_MS(10));
    const struct rp_seg *d2 = send_bytes(rp, t, 100);
    assert_int_equal(m.rto, VG_MS(600));
    expect_resend(rp, d2, d2->at, m.rto);
    model_backoff(&m);
    rp_run_for(rp, VG_MS(1));
    rp->ack = d2->th.seq + 100;
    rp_send_ack(rp);

    /* D3 is acknowledged without a retransmission after 100 ms: a clean sample, and the RTO
     * is recomputed from the estimate (RFC 6298 §2.3), abandoning the backoff. */
    rp_run_for(rp, VG_MS(10));
    const struct rp_seg *d3 = send_bytes(rp, t, 100);
    rp_run_for(rp, VG_MS(100));
    rp->ack = d3->th.seq + 100;
    rp_send_ack(rp);
    model_sample(&m, VG_MS(100));
    assert_int_equal(m.rto, VG_MS(250));
    const struct rp_seg *d4 = send_bytes(rp, t, 100);
    expect_resend(rp, d4, d4->at, m.rto);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void ack_of_new_data_restarts_the_timer(void **state)
{
    (void)state;
    /* RFC 6298 §5.3: when an ACK acknowledges new data, restart the timer for the rest. */
    struct rawpeer *rp = new_peer(0);
    struct rto_model m;
    vg_tcb *t = open_with_rtt(rp, VG_MS(100), &m);
    vg_tcp_set_nodelay(t, 1);
    const struct rp_seg *d1 = send_bytes(rp, t, 100);
    const struct rp_seg *d2 = send_bytes(rp, t, 100);
    rp_run_for(rp, VG_MS(200));
    rp->ack = d1->th.seq + 100;
    rp_send_ack(rp);
    vg_time acked = rp->now;
    /* The RTO is recomputed from D1's clean 200 ms sample before the restart. */
    model_sample(&m, VG_MS(200));
    expect_resend(rp, d2, acked, m.rto);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void retry_count_restarts_after_progress(void **state)
{
    (void)state;
    /* The bound is on consecutive retransmissions of the same data: a connection that loses
     * twice, recovers, and loses twice again is not dropped with a limit of 2. */
    struct rawpeer *rp = new_peer(2);
    struct rto_model m;
    vg_tcb *t = open_with_rtt(rp, VG_MS(100), &m);
    for (int round = 0; round < 3; round++) {
        const struct rp_seg *d = send_bytes(rp, t, 50);
        const struct rp_seg *r = rp_wait(rp, rp->now + VG_MS(60000));
        assert_non_null(r);
        r = rp_wait(rp, rp->now + VG_MS(60000));
        assert_non_null(r);
        assert_int_equal(r->th.seq, d->th.seq);
        rp->ack = d->th.seq + 50;
        rp_send_ack(rp);
        assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
        rp_run_for(rp, VG_MS(10));
    }
    assert_int_equal(rp_stats(rp)->tcp_timeouts, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void go_back_after_rto_resends_the_rest_in_order(void **state)
{
    (void)state;
    /* After a timeout everything from SND.UNA is sent again, in order, as ACKs open the
     * collapsed window (RFC 5681 §3.1: cwnd = 1 segment after a loss). */
    struct rawpeer *rp = new_peer(0);
    struct rto_model m;
    vg_tcb *t = open_with_rtt(rp, VG_MS(100), &m);
    uint8_t buf[3 * 1460];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 31u);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), (long)sizeof buf);
    const struct rp_seg *s0 = rp_expect(rp);
    uint32_t base = s0->th.seq;
    rp_drain(rp);                                  /* every first transmission is lost */
    const struct rp_seg *r = rp_wait(rp, rp->now + VG_MS(1000));
    assert_non_null(r);
    assert_int_equal(r->th.seq, base);
    assert_int_equal(r->dlen, 1460);
    rp_expect_none(rp);                            /* one segment: cwnd collapsed */
    uint8_t got[sizeof buf];
    uint32_t have = 0;
    memcpy(got, r->data, r->dlen);
    have += (uint32_t)r->dlen;
    while (have < sizeof buf) {
        rp->ack = base + have;
        rp_send_ack(rp);
        const struct rp_seg *g;
        int n = 0;
        while ((g = rp_take(rp)) != NULL) {
            assert_int_equal(g->th.seq, base + have);
            memcpy(got + have, g->data, g->dlen);
            have += (uint32_t)g->dlen;
            n++;
        }
        assert_true(n > 0);                        /* each ACK releases more, at once */
    }
    assert_memory_equal(got, buf, sizeof buf);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void timeout_with_short_unacknowledged_tail_resends_only_that_tail(void **state)
{
    (void)state;
    /* 500 octets are unacknowledged and more wait behind a small window when the timer
     * expires. The retransmission covers those 500 (it may carry new octets too, as far as the
     * window reaches), and whatever it carried, the peer's ACK of it is accepted and the
     * transfer completes. */
    struct rawpeer *rp = new_peer(0);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1000};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 2500);
    vg_tcp_set_nodelay(t, 1);
    uint8_t buf[5000], got[5000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7u + 1u);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 5000);
    const struct rp_seg *a = rp_expect(rp), *b = rp_expect(rp);
    rp_expect_none(rp);
    uint32_t base = a->th.seq;
    assert_int_equal(b->th.seq, base + 1000);
    memcpy(got, a->data, 1000);
    memcpy(got + 1000, b->data, 1000);
    /* Half of the second segment is acknowledged; the window shrinks to 1000. */
    rp->ack = base + 1500;
    rp->wnd = 1000;
    rp_send_ack(rp);
    rp_expect_none(rp);                            /* 500 usable: too small to send (SWS) */
    const struct rp_seg *r = rp_wait(rp, rp->now + VG_MS(5000));
    assert_non_null(r);
    assert_int_equal(r->th.seq, base + 1500);
    assert_true(r->dlen >= 500);
    assert_true(r->dlen <= 1000);                  /* the window's right edge: base + 2500 */
    assert_memory_equal(r->data, buf + 1500, r->dlen);
    memcpy(got + 1500, r->data, r->dlen);
    uint32_t have = 1500 + (uint32_t)r->dlen;
    for (int round = 0; have < sizeof buf; round++) {
        assert_true(round < 100);
        rp->ack = base + have;
        rp_send_ack(rp);
        const struct rp_seg *g;
        while ((g = rp_wait(rp, rp->now + VG_MS(2000))) != NULL && g->th.seq != base + have)
            ;
        assert_non_null(g);
        memcpy(got + have, g->data, g->dlen);
        have += (uint32_t)g->dlen;
    }
    assert_memory_equal(got, buf, sizeof buf);
    rp->ack = base + have;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_unacked(t), 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(syn_retransmitted_after_initial_1s_rto_then_doubling_until_timedout),
        cmocka_unit_test(rto_from_first_sample_is_srtt_plus_four_rttvar),
        cmocka_unit_test(rto_never_below_the_200ms_floor),
        cmocka_unit_test(backoff_doubles_up_to_60s_then_times_out_with_rst),
        cmocka_unit_test(karn_no_sample_from_retransmitted_segment_and_backoff_kept),
        cmocka_unit_test(ack_of_new_data_restarts_the_timer),
        cmocka_unit_test(retry_count_restarts_after_progress),
        cmocka_unit_test(go_back_after_rto_resends_the_rest_in_order),
        cmocka_unit_test(timeout_with_short_unacknowledged_tail_resends_only_that_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
