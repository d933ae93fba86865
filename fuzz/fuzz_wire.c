/* libFuzzer target for the header codecs. The first input byte picks the parser and whether to
 * repair checksums first (otherwise nearly every input would stop at the checksum); the rest is
 * the packet. Bit 3 of it picks the IPv6 family (IPv6 packet, ICMPv6 message, ICMPv6 quote)
 * instead of the IPv4 one, so seeds written before IPv6 keep their meaning. Besides memory
 * safety (the sanitizers), it checks that every accepted packet describes data inside the input
 * and that writing back what was parsed parses to the same header. */
#include <stdlib.h>
#include <string.h>

#include "wire/ipv6.h"
#include "wire/wire.h"

#define SRC 0xc0000201u
#define DST 0xc6336402u
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
    do { \
        if (!(c)) \
            abort(); \
    } while (0)

static void check_inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t plen)
{
    CHECK(p >= buf && (size_t)(p - buf) <= len && plen <= len - (size_t)(p - buf));
}

static void repair(uint8_t *p, size_t len, size_t off, uint32_t pseudo)
{
    if (off + 2 > len)
        return;
    p[off] = p[off + 1] = 0;
    vg_put16(p + off, vg_csum_fold(vg_csum_add(pseudo, p, len)));
}

static void repair_l4(uint8_t *p, size_t len, uint8_t proto, uint32_t src, uint32_t dst)
{
    if (len > 0xffff)
        return;
    if (proto == VG_IPPROTO_TCP) {
        repair(p, len, 16, vg_csum_pseudo(src, dst, proto, (uint16_t)len));
    } else if (proto == VG_IPPROTO_UDP) {
        if (len >= VG_UDP_HDR_LEN && vg_get16(p + 4) <= len && vg_get16(p + 4) >= VG_UDP_HDR_LEN)
            repair(p, vg_get16(p + 4), 6, vg_csum_pseudo(src, dst, proto, vg_get16(p + 4)));
    } else {
        repair(p, len, 2, 0);
    }
}

static void tcp(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst)
{
    struct vg_tcp_hdr h, again;
    const uint8_t *d, *d2;
    size_t dlen, dlen2;
    if (vg_tcp_parse(seg, len, src, dst, &h, &d, &dlen) != VG_WIRE_OK)
        return;
    check_inside(seg, len, d, dlen);
    CHECK(h.hdr_len >= VG_TCP_HDR_LEN && h.hdr_len % 4 == 0 && d == seg + h.hdr_len);
    size_t cap = VG_TCP_HDR_LEN + vg_tcp_opts_len(&h.opt) + dlen;
    uint8_t *out = malloc(cap);
    CHECK(out);
    size_t n = vg_tcp_write(out, cap, &h, src, dst, dlen ? d : NULL, dlen);
    if (n == 0) {
        /* Only a segment too long once its options are re-encoded may be refused. */
        CHECK(cap > 0xffff);
    } else {
        CHECK(n == cap);
        CHECK(vg_tcp_parse(out, n, src, dst, &again, &d2, &dlen2) == VG_WIRE_OK);
        CHECK(again.sport == h.sport && again.dport == h.dport && again.seq == h.seq &&
              again.ack == h.ack && again.flags == h.flags && again.wnd == h.wnd &&
              again.urp == h.urp);
        const struct vg_tcp_opts *a = &again.opt, *b = &h.opt;
        CHECK(a->has_mss == b->has_mss && a->mss == b->mss && a->has_wscale == b->has_wscale &&
              a->wscale == b->wscale && a->sack_permitted == b->sack_permitted &&
              a->has_ts == b->has_ts && a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr);
        CHECK(dlen2 == dlen && (dlen == 0 || memcmp(d2, d, dlen) == 0));
    }
    free(out);
}

static void udp(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst)
{
    struct vg_udp_hdr h, again;
    const uint8_t *d, *d2;
    size_t dlen, dlen2;
    if (vg_udp_parse(seg, len, src, dst, &h, &d, &dlen) != VG_WIRE_OK)
        return;
    check_inside(seg, len, d, dlen);
    CHECK(dlen == (size_t)h.len - VG_UDP_HDR_LEN);
    uint8_t *out = malloc(h.len);
    CHECK(out);
    CHECK(vg_udp_write(out, h.len, h.sport, h.dport, src, dst, dlen ? d : NULL, dlen) == h.len);
    CHECK(vg_udp_parse(out, h.len, src, dst, &again, &d2, &dlen2) == VG_WIRE_OK);
    CHECK(again.sport == h.sport && again.dport == h.dport && again.len == h.len && again.csum != 0);
    CHECK(dlen2 == dlen && (dlen == 0 || memcmp(d2, d, dlen) == 0));
    free(out);
}

