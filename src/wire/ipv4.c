/* IPv4 header (RFC 791). */
#include "wire/hdr_parse.h"
#include "wire/hdr_put.h"

enum vg_wire_err vg_ipv4_parse(const uint8_t *pkt, size_t len, struct vg_ipv4_hdr *h,
                               const uint8_t **payload, size_t *plen)
{
    return vg_ipv4_parse_inline(pkt, len, h, payload, plen);
}

size_t vg_ipv4_write(uint8_t *buf, size_t cap, const struct vg_ipv4_hdr *h, size_t payload_len)
{
    if (cap < VG_IPV4_HDR_LEN || payload_len > 0xffff - VG_IPV4_HDR_LEN)
        return 0;
    vg_ipv4_hdr_put(buf, h, (uint16_t)(VG_IPV4_HDR_LEN + payload_len));
    return VG_IPV4_HDR_LEN;
}
