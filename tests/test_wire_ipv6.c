/* IPv6 and ICMPv6 codecs: the fixed header's round trip, the extension-header walk through every
 * kind of header and each refusal with what its Parameter Problem would say, the ICMPv6 checksum
 * against an independent sum, ICMPv6 round trips, quotes, and every truncation of a packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/csum_ref.h"
#include "wire/ipv6.h"

/* 2001:db8::1 and 2001:db8::2 (RFC 3849). */
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* A packet being built: each header added is named by the Next Header octet of the one before. */
struct pkt {
    uint8_t b[4096];
    size_t len;
    size_t nh;   /* the Next Header octet the next header added goes in */
};

static void pkt_start(struct pkt *p)
{
    struct vg_ipv6_hdr h = {.tclass = 0, .flow = 0, .next = 0, .hop_limit = 64};
    memcpy(h.src, SRC6, 16);
    memcpy(h.dst, DST6, 16);
    memset(p->b, 0, sizeof p->b);
    vg_ipv6_hdr_put(p->b, &h, 0);
    p->len = VG_IPV6_HDR_LEN;
    p->nh = 6;
}

/* hdr: the whole header, its first octet (Next Header) filled in by whatever comes next. */
static size_t pkt_add(struct pkt *p, uint8_t type, const uint8_t *hdr, size_t n)
{
    size_t off = p->len;
    p->b[p->nh] = type;
    memcpy(p->b + off, hdr, n);
    p->nh = off;
    p->len += n;
    return off;
}

/* An options header (hop-by-hop or destination) around opts, PadN-padded to a multiple of 8. */
static size_t pkt_add_opts(struct pkt *p, uint8_t type, const uint8_t *opts, size_t n)
{
    uint8_t hdr[2048] = {0};
    size_t total = (2 + n + 7) / 8 * 8;
    hdr[1] = (uint8_t)(total / 8 - 1);
    if (n)
        memcpy(hdr + 2, opts, n);
    size_t pad = total - 2 - n;
    if (pad == 1) {
        hdr[2 + n] = 0;   /* Pad1 */
    } else if (pad > 1) {
        hdr[2 + n] = 1;   /* PadN */
        hdr[3 + n] = (uint8_t)(pad - 2);
    }
    return pkt_add(p, type, hdr, total);
}

static size_t pkt_add_routing(struct pkt *p, uint8_t rtype, uint8_t segleft)
{
    const uint8_t hdr[24] = {0, 2, rtype, segleft};   /* room for one address */
    return pkt_add(p, VG_IPPROTO_ROUTING, hdr, sizeof hdr);
}

static size_t pkt_add_frag(struct pkt *p, uint16_t offset, int more)
{
    uint8_t hdr[8] = {0};
    vg_put16(hdr + 2, (uint16_t)(offset << 3 | (more ? 1 : 0)));
    vg_put32(hdr + 4, 0x12345678);
    return pkt_add(p, VG_IPPROTO_FRAGMENT, hdr, sizeof hdr);
}

/* A 20-octet TCP header 40000 -> 80, seq 1000 (its checksum is not the IPv6 walk's business),
 * then data; sets payload_len. Returns the TCP header's offset. */
static size_t pkt_finish_tcp(struct pkt *p, const char *data)
{
    size_t off = p->len, dlen = data ? strlen(data) : 0;
    p->b[p->nh] = VG_IPPROTO_TCP;
    uint8_t *t = p->b + off;
    memset(t, 0, VG_TCP_HDR_LEN);
    vg_put16(t, 40000);
    vg_put16(t + 2, 80);
    vg_put32(t + 4, 1000);
    t[12] = 5 << 4;
    t[13] = VG_TCP_ACK;
    memcpy(t + VG_TCP_HDR_LEN, data ? data : "", dlen);
    p->len += VG_TCP_HDR_LEN + dlen;
    vg_put16(p->b + 4, (uint16_t)(p->len - VG_IPV6_HDR_LEN));
    return off;
}

