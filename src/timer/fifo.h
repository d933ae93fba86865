/* A timer list for deadlines that all lie the same span after they are armed (TIME_WAIT's
 * 2·MSL: FreeBSD's 2MSL list): armed in time order, it is sorted by expiry, so arming appends,
 * the head is the next to fire, and nothing is ever re-placed — a wheel would move each such
 * timer down level by level, a cache miss per cold owner and level. O(1) arm, cancel and pop;
 * pure data, no clock. It uses the wheel's own timer node (wheel.h) with the same link word
 * (address of the pointer to the node | kind), so a node is on one list or the other, never
 * both; which one is the owner's to remember (the kind bits serve). */
#ifndef VG_FIFO_H
#define VG_FIFO_H

#include <stddef.h>
#include <stdint.h>

#include "timer/wheel.h"

struct vg_timer_fifo {
    struct vg_timer *head, *tail;
    size_t count;
};

static inline void vg_fifo_init(struct vg_timer_fifo *f)
{
    f->head = f->tail = NULL;
    f->count = 0;
}

/* Whether a timer expiring at expires may be appended: not earlier than the last one (a span
 * that changed, or a deadline of another kind, belongs on the wheel). */
static inline int vg_fifo_accepts(const struct vg_timer_fifo *f, uint64_t expires)
{
    return !f->tail || f->tail->expires <= expires;
}

static inline void vg_fifo_set_pprev_(struct vg_timer *t, struct vg_timer **pprev)
{
    t->link = (uintptr_t)pprev | (t->link & VG_TIMER_KIND_MASK);
}

/* Appends an unarmed timer t; vg_fifo_accepts(f, expires) must hold. */
static inline void vg_fifo_push(struct vg_timer_fifo *f, struct vg_timer *t, uint64_t expires)
{
    struct vg_timer **pprev = f->tail ? &f->tail->next : &f->head;
    t->expires = expires;
    t->next = NULL;
    *pprev = t;
    vg_fifo_set_pprev_(t, pprev);
    f->tail = t;
    f->count++;
}

/* Takes t (armed on f) off f, unarmed. */
static inline void vg_fifo_remove(struct vg_timer_fifo *f, struct vg_timer *t)
{
    struct vg_timer **pprev = (struct vg_timer **)(t->link & ~VG_TIMER_KIND_MASK);
    *pprev = t->next;
    if (t->next)
        vg_fifo_set_pprev_(t->next, pprev);
    else    /* t was the tail: the new tail is the node whose next pprev is, or none */
        f->tail = pprev == &f->head ? NULL
                                    : (struct vg_timer *)((char *)pprev - offsetof(struct vg_timer, next));
    t->next = NULL;
    vg_fifo_set_pprev_(t, NULL);
    f->count--;
}

/* The earliest expiry on f; UINT64_MAX when empty. */
static inline uint64_t vg_fifo_next(const struct vg_timer_fifo *f)
{
    return f->head ? f->head->expires : UINT64_MAX;
}

/* The head, taken off f and unarmed, when it expires at or before now; else NULL. */
static inline struct vg_timer *vg_fifo_pop_due(struct vg_timer_fifo *f, uint64_t now)
{
    struct vg_timer *t = f->head;
    if (!t || t->expires > now)
        return NULL;
    vg_fifo_remove(f, t);
    return t;
}

#endif
