/* The virtio-net header (see vnet.h). Values as in linux/virtio_net.h. */
#include "link/vnet.h"

#include <string.h>

#include "wire/wire.h"

#define VNET_F_NEEDS_CSUM 1u
#define VNET_F_DATA_VALID 2u
#define VNET_GSO_NONE 0u
#define VNET_GSO_TCPV4 1u
#define VNET_GSO_TCPV6 4u
#define VNET_GSO_ECN 0x80u

struct vnet_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
};
_Static_assert(sizeof(struct vnet_hdr) == VG_VNET_HDR_LEN, "struct virtio_net_hdr is 10 octets");

int vg_vnet_parse(const uint8_t hdr[VG_VNET_HDR_LEN], const uint8_t *pkt, size_t len,
                  struct vg_vnet_rx *rx)
{
    (void)pkt;
    struct vnet_hdr h;
    memcpy(&h, hdr, sizeof h);
    memset(rx, 0, sizeof *rx);
    unsigned type = h.gso_type & ~VNET_GSO_ECN;
    if (type != VNET_GSO_NONE && type != VNET_GSO_TCPV4 && type != VNET_GSO_TCPV6)
        return -1;
    if (type != VNET_GSO_NONE)
        rx->gso_size = h.gso_size;
    if (h.flags & VNET_F_NEEDS_CSUM) {
        /* The field must lie inside the packet, or completing it would write past the end. */
        if ((size_t)h.csum_start + h.csum_offset + 2u > len)
            return -1;
        rx->partial = 1;
        rx->csum_start = h.csum_start;
        rx->csum_offset = h.csum_offset;
        /* A partial checksum is the kernel's own packet, never on a wire: nothing to verify. */
        rx->rx_flags |= VG_RX_CSUM_VALID;
    }
    if (h.flags & VNET_F_DATA_VALID)
        rx->rx_flags |= VG_RX_CSUM_VALID;
    return 0;
}

/* The IP and TCP headers of a TCP frame together (hdr_len), from the headers the stack wrote
 * (an IPv6 one without extension headers); 0 if the frame is too short to say. */
static uint16_t headers_len(const struct vg_frame *f)
{
    if (f->len < 20)
        return 0;
    size_t ihl = f->data[0] >> 4 == 6 ? 40u : (size_t)(f->data[0] & 0x0f) * 4u;
    if (f->len < ihl + 20)
        return 0;
    size_t thl = (size_t)(f->data[ihl + 12] >> 4) * 4u;
    return (uint16_t)(ihl + thl);
}

void vg_vnet_put(const struct vg_frame *f)
{
    struct vnet_hdr h = {0};
    if (f->flags & VG_FRAME_CSUM_PARTIAL) {
        h.flags = VNET_F_NEEDS_CSUM;
        h.csum_start = f->csum_start;
        h.csum_offset = f->csum_offset;
    }
    if (f->gso_size && f->l4_proto == 6) {
        h.gso_type = f->data[0] >> 4 == 6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
        h.gso_size = f->gso_size;
        h.hdr_len = headers_len(f);
    }
    memcpy(f->data - VG_VNET_HDR_LEN, &h, sizeof h);
}

void vg_vnet_complete_csum(uint8_t *pkt, size_t len, uint16_t csum_start, uint16_t csum_offset)
{
    size_t field = (size_t)csum_start + csum_offset;
    if (field + 2u > len)
        return;
    /* The field holds the pseudo-header sum the sender left: summing over it completes it. */
    uint16_t c = vg_csum_fold(vg_csum_add(0, pkt + csum_start, len - csum_start));
    /* A transport checksum of zero is sent as all ones (the same value in ones' complement;
     * UDP reserves zero for "none"). */
    vg_put16(pkt + field, c ? c : 0xffff);
}
