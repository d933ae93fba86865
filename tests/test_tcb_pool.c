/* TCB slabs and the lookup hint: every TCB is walked once, freed slots are reused, the counters
 * stay true, and a lookup hint never makes a lookup answer wrongly (after the table grows, or for
 * packets that are not TCP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"

#define N 1000

static vg_stack *new_stack(void)
{
    struct vg_stack_config cfg;
    vg_stack_config_default(&cfg, VG_PROFILE_WINDOWS_VISTA);
    cfg.addr = 0xc0000201u;
    cfg.seed = 3;
    vg_stack *s = vg_stack_new(&cfg);
    assert_non_null(s);
    return s;
}

static size_t walk_count(const vg_stack *s, vg_tcb *const *expect, size_t n)
{
    size_t seen = 0;
    for (vg_tcb *t = vg_stack_next_tcb(s, NULL); t; t = vg_stack_next_tcb(s, t)) {
        int known = 0;
        for (size_t i = 0; i < n && !known; i++)
            known = expect[i] == t;
        assert_true(known);
        seen++;
    }
    return seen;
}

/* The walk visits every live TCB exactly once, in slabs that the counters account for; closing
 * all of them gives the slabs back but one spare. */
static void walk_sees_each_tcb_once_and_slabs_go_back(void **state)
{
    (void)state;
    vg_stack *s = new_stack();
    const struct vg_stack_stats *st = vg_stack_stats(s);
    static vg_tcb *t[N];
    for (size_t i = 0; i < N; i++) {
        t[i] = vg_tcp_open(s);
        assert_non_null(t[i]);
        for (size_t j = 0; j < i; j++)
            assert_ptr_not_equal(t[i], t[j]);
    }
    assert_int_equal(st->tcbs_live, N);
    assert_int_equal(walk_count(s, t, N), N);
    assert_int_equal(st->tcb_bytes % VG_TCB_SLAB_BYTES, 0);
    assert_true(st->tcb_bytes >= N * sizeof(vg_tcb));
    assert_true(st->tcb_bytes <= N * sizeof(vg_tcb) + 2 * VG_TCB_SLAB_BYTES);

    for (size_t i = 0; i < N; i += 2) {
        vg_tcp_close(t[i], 0);
        t[i] = NULL;
    }
    assert_int_equal(st->tcbs_live, N / 2);
    assert_int_equal(walk_count(s, t, N), N / 2);
    for (size_t i = 1; i < N; i += 2)
        vg_tcp_close(t[i], 0);
    assert_int_equal(st->tcbs_live, 0);
    assert_null(vg_stack_next_tcb(s, NULL));
    assert_true(st->tcb_bytes <= VG_TCB_SLAB_BYTES);   /* the spare slab at most */
    vg_stack_free(s);
}

/* A slab is 32 KiB: its one-line header and 146 TCBs of 224 octets fill it exactly, so at a
 * million connections a TCB costs 224.4 octets of slab (README "Memory"). */
static void a_slab_holds_146_tcbs(void **state)
{
    (void)state;
    vg_stack *s = new_stack();
    const struct vg_stack_stats *st = vg_stack_stats(s);
    static vg_tcb *t[147];
    for (size_t i = 0; i < 146; i++)
        assert_non_null(t[i] = vg_tcp_open(s));
    assert_int_equal(st->tcb_bytes, VG_TCB_SLAB_BYTES);
    for (size_t i = 0; i < 146; i++)
        assert_ptr_equal(tcb_stack(t[i]), s);
    assert_non_null(t[146] = vg_tcp_open(s));
    assert_int_equal(st->tcb_bytes, 2 * VG_TCB_SLAB_BYTES);
    assert_ptr_equal(tcb_stack(t[146]), s);
    for (size_t i = 0; i < 147; i++)
        vg_tcp_close(t[i], 0);
    assert_true(st->tcb_bytes <= VG_TCB_SLAB_BYTES);
    vg_stack_free(s);
}

