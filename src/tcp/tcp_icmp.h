/* What ICMP errors do to TCP: Path MTU Discovery (RFC 1191), black-hole detection when ICMP
 * never arrives (RFC 4821 style), and soft errors (RFC 1122 §4.2.3.9, RFC 5461). */
#ifndef VG_TCP_ICMP_H
#define VG_TCP_ICMP_H

#include "tcp/tcb.h"

/* tcp_icmp.c. An ICMP or ICMPv6 error quoting q (our segment), as the IP layer read it: err
 * VG_ICMP_TOO_BIG (frag-needed, Packet Too Big) with the next-hop mtu, or the error a connect
 * that then times out reports (0 for none). Returns 1 when it matched a live connection's
 * unacknowledged sequence space (RFC 5927 §4.1) and was acted on, 0 when it is ignored. */
#define VG_ICMP_TOO_BIG (-1)
int vg_tcp_icmp_error(vg_stack *s, const struct vg_ip_quote *q, int err, uint16_t mtu,
                      vg_time now);
/* The error a connection that timed out reports: the ICMP reason recorded while it was in
 * SYN_SENT, else VG_ERR_TIMEDOUT. */
int tcp_icmp_timeout_error(const vg_tcb *t);

/* tcp_mtu.c. Frag-needed for t: lowers the MSS to fit mtu (0: the RFC 1191 plateau below the
 * quoted datagram's quoted_len) and resends the unacknowledged data at once. 0 if ignored. */
int tcp_pmtu_frag_needed(vg_tcb *t, uint16_t mtu, uint16_t quoted_len, vg_time now);
/* From rtx_timeout, after it counted the timeout and before it resends: on the 2nd and later
 * consecutive timeouts of a full-sized segment, a smaller MSS (cfg.base_mss, then halving). */
void tcp_mtu_blackhole_on_rto(vg_tcb *t);

#endif
