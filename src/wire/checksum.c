/* RFC 1071 Internet checksum. */
#include "wire/wire.h"

/* Sums 32-bit big-endian words into a 64-bit accumulator: since 2^16 == 1 modulo 0xffff, a sum of
 * 32-bit words is congruent to the one's-complement sum of the 16-bit words, and the wide
 * accumulator cannot overflow for any buffer that fits in memory. */
uint32_t vg_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    while (len >= 4) {
        acc += vg_get32(p);
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        acc += vg_get16(p);
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)p[0] << 8; /* an odd last byte is padded with a zero byte (RFC 1071) */
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
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
