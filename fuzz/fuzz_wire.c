/* libFuzzer target for the header codecs. The first input byte picks the parser and whether to
 * repair checksums first (otherwise nearly every input would stop at the checksum); the rest is
 * the packet. Besides memory safety (the sanitizers), it checks that every accepted packet
 * describes data inside the input and that writing back what was parsed parses to the same
 * header. */
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

#define SRC 0xc0000201u
#define DST 0xc6336402u

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
