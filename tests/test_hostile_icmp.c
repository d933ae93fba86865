/* Hostile wire: ICMP errors. Path MTU Discovery (RFC 1191) and black-hole detection (RFC 4821)
 * keep a connection alive behind a small path MTU; forged ICMP errors (RFC 5927) can neither
 * shrink nor kill a connection they do not quote exactly; unreachables are soft errors
 * (RFC 1122 §4.2.3.9, RFC 5461) that explain a failed connect instead of a bare timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080
#define ROUTER 0xc6336401u          /* 198.51.100.1: a router on the path */
#define BYTES 20000u

static uint8_t pattern[BYTES];

static void fill_pattern(void)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7u + (i >> 8));
}

/* An ICMP error from `from` quoting the first qlen octets of the datagram `quoted`. */
static void inject_icmp(struct rawpeer *rp, uint32_t from, uint8_t type, uint8_t code,
                        uint16_t mtu, const uint8_t *quoted, size_t qlen)
{
    uint8_t pkt[VG_IPV4_HDR_LEN + 8 + 576];
    assert_true(qlen <= 576);
    struct vg_icmp_hdr h = {.type = type, .code = code, .id = 0, .seq = mtu};
    size_t n = vg_icmp_write(pkt + VG_IPV4_HDR_LEN, sizeof pkt - VG_IPV4_HDR_LEN, &h, quoted, qlen);
    assert_true(n > 0);
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_ICMP, .src = from,
                             .dst = RP_STACK_ADDR};
    assert_int_equal(vg_ipv4_write(pkt, sizeof pkt, &ip, n), VG_IPV4_HDR_LEN);
    rp_inject(rp, pkt, VG_IPV4_HDR_LEN + n);
}

/* A frag-needed (or other error) quoting a segment the stack really sent, as a router does:
 * its IP header and the first 8 octets of TCP. */
static void icmp_about(struct rawpeer *rp, uint8_t type, uint8_t code, uint16_t mtu,
                       const struct rp_seg *g)
{
    inject_icmp(rp, ROUTER, type, code, mtu, g->raw, VG_IPV4_HDR_LEN + 8);
}

/* The same with the quoted sequence number replaced (a blind attacker's guess). */
static void icmp_about_seq(struct rawpeer *rp, uint8_t type, uint8_t code, uint16_t mtu,
                           const struct rp_seg *g, uint32_t seq)
{
    uint8_t q[VG_IPV4_HDR_LEN + 8];
    memcpy(q, g->raw, sizeof q);
    vg_put32(q + VG_IPV4_HDR_LEN + 4, seq);
    inject_icmp(rp, ROUTER, type, code, mtu, q, sizeof q);
}

/* Takes every pending segment the peer "receives"; returns how many carried data and the
 * largest. Data in order with rp->ack advances it, and is checked against the pattern. */
static size_t receive_all(struct rawpeer *rp, uint32_t base, size_t *largest, size_t maxlen)
{
    size_t n = 0;
    const struct rp_seg *g;
    while ((g = rp_take(rp)) != NULL) {
        if (!g->is_tcp || !g->dlen)
            continue;
        n++;
        if (largest && g->dlen > *largest)
            *largest = g->dlen;
        if (maxlen && g->rawlen > maxlen)
            continue;                 /* too big for the path: lost on the way */
        uint32_t off = g->th.seq - base;
        assert_true(off + g->dlen <= BYTES);
        assert_memory_equal(g->data, pattern + off, g->dlen);
        if ((int32_t)(g->th.seq - rp->ack) <= 0 && (int32_t)(g->th.seq + g->dlen - rp->ack) > 0)
            rp->ack = g->th.seq + (uint32_t)g->dlen;
    }
    return n;
}

/* Runs a transfer of BYTES to the end through a path that loses every datagram longer than
 * path_mtu (0: none), acknowledging what arrives. Returns the bytes acknowledged. */
