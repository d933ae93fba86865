/* ICMP: answer echo requests, so `ping` works against a vigil host. */
#include "stack/stack.h"

void vg_icmp_input(vg_stack *s, const struct vg_ipv4_hdr *ip, const uint8_t *msg, size_t len,
                   vg_time now)
{
    struct vg_icmp_hdr h;
    const uint8_t *data;
    size_t dlen;
    s->stats.icmp_in++;
    if (vg_icmp_parse(msg, len, &h, &data, &dlen) != VG_WIRE_OK || h.type != 8)
        return;
    uint8_t out[65536];
    struct vg_icmp_hdr reply = {.type = 0, .code = 0, .id = h.id, .seq = h.seq};
    size_t n = vg_icmp_write(out, sizeof out - VG_IPV4_HDR_LEN, &reply, data, dlen);
    if (!n)
        return;
    s->stats.icmp_out++;
    vg_ip_output(s, VG_IPPROTO_ICMP, ip->dst, ip->src, out, n, now);
}
