/* IPv6 output: the fixed header in front of the transport segment, no extension headers
 * (vigil sends no fragments: RFC 8200 §5 leaves that to the source, and the MSS follows the
 * path MTU instead). */
#include "ip/ip_out.h"
#include "wire/ipv6.h"

void ip6_output(vg_stack *s, uint32_t src, uint32_t dst, uint8_t proto, size_t len,
                int csum_partial, uint16_t csum_offset, uint16_t gso_size, vg_time now)
{
    uint8_t *buf = vg_ip_l4(s) - VG_IPV6_HDR_LEN;
    struct vg_ipv6_hdr ip = {.next = proto, .hop_limit = 64};
    memcpy(ip.src, vg_addr6_bytes(s, src), 16);
    memcpy(ip.dst, vg_addr6_bytes(s, dst), 16);
    vg_ipv6_hdr_put(buf, &ip, (uint16_t)len);
    ip_frame_out(s, buf, VG_IPV6_HDR_LEN, len, proto, csum_partial, csum_offset, gso_size, now);
}
