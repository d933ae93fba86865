/* Hierarchical timing wheel, exact to the microsecond.
 *
 * Placement (B = VG_WHEEL_BITS): a timer expiring at e > now lives at level L = (highest bit in
 * which e and now differ) / B, in slot (e >> BL) mod 2^B. Level L therefore holds only timers
 * that share now's bits above B(L+1) and fall in a later level-L slot than now, so every level-L
 * timer is earlier than every level-(L+1) timer, and the first occupied slot of the lowest
 * occupied level is the next place where there can be work. Level-0 slots are single microseconds: that answer is exact.
 *
 * Reaching a coarser slot's start re-places its timers relative to that instant: each lands at a
 * strictly finer level or is due, so a timer is handled at most once per level. Expiries in a
 * later 2^55 µs block than now (they differ above the top level) wait in the overflow list until
 * the next block starts, where they are re-placed the same way.
 *
 * Moving now forward to t without visiting any slot keeps these invariants as long as t is before
 * the earliest slot start: every timer then still shares the same high bits with t and lies in a
 * later slot. vg_wheel_expire() relies on that to skip empty stretches in O(levels). */
#include "timer/wheel.h"

#include <string.h>

_Static_assert(VG_WHEEL_WORDS <= 64, "a level's summary word has a bit for each bitmap word");
_Static_assert(sizeof(struct vg_timer) <= 24, "a timer node stays 24 octets: a million idle TCBs embed one");

#define SPAN_BITS (VG_WHEEL_BITS * VG_WHEEL_LEVELS)          /* 55: the wheel's range */
static unsigned highest_bit(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }

/* The first instant covered by slot s of level L in now's current level-(L+1) block. */
static uint64_t slot_start(uint64_t now, unsigned level, unsigned slot)
{
    unsigned shift = level * VG_WHEEL_BITS, above = shift + VG_WHEEL_BITS;
    return (now >> above << above) | (uint64_t)slot << shift;
}

/* The start of the 2^55 µs block after now's. It cannot wrap while a timer overflows: such a
 * timer's expiry has a bit set above bit 54 that is clear in now. */
static uint64_t next_block(uint64_t now) { return (now | ((UINT64_C(1) << SPAN_BITS) - 1)) + 1; }

static void clear_occupied(struct vg_wheel *w, unsigned level, unsigned slot)
{
    uint64_t *word = &w->occupied[level][slot / 64u];
    *word &= ~(UINT64_C(1) << (slot % 64u));
    if (*word)
        return;
    w->words[level] &= ~(UINT64_C(1) << (slot / 64u));
    if (!w->words[level])
        w->levels &= ~(1u << level);
}

static void set_occupied(struct vg_wheel *w, unsigned level, unsigned slot)
{
    w->occupied[level][slot / 64u] |= UINT64_C(1) << (slot % 64u);
    w->words[level] |= UINT64_C(1) << (slot / 64u);
    w->levels |= 1u << level;
}

static struct vg_timer **pprev_of(const struct vg_timer *t)
{
    return (struct vg_timer **)(t->link & ~VG_TIMER_KIND_MASK);
}

static void set_pprev(struct vg_timer *t, struct vg_timer **pprev)
{
    t->link = (uintptr_t)pprev | (t->link & VG_TIMER_KIND_MASK);
}

static void push(struct vg_timer **head, struct vg_timer *t)
{
    t->next = *head;
    if (t->next)
        set_pprev(t->next, &t->next);
    *head = t;
    set_pprev(t, head);
}

/* Which slot an armed timer is in follows from its expiry and w->now, as place() chose it: now
 * only moves forward to an instant before the earliest slot start (or to a slot start whose
 * timers it re-places at once), so a timer's level and slot relative to now do not change
 * while it waits. Due timers are the ones at or before now; overflow ones differ above the top
 * level. */
static int slot_of(const struct vg_wheel *w, const struct vg_timer *t, unsigned *level,
                   unsigned *slot)
{
    uint64_t e = t->expires;
    if (e <= w->now)
        return 0;
    unsigned l = highest_bit(e ^ w->now) / VG_WHEEL_BITS;
    if (l >= VG_WHEEL_LEVELS)
        return 0;
    *level = l;
    *slot = (unsigned)(e >> (l * VG_WHEEL_BITS)) % VG_WHEEL_SLOTS;
    return 1;
}

static void unlink_timer(struct vg_wheel *w, struct vg_timer *t)
{
    struct vg_timer **pprev = pprev_of(t);
    *pprev = t->next;
    if (t->next)
        set_pprev(t->next, pprev);
    unsigned level, slot;
    if (slot_of(w, t, &level, &slot) && !w->slot[level][slot])
        clear_occupied(w, level, slot);
    t->next = NULL;
    set_pprev(t, NULL);
}

/* Due timers stay sorted so they pop earliest first. Everything already due expires at or before
 * w->now and the timers that just became due all expire exactly at w->now, so this walk only
 * passes timers armed in the past with still earlier expiries: normally none. */
static void insert_due(struct vg_wheel *w, struct vg_timer *t)
{
    struct vg_timer **pos = &w->expired;
    while (*pos && (*pos)->expires < t->expires)
        pos = &(*pos)->next;
    push(pos, t);
}

static void place(struct vg_wheel *w, struct vg_timer *t)
{
    unsigned level, slot;
    if (slot_of(w, t, &level, &slot)) {
        push(&w->slot[level][slot], t);
        set_occupied(w, level, slot);
    } else if (t->expires <= w->now) {
        insert_due(w, t);
    } else {
        push(&w->overflow, t);
    }
}

/* Finds the earliest slot start (level VG_WHEEL_LEVELS: the overflow list's block boundary);
 * returns 0 when the wheel holds nothing outside the due list. */
