/* Opening a connection (RFC 9293 §3.5): active open, passive open, simultaneous open, and the
 * SYN_SENT / SYN_RECEIVED answers to segments that do not fit the handshake. The stack under test
 * faces a scripted peer (rawpeer.h), so every segment of the handshake is checked field by field;
 * simultaneous open is also run between two real stacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "testnet.h"

#define PORT 8080

static void active_open_syn_sent_then_established(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_SENT);
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), -VG_ERR_ALREADY);

    const struct rp_seg *syn = rp_expect(rp);
    assert_int_equal(syn->th.flags, VG_TCP_SYN);
    assert_int_equal(syn->th.sport, PORT);
    assert_int_equal(syn->th.dport, rp->port);
    assert_int_equal(syn->dlen, 0);
    assert_true(syn->th.opt.has_mss);
    assert_int_equal(syn->th.opt.mss, 1460);      /* MTU 1500 - 40 */
    assert_true(syn->th.opt.has_wscale);          /* offered on every active open (RFC 7323) */
    assert_true(syn->th.wnd > 0);
    rp_expect_none(rp);

    /* The SYN-ACK completes the handshake: ACK with SEQ = ISS+1, ACK = peer ISS+1. */
    rp->ack = syn->th.seq + 1;
    rp->seq = 0x30000000u;
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460};
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq, rp->ack, 65535, &o, NULL, 0);
    rp->seq++;
    const struct rp_seg *ack = rp_expect(rp);
    assert_int_equal(ack->th.flags, VG_TCP_ACK);
    assert_int_equal(ack->th.seq, syn->th.seq + 1);
    assert_int_equal(ack->th.ack, rp->seq);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_count_events(rp, VG_EV_CONNECTED, t), 1);
    rp_expect_none(rp);

    /* Data flows on the new connection: the first octet carries SEQ = ISS+1. */
    assert_int_equal(vg_tcp_send(t, "hi", 2, rp->now), 2);
    const struct rp_seg *d = rp_expect(rp);
    assert_int_equal(d->th.seq, syn->th.seq + 1);
    assert_int_equal(d->dlen, 2);
    assert_memory_equal(d->data, "hi", 2);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void passive_open_listen_syn_received_established(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    assert_int_equal(vg_tcp_state(l), VG_TCP_LISTEN);
    rp->sport = PORT;
    rp->seq = 0x40000000u;
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1400, .has_wscale = 1, .wscale = 3};
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, &o, NULL, 0);
    rp->seq++;

    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(sa->th.ack, rp->seq);
    assert_int_equal(sa->th.sport, PORT);
    assert_int_equal(sa->th.dport, rp->port);
    assert_true(sa->th.opt.has_mss);
    assert_true(sa->th.opt.has_wscale);           /* answered because the SYN offered it */
    rp_expect_none(rp);
    /* SYN_RECEIVED: nothing to accept yet; the half-open connection is a SYN-cache entry, not
     * a TCB. */
    assert_null(vg_tcp_accept(l));
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    assert_int_equal(rp_count_events(rp, VG_EV_ACCEPTABLE, l), 0);

    rp->ack = sa->th.seq + 1;
    rp_send_ack(rp);
    rp_expect_none(rp);                           /* the third segment needs no answer */
    assert_int_equal(rp_count_events(rp, VG_EV_ACCEPTABLE, l), 1);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_count_events(rp, VG_EV_CONNECTED, c), 1);
    assert_int_equal(vg_tcp_state(l), VG_TCP_LISTEN);
    assert_null(vg_tcp_accept(l));

    uint32_t laddr, raddr;
    uint16_t lport, rport;
    vg_tcp_endpoints(c, &laddr, &lport, &raddr, &rport);
    assert_int_equal(laddr, RP_STACK_ADDR);
    assert_int_equal(lport, PORT);
    assert_int_equal(raddr, RP_PEER_ADDR);
    assert_int_equal(rport, rp->port);

    /* Data from the peer right after the handshake is delivered. */
    rp_send_data(rp, "abc", 3);
    char buf[8];
    assert_int_equal(vg_tcp_recv(c, buf, sizeof buf, rp->now), 3);
    assert_memory_equal(buf, "abc", 3);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syn_received_takes_data_and_fin_carried_by_the_handshake_ack(void **state)
{
    (void)state;
    /* The third segment may carry data and even FIN (RFC 9293 §3.10.7.4): SYN_RECEIVED ->
     * ESTABLISHED -> CLOSE_WAIT in one step, and nothing is lost. */
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    rp->sport = PORT;
    rp->seq = 0x50000000u;
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, NULL, NULL, 0);
    rp->seq++;
    const struct rp_seg *sa = rp_expect(rp);
    rp->ack = sa->th.seq + 1;
    rp_send_seg(rp, VG_TCP_ACK | VG_TCP_PSH | VG_TCP_FIN, "xyz", 3);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_CLOSE_WAIT);
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, rp->seq);          /* data and FIN acknowledged */
    char buf[8];
    assert_int_equal(vg_tcp_recv(c, buf, sizeof buf, rp->now), 3);
    assert_memory_equal(buf, "xyz", 3);
    assert_int_equal(vg_tcp_recv(c, buf, sizeof buf, rp->now), 0);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void simultaneous_open_scripted_syn_sent_to_syn_received_to_established(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    uint32_t iss = syn->th.seq;

    /* The peer's own SYN crosses ours (RFC 9293 Figure 8). */
    rp->seq = 0x60000000u;
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 2};
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, &o, NULL, 0);
    rp->seq++;
    assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_RECEIVED);
    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(sa->th.seq, iss);            /* the same ISS: our SYN is resent, now with ACK */
    assert_int_equal(sa->th.ack, rp->seq);
    assert_true(sa->th.opt.has_wscale);
    rp_expect_none(rp);
    assert_int_equal(rp_count_events(rp, VG_EV_CONNECTED, t), 0);

    /* The peer's SYN-ACK acknowledges our SYN. Whether the stack takes it at once or first
     * answers it as a duplicate SYN with an ACK, the peer's ACK completes the open and no reset
     * is ever sent. */
    rp->ack = iss + 1;
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq - 1, rp->ack, 65535, &o, NULL, 0);
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_count_events(rp, VG_EV_CONNECTED, t), 1);
    const struct rp_seg *g;
    while ((g = rp_take(rp)) != NULL) {
        assert_false(g->th.flags & (VG_TCP_RST | VG_TCP_SYN));
        assert_int_equal(g->th.ack, rp->seq);
    }
    assert_int_equal(rp_stats(rp)->tcp_rst_sent, 0);

    /* Both directions work: our data starts at ISS+1, and the peer's is delivered. */
    assert_int_equal(vg_tcp_send(t, "ab", 2, rp->now), 2);
    g = rp_expect(rp);
    assert_int_equal(g->th.seq, iss + 1);
    rp_send_data(rp, "cd", 2);
    char buf[4];
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 2);
    assert_memory_equal(buf, "cd", 2);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void simultaneous_open_between_two_stacks_moves_data(void **state)
{
    (void)state;
    struct tn_pair *p = tn_pair_new(11, NULL, VG_PROFILE_WINDOWS_VISTA);
    vg_tcb *a = vg_tcp_open(tn_stack(p, 0)), *b = vg_tcp_open(tn_stack(p, 1));
    assert_int_equal(vg_tcp_bind(a, TN_ADDR0, 5000), 0);
    assert_int_equal(vg_tcp_bind(b, TN_ADDR1, 6000), 0);
    assert_int_equal(vg_tcp_connect(a, TN_ADDR1, 6000, tn_now(p)), 0);
    assert_int_equal(vg_tcp_connect(b, TN_ADDR0, 5000, tn_now(p)), 0);
    tn_run_for(p, VG_MS(100));
    assert_int_equal(vg_tcp_state(a), VG_TCP_ESTABLISHED);
    assert_int_equal(vg_tcp_state(b), VG_TCP_ESTABLISHED);
    assert_int_equal(tn_count_events(p, 0, VG_EV_CONNECTED, a), 1);
    assert_int_equal(tn_count_events(p, 1, VG_EV_CONNECTED, b), 1);
    assert_int_equal(vg_stack_stats(tn_stack(p, 0))->tcp_rst_sent, 0);
    assert_int_equal(vg_stack_stats(tn_stack(p, 1))->tcp_rst_sent, 0);
    /* Neither SYN was retransmitted: the crossing SYNs completed the open by themselves. */
    assert_int_equal(vg_stack_stats(tn_stack(p, 0))->tcp_retransmits, 0);
    assert_int_equal(vg_stack_stats(tn_stack(p, 1))->tcp_retransmits, 0);

    uint64_t bytes[2] = {100000, 70000};
    struct tn_transfer_result r;
    tn_transfer(p, a, b, bytes, 5, TN_SHUTDOWN, VG_MS(60000), &r);
    tn_assert_transfer_exact(&r);
    vg_tcp_close(a, tn_now(p));
    vg_tcp_close(b, tn_now(p));
    tn_pair_free(p);
}