static enum vg_wire_err parse(const struct pkt *p, struct vg_ipv6_hdr *h)
{
    const uint8_t *pl;
    size_t plen;
    return vg_ipv6_parse(p->b, p->len, h, &pl, &plen);
}

/* The walk reaches TCP at tcp_off with n_ext headers behind, and describes exactly the rest. */
static void assert_walked_to_tcp(const struct pkt *p, size_t tcp_off, unsigned n_ext)
{
    struct vg_ipv6_hdr h;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv6_parse(p->b, p->len, &h, &pl, &plen), VG_WIRE_OK);
    assert_int_equal(h.proto, VG_IPPROTO_TCP);
    assert_int_equal(h.n_ext, n_ext);
    assert_int_equal(h.l4_off, tcp_off);
    assert_ptr_equal(pl, p->b + tcp_off);
    assert_int_equal(plen, p->len - tcp_off);
    assert_int_equal(vg_get16(pl + 2), 80);
}

static void assert_refused(const struct pkt *p, enum vg_wire_err want, uint8_t code,
                           size_t pointer)
{
    struct vg_ipv6_hdr h;
    assert_int_equal(parse(p, &h), want);
    if (want == VG_WIRE_BAD_EXT) {
        assert_int_equal(h.pp_code, code);
        assert_int_equal(h.pp_pointer, pointer);
        assert_true(pointer < p->len);
    }
}

static void fixed_header_round_trips(void **state)
{
    (void)state;
    struct vg_ipv6_hdr in = {.tclass = 0xab, .flow = 0x12345, .next = VG_IPPROTO_TCP,
                             .hop_limit = 255};
    memcpy(in.src, SRC6, 16);
    memcpy(in.dst, DST6, 16);
    uint8_t b[VG_IPV6_HDR_LEN + VG_TCP_HDR_LEN] = {0};
    vg_ipv6_hdr_put(b, &in, VG_TCP_HDR_LEN);
    /* Version 6, traffic class ab, flow label 12345, as RFC 8200 §3 lays them out. */
    const uint8_t first[8] = {0x6a, 0xb1, 0x23, 0x45, 0x00, 0x14, 0x06, 0xff};
    assert_memory_equal(b, first, sizeof first);
    assert_memory_equal(b + 8, SRC6, 16);
    assert_memory_equal(b + 24, DST6, 16);

    struct vg_ipv6_hdr h;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv6_parse(b, sizeof b, &h, &pl, &plen), VG_WIRE_OK);
    assert_int_equal(h.tclass, 0xab);
    assert_int_equal(h.flow, 0x12345);
    assert_int_equal(h.payload_len, VG_TCP_HDR_LEN);
    assert_int_equal(h.next, VG_IPPROTO_TCP);
    assert_int_equal(h.proto, VG_IPPROTO_TCP);
    assert_int_equal(h.hop_limit, 255);
    assert_int_equal(h.n_ext, 0);
    assert_int_equal(h.l4_off, VG_IPV6_HDR_LEN);
    assert_memory_equal(h.src, SRC6, 16);
    assert_memory_equal(h.dst, DST6, 16);
    assert_ptr_equal(pl, b + VG_IPV6_HDR_LEN);
    assert_int_equal(plen, VG_TCP_HDR_LEN);

    /* A flow label wider than 20 bits does not reach the version or traffic class. */
    in.flow = 0xfffffffu;
    vg_ipv6_hdr_put(b, &in, VG_TCP_HDR_LEN);
    assert_int_equal(vg_get32(b), 0x6abfffffu);
}

