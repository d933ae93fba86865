/* IPv4 input and output: validate, drop fragments and martians, dispatch by protocol, frame
 * outgoing datagrams. */
#include "ip/ip_id.h"
#include "ip/martian.h"
#include "stack/stack.h"
#include "wire/hdr_parse.h"

uint32_t vg_stack_prefix_mask(const vg_stack *s)
{
    return vg_ip_prefix_mask(s->cfg.prefix_len);
}

int vg_stack_is_local(const vg_stack *s, uint32_t addr)
{
    if (addr == s->cfg.addr)
        return 1;
    if (s->cfg.accept_subnet && s->cfg.prefix_len <= 32) {
        uint32_t mask = vg_stack_prefix_mask(s);
        return (addr & mask) == (s->cfg.addr & mask);
    }
    return 0;
}

void vg_stack_input(vg_stack *s, const uint8_t *pkt, size_t len, vg_time now)
{
    vg_stack_input_ex(s, pkt, len, 0, now);
}

void vg_stack_input_ex(vg_stack *s, const uint8_t *pkt, size_t len, unsigned rx_flags,
                       vg_time now)
{
    if (!s->link_up)
        return;
    s->stats.ip_in++;
    struct vg_ipv4_hdr ip;
    const uint8_t *payload;
    size_t plen;
    enum vg_wire_err e = vg_ipv4_parse_inline(pkt, len, &ip, &payload, &plen);
    if (e == VG_WIRE_FRAGMENT) {
        /* No reassembly: what vigil sends is never fragmented (DF), and a reassembly queue is
         * memory an attacker fills with fragments that never complete. */
        s->stats.ip_frags_dropped++;
        return;
    }
    if (e != VG_WIRE_OK) {
        s->stats.ip_bad++;
        return;
    }
    if (!vg_ip_input_filter(s, &ip))
        return;
    switch (ip.proto) {
    case VG_IPPROTO_TCP:
        vg_tcp_input(s, &ip, payload, plen, rx_flags, now);
        break;
    case VG_IPPROTO_UDP:
        vg_udp_input(s, &ip, payload, plen, rx_flags, now);
        break;
    case VG_IPPROTO_ICMP:
        vg_icmp_input(s, &ip, payload, plen, now);
        break;
    default:
        s->stats.ip_not_ours++;
        break;
    }
}

uint32_t vg_ip_pseudo(const vg_stack *s, uint8_t proto, uint32_t src, uint32_t dst, size_t l4len)
{
    (void)s;
    return vg_csum_pseudo(src, dst, proto, (uint16_t)l4len);
}

int vg_ip_tx_csum_offloaded(const vg_stack *s)
{
    return s->frame_out && (s->offloads & VG_OFFLOAD_TX_CSUM);
}

/* Only atomic datagrams (DF) go out as TSO frames: the pieces of a frame all carry IP ID 0, and
 * no link has to number them. */
int vg_ip_tso(const vg_stack *s)
{
    return s->frame_out && (s->offloads & VG_OFFLOAD_TSO) && !s->cfg.no_pmtu_discovery;
}

void vg_ip_output(vg_stack *s, const struct vg_l4_seg *seg, vg_time now)
{
    size_t len = seg->len;
    if (!s->link_up || (!s->output && !s->frame_out) || len > VG_IP_L4_MAX)
        return;
    uint8_t *buf = vg_ip_l4(s) - VG_IPV4_HDR_LEN;
    /* RFC 6864: an atomic datagram (DF, never fragmented) needs no ID and carries 0, which says
     * nothing about other traffic; without DF (no_pmtu_discovery) a router may fragment it, and
     * its ID comes from a per-destination counter. */
    int df = !s->cfg.no_pmtu_discovery;
    struct vg_ipv4_hdr ip = {
        .ttl = 64, .proto = seg->proto, .src = seg->src, .dst = seg->dst,
        .id = df ? 0 : vg_ip_id_next(s, seg->src, seg->dst, seg->proto), .frag = df ? 0x4000 : 0,
    };
    vg_ipv4_write(buf, VG_IPV4_HDR_LEN + len, &ip, len);
    s->stats.ip_out++;
    if (s->frame_out) {
        struct vg_frame f = {.data = buf, .len = VG_IPV4_HDR_LEN + len, .l4_proto = seg->proto};
        if (seg->csum_partial) {
            f.flags = VG_FRAME_CSUM_PARTIAL;
            f.csum_start = VG_IPV4_HDR_LEN;
            f.csum_offset = seg->csum_offset;
        }
        if (seg->gso_size) {
            f.gso_size = seg->gso_size;
            s->stats.tcp_tso_frames_out++;
        }
        s->frame_out(s->output_ctx, &f, now);
    } else {
        s->output(s->output_ctx, buf, VG_IPV4_HDR_LEN + len, now);
    }
}
