/* Telling probes and answers apart on the simulated wire (see seg_track.h). */
#include "sim/seg_track.h"

#include "wire/ipv6.h"

static uint32_t key6(const uint8_t a[16])
{
    return vg_get32(a) ^ vg_get32(a + 4) ^ vg_get32(a + 8) ^ vg_get32(a + 12);
}

const uint8_t *vg_scn_tcp(const uint8_t *pkt, size_t len, struct vg_scn_seg_id *id,
                          uint32_t *dlen)
{
    const uint8_t *seg;
    size_t slen;
    if (len && pkt[0] >> 4 == 6) {
        struct vg_ipv6_hdr ip;
        if (vg_ipv6_parse(pkt, len, &ip, &seg, &slen) != VG_WIRE_OK || ip.proto != VG_IPPROTO_TCP)
            return NULL;
        id->saddr = key6(ip.src);
        id->daddr = key6(ip.dst);
    } else {
        struct vg_ipv4_hdr ip;
        if (vg_ipv4_parse(pkt, len, &ip, &seg, &slen) != VG_WIRE_OK || ip.proto != VG_IPPROTO_TCP)
            return NULL;
        id->saddr = ip.src;
        id->daddr = ip.dst;
    }
    if (slen < VG_TCP_HDR_LEN)
        return NULL;
    size_t doff = (size_t)(seg[12] >> 4) * 4;
    if (doff < VG_TCP_HDR_LEN || doff > slen)
        return NULL;
    id->sport = vg_get16(seg);
    id->dport = vg_get16(seg + 2);
    *dlen = (uint32_t)(slen - doff);
    return seg;
}

int vg_scn_seg_id(const uint8_t *pkt, size_t len, struct vg_scn_seg_id *id)
{
    uint32_t dlen;
    return vg_scn_tcp(pkt, len, id, &dlen) ? 0 : -1;
}

enum vg_scn_segment vg_scn_classify(const uint8_t *pkt, size_t len, struct vg_scn_seq *dir)
{
    struct vg_scn_seg_id id;
    uint32_t dlen;
    const uint8_t *seg = vg_scn_tcp(pkt, len, &id, &dlen);
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
