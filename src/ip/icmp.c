/* ICMP: echo replies, so `ping` works against a vigil host, at most cfg.icmp_rate_limit a
 * second; and error input (RFC 792, RFC 1122 §3.2.2, §4.2.3.9), handed to TCP, which checks
 * the quoted segment against a live connection before it believes a word (RFC 5927). */
#include "stack/stack.h"
#include "tcp/tcp_icmp.h"

/* One window per second, as the challenge-ACK budget: a flood of echo requests costs at most
 * icmp_rate_limit replies a second, so vigil cannot be turned into an amplifier. */
static int echo_reply_allowed(vg_stack *s, vg_time now)
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
    if (!echo_reply_allowed(s, now))
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
        !vg_stack_is_local(s, q.src) || q.proto != VG_IPPROTO_TCP ||
        !vg_tcp_icmp_error(s, h->type, h->code, h->seq, &q, now))
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
