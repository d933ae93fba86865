/* IPv6 (RFC 8200) end to end in one stack: the test plays a peer at 2001:db8::2 by hand and
 * reads every packet the stack at 2001:db8::1 sends. What a user relies on: a connection and its
 * data over IPv6, the MSS IPv6's longer header leaves, dual-stack listeners and their conflicts,
 * ICMPv6 echo (rate-limited) and Packet Too Big (RFC 8201, never below 1280), and the defences:
 * extension-header chains refused with a Parameter Problem, fragments and martian sources
 * dropped, the address table bounded by max_addr6, each counted; UDP with its checksum, which
 * IPv6 makes mandatory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vigil/vigil.h"
#include "wire/ipv6.h"

#define PORT 8080
#define PEER_PORT 40000
#define MAXOUT 64

static const uint8_t ME[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t PEER[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t ROUTER[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, [15] = 0xfe};

struct out {
    uint8_t pkt[2048];
    size_t len;
};

struct host {
    vg_stack *s;
    vg_time now;
    struct out out[MAXOUT];
    size_t nout;
};

static void capture(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    struct host *h = ctx;
    (void)now;
    if (h->nout < MAXOUT && len <= sizeof h->out[0].pkt) {
        memcpy(h->out[h->nout].pkt, pkt, len);
        h->out[h->nout++].len = len;
    }
}

static struct host *host_new(uint32_t max_addr6, uint32_t icmp_rate)
{
    struct host *h = calloc(1, sizeof *h);
    assert_non_null(h);
    struct vg_stack_config c;
    vg_stack_config_default(&c, VG_PROFILE_WINDOWS_VISTA);
    c.addr = 0xc0000201u;
    c.prefix_len = 24;
    c.has_addr6 = 1;
    memcpy(c.addr6, ME, 16);
    c.prefix6_len = 64;
    c.seed = 7;
    c.max_addr6 = max_addr6;
    c.icmp_rate_limit = icmp_rate;
    h->s = vg_stack_new(&c);
    assert_non_null(h->s);
    vg_stack_set_output(h->s, capture, h);
    h->now = VG_MS(1000);
    return h;
}

static void host_free(struct host *h)
{
    vg_stack_free(h->s);
    free(h);
}

/* The fixed header in front of an upper-layer message of n octets at buf + 40. */
static size_t ip6_wrap(uint8_t *buf, const uint8_t src[16], const uint8_t dst[16], uint8_t next,
                       size_t n)
{
    struct vg_ipv6_hdr ip = {.next = next, .hop_limit = 64};
    memcpy(ip.src, src, 16);
    memcpy(ip.dst, dst, 16);
    vg_ipv6_hdr_put(buf, &ip, (uint16_t)n);
    return VG_IPV6_HDR_LEN + n;
}

/* A TCP segment from src to us with a correct IPv6 pseudo-header checksum. */
static size_t tcp6(uint8_t *buf, const uint8_t src[16], const struct vg_tcp_hdr *th,
                   const void *data, size_t dlen)
{
    uint8_t *seg = buf + VG_IPV6_HDR_LEN;
    size_t n = vg_tcp_write(seg, 1500, th, 0, 0, data, dlen);
    assert_true(n > 0);
    vg_put16(seg + 16, 0);
    uint32_t pseudo = vg_ipv6_pseudo(src, ME, VG_IPPROTO_TCP, n);
    vg_put16(seg + 16, vg_csum_fold(vg_csum_add(pseudo, seg, n)));
    return ip6_wrap(buf, src, ME, VG_IPPROTO_TCP, n);
}

static void inject(struct host *h, const uint8_t *pkt, size_t len)
{
    vg_stack_input(h->s, pkt, len, h->now);
}

