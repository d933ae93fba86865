/* Resets (RFC 9293 §3.5.2-3, §3.10.7; RFC 5961): an RST in every state, challenge ACKs for an
 * in-window RST that does not sit exactly at RCV.NXT (RFC 5961 §3) and for a SYN on a
 * synchronised connection (§4), silence for an out-of-window RST, and the RST that answers a
 * segment for no connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080

/* The states a scripted peer can hold a connection in, with the connection in it. */
struct held {
    vg_tcb *t;          /* the connection (NULL for a passive SYN_RECEIVED: not yet accepted) */
    vg_tcb *listener;   /* when one was used */
};

static void expect_fin(struct rawpeer *rp)
{
    const struct rp_seg *f = rp_expect(rp);
    assert_true(f->th.flags & VG_TCP_FIN);
}

/* Drives a fresh connection on rp into state st. rp->seq ends at the stack's RCV.NXT. */
static struct held drive_to(struct rawpeer *rp, enum vg_tcp_state st)
{
    struct held h = {NULL, NULL};
    switch (st) {
    case VG_TCP_LISTEN:
        h.listener = h.t = rp_listen(rp, PORT, 4);
        rp->sport = PORT;
        rp->seq = 0x12345678u;
        return h;
    case VG_TCP_SYN_SENT: {
        h.t = vg_tcp_open(rp->s);
        assert_int_equal(vg_tcp_bind(h.t, RP_STACK_ADDR, PORT), 0);
        rp->sport = PORT;
        assert_int_equal(vg_tcp_connect(h.t, RP_PEER_ADDR, rp->port, rp->now), 0);
        const struct rp_seg *syn = rp_expect(rp);
        rp->ack = syn->th.seq + 1;
        rp->seq = 0x12345678u;
        return h;
    }
    case VG_TCP_SYN_RECEIVED: {
        h.listener = rp_listen(rp, PORT, 4);
        rp->sport = PORT;
        rp->seq = 0x12345678u;
        rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, NULL, NULL, 0);
        rp->seq++;
        const struct rp_seg *sa = rp_expect(rp);
        rp->ack = sa->th.seq + 1;
        return h;
    }
    default:
        break;
    }
    h.t = rp_open_active(rp, PORT, NULL, 65535);
    switch (st) {
    case VG_TCP_ESTABLISHED:
        break;
    case VG_TCP_FIN_WAIT_1:
        assert_int_equal(vg_tcp_shutdown_send(h.t, rp->now), 0);
        expect_fin(rp);
        break;
    case VG_TCP_FIN_WAIT_2:
        assert_int_equal(vg_tcp_shutdown_send(h.t, rp->now), 0);
        expect_fin(rp);
        rp->ack++;
        rp_send_ack(rp);
        break;
    case VG_TCP_CLOSE_WAIT:
        rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
        rp_expect_close_wait_ack(rp);
        break;
    case VG_TCP_CLOSING:
        assert_int_equal(vg_tcp_shutdown_send(h.t, rp->now), 0);
        expect_fin(rp);
        rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
        rp_expect(rp);
        break;
    case VG_TCP_LAST_ACK:
        rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
        rp_expect_close_wait_ack(rp);
        assert_int_equal(vg_tcp_shutdown_send(h.t, rp->now), 0);
        expect_fin(rp);
        break;
    case VG_TCP_TIME_WAIT:
        assert_int_equal(vg_tcp_shutdown_send(h.t, rp->now), 0);
        expect_fin(rp);
        rp->ack++;
        rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
        rp_expect(rp);
        break;
    default:
        fail_msg("cannot drive to %s", vg_tcp_state_name(st));
    }
    assert_int_equal(vg_tcp_state(h.t), st);
    rp_expect_none(rp);
    return h;
}

static const enum vg_tcp_state synchronized_states[] = {
    VG_TCP_ESTABLISHED, VG_TCP_FIN_WAIT_1, VG_TCP_FIN_WAIT_2, VG_TCP_CLOSE_WAIT,
    VG_TCP_CLOSING, VG_TCP_LAST_ACK, VG_TCP_TIME_WAIT,
};
#define NSYNC (sizeof synchronized_states / sizeof synchronized_states[0])

