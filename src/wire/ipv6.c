/* IPv6 fixed header and extension-header walk (RFC 8200). The walk is shared with the ICMPv6
 * quote parser (icmp6.c), which has to find the transport header of a packet vigil sent. */
#include <string.h>

#include "wire/ipv6.h"
#include "wire/ipv6_walk.h"

#define OPT_PAD1 0
#define OPT_PADN 1
#define FRAG_HDR_LEN 8
#define FRAG_OFFSET_MASK 0xfff8u
#define FRAG_MORE 0x0001u

static enum vg_wire_err refuse(struct vg_ipv6_walk *w, uint8_t code, size_t pointer)
{
    w->pp_code = code;
    w->pp_pointer = (uint32_t)pointer;
    return VG_WIRE_BAD_EXT;
}

/* RFC 8200 §4.2: the two high bits of an unknown option's type say what to do with the packet;
 * anything but "skip" means it is not processed. */
static enum vg_wire_err unknown_option(struct vg_ipv6_walk *w, size_t o)
{
    if (w->pkt[o] >> 6 == 0)
        return VG_WIRE_OK;
    return refuse(w, 2, o);
}

/* The TLV options of a hop-by-hop or destination options header at off, hlen octets long. A
 * quote's options are only stepped over: they were the sender's, and vigil is the sender. */
static enum vg_wire_err walk_options(struct vg_ipv6_walk *w, size_t off, size_t hlen)
{
    size_t end = off + hlen;
    unsigned count = 0;
    for (size_t o = off + 2; o < end;) {
        if (++count > VG_IPV6_MAX_OPTS)
            return refuse(w, 0, o);
        if (w->pkt[o] == OPT_PAD1) {
            o++;
            continue;
        }
        if (end - o < 2 || (size_t)w->pkt[o + 1] > end - o - 2)
            return refuse(w, 0, o + 1 < end ? o + 1 : o);
        if (!w->quote && w->pkt[o] != OPT_PADN) {
            enum vg_wire_err e = unknown_option(w, o);
            if (e != VG_WIRE_OK)
                return e;
        }
        o += 2 + (size_t)w->pkt[o + 1];
    }
    return VG_WIRE_OK;
}

/* vigil knows no routing type: with segments left it would have to forward, which it does not
 * do, so RFC 8200 §4.4 says to refuse it; type 0 is refused whatever is left (RFC 5095: it made
 * amplification attacks). */
static enum vg_wire_err walk_routing(struct vg_ipv6_walk *w, size_t off)
{
    if (w->quote)
        return VG_WIRE_OK;
    if (w->pkt[off + 2] == 0 || w->pkt[off + 3] != 0)
        return refuse(w, 0, off + 2);
    return VG_WIRE_OK;
}

/* vigil does not reassemble. An atomic fragment (RFC 6946) is a whole packet; in a quote, the
 * first fragment still holds the transport header. */
static enum vg_wire_err walk_fragment(const struct vg_ipv6_walk *w, size_t off)
{
    uint16_t word = vg_get16(w->pkt + off + 2);
    if (word & FRAG_OFFSET_MASK)
        return VG_WIRE_FRAGMENT;
    if ((word & FRAG_MORE) && !w->quote)
        return VG_WIRE_FRAGMENT;
    return VG_WIRE_OK;
}

static int is_ext(uint8_t next)
{
    return next == VG_IPPROTO_HOPOPTS || next == VG_IPPROTO_ROUTING ||
           next == VG_IPPROTO_FRAGMENT || next == VG_IPPROTO_DSTOPTS;
}

/* The length of the header at w->off, or 0 when its length octets lie past the end (the
 * caller's SHORT). */
static size_t ext_len(const struct vg_ipv6_walk *w)
{
    if (w->next == VG_IPPROTO_FRAGMENT)
        return FRAG_HDR_LEN;
    if (w->end - w->off < 2)
        return 0;
    return ((size_t)w->pkt[w->off + 1] + 1) * 8;
}

