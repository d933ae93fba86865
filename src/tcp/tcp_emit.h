/* The one place a TCP segment is built: straight into the stack's output frame, payload copied
 * (and summed in the same pass) from the send ring or a caller's buffer, the checksum finished
 * here or left to the link. Connections, the SYN cache and resets for no connection all use it. */
#ifndef VG_TCP_EMIT_H
#define VG_TCP_EMIT_H

#include <string.h>

#include "ip/ip_out.h"
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

/* The checksum field's offset in the TCP header (RFC 9293 §3.1). */
#define VG_TCP_CSUM_OFF 16u

/* tcp_emit as inline code, for a connection's own segments (tcp_output.c): inlined where the
 * caller fills in h, the header's fields go from registers to the frame. */
static inline int tcp_emit_inline(vg_stack *s, const struct vg_tcp_fields *h, uint32_t src,
                                  uint32_t dst, const struct tcp_payload *p, uint16_t gso_size,
                                  vg_time now)
{
    uint8_t *l4 = vg_ip_l4(s);
    uint64_t acc = 0;
    size_t hdr_len = vg_tcp_fields_put(l4, h, &acc);
    uint32_t dlen = p ? p->len : 0;
    if (dlen > VG_IP_L4_MAX - hdr_len)
        return -1;
    size_t len = hdr_len + dlen;
    int partial = ip_tx_csum_offloaded(s);
    uint8_t *dst_data = l4 + hdr_len;
    /* The payload follows a header of a whole number of 32-bit words: its sum chains at an even
     * offset. With the checksum left to the link, the copy is a plain one. */
    if (dlen && p->ring) {
        if (partial)
            vg_ring_peek(p->ring, p->off, dst_data, dlen);
        else
            acc += vg_ring_peek_csum(p->ring, p->off, dst_data, dlen, 0);
    } else if (dlen) {
        if (partial)
            memcpy(dst_data, p->data, dlen);
        else
            acc += vg_csum_copy(dst_data, p->data, dlen, 0);
    }
    uint64_t pseudo = vg_ip_addr_acc(s, src, dst) + VG_IPPROTO_TCP + (uint32_t)len;
    if (partial)
        vg_put16(l4 + VG_TCP_CSUM_OFF, vg_csum_partial(vg_csum_fold64(pseudo)));
    else
        vg_put16(l4 + VG_TCP_CSUM_OFF, vg_csum_fold(vg_csum_fold64(acc + pseudo)));
    s->stats.tcp_out++;
    ip_output(s, src, dst, VG_IPPROTO_TCP, len, partial, VG_TCP_CSUM_OFF,
              dlen > gso_size ? gso_size : 0, now);
    return 0;
}

#endif