static void every_extension_header_kind_is_walked_to_tcp(void **state)
{
    (void)state;
    /* Router Alert (RFC 2711) and an unknown skip-type option: walked past. */
    const uint8_t hbh_opts[] = {0x05, 2, 0, 0, 0x1e, 3, 1, 2, 3};
    const uint8_t dst_opts[] = {0, 0, 0, 0x01, 1, 0, 0x3f, 0};
    struct pkt p;
    pkt_start(&p);
    pkt_add_opts(&p, VG_IPPROTO_HOPOPTS, hbh_opts, sizeof hbh_opts);
    pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, dst_opts, sizeof dst_opts);
    pkt_add_routing(&p, 4, 0);   /* Segment Routing, nothing left to visit */
    pkt_add_frag(&p, 0, 0);
    pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    size_t tcp = pkt_finish_tcp(&p, "hello");
    assert_walked_to_tcp(&p, tcp, 5);

    /* And each kind alone. */
    const uint8_t kinds[] = {VG_IPPROTO_HOPOPTS, VG_IPPROTO_DSTOPTS, VG_IPPROTO_ROUTING,
                             VG_IPPROTO_FRAGMENT};
    for (size_t i = 0; i < sizeof kinds; i++) {
        pkt_start(&p);
        if (kinds[i] == VG_IPPROTO_ROUTING)
            pkt_add_routing(&p, 2, 0);
        else if (kinds[i] == VG_IPPROTO_FRAGMENT)
            pkt_add_frag(&p, 0, 0);
        else
            pkt_add_opts(&p, kinds[i], dst_opts, sizeof dst_opts);
        tcp = pkt_finish_tcp(&p, NULL);
        assert_walked_to_tcp(&p, tcp, 1);
    }
}

static void chain_of_eight_is_walked_and_nine_refused(void **state)
{
    (void)state;
    struct pkt p;
    pkt_start(&p);
    size_t last = 0;
    for (int i = 0; i < VG_IPV6_MAX_EXT; i++)
        last = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    size_t tcp = pkt_finish_tcp(&p, NULL);
    assert_walked_to_tcp(&p, tcp, VG_IPV6_MAX_EXT);

    pkt_start(&p);
    for (int i = 0; i < VG_IPV6_MAX_EXT + 1; i++)
        last = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    pkt_finish_tcp(&p, NULL);
    /* The eighth header's Next Header names the ninth. */
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, last - 8);
}

static void too_many_options_in_one_header_are_refused(void **state)
{
    (void)state;
    uint8_t pad1[100] = {0};
    struct pkt p;
    pkt_start(&p);
    size_t off = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, pad1, sizeof pad1);
    pkt_finish_tcp(&p, NULL);
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, off + 2 + VG_IPV6_MAX_OPTS);

    /* As many as the limit, padding included, are walked. */
    pkt_start(&p);
    pkt_add_opts(&p, VG_IPPROTO_HOPOPTS, pad1, VG_IPV6_MAX_OPTS - 1);   /* and one PadN */
    size_t tcp = pkt_finish_tcp(&p, NULL);
    assert_walked_to_tcp(&p, tcp, 1);
}

static void header_running_past_the_packet_is_refused(void **state)
{
    (void)state;
    struct pkt p;
    pkt_start(&p);
    size_t off = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    pkt_finish_tcp(&p, NULL);
    p.b[off + 1] = 3;   /* 32 octets: past the 28 there are */
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, off + 1);

    /* A fragment header cut short by payload_len. */
    pkt_start(&p);
    off = pkt_add_frag(&p, 0, 0);
    p.b[off] = VG_IPPROTO_TCP;
    vg_put16(p.b + 4, 6);
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, off);

    /* A Next Header naming a header the payload has no room for at all. */
    pkt_start(&p);
    off = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    p.b[off] = VG_IPPROTO_ROUTING;
    vg_put16(p.b + 4, 8);
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, off);

    /* An option running past its header. */
    const uint8_t opts[] = {0x1e, 5, 0, 0};
    pkt_start(&p);
    off = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, opts, sizeof opts);
    pkt_finish_tcp(&p, NULL);
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, off + 3);
    /* An option type in the header's last octet, its length octet missing. */
    const uint8_t lone[] = {0, 0, 0, 0, 0, 0x1e};
    pkt_start(&p);
    off = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, lone, sizeof lone);
    pkt_finish_tcp(&p, NULL);
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, off + 7);
}

static void hop_by_hop_anywhere_but_first_is_refused(void **state)
{
    (void)state;
    struct pkt p;
    pkt_start(&p);
    size_t dst = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    pkt_add_opts(&p, VG_IPPROTO_HOPOPTS, NULL, 0);
    pkt_finish_tcp(&p, NULL);
    assert_refused(&p, VG_WIRE_BAD_EXT, 1, dst);
}

