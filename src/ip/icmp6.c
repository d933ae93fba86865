/* ICMPv6 (see icmp6.h). Errors received are believed only as far as TCP checks the quoted
 * segment against a live connection (RFC 5927), as for ICMPv4; a Packet Too Big lowers the MSS
 * (RFC 8201), never below what the IPv6 minimum MTU carries. */
#include <string.h>

#include "ip/icmp6.h"
#include "tcp/tcp_icmp.h"

/* An error quotes as much of the invoking packet as keeps it within the minimum MTU
 * (RFC 4443 §2.4(c)). */
#define ERROR_QUOTE_MAX (VG_ICMP6_MIN_MTU - VG_IPV6_HDR_LEN - 8u)

/* Writes the message into the output frame and sends it from handle src to dst. */
static void send_msg(vg_stack *s, uint32_t src, uint32_t dst, const struct vg_icmp6_hdr *h,
                     const uint8_t *data, size_t dlen, vg_time now)
{
    size_t n = vg_icmp6_write(vg_ip_l4(s), VG_IP_L4_MAX, h, vg_addr6_bytes(s, src),
                              vg_addr6_bytes(s, dst), data, dlen);
    if (!n)
        return;
    s->stats.icmp6_out++;
    struct vg_l4_seg seg = {.src = src, .dst = dst, .len = n, .proto = VG_IPPROTO_ICMPV6};
    vg_ip_output(s, &seg, now);
}

void vg_icmp6_param_problem(vg_stack *s, const uint8_t *pkt, size_t len, uint8_t code,
                            uint32_t pointer, vg_time now)
{
    if (!vg_icmp_send_allowed(s, now))
        return;
    uint32_t src = vg_addr6_ref(s, pkt + 24), dst = vg_addr6_ref(s, pkt + 8);
    if (vg_addr_is6(src) && vg_addr_is6(dst)) {
        struct vg_icmp6_hdr h = {.type = VG_ICMP6_PARAM_PROBLEM, .code = code, .word = pointer};
        send_msg(s, src, dst, &h, pkt, len < ERROR_QUOTE_MAX ? len : ERROR_QUOTE_MAX, now);
    }
    vg_addr_drop(s, src);
    vg_addr_drop(s, dst);
}

/* The error a connect that then times out reports, for a Destination Unreachable code;
 * -1 for a code RFC 4443 §3.1 does not define. */
static int unreach_reason(uint8_t code)
{
    switch (code) {
    case 0:                           /* no route to destination */
        return VG_ERR_NETUNREACH;
    case 4:                           /* port unreachable: nobody listens */
        return VG_ERR_CONNREFUSED;
    case 1: case 2: case 3: case 5: case 6:
        return VG_ERR_HOSTUNREACH;    /* prohibited, beyond scope, address, policy, reject */
    default:
        return -1;
    }
}

/* Hands an error to TCP; 0 when it is to be ignored. */
static int error_input(vg_stack *s, const struct vg_icmp6_hdr *h, const uint8_t *data,
                       size_t dlen, vg_time now)
{
    struct vg_icmp6_quote q;
    if (vg_icmp6_quote_parse(data, dlen, &q) != VG_WIRE_OK || q.proto != VG_IPPROTO_TCP ||
        !vg_ip6_is_local(s, q.src))
        return 0;
    int err = 0;
    uint32_t mtu = 0;
    if (h->type == VG_ICMP6_PACKET_TOO_BIG) {
        err = VG_ICMP_TOO_BIG;
        /* RFC 8201 §4: a smaller MTU than IPv6's minimum is not believed; the minimum is. */
        mtu = h->word < VG_ICMP6_MIN_MTU ? VG_ICMP6_MIN_MTU : h->word > 65535u ? 65535u : h->word;
    } else if (h->type == VG_ICMP6_DEST_UNREACH) {
        err = unreach_reason(h->code);
    } else if (h->type == VG_ICMP6_TIME_EXCEEDED) {
        err = VG_ERR_HOSTUNREACH;
    }
    if (err < 0 && err != VG_ICMP_TOO_BIG)
        return 0;
    /* A connection holds both its addresses: one that is not in the table has none. */
    struct vg_ip_quote iq = {.src = vg_addr6_find(s, q.src), .dst = vg_addr6_find(s, q.dst),
                             .sport = q.sport, .dport = q.dport, .seq = q.seq};
    if (!iq.src || !iq.dst)
        return 0;
    return vg_tcp_icmp_error(s, &iq, err, (uint16_t)mtu, now);
}

void vg_icmp6_input(vg_stack *s, const struct vg_ipv6_hdr *ip, const struct vg_ip_pkt *p,
                    const uint8_t *msg, size_t len, vg_time now)
{
    struct vg_icmp6_hdr h;
    const uint8_t *data;
    size_t dlen;
    s->stats.icmp6_in++;
    if (vg_icmp6_parse(msg, len, ip->src, ip->dst, &h, &data, &dlen) != VG_WIRE_OK) {
        s->stats.icmp6_bad++;
        return;
    }
    if (h.type == VG_ICMP6_ECHO_REQUEST) {
        if (!vg_icmp_send_allowed(s, now))
            return;
        struct vg_icmp6_hdr reply = {.type = VG_ICMP6_ECHO_REPLY, .word = h.word};
        send_msg(s, p->dst, p->src, &reply, data, dlen, now);
    } else if (h.type < 128) {        /* errors (RFC 4443 §2.1) */
        s->stats.icmp_errors_in++;
        if (!error_input(s, &h, data, dlen, now))
            s->stats.icmp_errors_ignored++;
    }
}
