/* Telling probes and answers apart on the simulated wire (see seg_track.h). */
#include "sim/seg_track.h"

#include "wire/wire.h"

/* The TCP header of an IPv4 packet and its payload length; NULL if it has none. */
static const uint8_t *tcp_segment(const uint8_t *pkt, size_t len, struct vg_ipv4_hdr *ip,
                                  uint32_t *dlen)
{
    const uint8_t *seg;
    size_t slen;
    if (vg_ipv4_parse(pkt, len, ip, &seg, &slen) != VG_WIRE_OK || ip->proto != VG_IPPROTO_TCP ||
        slen < VG_TCP_HDR_LEN)
        return NULL;
    size_t doff = (size_t)(seg[12] >> 4) * 4;
    if (doff < VG_TCP_HDR_LEN || doff > slen)
        return NULL;
    *dlen = (uint32_t)(slen - doff);
    return seg;
}

int vg_scn_seg_id(const uint8_t *pkt, size_t len, struct vg_scn_seg_id *id)
{
    struct vg_ipv4_hdr ip;
    uint32_t dlen;
    const uint8_t *seg = tcp_segment(pkt, len, &ip, &dlen);
    if (!seg)
        return -1;
    *id = (struct vg_scn_seg_id){.saddr = ip.src, .daddr = ip.dst, .sport = vg_get16(seg),
                                 .dport = vg_get16(seg + 2)};
    return 0;
}

enum vg_scn_segment vg_scn_classify(const uint8_t *pkt, size_t len, struct vg_scn_seq *dir)
{
    struct vg_ipv4_hdr ip;
    uint32_t dlen;
    const uint8_t *seg = tcp_segment(pkt, len, &ip, &dlen);
    if (!seg)
        return VG_SCN_SEG_OTHER;
    uint8_t flags = seg[13];
    uint32_t seq = vg_get32(seg + 4);
    uint32_t seglen = dlen + ((flags & VG_TCP_SYN) ? 1u : 0u) + ((flags & VG_TCP_FIN) ? 1u : 0u);
    if (flags & VG_TCP_SYN) {
        *dir = (struct vg_scn_seq){.next = seq + seglen, .known = 1};
        return VG_SCN_SEG_SYN;
    }
    if (flags & VG_TCP_RST)
        return VG_SCN_SEG_RST;
    if (dir->known && dlen <= 1 && !(flags & VG_TCP_FIN) && (flags & VG_TCP_ACK) &&
        seq == dir->next - 1)
        return VG_SCN_SEG_PROBE;
    if (!dir->known || (int32_t)(seq + seglen - dir->next) > 0)
        *dir = (struct vg_scn_seq){.next = seq + seglen, .known = 1};
    if (flags & VG_TCP_FIN)
        return VG_SCN_SEG_FIN;
    return dlen ? VG_SCN_SEG_DATA : VG_SCN_SEG_ACK;
}
