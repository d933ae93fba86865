/* The virtio-net header a TUN device opened with IFF_VNET_HDR puts before every packet, both
 * ways: what the kernel vouches for on a packet it hands us (a checksum it left partial, or one
 * it already checked; a TCP segment larger than one MSS), and what we ask it to do on a packet we
 * write (finish a partial checksum, cut a TSO frame into segments). vigil uses the 10-octet
 * legacy header (struct virtio_net_hdr): TUN's default size, and the 12-octet v1 header only adds
 * num_buffers, which means something to mergeable receive buffers of a virtio NIC, never to TUN.
 * Fields are in the host's byte order (the legacy header's rule; TUNSETVNETLE is not used). */
#ifndef VG_VNET_H
#define VG_VNET_H

#include <stddef.h>
#include <stdint.h>
#include "vigil/vigil.h"

#define VG_VNET_HDR_LEN 10u

/* What a received header said, once checked against the packet behind it. */
struct vg_vnet_rx {
    unsigned rx_flags;     /* enum vg_rx_flag: VG_RX_CSUM_VALID when the kernel vouches */
    uint16_t gso_size;     /* 0, or the segment size of a coalesced (GSO) TCP packet */
    uint16_t csum_start;   /* partial: where the sum starts in the packet ... */
    uint16_t csum_offset;  /* ... and where its field is from there */
    uint8_t partial;       /* the checksum field holds only the pseudo-header sum */
};

/* Parses the header at hdr for the packet pkt[0..len). 0, or -1 when the header is one we never
 * asked for (a GSO type other than TCPv4, a partial checksum outside the packet). */
int vg_vnet_parse(const uint8_t hdr[VG_VNET_HDR_LEN], const uint8_t *pkt, size_t len,
                  struct vg_vnet_rx *rx);

/* Writes the header for frame f into the VG_VNET_HDR_LEN octets before f->data: a partial
 * checksum becomes NEEDS_CSUM, a gso_size a TCPv4 GSO request; a plain frame a zero header. */
void vg_vnet_put(const struct vg_frame *f);

/* Finishes a partial checksum in place: the 16-bit field at csum_start + csum_offset holds the
 * pseudo-header sum; afterwards it holds the transport checksum over pkt[csum_start..len). */
void vg_vnet_complete_csum(uint8_t *pkt, size_t len, uint16_t csum_start, uint16_t csum_offset);

#endif
