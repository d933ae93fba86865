/* RFC 1071 Internet checksum, 64 bits at a time. */
#include <string.h>

#include "wire/wire.h"

/* The one's-complement sum does not depend on byte order (RFC 1071 §2(B)): words are summed as
 * the machine loads them and the folded 16-bit result is swapped once at the end on a
 * little-endian host. It does not depend on word width either: 2^64 - 1 is a multiple of
 * 2^16 - 1, so a sum of 64-bit words with end-around carry is congruent to the sum of the
 * 16-bit words. */
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

/* a + b with the carry out of bit 63 added back in (end-around carry). */
static inline uint64_t add_ec(uint64_t a, uint64_t b)
{
    a += b;
    return a + (a < b);
}

/* The last 0..7 octets, zero-padded to a whole word: the padding pairs an odd last octet with a
 * zero octet after it, as RFC 1071 pads, because the word starts at an even offset. */
static inline uint64_t tail64(const uint8_t *p, size_t n)
{
    uint8_t w[8] = {0};
    memcpy(w, p, n);
    return load64(w);
}

/* The native-order sum folded to 16 bits, in network order, added to sum (32-bit partial). */
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

uint32_t vg_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    /* Two accumulators, so that each carry chain is half as long. */
    uint64_t a = 0, b = 0;
    while (len >= 32) {
        a = add_ec(a, load64(p));
        b = add_ec(b, load64(p + 8));
        a = add_ec(a, load64(p + 16));
        b = add_ec(b, load64(p + 24));
        p += 32;
        len -= 32;
    }
    while (len >= 8) {
        a = add_ec(a, load64(p));
        p += 8;
        len -= 8;
    }
    if (len)
        b = add_ec(b, tail64(p, len));
    return finish(sum, add_ec(a, b));
}

uint32_t vg_csum_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
    uint8_t *d = dst;
    const uint8_t *p = src;
    uint64_t a = 0, b = 0;
    while (len >= 32) {
        uint64_t w0 = load64(p), w1 = load64(p + 8), w2 = load64(p + 16), w3 = load64(p + 24);
        memcpy(d, &w0, 8);
        memcpy(d + 8, &w1, 8);
        memcpy(d + 16, &w2, 8);
        memcpy(d + 24, &w3, 8);
        a = add_ec(a, w0);
        b = add_ec(b, w1);
        a = add_ec(a, w2);
        b = add_ec(b, w3);
        p += 32;
        d += 32;
        len -= 32;
    }
    while (len >= 8) {
        uint64_t w = load64(p);
        memcpy(d, &w, 8);
        a = add_ec(a, w);
        p += 8;
        d += 8;
        len -= 8;
    }
    if (len) {
        memcpy(d, p, len);
        b = add_ec(b, tail64(p, len));
    }
    return finish(sum, add_ec(a, b));
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
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint32_t vg_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto + len;
}
