/* Headers written with their checksum sums taken from the values being written, not read back
 * from the frame: every segment vigil sends has an IPv4 and a TCP header to sum, and summing the
 * octets just stored costs as many loads again (and on x86 a stall, as 64-bit loads meet the
 * narrower stores still in flight).
 *
 * The sums are 64-bit accumulators of host-order 16- and 32-bit field values. A 32-bit value
 * x = hi * 2^16 + lo adds hi + lo modulo 2^16 - 1 (2^16 is 1 modulo 2^16 - 1), which is the two
 * words it puts on the wire; a 16-bit value in the upper half of a 32-bit word stands for its
 * word as well. checksum.h's vg_csum_fold64 reduces an accumulator to the 32-bit sums it chains and
 * folds, so a header's sum, a payload's vg_csum_copy sum and a pseudo-header's mix freely. The
 * field a fold gives is the one a word-by-word sum gives: for a sum that is not zero, both are
 * the value in 1..0xffff with its residue (every sum here has a protocol number or a version in
 * it, so none is zero). */
#ifndef VG_WIRE_HDR_PUT_H
#define VG_WIRE_HDR_PUT_H

#include <string.h>

#include "wire/tcp_opts.h"

/* Big-endian stores of whole words: the byte-at-a-time vg_put32 is merged by compilers only
 * sometimes, and a header is five such words. */
static inline void vg_store_be32(uint8_t *p, uint32_t v)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
    memcpy(p, &v, sizeof v);
#else
    vg_put32(p, v);
#endif
}

/* Two words, hi first. */
static inline void vg_store_be64(uint8_t *p, uint32_t hi, uint32_t lo)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v = __builtin_bswap64((uint64_t)hi << 32 | lo);
    memcpy(p, &v, sizeof v);
#else
    vg_put32(p, hi);
    vg_put32(p + 4, lo);
#endif
}

/* Writes a 20-octet IPv4 header (no options) for a datagram of total octets, its checksum
 * included; h's hdr_len, total_len and csum are not read. */
static inline void vg_ipv4_hdr_put(uint8_t *b, const struct vg_ipv4_hdr *h, uint16_t total)
{
    uint32_t w0 = (uint32_t)(0x45u << 8 | h->tos) << 16 | total;
    uint32_t w1 = (uint32_t)h->id << 16 | h->frag;
    uint32_t w2 = (uint32_t)(h->ttl << 8 | h->proto) << 16;
    uint64_t acc = (uint64_t)w0 + w1 + w2 + h->src + h->dst;
    vg_store_be64(b, w0, w1);
    vg_store_be64(b + 8, w2 | vg_csum_fold(vg_csum_fold64(acc)), h->src);
    vg_store_be32(b + 16, h->dst);
}

/* A TCP header's fields as a segment's builder has them: no parse-side fields, and the options
 * apart (NULL for none), so that a builder's header lives in registers. */
struct vg_tcp_fields {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd, urp;
    const struct vg_tcp_opts *opt;
};

/* Writes the TCP header of f (its options included, the checksum field 0) and returns its
 * length; *acc gains the header's sum. Options appear on SYNs only, so a header without them
 * takes no option code at all. */
static inline size_t vg_tcp_fields_put(uint8_t *b, const struct vg_tcp_fields *f, uint64_t *acc)
{
    size_t hdr_len = VG_TCP_HDR_LEN;
    uint64_t sum = 0;
    if (f->opt)
        hdr_len += vg_tcp_opts_put(b + VG_TCP_HDR_LEN, f->opt, &sum);
    uint32_t ports = (uint32_t)f->sport << 16 | f->dport;
    uint32_t w3 = (uint32_t)((hdr_len / 4) << 12 | f->flags) << 16 | f->wnd;
    vg_store_be64(b, ports, f->seq);
    vg_store_be64(b + 8, f->ack, w3);
    vg_store_be32(b + 16, f->urp);     /* checksum 0, then the urgent pointer */
    *acc += sum + ports + f->seq + f->ack + w3 + f->urp;
    return hdr_len;
}

/* The fields of a parsed or hand-built header h (its hdr_len and csum are not read). */
static inline struct vg_tcp_fields vg_tcp_fields_of(const struct vg_tcp_hdr *h)
{
    const struct vg_tcp_opts *o = &h->opt;
    struct vg_tcp_fields f = {
        .sport = h->sport, .dport = h->dport, .seq = h->seq, .ack = h->ack, .flags = h->flags,
        .wnd = h->wnd, .urp = h->urp,
        .opt = (o->has_mss | o->has_wscale | o->sack_permitted | o->has_ts | o->nsack) ? o : NULL,
    };
    return f;
}

/* vg_tcp_fields_put of h. */
static inline size_t vg_tcp_hdr_put(uint8_t *b, const struct vg_tcp_hdr *h, uint64_t *acc)
{
    struct vg_tcp_fields f = vg_tcp_fields_of(h);
    return vg_tcp_fields_put(b, &f, acc);
}

#endif
