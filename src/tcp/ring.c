#include "tcp/ring.h"

#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"

static struct vg_ring *ring_get(vg_stack *s, struct vg_ring **r, uint32_t cap)
{
    if (!*r) {
        if (vg_mem_charge(s, sizeof **r + cap))
            return NULL;
        *r = vg_alloc(s, sizeof **r + cap);
        if (!*r) {
            vg_mem_uncharge(s, sizeof **r + cap);
            return NULL;
        }
        (*r)->cap = cap;
        (*r)->head = 0;
        (*r)->len = 0;
    }
    return *r;
}

static void ring_copy_in(struct vg_ring *r, uint32_t pos, const uint8_t *src, size_t n)
{
    size_t first = r->cap - pos;
    if (first > n)
        first = n;
    memcpy(r->data + pos, src, first);
    memcpy(r->data, src + first, n - first);
}

size_t vg_ring_append(vg_stack *s, struct vg_ring **rp, uint32_t cap, const void *src, size_t n)
{
    struct vg_ring *r = ring_get(s, rp, cap);
    if (!r)
        return 0;
    if (n > r->cap - r->len)
        n = r->cap - r->len;
    ring_copy_in(r, (r->head + r->len) % r->cap, src, n);
    r->len += (uint32_t)n;
    return n;
}

int vg_ring_write_at(vg_stack *s, struct vg_ring **rp, uint32_t cap, uint32_t off, const void *src,
                     size_t n)
{
    struct vg_ring *r = ring_get(s, rp, cap);
    if (!r)
        return -1;
    ring_copy_in(r, (r->head + off) % r->cap, src, n);
    return 0;
}

void vg_ring_peek(const struct vg_ring *r, uint32_t off, void *dst, size_t n)
{
    uint32_t pos = (r->head + off) % r->cap;
    size_t first = r->cap - pos;
    if (first > n)
        first = n;
    memcpy(dst, r->data + pos, first);
    memcpy((uint8_t *)dst + first, r->data, n - first);
}

void vg_ring_consume(vg_stack *s, struct vg_ring **rp, uint32_t n, int free_when_empty)
{
    struct vg_ring *r = *rp;
    if (!r)
        return;
    if (n > r->len)
        n = r->len;
    r->head = (r->head + n) % r->cap;
    r->len -= n;
    /* The head stays put when data is still placed beyond len (out-of-order islands). */
    if (r->len == 0 && free_when_empty)
        vg_ring_free(s, rp);
}

void vg_ring_free(vg_stack *s, struct vg_ring **rp)
{
    if (!*rp)
        return;
    vg_mem_uncharge(s, vg_ring_footprint(*rp));
    free(*rp);
    *rp = NULL;
}