/* One extension header: checked, then stepped over. */
static enum vg_wire_err walk_one(struct vg_ipv6_walk *w)
{
    /* RFC 8200 §4.1: hop-by-hop options are examined by every node on the path, so they may
     * only come first; elsewhere the Next Header that names them is not understood. */
    if (w->next == VG_IPPROTO_HOPOPTS && w->n_ext != 0 && !w->quote)
        return refuse(w, 1, w->nh_off);
    if (w->n_ext == VG_IPV6_MAX_EXT)
        return refuse(w, 0, w->nh_off);
    size_t hlen = ext_len(w);
    if (hlen == 0 || hlen > w->end - w->off)
        return VG_WIRE_SHORT;
    enum vg_wire_err e = VG_WIRE_OK;
    if (w->next == VG_IPPROTO_ROUTING)
        e = walk_routing(w, w->off);
    else if (w->next == VG_IPPROTO_FRAGMENT)
        e = walk_fragment(w, w->off);
    else
        e = walk_options(w, w->off, hlen);
    if (e != VG_WIRE_OK)
        return e;
    w->nh_off = w->off;
    w->next = w->pkt[w->off];
    w->off += hlen;
    w->n_ext++;
    return VG_WIRE_OK;
}

enum vg_wire_err vg_ipv6_walk(struct vg_ipv6_walk *w)
{
    while (is_ext(w->next)) {
        enum vg_wire_err e = walk_one(w);
        if (e != VG_WIRE_OK)
            return e;
    }
    return VG_WIRE_OK;
}

void vg_ipv6_walk_init(struct vg_ipv6_walk *w, const uint8_t *pkt, size_t end, int quote)
{
    memset(w, 0, sizeof *w);
    w->pkt = pkt;
    w->end = end;
    w->off = VG_IPV6_HDR_LEN;
    w->next = pkt[6];
    w->nh_off = 6;
    w->quote = quote;
}

static void fixed_fields(const uint8_t *pkt, struct vg_ipv6_hdr *h)
{
    uint32_t w0 = vg_get32(pkt);
    h->tclass = (uint8_t)(w0 >> 20);
    h->flow = w0 & 0xfffffu;
    h->payload_len = vg_get16(pkt + 4);
    h->next = pkt[6];
    h->hop_limit = pkt[7];
    memcpy(h->src, pkt + 8, 16);
    memcpy(h->dst, pkt + 24, 16);
    h->proto = 0;
    h->n_ext = 0;
    h->l4_off = 0;
    h->pp_code = 0;
    h->pp_pointer = 0;
}

/* The length octet that claims too much, or the Next Header naming a header not there at all. */
static size_t overrun_pointer(const struct vg_ipv6_walk *w)
{
    if (w->next != VG_IPPROTO_FRAGMENT && w->end - w->off >= 2)
        return w->off + 1;
    return w->off < w->end ? w->off : w->nh_off;
}

/* A header that runs past the end is past payload_len, not past the buffer (that was checked):
 * the packet is malformed, a Parameter Problem pointing at the length that overruns. */
static enum vg_wire_err walk_packet(const uint8_t *pkt, size_t end, struct vg_ipv6_hdr *h)
{
    struct vg_ipv6_walk w;
    vg_ipv6_walk_init(&w, pkt, end, 0);
    enum vg_wire_err e = vg_ipv6_walk(&w);
    if (e == VG_WIRE_SHORT)
        e = refuse(&w, 0, overrun_pointer(&w));
    h->n_ext = w.n_ext;
    h->pp_code = w.pp_code;
    h->pp_pointer = w.pp_pointer;
    h->proto = w.next;
    h->l4_off = (uint16_t)w.off;   /* at most 40 + 8 * 2048 octets */
    return e;
}

enum vg_wire_err vg_ipv6_parse(const uint8_t *pkt, size_t len, struct vg_ipv6_hdr *h,
                               const uint8_t **payload, size_t *plen)
{
    if (len < VG_IPV6_HDR_LEN)
        return VG_WIRE_SHORT;
    if (pkt[0] >> 4 != 6)
        return VG_WIRE_BAD_VERSION;
    fixed_fields(pkt, h);
    if (h->payload_len == 0)
        return VG_WIRE_BAD_LEN;
    /* Octets past payload_len are link-layer padding, not part of the packet. */
    size_t end = VG_IPV6_HDR_LEN + (size_t)h->payload_len;
    if (end > len)
        return VG_WIRE_SHORT;
    enum vg_wire_err e = walk_packet(pkt, end, h);
    if (e != VG_WIRE_OK)
        return e;
    *payload = pkt + h->l4_off;
    *plen = end - h->l4_off;
    return VG_WIRE_OK;
}

void vg_ipv6_hdr_put(uint8_t *b, const struct vg_ipv6_hdr *h, uint16_t payload_len)
{
    vg_put32(b, 6u << 28 | (uint32_t)h->tclass << 20 | (h->flow & 0xfffffu));
    vg_put16(b + 4, payload_len);
    b[6] = h->next;
    b[7] = h->hop_limit;
    memcpy(b + 8, h->src, 16);
    memcpy(b + 24, h->dst, 16);
}
