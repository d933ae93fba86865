/* TCB slabs. A slab is a header, then as many TCB slots as fit, each live one marked in a
 * bitmap; allocation takes the first free slot of a slab that has one. One empty slab is kept
 * so that a connection opened and closed at a slab's edge does not allocate a slab each time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"
#include "tcp/tcb_pool.h"
#include "util/bitmap.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Slots start on a cache line so the hot head of every other TCB does not straddle two. */
#define SLOTS_OFF ((sizeof(struct tcb_slab) + 63u) & ~(size_t)63u)
#define SLOTS ((VG_TCB_SLAB_BYTES - SLOTS_OFF) / sizeof(vg_tcb))
/* The used bits of a full slab's last word. */
#define LAST_WORD_FULL (SLOTS % 64u ? (UINT64_C(1) << (SLOTS % 64u)) - 1u : ~UINT64_C(0))

_Static_assert(SLOTS >= 16 && SLOTS <= 64u * TCB_SLAB_WORDS && SLOTS > 64u * (TCB_SLAB_WORDS - 1u),
               "TCB slab size and bitmap disagree: TCB_SLAB_WORDS words for SLOTS slots");
_Static_assert(SLOTS_OFF == 64, "the slab header is one cache line");
_Static_assert((VG_TCB_SLAB_BYTES & (VG_TCB_SLAB_BYTES - 1)) == 0, "slabs align to their size");

static vg_tcb *slot(struct tcb_slab *b, size_t i)
{
    return (vg_tcb *)((char *)b + SLOTS_OFF + i * sizeof(vg_tcb));
}

/* No live count: full and empty are read off the bitmap, which keeps the header in one line. */
static int slab_full(const struct tcb_slab *b)
{
    for (unsigned w = 0; w + 1 < TCB_SLAB_WORDS; w++)
        if (b->used[w] != ~UINT64_C(0))
            return 0;
    return b->used[TCB_SLAB_WORDS - 1] == LAST_WORD_FULL;
}

static int slab_empty(const struct tcb_slab *b)
{
    uint64_t any = 0;
    for (unsigned w = 0; w < TCB_SLAB_WORDS; w++)
        any |= b->used[w];
    return any == 0;
}

static struct tcb_slab *slab_of(const vg_tcb *t)
{
    return (struct tcb_slab *)((uintptr_t)t & ~(uintptr_t)(VG_TCB_SLAB_BYTES - 1));
}

static size_t index_of(const vg_tcb *t)
{
    return (size_t)((const char *)t - ((const char *)slab_of(t) + SLOTS_OFF)) / sizeof(vg_tcb);
}

static void partial_add(struct vg_tcb_pool *p, struct tcb_slab *b)
{
    b->pprev = NULL;
    b->pnext = p->partial;
    if (p->partial)
        p->partial->pprev = b;
    p->partial = b;
}

static void partial_remove(struct vg_tcb_pool *p, struct tcb_slab *b)
{
    if (b->pprev)
        b->pprev->pnext = b->pnext;
    else if (p->partial == b)
        p->partial = b->pnext;
    else
        return;                   /* a full slab is on no partial list */
    if (b->pnext)
        b->pnext->pprev = b->pprev;
    b->pnext = b->pprev = NULL;
}

static struct tcb_slab *slab_new(vg_stack *s)
{
    struct tcb_slab *b = vg_alloc_slab(s);
    if (!b)
        return NULL;
    memset(b, 0, sizeof *b);
    b->stack = s;
    POISON(slot(b, 0), SLOTS * sizeof(vg_tcb));
    /* Appended, so a walk that frees as it goes (vg_tcp_free_all) or one that runs while
     * connections open sees each slab once. The first slab's prev is the last. */
    struct tcb_slab *first = s->tcbs.slabs;
    if (first) {
        first->prev->next = b;
        b->prev = first->prev;
        first->prev = b;
    } else {
        s->tcbs.slabs = b;
        b->prev = b;
    }
    partial_add(&s->tcbs, b);
    s->stats.tcb_bytes += VG_TCB_SLAB_BYTES;
    return b;
}

static void slab_free(vg_stack *s, struct tcb_slab *b)
{
    struct vg_tcb_pool *p = &s->tcbs;
    partial_remove(p, b);
    struct tcb_slab *first = p->slabs;
    if (b == first) {
        p->slabs = b->next;
        if (p->slabs)
            p->slabs->prev = b->prev;
    } else {
        b->prev->next = b->next;
        if (b->next)
            b->next->prev = b->prev;
        else
            first->prev = b->prev;
    }
    s->stats.tcb_bytes -= VG_TCB_SLAB_BYTES;
    UNPOISON(b, VG_TCB_SLAB_BYTES);
    vg_free_slab(s, b);
}

vg_tcb *tcb_pool_get(vg_stack *s)
{
    struct tcb_slab *b = s->tcbs.partial;
    if (!b && !(b = slab_new(s)))
        return NULL;
    size_t i = vg_bitmap_take(b->used, TCB_SLAB_WORDS, SLOTS);
    if (i == SLOTS)
        return NULL;   /* unreachable: a partial slab has a free slot */
    if (slab_full(b))
        partial_remove(&s->tcbs, b);
    vg_tcb *t = slot(b, i);
    UNPOISON(t, sizeof *t);
    memset(t, 0, sizeof *t);
    return t;
}

void tcb_pool_put(vg_stack *s, vg_tcb *t)
{
    struct tcb_slab *b = slab_of(t);
    size_t i = index_of(t);
    int was_full = slab_full(b);
    vg_bitmap_clear(b->used, i);
    POISON(t, sizeof *t);
    if (was_full)
        partial_add(&s->tcbs, b);
    /* An empty slab goes unless it is the only one with room: that one is the spare. */
    if (slab_empty(b) && (s->tcbs.partial != b || b->pnext))
        slab_free(s, b);
}

vg_tcb *tcb_pool_next(const vg_stack *s, const vg_tcb *prev)
{
    struct tcb_slab *b = prev ? slab_of(prev) : s->tcbs.slabs;
    size_t i = prev ? index_of(prev) + 1 : 0;
    for (; b; b = b->next, i = 0) {
        for (; i < SLOTS; i++) {
            uint64_t bits = b->used[i / 64u] >> (i % 64u);
            if (!bits) {
                i = (i / 64u) * 64u + 63u;   /* the rest of this word is free */
                continue;
            }
            i += (size_t)__builtin_ctzll(bits);
            if (i < SLOTS)
                return slot(b, i);
        }
    }
    return NULL;
}

void tcb_pool_release(vg_stack *s)
{
    while (s->tcbs.slabs)
        slab_free(s, s->tcbs.slabs);
}