/* The TCP segment of packet i of what the stack sent, which must be IPv6 to dst. */
static void sent_tcp(const struct host *h, size_t i, const uint8_t dst[16], struct vg_tcp_hdr *th,
                     const uint8_t **data, size_t *dlen)
{
    assert_true(i < h->nout);
    struct vg_ipv6_hdr ip;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv6_parse(h->out[i].pkt, h->out[i].len, &ip, &pl, &plen), VG_WIRE_OK);
    assert_int_equal(ip.proto, VG_IPPROTO_TCP);
    assert_memory_equal(ip.src, ME, 16);
    assert_memory_equal(ip.dst, dst, 16);
    assert_int_equal(vg_csum_fold(vg_csum_add(vg_ipv6_pseudo(ip.src, ip.dst, VG_IPPROTO_TCP, plen),
                                              pl, plen)), 0);
    assert_int_equal(vg_tcp_parse_ex(pl, plen, 0, 0, 1, th, data, dlen), VG_WIRE_OK);
}

static vg_tcb *listen6(struct host *h, const uint8_t *addr, int v6only)
{
    vg_tcb *l = vg_tcp_open(h->s);
    assert_non_null(l);
    if (!v6only)
        assert_int_equal(vg_tcp_set_v6only(l, 0), 0);
    static const uint8_t any[16];
    vg_addr a = vg_addr_v6(addr ? addr : any);
    assert_int_equal(vg_tcp_bind_addr(l, &a, PORT), 0);
    assert_int_equal(vg_tcp_listen(l, 16), 0);
    return l;
}

/* Completes a handshake from src:sport to the listener; returns the accepted connection and
 * leaves the peer's next sequence number in *peer_seq and ours in *our_seq. */
static vg_tcb *handshake(struct host *h, vg_tcb *l, const uint8_t src[16], uint16_t sport,
                         uint32_t *peer_seq, uint32_t *our_seq)
{
    uint8_t pkt[2048];
    struct vg_tcp_hdr syn = {.sport = sport, .dport = PORT, .seq = 1000, .flags = VG_TCP_SYN,
                             .wnd = 65535, .opt = {.has_mss = 1, .mss = 1440}};
    size_t first = h->nout;
    inject(h, pkt, tcp6(pkt, src, &syn, NULL, 0));
    assert_int_equal(h->nout, first + 1);
    struct vg_tcp_hdr sa;
    const uint8_t *d;
    size_t dl;
    sent_tcp(h, first, src, &sa, &d, &dl);
    assert_int_equal(sa.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(sa.ack, 1001);
    /* IPv6's header is 20 octets longer than IPv4's: 1500 - 40 - 20. */
    assert_true(sa.opt.has_mss);
    assert_int_equal(sa.opt.mss, 1440);
    struct vg_tcp_hdr ack = {.sport = sport, .dport = PORT, .seq = 1001, .ack = sa.seq + 1,
                             .flags = VG_TCP_ACK, .wnd = 65535};
    inject(h, pkt, tcp6(pkt, src, &ack, NULL, 0));
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    *peer_seq = 1001;
    *our_seq = sa.seq + 1;
    return c;
}

static void connection_and_data_over_ipv6(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_tcb *l = listen6(h, NULL, 1);
    uint32_t pseq, oseq;
    vg_tcb *c = handshake(h, l, PEER, PEER_PORT, &pseq, &oseq);
    vg_addr la, ra;
    uint16_t lport, rport;
    vg_tcp_endpoints_addr(c, &la, &lport, &ra, &rport);
    assert_int_equal(la.family, VG_AF_INET6);
    assert_memory_equal(la.v6, ME, 16);
    assert_int_equal(ra.family, VG_AF_INET6);
    assert_memory_equal(ra.v6, PEER, 16);
    assert_int_equal(rport, PEER_PORT);
    uint32_t l4, r4;
    vg_tcp_endpoints(c, &l4, NULL, &r4, NULL);
    assert_int_equal(l4, 0);                       /* the IPv4 call has no IPv6 address to give */
    assert_int_equal(r4, 0);
    /* Data in: delivered exactly, acknowledged. */
    uint8_t pkt[2048];
    static const char msg[] = "hello over IPv6";
    struct vg_tcp_hdr dh = {.sport = PEER_PORT, .dport = PORT, .seq = pseq, .ack = oseq,
                            .flags = VG_TCP_ACK | VG_TCP_PSH, .wnd = 65535};
    inject(h, pkt, tcp6(pkt, PEER, &dh, msg, sizeof msg));
    char got[64];
    assert_int_equal(vg_tcp_recv(c, got, sizeof got, h->now), (long)sizeof msg);
    assert_memory_equal(got, msg, sizeof msg);
    /* Data out: one IPv6 segment with the bytes and a correct checksum. */
    size_t first = h->nout;
    assert_int_equal(vg_tcp_send(c, "pong", 4, h->now), 4);
    struct vg_tcp_hdr th;
    const uint8_t *d = NULL;
    size_t dl = 0;
    for (size_t i = first; i < h->nout && !dl; i++)
        sent_tcp(h, i, PEER, &th, &d, &dl);
    assert_int_equal(dl, 4);
    assert_memory_equal(d, "pong", 4);
    assert_int_equal(th.seq, oseq);
    /* A corrupted checksum is counted and changes nothing. */
    uint64_t bad = vg_stack_stats(h->s)->tcp_bad;
    size_t n = tcp6(pkt, PEER, &dh, msg, sizeof msg);
    pkt[n - 1] ^= 0x40;
    inject(h, pkt, n);
    assert_int_equal(vg_stack_stats(h->s)->tcp_bad, bad + 1);
    assert_int_equal(vg_tcp_readable(c), 0);
    vg_tcp_abort(c, h->now);
    vg_tcp_close(l, h->now);
    assert_int_equal(vg_stack_stats(h->s)->ip6_addrs_live, 1);
    host_free(h);
}

/* An IPv4 SYN (in this stack's own format) for the dual-stack checks. */
static size_t tcp4(uint8_t *buf, uint32_t src, uint32_t dst, const struct vg_tcp_hdr *th)
{
    uint8_t seg[80];
    size_t n = vg_tcp_write(seg, sizeof seg, th, src, dst, NULL, 0);
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_TCP, .src = src, .dst = dst};
    size_t hl = vg_ipv4_write(buf, 100, &ip, n);
    memcpy(buf + hl, seg, n);
    return hl + n;
}