/* The error an accepted RST leaves in each synchronised state (RFC 9293 §3.10.7.4). */
static int rst_error(enum vg_tcp_state st)
{
    switch (st) {
    case VG_TCP_CLOSING: case VG_TCP_LAST_ACK: case VG_TCP_TIME_WAIT:
        return 0;            /* the application already closed: nothing to report */
    default:
        return VG_ERR_CONNRESET;
    }
}

static void exact_rst_closes_every_synchronized_state(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSYNC; i++) {
        enum vg_tcp_state st = synchronized_states[i];
        struct rawpeer *rp = rp_new(NULL);
        struct held h = drive_to(rp, st);
        rp_send(rp, VG_TCP_RST, rp->seq, 0, 0, NULL, NULL, 0);
        if (vg_tcp_state(h.t) != VG_TCP_CLOSED)
            fail_msg("%s: RST at RCV.NXT did not close", vg_tcp_state_name(st));
        assert_int_equal(vg_tcp_error(h.t), rst_error(st));
        assert_int_equal(rp_count_events(rp, VG_EV_RESET_RECEIVED, h.t), 1);
        assert_int_equal(rp_count_events(rp, VG_EV_CLOSED, h.t), 1);
        rp_expect_none(rp);                       /* an RST is never answered */
        if (rst_error(st)) {
            /* Calls fail with the reset, a receive in CLOSE_WAIT too: the peer's FIN was
             * taken, but the reset says it did not take all we sent (as Winsock and Linux). */
            char c;
            assert_int_equal(vg_tcp_recv(h.t, &c, 1, rp->now), -rst_error(st));
            assert_int_equal(vg_tcp_send(h.t, "x", 1, rp->now), -rst_error(st));
        }
        rp_run_for(rp, VG_MS(120000));
        rp_expect_none(rp);                       /* no timer of the dead connection fires */
        vg_tcp_close(h.t, rp->now);
        assert_int_equal(rp_stats(rp)->tcbs_live, 0);
        rp_free(rp);
    }
}

static void exact_rst_resets_even_with_a_zero_receive_window(void **state)
{
    (void)state;
    /* RFC 9293 §3.10.7.4: with a zero window no segment is acceptable, "but special allowance
     * should be made to accept valid ACKs, URGs, and RSTs"; RFC 5961 §3.2: an RST exactly at
     * RCV.NXT MUST reset. Whatever else the RST carries. */
    const struct {
        uint8_t flags;
        size_t dlen;
    } cases[] = {{VG_TCP_RST, 0}, {VG_TCP_RST | VG_TCP_ACK, 0}, {VG_TCP_RST, 10},
                 {VG_TCP_RST | VG_TCP_FIN, 0}};
    static const uint8_t fill[1000];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_stack_config c;
        rp_config(&c);
        c.rcvbuf = 1000;
        struct rawpeer *rp = rp_new(&c);
        struct vg_tcp_opts o = {.has_mss = 1, .mss = 1000};
        vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
        rp_send_data(rp, fill, sizeof fill);       /* unread: the window closes */
        rp_run_for(rp, VG_MS(100));
        const struct rp_seg *a = NULL, *g;
        while ((g = rp_take(rp)) != NULL)
            a = g;
        assert_non_null(a);
        assert_int_equal(a->th.wnd, 0);
        rp_send(rp, cases[i].flags, rp->seq, rp->ack, 0, NULL, fill, cases[i].dlen);
        if (vg_tcp_state(t) != VG_TCP_CLOSED)
            fail_msg("RST flags 0x%02x with %zu octets at RCV.NXT ignored with a zero window",
                     cases[i].flags, cases[i].dlen);
        assert_int_equal(vg_tcp_error(t), VG_ERR_CONNRESET);
        vg_tcp_close(t, rp->now);
        rp_free(rp);
    }
}

static void rst_in_syn_sent_with_acceptable_ack_refuses_the_connection(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    struct held h = drive_to(rp, VG_TCP_SYN_SENT);
    rp_send(rp, VG_TCP_RST | VG_TCP_ACK, 0, rp->ack, 0, NULL, NULL, 0);
    assert_int_equal(vg_tcp_state(h.t), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_error(h.t), VG_ERR_CONNREFUSED);
    assert_int_equal(rp_count_events(rp, VG_EV_RESET_RECEIVED, h.t), 1);
    const struct rp_event *a = rp_find_event(rp, VG_EV_ABORTED, h.t, 0);
    assert_non_null(a);
    assert_int_equal(a->ev.err, VG_ERR_CONNREFUSED);
    rp_run_for(rp, VG_MS(60000));
    rp_expect_none(rp);                           /* the SYN is not retransmitted */
    vg_tcp_close(h.t, rp->now);
    rp_free(rp);
}

