/* The Internet checksum written the slow, obvious way, for tests to check vigil's against:
 * 16-bit big-endian words, end-around carry, an odd last octet padded with zero (RFC 1071 as
 * written). Folded, not complemented. */
#ifndef VG_TEST_CSUM_REF_H
#define VG_TEST_CSUM_REF_H

#include <stddef.h>
#include <stdint.h>

/* The same, starting from the sum acc (a pseudo-header's, say). */
static inline uint16_t ref_sum_acc(const uint8_t *p, size_t n, uint32_t acc)
{
    uint64_t s = acc;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static inline uint16_t ref_sum(const uint8_t *p, size_t n) { return ref_sum_acc(p, n, 0); }

/* The pseudo-header (RFC 9293 §3.1), summed as its 12 octets lie: both addresses, a zero
 * octet, the protocol and the length, in network order. */
static inline uint16_t ref_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    const uint8_t ph[12] = {
        (uint8_t)(src >> 24), (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src,
        (uint8_t)(dst >> 24), (uint8_t)(dst >> 16), (uint8_t)(dst >> 8), (uint8_t)dst,
        0, proto, (uint8_t)(len >> 8), (uint8_t)len,
    };
    return ref_sum(ph, sizeof ph);
}

#endif