static void dual_stack_listener_takes_ipv4_only_when_v6only_is_off(void **st)
{
    (void)st;
    struct vg_tcp_hdr syn = {.sport = PEER_PORT, .dport = PORT, .seq = 5, .flags = VG_TCP_SYN,
                             .wnd = 65535};
    uint8_t pkt[128];
    size_t n = tcp4(pkt, 0xc0000202u, 0xc0000201u, &syn);
    for (int v6only = 1; v6only >= 0; v6only--) {
        struct host *h = host_new(0, 0);
        vg_tcb *l = listen6(h, NULL, v6only);
        inject(h, pkt, n);
        assert_int_equal(h->nout, 1);
        struct vg_ipv4_hdr ip;
        struct vg_tcp_hdr th;
        const uint8_t *pl, *d;
        size_t plen, dl;
        assert_int_equal(vg_ipv4_parse(h->out[0].pkt, h->out[0].len, &ip, &pl, &plen), VG_WIRE_OK);
        assert_int_equal(vg_tcp_parse(pl, plen, ip.src, ip.dst, &th, &d, &dl), VG_WIRE_OK);
        /* IPV6_V6ONLY on (the default): IPv4 finds no listener and is reset. Off: answered,
         * over IPv4, with IPv4's MSS. */
        if (v6only) {
            assert_true(th.flags & VG_TCP_RST);
        } else {
            assert_int_equal(th.flags, VG_TCP_SYN | VG_TCP_ACK);
            assert_int_equal(th.opt.mss, 1460);
        }
        vg_tcp_close(l, h->now);
        host_free(h);
    }
}

