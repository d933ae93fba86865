/* The stack's table of IPv6 addresses (addr6.h). */
#include <stdlib.h>
#include <string.h>

#include "ip/addr6.h"
#include "stack/stack.h"
#include "wire/ipv6.h"

static const uint8_t unspecified[16];

static uint64_t addr_hash(const vg_stack *s, const uint8_t a[16])
{
    return vg_siphash13(s->secret, a, 16);
}

static uint32_t bucket_of(const vg_stack *s, const uint8_t a[16])
{
    return (uint32_t)addr_hash(s, a) & (s->a6.nbuckets - 1u);
}

static struct vg_addr6_ent *ent(const vg_stack *s, uint32_t h)
{
    return &s->a6.e[h - VG_ADDR6_FIRST];
}

static uint32_t find(const vg_stack *s, const uint8_t a[16])
{
    if (!s->a6.nbuckets)
        return 0;
    for (uint32_t h = s->a6.bucket[bucket_of(s, a)]; h; h = ent(s, h)->next)
        if (memcmp(ent(s, h)->a, a, 16) == 0)
            return h;
    return 0;
}

/* Doubles the table (entries and buckets together: a chain is rebuilt from the entries, so
 * nothing needs the old buckets). Free entries go on the free list lowest first. */
static int grow(vg_stack *s)
{
    struct vg_addr6_table *t = &s->a6;
    uint32_t max = s->cfg.max_addr6 < VG_ADDR6_LAST - 1u ? s->cfg.max_addr6 : VG_ADDR6_LAST - 1u;
    if (t->cap >= max)
        return -1;
    uint32_t cap = t->cap ? t->cap * 2u : 16u;
    if (cap > max)
        cap = max;
    uint32_t nb = 16u;
    while (nb < cap)
        nb *= 2u;
    struct vg_addr6_ent *e = vg_alloc(s, (size_t)cap * sizeof *e);
    uint32_t *bucket = e ? vg_zalloc(s, (size_t)nb * sizeof *bucket) : NULL;
    if (!bucket) {
        free(e);
        return -1;
    }
    if (t->cap)
        memcpy(e, t->e, (size_t)t->cap * sizeof *e);
    free(t->e);
    free(t->bucket);
    t->e = e;
    t->bucket = bucket;
    t->nbuckets = nb;
    uint32_t old = t->cap;
    t->cap = cap;
    for (uint32_t i = cap; i-- > old;) {
        e[i].refs = 0;
        e[i].next = t->free_head;
        t->free_head = VG_ADDR6_FIRST + i;
    }
    for (uint32_t i = 0; i < old; i++) {
        if (!e[i].refs)
            continue;
        uint32_t b = bucket_of(s, e[i].a);
        e[i].next = bucket[b];
        bucket[b] = VG_ADDR6_FIRST + i;
    }
    return 0;
}

uint32_t vg_addr6_ref(vg_stack *s, const uint8_t a[16])
{
    if (memcmp(a, unspecified, 16) == 0)
        return VG_ADDR6_ANY;
    uint32_t h = find(s, a);
    if (h) {
        ent(s, h)->refs++;
        return h;
    }
    if (!s->a6.free_head && grow(s) != 0) {
        s->stats.ip6_addr_table_full++;
        return 0;
    }
    h = s->a6.free_head;
    struct vg_addr6_ent *x = ent(s, h);
    s->a6.free_head = x->next;
    memcpy(x->a, a, 16);
    x->refs = 1;
    x->acc = vg_csum_fold64(vg_ipv6_addr_acc(a, unspecified));
    uint64_t hash = addr_hash(s, a);
    x->word = (uint32_t)(hash >> 32);
    uint32_t b = (uint32_t)hash & (s->a6.nbuckets - 1u);
    x->next = s->a6.bucket[b];
    s->a6.bucket[b] = h;
    s->a6.live++;
    s->stats.ip6_addrs_live++;
    return h;
}

uint32_t vg_addr6_find(const vg_stack *s, const uint8_t a[16])
{
    return find(s, a);
}

void vg_addr6_hold(vg_stack *s, uint32_t h)
{
    if (h >= VG_ADDR6_FIRST)
        ent(s, h)->refs++;
}

void vg_addr6_unref(vg_stack *s, uint32_t h)
{
    if (h < VG_ADDR6_FIRST)
        return;
    struct vg_addr6_ent *x = ent(s, h);
    if (--x->refs)
        return;
    for (uint32_t *pp = &s->a6.bucket[bucket_of(s, x->a)]; *pp; pp = &ent(s, *pp)->next) {
        if (*pp == h) {
            *pp = x->next;
            break;
        }
    }
    x->next = s->a6.free_head;
    s->a6.free_head = h;
    s->a6.live--;
    s->stats.ip6_addrs_live--;
}

const uint8_t *vg_addr6_bytes(const vg_stack *s, uint32_t h)
{
    return h >= VG_ADDR6_FIRST && h - VG_ADDR6_FIRST < s->a6.cap ? ent(s, h)->a : unspecified;
}

void vg_addr6_table_free(vg_stack *s)
{
    free(s->a6.e);
    free(s->a6.bucket);
    memset(&s->a6, 0, sizeof s->a6);
}
