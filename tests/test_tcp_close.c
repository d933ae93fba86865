/* Closing a connection (RFC 9293 §3.6): the active side through FIN_WAIT_1, FIN_WAIT_2 and
 * TIME_WAIT (2·MSL, then CLOSED), the passive side through CLOSE_WAIT and LAST_ACK, both at once
 * through CLOSING, half-close, the orphaned FIN_WAIT_2 timeout, and abortive close of a socket
 * with unread data (RFC 2525 §2.17). */
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
#define MSL_MS 5000u
#define TWO_MSL VG_MS(2 * MSL_MS)

static struct rawpeer *new_peer(void)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.msl_ms = MSL_MS;
    return rp_new(&c);
}

/* An established connection accepted from the scripted peer; the listener is closed. */
static vg_tcb *established(struct rawpeer *rp)
{
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    vg_tcp_close(l, rp->now);
    return t;
}

/* The stack's FIN: asserts its shape and returns its sequence number. */
static uint32_t expect_fin(struct rawpeer *rp)
{
    const struct rp_seg *f = rp_expect(rp);
    assert_int_equal(f->th.flags & (VG_TCP_FIN | VG_TCP_ACK | VG_TCP_RST), VG_TCP_FIN | VG_TCP_ACK);
    assert_int_equal(f->th.ack, rp->seq);
    return f->th.seq;
}

/* The stack's FIN once more, its retransmission within 2 s. */
static void expect_fin_again(struct rawpeer *rp, uint32_t fin)
{
    const struct rp_seg *r = rp_wait(rp, rp->now + VG_MS(2000));
    assert_non_null(r);
    assert_true(r->th.flags & VG_TCP_FIN);
    assert_int_equal(r->th.seq, fin);
}

/* TIME_WAIT entered at `entered` lasts 2·MSL to the microsecond. */
static void assert_time_wait_ends_2msl_after(struct rawpeer *rp, vg_tcb *t, vg_time entered)
{
    rp_run_until(rp, entered + TWO_MSL - 1);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    rp_run_until(rp, entered + TWO_MSL);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
}

/* Our FIN and the peer's cross (simultaneous close): the connection is CLOSING and the stack's
 * ACK of the peer's FIN is taken (into *ack unless NULL). Returns our FIN's sequence number. */
static uint32_t fins_cross(struct rawpeer *rp, vg_tcb *t, const struct rp_seg **ack)
{
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    uint32_t fin = expect_fin(rp);
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSING);
    const struct rp_seg *a = rp_expect(rp);
    if (ack)
        *ack = a;
    return fin;
}

static void active_close_fin_wait_1_fin_wait_2_time_wait_then_closed_after_2msl(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_send(t, "data", 4, rp->now), 4);
    const struct rp_seg *d = rp_receive(rp);
    uint32_t data_seq = d->th.seq;

    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_1);
    uint32_t fin = expect_fin(rp);
    assert_int_equal(fin, data_seq + 4);          /* the FIN follows the data */
    assert_int_equal(vg_tcp_send(t, "x", 1, rp->now), -VG_ERR_SHUTDOWN);

    rp->ack = fin + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_2);
    rp_expect_none(rp);

    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    vg_time entered = rp->now;
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->th.seq, fin + 1);
    assert_int_equal(rp_count_events(rp, VG_EV_PEER_FIN, t), 1);

    rp_run_until(rp, entered + TWO_MSL - 1);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    assert_int_equal(rp_count_events(rp, VG_EV_CLOSED, t), 0);
    rp_run_until(rp, entered + TWO_MSL);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    const struct rp_event *c = rp_find_event(rp, VG_EV_CLOSED, t, 0);
    assert_non_null(c);
    assert_int_equal(c->ev.now, entered + TWO_MSL);
    assert_int_equal(c->ev.err, 0);
    assert_int_equal(vg_tcp_error(t), 0);
    assert_int_equal(rp_count_events(rp, VG_EV_ABORTED, t), 0);
    rp_expect_none(rp);
    vg_tcp_close(t, rp->now);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void time_wait_frees_a_released_tcb_after_2msl(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    vg_tcp_close(t, rp->now);                     /* released: the stack finishes the close */
    rp->ack = expect_fin(rp) + 1;
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    vg_time entered = rp->now;
    assert_int_equal(rp_expect(rp)->th.ack, rp->seq);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    rp_run_until(rp, entered + TWO_MSL - 1);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    rp_run_until(rp, entered + TWO_MSL);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    assert_int_equal(rp_count_events(rp, VG_EV_CLOSED, t), 1);
    rp_free(rp);
}