static void listeners_of_both_families_clash_only_when_dual_stack(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_tcb *l4 = vg_tcp_open(h->s);
    assert_int_equal(vg_tcp_bind(l4, 0, PORT), 0);
    assert_int_equal(vg_tcp_listen(l4, 4), 0);
    /* An IPv6-only socket on :: shares the port with IPv4's 0.0.0.0 ... */
    vg_tcb *v6only = listen6(h, NULL, 1);
    /* ... a dual-stack one does not, nor a second IPv6 one on :: ... */
    vg_tcb *dual = vg_tcp_open(h->s);
    assert_int_equal(vg_tcp_set_v6only(dual, 0), 0);
    static const uint8_t any[16];
    vg_addr a = vg_addr_v6(any);
    assert_int_equal(vg_tcp_bind_addr(dual, &a, PORT), -VG_ERR_ADDRINUSE);
    /* ... and v6only is a setting for before bind. */
    assert_int_equal(vg_tcp_set_v6only(v6only, 0), -VG_ERR_INVAL);
    /* An address that is not ours, and 0.0.0.0/8 through the IPv4 call, are refused. */
    vg_tcb *t = vg_tcp_open(h->s);
    vg_addr other = vg_addr_v6(PEER);
    assert_int_equal(vg_tcp_bind_addr(t, &other, 9000), -VG_ERR_INVAL);
    assert_int_equal(vg_tcp_bind(t, 0x00000005u, 9000), -VG_ERR_INVAL);
    assert_int_equal(vg_tcp_connect(t, 0x00000005u, 9000, h->now), -VG_ERR_INVAL);
    vg_tcp_close(t, h->now);
    vg_tcp_close(dual, h->now);
    vg_tcp_close(v6only, h->now);
    vg_tcp_close(l4, h->now);
    host_free(h);
}

static void connect_uses_our_ipv6_address_and_mss(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_tcb *c = vg_tcp_open(h->s);
    vg_addr peer = vg_addr_v6(PEER);
    assert_int_equal(vg_tcp_connect_addr(c, &peer, 80, h->now), 0);
    struct vg_tcp_hdr th;
    const uint8_t *d;
    size_t dl;
    sent_tcp(h, 0, PEER, &th, &d, &dl);
    assert_int_equal(th.flags, VG_TCP_SYN);
    assert_int_equal(th.dport, 80);
    assert_int_equal(th.opt.mss, 1440);
    /* An IPv4 socket bound to 0.0.0.0 cannot connect to an IPv6 peer. */
    vg_tcb *b = vg_tcp_open(h->s);
    assert_int_equal(vg_tcp_bind(b, 0xc0000201u, 0), 0);
    assert_int_equal(vg_tcp_connect_addr(b, &peer, 80, h->now), -VG_ERR_INVAL);
    vg_tcp_abort(b, h->now);
    vg_tcp_abort(c, h->now);
    host_free(h);
}

/* An ICMPv6 message from src to us. */
static size_t icmp6(uint8_t *buf, const uint8_t src[16], const struct vg_icmp6_hdr *ih,
                    const uint8_t *data, size_t dlen)
{
    size_t n = vg_icmp6_write(buf + VG_IPV6_HDR_LEN, 1400, ih, src, ME, data, dlen);
    assert_true(n > 0);
    return ip6_wrap(buf, src, ME, VG_IPPROTO_ICMPV6, n);
}

static void echo_is_answered_within_the_rate_limit(void **st)
{
    (void)st;
    struct host *h = host_new(0, 3);
    uint8_t pkt[256];
    struct vg_icmp6_hdr req = {.type = VG_ICMP6_ECHO_REQUEST, .word = 0x12340001u};
    size_t n = icmp6(pkt, PEER, &req, (const uint8_t *)"ping", 4);
    for (int i = 0; i < 10; i++)
        inject(h, pkt, n);
    assert_int_equal(h->nout, 3);                      /* icmp_rate_limit a second */
    assert_int_equal(vg_stack_stats(h->s)->icmp_rate_limited, 7);
    struct vg_ipv6_hdr ip;
    const uint8_t *pl, *d;
    size_t plen, dl;
    assert_int_equal(vg_ipv6_parse(h->out[0].pkt, h->out[0].len, &ip, &pl, &plen), VG_WIRE_OK);
    assert_memory_equal(ip.dst, PEER, 16);
    struct vg_icmp6_hdr rep;
    assert_int_equal(vg_icmp6_parse(pl, plen, ip.src, ip.dst, &rep, &d, &dl), VG_WIRE_OK);
    assert_int_equal(rep.type, VG_ICMP6_ECHO_REPLY);
    assert_int_equal(rep.word, 0x12340001u);
    assert_int_equal(dl, 4);
    assert_memory_equal(d, "ping", 4);
    /* The next second has a budget again. */
    h->now += VG_MS(1000);
    inject(h, pkt, n);
    assert_int_equal(h->nout, 4);
    /* A bad checksum is counted and unanswered. */
    pkt[n - 1] ^= 1;
    inject(h, pkt, n);
    assert_int_equal(h->nout, 4);
    assert_int_equal(vg_stack_stats(h->s)->icmp6_bad, 1);
    host_free(h);
}

