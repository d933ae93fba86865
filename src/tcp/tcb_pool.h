/* TCB storage: slabs of TCB slots, so a million connections cost no per-TCB malloc header and
 * need no list of their own for "every TCB of the stack". */
#ifndef VG_TCB_POOL_H
#define VG_TCB_POOL_H

#include <stdint.h>

#include "stack/stack.h"

/* A slab: this header, then TCB slots from the next cache line on, each live one marked in used. A
 * TCB finds its slab by masking its address (slabs are aligned to their size), and its stack in
 * the slab's first word: no TCB stores a pointer of its own to it. 64 octets, so that 146 TCBs of
 * 224 octets fill a slab exactly; its word count is checked against the slots in tcb_pool.c. */
#define TCB_SLAB_WORDS 3u
struct tcb_slab {
    vg_stack *stack;
    struct tcb_slab *next, *prev;       /* pool.slabs */
    struct tcb_slab *pnext, *pprev;     /* pool.partial */
    uint64_t used[TCB_SLAB_WORDS];      /* a bit per slot: 1 live */
};

static inline vg_stack *tcb_stack(const vg_tcb *t)
{
    uintptr_t slab = (uintptr_t)t & ~(uintptr_t)(VG_TCB_SLAB_BYTES - 1);
    return ((const struct tcb_slab *)slab)->stack;
}

/* A zeroed TCB slot, or NULL (allocation failure: counted by vg_alloc). Accounts
 * stats.tcb_bytes in whole slabs: what the TCBs really hold. */
vg_tcb *tcb_pool_get(vg_stack *s);
/* Returns a slot; a slab left empty goes back to the heap. */
void tcb_pool_put(vg_stack *s, vg_tcb *t);
/* Live TCBs in slab order: first with prev NULL, NULL after the last. */
vg_tcb *tcb_pool_next(const vg_stack *s, const vg_tcb *prev);
/* Frees every slab (the stack is going: its TCBs were freed first). */
void tcb_pool_release(vg_stack *s);

#endif
