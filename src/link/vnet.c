/* The virtio-net header (see vnet.h). Values as in linux/virtio_net.h. */
#include "link/vnet.h"

#include <string.h>

#define VNET_F_NEEDS_CSUM 1u
#define VNET_F_DATA_VALID 2u
#define VNET_GSO_NONE 0u
#define VNET_GSO_TCPV4 1u
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
    if (type != VNET_GSO_NONE && type != VNET_GSO_TCPV4)
        return -1;
    if (type == VNET_GSO_TCPV4)
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

/* The TCP header length of a TCPv4 frame (hdr_len is the IP and TCP headers together), from the
 * headers the stack wrote; 0 if the frame is too short to say. */
static uint16_t headers_len(const struct vg_frame *f)
{
    if (f->len < 20)
        return 0;
    size_t ihl = (size_t)(f->data[0] & 0x0f) * 4u;
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
        h.gso_type = VNET_GSO_TCPV4;
        h.gso_size = f->gso_size;
        h.hdr_len = headers_len(f);
    }
    memcpy(f->data - VG_VNET_HDR_LEN, &h, sizeof h);
}

/* The ones' complement sum of p[0..n) in 64-bit lanes of native words: every 64-bit add's carry
 * is counted and added back at the end (end-around carry), which is the same sum as 16-bit
 * big-endian words would give, with each lane's octets in memory order (RFC 1071, "byte order
 * independence"). */
static uint64_t add_carry(uint64_t *acc, uint64_t v)
{
    *acc += v;
    return *acc < v;
}

static uint64_t sum64(const uint8_t *p, size_t n)
{
    uint64_t acc = 0, carries = 0;
    while (n >= 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        carries += add_carry(&acc, w[0]);
        carries += add_carry(&acc, w[1]);
        carries += add_carry(&acc, w[2]);
        carries += add_carry(&acc, w[3]);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        carries += add_carry(&acc, w);
        p += 8;
        n -= 8;
    }
    /* The last octets, zero-padded in memory order. */
    uint8_t tail[8] = {0};
    memcpy(tail, p, n);
    uint64_t w;
    memcpy(&w, tail, 8);
    carries += add_carry(&acc, w);
    uint64_t s = acc + carries;
    return s + (s < carries);
}

/* Folds the 64-bit ones' complement sum to 16 bits, in host-memory order. */
static uint16_t fold(uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    return (uint16_t)acc;
}

void vg_vnet_complete_csum(uint8_t *pkt, size_t len, uint16_t csum_start, uint16_t csum_offset)
{
    size_t field = (size_t)csum_start + csum_offset;
    if (field + 2u > len)
        return;
    uint16_t c = (uint16_t)~fold(sum64(pkt + csum_start, len - csum_start));
    /* A transport checksum of zero is sent as all ones (the same value in ones' complement;
     * UDP reserves zero for "none"). */
    if (c == 0)
        c = 0xffff;
    memcpy(pkt + field, &c, 2);
}
