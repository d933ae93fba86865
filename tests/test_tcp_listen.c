/* Listening sockets: the backlog bounds connections waiting for accept() only (half-open ones
 * are SYN-cache entries with a bound of their own, test_hostile_syn_flood.c); a SYN that finds
 * the accept queue full is dropped silently (no SYN-ACK, no RST) so the client's retransmission
 * succeeds once accept() has made room. A listener answers stray ACKs with RST, ignores RSTs,
 * and resets the connections nobody accepted, and the half-open ones, when it closes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"

#define PORT 8080

/* A client from port `port` opens the handshake: returns the SYN-ACK, or NULL if none came. */
static const struct rp_seg *syn_from(struct rawpeer *rp, uint16_t port, uint32_t isn)
{
    rp->port = port;
    rp->sport = PORT;
    rp_send(rp, VG_TCP_SYN, isn, 0, 65535, NULL, NULL, 0);
    return rp_take(rp);
}

static void ack_from(struct rawpeer *rp, uint16_t port, uint32_t isn, const struct rp_seg *sa)
{
    rp->port = port;
    rp_send(rp, VG_TCP_ACK, isn + 1, sa->th.seq + 1, 65535, NULL, NULL, 0);
}

static void backlog_full_drops_syn_silently_then_accepts_after_accept(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 2);
    const struct rp_seg *sa1 = syn_from(rp, 40001, 1000);
    assert_non_null(sa1);
    ack_from(rp, 40001, 1000, sa1);
    const struct rp_seg *sa2 = syn_from(rp, 40002, 2000);
    assert_non_null(sa2);
    ack_from(rp, 40002, 2000, sa2);
    assert_int_equal(rp_count_events(rp, VG_EV_ACCEPTABLE, l), 2);

    /* Two connections wait for accept(): the third SYN gets no answer at all. */
    assert_null(syn_from(rp, 40003, 3000));
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcbs_live, 3);   /* listener + two */
    rp_run_for(rp, VG_MS(5000));
    rp_expect_none(rp);                             /* nothing was created that could retry */

    vg_tcb *c1 = vg_tcp_accept(l);
    assert_non_null(c1);
    uint16_t rport;
    vg_tcp_endpoints(c1, NULL, NULL, NULL, &rport);
    assert_int_equal(rport, 40001);                 /* first come, first accepted */

    /* The client retransmits its SYN: now there is room. */
    const struct rp_seg *sa3 = syn_from(rp, 40003, 3000);
    assert_non_null(sa3);
    assert_int_equal(sa3->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(sa3->th.ack, 3001);
    ack_from(rp, 40003, 3000, sa3);
    vg_tcb *c2 = vg_tcp_accept(l), *c3 = vg_tcp_accept(l);
    assert_non_null(c2);
    assert_non_null(c3);
    vg_tcp_endpoints(c2, NULL, NULL, NULL, &rport);
    assert_int_equal(rport, 40002);
    vg_tcp_endpoints(c3, NULL, NULL, NULL, &rport);
    assert_int_equal(rport, 40003);
    assert_int_equal(vg_tcp_state(c3), VG_TCP_ESTABLISHED);
    assert_null(vg_tcp_accept(l));
    vg_tcp_abort(c1, rp->now);
    vg_tcp_abort(c2, rp->now);
    vg_tcp_abort(c3, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void handshakes_in_progress_do_not_count_toward_backlog(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 1);
    /* Half-open connections do not fill a backlog of one: both SYNs are answered. */
    const struct rp_seg *sa1 = syn_from(rp, 40001, 1000);
    assert_non_null(sa1);
    const struct rp_seg *sa2 = syn_from(rp, 40002, 2000);
    assert_non_null(sa2);
    assert_int_equal(rp_stats(rp)->syncache_live, 2);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    ack_from(rp, 40001, 1000, sa1);
    assert_int_equal(rp_count_events(rp, VG_EV_ACCEPTABLE, l), 1);
    /* The accept queue is full: the second handshake's ACK is dropped and its entry kept. */
    ack_from(rp, 40002, 2000, sa2);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->listen_overflows, 1);
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    vg_tcb *c1 = vg_tcp_accept(l);
    assert_non_null(c1);
    /* The client repeats its ACK (prompted by the SYN-ACK resend): now it is accepted. */
    ack_from(rp, 40002, 2000, sa2);
    vg_tcb *c2 = vg_tcp_accept(l);
    assert_non_null(c2);
    assert_int_equal(vg_tcp_state(c2), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_stats(rp)->syncache_live, 0);
    vg_tcp_abort(c1, rp->now);
    vg_tcp_abort(c2, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void listen_again_changes_the_backlog(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 1);
    const struct rp_seg *sa1 = syn_from(rp, 40001, 1000);
    assert_non_null(sa1);
    ack_from(rp, 40001, 1000, sa1);               /* the accept queue (1) is full */
    assert_null(syn_from(rp, 40002, 2000));
    assert_int_equal(vg_tcp_listen(l, 3), 0);
    const struct rp_seg *sa2 = syn_from(rp, 40002, 2000);
    assert_non_null(sa2);
    ack_from(rp, 40002, 2000, sa2);
    const struct rp_seg *sa3 = syn_from(rp, 40003, 3000);
    assert_non_null(sa3);
    ack_from(rp, 40003, 3000, sa3);
    assert_null(syn_from(rp, 40004, 4000));       /* three wait for accept() */
    /* listen() clamps the backlog to cfg.max_backlog, so a SOMAXCONN-sized one works. */
    assert_int_equal(vg_tcp_listen(l, 0x7fffffff), 0);
    assert_int_equal(l->lq->backlog, vg_stack_config(rp->s)->max_backlog);
    assert_non_null(syn_from(rp, 40004, 4000));
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void listener_answers_stray_ack_with_rst_and_ignores_others(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    rp->sport = PORT;
    rp_send(rp, VG_TCP_ACK, 500, 0x01020304u, 65535, NULL, NULL, 0);
    const struct rp_seg *r = rp_expect(rp);
    assert_int_equal(r->th.flags, VG_TCP_RST);
    assert_int_equal(r->th.seq, 0x01020304u);
    /* SYN-ACK to a listener is an ACK too. */
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, 500, 77, 65535, NULL, NULL, 0);
    r = rp_expect(rp);
    assert_int_equal(r->th.flags, VG_TCP_RST);
    assert_int_equal(r->th.seq, 77);
    /* RST, FIN alone, data alone: dropped without a word. */
    rp_send(rp, VG_TCP_RST, 500, 0, 0, NULL, NULL, 0);
    rp_send(rp, VG_TCP_FIN, 500, 0, 65535, NULL, NULL, 0);
    rp_send(rp, VG_TCP_PSH, 500, 0, 65535, NULL, "abc", 3);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    assert_int_equal(vg_tcp_state(l), VG_TCP_LISTEN);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void closing_listener_resets_connections_not_yet_accepted(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    const struct rp_seg *sa1 = syn_from(rp, 40001, 1000);
    ack_from(rp, 40001, 1000, sa1);               /* established, waiting for accept */
    const struct rp_seg *sa2 = syn_from(rp, 40002, 2000);   /* still in the handshake */
    assert_non_null(sa2);
    vg_tcp_close(l, rp->now);
    int resets = 0;
    const struct rp_seg *g;
    while ((g = rp_take(rp)) != NULL) {
        assert_true(g->th.flags & VG_TCP_RST);
        resets++;
    }
    assert_int_equal(resets, 2);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    /* Nothing is left on the port. */
    rp->port = 40001;
    rp_send(rp, VG_TCP_ACK, 1001, sa1->th.seq + 1, 65535, NULL, NULL, 0);
    g = rp_expect(rp);
    assert_int_equal(g->th.flags, VG_TCP_RST);
    assert_int_equal(rp_stats(rp)->tcp_no_tcb, 1);
    rp_free(rp);
}

static void accepted_connection_inherits_nodelay_and_keepalive(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcp_set_nodelay(l, 1);
    assert_int_equal(vg_tcp_set_keepalive(l, 1, rp->now), 0);
    vg_tcb *c = rp_open_passive(rp, l, PORT, NULL, 65535);
    assert_true(vg_tcp_nodelay(c));
    assert_true(vg_tcp_keepalive(c));
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void second_listener_on_the_same_port_is_refused(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *m = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(m, RP_STACK_ADDR, PORT), -VG_ERR_ADDRINUSE);
    vg_tcp_close(m, rp->now);
    vg_tcp_close(l, rp->now);
    /* Once the first is closed the port is free again. */
    vg_tcb *n = rp_listen(rp, PORT, 4);
    vg_tcp_close(n, rp->now);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backlog_full_drops_syn_silently_then_accepts_after_accept),
        cmocka_unit_test(handshakes_in_progress_do_not_count_toward_backlog),
        cmocka_unit_test(listen_again_changes_the_backlog),
        cmocka_unit_test(listener_answers_stray_ack_with_rst_and_ignores_others),
        cmocka_unit_test(closing_listener_resets_connections_not_yet_accepted),
        cmocka_unit_test(accepted_connection_inherits_nodelay_and_keepalive),
        cmocka_unit_test(second_listener_on_the_same_port_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