/* A Packet Too Big from the router quoting our segment, saying mtu. */
static void inject_ptb(struct host *h, const struct out *quoted, uint32_t mtu)
{
    uint8_t pkt[1400];
    struct vg_icmp6_hdr ih = {.type = VG_ICMP6_PACKET_TOO_BIG, .word = mtu};
    size_t q = quoted->len < 1200 ? quoted->len : 1200;
    inject(h, pkt, icmp6(pkt, ROUTER, &ih, quoted->pkt, q));
}

static void packet_too_big_lowers_the_mss_but_never_below_1280(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_tcb *l = listen6(h, NULL, 1);
    uint32_t pseq, oseq;
    vg_tcb *c = handshake(h, l, PEER, PEER_PORT, &pseq, &oseq);
    static uint8_t big[8000];
    assert_int_equal(vg_tcp_send(c, big, sizeof big, h->now), (long)sizeof big);
    size_t first = h->nout - 1;
    while (first > 0 && h->out[first].len < 1500)
        first--;
    assert_int_equal(h->out[first].len, 1500);         /* full-sized: 40 + 20 + 1440 */
    /* A forged PTB that quotes nothing we sent changes nothing. */
    struct out forged = h->out[first];
    forged.pkt[VG_IPV6_HDR_LEN + 4] ^= 0x80;           /* another sequence number */
    inject_ptb(h, &forged, 1400);
    assert_int_equal(vg_stack_stats(h->s)->pmtu_updates, 0);
    assert_int_equal(vg_stack_stats(h->s)->icmp_errors_ignored, 1);
    /* A real one: segments shrink to the path's MTU less IPv6 and TCP. */
    size_t before = h->nout;
    inject_ptb(h, &h->out[first], 1400);
    assert_int_equal(vg_stack_stats(h->s)->pmtu_updates, 1);
    assert_true(h->nout > before);
    for (size_t i = before; i < h->nout; i++)
        assert_true(h->out[i].len <= 1400);
    assert_int_equal(h->out[before].len, 1400);
    /* Below IPv6's minimum MTU is not believed: 1280 is (RFC 8201 §4). */
    before = h->nout;
    inject_ptb(h, &h->out[before - 1], 600);
    assert_int_equal(vg_stack_stats(h->s)->pmtu_updates, 2);
    for (size_t i = before; i < h->nout; i++)
        assert_true(h->out[i].len <= 1280);
    assert_int_equal(h->out[before].len, 1280);
    vg_tcp_abort(c, h->now);
    vg_tcp_close(l, h->now);
    host_free(h);
}