static void rst_in_syn_sent_without_acceptable_ack_is_ignored(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    struct held h = drive_to(rp, VG_TCP_SYN_SENT);
    rp_send(rp, VG_TCP_RST, 0, 0, 0, NULL, NULL, 0);                  /* no ACK */
    rp_send(rp, VG_TCP_RST | VG_TCP_ACK, 0, rp->ack + 1, 0, NULL, NULL, 0);  /* wrong ACK */
    rp_send(rp, VG_TCP_RST | VG_TCP_ACK, 0, rp->ack - 1, 0, NULL, NULL, 0);  /* = ISS */
    assert_int_equal(vg_tcp_state(h.t), VG_TCP_SYN_SENT);
    rp_expect_none(rp);
    assert_int_equal(rp_count_events(rp, VG_EV_RESET_RECEIVED, NULL), 0);
    vg_tcp_abort(h.t, rp->now);
    rp_free(rp);
}

static void rst_in_passive_syn_received_drops_only_the_embryo(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    struct held h = drive_to(rp, VG_TCP_SYN_RECEIVED);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);       /* the embryo is a SYN-cache entry */
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    rp_send(rp, VG_TCP_RST, rp->seq, 0, 0, NULL, NULL, 0);
    assert_int_equal(rp_stats(rp)->syncache_live, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    assert_int_equal(vg_tcp_state(h.listener), VG_TCP_LISTEN);
    assert_null(vg_tcp_accept(h.listener));
    rp_run_for(rp, VG_MS(10000));
    rp_expect_none(rp);                           /* no SYN-ACK retransmission for the dead embryo */
    /* The listener still takes a new connection. */
    rp->port++;
    vg_tcb *c = rp_open_passive(rp, h.listener, PORT, NULL, 65535);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(h.listener, rp->now);
    rp_free(rp);
}

static void rst_in_active_syn_received_refuses_the_connection(void **state)
{
    (void)state;
    /* Simultaneous open leaves an actively opened connection in SYN_RECEIVED; an RST there
     * means the peer refused it (RFC 9293 §3.10.7.4). */
    struct rawpeer *rp = rp_new(NULL);
    struct held h = drive_to(rp, VG_TCP_SYN_SENT);
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, NULL, NULL, 0);
    rp->seq++;
    assert_int_equal(vg_tcp_state(h.t), VG_TCP_SYN_RECEIVED);
    rp_expect(rp);
    rp_send(rp, VG_TCP_RST, rp->seq, 0, 0, NULL, NULL, 0);
    assert_int_equal(vg_tcp_state(h.t), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_error(h.t), VG_ERR_CONNREFUSED);
    vg_tcp_close(h.t, rp->now);
    rp_free(rp);
}

static void rst_to_listener_is_ignored(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    struct held h = drive_to(rp, VG_TCP_LISTEN);
    rp_send(rp, VG_TCP_RST, rp->seq, 0, 0, NULL, NULL, 0);
    rp_send(rp, VG_TCP_RST | VG_TCP_ACK, rp->seq, 99, 0, NULL, NULL, 0);
    rp_expect_none(rp);
    assert_int_equal(vg_tcp_state(h.t), VG_TCP_LISTEN);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    vg_tcp_close(h.t, rp->now);
    rp_free(rp);
}

/* Challenge ACKs are limited per connection (RFC 5961 §7, cfg.oow_ratelimit_ms): a test that
 * wants one for each of several forgeries sets the limit to 1 ms and spaces them by that. */
static struct rawpeer *quick_challenge_peer(void)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.oow_ratelimit_ms = 1;
    return rp_new(&c);
}

static void expect_challenge_ack(struct rawpeer *rp, enum vg_tcp_state st, uint64_t before)
{
    const struct rp_seg *a = rp_take(rp);
    if (!a)
        fail_msg("%s: no challenge ACK", vg_tcp_state_name(st));
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->th.ack, rp->seq);         /* RCV.NXT: what an exact RST must carry */
    assert_int_equal(a->dlen, 0);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks, before + 1);
    rp_expect_none(rp);
}

