/* Off-path injection also needs the source port. RFC 6056: a connect's port comes from a keyed
 * hash of the 4-tuple (algorithm 4), a bind without a remote end from the PRNG, so ports cannot
 * be predicted from one another; they never collide, and running out is WSAENOBUFS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rawpeer.h"
#include "testnet.h"

static uint32_t peer(unsigned i)   /* 198.51.100.0/24 and onwards, one address per connect */
{
    return 0xc6336400u + i;
}

static uint16_t connect_port(struct rawpeer *rp, uint32_t raddr, uint16_t rport, vg_tcb **out)
{
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_non_null(t);
    assert_int_equal(vg_tcp_connect(t, raddr, rport, rp->now), 0);
    uint16_t lport;
    vg_tcp_endpoints(t, NULL, &lport, NULL, NULL);
    assert_true(lport >= 49152);
    if (out)
        *out = t;
    rp_drain(rp);
    return lport;
}

static unsigned dist(uint16_t a, uint16_t b)   /* forward distance in the ephemeral range */
{
    return ((unsigned)b - a + 16384u) % 16384u;
}

static void ephemeral_ports_are_not_sequential(void **state)
{
    (void)state;
    /* Sequential ports let anyone who connects to a stack, or is connected to, predict the port
     * of the next connection it makes to someone else. */
    struct rawpeer *rp = rp_new(NULL);
    enum { N = 64 };
    uint16_t port[N];
    for (unsigned i = 0; i < N; i++)
        port[i] = connect_port(rp, peer(i + 1), 80, NULL);
    unsigned close_steps = 0;
    for (unsigned i = 1; i < N; i++)
        if (dist(port[i - 1], port[i]) < 64)
            close_steps++;
    /* Random ports: each step lands within 64 of the last with probability 1/256. */
    assert_true(close_steps <= 2);
    rp_free(rp);
}

static void attacker_own_connects_do_not_bracket_the_victims(void **state)
{
    (void)state;
    /* The classic probe: make the stack connect to me, then to the victim, then to me again;
     * with a global counter the victim's port lies between my two. */
    struct rawpeer *rp = rp_new(NULL);
    uint32_t attacker = peer(200);
    unsigned bracketed = 0;
    for (unsigned i = 0; i < 32; i++) {
        uint16_t a1 = connect_port(rp, attacker, 80, NULL);
        uint16_t v = connect_port(rp, peer(i + 1), 443, NULL);
        uint16_t a2 = connect_port(rp, attacker, 80, NULL);
        if (dist(a1, v) <= dist(a1, a2))
            bracketed++;
    }
    /* Only a victim whose second hash shares the attacker's counter (1 in 256) can be caught. */
    assert_true(bracketed <= 2);
    rp_free(rp);
}

static void own_connects_advance_by_a_random_small_step(void **state)
{
    (void)state;
    /* A peer that makes the stack connect to it again and again sees its counter move: by one
     * and a random 0-7 more each time (as Linux's since 2022), never by a fixed stride it could
     * extrapolate to the next connect. 63 steps: every one in [1, 8], several different. */
    struct rawpeer *rp = rp_new(NULL);
    enum { N = 64 };
    uint16_t port[N];
    for (unsigned i = 0; i < N; i++)
        port[i] = connect_port(rp, peer(7), 80, NULL);
    unsigned seen = 0;
    for (unsigned i = 1; i < N; i++) {
        unsigned d = dist(port[i - 1], port[i]);
        assert_true(d >= 1 && d <= 8);
        seen |= 1u << d;
    }
    assert_true(__builtin_popcount(seen) >= 5);   /* 8 values, 63 draws: all but surely 5+ */
    rp_free(rp);
}

