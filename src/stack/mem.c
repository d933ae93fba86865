/* The core's allocations: one place that counts failures, lets a test make any of them fail,
 * and keeps the stack-wide budget for connection buffers. */
#include <stdlib.h>

#include "stack/stack.h"

static int refused(vg_stack *s, size_t n)
{
    return s->alloc_fail && s->alloc_fail(s->alloc_fail_ctx, n);
}

void *vg_alloc(vg_stack *s, size_t n)
{
    void *p = refused(s, n) ? NULL : malloc(n);
    if (!p)
        s->stats.alloc_failures++;
    return p;
}

void *vg_zalloc(vg_stack *s, size_t n)
{
    void *p = refused(s, n) ? NULL : calloc(1, n);
    if (!p)
        s->stats.alloc_failures++;
    return p;
}

void *vg_alloc_aligned(vg_stack *s, size_t align, size_t n)
{
    void *p = refused(s, n) ? NULL : aligned_alloc(align, n);
    if (!p)
        s->stats.alloc_failures++;
    return p;
}

void vg_stack_set_alloc_fail(vg_stack *s, vg_alloc_fail_fn fn, void *ctx)
{
    s->alloc_fail = fn;
    s->alloc_fail_ctx = ctx;
}

int vg_mem_charge(vg_stack *s, size_t n)
{
    if (s->stats.mem_bytes + n > s->cfg.mem_limit) {
        s->stats.mem_refused++;
        return -1;
    }
    s->stats.mem_bytes += n;
    return 0;
}

void vg_mem_uncharge(vg_stack *s, size_t n)
{
    s->stats.mem_bytes = n > s->stats.mem_bytes ? 0 : s->stats.mem_bytes - n;
}