static void extension_header_chains_are_refused_with_a_parameter_problem(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_tcb *l = listen6(h, NULL, 1);
    /* A destination-options header of 100 Pad1 options in front of a SYN. */
    uint8_t pkt[512];
    uint8_t *ext = pkt + VG_IPV6_HDR_LEN;
    size_t extlen = 104;                               /* 2 + 100 Pad1 + a PadN of 2 */
    memset(ext, 0, extlen);
    ext[0] = VG_IPPROTO_TCP;
    ext[1] = (uint8_t)(extlen / 8 - 1);
    ext[102] = 1;                                      /* PadN, 0 octets of data */
    struct vg_tcp_hdr syn = {.sport = PEER_PORT, .dport = PORT, .seq = 1, .flags = VG_TCP_SYN,
                             .wnd = 65535};
    size_t n = vg_tcp_write(ext + extlen, 200, &syn, 0, 0, NULL, 0);
    size_t len = ip6_wrap(pkt, PEER, ME, VG_IPPROTO_DSTOPTS, extlen + n);
    inject(h, pkt, len);
    const struct vg_stack_stats *s = vg_stack_stats(h->s);
    assert_int_equal(s->ip6_ext_refused, 1);
    assert_int_equal(s->syncache_added, 0);
    assert_int_equal(h->nout, 1);
    struct vg_ipv6_hdr ip;
    const uint8_t *pl, *d;
    size_t plen, dl;
    assert_int_equal(vg_ipv6_parse(h->out[0].pkt, h->out[0].len, &ip, &pl, &plen), VG_WIRE_OK);
    struct vg_icmp6_hdr pp;
    assert_int_equal(vg_icmp6_parse(pl, plen, ip.src, ip.dst, &pp, &d, &dl), VG_WIRE_OK);
    assert_int_equal(pp.type, VG_ICMP6_PARAM_PROBLEM);
    assert_true(pp.word >= VG_IPV6_HDR_LEN && pp.word < len);   /* points into the packet */
    assert_int_equal(dl, len);                                  /* which it quotes whole */
    /* A chain that runs past the packet is refused too, and never read beyond it. */
    uint8_t *cut = malloc(VG_IPV6_HDR_LEN + 8);
    memcpy(cut, pkt, VG_IPV6_HDR_LEN + 8);
    vg_put16(cut + 4, 8);
    inject(h, cut, VG_IPV6_HDR_LEN + 8);
    free(cut);
    assert_int_equal(s->ip6_ext_refused, 2);
    /* A fragment is dropped, not reassembled. */
    uint8_t frag[128];
    memset(frag, 0, sizeof frag);
    frag[VG_IPV6_HDR_LEN] = VG_IPPROTO_TCP;
    vg_put16(frag + VG_IPV6_HDR_LEN + 2, 0x0001);      /* offset 0, more fragments */
    inject(h, frag, ip6_wrap(frag, PEER, ME, VG_IPPROTO_FRAGMENT, 8 + 20));
    assert_int_equal(s->ip_frags_dropped, 1);
    assert_int_equal(s->syncache_added, 0);
    vg_tcp_close(l, h->now);
    host_free(h);
}

static void martian_sources_are_dropped(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_tcb *l = listen6(h, NULL, 1);
    static const uint8_t loopback[16] = {[15] = 1};
    static const uint8_t multicast[16] = {0xff, 0x02, [15] = 1};
    static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 2};
    static const uint8_t unspecified[16];
    const uint8_t *bad[] = {loopback, multicast, mapped, unspecified, ME};
    struct vg_tcp_hdr syn = {.sport = PEER_PORT, .dport = PORT, .seq = 1, .flags = VG_TCP_SYN,
                             .wnd = 65535};
    uint8_t pkt[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        inject(h, pkt, tcp6(pkt, bad[i], &syn, NULL, 0));
    assert_int_equal(vg_stack_stats(h->s)->ip_martians, 5);
    assert_int_equal(h->nout, 0);
    /* To an address that is not ours: not ours. */
    size_t n = tcp6(pkt, PEER, &syn, NULL, 0);
    pkt[39] ^= 0x10;
    inject(h, pkt, n);
    assert_int_equal(vg_stack_stats(h->s)->ip_not_ours, 1);
    assert_int_equal(h->nout, 0);
    vg_tcp_close(l, h->now);
    host_free(h);
}

