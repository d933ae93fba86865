/* The one place a TCP segment is built: straight into the stack's output frame, payload copied
 * (and summed in the same pass) from the send ring or a caller's buffer, the checksum finished
 * here or left to the link. Connections, the SYN cache and resets for no connection all use it. */
#ifndef VG_TCP_EMIT_H
#define VG_TCP_EMIT_H

#include "stack/stack.h"
#include "tcp/ring.h"

/* Where the payload comes from: ring bytes [off, off+len) from its head, or data (ring NULL). */
struct tcp_payload {
    const struct vg_ring *ring;
    uint32_t off;
    const uint8_t *data;
    uint32_t len;
};

/* Builds header h (its options included) and the payload between src and dst, and sends it;
 * gso_size (the MSS, or 0) when the payload is more than one segment for the link to cut.
 * Counts tcp_out. Returns 0, or -1 when the segment cannot be framed (too long). */
int tcp_emit(vg_stack *s, const struct vg_tcp_hdr *h, uint32_t src, uint32_t dst,
             const struct tcp_payload *p, uint16_t gso_size, vg_time now);

#endif