static void icmp(const uint8_t *msg, size_t len)
{
    struct vg_icmp_hdr h, again;
    const uint8_t *d, *d2;
    size_t dlen, dlen2;
    if (vg_icmp_parse(msg, len, &h, &d, &dlen) != VG_WIRE_OK)
        return;
    check_inside(msg, len, d, dlen);
    uint8_t *out = malloc(len);
    CHECK(out);
    CHECK(vg_icmp_write(out, len, &h, dlen ? d : NULL, dlen) == len);
    /* The same fields and data give the same bytes, except that a checksum may be written as
     * either of one's complement's two zeros. */
    CHECK(out[0] == msg[0] && out[1] == msg[1] && memcmp(out + 4, msg + 4, len - 4) == 0);
    CHECK(vg_icmp_parse(out, len, &again, &d2, &dlen2) == VG_WIRE_OK);
    free(out);
}

static void ipv4(uint8_t *pkt, size_t len, int fix)
{
    if (fix && len >= VG_IPV4_HDR_LEN) {
        size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
        uint16_t total = vg_get16(pkt + 2);
        if (ihl >= VG_IPV4_HDR_LEN && ihl <= total && total <= len) {
            repair_l4(pkt + ihl, total - ihl, pkt[9], vg_get32(pkt + 12), vg_get32(pkt + 16));
            repair(pkt, ihl, 10, 0);
        }
    }
    struct vg_ipv4_hdr h, again;
    const uint8_t *pl;
    size_t plen;
    if (vg_ipv4_parse(pkt, len, &h, &pl, &plen) != VG_WIRE_OK)
        return;
    check_inside(pkt, len, pl, plen);
    CHECK(h.hdr_len >= VG_IPV4_HDR_LEN && pl == pkt + h.hdr_len && plen == (size_t)h.total_len - h.hdr_len);
    uint8_t out[VG_IPV4_HDR_LEN];
    const uint8_t *pl2;
    size_t plen2;
    CHECK(vg_ipv4_write(out, sizeof out, &h, plen) == VG_IPV4_HDR_LEN);
    /* The rewritten header drops IP options; with the payload behind it, it must parse back. */
    uint8_t *whole = malloc(VG_IPV4_HDR_LEN + plen);
    CHECK(whole);
    memcpy(whole, out, sizeof out);
    if (plen)
        memcpy(whole + VG_IPV4_HDR_LEN, pl, plen);
    CHECK(vg_ipv4_parse(whole, VG_IPV4_HDR_LEN + plen, &again, &pl2, &plen2) == VG_WIRE_OK);
    CHECK(again.tos == h.tos && again.id == h.id && again.frag == h.frag && again.ttl == h.ttl &&
          again.proto == h.proto && again.src == h.src && again.dst == h.dst && plen2 == plen);
    free(whole);

    switch (h.proto) {
    case VG_IPPROTO_TCP: tcp(pl, plen, h.src, h.dst); break;
    case VG_IPPROTO_UDP: udp(pl, plen, h.src, h.dst); break;
    case VG_IPPROTO_ICMP: icmp(pl, plen); break;
    default: break;
    }
}

static void repair_icmp6(uint8_t *p, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
    if (len <= 0xffff)
        repair(p, len, 2, vg_ipv6_pseudo(src, dst, VG_IPPROTO_ICMPV6, len));
}

/* Whatever it accepts, the quote parser read inside the quote: nothing to check but memory. */
static void icmp6_quote(const uint8_t *data, size_t len)
{
    struct vg_icmp6_quote q;
    if (vg_icmp6_quote_parse(data, len, &q) == VG_WIRE_OK)
        CHECK(len >= VG_IPV6_HDR_LEN + 4 && memcmp(q.src, data + 8, 16) == 0);
}

