/* ICMPv6 messages (RFC 4443) and the packet an ICMPv6 error quotes. */
#include <string.h>

#include "wire/ipv6.h"
#include "wire/ipv6_walk.h"

#define ICMP6_HDR_LEN 8
/* Octets of the transport header a quote must hold: TCP's ports and sequence number, the
 * ports of anything else (UDP's, or what stands where they would). */
#define QUOTE_TCP_LEN 8
#define QUOTE_PORTS_LEN 4

enum vg_wire_err vg_icmp6_parse(const uint8_t *msg, size_t len, const uint8_t src[16],
                                const uint8_t dst[16], struct vg_icmp6_hdr *h,
                                const uint8_t **data, size_t *dlen)
{
    if (len < ICMP6_HDR_LEN)
        return VG_WIRE_SHORT;
    /* No jumbograms: an IPv6 payload is at most 65535 octets. */
    if (len > 0xffff)
        return VG_WIRE_BAD_LEN;
    if (vg_csum_fold(vg_csum_add(vg_ipv6_pseudo(src, dst, VG_IPPROTO_ICMPV6, len), msg, len)) != 0)
        return VG_WIRE_BAD_CSUM;
    h->type = msg[0];
    h->code = msg[1];
    h->csum = vg_get16(msg + 2);
    h->word = vg_get32(msg + 4);
    *data = msg + ICMP6_HDR_LEN;
    *dlen = len - ICMP6_HDR_LEN;
    return VG_WIRE_OK;
}

size_t vg_icmp6_write(uint8_t *buf, size_t cap, const struct vg_icmp6_hdr *h,
                      const uint8_t src[16], const uint8_t dst[16], const uint8_t *data,
                      size_t dlen)
{
    if (cap < ICMP6_HDR_LEN || dlen > cap - ICMP6_HDR_LEN || dlen > 0xffff - ICMP6_HDR_LEN)
        return 0;
    size_t len = ICMP6_HDR_LEN + dlen;
    /* memmove: a caller may have built the data in place already. */
    if (dlen)
        memmove(buf + ICMP6_HDR_LEN, data, dlen);
    buf[0] = h->type;
    buf[1] = h->code;
    vg_put16(buf + 2, 0);
    vg_put32(buf + 4, h->word);
    vg_put16(buf + 2, vg_csum_fold(vg_csum_add(vg_ipv6_pseudo(src, dst, VG_IPPROTO_ICMPV6, len), buf, len)));
    return len;
}

static void quote_transport(const uint8_t *l4, uint8_t proto, struct vg_icmp6_quote *q)
{
    q->sport = vg_get16(l4);
    q->dport = vg_get16(l4 + 2);
    q->seq = proto == VG_IPPROTO_TCP ? vg_get32(l4 + 4) : 0;
}

/* The quote ends where it was cut or where the quoted packet did, whichever is first: octets
 * after payload_len would not be the packet's. */
static size_t quote_end(const uint8_t *data, size_t dlen)
{
    size_t end = VG_IPV6_HDR_LEN + (size_t)vg_get16(data + 4);
    return end < dlen ? end : dlen;
}

enum vg_wire_err vg_icmp6_quote_parse(const uint8_t *data, size_t dlen, struct vg_icmp6_quote *q)
{
    if (dlen < VG_IPV6_HDR_LEN)
        return VG_WIRE_SHORT;
    if (data[0] >> 4 != 6)
        return VG_WIRE_BAD_VERSION;
    struct vg_ipv6_walk w;
    vg_ipv6_walk_init(&w, data, quote_end(data, dlen), 1);
    enum vg_wire_err e = vg_ipv6_walk(&w);
    if (e != VG_WIRE_OK)
        return e;
    size_t need = w.next == VG_IPPROTO_TCP ? QUOTE_TCP_LEN : QUOTE_PORTS_LEN;
    if (w.end - w.off < need)
        return VG_WIRE_SHORT;
    q->proto = w.next;
    memcpy(q->src, data + 8, 16);
    memcpy(q->dst, data + 24, 16);
    quote_transport(data + w.off, w.next, q);
    return VG_WIRE_OK;
}
