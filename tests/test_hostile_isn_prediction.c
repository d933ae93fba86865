/* Off-path injection needs the ISN: RFC 6528 makes it M + F(tuple, secret), so an attacker who
 * sees the ISNs of its own connections learns nothing about anyone else's. These tests look at
 * the ISN where an attacker would: in the SYN the stack sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define LPORT 50000

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* The ISS of a connect from LPORT to raddr:rport at the stack's current time. */
static uint32_t syn_iss(struct rawpeer *rp, uint32_t raddr, uint16_t rport)
{
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_non_null(t);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, LPORT), 0);
    assert_int_equal(vg_tcp_connect(t, raddr, rport, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    assert_int_equal(syn->th.flags, VG_TCP_SYN);
    assert_int_equal(syn->ip.dst, raddr);
    uint32_t iss = syn->th.seq;
    vg_tcp_abort(t, rp->now);
    rp_drain(rp);
    return iss;
}

static struct rawpeer *stack_with(uint64_t seed, const uint8_t *secret)
{
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.seed = seed;
    if (secret) {
        memcpy(cfg.secret, secret, sizeof cfg.secret);
        cfg.has_secret = 1;
    }
    return rp_new(&cfg);
}

static void isn_tuples_that_collided_now_differ(void **state)
{
    (void)state;
    /* The old offset XORed the remote port onto the first two octets of the remote address:
     * flip the same bits in both and two peers shared one ISN sequence, so an attacker at the
     * second could predict the first's. For every such pair the ISNs must now be unrelated. */
    struct rawpeer *rp = stack_with(7, NULL);
    static const uint16_t flips[] = {0x0001, 0x0100, 0x00ff, 0x0633, 0x8000};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        uint32_t victim = ip(198, 51, 100, 7), attacker = victim ^ (uint32_t)flips[i] << 16;
        uint16_t vport = 80, aport = (uint16_t)(80 ^ flips[i]);
        uint32_t a = syn_iss(rp, victim, vport);
        uint32_t b = syn_iss(rp, attacker, aport);
        if (a == b)
            fail_msg("peers %08x:%u and %08x:%u got the same ISN %08x", victim, vport, attacker,
                     aport, a);
    }
    /* The local port sat on the first octets of the local address the same way: two ports of
     * one peer must differ too (here the attacker sees lport LPORT^1 and wants LPORT). */
    uint32_t a = syn_iss(rp, ip(198, 51, 100, 7), 80);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, LPORT ^ 1), 0);
    assert_int_equal(vg_tcp_connect(t, ip(198, 51, 100, 7), 80, rp->now), 0);
    assert_int_not_equal(rp_expect(rp)->th.seq, a);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* The ISS of the SYN-ACK a listener on lport answers a SYN from raddr:rport with. */
static uint32_t synack_iss(struct rawpeer *rp, uint16_t lport, uint32_t raddr, uint16_t rport)
{
    struct vg_tcp_hdr h = {.sport = rport, .dport = lport, .seq = 0x1000, .flags = VG_TCP_SYN,
                           .wnd = 65535};
    uint8_t pkt[128];
    size_t n = rp_build(pkt, sizeof pkt, raddr, RP_STACK_ADDR, &h, NULL, 0);
    rp_inject(rp, pkt, n);
    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(sa->ip.dst, raddr);
    uint32_t iss = sa->th.seq;
    rp_drain(rp);
    return iss;
}

static void isn_of_passive_opens_from_colliding_peers_differ(void **state)
{
    (void)state;
    /* The same collision on the answering side: two clients of one listener whose address and
     * port differ by the same bits got SYN-ACKs with one ISN. */
    struct rawpeer *rp = stack_with(9, NULL);
    vg_tcb *l = rp_listen(rp, 80, 8);
    assert_non_null(l);
    uint32_t victim = ip(198, 51, 100, 7);
    uint32_t a = synack_iss(rp, 80, victim, 40000);
    uint32_t b = synack_iss(rp, 80, victim ^ (0x0001u << 16), (uint16_t)(40000 ^ 0x0001));
    assert_int_not_equal(a, b);
    rp_free(rp);
}

static void isn_of_one_tuple_advances_with_the_4us_clock(void **state)
{
    (void)state;
    /* RFC 6528's M: a reconnect of the same tuple lands above the old sequence space (TIME_WAIT
     * assassination and old duplicates rely on it). Two stacks with one seed share F. */
    struct rawpeer *a = stack_with(11, NULL), *b = stack_with(11, NULL);
    uint32_t first = syn_iss(a, ip(198, 51, 100, 7), 80);
    rp_run_until(b, b->now + VG_MS(1000));
    uint32_t later = syn_iss(b, ip(198, 51, 100, 7), 80);
    assert_int_equal((uint32_t)(later - first), 250000u);
    rp_free(a);
    rp_free(b);
}

static void isn_same_seed_replays_other_seed_differs(void **state)
{
    (void)state;
    struct rawpeer *a = stack_with(21, NULL), *b = stack_with(21, NULL), *c = stack_with(22, NULL);
    uint32_t ia = syn_iss(a, ip(198, 51, 100, 7), 80);
    assert_int_equal(syn_iss(b, ip(198, 51, 100, 7), 80), ia);
    assert_int_not_equal(syn_iss(c, ip(198, 51, 100, 7), 80), ia);
    rp_free(a);
    rp_free(b);
    rp_free(c);
}

static void isn_keyed_by_the_secret_not_the_seed(void **state)
{
    (void)state;
    /* Real mode: the key is cfg.secret. A different secret gives a different ISN for the same
     * tuple and seed; the same secret gives the same ISN whatever the seed. */
    uint8_t k1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t k2[16];
    memcpy(k2, k1, sizeof k2);
    k2[15] ^= 0x80;
    struct rawpeer *a = stack_with(5, k1), *b = stack_with(5, k2), *c = stack_with(6, k1);
    uint32_t ia = syn_iss(a, ip(198, 51, 100, 7), 80);
    assert_int_not_equal(syn_iss(b, ip(198, 51, 100, 7), 80), ia);
    assert_int_equal(syn_iss(c, ip(198, 51, 100, 7), 80), ia);
    rp_free(a);
    rp_free(b);
    rp_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(isn_tuples_that_collided_now_differ),
        cmocka_unit_test(isn_of_passive_opens_from_colliding_peers_differ),
        cmocka_unit_test(isn_of_one_tuple_advances_with_the_4us_clock),
        cmocka_unit_test(isn_same_seed_replays_other_seed_differs),
        cmocka_unit_test(isn_keyed_by_the_secret_not_the_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