static void the_address_table_is_bounded_and_emptied(void **st)
{
    (void)st;
    /* Ours, and room for three peers. */
    struct host *h = host_new(4, 0);
    vg_tcb *l = listen6(h, NULL, 1);
    uint8_t pkt[256];
    for (int i = 0; i < 10; i++) {
        uint8_t src[16];
        memcpy(src, PEER, 16);
        src[14] = (uint8_t)(i + 1);
        struct vg_tcp_hdr syn = {.sport = (uint16_t)(PEER_PORT + i), .dport = PORT, .seq = 1,
                                 .flags = VG_TCP_SYN, .wnd = 65535};
        inject(h, pkt, tcp6(pkt, src, &syn, NULL, 0));
    }
    const struct vg_stack_stats *s = vg_stack_stats(h->s);
    assert_int_equal(s->syncache_added, 3);           /* the SYNs of the peers that fit */
    assert_int_equal(s->ip6_addr_table_full, 7);
    /* A packet alone holds its source only while it is processed: an echo from a new peer
     * once the half-open connections are gone is answered. */
    vg_tcp_close(l, h->now);
    struct vg_icmp6_hdr req = {.type = VG_ICMP6_ECHO_REQUEST, .word = 1};
    size_t before = h->nout;
    for (int i = 0; i < 5; i++) {
        uint8_t src[16];
        memcpy(src, PEER, 16);
        src[13] = (uint8_t)(i + 1);
        inject(h, pkt, icmp6(pkt, src, &req, NULL, 0));
    }
    assert_int_equal(h->nout, before + 5);
    assert_int_equal(s->ip6_addr_table_full, 7);
    assert_int_equal(s->ip6_addrs_live, 1);           /* ours: every reference was given back */
    host_free(h);
}

/* A UDP datagram from src:sport to our port; csum 0 leaves the checksum out. */
static size_t udp6(uint8_t *buf, const uint8_t src[16], uint16_t sport, uint16_t dport,
                   const char *msg, int csum)
{
    uint8_t *u = buf + VG_IPV6_HDR_LEN;
    size_t n = 8 + strlen(msg);
    vg_put16(u, sport);
    vg_put16(u + 2, dport);
    vg_put16(u + 4, (uint16_t)n);
    vg_put16(u + 6, 0);
    memcpy(u + 8, msg, n - 8);
    if (csum) {
        uint16_t c = vg_csum_fold(vg_csum_add(vg_ipv6_pseudo(src, ME, VG_IPPROTO_UDP, n), u, n));
        vg_put16(u + 6, c ? c : 0xffff);
    }
    return ip6_wrap(buf, src, ME, VG_IPPROTO_UDP, n);
}

static void udp_over_ipv6_with_its_mandatory_checksum(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_udp *u = vg_udp_open(h->s);
    static const uint8_t any[16];
    vg_addr a = vg_addr_v6(any);
    assert_int_equal(vg_udp_bind_addr(u, &a, 53), 0);
    uint8_t pkt[256];
    inject(h, pkt, udp6(pkt, PEER, 5353, 53, "query", 1));
    char buf[64];
    vg_addr from;
    uint16_t fport;
    assert_int_equal(vg_udp_recvfrom_addr(u, buf, sizeof buf, &from, &fport), 5);
    assert_memory_equal(buf, "query", 5);
    assert_int_equal(from.family, VG_AF_INET6);
    assert_memory_equal(from.v6, PEER, 16);
    assert_int_equal(fport, 5353);
    /* The answer goes out over IPv6 from our address, its checksum over IPv6's pseudo-header. */
    assert_int_equal(vg_udp_sendto_addr(u, "answer", 6, &from, fport, h->now), 6);
    assert_int_equal(h->nout, 1);
    struct vg_ipv6_hdr ip;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv6_parse(h->out[0].pkt, h->out[0].len, &ip, &pl, &plen), VG_WIRE_OK);
    assert_int_equal(ip.proto, VG_IPPROTO_UDP);
    assert_memory_equal(ip.src, ME, 16);
    assert_memory_equal(ip.dst, PEER, 16);
    assert_int_not_equal(vg_get16(pl + 6), 0);
    assert_int_equal(vg_csum_fold(vg_csum_add(vg_ipv6_pseudo(ip.src, ip.dst, VG_IPPROTO_UDP, plen),
                                              pl, plen)), 0);
    assert_memory_equal(pl + 8, "answer", 6);
    /* No checksum is no datagram over IPv6; a wrong one neither. */
    inject(h, pkt, udp6(pkt, PEER, 5353, 53, "nochecksum", 0));
    size_t n = udp6(pkt, PEER, 5353, 53, "corrupt", 1);
    pkt[n - 1] ^= 4;
    inject(h, pkt, n);
    assert_int_equal(vg_stack_stats(h->s)->udp_bad, 2);
    assert_int_equal(vg_udp_pending(u), 0);
    /* The IPv6 socket takes no IPv4 datagram, and sends to no IPv4 peer. */
    vg_addr v4 = vg_addr_v4(0xc0000202u);
    assert_int_equal(vg_udp_sendto_addr(u, "x", 1, &v4, 53, h->now), -VG_ERR_INVAL);
    /* A datagram queued but never read gives its sender's address back when the socket goes. */
    inject(h, pkt, udp6(pkt, PEER, 5353, 53, "left", 1));
    assert_int_equal(vg_udp_pending(u), 4);
    assert_int_equal(vg_stack_stats(h->s)->ip6_addrs_live, 2);
    vg_udp_close(u);
    assert_int_equal(vg_stack_stats(h->s)->ip6_addrs_live, 1);
    host_free(h);
}

