/* Occupancy bitmaps of fixed-size slots (TCB slabs' slots, huge-page chunks' slabs). */
#ifndef VG_BITMAP_H
#define VG_BITMAP_H

#include <stddef.h>
#include <stdint.h>

/* Marks the lowest free slot below limit used and returns it; limit when every slot is used. */
static inline size_t vg_bitmap_take(uint64_t *words, size_t nwords, size_t limit)
{
    for (size_t w = 0; w < nwords; w++) {
        uint64_t free_bits = ~words[w];
        if (!free_bits)
            continue;
        size_t i = w * 64u + (size_t)__builtin_ctzll(free_bits);
        if (i >= limit)
            break;
        words[w] |= UINT64_C(1) << (i % 64u);
        return i;
    }
    return limit;
}

static inline void vg_bitmap_clear(uint64_t *words, size_t i)
{
    words[i / 64u] &= ~(UINT64_C(1) << (i % 64u));
}

#endif
