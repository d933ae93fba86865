/* IPv6 (RFC 8200) and ICMPv6 (RFC 4443) codecs: pure, no state, lengths checked before every
 * read. Addresses are 16 octets in network order; other multi-byte fields are host order. */
#ifndef VG_WIRE_IPV6_H
#define VG_WIRE_IPV6_H

#include "wire/wire.h"

#define VG_IPV6_HDR_LEN 40
#define VG_IPPROTO_HOPOPTS 0
#define VG_IPPROTO_ROUTING 43
#define VG_IPPROTO_FRAGMENT 44
#define VG_IPPROTO_ICMPV6 58
#define VG_IPPROTO_NONE 59
#define VG_IPPROTO_DSTOPTS 60

/* Bounds of the extension-header walk: a chain longer than this, or a hop-by-hop or
 * destination options header with more options than this (padding included), is refused
 * rather than walked, so a crafted packet costs a bounded amount of work. */
#define VG_IPV6_MAX_EXT 8
#define VG_IPV6_MAX_OPTS 64

struct vg_ipv6_hdr {
    uint8_t tclass;
    uint32_t flow;            /* 20 bits */
    uint16_t payload_len;     /* as on the wire: octets after the fixed header */
    uint8_t next;             /* the fixed header's Next Header */
    uint8_t hop_limit;
    uint8_t src[16], dst[16];
    /* Filled by vg_ipv6_parse: */
    uint8_t proto;            /* the upper-layer protocol after the extension headers */
    uint8_t n_ext;            /* extension headers walked */
    uint16_t l4_off;          /* octets from the packet's start to the upper-layer header */
    /* VG_WIRE_BAD_EXT: what an ICMPv6 Parameter Problem (RFC 4443 §3.4) would say: code 0
     * erroneous header field, 1 unrecognised Next Header, 2 unrecognised option; pointer is the
     * offset of the offending octet from the packet's start.
     * A chain or an options header past the limits above, and a header or option that runs
     * past the payload, are code 0, pointing at the Next Header octet naming the header one too
     * many, the option one too many, or the length octet that claims too much. For code 2, the
     * option type's two high bits (pkt[pp_pointer] >> 6) say whether to send the message at
     * all (RFC 8200 §4.2): 01 never, 11 only when the destination was not multicast. */
    uint8_t pp_code;
    uint32_t pp_pointer;
};

/* Parses the fixed header and walks hop-by-hop, destination options, routing and fragment
 * headers to the upper layer. payload/plen: the upper-layer data, bounded by payload_len (link
 * padding after it dropped). Errors: VG_WIRE_SHORT (buffer shorter than 40 octets or than
 * payload_len says), VG_WIRE_BAD_VERSION, VG_WIRE_BAD_LEN (payload_len 0: jumbograms are not
 * taken), VG_WIRE_BAD_EXT (a header running past the payload, a chain longer than
 * VG_IPV6_MAX_EXT, hop-by-hop anywhere but first, more than VG_IPV6_MAX_OPTS options, an option
 * running past its header, an unknown option whose type says discard (RFC 8200 §4.2), a
 * routing header of type 0 (RFC 5095) or another unknown type with segments left),
 * VG_WIRE_FRAGMENT (a fragment header that is not an atomic fragment: vigil does not
 * reassemble; an atomic one, offset 0 and M clear, is walked past as RFC 6946 says). */
enum vg_wire_err vg_ipv6_parse(const uint8_t *pkt, size_t len, struct vg_ipv6_hdr *h,
                               const uint8_t **payload, size_t *plen);

/* Writes the 40-octet fixed header: tclass, flow, next, hop_limit, src, dst from h and the
 * payload length given (the rest of h is not read). */
void vg_ipv6_hdr_put(uint8_t *b, const struct vg_ipv6_hdr *h, uint16_t payload_len);

/* The sum of the two addresses' 16-bit words as a host-order accumulator: with the protocol
 * and the upper-layer length added (vg_pseudo_acc's way) it is the IPv6 pseudo-header's sum
 * (RFC 8200 §8.1). */
static inline uint64_t vg_ipv6_addr_acc(const uint8_t src[16], const uint8_t dst[16])
{
    uint64_t acc = 0;
    for (int i = 0; i < 16; i += 4)
        acc += (uint64_t)vg_get32(src + i) + vg_get32(dst + i);
    return acc;
}

/* The pseudo-header's sum for an upper-layer message of len octets of protocol proto from src
 * to dst (RFC 8200 §8.1), as a sum to chain vg_csum_add on. */
static inline uint32_t vg_ipv6_pseudo(const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                                      size_t len)
{
    return vg_csum_fold64(vg_ipv6_addr_acc(src, dst) + (uint32_t)len + proto);
}

/* ICMPv6 (RFC 4443). word is the 32 bits after the checksum: identifier << 16 | sequence for
 * echo, the MTU for Packet Too Big, the pointer for Parameter Problem, unused (0) otherwise. */
struct vg_icmp6_hdr {
    uint8_t type, code;
    uint16_t csum;
    uint32_t word;
};
#define VG_ICMP6_DEST_UNREACH 1
#define VG_ICMP6_PACKET_TOO_BIG 2
#define VG_ICMP6_TIME_EXCEEDED 3
#define VG_ICMP6_PARAM_PROBLEM 4
#define VG_ICMP6_ECHO_REQUEST 128
#define VG_ICMP6_ECHO_REPLY 129
#define VG_ICMP6_UNREACH_PORT 4   /* code of VG_ICMP6_DEST_UNREACH */
#define VG_ICMP6_MIN_MTU 1280     /* RFC 8200 §5: every link carries this */

/* Parses an ICMPv6 message carried from src to dst, verifying its checksum (the pseudo-header
 * included: RFC 4443 §2.3). data/dlen: what follows the 8-octet header. Errors: VG_WIRE_SHORT
 * (under 8 octets), VG_WIRE_BAD_LEN (over 65535: no jumbograms), VG_WIRE_BAD_CSUM. */
enum vg_wire_err vg_icmp6_parse(const uint8_t *msg, size_t len, const uint8_t src[16],
                                const uint8_t dst[16], struct vg_icmp6_hdr *h,
                                const uint8_t **data, size_t *dlen);
/* Writes header h (csum ignored) and data, then the checksum. Returns the message length, or 0
 * when cap is too small or the message would exceed 65535 octets. */
size_t vg_icmp6_write(uint8_t *buf, size_t cap, const struct vg_icmp6_hdr *h,
                      const uint8_t src[16], const uint8_t dst[16], const uint8_t *data,
                      size_t dlen);

/* What an ICMPv6 error quotes (RFC 4443 §2.4(c)): as much of the invoking packet as fits. This
 * reads its fixed header, walks its extension headers as far as the quote goes, and takes the
 * transport's ports and (TCP) sequence number. VG_WIRE_SHORT when the quote ends before them;
 * the quote's payload length may say more than was quoted. The quoted packet is one vigil sent,
 * so its options and routing header are stepped over unjudged; VG_WIRE_BAD_VERSION, and
 * VG_WIRE_BAD_EXT for a chain past VG_IPV6_MAX_EXT or VG_IPV6_MAX_OPTS or an option running past
 * its header; VG_WIRE_FRAGMENT for a quoted fragment other than the first (a first fragment
 * holds the transport header). For protocols other than TCP and UDP, sport and dport are the
 * first four octets after the extension headers and seq is 0. */
struct vg_icmp6_quote {
    uint8_t proto;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t seq;
};
enum vg_wire_err vg_icmp6_quote_parse(const uint8_t *data, size_t dlen, struct vg_icmp6_quote *q);

#endif
