/* RFC 1071 Internet checksum, 64 bits at a time. */
#include <string.h>

#include "wire/wire.h"

/* The one's-complement sum does not depend on byte order (RFC 1071 §2(B)): words are summed as
 * the machine loads them and the folded 16-bit result is swapped once at the end on a
 * little-endian host. Nor on word width: 2^32 is 1 modulo 2^16 - 1, so a sum of 32-bit words
 * is congruent to the sum of the 16-bit words. Data is loaded 64 bits at a time and both 32-bit
 * halves of each load are added into 64-bit accumulators: the carries out of the halves pile
 * up in the accumulators' top bits (the end-around carry, deferred to the final fold), there
 * is no carry chain between adds, and the compiler can keep four sums in vector registers. */
static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);   /* any alignment: one unaligned load where the CPU allows it */
    return w;
}

/* A word's two 32-bit halves, added: at most 2^33, so 2^31 of them fit an accumulator. */
static inline uint64_t halves(uint64_t w) { return (w & 0xffffffffu) + (w >> 32); }

/* Octets summed per round before the accumulators are folded: far below 2^31 words of 8. */
#ifndef CSUM_ROUND
#define CSUM_ROUND ((size_t)1 << 30)
#endif

/* The last 0..7 octets, starting at an even offset, as the native words a zero-padded 64-bit
 * load would give them: loaded in pieces, since copying them into a padded word first makes
 * the CPU wait for the stores before the load (a short segment's checksum is mostly its tail).
 * A lone last octet is the first of its 16-bit word (RFC 1071 pads it with a zero): the low
 * byte of a native word on a little-endian host, the high byte on a big-endian one. */
static inline uint64_t tail_sum(const uint8_t *p, size_t n)
{
    uint64_t t = 0;
    if (n & 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        t += v;
        p += 4;
    }
    if (n & 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        t += v;
        p += 2;
    }
    if (n & 1)
        t += host_is_little_endian() ? p[0] : (uint64_t)p[0] << 8;
    return t;
}

/* Folds a native-order 64-bit sum to 16 bits, in network order, and adds it to sum. */
static uint32_t finish(uint32_t sum, uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    uint32_t s16 = (uint32_t)acc;
    if (host_is_little_endian())
        s16 = ((s16 & 0xffu) << 8) | (s16 >> 8);
    uint64_t total = (uint64_t)sum + s16;
    return (uint32_t)((total & 0xffffffffu) + (total >> 32));
}

/* A folded accumulator: at most 33 bits, so adding four of them cannot overflow. */
static inline uint64_t fold64(uint64_t a) { return (a & 0xffffffffu) + (a >> 32); }

uint32_t vg_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t total = 0;
    while (len >= 32) {
        size_t round = len < CSUM_ROUND ? len : CSUM_ROUND;
        len -= round & ~(size_t)31;
        uint64_t a = 0, b = 0, c = 0, d = 0;
        for (; round >= 32; round -= 32, p += 32) {
            a += halves(load64(p));
            b += halves(load64(p + 8));
            c += halves(load64(p + 16));
            d += halves(load64(p + 24));
        }
        total = fold64(total) + fold64(a) + fold64(b) + fold64(c) + fold64(d);
    }
    for (; len >= 8; len -= 8, p += 8)
        total += halves(load64(p));
    return finish(sum, total + tail_sum(p, len));
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
            uint64_t w0 = load64(p), w1 = load64(p + 8), w2 = load64(p + 16), w3 = load64(p + 24);
            memcpy(o, &w0, 8);
            memcpy(o + 8, &w1, 8);
            memcpy(o + 16, &w2, 8);
            memcpy(o + 24, &w3, 8);
            a += halves(w0);
            b += halves(w1);
            c += halves(w2);
            d += halves(w3);
        }
        total = fold64(total) + fold64(a) + fold64(b) + fold64(c) + fold64(d);
    }
    for (; len >= 8; len -= 8, p += 8, o += 8) {
        uint64_t w = load64(p);
        memcpy(o, &w, 8);
        total += halves(w);
    }
    memcpy(o, p, len);
    return finish(sum, total + tail_sum(p, len));
}

uint32_t vg_csum_block_add(uint32_t sum, uint32_t block, size_t offset)
{
    if (offset & 1) {
        /* A block that starts at an odd offset has its octets in the other halves of the
         * 16-bit words: its sum, folded, is byte-swapped (RFC 1071 §2(B)). */
        while (block >> 16)
            block = (block & 0xffffu) + (block >> 16);
        block = ((block & 0xffu) << 8) | (block >> 8);
    }
    uint64_t total = (uint64_t)sum + block;
    return (uint32_t)((total & 0xffffffffu) + (total >> 32));
}

uint16_t vg_csum_fold(uint32_t sum)
{
    /* Two folds always suffice: the first leaves at most 0x1fffe, the second at most 0xffff (a
     * loop instead costs a mispredicted branch on a good share of segments). */
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint32_t vg_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto + len;
}