static void routing_type_0_and_unknown_types_with_segments_left_are_refused(void **state)
{
    (void)state;
    struct pkt p;
    for (uint8_t left = 0; left < 2; left++) {
        pkt_start(&p);
        size_t off = pkt_add_routing(&p, 0, left);
        pkt_finish_tcp(&p, NULL);
        assert_refused(&p, VG_WIRE_BAD_EXT, 0, off + 2);
    }
    pkt_start(&p);
    size_t off = pkt_add_routing(&p, 4, 1);
    pkt_finish_tcp(&p, NULL);
    assert_refused(&p, VG_WIRE_BAD_EXT, 0, off + 2);

    pkt_start(&p);
    pkt_add_routing(&p, 253, 0);   /* an experimental type, done with */
    size_t tcp = pkt_finish_tcp(&p, NULL);
    assert_walked_to_tcp(&p, tcp, 1);
}

static void unknown_options_whose_type_says_discard_are_refused(void **state)
{
    (void)state;
    const uint8_t types[] = {0x41, 0x81, 0xc1, 0x7f, 0xbf, 0xfe};
    for (size_t i = 0; i < sizeof types; i++) {
        for (int hbh = 0; hbh < 2; hbh++) {
            const uint8_t opts[] = {1, 0, types[i], 2, 0xaa, 0xbb};
            struct pkt p;
            pkt_start(&p);
            size_t off = pkt_add_opts(&p, hbh ? VG_IPPROTO_HOPOPTS : VG_IPPROTO_DSTOPTS, opts,
                                      sizeof opts);
            pkt_finish_tcp(&p, NULL);
            assert_refused(&p, VG_WIRE_BAD_EXT, 2, off + 4);
            assert_int_equal(p.b[off + 4] >> 6, types[i] >> 6);
        }
    }
}

static void fragments_are_refused_but_atomic_ones_walked(void **state)
{
    (void)state;
    const struct { uint16_t offset; int more; } frags[] = {{0, 1}, {1, 0}, {1, 1}, {8191, 0}};
    struct pkt p;
    for (size_t i = 0; i < sizeof frags / sizeof frags[0]; i++) {
        pkt_start(&p);
        pkt_add_frag(&p, frags[i].offset, frags[i].more);
        pkt_finish_tcp(&p, NULL);
        assert_refused(&p, VG_WIRE_FRAGMENT, 0, 0);
    }
    pkt_start(&p);
    pkt_add_frag(&p, 0, 0);
    size_t tcp = pkt_finish_tcp(&p, "atomic");
    assert_walked_to_tcp(&p, tcp, 1);
    /* The reserved bits are not the offset. */
    p.b[VG_IPV6_HDR_LEN + 1] = 0xff;
    p.b[VG_IPV6_HDR_LEN + 3] |= 0x06;
    assert_walked_to_tcp(&p, tcp, 1);
}

static void no_next_header_and_unknown_values_are_the_upper_layer(void **state)
{
    (void)state;
    const uint8_t protos[] = {VG_IPPROTO_NONE, VG_IPPROTO_ICMPV6, VG_IPPROTO_UDP, 135, 255};
    for (size_t i = 0; i < sizeof protos; i++) {
        struct pkt p;
        pkt_start(&p);
        size_t off = pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
        p.b[off] = protos[i];
        vg_put16(p.b + 4, 8 + 4);
        p.len += 4;
        struct vg_ipv6_hdr h;
        const uint8_t *pl;
        size_t plen;
        assert_int_equal(vg_ipv6_parse(p.b, p.len, &h, &pl, &plen), VG_WIRE_OK);
        assert_int_equal(h.proto, protos[i]);
        assert_int_equal(h.l4_off, VG_IPV6_HDR_LEN + 8);
        assert_int_equal(plen, 4);
    }
}

