/* IPv4 Identification for datagrams that may be fragmented (RFC 6864). */
#ifndef VG_IP_ID_H
#define VG_IP_ID_H

#include "stack/stack.h"

/* The ID for a datagram without DF. Atomic datagrams (DF set, vigil never fragments) carry 0
 * and never call this. The counter is one of 256 chosen by a keyed hash of (src, dst, proto),
 * offset by the same hash, so a host watching its own IDs learns nothing about how many
 * datagrams vigil sends anyone else: no idle-scan zombie (the one global counter was). */
uint16_t vg_ip_id_next(vg_stack *s, uint32_t src, uint32_t dst, uint8_t proto);

#endif
