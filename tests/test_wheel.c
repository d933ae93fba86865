/* The timing wheel against a brute-force reference, plus the cases the TCP core relies on:
 * exact expiry, earliest-first order, changes made while expiring, long idle stretches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "timer/wheel.h"
#include "util/prng.h"

#define TWO_HOURS_US UINT64_C(7200000000)
#define WHEEL_RANGE (UINT64_C(1) << (VG_WHEEL_BITS * VG_WHEEL_LEVELS))

/* A timer and what the reference model believes about it. */
struct item {
    struct vg_timer timer;
    int armed;
    uint64_t expires;
};

static struct item *item_of(struct vg_timer *t)
{
    return (struct item *)(void *)((char *)t - offsetof(struct item, timer));
}

static struct item *new_items(size_t n)
{
    struct item *items = calloc(n, sizeof *items);
    assert_non_null(items);
    for (size_t i = 0; i < n; i++)
        vg_timer_init(&items[i].timer);
    return items;
}

static void model_arm(struct vg_wheel *w, struct item *it, uint64_t expires)
{
    vg_wheel_arm(w, &it->timer, expires);
    it->armed = 1;
    it->expires = expires;
}

static void model_cancel(struct vg_wheel *w, struct item *it)
{
    vg_wheel_cancel(w, &it->timer);
    it->armed = 0;
}

static size_t model_count(const struct item *items, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += items[i].armed != 0;
    return c;
}

/* The earliest armed expiry; 0 with *any = 0 when nothing is armed. */
static uint64_t model_earliest(const struct item *items, size_t n, int *any)
{
    uint64_t best = UINT64_MAX;
    *any = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].armed && (!*any || items[i].expires < best)) {
            best = items[i].expires;
            *any = 1;
        }
    }
    return *any ? best : 0;
}

/* 0 or uniform below 2^bits for bits uniform in [1, max_bits]: spreads over every level. */
static uint64_t random_span(struct vg_prng *r, unsigned max_bits)
{
    unsigned bits = (unsigned)vg_prng_below(r, max_bits + 1);
    return bits ? vg_prng_below(r, UINT64_C(1) << bits) : 0;
}

/* Expiries from the past to beyond the wheel's range, with extra weight on level boundaries. */
static uint64_t random_expiry(struct vg_prng *r, uint64_t now)
{
    switch (vg_prng_below(r, 16)) {
    case 0: {
        uint64_t back = random_span(r, 50);
        return back > now ? 0 : now - back;
    }
    case 1:
    case 2: {
        unsigned bits = VG_WHEEL_BITS * (1 + (unsigned)vg_prng_below(r, VG_WHEEL_LEVELS));
        uint64_t boundary = (now | ((UINT64_C(1) << bits) - 1)) + 1;
        return boundary - 2 + vg_prng_below(r, 5);
    }
    default:
        return now + random_span(r, 50);
    }
}

/* Expires everything due at now, checking each pop against the model: the popped timer is armed
 * in the model, due, disarmed, and no armed timer is earlier. With mutate set, random arms and
 * cancels (of the popped timer too) happen between pops, as a callback would do them. */
