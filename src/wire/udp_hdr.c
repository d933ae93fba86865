/* UDP header (RFC 768). */
#include <string.h>

#include "wire/wire.h"

enum vg_wire_err vg_udp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                              struct vg_udp_hdr *h, const uint8_t **data, size_t *dlen)
{
    return vg_udp_parse_ex(seg, len, src, dst, 0, h, data, dlen);
}

enum vg_wire_err vg_udp_parse_ex(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                                 int csum_valid, struct vg_udp_hdr *h, const uint8_t **data,
                                 size_t *dlen)
{
    return vg_udp_parse_acc(seg, len, (uint64_t)src + dst, csum_valid, 0, h, data, dlen);
}

enum vg_wire_err vg_udp_parse_acc(const uint8_t *seg, size_t len, uint64_t addr_acc,
                                  int csum_valid, int csum_required, struct vg_udp_hdr *h,
                                  const uint8_t **data, size_t *dlen)
{
    if (len < VG_UDP_HDR_LEN)
        return VG_WIRE_SHORT;
    uint16_t ulen = vg_get16(seg + 4);
    if (ulen < VG_UDP_HDR_LEN || ulen > len)
        return VG_WIRE_BAD_LEN;
    uint16_t csum = vg_get16(seg + 6);
    /* A zero checksum means the sender computed none (RFC 768); a computed zero is sent as
     * 0xffff, so zero is never a real checksum. */
    if (csum == 0 && csum_required)
        return VG_WIRE_BAD_CSUM;
    if (csum != 0 && !csum_valid) {
        uint32_t sum = vg_csum_fold64(addr_acc + VG_IPPROTO_UDP + ulen);
        if (vg_csum_fold(vg_csum_add(sum, seg, ulen)) != 0)
            return VG_WIRE_BAD_CSUM;
    }
    h->sport = vg_get16(seg);
    h->dport = vg_get16(seg + 2);
    h->len = ulen;
    h->csum = csum;
    /* The UDP length, not the IP length, bounds the datagram; anything after it is ignored. */
    *data = seg + VG_UDP_HDR_LEN;
    *dlen = (size_t)ulen - VG_UDP_HDR_LEN;
    return VG_WIRE_OK;
}

size_t vg_udp_write(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport, uint32_t src,
                    uint32_t dst, const uint8_t *data, size_t dlen)
{
    if (dlen > 0xffff - VG_UDP_HDR_LEN || cap < VG_UDP_HDR_LEN + dlen)
        return 0;
    uint16_t ulen = (uint16_t)(VG_UDP_HDR_LEN + dlen);
    if (dlen)
        memmove(buf + VG_UDP_HDR_LEN, data, dlen);
    vg_put16(buf, sport);
    vg_put16(buf + 2, dport);
    vg_put16(buf + 4, ulen);
    vg_put16(buf + 6, 0);
    uint16_t csum = vg_csum_fold(vg_csum_add(vg_csum_pseudo(src, dst, VG_IPPROTO_UDP, ulen), buf, ulen));
    vg_put16(buf + 6, csum ? csum : 0xffff);
    return ulen;
}
