/* IPv4 header (RFC 791). */
#include <string.h>

#include "wire/wire.h"

#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

enum vg_wire_err vg_ipv4_parse(const uint8_t *pkt, size_t len, struct vg_ipv4_hdr *h,
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
    /* Nearly every header has no options: its 20 octets are two 64-bit loads and a 32-bit one. */
    uint64_t acc;
    if (hdr_len == VG_IPV4_HDR_LEN) {
        uint32_t last;
        memcpy(&last, pkt + 16, 4);
        acc = vg_csum_halves(vg_csum_load64(pkt)) + vg_csum_halves(vg_csum_load64(pkt + 8)) + last;
    } else {
        acc = vg_csum_native_acc(pkt, hdr_len);
    }
    if (!vg_csum_acc_ok(acc))
        return VG_WIRE_BAD_CSUM;
    uint16_t frag = vg_get16(pkt + 6);
    if ((frag & IPV4_MF) || (frag & IPV4_OFFSET_MASK))
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
