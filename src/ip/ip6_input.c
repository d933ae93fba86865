/* IPv6 input (RFC 8200): validate and walk the extension headers (wire/ipv6.h), drop fragments
 * and martians, name both addresses by handles (ip/addr6.h) for as long as the packet is being
 * processed, and dispatch by upper-layer protocol. */
#include <string.h>

#include "ip/icmp6.h"
#include "stack/stack.h"
#include "wire/ipv6.h"

static int is_multicast(const uint8_t a[16]) { return a[0] == 0xff; }

static int is_loopback(const uint8_t a[16])
{
    static const uint8_t one[16] = {[15] = 1};
    return memcmp(a, one, 16) == 0;
}

/* A source no legitimate peer uses (RFC 4291 §2.5.2, §2.5.3, §2.7, §2.5.5.2; RFC 6890):
 * unspecified, multicast, v4-mapped; from the wire also loopback and our own address. The
 * loopback stack (accept_subnet on ::1) talks to itself and takes those two. */
static int martian_source(const vg_stack *s, const uint8_t a[16])
{
    static const uint8_t zero[16];
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (memcmp(a, zero, 16) == 0 || is_multicast(a) || memcmp(a, mapped, 12) == 0)
        return 1;
    if (s->cfg.accept_subnet && is_loopback(s->cfg.addr6))
        return 0;
    return is_loopback(a) || vg_ip6_is_local(s, a);
}

static void dispatch(vg_stack *s, const struct vg_ipv6_hdr *ip, const struct vg_ip_pkt *p,
                     const uint8_t *payload, size_t plen, unsigned rx_flags, vg_time now)
{
    switch (ip->proto) {
    case VG_IPPROTO_TCP:
        vg_tcp_input(s, p, payload, plen, rx_flags, now);
        break;
    case VG_IPPROTO_UDP:
        vg_udp_input(s, p, payload, plen, rx_flags, now);
        break;
    case VG_IPPROTO_ICMPV6:
        vg_icmp6_input(s, ip, p, payload, plen, now);
        break;
    default:
        s->stats.ip_not_ours++;
        break;
    }
}

void vg_ip6_input(vg_stack *s, const uint8_t *pkt, size_t len, unsigned rx_flags, vg_time now)
{
    s->stats.ip6_in++;
    struct vg_ipv6_hdr ip;
    const uint8_t *payload;
    size_t plen;
    enum vg_wire_err e = vg_ipv6_parse(pkt, len, &ip, &payload, &plen);
    if (e == VG_WIRE_FRAGMENT) {
        /* No reassembly, as for IPv4: vigil's own packets are never fragmented (the MSS follows
         * the path MTU), and a reassembly queue is memory an attacker fills for free. */
        s->stats.ip_frags_dropped++;
        return;
    }
    if (e != VG_WIRE_OK) {
        s->stats.ip_bad++;
        if (e == VG_WIRE_BAD_EXT) {
            s->stats.ip6_ext_refused++;
            if (len >= VG_IPV6_HDR_LEN && vg_ip6_is_local(s, pkt + 24) &&
                !martian_source(s, pkt + 8))
                vg_icmp6_param_problem(s, pkt, len, ip.pp_code, ip.pp_pointer, now);
        }
        return;
    }
    if (!vg_ip6_is_local(s, ip.dst)) {
        s->stats.ip_not_ours++;
        return;
    }
    if (martian_source(s, ip.src)) {
        s->stats.ip_martians++;
        return;
    }
    /* The packet holds a reference to each address while it is processed: what it creates
     * (a SYN-cache entry, a connection) takes its own. Our own address is held by the stack
     * for its life: no lookup in the table for it. */
    int to_us = memcmp(ip.dst, s->cfg.addr6, 16) == 0;
    struct vg_ip_pkt p = {.src = vg_addr6_ref(s, ip.src),
                          .dst = to_us ? s->addr6_h : vg_addr6_ref(s, ip.dst)};
    if (p.src && p.dst) {
        p.addr_acc = vg_ip_addr_acc(s, p.src, p.dst);
        dispatch(s, &ip, &p, payload, plen, rx_flags, now);
    }
    vg_addr_drop(s, p.src);
    if (!to_us)
        vg_addr_drop(s, p.dst);
}
