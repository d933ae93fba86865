/* SYN cookies (RFC 4987 §3.6), encoded as Linux does (net/ipv4/syncookies.c): the ISN of the
 * SYN-ACK is
 *     H0(4-tuple) + peer ISN + (minute << 24) + ((H1(4-tuple, minute) + mss index) mod 2^24)
 * with H0, H1 a keyed PRF (SipHash-2-4) and the minute counter taken from the stack's clock.
 * The returning ACK proves the peer received our SYN-ACK: its ACK - 1 is validated (age at
 * most 2 minutes, hash matches) and the MSS recovered from the index. Linux, when the SYN
 * carried timestamps, also encodes window scale, SACK and ECN in the low bits of the SYN-ACK's
 * TSval; vigil does not: a cookie's SYN-ACK carries no timestamps (so the connection has none,
 * RFC 7323 §3.2), no window scaling and no SACK (as Linux for a SYN without timestamps). Cookies
 * are for a listener under a SYN flood; the SYN cache, which remembers every option, serves the
 * rest. */
#ifndef VG_SYNCOOKIE_H
#define VG_SYNCOOKIE_H

#include "stack/stack.h"

/* The cookie for a SYN with sequence number irs; *mss receives the MSS the cookie encodes
 * (the largest table value not above peer_mss, 0 meaning the SYN carried no MSS option). */
uint32_t syncookie_make(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                        uint16_t rport, uint32_t irs, uint16_t peer_mss, vg_time now,
                        uint16_t *mss);
/* Validates cookie (SEG.ACK - 1) of an ACK whose SEG.SEQ - 1 is irs: 0 and the MSS in *mss,
 * or -1 when forged or older than two minute counters. */
int syncookie_check(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
                    uint32_t irs, uint32_t cookie, vg_time now, uint16_t *mss);

#endif
