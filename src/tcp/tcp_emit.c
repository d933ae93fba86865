/* TCP segment framing in one copy (see tcp_emit.h). */
#include "tcp/tcp_emit.h"

#include <string.h>

/* The checksum field's offset in the TCP header (RFC 9293 §3.1). */
#define TCP_CSUM_OFF 16u

int tcp_emit(vg_stack *s, const struct vg_tcp_hdr *h, uint32_t src, uint32_t dst,
             const struct tcp_payload *p, uint16_t gso_size, vg_time now)
{
    uint8_t *l4 = vg_ip_l4(s);
    size_t hdr_len = vg_tcp_hdr_write(l4, h);
    uint32_t dlen = p ? p->len : 0;
    if (dlen > VG_IP_L4_MAX - hdr_len)
        return -1;
    size_t len = hdr_len + dlen;
    int partial = vg_ip_tx_csum_offloaded(s);
    uint32_t sum = 0;
    uint8_t *dst_data = l4 + hdr_len;
    /* The payload follows a header of a whole number of 32-bit words: its sum chains at an even
     * offset. With the checksum left to the link, the copy is a plain one. */
    if (dlen && p->ring) {
        if (partial)
            vg_ring_peek(p->ring, p->off, dst_data, dlen);
        else
            sum = vg_ring_peek_csum(p->ring, p->off, dst_data, dlen, 0);
    } else if (dlen) {
        if (partial)
            memcpy(dst_data, p->data, dlen);
        else
            sum = vg_csum_copy(dst_data, p->data, dlen, 0);
    }
    uint32_t pseudo = vg_ip_pseudo(s, VG_IPPROTO_TCP, src, dst, len);
    if (partial)
        vg_put16(l4 + TCP_CSUM_OFF, vg_csum_partial(pseudo));
    else
        vg_put16(l4 + TCP_CSUM_OFF,
                 vg_csum_fold(vg_csum_add(vg_csum_block_add(pseudo, sum, 0), l4, hdr_len)));
    s->stats.tcp_out++;
    struct vg_l4_seg seg = {
        .src = src, .dst = dst, .len = len, .proto = VG_IPPROTO_TCP,
        .csum_partial = (uint8_t)partial, .csum_offset = TCP_CSUM_OFF,
        .gso_size = dlen > gso_size ? gso_size : 0,
    };
    vg_ip_output(s, &seg, now);
    return 0;
}
