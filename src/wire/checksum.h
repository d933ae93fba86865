/* RFC 1071 one's-complement sums (wire.h includes this). A header-only segment is 20-40 octets
 * and every segment is summed four times (IP and TCP, out and in), so short sums are inline,
 * straight-line code with one fold at the end; long ones call the 32-octet loop in checksum.c.
 *
 * vg_csum_add pads an odd length with a zero byte, so only the last piece of a chained sum may
 * have an odd length. vg_csum_fold folds and complements: it gives the value to store in a
 * checksum field, and 0 when the sum covers data whose checksum field is correct. Any 32-bit
 * value the functions return is a valid sum to chain or fold: what matters is its residue
 * modulo 0xffff, and a sum of octets that are not all zero never folds to 0. */
#ifndef VG_WIRE_CHECKSUM_H
#define VG_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Sums up to this many octets inline; longer ones in checksum.c. */
#define VG_CSUM_INLINE_MAX 64u

uint32_t vg_csum_add_long(uint32_t sum, const void *data, size_t len);
/* Copies len octets from src to dst (not overlapping) and returns vg_csum_add(sum, src, len):
 * one pass over the data where a copy happens anyway. */
uint32_t vg_csum_copy(void *dst, const void *src, size_t len, uint32_t sum);

static inline int vg_csum_host_le(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static inline uint64_t vg_csum_load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);   /* any alignment: one unaligned load where the CPU allows it */
    return w;
}

/* A word's two 32-bit halves, added: at most 2^33, so 2^31 of them fit an accumulator. The sum
 * does not depend on word width (2^32 is 1 modulo 2^16 - 1) nor on byte order as long as the
 * result is swapped once at the end (RFC 1071 §2(B)). */
static inline uint64_t vg_csum_halves(uint64_t w) { return (w & 0xffffffffu) + (w >> 32); }

/* The last 0..7 octets, starting at an even offset, as the native words a zero-padded 64-bit
 * load would give them: loaded in pieces, since copying them into a padded word first makes
 * the CPU wait for the stores before the load (a short segment's checksum is mostly its tail).
 * A lone last octet is the first of its 16-bit word (RFC 1071 pads it with a zero): the low
 * byte of a native word on a little-endian host, the high byte on a big-endian one. */
static inline uint64_t vg_csum_tail(const uint8_t *p, size_t n)
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
        t += vg_csum_host_le() ? p[0] : (uint64_t)p[0] << 8;
    return t;
}

/* An accumulator below 2^63 as a 32-bit sum with the same residue (no carry is lost). */
static inline uint32_t vg_csum_fold64(uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32);              /* < 2^33 */
    return (uint32_t)acc + (uint32_t)(acc >> 32);         /* the carry fits: no overflow */
}

/* Adds a native-order 64-bit accumulator (below 2^63) to sum, which is in network order. The
 * accumulator is folded to 32 bits only, and swapped within its 16-bit halves on a
 * little-endian host: which half a 16-bit lane sits in does not change the residue, so the
 * full 16-bit fold is left to vg_csum_fold, once per checksum. No addition here overflows. */
static inline uint32_t vg_csum_finish(uint32_t sum, uint64_t acc)
{
    uint32_t a = vg_csum_fold64(acc);
    if (vg_csum_host_le())
        a = ((a & 0x00ff00ffu) << 8) | ((a >> 8) & 0x00ff00ffu);
    uint64_t total = (uint64_t)sum + a;
    return (uint32_t)total + (uint32_t)(total >> 32);
}

static inline uint32_t vg_csum_add(uint32_t sum, const void *data, size_t len)
{
    if (len > VG_CSUM_INLINE_MAX)
        return vg_csum_add_long(sum, data, len);
    const uint8_t *p = data;
    uint64_t total = 0;
    for (; len >= 8; len -= 8, p += 8)
        total += vg_csum_halves(vg_csum_load64(p));
    return vg_csum_finish(sum, total + vg_csum_tail(p, len));
}

/* Adds the sum of a block that starts offset octets into the data sum covers (an odd offset
 * swaps the block's octets into the other halves of the words): how pieces of odd length chain. */
static inline uint32_t vg_csum_block_add(uint32_t sum, uint32_t block, size_t offset)
{
    if (offset & 1) {
        /* Swapping the octets of every 16-bit lane swaps them in the folded sum too. */
        block = ((block & 0x00ff00ffu) << 8) | ((block >> 8) & 0x00ff00ffu);
    }
    uint64_t total = (uint64_t)sum + block;
    return (uint32_t)total + (uint32_t)(total >> 32);
}

static inline uint16_t vg_csum_fold(uint32_t sum)
{
    /* Two folds always suffice: the first leaves at most 0x1fffe, the second at most 0xffff. */
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The pseudo-header's sum (RFC 9293 §3.1) as an accumulator of its host-order values: both
 * addresses, the protocol and the length (2^16 is 1 modulo 2^16 - 1, so a 32-bit value adds its
 * two words). */
static inline uint64_t vg_pseudo_acc(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4len)
{
    return (uint64_t)src + dst + proto + l4len;
}

static inline uint32_t vg_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    return vg_csum_fold64(vg_pseudo_acc(src, dst, proto, len));
}