static void rfc5961_in_window_rst_gets_challenge_ack(void **state)
{
    (void)state;
    /* Every state that has an RCV.NXT: the synchronised ones and SYN_RECEIVED. */
    for (size_t i = 0; i <= NSYNC; i++) {
        enum vg_tcp_state st = i < NSYNC ? synchronized_states[i] : VG_TCP_SYN_RECEIVED;
        struct rawpeer *rp = quick_challenge_peer();
        struct held h = drive_to(rp, st);
        const uint32_t offsets[] = {1, 100, 30000};
        for (size_t k = 0; k < 3; k++) {
            uint64_t before = rp_stats(rp)->tcp_challenge_acks;
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_RST, rp->seq + offsets[k], 0, 0, NULL, NULL, 0);
            expect_challenge_ack(rp, st, before);
            if (h.t)
                assert_int_equal(vg_tcp_state(h.t), st);
            assert_int_equal(rp_count_events(rp, VG_EV_RESET_RECEIVED, NULL), 0);
        }
        /* A legitimate peer answers the challenge with an RST at the ACK it carried. */
        rp_send(rp, VG_TCP_RST, rp->seq, 0, 0, NULL, NULL, 0);
        if (h.t)
            assert_int_equal(rp_count_events(rp, VG_EV_RESET_RECEIVED, NULL), 1);
        else   /* a passive SYN_RECEIVED is a SYN-cache entry: no TCB, no event; it is gone */
            assert_int_equal(rp_stats(rp)->syncache_live, 0);
        if (h.t)
            assert_int_equal(vg_tcp_state(h.t), VG_TCP_CLOSED);
        if (h.t)
            vg_tcp_close(h.t, rp->now);
        if (h.listener)
            vg_tcp_close(h.listener, rp->now);
        assert_int_equal(rp_stats(rp)->tcbs_live, 0);
        rp_free(rp);
    }
}

/* RFC 5961 §7: forged in-window RSTs get one challenge ACK per connection per
 * cfg.oow_ratelimit_ms, and no more in any one second, over all connections, than a budget drawn
 * at random each second in [limit/2, limit/2 + limit); keep-alive probe answers (B5) are never
 * held back by either. (Before: every forgery on one connection was answered up to a fixed
 * stack-wide 1000/s, the CVE-2016-5696 side channel.) */
static void rfc5961_challenge_acks_are_rate_limited(void **state)
{
    (void)state;
    enum { LIMIT = 10, CONNS = 20 };
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.challenge_ack_limit = LIMIT;
    struct rawpeer *rp = rp_new(&cfg);
    vg_tcb *l = rp_listen(rp, 80, CONNS);
    vg_tcb *t[CONNS];
    uint32_t seq[CONNS];
    uint16_t port[CONNS];
    for (int i = 0; i < CONNS; i++) {
        rp->port = (uint16_t)(RP_PEER_PORT + i);
        t[i] = rp_open_passive(rp, l, 80, NULL, 65535);
        seq[i] = rp->seq;
        port[i] = rp->port;
    }
    /* One connection, a burst: one challenge ACK, and none until the per-connection gap. */
    for (int i = 0; i < 50; i++)
        rp_send(rp, VG_TCP_RST, rp->seq + 1 + (uint32_t)i, 0, 0, NULL, NULL, 0);
    assert_int_equal(rp_pending(rp), 1);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks, 1);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks_suppressed, 49);
    rp_drain(rp);
    /* Probes are answered whatever the limits say. */
    for (int i = 0; i < 5; i++)
        rp_send(rp, VG_TCP_ACK, rp->seq - 1, rp->ack, 512, NULL, NULL, 0);
    assert_int_equal(rp_pending(rp), 5);
    rp_drain(rp);
    /* Every connection at once, over several seconds: the stack-wide budget of each second is
     * between LIMIT/2 and LIMIT/2 + LIMIT - 1, and not always the same. */
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int sec = 0; sec < 8; sec++) {
        rp_run_for(rp, VG_MS(1000));
        uint64_t before = rp_stats(rp)->tcp_challenge_acks;
        for (int i = 0; i < CONNS; i++) {
            rp->port = port[i];
            rp_send(rp, VG_TCP_RST, seq[i] + 1, 0, 0, NULL, NULL, 0);
        }
        uint64_t n = rp_stats(rp)->tcp_challenge_acks - before;
        assert_int_equal(rp_pending(rp), n);
        assert_true(n >= LIMIT / 2 && n <= LIMIT / 2 + LIMIT - 1);
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
        rp_drain(rp);
    }
    assert_true(lo < hi);
    for (int i = 0; i < CONNS; i++) {
        assert_int_equal(vg_tcp_state(t[i]), VG_TCP_ESTABLISHED);
        vg_tcp_abort(t[i], rp->now);
    }
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void rfc5961_out_of_window_rst_is_dropped_silently(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSYNC; i++) {
        enum vg_tcp_state st = synchronized_states[i];
        struct rawpeer *rp = rp_new(NULL);
        struct held h = drive_to(rp, st);
        const uint32_t seqs[] = {rp->seq - 1, rp->seq - 70000, rp->seq + 70000, rp->seq + 0x80000000u};
        for (size_t k = 0; k < 4; k++)
            rp_send(rp, VG_TCP_RST, seqs[k], 0, 0, NULL, NULL, 0);
        rp_expect_none(rp);
        assert_int_equal(vg_tcp_state(h.t), st);
        assert_int_equal(rp_stats(rp)->tcp_challenge_acks, 0);
        vg_tcp_abort(h.t, rp->now);
        rp_free(rp);
    }
}

