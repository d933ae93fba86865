/* IPv4 input and output: validate, drop fragments and martians, dispatch by protocol, frame
 * outgoing datagrams. IPv6 packets go on to ip6_input.c. */
#include "ip/ip_out.h"
#include "ip/martian.h"
#include "stack/stack.h"
#include "wire/hdr_parse.h"

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
    /* IPv6 is told apart where IPv4's parse fails, so IPv4 pays nothing for it. Without an IPv6
     * address a version 6 header is as bad as any other not 4 (a corrupted IPv4 one, most
     * likely), and counted so. */
    if (e != VG_WIRE_OK && len && pkt[0] >> 4 == 6 && s->cfg.has_addr6) {
        vg_ip6_input(s, pkt, len, rx_flags, now);
        return;
    }
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
    struct vg_ip_pkt p = {.src = ip.src, .dst = ip.dst, .addr_acc = (uint64_t)ip.src + ip.dst};
    switch (ip.proto) {
    case VG_IPPROTO_TCP:
        vg_tcp_input(s, &p, payload, plen, rx_flags, now);
        break;
    case VG_IPPROTO_UDP:
        vg_udp_input(s, &p, payload, plen, rx_flags, now);
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
    return vg_csum_fold64(vg_ip_addr_acc(s, src, dst) + proto + (uint32_t)l4len);
}

int vg_ip_tx_csum_offloaded(const vg_stack *s)
{
    return ip_tx_csum_offloaded(s);
}

int vg_ip_tso(const vg_stack *s)
{
    return ip_tso(s);
}

void vg_ip_output(vg_stack *s, const struct vg_l4_seg *seg, vg_time now)
{
    ip_output(s, seg->src, seg->dst, seg->proto, seg->len, seg->csum_partial, seg->csum_offset,
              seg->gso_size, now);
}