/* Verifying needs no byte swap: data that carries a correct checksum sums to all ones, 0xffff,
 * which is its own swap. So a checksum is verified on a native-order accumulator (the words as
 * the CPU loads them, vg_csum_halves), with the pseudo-header added in the same order
 * (vg_csum_native32): no vg_csum_finish, one fold. */

/* host (a value in host order, as the header structs hold it) as the native word a load of its
 * network-order octets gives: swapped on a little-endian host (the compiler makes it one bswap). */
static inline uint32_t vg_csum_native32(uint32_t host)
{
    if (!vg_csum_host_le())
        return host;
    return (host >> 24) | ((host >> 8) & 0xff00u) | ((host << 8) & 0xff0000u) | (host << 24);
}

/* The native-order accumulator of len octets (len <= VG_CSUM_INLINE_MAX, or the loop is long). */
static inline uint64_t vg_csum_native_acc(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t total = 0;
    for (; len >= 8; len -= 8, p += 8)
        total += vg_csum_halves(vg_csum_load64(p));
    return total + vg_csum_tail(p, len);
}

/* A 20-octet header (IPv4, or TCP, without options): two 64-bit loads and a 32-bit one. */
static inline uint64_t vg_csum_native_acc20(const uint8_t *p)
{
    uint32_t last;
    memcpy(&last, p + 16, 4);
    return vg_csum_halves(vg_csum_load64(p)) + vg_csum_halves(vg_csum_load64(p + 8)) + last;
}

/* The pseudo-header's words (RFC 9293 §3.1) in native order: the addresses, then the zero octet
 * and the protocol, and the length, as 16-bit words (32-bit ones sum the same). */
static inline uint64_t vg_csum_pseudo_native(uint32_t src, uint32_t dst, uint8_t proto,
                                             uint16_t len)
{
    uint16_t proto_word = vg_csum_host_le() ? (uint16_t)(proto << 8) : proto;
    uint16_t len_word = vg_csum_host_le() ? (uint16_t)((len << 8) | (len >> 8)) : len;
    return (uint64_t)vg_csum_native32(src) + vg_csum_native32(dst) + proto_word + len_word;
}

/* 1 when a native-order accumulator (below 2^63) folds to all ones: the summed octets carry a
 * correct checksum (vg_csum_fold gives 0 for exactly those). */
static inline int vg_csum_acc_ok(uint64_t acc)
{
    return vg_csum_fold(vg_csum_fold64(acc)) == 0;
}

/* vg_csum_fold(vg_csum_add(vg_csum_pseudo(src, dst, proto, len), data, len)) == 0, in fewer
 * instructions for a short segment: 1 when data (len octets, carried from src to dst in
 * protocol proto) has a correct checksum. */
static inline int vg_csum_l4_ok(uint32_t src, uint32_t dst, uint8_t proto, const void *data,
                                uint16_t len)
{
    if (len > VG_CSUM_INLINE_MAX)
        return vg_csum_fold(vg_csum_add_long(vg_csum_pseudo(src, dst, proto, len), data, len)) == 0;
    return vg_csum_acc_ok(vg_csum_pseudo_native(src, dst, proto, len) +
                          vg_csum_native_acc(data, len));
}

/* vg_csum_l4_ok for a segment that starts with a 20-octet header (len >= 20, checked by the
 * caller): the header without a loop, the rest (options, data) after it. */
static inline int vg_csum_l4_ok_hdr20(uint32_t src, uint32_t dst, uint8_t proto,
                                      const uint8_t *data, uint16_t len)
{
    if (len > VG_CSUM_INLINE_MAX)
        return vg_csum_l4_ok(src, dst, proto, data, len);
    return vg_csum_acc_ok(vg_csum_pseudo_native(src, dst, proto, len) +
                          vg_csum_native_acc20(data) + vg_csum_native_acc(data + 20, len - 20u));
}

/* vg_csum_l4_ok_hdr20 with the pseudo-header's addresses given as their sum (vg_pseudo_acc's
 * src + dst, or an IPv6 pair's vg_ipv6_addr_acc): what a transport that does not know the
 * family verifies with. */
static inline int vg_csum_l4_ok_hdr20_acc(uint64_t addr_acc, uint8_t proto, const uint8_t *data,
                                          uint16_t len)
{
    uint64_t pseudo = addr_acc + proto + len;
    if (len > VG_CSUM_INLINE_MAX)
        return vg_csum_fold(vg_csum_add_long(vg_csum_fold64(pseudo), data, len)) == 0;
    /* A 32-bit sum's native form is its byte swap (vg_csum_native32): swapping the octets of
     * every 16-bit lane multiplies the sum by 256 modulo 2^16 - 1, whatever the lanes hold. */
    return vg_csum_acc_ok(vg_csum_native32(vg_csum_fold64(pseudo)) + vg_csum_native_acc20(data) +
                          vg_csum_native_acc(data + 20, len - 20u));
}

#endif
