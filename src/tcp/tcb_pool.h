/* TCB storage: slabs of TCB slots, so a million connections cost no per-TCB malloc header and
 * need no list of their own for "every TCB of the stack". */
#ifndef VG_TCB_POOL_H
#define VG_TCB_POOL_H

#include "stack/stack.h"

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
