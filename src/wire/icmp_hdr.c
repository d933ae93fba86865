/* ICMP header (RFC 792); the id/seq words are those of echo request and reply; and the datagram
 * an ICMP error quotes. */
#include <string.h>

#include "wire/wire.h"

#define ICMP_HDR_LEN 8

enum vg_wire_err vg_icmp_parse(const uint8_t *msg, size_t len, struct vg_icmp_hdr *h,
                               const uint8_t **data, size_t *dlen)
{
    if (len < ICMP_HDR_LEN)
        return VG_WIRE_SHORT;
    if (vg_csum_fold(vg_csum_add(0, msg, len)) != 0)
        return VG_WIRE_BAD_CSUM;
    h->type = msg[0];
    h->code = msg[1];
    h->csum = vg_get16(msg + 2);
    h->id = vg_get16(msg + 4);
    h->seq = vg_get16(msg + 6);
    *data = msg + ICMP_HDR_LEN;
    *dlen = len - ICMP_HDR_LEN;
    return VG_WIRE_OK;
}

size_t vg_icmp_write(uint8_t *buf, size_t cap, const struct vg_icmp_hdr *h, const uint8_t *data,
                     size_t dlen)
{
    if (cap < ICMP_HDR_LEN || dlen > cap - ICMP_HDR_LEN)
        return 0;
    if (dlen)
        memmove(buf + ICMP_HDR_LEN, data, dlen);
    buf[0] = h->type;
    buf[1] = h->code;
    vg_put16(buf + 2, 0);
    vg_put16(buf + 4, h->id);
    vg_put16(buf + 6, h->seq);
    vg_put16(buf + 2, vg_csum_fold(vg_csum_add(0, buf, ICMP_HDR_LEN + dlen)));
    return ICMP_HDR_LEN + dlen;
}

enum vg_wire_err vg_icmp_quote_parse(const uint8_t *data, size_t dlen, struct vg_icmp_quote *q)
{
    if (dlen < VG_IPV4_HDR_LEN)
        return VG_WIRE_SHORT;
    if (data[0] >> 4 != 4)
        return VG_WIRE_BAD_VERSION;
    size_t hdr_len = (size_t)(data[0] & 0x0f) * 4;
    if (hdr_len < VG_IPV4_HDR_LEN)
        return VG_WIRE_BAD_IHL;
    if (dlen < hdr_len + 8)
        return VG_WIRE_SHORT;
    if (vg_get16(data + 6) & 0x1fff)
        return VG_WIRE_FRAGMENT;
    const uint8_t *l4 = data + hdr_len;
    q->proto = data[9];
    q->total_len = vg_get16(data + 2);
    q->src = vg_get32(data + 12);
    q->dst = vg_get32(data + 16);
    q->sport = vg_get16(l4);
    q->dport = vg_get16(l4 + 2);
    q->seq = vg_get32(l4 + 4);
    return VG_WIRE_OK;
}