static void syn_sent_answers_unacceptable_ack_with_rst_and_stays(void **state)
{
    (void)state;
    /* RFC 9293 §3.10.7.3: in SYN_SENT an ACK outside (ISS, SND.NXT] gets <SEQ=SEG.ACK><CTL=RST>,
     * and the connection keeps waiting for the real answer. */
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    uint32_t iss = syn->th.seq;
    const uint32_t bad_acks[] = {iss, iss + 2, iss - 1000, iss + 100000};
    for (size_t i = 0; i < sizeof bad_acks / sizeof bad_acks[0]; i++) {
        rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, 0x70000000u, bad_acks[i], 65535, NULL, NULL, 0);
        const struct rp_seg *r = rp_expect(rp);
        assert_int_equal(r->th.flags & VG_TCP_RST, VG_TCP_RST);
        assert_int_equal(r->th.seq, bad_acks[i]);
        assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_SENT);
    }
    /* A bare ACK that does not acknowledge the SYN is refused the same way. */
    rp_send(rp, VG_TCP_ACK, 0x70000000u, iss + 7, 65535, NULL, NULL, 0);
    assert_int_equal(rp_expect(rp)->th.seq, iss + 7);
    /* A segment with neither SYN nor RST nor ACK is dropped silently. */
    rp_send(rp, VG_TCP_PSH, 0x70000000u, 0, 65535, NULL, "x", 1);
    rp_expect_none(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_SENT);
    /* The real SYN-ACK still completes the handshake. */
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, 0x70000000u, iss + 1, 65535, NULL, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_expect(rp)->th.ack, 0x70000001u);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void syn_received_answers_unacceptable_ack_with_rst(void **state)
{
    (void)state;
    /* RFC 9293 §3.10.7.4 fifth check: in SYN_RECEIVED an ACK that does not acknowledge our SYN
     * gets <SEQ=SEG.ACK><CTL=RST>; the embryonic connection survives for the real ACK. */
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    rp->sport = PORT;
    rp->seq = 0x11111111u;
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, NULL, NULL, 0);
    rp->seq++;
    const struct rp_seg *sa = rp_expect(rp);
    uint32_t iss = sa->th.seq;
    rp_send(rp, VG_TCP_ACK, rp->seq, iss + 5, 65535, NULL, NULL, 0);
    const struct rp_seg *r = rp_expect(rp);
    assert_int_equal(r->th.flags & VG_TCP_RST, VG_TCP_RST);
    assert_int_equal(r->th.seq, iss + 5);
    assert_null(vg_tcp_accept(l));
    rp->ack = iss + 1;
    rp_send_ack(rp);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syn_received_retransmits_syn_ack_when_the_ack_is_lost(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    rp->sport = PORT;
    rp->seq = 0x22222222u;
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, NULL, NULL, 0);
    rp->seq++;
    const struct rp_seg *sa = rp_expect(rp);
    vg_time t0 = sa->at;
    rp_run_for(rp, VG_MS(1500));
    const struct rp_seg *again = rp_expect(rp);
    assert_int_equal(again->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(again->th.seq, sa->th.seq);
    assert_int_equal(again->at - t0, VG_MS(1000));     /* initial RTO, RFC 6298 §2.1 */
    /* A retransmitted SYN from the peer creates no second connection; any answer it gets
     * acknowledges that same SYN. */
    rp_send(rp, VG_TCP_SYN, rp->seq - 1, 0, 65535, NULL, NULL, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    const struct rp_seg *g = rp_take(rp);
    if (g)
        assert_int_equal(g->th.ack, rp->seq);
    rp->ack = sa->th.seq + 1;
    rp_send_ack(rp);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void shutdown_in_syn_received_sends_fin_once_synchronised(void **state)
{
    (void)state;
    /* RFC 9293 §3.10.4 CLOSE in SYN_RECEIVED: the FIN goes out (now, or once ESTABLISHED) and
     * the connection proceeds to FIN_WAIT_1; it is not dropped. */
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    rp->seq = 0x61000000u;
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, NULL, NULL, 0);
    rp->seq++;
    assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_RECEIVED);
    rp_expect(rp);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    rp->ack = syn->th.seq + 1;
    rp_send_ack(rp);
    const struct rp_seg *g, *fin = NULL;
    while ((g = rp_take(rp)) != NULL)
        if (g->th.flags & VG_TCP_FIN)
            fin = g;
    assert_non_null(fin);
    assert_int_equal(fin->th.seq, syn->th.seq + 1);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_1);
    rp->ack = fin->th.seq + 1;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_FIN_WAIT_2);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void close_in_syn_sent_goes_to_closed_without_segments(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    rp_drain(rp);
    vg_tcp_close(t, rp->now);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_run_for(rp, VG_MS(10000));                  /* and no SYN is retransmitted after it */
    rp_expect_none(rp);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(active_open_syn_sent_then_established),
        cmocka_unit_test(passive_open_listen_syn_received_established),
        cmocka_unit_test(syn_received_takes_data_and_fin_carried_by_the_handshake_ack),
        cmocka_unit_test(simultaneous_open_scripted_syn_sent_to_syn_received_to_established),
        cmocka_unit_test(simultaneous_open_between_two_stacks_moves_data),
        cmocka_unit_test(syn_sent_answers_unacceptable_ack_with_rst_and_stays),
        cmocka_unit_test(syn_received_answers_unacceptable_ack_with_rst),
        cmocka_unit_test(syn_received_retransmits_syn_ack_when_the_ack_is_lost),
        cmocka_unit_test(shutdown_in_syn_received_sends_fin_once_synchronised),
        cmocka_unit_test(close_in_syn_sent_goes_to_closed_without_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