static void lengths_and_version_are_checked(void **state)
{
    (void)state;
    struct pkt p;
    pkt_start(&p);
    pkt_finish_tcp(&p, "data");
    struct vg_ipv6_hdr h;
    const uint8_t *pl;
    size_t plen;
    for (size_t len = 0; len < VG_IPV6_HDR_LEN; len++)
        assert_int_equal(vg_ipv6_parse(p.b, len, &h, &pl, &plen), VG_WIRE_SHORT);
    /* payload_len one more than the buffer holds. */
    assert_int_equal(vg_ipv6_parse(p.b, p.len - 1, &h, &pl, &plen), VG_WIRE_SHORT);
    vg_put16(p.b + 4, 0);
    assert_int_equal(vg_ipv6_parse(p.b, p.len, &h, &pl, &plen), VG_WIRE_BAD_LEN);
    vg_put16(p.b + 4, (uint16_t)(p.len - VG_IPV6_HDR_LEN));
    assert_int_equal(vg_ipv6_parse(p.b, p.len, &h, &pl, &plen), VG_WIRE_OK);
    p.b[0] = 0x45;
    assert_int_equal(vg_ipv6_parse(p.b, p.len, &h, &pl, &plen), VG_WIRE_BAD_VERSION);
}

static void trailing_link_padding_is_dropped(void **state)
{
    (void)state;
    struct pkt p;
    pkt_start(&p);
    pkt_add_frag(&p, 0, 0);
    size_t tcp = pkt_finish_tcp(&p, "x");
    memset(p.b + p.len, 0xee, 18);   /* an Ethernet frame padded to its minimum */
    struct vg_ipv6_hdr h;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv6_parse(p.b, p.len + 18, &h, &pl, &plen), VG_WIRE_OK);
    assert_ptr_equal(pl, p.b + tcp);
    assert_int_equal(plen, VG_TCP_HDR_LEN + 1);
}

/* ---- ICMPv6 ---- */

/* The pseudo-header (RFC 8200 §8.1) as its 40 octets lie, and the message after it, summed the
 * slow way: 0xffff when the message's checksum is right. */
static uint16_t ref_icmp6_sum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *msg,
                              size_t len)
{
    uint8_t ph[40] = {0};
    memcpy(ph, src, 16);
    memcpy(ph + 16, dst, 16);
    vg_put32(ph + 32, (uint32_t)len);
    ph[39] = VG_IPPROTO_ICMPV6;
    return ref_sum_acc(msg, len, ref_sum(ph, sizeof ph));
}

static size_t write_echo(uint8_t *buf, size_t cap, const char *data)
{
    struct vg_icmp6_hdr h = {.type = VG_ICMP6_ECHO_REQUEST, .code = 0,
                             .word = 0x1234u << 16 | 7};
    return vg_icmp6_write(buf, cap, &h, SRC6, DST6, (const uint8_t *)data, strlen(data));
}