static void fin_wait_1_fin_acking_our_fin_goes_straight_to_time_wait(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    rp->ack = expect_fin(rp) + 1;
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);   /* FIN and ACK of ours together */
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    assert_int_equal(rp_expect(rp)->th.ack, rp->seq);
    rp_run_for(rp, TWO_MSL);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void time_wait_acks_retransmitted_fin_and_restarts_2msl(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    rp->ack = expect_fin(rp) + 1;
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    rp_expect(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);

    /* Our last ACK was lost: the peer resends its FIN 3 s later. */
    rp_run_for(rp, VG_MS(3000));
    rp_send(rp, VG_TCP_FIN | VG_TCP_ACK, rp->seq - 1, rp->ack, 65535, NULL, NULL, 0);
    vg_time restarted = rp->now;
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->th.ack, rp->seq);
    assert_time_wait_ends_2msl_after(rp, t, restarted);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void fin_wait_1_retransmits_fin_until_acked(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    uint32_t fin = expect_fin(rp);
    expect_fin_again(rp, fin);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_1);
    rp->ack = fin + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_2);
    rp_run_for(rp, VG_MS(60000));
    rp_expect_none(rp);                           /* acknowledged: no more retransmissions */
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void fin_wait_2_held_by_the_application_stays_and_still_receives(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    rp->ack = expect_fin(rp) + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_2);
    rp_run_for(rp, 10 * TWO_MSL);                 /* half-closed: no timeout while held */
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_2);
    rp_send_data(rp, "late data", 9);
    char buf[16];
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 9);
    assert_memory_equal(buf, "late data", 9);
    rp_run_for(rp, VG_MS(500));
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, rp->seq);
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 0);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void time_wait_entered_from_idle_fin_wait_2_still_ends_after_2msl(void **state)
{
    (void)state;
    /* FIN_WAIT_2 held by the application has no timer at all; the peer's FIN arrives much
     * later. TIME_WAIT must still arm its own 2·MSL. */
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    rp->ack = expect_fin(rp) + 1;
    rp_send_ack(rp);
    rp_run_for(rp, VG_MS(60000));
    assert_int_equal(vg_stack_next_deadline(rp->s), VG_TIME_NEVER);   /* nothing pending */
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    vg_time entered = rp->now;
    rp_expect(rp);
    assert_time_wait_ends_2msl_after(rp, t, entered);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void time_wait_entered_from_idle_closing_still_ends_after_2msl(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    uint32_t fin = fins_cross(rp, t, NULL);
    /* The FIN's retransmission timer is what runs now; the ACK lands just as it is rearmed. */
    const struct rp_seg *r = rp_wait(rp, rp->now + VG_MS(5000));
    assert_non_null(r);
    rp->ack = fin + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    vg_time entered = rp->now;
    rp_run_until(rp, entered + TWO_MSL);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void orphaned_fin_wait_2_times_out_after_orphan_timeout(void **state)
{
    (void)state;
    /* cfg.orphan_timeout_ms (Linux tcp_fin_timeout), not 2·MSL, bounds an orphan's wait. */
    const vg_time timeout = VG_MS(7000);
    struct vg_stack_config c0;
    rp_config(&c0);
    c0.msl_ms = MSL_MS;
    c0.orphan_timeout_ms = 7000;
    struct rawpeer *rp = rp_new(&c0);
    vg_tcb *t = established(rp);
    vg_tcp_close(t, rp->now);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 1);
    rp->ack = expect_fin(rp) + 1;
    rp_send_ack(rp);
    vg_time entered = rp->now;
    rp_run_until(rp, entered + timeout - 1);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    assert_int_equal(rp_count_events(rp, VG_EV_CLOSED, t), 0);
    rp_run_until(rp, entered + timeout);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 0);
    assert_int_equal(rp_stats(rp)->tcp_orphan_timeouts, 1);
    const struct rp_event *c = rp_find_event(rp, VG_EV_CLOSED, t, 0);
    assert_non_null(c);
    assert_int_equal(c->ev.now, entered + timeout);
    /* Data or FIN arriving afterwards meets no connection and is refused. */
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    const struct rp_seg *r = rp_expect(rp);
    assert_true(r->th.flags & VG_TCP_RST);
    rp_free(rp);
}