static void rfc5961_syn_in_synchronized_state_gets_challenge_ack(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSYNC; i++) {
        enum vg_tcp_state st = synchronized_states[i];
        if (st == VG_TCP_TIME_WAIT)
            continue;   /* a SYN may reopen a TIME_WAIT pair: its own test */
        struct rawpeer *rp = quick_challenge_peer();
        struct held h = drive_to(rp, st);
        /* In window — exactly at RCV.NXT, where RFC 793 would have reset — and far outside. */
        const uint32_t seqs[] = {rp->seq, rp->seq + 500, rp->seq + 0x40000000u, rp->seq - 5};
        for (size_t k = 0; k < 4; k++) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_SYN, seqs[k], 0, 65535, NULL, NULL, 0);
            const struct rp_seg *a = rp_take(rp);
            if (!a)
                fail_msg("%s: SYN at %u not answered", vg_tcp_state_name(st), seqs[k]);
            assert_int_equal(a->th.flags, VG_TCP_ACK);
            assert_int_equal(a->th.ack, rp->seq);
            rp_expect_none(rp);
            assert_int_equal(vg_tcp_state(h.t), st);
        }
        /* The two in-window SYNs are counted as challenges. */
        assert_true(rp_stats(rp)->tcp_challenge_acks >= 2);
        assert_int_equal(rp_stats(rp)->tcp_rst_sent, 0);
        assert_int_equal(rp_count_events(rp, VG_EV_RESET_RECEIVED, NULL), 0);
        /* And SYN-ACK, SYN with data, and SYN|RST off-sequence change nothing either. */
        rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq + 10, rp->ack, 65535, NULL, NULL, 0);
        rp_send(rp, VG_TCP_SYN, rp->seq + 10, 0, 65535, NULL, "data", 4);
        rp_drain(rp);
        assert_int_equal(vg_tcp_state(h.t), st);
        if (st == VG_TCP_ESTABLISHED) {
            /* No data was taken from the SYN, and the connection still moves data. */
            assert_int_equal(vg_tcp_readable(h.t), 0);
            rp_send_data(rp, "ok", 2);
            char buf[4];
            assert_int_equal(vg_tcp_recv(h.t, buf, sizeof buf, rp->now), 2);
            assert_memory_equal(buf, "ok", 2);
        }
        vg_tcp_abort(h.t, rp->now);
        rp_free(rp);
    }
}

static void syn_in_passive_syn_received_gets_challenge_ack(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    struct held h = drive_to(rp, VG_TCP_SYN_RECEIVED);
    rp_send(rp, VG_TCP_SYN, rp->seq + 100, 0, 65535, NULL, NULL, 0);
    const struct rp_seg *a = rp_expect(rp);
    assert_false(a->th.flags & VG_TCP_RST);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);       /* the embryo is a SYN-cache entry */
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    rp_send_ack(rp);
    vg_tcb *c = vg_tcp_accept(h.listener);
    assert_non_null(c);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(h.listener, rp->now);
    rp_free(rp);
}

