/* Hash flooding of the connection table: an attacker who knows vigil's table hash but not the
 * stack's key aims connections at one bucket, so that every segment's lookup walks them all.
 * The attacker models the victim with a stack of its own under a key it chose (the best it can
 * do without the secret) and keeps the source ports whose 4-tuples collide there. Against a
 * stack with that same key, the tuples do share one chain (the attack is real and the test can
 * see it); against a stack with any other key, they spread as random tuples do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"

#define PORT 8080
#define ATTACK_CONNS 120u       /* the table holds them in 128 buckets (it doubles at load 1) */
#define ATTACK_MASK 127u
#define SPREAD_MAX_CHAIN 8u     /* 120 random tuples in 128 buckets: a chain of 9 is ~1e-5 likely */

static const uint8_t attacker_key[16] = {"attacker's guess"};

static void keyed_config(struct vg_stack_config *cfg, const uint8_t key[16])
{
    rp_config(cfg);
    if (key) {
        memcpy(cfg->secret, key, sizeof cfg->secret);
        cfg->has_secret = 1;
    }
}

/* Source ports from the scripted peer's address whose tuples land in the attacker's bucket 0. */
static size_t colliding_ports(uint16_t *ports, size_t want)
{
    struct vg_stack_config cfg;
    keyed_config(&cfg, attacker_key);
    struct rawpeer *model = rp_new(&cfg);
    size_t n = 0;
    for (uint32_t p = 1024; p <= 65535 && n < want; p++)
        if ((tcb_tuple_hash(model->s, RP_STACK_ADDR, PORT, RP_PEER_ADDR, (uint16_t)p)
             & ATTACK_MASK) == 0)
            ports[n++] = (uint16_t)p;
    rp_free(model);
    return n;
}

static size_t longest_chain(const vg_stack *s)
{
    size_t longest = 0;
    for (size_t b = 0; b < s->conns.nbuckets; b++) {
        size_t len = 0;
        for (const vg_tcb *t = s->conns.bucket[b]; t; t = t->hnext)
            len++;
        if (len > longest)
            longest = len;
    }
    return longest;
}

/* Opens a connection from each port to the victim; returns its table's longest chain. */
static size_t flood(const uint8_t key[16], const uint16_t *ports, size_t n)
{
    struct vg_stack_config cfg;
    keyed_config(&cfg, key);
    struct rawpeer *rp = rp_new(&cfg);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    for (size_t i = 0; i < n; i++) {
        rp->port = ports[i];
        assert_non_null(rp_open_passive(rp, l, PORT, NULL, 65535));
    }
    assert_int_equal(rp->s->conns.count, n);
    assert_int_equal(rp->s->conns.nbuckets, ATTACK_MASK + 1);
    /* Every connection is still found: a long chain costs time, never a lost segment. */
    for (size_t i = 0; i < n; i++)
        assert_non_null(tcb_lookup(rp->s, RP_STACK_ADDR, PORT, RP_PEER_ADDR, ports[i]));
    size_t longest = longest_chain(rp->s);
    rp_free(rp);
    return longest;
}

static void aimed_tuples_share_a_chain_under_the_attackers_key(void **state)
{
    (void)state;
    uint16_t ports[ATTACK_CONNS];
    assert_int_equal(colliding_ports(ports, ATTACK_CONNS), ATTACK_CONNS);
    assert_int_equal(flood(attacker_key, ports, ATTACK_CONNS), ATTACK_CONNS);
}

static void aimed_tuples_spread_under_a_secret_key(void **state)
{
    (void)state;
    uint16_t ports[ATTACK_CONNS];
    assert_int_equal(colliding_ports(ports, ATTACK_CONNS), ATTACK_CONNS);
    /* The simulator's key, drawn from its seed, and a caller's secret as real mode sets one. */
    size_t seeded = flood(NULL, ports, ATTACK_CONNS);
    static const uint8_t other_key[16] = {"another secret.."};
    size_t secret = flood(other_key, ports, ATTACK_CONNS);
    print_message("longest chain: seeded key %zu, secret key %zu\n", seeded, secret);
    assert_true(seeded <= SPREAD_MAX_CHAIN);
    assert_true(secret <= SPREAD_MAX_CHAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aimed_tuples_share_a_chain_under_the_attackers_key),
        cmocka_unit_test(aimed_tuples_spread_under_a_secret_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
