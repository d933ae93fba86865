#include "tcp/ring.h"

#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"

/* Rings grow in steps: the first allocation is one VG_RING_MIN_CAP (or what the first write
 * needs), then the capacity doubles up to the connection's buffer size. The budget is charged for
 * the capacity a ring holds, so a connection with 100 bytes queued costs 4 KiB, not its whole
 * 64 KiB buffer, and the budget covers many more busy connections; a ring never shrinks while it
 * holds data (the receive window it backed stays backed) and is freed when empty. Doubling keeps
 * the copying linear in the bytes written. When the budget has no room for the doubled size, the
 * ring grows to exactly what this write needs, or the write fails. The exception is a ring
 * made from one of the stack's spares (VG_RING_SPARES): it starts at the spare's capacity, and
 * is charged all of it, only while the budget has room for that. */
static uint32_t grown_cap(uint32_t have, uint32_t need, uint32_t max)
{
    uint32_t c = have ? have : VG_RING_MIN_CAP;
    while (c < need && c < max)
        c = c > max / 2 ? max : c * 2;
    return c < max ? c : max;
}

static uint64_t budget_room(const vg_stack *s)
{
    return s->cfg.mem_limit > s->stats.mem_bytes ? s->cfg.mem_limit - s->stats.mem_bytes : 0;
}

/* A spare ring (VG_RING_SPARES) for a new ring of need..max bytes, charged as a new one would
 * be; NULL when none fits or the budget has no room for it (then the ring grows as usual). */
static struct vg_ring *spare_take(vg_stack *s, uint32_t max, uint32_t need)
{
    int best = -1;
    uint32_t best_cap = 0;
    for (int i = 0; i < VG_RING_SPARES; i++) {
        const struct vg_ring *r = s->ring_spare[i];
        if (r && r->cap >= need && r->cap <= max && (best < 0 || r->cap > best_cap)) {
            best = i;
            best_cap = r->cap;
        }
    }
    if (best < 0)
        return NULL;
    struct vg_ring *r = s->ring_spare[best];
    size_t fp = vg_ring_footprint(r);
    if (fp > budget_room(s))
        return NULL;
    /* What vg_mem_charge would do: the room just seen means it cannot refuse. */
    s->stats.mem_bytes += fp;
    s->ring_spare[best] = NULL;
    s->stats.mem_spare_bytes -= fp;
    r->head = 0;
    r->len = 0;
    return r;
}

/* Keeps a ring being freed as a spare, in place of a smaller one; 1 when kept. A ring grown
 * past the stack's starting buffer sizes (autotuning, tcp_autotune.h) is not kept: spares lie
 * outside the budget, and two of a few MiB each would be memory nobody accounts for. */
static int spare_keep(vg_stack *s, struct vg_ring *r)
{
    uint32_t keep_max = s->cfg.rcvbuf > s->cfg.sndbuf ? s->cfg.rcvbuf : s->cfg.sndbuf;
    if (r->cap > keep_max)
        return 0;
    int slot = -1;
    for (int i = 0; i < VG_RING_SPARES; i++) {
        const struct vg_ring *o = s->ring_spare[i];
        if (!o) {
            slot = i;
            break;
        }
        if (o->cap < r->cap && (slot < 0 || o->cap < s->ring_spare[slot]->cap))
            slot = i;
    }
    if (slot < 0)
        return 0;
    if (s->ring_spare[slot]) {
        s->stats.mem_spare_bytes -= vg_ring_footprint(s->ring_spare[slot]);
        free(s->ring_spare[slot]);
    }
    s->ring_spare[slot] = r;
    s->stats.mem_spare_bytes += vg_ring_footprint(r);
    return 1;
}

void vg_ring_spares_free(vg_stack *s)
{
    for (int i = 0; i < VG_RING_SPARES; i++) {
        if (s->ring_spare[i])
            s->stats.mem_spare_bytes -= vg_ring_footprint(s->ring_spare[i]);
        free(s->ring_spare[i]);
        s->ring_spare[i] = NULL;
    }
}

/* A ring that fits nothing yet is allocated or grown out of line: the register pressure of the
 * allocation path is not paid by every write that finds room (a spare ring, or its own). */
#if defined(__GNUC__)
#define RING_OUT_OF_LINE __attribute__((noinline))
#else
#define RING_OUT_OF_LINE
#endif