static void icmp6_checksum_covers_every_bit_and_the_pseudo_header(void **state)
{
    (void)state;
    uint8_t m[64];
    size_t n = write_echo(m, sizeof m, "odd-length ping");
    assert_int_equal(n, 8 + 15);
    assert_int_equal(ref_icmp6_sum(SRC6, DST6, m, n), 0xffff);

    struct vg_icmp6_hdr h;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_icmp6_parse(m, n, SRC6, DST6, &h, &d, &dlen), VG_WIRE_OK);
    for (size_t bit = 0; bit < n * 8; bit++) {
        m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(vg_icmp6_parse(m, n, SRC6, DST6, &h, &d, &dlen), VG_WIRE_BAD_CSUM);
        m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (size_t bit = 0; bit < 128; bit++) {
        uint8_t src[16], dst[16];
        memcpy(src, SRC6, 16);
        memcpy(dst, DST6, 16);
        src[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(vg_icmp6_parse(m, n, src, DST6, &h, &d, &dlen), VG_WIRE_BAD_CSUM);
        dst[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(vg_icmp6_parse(m, n, SRC6, dst, &h, &d, &dlen), VG_WIRE_BAD_CSUM);
    }
    /* The length is in the pseudo-header too: a zero octet more sums the same otherwise. */
    m[n] = 0;
    assert_int_equal(vg_icmp6_parse(m, n + 1, SRC6, DST6, &h, &d, &dlen), VG_WIRE_BAD_CSUM);
    for (size_t len = 0; len < 8; len++)
        assert_int_equal(vg_icmp6_parse(m, len, SRC6, DST6, &h, &d, &dlen), VG_WIRE_SHORT);
}

static void assert_icmp6_round_trip(uint8_t type, uint8_t code, uint32_t word,
                                    const uint8_t *data, size_t dlen)
{
    uint8_t m[1500];
    struct vg_icmp6_hdr in = {.type = type, .code = code, .csum = 0xdead, .word = word}, h;
    size_t n = vg_icmp6_write(m, sizeof m, &in, SRC6, DST6, data, dlen);
    assert_int_equal(n, 8 + dlen);
    assert_int_equal(ref_icmp6_sum(SRC6, DST6, m, n), 0xffff);
    const uint8_t *d;
    size_t got;
    assert_int_equal(vg_icmp6_parse(m, n, SRC6, DST6, &h, &d, &got), VG_WIRE_OK);
    assert_int_equal(h.type, type);
    assert_int_equal(h.code, code);
    assert_int_equal(h.word, word);
    assert_int_equal(h.csum, vg_get16(m + 2));
    assert_ptr_equal(d, m + 8);
    assert_int_equal(got, dlen);
    if (dlen)
        assert_memory_equal(d, data, dlen);
}

static void icmp6_echo_ptb_and_param_problem_round_trip(void **state)
{
    (void)state;
    assert_icmp6_round_trip(VG_ICMP6_ECHO_REQUEST, 0, 0xbeefu << 16 | 1, (const uint8_t *)"ping",
                            4);
    assert_icmp6_round_trip(VG_ICMP6_ECHO_REPLY, 0, 0xbeefu << 16 | 1, NULL, 0);

    struct pkt p;
    pkt_start(&p);
    pkt_add_routing(&p, 0, 1);
    pkt_finish_tcp(&p, "quoted");
    assert_icmp6_round_trip(VG_ICMP6_PACKET_TOO_BIG, 0, VG_ICMP6_MIN_MTU, p.b, p.len);
    assert_icmp6_round_trip(VG_ICMP6_PARAM_PROBLEM, 0, VG_IPV6_HDR_LEN + 2, p.b, p.len);
    assert_icmp6_round_trip(VG_ICMP6_DEST_UNREACH, VG_ICMP6_UNREACH_PORT, 0, p.b, p.len);
}

static void icmp6_write_needs_room_and_at_most_65535_octets(void **state)
{
    (void)state;
    uint8_t m[16];
    assert_int_equal(write_echo(m, 7, ""), 0);
    assert_int_equal(write_echo(m, 8, ""), 8);
    assert_int_equal(write_echo(m, 11, "abcd"), 0);
    assert_int_equal(write_echo(m, 12, "abcd"), 12);

    uint8_t *big = calloc(1, 70000);
    assert_non_null(big);
    struct vg_icmp6_hdr h = {.type = VG_ICMP6_ECHO_REQUEST};
    assert_int_equal(vg_icmp6_write(big, 70000, &h, SRC6, DST6, big + 8, 0xffff - 8), 0xffff);
    assert_int_equal(ref_icmp6_sum(SRC6, DST6, big, 0xffff), 0xffff);
    const uint8_t *d;
    size_t dlen;
    struct vg_icmp6_hdr got;
    assert_int_equal(vg_icmp6_parse(big, 0xffff, SRC6, DST6, &got, &d, &dlen), VG_WIRE_OK);
    assert_int_equal(vg_icmp6_write(big, 70000, &h, SRC6, DST6, big + 8, 0xffff - 7), 0);
    assert_int_equal(vg_icmp6_parse(big, 0x10000, SRC6, DST6, &got, &d, &dlen), VG_WIRE_BAD_LEN);
    free(big);
}

static void assert_tcp_quote(const uint8_t *data, size_t dlen)
{
    struct vg_icmp6_quote q;
    assert_int_equal(vg_icmp6_quote_parse(data, dlen, &q), VG_WIRE_OK);
    assert_int_equal(q.proto, VG_IPPROTO_TCP);
    assert_memory_equal(q.src, SRC6, 16);
    assert_memory_equal(q.dst, DST6, 16);
    assert_int_equal(q.sport, 40000);
    assert_int_equal(q.dport, 80);
    assert_int_equal(q.seq, 1000);
}

/* Every quote shorter than tcp + 8 octets is SHORT; from there on the transport is found. */
static void assert_quote_prefixes(const struct pkt *p, size_t tcp)
{
    for (size_t len = 0; len <= p->len; len++) {
        uint8_t *cut = malloc(len ? len : 1);   /* exactly sized: ASan sees any over-read */
        assert_non_null(cut);
        memcpy(cut, p->b, len);
        struct vg_icmp6_quote q;
        if (len < tcp + 8)
            assert_int_equal(vg_icmp6_quote_parse(cut, len, &q), VG_WIRE_SHORT);
        else
            assert_tcp_quote(cut, len);
        free(cut);
    }
}

static void quote_of_tcp_with_and_without_extension_headers(void **state)
{
    (void)state;
    struct pkt p;
    pkt_start(&p);
    size_t tcp = pkt_finish_tcp(&p, "payload");
    assert_tcp_quote(p.b, p.len);
    assert_quote_prefixes(&p, tcp);

    /* The options a receiver might refuse are the quoted packet's, not the quote's concern; a
     * first fragment carries the transport header. */
    const uint8_t opts[] = {0xc1, 2, 0, 0};
    pkt_start(&p);
    pkt_add_opts(&p, VG_IPPROTO_HOPOPTS, opts, sizeof opts);
    pkt_add_routing(&p, 0, 1);
    pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    pkt_add_frag(&p, 0, 1);
    tcp = pkt_finish_tcp(&p, "payload");
    assert_tcp_quote(p.b, p.len);
    assert_quote_prefixes(&p, tcp);

    /* Quoted as far as the packet went: octets after payload_len are not its own. */
    vg_put16(p.b + 4, (uint16_t)(tcp + 7 - VG_IPV6_HDR_LEN));
    struct vg_icmp6_quote q;
    assert_int_equal(vg_icmp6_quote_parse(p.b, p.len, &q), VG_WIRE_SHORT);
}

static void quote_of_udp_and_refused_quotes(void **state)
{
    (void)state;
    struct pkt p;
    pkt_start(&p);
    p.b[6] = VG_IPPROTO_UDP;
    vg_put16(p.b + p.len, 5353);
    vg_put16(p.b + p.len + 2, 53);
    p.len += 4;   /* the ports are all a UDP quote needs */
    vg_put16(p.b + 4, 8);
    struct vg_icmp6_quote q;
    assert_int_equal(vg_icmp6_quote_parse(p.b, p.len, &q), VG_WIRE_OK);
    assert_int_equal(q.proto, VG_IPPROTO_UDP);
    assert_int_equal(q.sport, 5353);
    assert_int_equal(q.dport, 53);
    assert_int_equal(q.seq, 0);
    assert_int_equal(vg_icmp6_quote_parse(p.b, p.len - 1, &q), VG_WIRE_SHORT);

    pkt_start(&p);
    pkt_add_frag(&p, 185, 1);
    pkt_finish_tcp(&p, NULL);
    assert_int_equal(vg_icmp6_quote_parse(p.b, p.len, &q), VG_WIRE_FRAGMENT);

    pkt_start(&p);
    for (int i = 0; i < VG_IPV6_MAX_EXT + 1; i++)
        pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, NULL, 0);
    pkt_finish_tcp(&p, NULL);
    assert_int_equal(vg_icmp6_quote_parse(p.b, p.len, &q), VG_WIRE_BAD_EXT);

    pkt_start(&p);
    pkt_finish_tcp(&p, NULL);
    p.b[0] = 0x45;
    assert_int_equal(vg_icmp6_quote_parse(p.b, p.len, &q), VG_WIRE_BAD_VERSION);
}

/* ---- Truncation ---- */

static struct pkt full_chain(size_t *tcp)
{
    const uint8_t opts[] = {0x05, 2, 0, 0, 0x1e, 1, 9};
    struct pkt p;
    pkt_start(&p);
    pkt_add_opts(&p, VG_IPPROTO_HOPOPTS, opts, sizeof opts);
    pkt_add_opts(&p, VG_IPPROTO_DSTOPTS, opts, sizeof opts);
    pkt_add_routing(&p, 4, 0);
    pkt_add_frag(&p, 0, 0);
    *tcp = pkt_finish_tcp(&p, "truncate me");
    return p;
}

/* A result is either an error or a payload that lies inside both the buffer and payload_len. */
static void assert_clean(const uint8_t *b, size_t len, enum vg_wire_err e,
                         const struct vg_ipv6_hdr *h, const uint8_t *pl, size_t plen)
{
    if (e != VG_WIRE_OK)
        return;
    size_t end = VG_IPV6_HDR_LEN + (size_t)h->payload_len;
    assert_true(end <= len);
    assert_ptr_equal(pl, b + h->l4_off);
    assert_true(h->l4_off <= end);
    assert_int_equal(plen, end - h->l4_off);
}

static void every_prefix_parses_or_fails_cleanly(void **state)
{
    (void)state;
    size_t tcp;
    struct pkt p = full_chain(&tcp);
    for (size_t len = 0; len <= p.len; len++) {
        uint8_t *cut = malloc(len ? len : 1);   /* exactly sized: ASan sees any over-read */
        assert_non_null(cut);
        memcpy(cut, p.b, len);
        struct vg_ipv6_hdr h;
        const uint8_t *pl = NULL;
        size_t plen = 0;
        /* As cut, payload_len claims more than there is. */
        enum vg_wire_err e = vg_ipv6_parse(cut, len, &h, &pl, &plen);
        assert_int_equal(e, len == p.len ? VG_WIRE_OK : VG_WIRE_SHORT);
        assert_clean(cut, len, e, &h, pl, plen);
        /* With payload_len saying the truth, the walk itself meets the end. */
        if (len > VG_IPV6_HDR_LEN) {
            vg_put16(cut + 4, (uint16_t)(len - VG_IPV6_HDR_LEN));
            e = vg_ipv6_parse(cut, len, &h, &pl, &plen);
            assert_clean(cut, len, e, &h, pl, plen);
            assert_int_equal(e, len >= tcp ? VG_WIRE_OK : VG_WIRE_BAD_EXT);
            if (e == VG_WIRE_BAD_EXT)
                assert_true(h.pp_pointer < len);
        }
        free(cut);
    }
    assert_quote_prefixes(&p, tcp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_header_round_trips),
        cmocka_unit_test(every_extension_header_kind_is_walked_to_tcp),
        cmocka_unit_test(chain_of_eight_is_walked_and_nine_refused),
        cmocka_unit_test(too_many_options_in_one_header_are_refused),
        cmocka_unit_test(header_running_past_the_packet_is_refused),
        cmocka_unit_test(hop_by_hop_anywhere_but_first_is_refused),
        cmocka_unit_test(routing_type_0_and_unknown_types_with_segments_left_are_refused),
        cmocka_unit_test(unknown_options_whose_type_says_discard_are_refused),
        cmocka_unit_test(fragments_are_refused_but_atomic_ones_walked),
        cmocka_unit_test(no_next_header_and_unknown_values_are_the_upper_layer),
        cmocka_unit_test(lengths_and_version_are_checked),
        cmocka_unit_test(trailing_link_padding_is_dropped),
        cmocka_unit_test(icmp6_checksum_covers_every_bit_and_the_pseudo_header),
        cmocka_unit_test(icmp6_echo_ptb_and_param_problem_round_trip),
        cmocka_unit_test(icmp6_write_needs_room_and_at_most_65535_octets),
        cmocka_unit_test(quote_of_tcp_with_and_without_extension_headers),
        cmocka_unit_test(quote_of_udp_and_refused_quotes),
        cmocka_unit_test(every_prefix_parses_or_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