static void passive_close_close_wait_last_ack_closed(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSE_WAIT);
    assert_int_equal(rp_count_events(rp, VG_EV_PEER_FIN, t), 1);
    rp_expect_close_wait_ack(rp);
    char buf[8];
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 0);
    assert_true(vg_tcp_eof(t));

    /* CLOSE_WAIT may still send. */
    assert_int_equal(vg_tcp_send(t, "bye", 3, rp->now), 3);
    const struct rp_seg *d = rp_receive(rp);
    assert_int_equal(d->dlen, 3);
    rp_send_ack(rp);

    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_LAST_ACK);
    uint32_t fin = expect_fin(rp);
    assert_int_equal(fin, d->th.seq + 3);
    rp->ack = fin + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);   /* no TIME_WAIT for the passive side */
    assert_int_equal(vg_tcp_error(t), 0);
    assert_int_equal(rp_count_events(rp, VG_EV_CLOSED, t), 1);
    assert_int_equal(rp_count_events(rp, VG_EV_ABORTED, t), 0);
    rp_expect_none(rp);
    vg_tcp_close(t, rp->now);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void close_in_answer_to_peer_fin_sends_one_fin_ack(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSE_WAIT);
    rp_expect_none(rp);                 /* the ACK waits for what the application does */
    rp_run_for(rp, VG_DELACK_US / 2);
    rp_expect_none(rp);
    vg_tcp_close(t, rp->now);
    const struct rp_seg *f = rp_expect(rp);
    assert_int_equal(f->th.flags, VG_TCP_FIN | VG_TCP_ACK);
    assert_int_equal(f->th.ack, rp->seq);   /* the peer's FIN, acknowledged by our FIN */
    rp->ack = f->th.seq + 1;
    rp_send_ack(rp);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_run_for(rp, VG_DELACK_US);
    rp_expect_none(rp);                 /* no ACK left over from the delayed one */
    rp_free(rp);
}

static void last_ack_retransmits_fin_until_acked(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    rp_expect_close_wait_ack(rp);
    vg_tcp_close(t, rp->now);
    uint32_t fin = expect_fin(rp);
    expect_fin_again(rp, fin);
    rp->ack = fin + 1;
    rp_send_ack(rp);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_run_for(rp, VG_MS(10000));
    rp_expect_none(rp);
    rp_free(rp);
}

