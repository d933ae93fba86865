/* The core's allocations: one place that counts failures, lets a test make any of them fail,
 * and keeps the stack-wide budget for connection buffers. It is also where memory comes from
 * the kernel directly (mmap, madvise), as malloc's does: TCB slabs in huge-page chunks. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "stack/stack.h"
#include "util/bitmap.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
/* A chunk is not malloc's, so the leak checker must be told to look inside it for the heap
 * blocks TCBs point to (rings, listen queues). */
#define ROOT_ADD(p, n) __lsan_register_root_region(p, n)
#define ROOT_DEL(p, n) __lsan_unregister_root_region(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#define ROOT_ADD(p, n) ((void)(p), (void)(n))
#define ROOT_DEL(p, n) ((void)(p), (void)(n))
#endif

#if defined(MADV_HUGEPAGE)
#define HAVE_HUGE_CHUNKS 1
#else
#define HAVE_HUGE_CHUNKS 0
#endif

_Static_assert(VG_SLAB_CHUNK_BYTES % VG_TCB_SLAB_BYTES == 0, "slabs tile a chunk");

static int refused(vg_stack *s, size_t n)
{
    return s->alloc_fail && s->alloc_fail(s->alloc_fail_ctx, n);
}

/* A large table is read at random (a hash table at a million connections): with 4 KiB pages
 * nearly every lookup is also a TLB miss. Only the 2 MiB-aligned part of the block can be a
 * huge page; pages already touched (a block malloc reused) become huge only if khugepaged
 * collapses them. Advice only: a kernel without THP ignores or refuses it, nothing changes. */
static void advise_huge(const vg_stack *s, void *p, size_t n)
{
#if HAVE_HUGE_CHUNKS
    if (s->cfg.no_huge_pages || n < VG_HUGE_TABLE_MIN)
        return;
    uintptr_t lo = ((uintptr_t)p + VG_SLAB_CHUNK_BYTES - 1) & ~(uintptr_t)(VG_SLAB_CHUNK_BYTES - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(VG_SLAB_CHUNK_BYTES - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)s, (void)p, (void)n;
#endif
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
    else
        advise_huge(s, p, n);
    return p;
}

void *vg_alloc_aligned(vg_stack *s, size_t align, size_t n)
{
    void *p = refused(s, n) ? NULL : aligned_alloc(align, n);
    if (!p)
        s->stats.alloc_failures++;
    return p;
}

/* ---- TCB slabs: the heap first, then 2 MiB chunks */

#if HAVE_HUGE_CHUNKS
/* A VG_SLAB_CHUNK_BYTES-aligned mapping of that size: map twice the size, trim both ends. */
static void *map_chunk(void)
{
    size_t span = 2 * (size_t)VG_SLAB_CHUNK_BYTES;
    char *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t base = ((uintptr_t)m + VG_SLAB_CHUNK_BYTES - 1) & ~(uintptr_t)(VG_SLAB_CHUNK_BYTES - 1);
    size_t head = base - (uintptr_t)m, tail = span - head - VG_SLAB_CHUNK_BYTES;
    if (head)
        (void)munmap(m, head);
    if (tail)
        (void)munmap((char *)base + VG_SLAB_CHUNK_BYTES, tail);
    (void)madvise((void *)base, VG_SLAB_CHUNK_BYTES, MADV_HUGEPAGE);
    return (void *)base;
}

/* The index of the chunk holding address a, or of where a chunk at a would be inserted. */
static size_t chunk_search(const struct vg_slab_chunks *c, uintptr_t a, int *found)
{
    size_t lo = 0, hi = c->n;
    uintptr_t base = a & ~(uintptr_t)(VG_SLAB_CHUNK_BYTES - 1);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->chunk[mid].base < base)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < c->n && c->chunk[lo].base == base;
    return lo;
}

