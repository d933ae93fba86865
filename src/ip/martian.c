/* The martian filter (see martian.h). */
#include "ip/martian.h"

#define NET8(a) ((a) >> 24)

/* The loopback stack answers for all of 127/8 and talks to itself: there, loopback and our own
 * addresses are the only legitimate sources. */
static int loopback_stack(const vg_stack *s)
{
    return s->cfg.accept_subnet && NET8(s->cfg.addr) == 127;
}

/* Limited broadcast, multicast and class E (RFC 1112, 1122 §3.2.1.3), and the directed
 * broadcast of our own prefix (a /31 or /32 has none, RFC 3021). */
static int broadcast_or_multicast(const vg_stack *s, uint32_t a)
{
    if (a >= 0xe0000000u)
        return 1;
    uint32_t mask = vg_stack_prefix_mask(s);
    return mask && mask < 0xfffffffeu && (a & mask) == (s->cfg.addr & mask) && (a | mask) == ~0u;
}

static int martian_source(const vg_stack *s, uint32_t src)
{
    if (NET8(src) == 0 || broadcast_or_multicast(s, src))
        return 1;
    if (loopback_stack(s))
        return 0;
    return NET8(src) == 127 || vg_stack_is_local(s, src);
}

int vg_ip_martian(vg_stack *s, const struct vg_ipv4_hdr *ip)
{
    /* A broadcast or multicast destination is legitimate for UDP only: TCP cannot run over it,
     * and answering an ICMP echo sent to one makes us a smurf amplifier (RFC 1122 §3.2.2.6). */
    int bad_dst = ip->proto != VG_IPPROTO_UDP && broadcast_or_multicast(s, ip->dst);
    if (!bad_dst && !martian_source(s, ip->src))
        return 0;
    s->stats.ip_martians++;
    return 1;
}

int vg_tcp_flags_martian(vg_stack *s, const uint8_t *seg, size_t len)
{
    if (len < 14)
        return 0;                     /* too short for flags: the header parser rejects it */
    uint8_t f = seg[13];
    if (!(f & VG_TCP_SYN) || !(f & (VG_TCP_FIN | VG_TCP_RST)))
        return 0;
    s->stats.tcp_bad_flags++;
    return 1;
}
