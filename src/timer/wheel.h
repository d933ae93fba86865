/* A hierarchical timing wheel: O(1) arm, re-arm and cancel, exact to the microsecond.
 * Pure data structure: it never reads a clock; the caller says what time it is. Timers are
 * intrusive (embedded in their owner), so arming allocates nothing. */
#ifndef VG_WHEEL_H
#define VG_WHEEL_H

#include <stddef.h>
#include <stdint.h>

/* 2048 slots a level (level 1 spans 4.2 s): a keep-alive interval of a second or a few sits
 * one level up and is re-placed once on its way down, not twice as with 256 slots, and each
 * re-placement walks a chain of cold timers, a cache miss each at a million connections. The
 * price is 80 KiB of slot heads per stack. */
#define VG_WHEEL_BITS 11
#define VG_WHEEL_SLOTS (1u << VG_WHEEL_BITS)
#define VG_WHEEL_LEVELS 5                        /* 2^55 µs ≈ 1,100 years of range */
#define VG_WHEEL_WORDS (VG_WHEEL_SLOTS / 64u)    /* occupancy bitmap words a level */

/* 24 octets, a million of them embedded in idle TCBs: the list a timer is on is not stored but
 * follows from expires and the wheel's now (wheel.c), and the owner's kind rides in the low bits
 * of the link word, which holds an address of a pointer (aligned to 8). */
#define VG_TIMER_KIND_MASK ((uintptr_t)7)   /* kinds 0..7 */
struct vg_timer {
    struct vg_timer *next;
    uintptr_t link;                   /* &(pointer to this timer) | kind; address 0: not armed */
    uint64_t expires;                 /* µs */
};

/* An owner's deadline as of now (UINT64_MAX: none), asked when the wheel re-places a timer of
 * its kind on the way down from a coarser slot. */
typedef uint64_t (*vg_timer_due_fn)(const struct vg_timer *t);

struct vg_wheel {
    uint64_t now;                     /* the wheel's notion of the current time */
    uint64_t occupied[VG_WHEEL_LEVELS][VG_WHEEL_WORDS];
    uint64_t words[VG_WHEEL_LEVELS];  /* bit k: occupied[L][k] is not 0 */
    unsigned levels;                  /* bit L: words[L] is not 0 */
    struct vg_timer *slot[VG_WHEEL_LEVELS][VG_WHEEL_SLOTS];
    struct vg_timer *expired;         /* due timers waiting to be popped, earliest first */
    struct vg_timer *overflow;        /* expiries in a later 2^55 µs block, re-placed when it starts */
    size_t count;                     /* armed timers, expired-but-unpopped included */
    uint32_t prefetch_bytes;          /* of the next timer's owner, from the timer on (0: none) */
    vg_timer_due_fn due[VG_TIMER_KIND_MASK + 1];   /* per kind; NULL: never asked */
    uint64_t later;                   /* timers moved later as they were re-placed */
    uint64_t replaced;                /* timers re-placed on their way down from a coarser slot */
};

void vg_wheel_init(struct vg_wheel *w, uint64_t now);
/* When a timer pops, the wheel starts fetching the next one to fire (the next due timer, or the
 * head of the next occupied finest slot) and the first bytes of its owner from the timer on: at
 * a million connections each owner is a cache miss, and the fetch overlaps the handler of the
 * one before. A hint only; it changes nothing the wheel does. */
static inline void vg_wheel_set_prefetch(struct vg_wheel *w, uint32_t bytes) { w->prefetch_bytes = bytes; }
/* Lets the owners of one kind move a timer later on the way down: a deadline that moved later
 * since the timer was armed (a keep-alive's, when a segment arrived) would otherwise fire early,
 * find nothing due and be armed again, a second trip down the wheel for the same deadline. The
 * wheel asks fn as it re-places such a timer and takes an answer later than the expiry (and
 * not UINT64_MAX); an earlier one is the owner's to arm. fn only reads. */
static inline void vg_wheel_set_due(struct vg_wheel *w, unsigned kind, vg_timer_due_fn fn)
{
    w->due[kind & VG_TIMER_KIND_MASK] = fn;
}
static inline void vg_timer_init(struct vg_timer *t)
{
    t->next = NULL;
    t->link = 0;
    t->expires = 0;
}
static inline int vg_timer_armed(const struct vg_timer *t)
{
    return (t->link & ~VG_TIMER_KIND_MASK) != 0;
}
/* The owner's tag (which handler the stack dispatches to); kept across arming and expiry. */
static inline unsigned vg_timer_kind(const struct vg_timer *t)
{
    return (unsigned)(t->link & VG_TIMER_KIND_MASK);
}
static inline void vg_timer_set_kind(struct vg_timer *t, unsigned kind)
{
    t->link = (t->link & ~VG_TIMER_KIND_MASK) | ((uintptr_t)kind & VG_TIMER_KIND_MASK);
}
/* Arms (or re-arms) t to fire at expires; a time at or before w->now fires at the next expire. */
void vg_wheel_arm(struct vg_wheel *w, struct vg_timer *t, uint64_t expires);
void vg_wheel_cancel(struct vg_wheel *w, struct vg_timer *t);
/* The earliest time at which vg_wheel_expire can have work: exact for timers in the finest
 * level (and for a coarser slot holding only a few timers); otherwise the start of a coarser slot
 * (a harmless early wake-up that cascades it).
 * UINT64_MAX when empty. Never earlier than w->now unless a timer is already due. */
uint64_t vg_wheel_next(const struct vg_wheel *w);
/* Advances the wheel to now (which must not go backwards) and returns one timer whose expiry
 * is <= now, disarmed, earliest first; NULL when none is due. Call until NULL. A callback may
 * arm or cancel any timer between calls. */
struct vg_timer *vg_wheel_expire(struct vg_wheel *w, uint64_t now);

#endif
