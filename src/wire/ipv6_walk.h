/* The extension-header walk behind vg_ipv6_parse and vg_icmp6_quote_parse (wire/ipv6.c). */
#ifndef VG_WIRE_IPV6_WALK_H
#define VG_WIRE_IPV6_WALK_H

#include "wire/ipv6.h"

struct vg_ipv6_walk {
    const uint8_t *pkt;
    size_t end;          /* octets of pkt that may be read: payload_len's end, or a quote's */
    size_t off;          /* the header being walked (the upper layer's once done) */
    size_t nh_off;       /* the Next Header octet that named it */
    uint8_t next;        /* its type */
    uint8_t n_ext;
    /* A quote is of a packet vigil sent: its headers are stepped over, not judged (options,
     * routing types and the hop-by-hop position are the receiver's business), and a first
     * fragment counts as holding the transport header. */
    int quote;
    uint8_t pp_code;     /* VG_WIRE_BAD_EXT: as in struct vg_ipv6_hdr */
    uint32_t pp_pointer;
};

/* Starts at the fixed header's Next Header; pkt must hold 40 octets and end must be >= 40. */
void vg_ipv6_walk_init(struct vg_ipv6_walk *w, const uint8_t *pkt, size_t end, int quote);
/* Walks to the first header that is not an extension header. VG_WIRE_SHORT: a header runs past
 * end (w->off and w->next are the one that does); otherwise vg_ipv6_parse's errors. */
enum vg_wire_err vg_ipv6_walk(struct vg_ipv6_walk *w);

#endif
