/* RFC 1071 Internet checksum, 64 bits at a time: the loops for long data (short sums and the
 * helpers are inline in checksum.h). */
#include <string.h>

#include "wire/wire.h"

/* The one's-complement sum does not depend on byte order (RFC 1071 §2(B)): words are summed as
 * the machine loads them and the result is swapped once at the end on a little-endian host. Nor on word width: 2^32 is 1 modulo 2^16 - 1, so a sum of 32-bit words
 * is congruent to the sum of the 16-bit words. Data is loaded 64 bits at a time and both 32-bit
 * halves of each load are added into 64-bit accumulators: the carries out of the halves pile
 * up in the accumulators' top bits (the end-around carry, deferred to the final fold), there
 * is no carry chain between adds, and the compiler can keep four sums in vector registers. */

/* Octets summed per round before the accumulators are folded: far below 2^31 words of 8. */
#ifndef CSUM_ROUND
#define CSUM_ROUND ((size_t)1 << 30)
#endif

/* A folded accumulator: at most 33 bits, so adding four of them cannot overflow. */
static inline uint64_t fold64(uint64_t a) { return (a & 0xffffffffu) + (a >> 32); }

uint32_t vg_csum_add_long(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t total = 0;
    while (len >= 32) {
        size_t round = len < CSUM_ROUND ? len : CSUM_ROUND;
        len -= round & ~(size_t)31;
        uint64_t a = 0, b = 0, c = 0, d = 0;
        for (; round >= 32; round -= 32, p += 32) {
            a += vg_csum_halves(vg_csum_load64(p));
            b += vg_csum_halves(vg_csum_load64(p + 8));
            c += vg_csum_halves(vg_csum_load64(p + 16));
            d += vg_csum_halves(vg_csum_load64(p + 24));
        }
        total = fold64(total) + fold64(a) + fold64(b) + fold64(c) + fold64(d);
    }
    for (; len >= 8; len -= 8, p += 8)
        total += vg_csum_halves(vg_csum_load64(p));
    return vg_csum_finish(sum, total + vg_csum_tail(p, len));
}

uint32_t vg_csum_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
    uint8_t *o = dst;
    const uint8_t *p = src;
    uint64_t total = 0;
    while (len >= 32) {
        size_t round = len < CSUM_ROUND ? len : CSUM_ROUND;
        len -= round & ~(size_t)31;
        uint64_t a = 0, b = 0, c = 0, d = 0;
        for (; round >= 32; round -= 32, p += 32, o += 32) {
            uint64_t w0 = vg_csum_load64(p), w1 = vg_csum_load64(p + 8);
            uint64_t w2 = vg_csum_load64(p + 16), w3 = vg_csum_load64(p + 24);
            memcpy(o, &w0, 8);
            memcpy(o + 8, &w1, 8);
            memcpy(o + 16, &w2, 8);
            memcpy(o + 24, &w3, 8);
            a += vg_csum_halves(w0);
            b += vg_csum_halves(w1);
            c += vg_csum_halves(w2);
            d += vg_csum_halves(w3);
        }
        total = fold64(total) + fold64(a) + fold64(b) + fold64(c) + fold64(d);
    }
    for (; len >= 8; len -= 8, p += 8, o += 8) {
        uint64_t w = vg_csum_load64(p);
        memcpy(o, &w, 8);
        total += vg_csum_halves(w);
    }
    memcpy(o, p, len);
    return vg_csum_finish(sum, total + vg_csum_tail(p, len));
}
