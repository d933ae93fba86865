/* The IPv4 output path as inline code, for the transports that send on every segment: a TCP
 * segment is framed by one function, not a call into the IP layer with its arguments packed
 * into a struct and unpacked again. vg_ip_output (stack.h) is the same code for everyone else.
 * What the link does (offloads) and whether it can take a frame at all are read from the stack
 * for every datagram: the application may replace the link at any time. */
#ifndef VG_IP_IP_OUT_H
#define VG_IP_IP_OUT_H

#include "ip/ip_id.h"
#include "stack/stack.h"
#include "wire/hdr_put.h"

static inline int ip_tx_csum_offloaded(const vg_stack *s)
{
    return s->frame_out && (s->offloads & VG_OFFLOAD_TX_CSUM);
}

/* Only atomic datagrams (DF) go out as TSO frames: the pieces of a frame all carry IP ID 0, and
 * no link has to number them. */
static inline int ip_tso(const vg_stack *s)
{
    return s->frame_out && (s->offloads & VG_OFFLOAD_TSO) && !s->cfg.no_pmtu_discovery;
}

/* Hands the datagram at buf (hdr_len octets of IP header, then len of transport) to the link. */
static inline void ip_frame_out(vg_stack *s, uint8_t *buf, unsigned hdr_len, size_t len,
                                uint8_t proto, int csum_partial, uint16_t csum_offset,
                                uint16_t gso_size, vg_time now)
{
    s->stats.ip_out++;
    if (s->frame_out) {
        struct vg_frame f = {.data = buf, .len = hdr_len + len, .l4_proto = proto};
        if (csum_partial) {
            f.flags = VG_FRAME_CSUM_PARTIAL;
            f.csum_start = (uint16_t)hdr_len;
            f.csum_offset = csum_offset;
        }
        if (gso_size) {
            f.gso_size = gso_size;
            s->stats.tcp_tso_frames_out++;
        }
        s->frame_out(s->output_ctx, &f, now);
    } else {
        s->output(s->output_ctx, buf, hdr_len + len, now);
    }
}

/* The IPv6 half of ip_output (ip6_out.c): dst is an IPv6 handle. */
void ip6_output(vg_stack *s, uint32_t src, uint32_t dst, uint8_t proto, size_t len,
                int csum_partial, uint16_t csum_offset, uint16_t gso_size, vg_time now);

/* vg_ip_output of seg's fields; src and dst are address handles of one family (ip/addr6.h). */
static inline void ip_output(vg_stack *s, uint32_t src, uint32_t dst, uint8_t proto, size_t len,
                             int csum_partial, uint16_t csum_offset, uint16_t gso_size,
                             vg_time now)
{
    if (!s->link_up || (!s->output && !s->frame_out) || len > VG_IP_L4_MAX)
        return;
    if (vg_addr_is6(dst)) {
        ip6_output(s, src, dst, proto, len, csum_partial, csum_offset, gso_size, now);
        return;
    }
    uint8_t *buf = vg_ip_l4(s) - VG_IPV4_HDR_LEN;
    /* RFC 6864: an atomic datagram (DF, never fragmented) needs no ID and carries 0, which says
     * nothing about other traffic; without DF (no_pmtu_discovery) a router may fragment it, and
     * its ID comes from a per-destination counter. */
    int df = !s->cfg.no_pmtu_discovery;
    struct vg_ipv4_hdr ip = {
        .ttl = 64, .proto = proto, .src = src, .dst = dst,
        .id = df ? 0 : vg_ip_id_next(s, src, dst, proto), .frag = df ? 0x4000 : 0,
    };
    vg_ipv4_hdr_put(buf, &ip, (uint16_t)(VG_IPV4_HDR_LEN + len));
    ip_frame_out(s, buf, VG_IPV4_HDR_LEN, len, proto, csum_partial, csum_offset, gso_size, now);
}

#endif