/* Opening and closing one connection after another reuses the same slot: nothing grows. */
static void a_freed_slot_is_reused(void **state)
{
    (void)state;
    vg_stack *s = new_stack();
    const struct vg_stack_stats *st = vg_stack_stats(s);
    vg_tcb *first = vg_tcp_open(s);
    uint64_t bytes = st->tcb_bytes;
    vg_tcp_close(first, 0);
    for (int i = 0; i < 10000; i++) {
        vg_tcb *t = vg_tcp_open(s);
        assert_ptr_equal(t, first);
        assert_int_equal(st->tcb_bytes, bytes);
        vg_tcp_close(t, 0);
    }
    vg_stack_free(s);
}

/* An IPv4 + TCP header for a segment from raddr:rport to laddr:lport (what the hint reads). */
static size_t segment(uint8_t *p, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
    memset(p, 0, 40);
    p[0] = 0x45;
    p[9] = VG_IPPROTO_TCP;
    vg_put32(p + 12, raddr);
    vg_put32(p + 16, laddr);
    vg_put16(p + 20, rport);
    vg_put16(p + 22, lport);
    return 40;
}

static vg_tcb *insert(vg_stack *s, uint32_t raddr, uint16_t rport)
{
    vg_tcb *t = tcb_alloc(s);
    assert_non_null(t);
    t->laddr = 0xc0000201u;
    t->lport = 80;
    t->raddr = raddr;
    t->rport = rport;
    tcb_table_insert(s, t);
    return t;
}

/* A hint remembers a bucket number; the table then doubles several times. The lookup must not
 * use the old number (it would search the wrong chain and miss the connection). */
static void a_hint_from_before_the_table_grew_is_not_used(void **state)
{
    (void)state;
    vg_stack *s = new_stack();
    vg_tcb *x = insert(s, 0xc6336401u, 40000);
    uint8_t pkt[40];
    size_t len = segment(pkt, x->laddr, x->lport, x->raddr, x->rport);
    vg_stack_prefetch_input(s, pkt, len, VG_PREFETCH_SLOT);
    vg_stack_prefetch_input(s, pkt, len, VG_PREFETCH_CONN);
    for (uint16_t i = 0; i < 600; i++)
        insert(s, 0xc6336402u + i, (uint16_t)(1000 + i));
    assert_ptr_equal(tcb_lookup(s, x->laddr, x->lport, x->raddr, x->rport), x);
    vg_stack_prefetch_input(s, pkt, len, VG_PREFETCH_SLOT);
    assert_ptr_equal(tcb_lookup(s, x->laddr, x->lport, x->raddr, x->rport), x);
    assert_null(tcb_lookup(s, x->laddr, x->lport, x->raddr, (uint16_t)(x->rport + 1)));
    vg_stack_free(s);
}

/* VG_PREFETCH_AHEAD hints each packet once, VG_PREFETCH_DISTANCE packets before its input, and
 * the stack carries them through its stages: every lookup still finds exactly its connection,
 * one whose chain is shared (several per bucket in a small table) included, while the table
 * doubles under the hints and while connections hinted a few packets ago are freed (the
 * sanitizers watch that no step reads one). */