static void bind_port_zero_is_random(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    enum { N = 64 };
    uint16_t port[N];
    for (unsigned i = 0; i < N; i++) {
        vg_udp *u = vg_udp_open(rp->s);
        assert_int_equal(vg_udp_bind(u, 0, 0), 0);
        vg_udp_endpoints(u, NULL, &port[i], NULL, NULL);
        assert_true(port[i] >= 49152);
    }
    vg_tcb *l = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_listen(l, 8), 0);
    uint16_t lport;
    vg_tcp_endpoints(l, NULL, &lport, NULL, NULL);
    unsigned close_steps = dist(port[N - 1], lport) < 64;
    for (unsigned i = 1; i < N; i++)
        close_steps += dist(port[i - 1], port[i]) < 64;
    assert_true(close_steps <= 2);
    rp_free(rp);
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void connect_ports_never_collide_and_replay_with_the_seed(void **state)
{
    (void)state;
    /* 4000 connects, a few peers many times each: every local port distinct while held (the
     * range is shared with binds and listeners), and the same seed picks the same ports. */
    enum { N = 4000 };
    static uint16_t run[2][N];
    for (int r = 0; r < 2; r++) {
        struct rawpeer *rp = rp_new(NULL);
        for (unsigned i = 0; i < N; i++)
            run[r][i] = connect_port(rp, peer(1 + i % 5), (uint16_t)(80 + i % 3), NULL);
        rp_free(rp);
    }
    assert_memory_equal(run[0], run[1], sizeof run[0]);
    qsort(run[0], N, sizeof run[0][0], cmp_u16);
    for (unsigned i = 1; i < N; i++)
        assert_int_not_equal(run[0][i - 1], run[0][i]);
}

static void connect_skips_ports_still_in_time_wait(void **state)
{
    (void)state;
    /* 4000 connections to one peer's port, each closed by the client first, so each sits in
     * TIME_WAIT, released by the application, while the next ones connect. Algorithm 4 walks
     * the range from the peer's offset in steps of 1-8, so past about 3,600 connects it comes
     * round to ports TIME_WAIT still holds: no connect may take one (the 4-tuple would be the
     * same), although only the port's reference says it is taken. After 2·MSL they are gone. */
    enum { N = 4000 };
    static uint16_t ports[N];
    struct tn_pair *p = tn_pair_new(7, NULL, VG_PROFILE_WINDOWS_VISTA);
    vg_tcb *l = tn_listen(p, 1, 80);
    vg_time start = tn_now(p);
    for (unsigned i = 0; i < N; i++) {
        vg_tcb *c, *sv;
        tn_connect_pair(p, 0, NULL, l, 0, &c, &sv);
        vg_tcp_endpoints(c, NULL, &ports[i], NULL, NULL);
        vg_tcp_close(c, tn_now(p));
        assert_true(tn_run_until_state(p, sv, VG_TCP_CLOSE_WAIT, tn_now(p) + VG_MS(1000)));
        vg_tcp_close(sv, tn_now(p));
        assert_true(tn_run_until_state(p, c, VG_TCP_TIME_WAIT, tn_now(p) + VG_MS(1000)));
    }
    const struct vg_stack_stats *st = vg_stack_stats(tn_stack(p, 0));
    struct vg_stack_config cfg;
    vg_stack_config_default(&cfg, VG_PROFILE_WINDOWS_VISTA);
    uint32_t msl_ms = cfg.msl_ms ? cfg.msl_ms : 30000u;
    assert_true(tn_now(p) - start < VG_MS(2u * msl_ms));   /* the first is still in TIME_WAIT */
    assert_int_equal(st->tcbs_live, N);
    qsort(ports, N, sizeof ports[0], cmp_u16);
    for (unsigned i = 1; i < N; i++)
        assert_int_not_equal(ports[i - 1], ports[i]);
    tn_run_for(p, VG_MS(2u * msl_ms));
    assert_int_equal(st->tcbs_live, 0);
    tn_pair_free(p);
}

static void ephemeral_exhaustion_gives_nobufs(void **state)
{
    (void)state;
    /* Every one of the 16384 ports taken by connects: the next connect, bind and UDP bind fail
     * with NOBUFS instead of reusing a port or looping. */
    struct rawpeer *rp = rp_new(NULL);
    for (unsigned i = 0; i < 16384; i++)
        connect_port(rp, peer(1 + i % 7), 80, NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_int_equal(vg_tcp_connect(t, peer(100), 80, rp->now), -VG_ERR_NOBUFS);
    assert_int_equal(vg_tcp_bind(t, 0, 0), -VG_ERR_NOBUFS);
    vg_udp *u = vg_udp_open(rp->s);
    assert_int_equal(vg_udp_bind(u, 0, 0), -VG_ERR_NOBUFS);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ephemeral_ports_are_not_sequential),
        cmocka_unit_test(attacker_own_connects_do_not_bracket_the_victims),
        cmocka_unit_test(own_connects_advance_by_a_random_small_step),
        cmocka_unit_test(bind_port_zero_is_random),
        cmocka_unit_test(connect_ports_never_collide_and_replay_with_the_seed),
        cmocka_unit_test(connect_skips_ports_still_in_time_wait),
        cmocka_unit_test(ephemeral_exhaustion_gives_nobufs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
