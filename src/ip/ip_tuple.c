/* A packet's TCP 4-tuple for the lookup hints (vg_stack_prefetch_input), read the cheap way:
 * the fixed headers only, nothing verified. */
#include "stack/stack.h"

int vg_ip_tcp_tuple(const vg_stack *s, const uint8_t *pkt, size_t len, uint32_t *laddr,
                    uint32_t *raddr, uint16_t *lport, uint16_t *rport)
{
    size_t l4;
    if (len >= 40 && pkt[0] >> 4 == 6) {
        /* Extension headers in front of TCP are rare enough to go unhinted. */
        if (pkt[6] != VG_IPPROTO_TCP || len < 44)
            return 0;
        *raddr = vg_addr6_find(s, pkt + 8);
        *laddr = vg_addr6_find(s, pkt + 24);
        if (!*raddr || !*laddr)
            return 0;
        l4 = 40;
    } else {
        if (len < 20 || pkt[0] >> 4 != 4 || pkt[9] != VG_IPPROTO_TCP)
            return 0;
        l4 = (size_t)(pkt[0] & 15u) * 4u;
        if (l4 < 20 || len < l4 + 4)
            return 0;
        *raddr = vg_get32(pkt + 12);
        *laddr = vg_get32(pkt + 16);
    }
    *rport = vg_get16(pkt + l4);
    *lport = vg_get16(pkt + l4 + 2);
    return 1;
}
