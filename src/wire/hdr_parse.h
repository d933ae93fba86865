/* The IPv4 and TCP header parsers (wire.h: vg_ipv4_parse, vg_tcp_parse_ex) as inline functions:
 * the input path runs each once per packet, and inlined there they cost no call, no spilled
 * arguments and no copy of what the caller already holds. wire/ipv4.c and wire/tcp_hdr.c export
 * the same functions for everyone else. */
#ifndef VG_WIRE_HDR_PARSE_H
#define VG_WIRE_HDR_PARSE_H

#include <string.h>

#include "wire/tcp_opts.h"

#define VG_IPV4_MF 0x2000
#define VG_IPV4_OFFSET_MASK 0x1fff

static inline enum vg_wire_err vg_ipv4_parse_inline(const uint8_t *pkt, size_t len,
                                                    struct vg_ipv4_hdr *h,
                                                    const uint8_t **payload, size_t *plen)
{
    if (len < VG_IPV4_HDR_LEN)
        return VG_WIRE_SHORT;
    if (pkt[0] >> 4 != 4)
        return VG_WIRE_BAD_VERSION;
    size_t hdr_len = (size_t)(pkt[0] & 0x0f) * 4;
    if (hdr_len < VG_IPV4_HDR_LEN || hdr_len > len)
        return VG_WIRE_BAD_IHL;
    uint16_t total_len = vg_get16(pkt + 2);
    if (total_len < hdr_len || total_len > len)
        return VG_WIRE_BAD_LEN;
    /* Nearly every header has no options. */
    uint64_t acc;
    if (hdr_len == VG_IPV4_HDR_LEN)
        acc = vg_csum_native_acc20(pkt);
    else
        acc = vg_csum_native_acc(pkt, hdr_len);
    if (!vg_csum_acc_ok(acc))
        return VG_WIRE_BAD_CSUM;
    uint16_t frag = vg_get16(pkt + 6);
    if ((frag & VG_IPV4_MF) || (frag & VG_IPV4_OFFSET_MASK))
        return VG_WIRE_FRAGMENT;

    h->hdr_len = (uint8_t)hdr_len;
    h->tos = pkt[1];
    h->total_len = total_len;
    h->id = vg_get16(pkt + 4);
    h->frag = frag;
    h->ttl = pkt[8];
    h->proto = pkt[9];
    h->csum = vg_get16(pkt + 10);
    h->src = vg_get32(pkt + 12);
    h->dst = vg_get32(pkt + 16);
    /* Options are verified by the checksum and otherwise skipped; bytes past total_len are
     * link-layer padding (Ethernet pads short frames) and do not belong to the datagram. */
    *payload = pkt + hdr_len;
    *plen = total_len - hdr_len;
    return VG_WIRE_OK;
}

/* The TCP parser with the pseudo-header's addresses as their sum (vg_csum_l4_ok_hdr20_acc). */
static inline enum vg_wire_err vg_tcp_parse_acc(const uint8_t *seg, size_t len, uint64_t addr_acc,
                                                int csum_valid, struct vg_tcp_hdr *h,
                                                const uint8_t **data, size_t *dlen)
{
    if (len < VG_TCP_HDR_LEN)
        return VG_WIRE_SHORT;
    /* The pseudo-header carries the segment length in 16 bits; IPv4 never delivers more. */
    if (len > 0xffff)
        return VG_WIRE_BAD_LEN;
    size_t hdr_len = (size_t)(seg[12] >> 4) * 4;
    if (hdr_len < VG_TCP_HDR_LEN || hdr_len > len)
        return VG_WIRE_BAD_DOFF;
    if (!csum_valid && !vg_csum_l4_ok_hdr20_acc(addr_acc, VG_IPPROTO_TCP, seg, (uint16_t)len))
        return VG_WIRE_BAD_CSUM;
    if (hdr_len == VG_TCP_HDR_LEN) {
        memset(&h->opt, 0, sizeof h->opt);   /* most segments carry no options */
    } else if (hdr_len == VG_TCP_HDR_LEN + 12 && vg_get32(seg + VG_TCP_HDR_LEN) == 0x0101080au) {
        /* NOP NOP TS alone: what Linux, Windows and vigil put on every segment of a connection
         * with timestamps (RFC 7323 Appendix A), read in place as Linux's
         * tcp_parse_aligned_timestamp does; the same result as the general parser's. */
        memset(&h->opt, 0, sizeof h->opt);
        h->opt.has_ts = 1;
        h->opt.ts_val = vg_get32(seg + VG_TCP_HDR_LEN + 4);
        h->opt.ts_ecr = vg_get32(seg + VG_TCP_HDR_LEN + 8);
    } else {
        enum vg_wire_err e = vg_tcp_opts_parse(seg + VG_TCP_HDR_LEN, hdr_len - VG_TCP_HDR_LEN,
                                               &h->opt);
        if (e != VG_WIRE_OK)
            return e;
    }
    h->sport = vg_get16(seg);
    h->dport = vg_get16(seg + 2);
    h->seq = vg_get32(seg + 4);
    h->ack = vg_get32(seg + 8);
    h->hdr_len = (uint8_t)hdr_len;
    h->flags = seg[13];
    h->wnd = vg_get16(seg + 14);
    h->csum = vg_get16(seg + 16);
    h->urp = vg_get16(seg + 18);
    *data = seg + hdr_len;
    *dlen = len - hdr_len;
    return VG_WIRE_OK;
}

static inline enum vg_wire_err vg_tcp_parse_inline(const uint8_t *seg, size_t len, uint32_t src,
                                                   uint32_t dst, int csum_valid,
                                                   struct vg_tcp_hdr *h, const uint8_t **data,
                                                   size_t *dlen)
{
    return vg_tcp_parse_acc(seg, len, (uint64_t)src + dst, csum_valid, h, data, dlen);
}

#endif
