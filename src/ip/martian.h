/* Datagrams and segments that no legitimate peer sends (RFC 1122 §3.2.1.3, §4.2.2.x; RFC 1812
 * §5.3.7): dropped before any protocol sees them, so nothing is ever answered to a forged
 * broadcast, multicast, unspecified, loopback or self source. */
#ifndef VG_MARTIAN_H
#define VG_MARTIAN_H

#include "stack/stack.h"

/* 1 when ip must be dropped (counted in ip_martians). */
int vg_ip_martian(vg_stack *s, const struct vg_ipv4_hdr *ip);
/* 1 when a TCP segment's flags are impossible (SYN with FIN or with RST; counted in
 * tcp_bad_flags): such segments are scans or attacks, and answering them fingerprints us. */
int vg_tcp_flags_martian(vg_stack *s, const uint8_t *seg, size_t len);

#endif
