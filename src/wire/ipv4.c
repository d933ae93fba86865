/* IPv4 header (RFC 791). */
#include "wire/hdr_parse.h"

enum vg_wire_err vg_ipv4_parse(const uint8_t *pkt, size_t len, struct vg_ipv4_hdr *h,
                               const uint8_t **payload, size_t *plen)
{
    return vg_ipv4_parse_inline(pkt, len, h, payload, plen);
}

size_t vg_ipv4_write(uint8_t *buf, size_t cap, const struct vg_ipv4_hdr *h, size_t payload_len)
{
    if (cap < VG_IPV4_HDR_LEN || payload_len > 0xffff - VG_IPV4_HDR_LEN)
        return 0;
    buf[0] = 0x45;
    buf[1] = h->tos;
    vg_put16(buf + 2, (uint16_t)(VG_IPV4_HDR_LEN + payload_len));
    vg_put16(buf + 4, h->id);
    vg_put16(buf + 6, h->frag);
    buf[8] = h->ttl;
    buf[9] = h->proto;
    vg_put16(buf + 10, 0);
    vg_put32(buf + 12, h->src);
    vg_put32(buf + 16, h->dst);
    vg_put16(buf + 10, vg_csum_fold(vg_csum_add(0, buf, VG_IPV4_HDR_LEN)));
    return VG_IPV4_HDR_LEN;
}