static size_t drain_checked(struct vg_wheel *w, struct item *items, size_t n, uint64_t now,
                            struct vg_prng *r, int mutate)
{
    size_t popped = 0;
    struct vg_timer *t;
    while ((t = vg_wheel_expire(w, now)) != NULL) {
        struct item *it = item_of(t);
        int any;
        uint64_t earliest = model_earliest(items, n, &any);
        assert_true(any);
        assert_true(it->armed);
        assert_false(vg_timer_armed(t));
        assert_int_equal(t->expires, it->expires);
        assert_true(it->expires <= now);
        assert_int_equal(it->expires, earliest);
        it->armed = 0;
        popped++;
        assert_int_equal(w->count, model_count(items, n));
        if (mutate && vg_prng_below(r, 4) == 0) {
            switch (vg_prng_below(r, 4)) {
            case 0: model_arm(w, it, random_expiry(r, now)); break;
            case 1: model_arm(w, &items[vg_prng_below(r, n)], random_expiry(r, now)); break;
            case 2: model_cancel(w, &items[vg_prng_below(r, n)]); break;
            default: model_cancel(w, it); break;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        assert_false(items[i].armed && items[i].expires <= now);
    return popped;
}

/* next() is never later than the earliest timer, never earlier than now unless one is due, and
 * exact when the earliest timer is due or within now's level-0 block (the finest level). */
static void check_next(const struct vg_wheel *w, const struct item *items, size_t n, uint64_t now)
{
    int any;
    uint64_t earliest = model_earliest(items, n, &any);
    uint64_t next = vg_wheel_next(w);
    if (!any) {
        assert_int_equal(next, UINT64_MAX);
        return;
    }
    assert_true(next <= earliest);
    if (earliest <= now || earliest >> VG_WHEEL_BITS == now >> VG_WHEEL_BITS)
        assert_int_equal(next, earliest);
    else
        assert_true(next > now);
}

static void run_differential(uint64_t seed, size_t n, int ops, int mutate)
{
    struct vg_prng r;
    vg_prng_seed(&r, seed);
    struct item *items = new_items(n);
    uint64_t now = vg_prng_below(&r, 2) ? vg_prng_below(&r, UINT64_C(1) << 50)
                                        : WHEEL_RANGE - vg_prng_below(&r, 1000);
    struct vg_wheel w;
    vg_wheel_init(&w, now);
    size_t popped = 0;

    for (int op = 0; op < ops; op++) {
        uint64_t pick = vg_prng_below(&r, 100);
        struct item *it = &items[vg_prng_below(&r, n)];
        if (pick < 45) {
            model_arm(&w, it, random_expiry(&r, now));
        } else if (pick < 60) {
            model_cancel(&w, it);
        } else {
            uint64_t next = vg_wheel_next(&w);
            switch (vg_prng_below(&r, 8)) {
            case 0: if (next != UINT64_MAX && next > now) now = next; break;
            case 1: if (next != UINT64_MAX && next > now + 1) now = next - 1; break;
            default: now += random_span(&r, 50); break;
            }
            popped += drain_checked(&w, items, n, now, &r, mutate);
        }
        assert_int_equal(w.count, model_count(items, n));
        check_next(&w, items, n, now);
    }
    /* Everything left fires, in order, when time reaches the last expiry. */
    for (size_t i = 0; i < n; i++)
        if (items[i].armed && items[i].expires > now)
            now = items[i].expires;
    popped += drain_checked(&w, items, n, now, &r, 0);
    assert_int_equal(w.count, 0);
    assert_int_equal(vg_wheel_next(&w), UINT64_MAX);
    assert_true(popped > (size_t)ops / 10);   /* the run really exercised expiry */
    free(items);
}

static void wheel_matches_reference_model(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++)
        run_differential(seed, 300, 50000, 0);
}

static void wheel_matches_reference_model_with_changes_while_expiring(void **state)
{
    (void)state;
    for (uint64_t seed = 100; seed <= 105; seed++)
        run_differential(seed, 300, 50000, 1);
    run_differential(200, 8, 50000, 1);   /* few timers: heavy re-arming of the same ones */
}

/* Following next() wakes up at most once per level (plus once per 2^48 µs block crossed) before
 * a timer fires, and it fires exactly at its expiry. Odd trials use a crowd of timers sharing one
 * expiry, so next() cannot simply name it and the wheel must cascade level by level. */
static void next_reaches_exact_expiry_in_bounded_steps(void **state)
{
    (void)state;
    enum { CROWD = 16 };
    struct vg_prng r;
    vg_prng_seed(&r, 7);
    for (int trial = 0; trial < 5000; trial++) {
        uint64_t now = vg_prng_below(&r, 2) ? vg_prng_below(&r, UINT64_C(1) << 52)
                                            : WHEEL_RANGE * (1 + vg_prng_below(&r, 3)) - 1 - vg_prng_below(&r, 70);
        uint64_t expiry = now + random_span(&r, 50);
        if (trial % 4 < 2) {
            unsigned bits = VG_WHEEL_BITS * (1 + (unsigned)vg_prng_below(&r, VG_WHEEL_LEVELS));
            expiry = (now | ((UINT64_C(1) << bits) - 1)) + 1 + vg_prng_below(&r, 3);
        }
        size_t timers = trial % 2 ? CROWD : 1;
        struct vg_wheel w;
        struct vg_timer t[CROWD];
        vg_wheel_init(&w, now);
        for (size_t i = 0; i < timers; i++) {
            vg_timer_init(&t[i]);
            vg_wheel_arm(&w, &t[i], expiry);
        }

        uint64_t start = now;
        uint64_t blocks_crossed = (expiry >> 48) - (now >> 48);
        unsigned steps = 0;
        struct vg_timer *fired = NULL;
        while (!fired) {
            uint64_t next = vg_wheel_next(&w);
            assert_true(next <= expiry);
            assert_true(next >= now);
            now = next;
            fired = vg_wheel_expire(&w, now);
            steps++;
            assert_true(steps <= VG_WHEEL_LEVELS + blocks_crossed);
        }
        assert_int_equal(now, expiry);
        if (expiry - start < WHEEL_RANGE)
            assert_true(steps <= VG_WHEEL_LEVELS + 1);
        size_t popped = 1;
        while ((fired = vg_wheel_expire(&w, now)) != NULL)
            popped++;
        assert_int_equal(popped, timers);
        assert_int_equal(w.count, 0);
    }
}

/* Many timers, time driven only by next(): every timer fires at a call whose time is exactly its
 * expiry, earliest first, and the number of wake-ups stays within levels + 1 per timer. */
static void stepping_by_next_fires_every_timer_exactly(void **state)
{
    (void)state;
    enum { N = 3000 };
    struct vg_prng r;
    vg_prng_seed(&r, 11);
    struct item *items = new_items(N);
    uint64_t now = vg_prng_below(&r, UINT64_C(1) << 40);
    struct vg_wheel w;
    vg_wheel_init(&w, now);
    for (size_t i = 0; i < N; i++)
        model_arm(&w, &items[i], now + 1 + random_span(&r, 44));

    size_t fired = 0, steps = 0;
    while (w.count) {
        int any;
        uint64_t earliest = model_earliest(items, N, &any);
        uint64_t next = vg_wheel_next(&w);
        assert_true(next <= earliest);
        assert_true(next >= now);
        now = next;
        steps++;
        struct vg_timer *t;
        while ((t = vg_wheel_expire(&w, now)) != NULL) {
            assert_int_equal(t->expires, now);
            item_of(t)->armed = 0;
            fired++;
        }
    }
    assert_int_equal(fired, N);
    assert_true(steps <= (size_t)N * (VG_WHEEL_LEVELS + 1));
    free(items);
}

/* The finest level is exact: next() names the expiry itself, however many later timers exist. */
static void next_is_exact_within_current_64us_block(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 13);
    for (int trial = 0; trial < 2000; trial++) {
        uint64_t now = vg_prng_below(&r, UINT64_C(1) << 50);
        if ((now & 63) == 63)
            now--;
        uint64_t expiry = now + 1 + vg_prng_below(&r, 63 - (now & 63));
        struct vg_wheel w;
        struct vg_timer near, later[4];
        vg_wheel_init(&w, now);
        for (int i = 0; i < 4; i++) {
            vg_timer_init(&later[i]);
            vg_wheel_arm(&w, &later[i], expiry + 1 + random_span(&r, 50));
        }
        vg_timer_init(&near);
        vg_wheel_arm(&w, &near, expiry);
        assert_int_equal(vg_wheel_next(&w), expiry);
        assert_null(vg_wheel_expire(&w, expiry - 1));
        assert_int_equal(vg_wheel_next(&w), expiry);
        assert_ptr_equal(vg_wheel_expire(&w, expiry), &near);
    }
}

/* Across a level-0 block boundary (VG_WHEEL_SLOTS µs) a timer sits one level up. Alone there,
 * next() still names its expiry; in a crowded slot next() may wake once at the boundary (never
 * after the expiry), and from there it is exact. */
static void next_across_block_boundary_is_never_late_then_exact(void **state)
{
    (void)state;
    const uint64_t now = 1000 * VG_WHEEL_SLOTS + VG_WHEEL_SLOTS - 4;
    const uint64_t expiry = 1001 * VG_WHEEL_SLOTS + 10;
    struct vg_wheel w;
    struct vg_timer t, crowd[8];
    vg_wheel_init(&w, now);
    vg_timer_init(&t);
    vg_wheel_arm(&w, &t, expiry);
    assert_int_equal(vg_wheel_next(&w), expiry);
    for (int i = 0; i < 8; i++) {
        vg_timer_init(&crowd[i]);
        vg_wheel_arm(&w, &crowd[i], expiry + 1 + (uint64_t)i);
    }
    uint64_t next = vg_wheel_next(&w);
    assert_true(next > now && next <= expiry);
    assert_null(vg_wheel_expire(&w, next));
    assert_int_equal(vg_wheel_next(&w), expiry);
    assert_ptr_equal(vg_wheel_expire(&w, expiry), &t);
    assert_int_equal(vg_wheel_next(&w), expiry + 1);
}

static struct vg_timer *pop(struct vg_wheel *w, uint64_t now) { return vg_wheel_expire(w, now); }

static void cancel_while_expiring(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer a, b, c, d, later;
    struct vg_timer *all[] = { &a, &b, &c, &d, &later };
    vg_wheel_init(&w, 0);
    for (size_t i = 0; i < 5; i++)
        vg_timer_init(all[i]);
    vg_wheel_arm(&w, &a, 10);
    vg_wheel_arm(&w, &b, 20);
    vg_wheel_arm(&w, &c, 20);
    vg_wheel_arm(&w, &d, 30);
    vg_wheel_arm(&w, &later, 5000);

    assert_ptr_equal(pop(&w, 100), &a);
    vg_wheel_cancel(&w, &a);                 /* already disarmed: a no-op */
    assert_int_equal(w.count, 4);
    struct vg_timer *first = pop(&w, 100);   /* b and c tie at 20 */
    struct vg_timer *other = first == &b ? &c : &b;
    assert_true(first == &b || first == &c);
    vg_wheel_cancel(&w, other);              /* due but not yet popped */
    vg_wheel_cancel(&w, &later);             /* not due */
    assert_int_equal(w.count, 1);
    assert_false(vg_timer_armed(other));
    assert_ptr_equal(pop(&w, 100), &d);
    assert_null(pop(&w, 100));
    assert_null(pop(&w, 100000));
    assert_int_equal(w.count, 0);
    assert_int_equal(vg_wheel_next(&w), UINT64_MAX);
}

/* A periodic timer re-armed from the expiry loop fires again in the same pass when its next
 * period is already due, interleaved in order with the other timers. */
static void rearm_popped_timer_inside_loop(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer periodic, once;
    vg_wheel_init(&w, 0);
    vg_timer_init(&periodic);
    vg_timer_init(&once);
    vg_wheel_arm(&w, &periodic, 100);
    vg_wheel_arm(&w, &once, 550);

    const uint64_t expected[] = { 100, 200, 300, 400, 500, 550, 600, 700, 800, 900, 1000 };
    size_t n = 0;
    struct vg_timer *t;
    while ((t = pop(&w, 1000)) != NULL) {
        assert_true(n < sizeof expected / sizeof expected[0]);
        assert_int_equal(t->expires, expected[n]);
        assert_ptr_equal(t, expected[n] == 550 ? &once : &periodic);
        n++;
        if (t == &periodic)
            vg_wheel_arm(&w, &periodic, t->expires + 100);
    }
    assert_int_equal(n, sizeof expected / sizeof expected[0]);
    assert_true(vg_timer_armed(&periodic));
    assert_int_equal(w.count, 1);
    assert_int_equal(periodic.expires, 1100);
    assert_null(pop(&w, 1099));
    assert_ptr_equal(pop(&w, 1100), &periodic);
}

static void arm_in_the_past_fires_at_next_expire_earliest_first(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer a, b, c, d;
    vg_wheel_init(&w, 1000);
    vg_timer_init(&a);
    vg_timer_init(&b);
    vg_timer_init(&c);
    vg_timer_init(&d);
    vg_wheel_arm(&w, &c, 1000);
    vg_wheel_arm(&w, &b, 999);
    vg_wheel_arm(&w, &a, 0);
    vg_wheel_arm(&w, &d, 500);
    assert_int_equal(w.count, 4);
    assert_int_equal(vg_wheel_next(&w), 0);
    assert_ptr_equal(pop(&w, 1000), &a);
    assert_ptr_equal(pop(&w, 1000), &d);
    assert_ptr_equal(pop(&w, 1000), &b);
    assert_ptr_equal(pop(&w, 1000), &c);
    assert_null(pop(&w, 1000));
}

/* next() names a past expiry when a timer was armed in the past; an event loop that then expires
 * at that earlier instant must not drag the wheel's time backwards. */
static void stepping_to_a_past_expiry_keeps_later_timers_exact(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer past, soon;
    vg_wheel_init(&w, 1000);
    vg_timer_init(&past);
    vg_timer_init(&soon);
    vg_wheel_arm(&w, &soon, 1010);
    vg_wheel_arm(&w, &past, 3);
    assert_int_equal(vg_wheel_next(&w), 3);
    assert_ptr_equal(pop(&w, 3), &past);
    assert_null(pop(&w, 3));
    assert_int_equal(vg_wheel_next(&w), 1010);
    assert_null(pop(&w, 1009));
    assert_ptr_equal(pop(&w, 1010), &soon);
}

/* During a pass the wheel has only reached the popped timer's expiry: a timer armed from the loop
 * for an instant before it, or between it and the pass's now, still comes out in order. */
static void arm_during_expiry_keeps_order(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer x, y, past, between;
    vg_wheel_init(&w, 0);
    vg_timer_init(&x);
    vg_timer_init(&y);
    vg_timer_init(&past);
    vg_timer_init(&between);
    vg_wheel_arm(&w, &x, 100);
    vg_wheel_arm(&w, &y, 5000);
    assert_ptr_equal(pop(&w, 10000), &x);
    vg_wheel_arm(&w, &between, 4000);
    vg_wheel_arm(&w, &past, 50);
    assert_ptr_equal(pop(&w, 10000), &past);
    assert_ptr_equal(pop(&w, 10000), &between);
    assert_ptr_equal(pop(&w, 10000), &y);
    assert_null(pop(&w, 10000));
    assert_int_equal(w.count, 0);
}

/* Spec C5/C6: the keep-alive timer two virtual hours out, among 100,000 later timers, is reached
 * in a handful of wake-ups and fires exactly at its instant, disturbing none of the others. */
static void c6_two_hour_keepalive_among_100000_timers(void **state)
{
    (void)state;
    enum { N = 100000 };
    struct vg_prng r;
    vg_prng_seed(&r, 17);
    struct item *items = new_items(N);
    struct vg_timer keepalive;
    struct vg_wheel w;
    uint64_t start = 123456789;
    vg_wheel_init(&w, start);
    for (size_t i = 0; i < N; i++)
        model_arm(&w, &items[i], start + TWO_HOURS_US + 1 + vg_prng_below(&r, UINT64_C(86400000000)));
    vg_timer_init(&keepalive);
    vg_wheel_arm(&w, &keepalive, start + TWO_HOURS_US);

    unsigned steps = 0;
    uint64_t now = start;
    struct vg_timer *t = NULL;
    while (!t) {
        now = vg_wheel_next(&w);
        t = vg_wheel_expire(&w, now);
        steps++;
    }
    assert_ptr_equal(t, &keepalive);
    assert_int_equal(now, start + TWO_HOURS_US);
    assert_true(steps <= VG_WHEEL_LEVELS + 1);
    assert_null(vg_wheel_expire(&w, now));
    assert_int_equal(w.count, N);

    /* The others are intact: all of them fire, in order, by the end of the day. */
    uint64_t prev = now;
    size_t fired = 0;
    while ((t = vg_wheel_expire(&w, start + TWO_HOURS_US + UINT64_C(86400000000))) != NULL) {
        assert_true(t->expires >= prev);
        assert_true(t->expires > start + TWO_HOURS_US);
        prev = t->expires;
        fired++;
    }
    assert_int_equal(fired, N);
    free(items);
}

static void count_is_exact(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer a, b, c;
    vg_wheel_init(&w, 500);
    vg_timer_init(&a);
    vg_timer_init(&b);
    vg_timer_init(&c);
    assert_false(vg_timer_armed(&a));
    vg_wheel_cancel(&w, &a);
    assert_int_equal(w.count, 0);
    vg_wheel_arm(&w, &a, 600);
    vg_wheel_arm(&w, &a, 700);              /* re-arm is not a second timer */
    assert_int_equal(w.count, 1);
    vg_wheel_arm(&w, &b, 100);              /* due, not yet popped: still counted */
    vg_wheel_arm(&w, &c, UINT64_C(1) << 60); /* beyond the wheel's range */
    assert_int_equal(w.count, 3);
    assert_ptr_equal(vg_wheel_expire(&w, 650), &b);
    assert_int_equal(w.count, 2);
    vg_wheel_cancel(&w, &b);
    assert_int_equal(w.count, 2);
    vg_wheel_cancel(&w, &c);
    vg_wheel_cancel(&w, &c);
    assert_int_equal(w.count, 1);
    assert_null(vg_wheel_expire(&w, 699));
    assert_ptr_equal(vg_wheel_expire(&w, 700), &a);
    assert_int_equal(w.count, 0);
}

/* A timer far beyond the wheel's range waits through each 2^48 µs block and still fires exactly. */
static void beyond_range_timer_fires_exactly(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer far, near;
    uint64_t far_at = 3 * WHEEL_RANGE + 12345;
    vg_wheel_init(&w, 5);
    vg_timer_init(&far);
    vg_timer_init(&near);
    vg_wheel_arm(&w, &far, far_at);
    vg_wheel_arm(&w, &near, 2 * WHEEL_RANGE);
    assert_null(vg_wheel_expire(&w, 2 * WHEEL_RANGE - 1));
    assert_ptr_equal(vg_wheel_expire(&w, far_at - 1), &near);
    assert_null(vg_wheel_expire(&w, far_at - 1));
    assert_true(vg_wheel_next(&w) <= far_at);
    assert_ptr_equal(vg_wheel_expire(&w, UINT64_MAX - 1), &far);
    assert_int_equal(w.count, 0);
}

/* A timer's list is not stored but recomputed from its expiry and the wheel's now: cancelling
 * after now has skipped forward (no slot visited) must still find it, free its slot's occupancy
 * (else next() would report a stale slot) and leave a slot-mate to fire exactly; the owner's kind
 * survives arming, cancelling and expiry. */
static void cancel_after_skip_frees_the_slot_and_keeps_kind(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct vg_timer t[6];
    const uint64_t base = UINT64_C(1) << 40;
    const uint64_t at[6] = {base + 10, base + 300, base + 70000, base + 70001,
                            base + (UINT64_C(1) << 30), 2 * WHEEL_RANGE + 7};
    vg_wheel_init(&w, base);
    for (unsigned i = 0; i < 6; i++) {
        vg_timer_init(&t[i]);
        vg_timer_set_kind(&t[i], i + 1);
        vg_wheel_arm(&w, &t[i], at[i]);
        assert_int_equal(vg_timer_kind(&t[i]), i + 1);
    }
    assert_ptr_equal(vg_wheel_expire(&w, base + 10), &t[0]);
    assert_null(vg_wheel_expire(&w, base + 299));        /* now skips forward to base + 299 */
    vg_wheel_cancel(&w, &t[1]);
    vg_wheel_cancel(&w, &t[2]);                           /* t[3] shares its coarse slot */
    vg_wheel_cancel(&w, &t[4]);
    vg_wheel_cancel(&w, &t[5]);                           /* in the overflow list */
    assert_int_equal(w.count, 1);
    for (unsigned i = 0; i < 6; i++) {
        assert_int_equal(vg_timer_kind(&t[i]), i + 1);
        assert_int_equal(vg_timer_armed(&t[i]), i == 3);
    }
    uint64_t now = base + 299;
    struct vg_timer *got = NULL;
    for (int steps = 0; steps < 16 && !got; steps++) {
        now = vg_wheel_next(&w);
        assert_true(now <= at[3]);                        /* never late, nothing stale */
        got = vg_wheel_expire(&w, now);
    }
    assert_ptr_equal(got, &t[3]);
    assert_int_equal(now, at[3]);
    assert_int_equal(vg_timer_kind(got), 4);
    assert_int_equal(w.count, 0);
    assert_int_equal(vg_wheel_next(&w), UINT64_MAX);    /* no occupancy bit left behind */
}

/* An owner whose deadline moves later after it armed its timer (a keep-alive's, on every
 * segment received), as the stack's TCB timer is: the wheel asks it on the way down. */
struct owner {
    struct vg_timer timer;
    uint64_t deadline;            /* the owner's real deadline, never before the armed expiry */
    uint64_t fired_at;            /* when a pop found it due (0: not yet) */
    unsigned pops;
};
static unsigned due_calls;

static uint64_t owner_due(const struct vg_timer *t)
{
    due_calls++;
    return ((const struct owner *)(const void *)t)->deadline;
}

/* Deadlines moved later while timers wait, over every level: every owner is served exactly at
 * its deadline, never early by a pop it could not use more than once, and never late; with the
 * due function most stale entries never pop at all (the wheel moved them on the way down). The
 * same run without it pops every stale entry and re-arms it, with the same instants. */
static unsigned run_owners(int with_due, uint64_t seed)
{
    enum { N = 2000 };
    struct vg_prng r;
    vg_prng_seed(&r, seed);
    struct owner *o = calloc(N, sizeof *o);
    assert_non_null(o);
    struct vg_wheel w;
    uint64_t now = UINT64_C(1) << 33;
    vg_wheel_init(&w, now);
    if (with_due)
        vg_wheel_set_due(&w, 3, owner_due);
    for (size_t i = 0; i < N; i++) {
        vg_timer_init(&o[i].timer);
        vg_timer_set_kind(&o[i].timer, 3);
        uint64_t at = now + 1 + random_span(&r, 34);
        o[i].deadline = at;
        vg_wheel_arm(&w, &o[i].timer, at);
    }
    unsigned stale_pops = 0;
    while (w.count) {
        uint64_t next = vg_wheel_next(&w);
        assert_true(next >= now);
        now = next;
        struct vg_timer *t;
        while ((t = vg_wheel_expire(&w, now)) != NULL) {
            struct owner *x = (struct owner *)(void *)t;
            assert_true(t->expires <= now);
            assert_true(now <= x->deadline);      /* never later than the owner wants */
            x->pops++;
            if (now < x->deadline) {
                stale_pops++;
                vg_wheel_arm(&w, t, x->deadline);  /* as tcp_timer_update does */
            } else {
                assert_int_equal(x->fired_at, 0);
                x->fired_at = now;
            }
        }
        /* Receipts: some waiting owners' deadlines move later (never earlier: that is an arm). */
        for (int k = 0; k < 8; k++) {
            struct owner *x = &o[vg_prng_below(&r, N)];
            if (!x->fired_at && vg_timer_armed(&x->timer))
                x->deadline += 1 + random_span(&r, 30);
        }
    }
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(o[i].fired_at, o[i].deadline);
        assert_false(vg_timer_armed(&o[i].timer));
    }
    free(o);
    return stale_pops;
}

