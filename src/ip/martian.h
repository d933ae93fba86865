/* Datagrams and segments that no legitimate peer sends (RFC 1122 §3.2.1.3, §4.2.2.x; RFC 1812
 * §5.3.7): dropped before any protocol sees them, so nothing is ever answered to a forged
 * broadcast, multicast, unspecified, loopback or self source. */
#ifndef VG_MARTIAN_H
#define VG_MARTIAN_H

#include "stack/stack.h"

/* A prefix length as a mask (cfg.prefix_len above 32 counts as 32). */
static inline uint32_t vg_ip_prefix_mask(uint8_t prefix_len)
{
    unsigned p = prefix_len > 32 ? 32 : prefix_len;
    return (uint32_t)(~(uint64_t)0 << (32 - p));   /* 64 bits wide: /0 shifts by 32, no branch */
}
/* 1 when a is ours: our address, or with cfg.accept_subnet any address of our prefix (mask is
 * vg_ip_prefix_mask of it, which the input filter computes once per packet). */
static inline int vg_ip_is_local_masked(const vg_stack *s, uint32_t a, uint32_t mask)
{
    return a == s->cfg.addr ||
           (s->cfg.accept_subnet && s->cfg.prefix_len <= 32 && ((a ^ s->cfg.addr) & mask) == 0);
}
/* The input filter, in the order the input path applies it: 1 when ip is addressed to us
 * (vg_stack_is_local) and not martian; 0 when it is dropped, counted in ip_not_ours or
 * ip_martians. */
int vg_ip_input_filter(vg_stack *s, const struct vg_ipv4_hdr *ip);
/* 1 when a TCP segment's flags are impossible (SYN with FIN or with RST; counted in
 * tcp_bad_flags): such segments are scans or attacks, and answering them fingerprints us. */
static inline int vg_tcp_flags_martian(vg_stack *s, const uint8_t *seg, size_t len)
{
    if (len < 14)
        return 0;                     /* too short for flags: the header parser rejects it */
    uint8_t f = seg[13];
    if (!(f & VG_TCP_SYN) || !(f & (VG_TCP_FIN | VG_TCP_RST)))
        return 0;
    s->stats.tcp_bad_flags++;
    return 1;
}

#endif
