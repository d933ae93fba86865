/* The martian filter (see martian.h). */
#include "ip/martian.h"

#define NET8(a) ((a) >> 24)

/* The directed broadcast of our prefix (a /31 or /32 has none, RFC 3021), or all ones when there
 * is none: all ones is limited broadcast, martian anyway, so one compare covers both. */
static uint32_t directed_broadcast(uint32_t addr, uint32_t mask)
{
    return mask && mask < 0xfffffffeu ? addr | ~mask : ~0u;
}

/* Limited broadcast, multicast and class E (RFC 1112, 1122 §3.2.1.3), and the directed
 * broadcast of our prefix. */
static int broadcast_or_multicast(uint32_t a, uint32_t bcast)
{
    return a >= 0xe0000000u || a == bcast;
}

static int martian_source(const vg_stack *s, uint32_t src, uint32_t mask, uint32_t bcast)
{
    if (NET8(src) == 0 || broadcast_or_multicast(src, bcast))
        return 1;
    /* The loopback stack answers for all of 127/8 and talks to itself: there, loopback and our
     * own addresses are the only legitimate sources. */
    if (s->cfg.accept_subnet && NET8(s->cfg.addr) == 127)
        return 0;
    return NET8(src) == 127 || vg_ip_is_local_masked(s, src, mask);
}

/* A broadcast or multicast destination is legitimate for UDP only: TCP cannot run over it,
 * and answering an ICMP echo sent to one makes us a smurf amplifier (RFC 1122 §3.2.2.6). */
static int martian(const vg_stack *s, const struct vg_ipv4_hdr *ip, uint32_t mask)
{
    uint32_t bcast = directed_broadcast(s->cfg.addr, mask);
    if (ip->proto != VG_IPPROTO_UDP && broadcast_or_multicast(ip->dst, bcast))
        return 1;
    return martian_source(s, ip->src, mask, bcast);
}

int vg_ip_input_filter(vg_stack *s, const struct vg_ipv4_hdr *ip)
{
    uint32_t mask = vg_ip_prefix_mask(s->cfg.prefix_len);
    if (!vg_ip_is_local_masked(s, ip->dst, mask)) {
        s->stats.ip_not_ours++;
        return 0;
    }
    if (martian(s, ip, mask)) {
        s->stats.ip_martians++;
        return 0;
    }
    return 1;
}
