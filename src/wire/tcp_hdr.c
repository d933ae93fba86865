/* TCP header (RFC 9293 §3.1) and its pseudo-header checksum. */
#include <string.h>

#include "wire/tcp_opts.h"

enum vg_wire_err vg_tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                              struct vg_tcp_hdr *h, const uint8_t **data, size_t *dlen)
{
    return vg_tcp_parse_ex(seg, len, src, dst, 0, h, data, dlen);
}

enum vg_wire_err vg_tcp_parse_ex(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                                 int csum_valid, struct vg_tcp_hdr *h, const uint8_t **data,
                                 size_t *dlen)
{
    if (len < VG_TCP_HDR_LEN)
        return VG_WIRE_SHORT;
    /* The pseudo-header carries the segment length in 16 bits; IPv4 never delivers more. */
    if (len > 0xffff)
        return VG_WIRE_BAD_LEN;
    size_t hdr_len = (size_t)(seg[12] >> 4) * 4;
    if (hdr_len < VG_TCP_HDR_LEN || hdr_len > len)
        return VG_WIRE_BAD_DOFF;
    if (!csum_valid && !vg_csum_l4_ok(src, dst, VG_IPPROTO_TCP, seg, (uint16_t)len))
        return VG_WIRE_BAD_CSUM;
    if (hdr_len == VG_TCP_HDR_LEN) {
        memset(&h->opt, 0, sizeof h->opt);   /* most segments carry no options */
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

size_t vg_tcp_hdr_write(uint8_t *buf, const struct vg_tcp_hdr *h)
{
    size_t hdr_len = VG_TCP_HDR_LEN + vg_tcp_opts_len(&h->opt);
    vg_put16(buf, h->sport);
    vg_put16(buf + 2, h->dport);
    vg_put32(buf + 4, h->seq);
    vg_put32(buf + 8, h->ack);
    buf[12] = (uint8_t)(hdr_len / 4 << 4);
    buf[13] = h->flags;
    vg_put16(buf + 14, h->wnd);
    vg_put16(buf + 16, 0);
    vg_put16(buf + 18, h->urp);
    vg_tcp_opts_write(buf + VG_TCP_HDR_LEN, &h->opt);
    return hdr_len;
}

size_t vg_tcp_write(uint8_t *buf, size_t cap, const struct vg_tcp_hdr *h, uint32_t src,
                    uint32_t dst, const uint8_t *data, size_t dlen)
{
    size_t hdr_len = VG_TCP_HDR_LEN + vg_tcp_opts_len(&h->opt);
    if (dlen > 0xffff - hdr_len || cap < hdr_len + dlen)
        return 0;
    size_t len = hdr_len + dlen;
    /* memmove first: the caller may have placed the data in buf already, or just behind where
     * a shorter header would end. */
    if (dlen)
        memmove(buf + hdr_len, data, dlen);
    vg_tcp_hdr_write(buf, h);
    uint32_t sum = vg_csum_pseudo(src, dst, VG_IPPROTO_TCP, (uint16_t)len);
    vg_put16(buf + 16, vg_csum_fold(vg_csum_add(sum, buf, len)));
    return len;
}
