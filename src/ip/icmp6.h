/* ICMPv6 (RFC 4443): echo replies and errors sent (at most cfg.icmp_rate_limit ICMP messages a
 * second, both families together), errors received handed to TCP. */
#ifndef VG_IP_ICMP6_H
#define VG_IP_ICMP6_H

#include "stack/stack.h"
#include "wire/ipv6.h"

void vg_icmp6_input(vg_stack *s, const struct vg_ipv6_hdr *ip, const struct vg_ip_pkt *p,
                    const uint8_t *msg, size_t len, vg_time now);
/* A Parameter Problem (code, pointer: RFC 4443 §3.4) about the len octets of pkt, to its source. */
void vg_icmp6_param_problem(vg_stack *s, const uint8_t *pkt, size_t len, uint8_t code,
                            uint32_t pointer, vg_time now);

#endif