/* ring_reserve's allocation: *rp (NULL or too small) grown to hold need bytes (need <= max). */
static RING_OUT_OF_LINE struct vg_ring *ring_grow(vg_stack *s, struct vg_ring **rp, uint32_t max,
                                                  uint32_t need)
{
    struct vg_ring *r = *rp;
    uint32_t have = r ? r->cap : 0;
    size_t header = r ? 0 : sizeof *r;
    uint32_t cap = grown_cap(have, need, max);
    if ((uint64_t)header + (cap - have) > budget_room(s))
        cap = need;                       /* under pressure: only what this write needs */
    size_t charge = header + (cap - have);
    if (vg_mem_charge(s, charge))
        return NULL;
    struct vg_ring *nr = vg_alloc(s, sizeof *nr + cap);
    if (!nr) {
        vg_mem_uncharge(s, charge);
        return NULL;
    }
    nr->cap = cap;
    nr->head = 0;
    nr->len = 0;
    if (r) {
        /* Unwrap the whole old capacity: out-of-order islands beyond len keep their offsets. */
        uint32_t first = have - r->head;
        memcpy(nr->data, r->data + r->head, first);
        memcpy(nr->data + first, r->data, r->head);
        nr->len = r->len;
        free(r);
    }
    *rp = nr;
    return nr;
}

/* Makes *rp hold capacity for need bytes from its head (need <= max); NULL when it cannot. */
static struct vg_ring *ring_reserve(vg_stack *s, struct vg_ring **rp, uint32_t max, uint32_t need)
{
    struct vg_ring *r = *rp;
    if (r && need <= r->cap)
        return r;
    if (need > max)
        return NULL;
    if (!r && (r = spare_take(s, max, need)) != NULL) {
        *rp = r;
        return r;
    }
    return ring_grow(s, rp, max, need);
}

/* Where offset off from the head lies: head < cap and off <= cap, so one subtraction wraps it
 * (no division on every copy). */
static inline uint32_t ring_pos(const struct vg_ring *r, uint32_t off)
{
    uint32_t pos = r->head + off;
    return pos >= r->cap ? pos - r->cap : pos;
}

static void ring_copy_in(struct vg_ring *r, uint32_t pos, const uint8_t *src, size_t n)
{
    size_t first = r->cap - pos;
    if (n <= first) {
        memcpy(r->data + pos, src, n);   /* most copies do not wrap: one call */
        return;
    }
    memcpy(r->data + pos, src, first);   /* wrapped: rarely, and never for a short segment */
    memcpy(r->data, src + first, n - first);
}

size_t vg_ring_append(vg_stack *s, struct vg_ring **rp, uint32_t cap, const void *src, size_t n)
{
    uint32_t len = vg_ring_len(*rp);
    if (len >= cap || n == 0)
        return 0;
    if (n > cap - len)
        n = cap - len;
    struct vg_ring *r = ring_reserve(s, rp, cap, len + (uint32_t)n);
    if (!r) {
        /* No room to grow: what the ring already holds room for is still usable. */
        r = *rp;
        if (!r || r->cap == r->len)
            return 0;
        if (n > r->cap - r->len)
            n = r->cap - r->len;
    }
    ring_copy_in(r, ring_pos(r, r->len), src, n);
    r->len += (uint32_t)n;
    return n;
}

int vg_ring_write_at(vg_stack *s, struct vg_ring **rp, uint32_t cap, uint32_t off, const void *src,
                     size_t n)
{
    if (n > cap || off > cap - n)
        return -1;
    struct vg_ring *r = ring_reserve(s, rp, cap, off + (uint32_t)n);
    if (!r)
        return -1;
    ring_copy_in(r, ring_pos(r, off), src, n);
    return 0;
}

void vg_ring_peek(const struct vg_ring *r, uint32_t off, void *dst, size_t n)
{
    uint32_t pos = ring_pos(r, off);
    size_t first = r->cap - pos;
    if (n <= first) {
        memcpy(dst, r->data + pos, n);
        return;
    }
    memcpy(dst, r->data + pos, first);
    memcpy((uint8_t *)dst + first, r->data, n - first);
}

uint32_t vg_ring_peek_csum(const struct vg_ring *r, uint32_t off, void *dst, size_t n, uint32_t sum)
{
    uint32_t pos = ring_pos(r, off);
    size_t first = r->cap - pos;
    if (first > n)
        first = n;
    sum = vg_csum_copy(dst, r->data + pos, first, sum);
    if (n > first)
        sum = vg_csum_block_add(sum, vg_csum_copy((uint8_t *)dst + first, r->data, n - first, 0),
                                first);
    return sum;
}

void vg_ring_consume(vg_stack *s, struct vg_ring **rp, uint32_t n, int free_when_empty)
{
    struct vg_ring *r = *rp;
    if (!r)
        return;
    if (n > r->len)
        n = r->len;
    r->head = ring_pos(r, n);
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
    if (!spare_keep(s, *rp))
        free(*rp);
    *rp = NULL;
}