/* Destination Unreachable and Time Exceeded about our SYN are soft errors (RFC 1122 §4.2.3.9,
 * RFC 5461): counted, remembered for the connect's failure, never fatal; one about a sequence
 * number we did not send is ignored. */
static void unreachables_are_soft_errors(void **st)
{
    (void)st;
    struct host *h = host_new(0, 0);
    vg_tcb *c = vg_tcp_open(h->s);
    vg_addr peer = vg_addr_v6(PEER);
    assert_int_equal(vg_tcp_connect_addr(c, &peer, 80, h->now), 0);
    assert_int_equal(h->nout, 1);
    struct out syn = h->out[0];
    const struct vg_stack_stats *s = vg_stack_stats(h->s);
    uint8_t pkt[1400];
    struct vg_icmp6_hdr unreach = {.type = VG_ICMP6_DEST_UNREACH, .code = VG_ICMP6_UNREACH_PORT};
    inject(h, pkt, icmp6(pkt, ROUTER, &unreach, syn.pkt, syn.len));
    struct vg_icmp6_hdr exceeded = {.type = VG_ICMP6_TIME_EXCEEDED};
    inject(h, pkt, icmp6(pkt, ROUTER, &exceeded, syn.pkt, syn.len));
    assert_int_equal(s->icmp_errors_in, 2);
    assert_int_equal(s->icmp_soft_errors, 2);
    assert_int_equal(vg_tcp_state(c), VG_TCP_SYN_SENT);
    struct out forged = syn;
    forged.pkt[VG_IPV6_HDR_LEN + 7] ^= 1;            /* a sequence number we never sent */
    inject(h, pkt, icmp6(pkt, ROUTER, &unreach, forged.pkt, forged.len));
    assert_int_equal(s->icmp_soft_errors, 2);
    assert_int_equal(s->icmp_errors_ignored, 1);
    /* The connect times out reporting the last error's reason (Time Exceeded: no route). */
    for (int i = 0; i < 1000 && vg_tcp_state(c) == VG_TCP_SYN_SENT; i++) {
        vg_time next = vg_stack_poll(h->s, h->now);
        if (next == VG_TIME_NEVER)
            break;
        h->now = next > h->now ? next : h->now + 1;
        h->nout = 0;
    }
    assert_int_equal(vg_tcp_state(c), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_error(c), VG_ERR_HOSTUNREACH);
    vg_tcp_abort(c, h->now);
    host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connection_and_data_over_ipv6),
        cmocka_unit_test(dual_stack_listener_takes_ipv4_only_when_v6only_is_off),
        cmocka_unit_test(listeners_of_both_families_clash_only_when_dual_stack),
        cmocka_unit_test(connect_uses_our_ipv6_address_and_mss),
        cmocka_unit_test(echo_is_answered_within_the_rate_limit),
        cmocka_unit_test(packet_too_big_lowers_the_mss_but_never_below_1280),
        cmocka_unit_test(extension_header_chains_are_refused_with_a_parameter_problem),
        cmocka_unit_test(martian_sources_are_dropped),
        cmocka_unit_test(the_address_table_is_bounded_and_emptied),
        cmocka_unit_test(udp_over_ipv6_with_its_mandatory_checksum),
        cmocka_unit_test(unreachables_are_soft_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