static int earliest_slot(const struct vg_wheel *w, uint64_t *at, unsigned *level, unsigned *slot)
{
    /* Most levels are empty (a connection's timers sit on one or two): the lowest occupied
     * level and its first nonzero bitmap word come from the summaries, not from reading each
     * level's bitmap. */
    if (w->levels) {
        unsigned l = (unsigned)__builtin_ctz(w->levels);
        unsigned k = (unsigned)__builtin_ctzll(w->words[l]);
        *level = l;
        *slot = k * 64u + (unsigned)__builtin_ctzll(w->occupied[l][k]);
        *at = slot_start(w->now, l, *slot);
        return 1;
    }
    if (w->overflow) {
        *level = VG_WHEEL_LEVELS;
        *slot = 0;
        *at = next_block(w->now);
        return 1;
    }
    return 0;
}

/* Re-places every timer of one slot (or of the overflow list) relative to w->now. Each is
 * asked first whether its owner's deadline moved later (vg_wheel_set_due): this walk reads the
 * timer anyway, and a timer moved now never fires early only to be armed again. */
static void redistribute(struct vg_wheel *w, unsigned level, unsigned slot)
{
    struct vg_timer *t;
    if (level == VG_WHEEL_LEVELS) {
        t = w->overflow;
        w->overflow = NULL;
    } else {
        t = w->slot[level][slot];
        w->slot[level][slot] = NULL;
        clear_occupied(w, level, slot);
    }
    while (t) {
        struct vg_timer *next = t->next;
        /* The walk is a chain of misses at a million connections, one owner after the other:
         * the rest of the next owner (what due() reads) comes in alongside its link. */
        if (next)
            for (uint32_t off = 64u; off < w->prefetch_bytes; off += 64u)
                __builtin_prefetch((const char *)next + off);
        vg_timer_due_fn due = w->due[vg_timer_kind(t)];
        if (due) {
            uint64_t d = due(t);
            if (d > t->expires && d != UINT64_MAX) {
                t->expires = d;
                w->later++;
            }
        }
        place(w, t);
        w->replaced++;
        t = next;
    }
}

void vg_wheel_init(struct vg_wheel *w, uint64_t now)
{
    memset(w, 0, sizeof *w);
    w->now = now;
}

void vg_wheel_arm(struct vg_wheel *w, struct vg_timer *t, uint64_t expires)
{
    if (vg_timer_armed(t))
        unlink_timer(w, t);
    else
        w->count++;
    t->expires = expires;
    place(w, t);
}

void vg_wheel_cancel(struct vg_wheel *w, struct vg_timer *t)
{
    if (!vg_timer_armed(t))
        return;
    unlink_timer(w, t);
    w->count--;
}

/* A coarse slot holding only a few timers: their earliest expiry is the exact answer (every
 * later slot is later), and it spares the caller a wake-up per level on the way down. */
#define NEXT_SCAN_LIMIT 4

uint64_t vg_wheel_next(const struct vg_wheel *w)
{
    uint64_t at;
    unsigned level, slot;
    if (w->expired)
        return w->expired->expires;
    if (!earliest_slot(w, &at, &level, &slot))
        return UINT64_MAX;
    if (level == 0)
        return at;
    const struct vg_timer *t = level < VG_WHEEL_LEVELS ? w->slot[level][slot] : w->overflow;
    uint64_t earliest = UINT64_MAX;
    for (int seen = 0; t; t = t->next, seen++) {
        if (seen == NEXT_SCAN_LIMIT)
            return at;
        if (t->expires < earliest)
            earliest = t->expires;
    }
    return earliest;
}

/* The timer most likely to pop next: the next due one, else the head of the next occupied
 * finest slot after now's (a coarser slot's timers are re-placed first: not worth guessing). */
static void prefetch_next(const struct vg_wheel *w)
{
    const struct vg_timer *n = w->expired;
    if (!n) {
        unsigned from = (unsigned)(w->now % VG_WHEEL_SLOTS) + 1u;
        if (from == VG_WHEEL_SLOTS)
            return;
        unsigned k = from / 64u;
        uint64_t bits = w->occupied[0][k] & ~UINT64_C(0) << (from % 64u);
        if (!bits) {
            /* The next nonzero bitmap word from the level's summary, not a scan of 32 words. */
            uint64_t later = k + 1u < VG_WHEEL_WORDS ? w->words[0] & ~UINT64_C(0) << (k + 1u) : 0;
            if (!later)
                return;
            k = (unsigned)__builtin_ctzll(later);
            bits = w->occupied[0][k];
        }
        n = w->slot[0][k * 64u + (unsigned)__builtin_ctzll(bits)];
    }
    for (uint32_t off = 0; off < w->prefetch_bytes; off += 64u)
        __builtin_prefetch((const char *)n + off);
}

/* The wheel only advances as far as the timer it pops, so anything armed between pops for an
 * instant up to now still comes out in order. now can lag w->now when the caller steps to a due
 * timer's past expiry named by vg_wheel_next(); the wheel must not move back then. */
struct vg_timer *vg_wheel_expire(struct vg_wheel *w, uint64_t now)
{
    if (now < w->now)
        now = w->now;
    while (!w->expired) {
        uint64_t at;
        unsigned level, slot;
        if (!earliest_slot(w, &at, &level, &slot) || at > now) {
            w->now = now;
            return NULL;
        }
        w->now = at;
        redistribute(w, level, slot);
    }
    struct vg_timer *t = w->expired;
    unlink_timer(w, t);
    w->count--;
    if (w->prefetch_bytes)
        prefetch_next(w);
    return t;
}