static void a_deadline_moved_later_is_met_exactly_and_mostly_without_a_stale_pop(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        due_calls = 0;
        unsigned without = run_owners(0, seed);
        assert_int_equal(due_calls, 0);
        unsigned with = run_owners(1, seed);
        assert_true(due_calls > 0);
        assert_true(without > 100);
        assert_true(with * 2 < without);
    }
}

/* The wheel takes only a later, finite answer; other kinds are never asked; the timer's kind
 * survives; and the counter says how many moved. */
static void due_is_asked_only_for_its_kind_and_only_moves_later(void **state)
{
    (void)state;
    struct vg_wheel w;
    struct owner later, earlier, never, other;
    const uint64_t base = UINT64_C(1) << 36, at = base + 3000000;   /* a level-2 slot */
    vg_wheel_init(&w, base);
    vg_wheel_set_due(&w, 2, owner_due);
    struct owner *all[4] = {&later, &earlier, &never, &other};
    for (unsigned i = 0; i < 4; i++) {
        *all[i] = (struct owner){0};
        vg_timer_init(&all[i]->timer);
        vg_timer_set_kind(&all[i]->timer, i == 3 ? 1 : 2);
        vg_wheel_arm(&w, &all[i]->timer, at + i);
    }
    later.deadline = at + 777777;
    earlier.deadline = at - 5;                    /* an earlier deadline is the owner's to arm */
    never.deadline = UINT64_MAX;                  /* nothing due: the entry fires and finds so */
    other.deadline = at + 999999;                 /* kind 1: nobody to ask */
    due_calls = 0;
    uint64_t now = base;
    struct vg_timer *got[4];
    uint64_t when[4];
    unsigned n = 0;
    while (n < 4) {
        now = vg_wheel_next(&w);
        struct vg_timer *t;
        while ((t = vg_wheel_expire(&w, now)) != NULL) {
            when[n] = now;
            got[n++] = t;
        }
    }
    assert_ptr_equal(got[0], &earlier.timer);
    assert_int_equal(when[0], at + 1);
    assert_ptr_equal(got[1], &never.timer);
    assert_int_equal(when[1], at + 2);
    assert_ptr_equal(got[2], &other.timer);
    assert_int_equal(when[2], at + 3);
    assert_ptr_equal(got[3], &later.timer);
    assert_int_equal(when[3], at + 777777);
    assert_int_equal(vg_timer_kind(&later.timer), 2);
    assert_int_equal(vg_timer_kind(&other.timer), 1);
    assert_int_equal(w.later, 1);
    assert_true(due_calls >= 3);                  /* asked for each kind-2 timer on the way down */
    assert_int_equal(w.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wheel_matches_reference_model),
        cmocka_unit_test(wheel_matches_reference_model_with_changes_while_expiring),
        cmocka_unit_test(next_reaches_exact_expiry_in_bounded_steps),
        cmocka_unit_test(stepping_by_next_fires_every_timer_exactly),
        cmocka_unit_test(next_is_exact_within_current_64us_block),
        cmocka_unit_test(next_across_block_boundary_is_never_late_then_exact),
        cmocka_unit_test(cancel_while_expiring),
        cmocka_unit_test(rearm_popped_timer_inside_loop),
        cmocka_unit_test(arm_in_the_past_fires_at_next_expire_earliest_first),
        cmocka_unit_test(stepping_to_a_past_expiry_keeps_later_timers_exact),
        cmocka_unit_test(arm_during_expiry_keeps_order),
        cmocka_unit_test(c6_two_hour_keepalive_among_100000_timers),
        cmocka_unit_test(count_is_exact),
        cmocka_unit_test(beyond_range_timer_fires_exactly),
        cmocka_unit_test(cancel_after_skip_frees_the_slot_and_keeps_kind),
        cmocka_unit_test(a_deadline_moved_later_is_met_exactly_and_mostly_without_a_stale_pop),
        cmocka_unit_test(due_is_asked_only_for_its_kind_and_only_moves_later),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
