/* Pure header codecs and checksums: no state, no allocation. Every parser checks lengths before
 * it reads, so a malformed packet is rejected with a reason instead of being read past its end.
 * Multi-byte fields in the structs are host byte order. */
#ifndef VG_WIRE_H
#define VG_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum vg_wire_err {
    VG_WIRE_OK = 0,
    VG_WIRE_SHORT,        /* buffer shorter than the header it claims */
    VG_WIRE_BAD_VERSION,  /* IPv4 version != 4 */
    VG_WIRE_BAD_IHL,      /* IHL < 5 or beyond the buffer */
    VG_WIRE_BAD_LEN,      /* total length inconsistent with the buffer or header */
    VG_WIRE_BAD_CSUM,
    VG_WIRE_FRAGMENT,     /* fragments are not reassembled */
    VG_WIRE_BAD_DOFF,     /* TCP data offset < 5 or beyond the segment */
    VG_WIRE_BAD_OPT,      /* TCP option length runs past the header */
    VG_WIRE_BAD_EXT,      /* IPv6 extension header chain refused (wire/ipv6.h) */
};
const char *vg_wire_err_name(enum vg_wire_err e);

#define VG_IPPROTO_ICMP 1
#define VG_IPPROTO_TCP 6
#define VG_IPPROTO_UDP 17

#define VG_IPV4_HDR_LEN 20
#define VG_TCP_HDR_LEN 20
#define VG_TCP_MAX_OPT_LEN 40
#define VG_UDP_HDR_LEN 8

struct vg_ipv4_hdr {
    uint8_t hdr_len;      /* bytes (IHL * 4) */
    uint8_t tos;
    uint16_t total_len;
    uint16_t id;
    uint16_t frag;        /* flags and fragment offset as on the wire (DF = 0x4000) */
    uint8_t ttl;
    uint8_t proto;
    uint16_t csum;
    uint32_t src, dst;
};

/* Parses and verifies an IPv4 header (checksum included). On success *payload and *plen describe
 * the payload (bounded by total_len, trailing link padding dropped). */
enum vg_wire_err vg_ipv4_parse(const uint8_t *pkt, size_t len, struct vg_ipv4_hdr *h,
                               const uint8_t **payload, size_t *plen);
/* Writes a 20-byte header (no options) for a payload of payload_len bytes; computes the
 * checksum; total_len, hdr_len are derived. Returns 20, or 0 if cap < 20 or the datagram would
 * exceed 65535 bytes. */
size_t vg_ipv4_write(uint8_t *buf, size_t cap, const struct vg_ipv4_hdr *h, size_t payload_len);

#define VG_TCP_FIN 0x01
#define VG_TCP_SYN 0x02
#define VG_TCP_RST 0x04
#define VG_TCP_PSH 0x08
#define VG_TCP_ACK 0x10
#define VG_TCP_URG 0x20
#define VG_TCP_ECE 0x40
#define VG_TCP_CWR 0x80

/* SACK blocks one option holds (RFC 2018 §3: 40 octets of option space fit 4). */
#define VG_TCP_SACK_MAX 4
struct vg_sack_block { uint32_t start, end; };   /* [start, end) in sequence space */

struct vg_tcp_opts {
    uint8_t has_mss, has_wscale, sack_permitted, has_ts;
    uint16_t mss;
    uint8_t wscale;
    uint8_t nsack;        /* SACK blocks in sack[] (RFC 2018), as they came or go on the wire */
    uint32_t ts_val, ts_ecr;
    uint8_t sack_bad;     /* parsed: a SACK option of an impossible length (skipped) */
    struct vg_sack_block sack[VG_TCP_SACK_MAX];
};

struct vg_tcp_hdr {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t hdr_len;      /* bytes (data offset * 4) */
    uint8_t flags;
    uint16_t wnd;
    uint16_t csum;
    uint16_t urp;
    struct vg_tcp_opts opt;
};

/* Parses a TCP segment carried between src and dst (host order) and verifies its checksum with
 * the pseudo-header. NOP/EOL and the options above are understood; unknown options are skipped
 * by their length; an option whose length is < 2 or runs past the header is VG_WIRE_BAD_OPT. */
