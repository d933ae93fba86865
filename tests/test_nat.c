/* The flow-forgetting middlebox (src/sim/nat.h) on hand-made packets: only a SYN creates state,
 * a flow idle for the timeout is forgotten at exactly last_seen + timeout, and afterwards its
 * packets are dropped silently in both directions; an RST lets the state go; other protocols
 * pass untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/nat.h"
#include "wire/wire.h"

#define A 0xc0000201u
#define B 0xc0000202u
#define TIMEOUT VG_MS(300000)

struct pkt {
    uint8_t b[128];
    size_t len;
};

static struct pkt tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags)
{
    struct pkt p;
    memset(&p, 0, sizeof p);
    struct vg_tcp_hdr th;
    memset(&th, 0, sizeof th);
    th.sport = sport;
    th.dport = dport;
    th.seq = 1000;
    th.ack = (flags & VG_TCP_ACK) ? 2000 : 0;
    th.flags = flags;
    th.wnd = 65535;
    size_t tl = vg_tcp_write(p.b + VG_IPV4_HDR_LEN, sizeof p.b - VG_IPV4_HDR_LEN, &th, src, dst,
                             NULL, 0);
    assert_true(tl > 0);
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_TCP, .src = src, .dst = dst};
    assert_int_equal(vg_ipv4_write(p.b, sizeof p.b, &ip, tl), VG_IPV4_HDR_LEN);
    p.len = VG_IPV4_HDR_LEN + tl;
    return p;
}

static int pass(struct vg_nat *nat, struct pkt p, vg_time now)
{
    return vg_nat_filter(nat, p.b, p.len, 0, 1, now);
}

struct log {
    struct vg_nat_event ev[16];
    size_t n;
};

static void on_event(void *ctx, const struct vg_nat_event *ev)
{
    struct log *l = ctx;
    if (l->n < 16)
        l->ev[l->n++] = *ev;
}

static void only_a_syn_creates_state(void **state)
{
    (void)state;
    struct vg_nat *nat = vg_nat_new(TIMEOUT);
    struct log log = {.n = 0};
    vg_nat_set_event(nat, on_event, &log);
    /* A mid-connection packet of a flow the box never saw: dropped, and still unknown after. */
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_ACK), 0), 0);
    assert_int_equal(pass(nat, tcp(B, 80, A, 4000, VG_TCP_ACK), 1), 0);
    assert_int_equal(pass(nat, tcp(B, 80, A, 4000, VG_TCP_SYN | VG_TCP_ACK), 2), 0);
    assert_int_equal(vg_nat_flow_count(nat), 0);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.ev[0].type, VG_NAT_DROPPED);
    assert_int_equal(log.ev[0].saddr, A);
    assert_int_equal(log.ev[0].dport, 80);
    /* The SYN opens it; then both directions pass. */
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_SYN), 10), 1);
    assert_int_equal(vg_nat_flow_count(nat), 1);
    assert_int_equal(pass(nat, tcp(B, 80, A, 4000, VG_TCP_SYN | VG_TCP_ACK), 11), 1);
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_ACK), 12), 1);
    /* Another port pair is another flow. */
    assert_int_equal(pass(nat, tcp(A, 4001, B, 80, VG_TCP_ACK), 13), 0);
    assert_int_equal(vg_nat_stats(nat)->created, 1);
    assert_int_equal(vg_nat_stats(nat)->dropped, 4);
    vg_nat_free(nat);
}

static void flow_forgotten_at_exactly_last_seen_plus_timeout(void **state)
{
    (void)state;
    struct vg_nat *nat = vg_nat_new(TIMEOUT);
    struct log log = {.n = 0};
    vg_nat_set_event(nat, on_event, &log);
    assert_int_equal(vg_nat_next_expiry(nat), VG_TIME_NEVER);
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_SYN), 5), 1);
    assert_int_equal(vg_nat_next_expiry(nat), 5 + TIMEOUT);
    /* A packet a microsecond before the timeout refreshes the flow. */
    assert_int_equal(pass(nat, tcp(B, 80, A, 4000, VG_TCP_ACK), 5 + TIMEOUT - 1), 1);
    vg_time last = 5 + TIMEOUT - 1;
    assert_int_equal(vg_nat_next_expiry(nat), last + TIMEOUT);
    vg_nat_expire(nat, last + TIMEOUT - 1);
    assert_int_equal(vg_nat_flow_count(nat), 1);
    vg_nat_expire(nat, last + TIMEOUT);
    assert_int_equal(vg_nat_flow_count(nat), 0);
    assert_int_equal(vg_nat_next_expiry(nat), VG_TIME_NEVER);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.ev[1].type, VG_NAT_FLOW_FORGOTTEN);
    assert_int_equal(log.ev[1].at, last + TIMEOUT);
    assert_int_equal(log.ev[1].last_seen, last);
    /* Afterwards both directions are dropped silently, and the box stays empty. */
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_ACK), last + TIMEOUT + 1), 0);
    assert_int_equal(pass(nat, tcp(B, 80, A, 4000, VG_TCP_ACK), last + TIMEOUT + 2), 0);
    assert_int_equal(vg_nat_flow_count(nat), 0);
    vg_nat_free(nat);
}

static void filter_forgets_on_its_own_and_reports_the_true_instant(void **state)
{
    (void)state;
    struct vg_nat *nat = vg_nat_new(TIMEOUT);
    struct log log = {.n = 0};
    vg_nat_set_event(nat, on_event, &log);
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_SYN), 0), 1);
    /* Nobody called vg_nat_expire: a packet at exactly the timeout finds the flow gone. */
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_ACK), TIMEOUT), 0);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.ev[1].type, VG_NAT_FLOW_FORGOTTEN);
    assert_int_equal(log.ev[1].at, TIMEOUT);
    assert_int_equal(log.ev[2].type, VG_NAT_DROPPED);
    vg_nat_free(nat);
}

static void rst_lets_the_state_go(void **state)
{
    (void)state;
    struct vg_nat *nat = vg_nat_new(TIMEOUT);
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_SYN), 0), 1);
    assert_int_equal(pass(nat, tcp(B, 80, A, 4000, VG_TCP_RST | VG_TCP_ACK), 1), 1);
    assert_int_equal(vg_nat_flow_count(nat), 0);
    assert_int_equal(vg_nat_stats(nat)->closed, 1);
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_ACK), 2), 0);
    /* A new SYN opens it again. */
    assert_int_equal(pass(nat, tcp(A, 4000, B, 80, VG_TCP_SYN), 3), 1);
    vg_nat_free(nat);
}

static void other_protocols_pass(void **state)
{
    (void)state;
    struct vg_nat *nat = vg_nat_new(TIMEOUT);
    uint8_t b[64];
    size_t ul = vg_udp_write(b + VG_IPV4_HDR_LEN, sizeof b - VG_IPV4_HDR_LEN, 53, 53, A, B,
                             (const uint8_t *)"x", 1);
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_UDP, .src = A, .dst = B};
    assert_int_equal(vg_ipv4_write(b, sizeof b, &ip, ul), VG_IPV4_HDR_LEN);
    assert_int_equal(vg_nat_filter(nat, b, VG_IPV4_HDR_LEN + ul, 0, 1, 0), 1);
    assert_int_equal(vg_nat_flow_count(nat), 0);
    vg_nat_free(nat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_a_syn_creates_state),
        cmocka_unit_test(flow_forgotten_at_exactly_last_seen_plus_timeout),
        cmocka_unit_test(filter_forgets_on_its_own_and_reports_the_true_instant),
        cmocka_unit_test(rst_lets_the_state_go),
        cmocka_unit_test(other_protocols_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