static void segment_for_no_connection_with_ack_gets_rst_at_its_ack(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    rp->sport = 9999;                             /* nothing there */
    rp_send(rp, VG_TCP_ACK | VG_TCP_PSH, 1000, 0xabcdef01u, 65535, NULL, "data", 4);
    const struct rp_seg *r = rp_expect(rp);
    assert_int_equal(r->th.flags, VG_TCP_RST);    /* RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST> */
    assert_int_equal(r->th.seq, 0xabcdef01u);
    assert_int_equal(r->th.sport, 9999);
    assert_int_equal(r->th.dport, rp->port);
    assert_int_equal(r->ip.src, RP_STACK_ADDR);
    assert_int_equal(r->ip.dst, RP_PEER_ADDR);
    assert_int_equal(rp_stats(rp)->tcp_no_tcb, 1);
    assert_int_equal(rp_stats(rp)->tcp_rst_sent, 1);
    rp_free(rp);
}

static void segment_for_no_connection_without_ack_gets_rst_ack_covering_it(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    rp->sport = 9999;
    struct {
        uint8_t flags;
        size_t dlen;
        uint32_t covers;
    } cases[] = {
        {VG_TCP_SYN, 0, 1},
        {VG_TCP_SYN, 10, 11},
        {VG_TCP_FIN, 0, 1},
        {VG_TCP_PSH, 7, 7},
        /* SYN with FIN is never answered at all (test_hostile_martians.c). */
        {0, 0, 0},
    };
    static const uint8_t junk[16];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t seq = 0x7fff0000u + (uint32_t)i;
        rp_send(rp, cases[i].flags, seq, 0, 65535, NULL, junk, cases[i].dlen);
        const struct rp_seg *r = rp_expect(rp);
        /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
        assert_int_equal(r->th.flags, VG_TCP_RST | VG_TCP_ACK);
        assert_int_equal(r->th.seq, 0);
        assert_int_equal(r->th.ack, seq + cases[i].covers);
    }
    rp_free(rp);
}

static void rst_for_no_connection_is_never_answered(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    rp->sport = 9999;
    rp_send(rp, VG_TCP_RST, 5, 0, 0, NULL, NULL, 0);
    rp_send(rp, VG_TCP_RST | VG_TCP_ACK, 5, 6, 0, NULL, NULL, 0);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcp_rst_sent, 0);
    rp_free(rp);
}

static void abort_sends_rst_and_reports_connaborted(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = rp_open_active(rp, PORT, NULL, 65535);
    assert_int_equal(vg_tcp_send(t, "abc", 3, rp->now), 3);
    const struct rp_seg *d = rp_expect(rp);
    vg_tcp_abort(t, rp->now);
    const struct rp_seg *r = rp_expect(rp);
    assert_true(r->th.flags & VG_TCP_RST);
    assert_int_equal(r->th.seq, d->th.seq + 3);   /* SND.MAX */
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    const struct rp_event *a = rp_find_event(rp, VG_EV_ABORTED, t, 0);
    assert_non_null(a);
    assert_int_equal(a->ev.err, VG_ERR_CONNABORTED);
    /* Later segments from the peer meet no connection. */
    rp_send_ack(rp);
    r = rp_expect(rp);
    assert_int_equal(r->th.flags, VG_TCP_RST);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_rst_closes_every_synchronized_state),
        cmocka_unit_test(exact_rst_resets_even_with_a_zero_receive_window),
        cmocka_unit_test(rst_in_syn_sent_with_acceptable_ack_refuses_the_connection),
        cmocka_unit_test(rst_in_syn_sent_without_acceptable_ack_is_ignored),
        cmocka_unit_test(rst_in_passive_syn_received_drops_only_the_embryo),
        cmocka_unit_test(rst_in_active_syn_received_refuses_the_connection),
        cmocka_unit_test(rst_to_listener_is_ignored),
        cmocka_unit_test(rfc5961_in_window_rst_gets_challenge_ack),
        cmocka_unit_test(rfc5961_out_of_window_rst_is_dropped_silently),
        cmocka_unit_test(rfc5961_challenge_acks_are_rate_limited),
        cmocka_unit_test(rfc5961_syn_in_synchronized_state_gets_challenge_ack),
        cmocka_unit_test(syn_in_passive_syn_received_gets_challenge_ack),
        cmocka_unit_test(segment_for_no_connection_with_ack_gets_rst_at_its_ack),
        cmocka_unit_test(segment_for_no_connection_without_ack_gets_rst_ack_covering_it),
        cmocka_unit_test(rst_for_no_connection_is_never_answered),
        cmocka_unit_test(abort_sends_rst_and_reports_connaborted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