static uint32_t transfer(struct rawpeer *rp, vg_tcb *t, size_t queued, uint16_t path_mtu,
                         vg_time limit, size_t *largest_after)
{
    uint32_t start = rp->ack;
    while (rp->now < limit && rp->ack - start < BYTES) {
        if (queued < BYTES) {
            long n = vg_tcp_send(t, pattern + queued, BYTES - queued, rp->now);
            if (n > 0)
                queued += (size_t)n;
        }
        uint32_t before = rp->ack;
        receive_all(rp, start, largest_after, path_mtu);
        if (rp->ack != before)
            rp_send_ack(rp);
        if (vg_tcp_state(t) != VG_TCP_ESTABLISHED)
            break;
        if (!rp_pending(rp))
            rp_run_until(rp, vg_stack_next_deadline(rp->s) < limit ? vg_stack_next_deadline(rp->s)
                                                                   : limit);
    }
    return rp->ack - start;
}

static vg_tcb *connect_1460(struct rawpeer *rp)
{
    fill_pattern();
    return rp_open_active(rp, PORT, NULL, 65535);
}

static void pmtu_frag_needed_lowers_mss_and_resends_at_once(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    uint32_t start = rp->ack;
    assert_int_equal(vg_tcp_send(t, pattern, BYTES, rp->now), BYTES);
    const struct rp_seg *first = rp_expect(rp);
    assert_int_equal(first->dlen, 1460);
    assert_int_equal(first->th.seq, start);
    assert_int_equal(first->ip.frag & 0x4000, 0x4000);     /* DF: the path may refuse it */
    rp_drain(rp);                     /* the whole first flight is too big for the path */

    /* The router behind which the MTU is 1000 answers the first of them. */
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 1000, first);
    assert_int_equal(rp_stats(rp)->icmp_errors_in, 1);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 1);
    /* At once, no timeout waited for: the unacknowledged data again, from SND.UNA, in
     * segments that fit 1000 octets. */
    const struct rp_seg *again = rp_expect(rp);
    assert_int_equal(again->at, rp->now);
    assert_int_equal(again->th.seq, start);
    assert_int_equal(again->dlen, 960);
    assert_true(again->rawlen <= 1000);
    rp->next--;                       /* let the transfer receive it */

    size_t largest = 0;
    assert_int_equal(transfer(rp, t, BYTES, 1000, rp->now + VG_MS(10000), &largest), BYTES);
    assert_int_equal(largest, 960);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_stats(rp)->tcp_timeouts, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void frag_needed_below_min_pmtu_clamped(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    assert_int_equal(vg_tcp_send(t, pattern, BYTES, rp->now), BYTES);
    const struct rp_seg *first = rp_expect(rp);
    rp_drain(rp);
    /* A forger's MTU of 68 would make 28-octet segments: min_pmtu (552) bounds it. */
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 68, first);
    const struct rp_seg *g = rp_expect(rp);
    assert_int_equal(g->dlen, 552 - 40);
    rp_drain(rp);
    /* Another one, lower still, changes nothing. */
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 100, first);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 1);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void frag_needed_without_mtu_uses_rfc1191_plateau(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    assert_int_equal(vg_tcp_send(t, pattern, BYTES, rp->now), BYTES);
    const struct rp_seg *first = rp_expect(rp);
    rp_drain(rp);
    /* An old router (RFC 1191 §5) says frag-needed with a next-hop MTU of 0: the plateau below
     * the quoted 1500-octet datagram is 1492. */
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 0, first);
    assert_int_equal(rp_expect(rp)->dlen, 1492 - 40);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void frag_needed_for_larger_mtu_ignored(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    assert_int_equal(vg_tcp_send(t, pattern, BYTES, rp->now), BYTES);
    const struct rp_seg *first = rp_expect(rp);
    rp_drain(rp);
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 1500, first);
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 9000, first);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 0);
    assert_int_equal(rp_stats(rp)->icmp_errors_ignored, 2);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void frag_needed_ignored_without_pmtu_discovery(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.no_pmtu_discovery = 1;
    struct rawpeer *rp = rp_new(&c);
    vg_tcb *t = connect_1460(rp);
    assert_int_equal(vg_tcp_send(t, pattern, BYTES, rp->now), BYTES);
    const struct rp_seg *first = rp_expect(rp);
    assert_int_equal(first->ip.frag & 0x4000, 0);           /* no DF: routers fragment */
    rp_drain(rp);
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 1000, first);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void forged_icmp_outside_snd_una_snd_max_ignored(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    uint32_t start = rp->ack;
    assert_int_equal(vg_tcp_send(t, pattern, 4380, rp->now), 4380);
    const struct rp_seg *first = rp_expect(rp);
    rp_drain(rp);
    /* SND.UNA = start, SND.MAX = start + 4380. A blind attacker guessing outside that range
     * (or quoting data already acknowledged) is not believed. */
    const uint32_t guesses[] = {start - 1, start - 100000, start + 4380, start + 5000,
                                start + 0x40000000u, start + 0x80000000u};
    for (size_t i = 0; i < sizeof guesses / sizeof guesses[0]; i++) {
        icmp_about_seq(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 600, first, guesses[i]);
        icmp_about_seq(rp, VG_ICMP_DEST_UNREACH, 1, 0, first, guesses[i]);
    }
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->icmp_errors_in, 12);
    assert_int_equal(rp_stats(rp)->icmp_errors_ignored, 12);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 0);
    assert_int_equal(rp_stats(rp)->icmp_soft_errors, 0);
    /* The full-sized segments go on at 1460. */
    rp->ack = start + 4380;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_send(t, pattern, 4380, rp->now), 4380);
    assert_int_equal(rp_expect(rp)->dlen, 1460);
    /* A guess inside the range is believed: that is all RFC 5927 can ask. */
    rp_drain(rp);
    icmp_about_seq(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 1000, first, start + 4380 + 10);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 1);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void forged_icmp_for_unknown_connection_ignored(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    assert_int_equal(vg_tcp_send(t, pattern, 4380, rp->now), 4380);
    const struct rp_seg *first = rp_expect(rp);
    rp_drain(rp);
    uint8_t q[VG_IPV4_HDR_LEN + 8];
    /* Each quote differs from the live connection in one field of the 4-tuple. */
    for (int field = 0; field < 4; field++) {
        memcpy(q, first->raw, sizeof q);
        switch (field) {
        case 0: vg_put32(q + 12, 0xc0000263u); break;                /* another source */
        case 1: vg_put32(q + 16, 0xc0000263u); break;                /* another peer */
        case 2: vg_put16(q + 20, (uint16_t)(PORT + 1)); break;       /* another local port */
        case 3: vg_put16(q + 22, (uint16_t)(RP_PEER_PORT + 1)); break;   /* another peer port */
        }
        inject_icmp(rp, ROUTER, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 600, q, sizeof q);
        inject_icmp(rp, ROUTER, VG_ICMP_DEST_UNREACH, 3, 0, q, sizeof q);
    }
    /* A quote of a UDP datagram, a truncated quote, and one of a non-first fragment. */
    memcpy(q, first->raw, sizeof q);
    q[9] = VG_IPPROTO_UDP;
    inject_icmp(rp, ROUTER, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 600, q, sizeof q);
    inject_icmp(rp, ROUTER, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 600, first->raw, 24);
    memcpy(q, first->raw, sizeof q);
    vg_put16(q + 6, 0x0010);
    inject_icmp(rp, ROUTER, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 600, q, sizeof q);
    /* Source quench (RFC 6633) about the live connection itself. */
    icmp_about(rp, VG_ICMP_SOURCE_QUENCH, 0, 0, first);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->icmp_errors_in, 12);
    assert_int_equal(rp_stats(rp)->icmp_errors_ignored, 12);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 0);
    assert_int_equal(rp_stats(rp)->icmp_soft_errors, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void frag_needed_behind_zero_window_leaves_persist_alone(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    fill_pattern();
    vg_tcb *t = rp_open_active(rp, PORT, NULL, 0);          /* the peer's window is closed */
    assert_int_equal(vg_tcp_send(t, pattern, 4000, rp->now), 4000);
    rp_expect_none(rp);
    const struct rp_seg *zwp = rp_wait(rp, rp->now + VG_MS(10000));
    assert_non_null(zwp);
    assert_int_equal(zwp->dlen, 1);
    assert_int_equal(rp_count_events(rp, VG_EV_ZWP_SENT, t), 1);
    /* Quoting the probe's octet, the one sequence number in flight: believed, and the MSS is
     * lower for when the window opens; but nothing is sent, and no retransmission timer takes
     * over from persist. */
    icmp_about(rp, VG_ICMP_DEST_UNREACH, VG_ICMP_FRAG_NEEDED, 576, zwp);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 1);
    rp_expect_none(rp);
    for (int i = 0; i < 3; i++) {
        const struct rp_seg *g = rp_wait(rp, rp->now + VG_MS(120000));
        assert_non_null(g);
        assert_int_equal(g->dlen, 1);
    }
    assert_int_equal(rp_count_events(rp, VG_EV_ZWP_SENT, t), 4);
    assert_int_equal(rp_count_events(rp, VG_EV_RETRANSMIT, t), 0);
    /* The window opens: segments of the new size. */
    rp->wnd = 65535;
    rp_send_ack(rp);
    const struct rp_seg *g = rp_expect(rp);
    assert_int_equal(g->dlen, 576 - 40);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* The path loses every datagram over 1000 octets and no ICMP comes back (filtered). */
static void icmp_blackhole_mss_reduced_after_rtos(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    size_t largest = 0;
    assert_int_equal(transfer(rp, t, 0, 1000, rp->now + VG_MS(60000), &largest), BYTES);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_true(rp_stats(rp)->mtu_probe_reductions >= 1);
    assert_int_equal(rp_stats(rp)->pmtu_updates, 0);
    /* 1460 -> base_mss 1024 (still too big) -> 512: two reductions, on the 2nd and 3rd RTO. */
    assert_int_equal(rp_stats(rp)->mtu_probe_reductions, 2);
    assert_int_equal(vg_tcp_error(t), 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void icmp_blackhole_left_alone_without_mtu_probing(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.no_mtu_probing = 1;
    struct rawpeer *rp = rp_new(&c);
    vg_tcb *t = connect_1460(rp);
    assert_int_equal(transfer(rp, t, 0, 1000, rp->now + VG_MS(600000), NULL), 0);
    assert_int_equal(vg_tcp_error(t), VG_ERR_TIMEDOUT);
    assert_int_equal(rp_stats(rp)->mtu_probe_reductions, 0);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

static void icmp_unreachable_never_aborts_established(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = connect_1460(rp);
    uint32_t start = rp->ack;
    assert_int_equal(vg_tcp_send(t, pattern, 4380, rp->now), 4380);
    const struct rp_seg *first = rp_expect(rp);
    rp_drain(rp);
    /* Every unreachable code, time exceeded and parameter problem, exactly quoted. */
    size_t n = 0;
    for (uint8_t code = 0; code <= 15; code++) {
        if (code == VG_ICMP_FRAG_NEEDED)
            continue;
        icmp_about(rp, VG_ICMP_DEST_UNREACH, code, 0, first);
        n++;
    }
    icmp_about(rp, VG_ICMP_TIME_EXCEEDED, 0, 0, first);
    icmp_about(rp, VG_ICMP_PARAM_PROBLEM, 0, 0, first);
    n += 2;
    assert_int_equal(rp_stats(rp)->icmp_soft_errors, n);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_count_events(rp, VG_EV_ABORTED, NULL), 0);
    rp_expect_none(rp);
    /* The connection carries on; its data arrives and is acknowledged. */
    rp->ack = start + 4380;
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(vg_tcp_unacked(t), 0);
    assert_int_equal(vg_tcp_error(t), 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* The stack connects; a router answers its SYN with ICMP type/code, and nothing else ever
 * comes. Returns the error the connect fails with. */
static int connect_failure_after_icmp(uint8_t type, uint8_t code, int quote_right_seq)
{
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    if (quote_right_seq)
        icmp_about(rp, type, code, 0, syn);
    else
        icmp_about_seq(rp, type, code, 0, syn, syn->th.seq + 1);
    /* Soft: not fatal; the SYN is retransmitted as before. */
    assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_SENT);
    rp_run_for(rp, VG_MS(1000000));
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    assert_true(rp_stats(rp)->tcp_retransmits >= 1);
    int err = vg_tcp_error(t);
    const struct rp_event *ev = rp_find_event(rp, VG_EV_ABORTED, t, 0);
    assert_non_null(ev);
    assert_int_equal(ev->ev.err, err);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
    return err;
}

static void connect_timeout_reports_host_unreachable(void **state)
{
    (void)state;
    assert_int_equal(connect_failure_after_icmp(VG_ICMP_DEST_UNREACH, 1, 1), VG_ERR_HOSTUNREACH);
    assert_int_equal(connect_failure_after_icmp(VG_ICMP_DEST_UNREACH, 13, 1), VG_ERR_HOSTUNREACH);
    assert_int_equal(connect_failure_after_icmp(VG_ICMP_TIME_EXCEEDED, 0, 1), VG_ERR_HOSTUNREACH);
}

static void connect_timeout_reports_net_unreachable(void **state)
{
    (void)state;
    assert_int_equal(connect_failure_after_icmp(VG_ICMP_DEST_UNREACH, 0, 1), VG_ERR_NETUNREACH);
}

static void connect_timeout_reports_refused_for_port_unreachable(void **state)
{
    (void)state;
    assert_int_equal(connect_failure_after_icmp(VG_ICMP_DEST_UNREACH, 3, 1), VG_ERR_CONNREFUSED);
    assert_int_equal(connect_failure_after_icmp(VG_ICMP_DEST_UNREACH, 2, 1), VG_ERR_CONNREFUSED);
}

static void connect_timeout_ignores_forged_unreachable(void **state)
{
    (void)state;
    /* Quoting a sequence number our SYN did not carry: a blind forgery, not believed. */
    assert_int_equal(connect_failure_after_icmp(VG_ICMP_DEST_UNREACH, 1, 0), VG_ERR_TIMEDOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pmtu_frag_needed_lowers_mss_and_resends_at_once),
        cmocka_unit_test(frag_needed_below_min_pmtu_clamped),
        cmocka_unit_test(frag_needed_without_mtu_uses_rfc1191_plateau),
        cmocka_unit_test(frag_needed_for_larger_mtu_ignored),
        cmocka_unit_test(frag_needed_ignored_without_pmtu_discovery),
        cmocka_unit_test(forged_icmp_outside_snd_una_snd_max_ignored),
        cmocka_unit_test(forged_icmp_for_unknown_connection_ignored),
        cmocka_unit_test(frag_needed_behind_zero_window_leaves_persist_alone),
        cmocka_unit_test(icmp_blackhole_mss_reduced_after_rtos),
        cmocka_unit_test(icmp_blackhole_left_alone_without_mtu_probing),
        cmocka_unit_test(icmp_unreachable_never_aborts_established),
        cmocka_unit_test(connect_timeout_reports_host_unreachable),
        cmocka_unit_test(connect_timeout_reports_net_unreachable),
        cmocka_unit_test(connect_timeout_reports_refused_for_port_unreachable),
        cmocka_unit_test(connect_timeout_ignores_forged_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