static void simultaneous_close_fin_wait_1_closing_time_wait_closed(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    /* The peer's FIN crosses ours: it does not acknowledge our FIN yet. */
    const struct rp_seg *a;
    uint32_t fin = fins_cross(rp, t, &a);
    assert_int_equal(a->th.ack, rp->seq);
    /* Now the peer acknowledges our FIN. */
    rp->ack = fin + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    assert_time_wait_ends_2msl_after(rp, t, rp->now);
    assert_int_equal(vg_tcp_error(t), 0);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void closing_retransmits_fin_until_acked(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    uint32_t fin = fins_cross(rp, t, NULL);
    expect_fin_again(rp, fin);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSING);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

struct state_log {
    vg_tcb *t[2];
    unsigned seen[2];              /* bit per state */
};

static int log_states(void *ctx)
{
    struct state_log *s = ctx;
    for (int i = 0; i < 2; i++)
        s->seen[i] |= 1u << vg_tcp_state(s->t[i]);
    return 0;
}

static void simultaneous_close_between_two_stacks_passes_through_closing(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    tn_pair_configs(c, VG_PROFILE_WINDOWS_VISTA, 100);
    c[0].msl_ms = c[1].msl_ms = MSL_MS;
    struct tn_pair *p = tn_pair_new_cfg(3, NULL, &c[0], &c[1]);
    vg_tcb *l = tn_listen(p, 1, PORT), *a, *b;
    tn_connect_pair(p, 0, NULL, l, 0, &a, &b);
    tn_run_for(p, VG_MS(100));
    assert_int_equal(vg_tcp_shutdown_send(a, tn_now(p)), 0);
    assert_int_equal(vg_tcp_shutdown_send(b, tn_now(p)), 0);
    struct state_log s = {{a, b}, {0, 0}};
    tn_run_until_pred(p, log_states, &s, tn_now(p) + 3 * TWO_MSL);
    for (int i = 0; i < 2; i++) {
        assert_true(s.seen[i] & (1u << VG_TCP_CLOSING));
        assert_true(s.seen[i] & (1u << VG_TCP_TIME_WAIT));
        assert_false(s.seen[i] & (1u << VG_TCP_FIN_WAIT_2));
        assert_int_equal(vg_tcp_state(s.t[i]), VG_TCP_CLOSED);
        assert_int_equal(vg_tcp_error(s.t[i]), 0);
    }
    vg_tcp_close(a, tn_now(p));
    vg_tcp_close(b, tn_now(p));
    vg_tcp_close(l, tn_now(p));
    assert_int_equal(vg_stack_stats(tn_stack(p, 0))->tcbs_live, 0);
    assert_int_equal(vg_stack_stats(tn_stack(p, 1))->tcbs_live, 0);
    tn_pair_free(p);
}

static void close_with_unread_data_sends_rst_not_fin(void **state)
{
    (void)state;
    struct rawpeer *rp = new_peer();
    vg_tcb *t = established(rp);
    rp_send_data(rp, "unread", 6);
    rp_run_for(rp, VG_MS(100));
    rp_drain(rp);
    vg_tcp_close(t, rp->now);
    const struct rp_seg *r = rp_expect(rp);
    assert_true(r->th.flags & VG_TCP_RST);
    assert_false(r->th.flags & VG_TCP_FIN);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void time_wait_new_syn_above_old_sequence_reopens_through_listener(void **state)
{
    (void)state;
    /* The server closes first and sits in TIME_WAIT; the client reconnects from the same port
     * with a higher ISN (RFC 9293 §3.10.7.4, RFC 6191): a new connection, not a challenge. */
    struct rawpeer *rp = new_peer();
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    vg_tcp_close(t, rp->now);
    rp->ack = expect_fin(rp) + 1;
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    rp_expect(rp);
    rp_run_for(rp, VG_MS(1000));
    uint32_t new_isn = rp->seq + 100000;
    rp_send(rp, VG_TCP_SYN, new_isn, 0, 65535, NULL, NULL, 0);
    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(sa->th.ack, new_isn + 1);
    rp->seq = new_isn + 1;
    rp->ack = sa->th.seq + 1;
    rp_send_ack(rp);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(active_close_fin_wait_1_fin_wait_2_time_wait_then_closed_after_2msl),
        cmocka_unit_test(time_wait_frees_a_released_tcb_after_2msl),
        cmocka_unit_test(fin_wait_1_fin_acking_our_fin_goes_straight_to_time_wait),
        cmocka_unit_test(time_wait_acks_retransmitted_fin_and_restarts_2msl),
        cmocka_unit_test(fin_wait_1_retransmits_fin_until_acked),
        cmocka_unit_test(fin_wait_2_held_by_the_application_stays_and_still_receives),
        cmocka_unit_test(time_wait_entered_from_idle_fin_wait_2_still_ends_after_2msl),
        cmocka_unit_test(time_wait_entered_from_idle_closing_still_ends_after_2msl),
        cmocka_unit_test(orphaned_fin_wait_2_times_out_after_orphan_timeout),
        cmocka_unit_test(passive_close_close_wait_last_ack_closed),
        cmocka_unit_test(close_in_answer_to_peer_fin_sends_one_fin_ack),
        cmocka_unit_test(last_ack_retransmits_fin_until_acked),
        cmocka_unit_test(simultaneous_close_fin_wait_1_closing_time_wait_closed),
        cmocka_unit_test(closing_retransmits_fin_until_acked),
        cmocka_unit_test(simultaneous_close_between_two_stacks_passes_through_closing),
        cmocka_unit_test(close_with_unread_data_sends_rst_not_fin),
        cmocka_unit_test(time_wait_new_syn_above_old_sequence_reopens_through_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
