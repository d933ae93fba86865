/* ICMP: echo replies, so `ping` works against a vigil host, at most cfg.icmp_rate_limit a
 * second; and error input (RFC 792, RFC 1122 §3.2.2, §4.2.3.9), handed to TCP, which checks
 * the quoted segment against a live connection before it believes a word (RFC 5927). */
#include "stack/stack.h"
#include "tcp/tcp_icmp.h"

/* One window per second, as the challenge-ACK budget: a flood of echo requests (or of packets
 * that draw an ICMPv6 error) costs at most icmp_rate_limit messages a second, so vigil cannot
 * be turned into an amplifier. */
int vg_icmp_send_allowed(vg_stack *s, vg_time now)
{
    vg_second_roll(&s->echo_replies, now);
    if (s->echo_replies.used >= s->cfg.icmp_rate_limit) {
        s->stats.icmp_rate_limited++;
        return 0;
    }
    s->echo_replies.used++;
    return 1;
}

static void echo_input(vg_stack *s, const struct vg_ipv4_hdr *ip, const struct vg_icmp_hdr *h,
                       const uint8_t *data, size_t dlen, vg_time now)
{
    if (!vg_icmp_send_allowed(s, now))
        return;
    struct vg_icmp_hdr reply = {.type = VG_ICMP_ECHO_REPLY, .code = 0, .id = h->id, .seq = h->seq};
    /* Built in the output frame; the echoed data is the request's, in the link's buffer. ICMP has
     * no pseudo-header and no offload: its checksum is always whole. */
    size_t n = vg_icmp_write(vg_ip_l4(s), VG_IP_L4_MAX, &reply, data, dlen);
    if (!n)
        return;
    s->stats.icmp_out++;
    struct vg_l4_seg seg = {.src = ip->dst, .dst = ip->src, .len = n, .proto = VG_IPPROTO_ICMP};
    vg_ip_output(s, &seg, now);
}

/* The Winsock error a connect that timed out after this ICMP error reports, or 0. */
static int soft_error_reason(uint8_t type, uint8_t code)
{
    if (type == VG_ICMP_TIME_EXCEEDED)
        return VG_ERR_HOSTUNREACH;    /* a routing loop or a path too long, as Linux says */
    if (type != VG_ICMP_DEST_UNREACH)
        return 0;                     /* parameter problem: no error says more than a timeout */
    switch (code) {
    case 0: case 6: case 9: case 11:  /* net unreachable, unknown, prohibited, for TOS */
        return VG_ERR_NETUNREACH;
    case 2: case 3:                   /* protocol or port unreachable: nobody listens */
        return VG_ERR_CONNREFUSED;
    default:                          /* host unreachable, unknown, prohibited, ... */
        return VG_ERR_HOSTUNREACH;
    }
}

/* Hands an error quoting q to TCP; 0 when it is to be ignored. */
static int tcp_error(vg_stack *s, const struct vg_icmp_hdr *h, const struct vg_icmp_quote *q,
                     vg_time now)
{
    if (h->type == VG_ICMP_DEST_UNREACH && h->code > 15)
        return 0;                     /* no such code (RFC 1812 §5.2.7.1 lists 0-15) */
    struct vg_ip_quote iq = {.src = q->src, .dst = q->dst, .sport = q->sport, .dport = q->dport,
                             .seq = q->seq, .total_len = q->total_len};
    int frag_needed = h->type == VG_ICMP_DEST_UNREACH && h->code == VG_ICMP_FRAG_NEEDED;
    return vg_tcp_icmp_error(s, &iq, frag_needed ? VG_ICMP_TOO_BIG : soft_error_reason(h->type, h->code),
                             h->seq, now);
}

static int is_error(uint8_t type)
{
    return type == VG_ICMP_DEST_UNREACH || type == VG_ICMP_SOURCE_QUENCH ||
           type == VG_ICMP_TIME_EXCEEDED || type == VG_ICMP_PARAM_PROBLEM;
}

static void error_input(vg_stack *s, const struct vg_icmp_hdr *h, const uint8_t *data, size_t dlen,
                        vg_time now)
{
    s->stats.icmp_errors_in++;
    struct vg_icmp_quote q;
    /* Source quench is deprecated and ignored (RFC 6633). The quote must be of a datagram we
     * sent; only TCP keeps state an error can act on (vigil's UDP is connectionless). */
    if (h->type == VG_ICMP_SOURCE_QUENCH || vg_icmp_quote_parse(data, dlen, &q) != VG_WIRE_OK ||
        vg_addr_is6(q.src) || !vg_stack_is_local(s, q.src) || q.proto != VG_IPPROTO_TCP ||
        !tcp_error(s, h, &q, now))
        s->stats.icmp_errors_ignored++;
}

void vg_icmp_input(vg_stack *s, const struct vg_ipv4_hdr *ip, const uint8_t *msg, size_t len,
                   vg_time now)
{
    struct vg_icmp_hdr h;
    const uint8_t *data;
    size_t dlen;
    s->stats.icmp_in++;
    if (vg_icmp_parse(msg, len, &h, &data, &dlen) != VG_WIRE_OK)
        return;
    if (h.type == VG_ICMP_ECHO)
        echo_input(s, ip, &h, data, dlen, now);
    else if (is_error(h.type))
        error_input(s, &h, data, dlen, now);
}