enum vg_wire_err vg_tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                              struct vg_tcp_hdr *h, const uint8_t **data, size_t *dlen);
/* vg_tcp_parse, with the checksum left unverified when csum_valid (the link vouched for it). */
enum vg_wire_err vg_tcp_parse_ex(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                                 int csum_valid, struct vg_tcp_hdr *h, const uint8_t **data,
                                 size_t *dlen);
/* Writes the header and the options flagged in h->opt (as vg_tcp_write) with a zero checksum
 * field; buf needs 60 octets. Returns the header length. */
size_t vg_tcp_hdr_write(uint8_t *buf, const struct vg_tcp_hdr *h);
/* Writes header, the options flagged in h->opt (MSS, window scale, SACK-permitted, timestamps,
 * NOP-padded to 4 bytes) and the data, then the checksum. hdr_len and csum in h are ignored.
 * Returns the segment length, or 0 if cap is too small. */
size_t vg_tcp_write(uint8_t *buf, size_t cap, const struct vg_tcp_hdr *h, uint32_t src,
                    uint32_t dst, const uint8_t *data, size_t dlen);
/* Length of the options vg_tcp_write would emit for o. */
size_t vg_tcp_opts_len(const struct vg_tcp_opts *o);

struct vg_udp_hdr {
    uint16_t sport, dport, len, csum;
};
enum vg_wire_err vg_udp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                              struct vg_udp_hdr *h, const uint8_t **data, size_t *dlen);
/* vg_udp_parse, with the checksum left unverified when csum_valid (the link vouched for it). */
enum vg_wire_err vg_udp_parse_ex(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                                 int csum_valid, struct vg_udp_hdr *h, const uint8_t **data,
                                 size_t *dlen);
/* vg_udp_parse_ex with the pseudo-header's addresses as their sum (vg_csum_l4_ok_hdr20_acc);
 * csum_required: a zero checksum (none computed) is VG_WIRE_BAD_CSUM, as over IPv6. */
enum vg_wire_err vg_udp_parse_acc(const uint8_t *seg, size_t len, uint64_t addr_acc,
                                  int csum_valid, int csum_required, struct vg_udp_hdr *h,
                                  const uint8_t **data, size_t *dlen);
size_t vg_udp_write(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport, uint32_t src,
                    uint32_t dst, const uint8_t *data, size_t dlen);

/* ICMP echo: type 8 request, 0 reply. */
struct vg_icmp_hdr {
    uint8_t type, code;
    uint16_t csum, id, seq;   /* in a frag-needed error, seq is the next-hop MTU (RFC 1191) */
};
#define VG_ICMP_ECHO_REPLY 0
#define VG_ICMP_DEST_UNREACH 3
#define VG_ICMP_SOURCE_QUENCH 4
#define VG_ICMP_ECHO 8
#define VG_ICMP_TIME_EXCEEDED 11
#define VG_ICMP_PARAM_PROBLEM 12
#define VG_ICMP_FRAG_NEEDED 4     /* code of VG_ICMP_DEST_UNREACH */

/* What an ICMP error quotes of the datagram that caused it (RFC 792): its IPv4 header and the
 * first 8 octets of its payload, which for TCP hold the ports and the sequence number. */
struct vg_icmp_quote {
    uint8_t proto;
    uint16_t total_len;       /* the quoted datagram's length as it was sent */
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq;             /* TCP only */
};
/* Parses the data of an ICMP error. The quoted header's checksum is not checked (routers quote
 * what they received); a quote shorter than its header plus 8 octets is VG_WIRE_SHORT, and a
 * quoted non-first fragment (whose 8 octets are not a transport header) VG_WIRE_FRAGMENT. */
enum vg_wire_err vg_icmp_quote_parse(const uint8_t *data, size_t dlen, struct vg_icmp_quote *q);
enum vg_wire_err vg_icmp_parse(const uint8_t *msg, size_t len, struct vg_icmp_hdr *h,
                               const uint8_t **data, size_t *dlen);
size_t vg_icmp_write(uint8_t *buf, size_t cap, const struct vg_icmp_hdr *h, const uint8_t *data,
                     size_t dlen);

#include "wire/checksum.h"   /* RFC 1071 sums: vg_csum_add, vg_csum_copy, vg_csum_fold, ... */

static inline uint16_t vg_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t vg_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void vg_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void vg_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#endif