static void ahead_hints_never_make_a_lookup_answer_wrongly(void **state)
{
    (void)state;
    enum { C = 3000, LIVE = 200 };
    vg_stack *s = new_stack();
    static vg_tcb *conn[C];
    static uint8_t pkt[C][40];
    size_t len = 0;
    for (int i = 0; i < LIVE; i++) {
        conn[i] = insert(s, 0xc6336401u + (uint32_t)i % 7u, (uint16_t)(2000 + i));
        len = segment(pkt[i], conn[i]->laddr, conn[i]->lport, conn[i]->raddr, conn[i]->rport);
    }
    int grown = LIVE;
    size_t nbuckets = s->conns.nbuckets;
    for (int k = 0; k < 20000; k++) {
        int hinted = (k + VG_PREFETCH_DISTANCE) % LIVE, in = k % LIVE;
        vg_stack_prefetch_input(s, pkt[hinted], len, VG_PREFETCH_AHEAD);
        if (k % 50 == 7 && grown < C) {           /* the table doubles now and then */
            conn[grown] = insert(s, 0xc6336501u + (uint32_t)grown, (uint16_t)(3000 + grown));
            grown++;
        }
        if (k % 97 == 3) {                        /* a connection hinted a moment ago goes */
            int gone = (k + 2) % LIVE;
            if (conn[gone]) {
                tcb_table_remove(s, conn[gone]);
                tcb_free(conn[gone]);
                conn[gone] = NULL;
            }
        }
        const uint8_t *p = pkt[in];
        vg_tcb *want = conn[in];
        vg_tcb *got = tcb_lookup(s, vg_get32(p + 16), vg_get16(p + 22), vg_get32(p + 12),
                                 vg_get16(p + 20));
        assert_ptr_equal(got, want);
        if (!want) {                              /* it comes back as a new connection */
            conn[in] = insert(s, vg_get32(p + 12), vg_get16(p + 20));
        }
    }
    assert_true(s->conns.nbuckets >= 4 * nbuckets);   /* the table did grow under the hints */
    vg_stack_free(s);
}

/* Hints for what is not TCP over IPv4, or is cut short, are ignored: no read past the packet
 * (the sanitizers watch) and no hint that a lookup could pick up. */
static void hints_for_other_packets_are_ignored(void **state)
{
    (void)state;
    vg_stack *s = new_stack();
    vg_tcb *x = insert(s, 0xc6336401u, 40000);
    uint8_t pkt[40];
    size_t len = segment(pkt, x->laddr, x->lport, x->raddr, x->rport);
    for (size_t cut = 0; cut < 24; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, pkt, cut);
        vg_stack_prefetch_input(s, copy, cut, VG_PREFETCH_SLOT);
        vg_stack_prefetch_input(s, copy, cut, VG_PREFETCH_CONN);
        for (int k = 0; k <= VG_PREFETCH_DISTANCE; k++)
            vg_stack_prefetch_input(s, copy, cut, VG_PREFETCH_AHEAD);
        free(copy);
    }
    uint8_t odd[40];
    memcpy(odd, pkt, sizeof odd);
    odd[9] = 17;                                   /* UDP */
    vg_stack_prefetch_input(s, odd, len, VG_PREFETCH_SLOT);
    memcpy(odd, pkt, sizeof odd);
    odd[0] = 0x65;                                 /* not version 4 */
    vg_stack_prefetch_input(s, odd, len, VG_PREFETCH_SLOT);
    memcpy(odd, pkt, sizeof odd);
    odd[0] = 0x4f;                                 /* a 60-octet header in a 40-octet packet */
    vg_stack_prefetch_input(s, odd, len, VG_PREFETCH_CONN);
    memcpy(odd, pkt, sizeof odd);
    odd[0] = 0x44;                                 /* IHL below 5 */
    vg_stack_prefetch_input(s, odd, len, VG_PREFETCH_CONN);
    for (int k = 0; k <= VG_PREFETCH_DISTANCE; k++)
        vg_stack_prefetch_input(s, odd, len, VG_PREFETCH_AHEAD);
    assert_ptr_equal(tcb_lookup(s, x->laddr, x->lport, x->raddr, x->rport), x);
    vg_stack_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_sees_each_tcb_once_and_slabs_go_back),
        cmocka_unit_test(a_slab_holds_146_tcbs),
        cmocka_unit_test(a_freed_slot_is_reused),
        cmocka_unit_test(a_hint_from_before_the_table_grew_is_not_used),
        cmocka_unit_test(ahead_hints_never_make_a_lookup_answer_wrongly),
        cmocka_unit_test(hints_for_other_packets_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