static struct vg_slab_chunk *chunk_add(vg_stack *s)
{
    struct vg_slab_chunks *c = &s->chunks;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        struct vg_slab_chunk *t = realloc(c->chunk, cap * sizeof *t);
        if (!t)
            return NULL;
        c->chunk = t;
        c->cap = cap;
    }
    void *m = map_chunk();
    if (!m)
        return NULL;
    int found;
    size_t i = chunk_search(c, (uintptr_t)m, &found);
    memmove(&c->chunk[i + 1], &c->chunk[i], (c->n - i) * sizeof *c->chunk);
    c->n++;
    memset(&c->chunk[i], 0, sizeof c->chunk[i]);
    c->chunk[i].base = (uintptr_t)m;
    c->cursor = i;
    s->stats.slab_chunk_bytes += VG_SLAB_CHUNK_BYTES;
    POISON(m, VG_SLAB_CHUNK_BYTES);   /* a slab is addressable while handed out */
    ROOT_ADD(m, VG_SLAB_CHUNK_BYTES);
    return &c->chunk[i];
}

static void *chunk_take(vg_stack *s)
{
    struct vg_slab_chunks *c = &s->chunks;
    struct vg_slab_chunk *k = NULL;
    for (size_t seen = 0; seen < c->n && !k; seen++) {
        size_t i = (c->cursor + seen) % c->n;
        if (c->chunk[i].live < VG_SLAB_CHUNK_SLABS) {
            k = &c->chunk[i];
            c->cursor = i;
        }
    }
    if (!k && !(k = chunk_add(s)))
        return NULL;
    size_t b = vg_bitmap_take(k->used, VG_SLAB_CHUNK_WORDS, VG_SLAB_CHUNK_SLABS);
    if (b == VG_SLAB_CHUNK_SLABS)
        return NULL;   /* unreachable: the chunk had a free slab */
    k->live++;
    void *p = (char *)k->base + b * VG_TCB_SLAB_BYTES;
    UNPOISON(p, VG_TCB_SLAB_BYTES);
    return p;
}

/* 1 when slab was a chunk's (and is now returned to it). */
static int chunk_put(vg_stack *s, void *slab)
{
    struct vg_slab_chunks *c = &s->chunks;
    int found;
    size_t i = chunk_search(c, (uintptr_t)slab, &found);
    if (!found)
        return 0;
    struct vg_slab_chunk *k = &c->chunk[i];
    unsigned b = (unsigned)(((uintptr_t)slab - k->base) / VG_TCB_SLAB_BYTES);
    vg_bitmap_clear(k->used, b);
    POISON(slab, VG_TCB_SLAB_BYTES);
    if (--k->live)
        return 1;
    /* Empty: back to the kernel (the slab pool above keeps a spare slab of its own). */
    void *m = (void *)k->base;
    ROOT_DEL(m, VG_SLAB_CHUNK_BYTES);
    UNPOISON(m, VG_SLAB_CHUNK_BYTES);   /* whatever is mapped here next starts clean */
    (void)munmap(m, VG_SLAB_CHUNK_BYTES);
    memmove(&c->chunk[i], &c->chunk[i + 1], (c->n - i - 1) * sizeof *c->chunk);
    c->n--;
    c->cursor = 0;
    s->stats.slab_chunk_bytes -= VG_SLAB_CHUNK_BYTES;
    if (!c->n) {
        free(c->chunk);
        c->chunk = NULL;
        c->cap = 0;
    }
    return 1;
}
#endif

void *vg_alloc_slab(vg_stack *s)
{
    void *p = NULL;
    if (!refused(s, VG_TCB_SLAB_BYTES)) {
#if HAVE_HUGE_CHUNKS
        if (!s->cfg.no_huge_pages && s->chunks.heap_slabs >= VG_SLAB_HEAP_FIRST)
            p = chunk_take(s);
        else
#endif
        if ((p = aligned_alloc(VG_TCB_SLAB_BYTES, VG_TCB_SLAB_BYTES)) != NULL)
            s->chunks.heap_slabs++;
    }
    if (!p)
        s->stats.alloc_failures++;
    return p;
}

void vg_free_slab(vg_stack *s, void *slab)
{
#if HAVE_HUGE_CHUNKS
    if (s->chunks.n && chunk_put(s, slab))
        return;
#endif
    s->chunks.heap_slabs--;
    free(slab);
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