static void icmp6(const uint8_t *msg, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
    struct vg_icmp6_hdr h, again;
    const uint8_t *d, *d2;
    size_t dlen, dlen2;
    if (vg_icmp6_parse(msg, len, src, dst, &h, &d, &dlen) != VG_WIRE_OK)
        return;
    check_inside(msg, len, d, dlen);
    uint8_t *out = malloc(len);
    CHECK(out);
    CHECK(vg_icmp6_write(out, len, &h, src, dst, dlen ? d : NULL, dlen) == len);
    /* As for ICMP: the same bytes but for the checksum's choice of zero. */
    CHECK(out[0] == msg[0] && out[1] == msg[1] && memcmp(out + 4, msg + 4, len - 4) == 0);
    CHECK(vg_icmp6_parse(out, len, src, dst, &again, &d2, &dlen2) == VG_WIRE_OK);
    CHECK(again.type == h.type && again.code == h.code && again.word == h.word && dlen2 == dlen);
    free(out);
    if (h.type < VG_ICMP6_ECHO_REQUEST)   /* an error: its data is a quote */
        icmp6_quote(d, dlen);
}

/* The fixed header written again in front of the same extension headers and payload must walk
 * to the same place. */
static void ipv6_round_trip(const uint8_t *pkt, const struct vg_ipv6_hdr *h, size_t plen)
{
    size_t total = VG_IPV6_HDR_LEN + (size_t)h->payload_len;
    uint8_t *again_pkt = malloc(total);
    CHECK(again_pkt);
    vg_ipv6_hdr_put(again_pkt, h, h->payload_len);
    memcpy(again_pkt + VG_IPV6_HDR_LEN, pkt + VG_IPV6_HDR_LEN, h->payload_len);
    struct vg_ipv6_hdr again;
    const uint8_t *pl2;
    size_t plen2;
    CHECK(vg_ipv6_parse(again_pkt, total, &again, &pl2, &plen2) == VG_WIRE_OK);
    CHECK(again.tclass == h->tclass && again.flow == h->flow && again.next == h->next &&
          again.hop_limit == h->hop_limit && memcmp(again.src, h->src, 16) == 0 &&
          memcmp(again.dst, h->dst, 16) == 0 && again.proto == h->proto &&
          again.n_ext == h->n_ext && again.l4_off == h->l4_off && plen2 == plen);
    CHECK(memcmp(again_pkt, pkt, total) == 0);
    free(again_pkt);
}

static void ipv6(uint8_t *pkt, size_t len, int fix)
{
    struct vg_ipv6_hdr h;
    const uint8_t *pl;
    size_t plen;
    enum vg_wire_err e = vg_ipv6_parse(pkt, len, &h, &pl, &plen);
    if (e == VG_WIRE_BAD_EXT)
        CHECK(h.pp_code <= 2 && h.pp_pointer < VG_IPV6_HDR_LEN + (size_t)h.payload_len);
    if (e != VG_WIRE_OK)
        return;
    check_inside(pkt, len, pl, plen);
    CHECK(h.n_ext <= VG_IPV6_MAX_EXT && pl == pkt + h.l4_off &&
          plen == VG_IPV6_HDR_LEN + (size_t)h.payload_len - h.l4_off);
    ipv6_round_trip(pkt, &h, plen);
    if (h.proto != VG_IPPROTO_ICMPV6)
        return;
    if (fix)
        repair_icmp6(pkt + h.l4_off, plen, h.src, h.dst);
    icmp6(pkt + h.l4_off, plen, h.src, h.dst);
}

static void ipv6_family(uint8_t *pkt, size_t len, uint8_t mode)
{
    switch (mode & 3) {
    case 1:
        if (mode & 4)
            repair_icmp6(pkt, len, SRC6, DST6);
        icmp6(pkt, len, SRC6, DST6);
        break;
    case 2:
        icmp6_quote(pkt, len);
        break;
    default:
        ipv6(pkt, len, mode & 4);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    size_t len = size - 1;
    /* An exactly sized copy: reads past the packet hit the allocation's redzone. */
    uint8_t *pkt = malloc(len ? len : 1);
    if (!pkt)
        return 0;
    if (len)
        memcpy(pkt, data + 1, len);
    int fix = mode & 4;
    if (mode & 8) {
        ipv6_family(pkt, len, mode);
        free(pkt);
        return 0;
    }
    switch (mode & 3) {
    case 0:
        ipv4(pkt, len, fix);
        break;
    case 1:
        if (fix)
            repair_l4(pkt, len, VG_IPPROTO_TCP, SRC, DST);
        tcp(pkt, len, SRC, DST);
        break;
    case 2:
        if (fix)
            repair_l4(pkt, len, VG_IPPROTO_UDP, SRC, DST);
        udp(pkt, len, SRC, DST);
        break;
    default:
        if (fix)
            repair_l4(pkt, len, VG_IPPROTO_ICMP, 0, 0);
        icmp(pkt, len);
        break;
    }
    free(pkt);
    return 0;
}
