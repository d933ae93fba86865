/* libFuzzer target for a whole stack on a hostile wire.
 *
 * One vg_stack (192.0.2.1, fixed seed) faces a scripted raw peer. The input is a short config
 * header and then a sequence of operations, each an opcode byte and fixed-size arguments (a read
 * past the end yields zeros, so every prefix of an input is an input): TCP segments from the
 * peer with sequence and acknowledgement numbers chosen relative to what the peer has seen of
 * the live connection (or raw), raw IPv4 datagrams (martian sources, fragments, options, any
 * protocol), ICMP errors quoting a live connection, UDP datagrams, virtual-time advances from
 * microseconds to hours, and the user calls of the TCP and UDP APIs.
 *
 * Invariants, each an explicit abort (besides what ASan, UBSan and LeakSanitizer catch):
 *  - no byte delivered out of order: the peer's payload at sequence number S on a connection is
 *    always peer_byte(S - ISN - 1) for the peer's fixed ISN of that port pair, so what
 *    vg_tcp_recv returns at stream offset k must be peer_byte(IRS - ISN + k);
 *  - no byte sent out of order: the application always sends app_byte(k) at stream offset k,
 *    so every data octet the stack puts on the wire at S must be app_byte(S - ISS - 1) (a
 *    keep-alive probe's garbage octet excepted);
 *  - every datagram the stack sends parses (checksums right), fits the MTU, comes from its
 *    address, and is addressed to a unicast host;
 *  - UDP datagrams come back byte for byte;
 *  - spec B5: a keep-alive probe from the peer is always answered;
 *  - the stack's bookkeeping agrees with itself after every operation: stats.tcbs_live equals
 *    the TCBs on its list, exactly the handles the application holds are marked as held, and
 *    stats.mem_bytes covers every buffer;
 *  - nothing lives for ever: after the application aborts everything and 48 virtual hours pass,
 *    no TCB is left and stats.mem_bytes is 0;
 *  - the timers make progress: polling never spins at one instant.
 *
 * The corpus (fuzz/corpus/fuzz_stack) is written by fuzz/corpus/make_stack_seeds.py, which
 * mirrors the operation format below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"
#include "tcp/tcb.h"
#include "vigil/vigil.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) \
    do { \
        fprintf(stderr, "fuzz_stack invariant: " __VA_ARGS__); \
        fputc('\n', stderr); \
        abort(); \
    } while (0)
#define CHECK(c, ...) \
    do { \
        if (!(c)) \
            FAIL(__VA_ARGS__); \
    } while (0)

#define STACK_ADDR 0xc0000201u   /* 192.0.2.1 */
#define PEER_ADDR 0xc0000202u    /* 192.0.2.2: on-link peer */
#define FAR_ADDR 0xc6336407u     /* 198.51.100.7: a peer beyond a router */
#define ROUTER_ADDR 0xc6336401u  /* 198.51.100.1: where ICMP errors may come from */
#define MAX_HANDLES 16
#define MAX_UDP 4
#define MAX_SLOTS 16
#define MAX_POLLS_PER_ADVANCE 1000000u
#define T0 VG_MS(1000)

/* Triage aids, read once: VG_FUZZ_TRACE=1 prints every operation and every segment the stack
 * sends; VG_FUZZ_NO_DRAIN=1 skips the 48-hour drain check while a known leak is being fixed. */
static int trace = -1, no_drain;
#define TRACE(...) \
    do { \
        if (trace > 0) \
            fprintf(stderr, __VA_ARGS__); \
    } while (0)

/* ---- The two byte streams: fixed functions of the stream offset, so a shifted, repeated or
 * reordered byte shows. */
static uint8_t peer_byte(uint32_t k) { return (uint8_t)((k * 0x9e3779b1u + 0x7f4a7c15u) >> 24); }
static uint8_t app_byte(uint32_t k) { return (uint8_t)((k * 0x85ebca6bu + 0xc2b2ae35u) >> 23); }
static uint8_t udp_byte(uint32_t k, uint32_t len) { return (uint8_t)(k * 31u + len * 7u + 0xa5u); }

/* The peer's ISN on a port pair: a fixed function, so every SYN it sends there agrees and a
 * connection reopened on the same pair carries the same stream. */
static uint32_t peer_isn(uint32_t raddr, uint16_t rport, uint16_t lport)
{
    uint32_t x = raddr ^ ((uint32_t)rport << 16 | lport);
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    return x;
}

/* ---- Reading the input. */
struct input {
    const uint8_t *p;
    size_t n, off;
};
static uint8_t u8(struct input *in) { return in->off < in->n ? in->p[in->off++] : 0; }
static uint16_t u16(struct input *in) { return (uint16_t)(u8(in) << 8 | u8(in)); }
static uint32_t u32(struct input *in) { return (uint32_t)u16(in) << 16 | u16(in); }
static int more(const struct input *in) { return in->off < in->n; }

/* ---- What the harness knows. */

/* A port pair the peer talks on, and what it has seen of the stack's side of it. */
struct slot {
    uint32_t raddr;
    uint16_t rport, lport;    /* the peer's port, the stack's port */
    uint32_t isn;             /* the peer's */
    uint32_t peer_nxt;        /* the peer's SND.NXT, as far as the fuzzer advanced it */
    int have_stack;           /* a SYN from the stack was seen: the fields below are set */
    uint32_t stack_iss, stack_max, stack_ack;
    uint32_t peer_acked;      /* the highest ACK the peer sent */
};

struct handle {
    vg_tcb *t;
    uint32_t recv_off;        /* stream bytes vg_tcp_recv returned */
    uint32_t send_off;        /* stream bytes vg_tcp_send accepted */
};

struct udp_handle {
    vg_udp *u;
};

struct fuzz {
    vg_stack *s;
    vg_time now;
    uint16_t mtu;
    struct handle h[MAX_HANDLES];
    size_t nh;
    struct udp_handle uh[MAX_UDP];
    size_t nuh;
    struct slot slot[MAX_SLOTS];
    size_t nslots;
    const struct slot *watch;  /* ACKs the stack sends on this pair are counted (B5) */
    unsigned watched_acks;
    int batch_open;            /* inside vg_stack_batch_begin .. _end (ACKs held to its end) */
};

static struct slot *slot_find(struct fuzz *f, uint32_t raddr, uint16_t rport, uint16_t lport)
{
    for (size_t i = 0; i < f->nslots; i++)
        if (f->slot[i].raddr == raddr && f->slot[i].rport == rport && f->slot[i].lport == lport)
            return &f->slot[i];
    return NULL;
}

/* The slot of a port pair, made on first use (the oldest is reused when the table is full). */
static struct slot *slot_get(struct fuzz *f, uint32_t raddr, uint16_t rport, uint16_t lport)
{
    struct slot *sl = slot_find(f, raddr, rport, lport);
    if (sl)
        return sl;
    if (f->nslots == MAX_SLOTS) {
        memmove(&f->slot[0], &f->slot[1], (MAX_SLOTS - 1) * sizeof f->slot[0]);
        f->nslots--;
    }
    sl = &f->slot[f->nslots++];
    memset(sl, 0, sizeof *sl);
    sl->raddr = raddr;
    sl->rport = rport;
    sl->lport = lport;
    sl->isn = peer_isn(raddr, rport, lport);
    sl->peer_nxt = sl->isn;
    return sl;
}

/* ---- The wire, stack to peer: every datagram is checked and recorded. */

static int unicast(uint32_t a)
{
    uint8_t top = (uint8_t)(a >> 24);
    return a != 0 && a != 0xffffffffu && top != 127 && top < 224 && a != STACK_ADDR &&
           a != 0xc00002ffu;      /* our /24's broadcast */
}

static void check_tcp_out(struct fuzz *f, const struct vg_ipv4_hdr *ip, const uint8_t *seg,
                          size_t len)
{
    struct vg_tcp_hdr th;
    const uint8_t *d;
    size_t dlen;
    CHECK(vg_tcp_parse(seg, len, ip->src, ip->dst, &th, &d, &dlen) == VG_WIRE_OK,
          "the stack sent a TCP segment that does not parse");
    CHECK(!((th.flags & VG_TCP_SYN) && (th.flags & (VG_TCP_RST | VG_TCP_FIN))),
          "the stack sent SYN with RST or FIN");
    struct slot *sl = slot_get(f, ip->dst, th.dport, th.sport);
    TRACE("  out %u->%u flags %02x seq %u ack %u wnd %u len %zu\n", (unsigned)th.sport,
          (unsigned)th.dport, (unsigned)th.flags, (unsigned)th.seq, (unsigned)th.ack,
          (unsigned)th.wnd, dlen);
    if (th.flags & VG_TCP_RST)
        return;                   /* an RST answers a segment; it is no part of the stream */
    if (sl == f->watch && (th.flags & VG_TCP_ACK))
        f->watched_acks++;
    if (th.flags & VG_TCP_SYN) {
        sl->have_stack = 1;
        sl->stack_iss = th.seq;
        sl->stack_max = th.seq + 1;
        sl->peer_acked = th.seq;  /* nothing acknowledged yet (a sequence-space zero) */
    }
    /* A connection's own ISS is the stream's origin: a SYN cookie binds ISS and IRS together
     * additively (as Linux's does), so an ACK one below both opens the connection one below. */
    const vg_tcb *t = tcb_lookup(f->s, ip->src, th.sport, ip->dst, th.dport);
    if (t) {
        sl->have_stack = 1;
        sl->stack_iss = t->iss;
    }
    if (!sl->have_stack)
        return;                   /* a stream we never saw begin (the slot table rolled over) */
    if (th.flags & VG_TCP_ACK)
        sl->stack_ack = th.ack;
    uint32_t seq = th.seq + ((th.flags & VG_TCP_SYN) ? 1u : 0u);
    /* B2: a keep-alive probe may carry one garbage octet at SND.NXT-1, all data acknowledged. */
    int probe_octet = dlen == 1 && (t ? seq == t->snd_max - 1 && t->snd_una == t->snd_max
                                      : seq + 1 == sl->stack_max &&
                                            SEQ_LEQ(seq + 1, sl->peer_acked));
    if (!probe_octet)
        for (size_t i = 0; i < dlen; i++)
            CHECK(d[i] == app_byte(seq + (uint32_t)i - sl->stack_iss - 1),
                  "the stack sent a wrong byte at stream offset %u (port %u)",
                  (unsigned)(seq + (uint32_t)i - sl->stack_iss - 1), (unsigned)th.sport);
    uint32_t end = seq + (uint32_t)dlen + ((th.flags & VG_TCP_FIN) ? 1u : 0u);
    if (SEQ_GT(end, sl->stack_max))
        sl->stack_max = end;
}

static void on_output(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    struct fuzz *f = ctx;
    (void)now;
    struct vg_ipv4_hdr ip;
    const uint8_t *pl;
    size_t plen;
    CHECK(len <= f->mtu, "the stack sent %zu bytes over an MTU of %u", len, (unsigned)f->mtu);
    CHECK(vg_ipv4_parse(pkt, len, &ip, &pl, &plen) == VG_WIRE_OK,
          "the stack sent an IPv4 datagram that does not parse");
    CHECK(ip.src == STACK_ADDR, "the stack sent from %08x", (unsigned)ip.src);
    CHECK(unicast(ip.dst), "the stack sent to the martian %08x", (unsigned)ip.dst);
    if (ip.proto == VG_IPPROTO_TCP) {
        check_tcp_out(f, &ip, pl, plen);
    } else if (ip.proto == VG_IPPROTO_UDP) {
        struct vg_udp_hdr uh;
        const uint8_t *d;
        size_t dlen;
        CHECK(vg_udp_parse(pl, plen, ip.src, ip.dst, &uh, &d, &dlen) == VG_WIRE_OK,
              "the stack sent a UDP datagram that does not parse");
        for (size_t i = 0; i < dlen; i++)
            CHECK(d[i] == udp_byte((uint32_t)i, (uint32_t)dlen), "the stack sent wrong UDP data");
    }
}

/* The frame output of a link with offloads (op_stack): what a NIC would put on the wire is
 * checked as on_output checks the plain path. A partial checksum must be exactly the folded
 * pseudo-header sum; the link completes it, and cuts a TSO frame into its MSS pieces (sequence
 * advanced, FIN and PSH on the last piece only), each checked alone. */
static void on_frame(void *ctx, struct vg_frame *fr, vg_time now)
{
    struct fuzz *f = ctx;
    static uint8_t pkt[65536], piece[65536];
    CHECK(fr->len <= sizeof pkt, "a frame of %zu bytes", fr->len);
    memcpy(pkt, fr->data, fr->len);
    struct vg_ipv4_hdr ip;
    const uint8_t *pl;
    size_t plen;
    CHECK(vg_ipv4_parse(pkt, fr->len, &ip, &pl, &plen) == VG_WIRE_OK,
          "the stack sent an IPv4 frame that does not parse");
    if (fr->flags & VG_FRAME_CSUM_PARTIAL) {
        CHECK(ip.proto == VG_IPPROTO_TCP || ip.proto == VG_IPPROTO_UDP, "partial checksum on %u",
              (unsigned)ip.proto);
        CHECK(fr->csum_start == ip.hdr_len &&
                  fr->csum_offset == (ip.proto == VG_IPPROTO_TCP ? 16 : 6),
              "partial checksum at %u+%u", (unsigned)fr->csum_start, (unsigned)fr->csum_offset);
        uint8_t *field = pkt + fr->csum_start + fr->csum_offset;
        uint32_t ps = vg_csum_pseudo(ip.src, ip.dst, ip.proto, (uint16_t)plen);
        CHECK(vg_get16(field) == (uint16_t)~vg_csum_fold(ps), "a partial checksum field of %04x",
              (unsigned)vg_get16(field));
        uint16_t c = vg_csum_fold(vg_csum_add(0, pkt + fr->csum_start, fr->len - fr->csum_start));
        vg_put16(field, ip.proto == VG_IPPROTO_UDP && c == 0 ? 0xffff : c);
    }
    if (!fr->gso_size) {
        on_output(f, pkt, fr->len, now);
        return;
    }
    CHECK(ip.proto == VG_IPPROTO_TCP && (fr->flags & VG_FRAME_CSUM_PARTIAL),
          "gso_size on a frame that is no partial TCP frame");
    size_t hl = (size_t)(pl[12] >> 4) * 4;
    CHECK(hl >= VG_TCP_HDR_LEN && hl < plen && plen - hl > fr->gso_size,
          "a TSO frame of %zu payload bytes for gso_size %u", plen - hl, (unsigned)fr->gso_size);
    size_t dlen = plen - hl;
    uint32_t seq = vg_get32(pl + 4);
    for (size_t off = 0; off < dlen; off += fr->gso_size) {
        size_t n = dlen - off < fr->gso_size ? dlen - off : fr->gso_size;
        uint8_t *t = piece + VG_IPV4_HDR_LEN;
        memcpy(t, pl, hl);
        memcpy(t + hl, pl + hl + off, n);
        vg_put32(t + 4, seq + (uint32_t)off);
        if (off + n < dlen)
            t[13] = (uint8_t)(t[13] & ~(VG_TCP_FIN | VG_TCP_PSH));
        vg_put16(t + 16, 0);
        uint32_t ps = vg_csum_pseudo(ip.src, ip.dst, VG_IPPROTO_TCP, (uint16_t)(hl + n));
        vg_put16(t + 16, vg_csum_fold(vg_csum_add(ps, t, hl + n)));
        struct vg_ipv4_hdr pip = ip;
        CHECK(vg_ipv4_write(piece, sizeof piece, &pip, hl + n) == VG_IPV4_HDR_LEN, "piece header");
        on_output(f, piece, VG_IPV4_HDR_LEN + hl + n, now);
    }
}

static void on_event(void *ctx, const struct vg_event *ev)
{
    struct fuzz *f = ctx;
    if (!ev->tcb)
        return;
    /* An event names a TCB that is alive while the callback runs. */
    for (vg_tcb *t = vg_stack_next_tcb(f->s, NULL); t; t = vg_stack_next_tcb(f->s, t))
        if (t == ev->tcb)
            return;
    FAIL("event %s names a TCB that is not alive", vg_event_name(ev->type));
}

/* ---- The wire, peer to stack. */

static void inject(struct fuzz *f, const uint8_t *pkt, size_t len)
{
    vg_stack_input(f->s, pkt, len, f->now);
}

static size_t ip_frame(uint8_t *buf, size_t cap, uint8_t proto, uint32_t src, uint32_t dst,
                       uint16_t frag, const uint8_t *payload, size_t plen)
{
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = proto, .src = src, .dst = dst, .id = 1,
                             .frag = frag};
    if (vg_ipv4_write(buf, cap, &ip, plen) == 0)
        return 0;
    memcpy(buf + VG_IPV4_HDR_LEN, payload, plen);
    return VG_IPV4_HDR_LEN + plen;
}

/* A TCP segment with raw option bytes (so malformed options reach the parser too) and the
 * peer's payload for its sequence numbers. */
static void send_tcp(struct fuzz *f, const struct slot *sl, uint8_t flags, uint32_t seq,
                     uint32_t ack, uint16_t wnd, const uint8_t *opts, size_t optlen, size_t dlen)
{
    static uint8_t seg[VG_TCP_HDR_LEN + VG_TCP_MAX_OPT_LEN + 65536];
    static uint8_t pkt[65536];
    size_t hl = VG_TCP_HDR_LEN + optlen;
    vg_put16(seg, sl->rport);
    vg_put16(seg + 2, sl->lport);
    vg_put32(seg + 4, seq);
    vg_put32(seg + 8, ack);
    seg[12] = (uint8_t)(hl / 4 << 4);
    seg[13] = flags;
    vg_put16(seg + 14, wnd);
    vg_put16(seg + 16, 0);
    vg_put16(seg + 18, 0);
    memcpy(seg + VG_TCP_HDR_LEN, opts, optlen);
    uint32_t first = seq + ((flags & VG_TCP_SYN) ? 1u : 0u);
    for (size_t i = 0; i < dlen; i++)
        seg[hl + i] = peer_byte(first + (uint32_t)i - sl->isn - 1);
    size_t len = hl + dlen;
    vg_put16(seg + 16, vg_csum_fold(vg_csum_add(
                           vg_csum_pseudo(sl->raddr, STACK_ADDR, VG_IPPROTO_TCP, (uint16_t)len),
                           seg, len)));
    size_t n = ip_frame(pkt, sizeof pkt, VG_IPPROTO_TCP, sl->raddr, STACK_ADDR, 0x4000, seg, len);
    TRACE("  in  %u->%u flags %02x seq %u ack %u wnd %u len %zu opts %zu\n", (unsigned)sl->rport,
          (unsigned)sl->lport, (unsigned)flags, (unsigned)seq, (unsigned)ack, (unsigned)wnd, dlen,
          optlen);
    if (n)
        inject(f, pkt, n);
}

/* ---- Bookkeeping checks, after every operation. */

static void check_consistency(struct fuzz *f)
{
    const struct vg_stack_stats *st = vg_stack_stats(f->s);
    uint64_t n = 0, owned = 0, buffers = 0, blocks = 0;
    for (vg_tcb *t = vg_stack_next_tcb(f->s, NULL); t; t = vg_stack_next_tcb(f->s, t)) {
        CHECK(n < st->tcbs_live + 1, "the TCB list is longer than tcbs_live");
        n++;
        if (t->flags & TF_APP_OWNED)
            owned++;
        buffers += vg_ring_footprint(t->snd) + vg_ring_footprint(t->rcv);
        CHECK(tcb_stack(t) == f->s, "a TCB of another stack");
        blocks += t->x != NULL;
        /* What is in flight or queued is timed from the transfer block (tcb_xfer.h). */
        int sending = t->snd_una != t->snd_max || vg_ring_len(t->snd);
        CHECK(t->x || !sending || t->state == VG_TCP_SYN_RECEIVED || t->state == VG_TCP_CLOSED,
              "%s with data or a SYN/FIN in flight and no transfer block",
              vg_tcp_state_name((enum vg_tcp_state)t->state));
    }
    CHECK(n == st->tcbs_live, "tcbs_live %llu, but %llu TCBs on the list",
          (unsigned long long)st->tcbs_live, (unsigned long long)n);
    CHECK(blocks == st->tcp_xfer_live, "tcp_xfer_live %llu, but %llu TCBs hold a block",
          (unsigned long long)st->tcp_xfer_live, (unsigned long long)blocks);
    CHECK(st->tcp_xfer_spares <= VG_XFER_SPARES, "%llu spare blocks",
          (unsigned long long)st->tcp_xfer_spares);
    for (size_t i = 0; i < f->nh; i++) {
        int found = 0;
        for (vg_tcb *t = vg_stack_next_tcb(f->s, NULL); t && !found; t = vg_stack_next_tcb(f->s, t))
            found = t == f->h[i].t;
        CHECK(found, "a TCB the application holds was freed");
        CHECK(f->h[i].t->flags & TF_APP_OWNED, "a TCB the application holds is not marked held");
    }
    CHECK(owned == f->nh, "%llu TCBs marked held, the application holds %zu",
          (unsigned long long)owned, f->nh);
    CHECK(st->mem_bytes >= buffers, "mem_bytes %llu below the %llu bytes of buffers",
          (unsigned long long)st->mem_bytes, (unsigned long long)buffers);
    CHECK(st->mem_bytes <= vg_stack_config(f->s)->mem_limit, "mem_bytes over mem_limit");
}

/* ---- Time. */

static void advance_to(struct fuzz *f, vg_time target)
{
    unsigned polls = 0, stuck = 0;
    vg_time d;
    while ((d = vg_stack_next_deadline(f->s)) <= target) {
        if (d > f->now) {
            f->now = d;
            stuck = 0;
        } else {
            CHECK(++stuck < 1000, "the timers spin at t=%llu", (unsigned long long)f->now);
        }
        vg_stack_poll(f->s, f->now);
        CHECK(++polls < MAX_POLLS_PER_ADVANCE, "a timer storm: %u polls in one advance", polls);
    }
    if (target > f->now)
        f->now = target;
    vg_stack_poll(f->s, f->now);
}

/* ---- Operations. */

static struct handle *pick(struct fuzz *f, struct input *in)
{
    uint8_t b = u8(in);
    return f->nh ? &f->h[b % f->nh] : NULL;
}

static void hold(struct fuzz *f, vg_tcb *t)
{
    if (!t)
        return;
    if (f->nh == MAX_HANDLES) {
        vg_tcp_abort(t, f->now);   /* the application has no room: it drops the newcomer */
        return;
    }
    f->h[f->nh++] = (struct handle){.t = t};
}

static void release(struct fuzz *f, struct handle *h)
{
    size_t i = (size_t)(h - f->h);
    f->h[i] = f->h[--f->nh];
}

static uint16_t listen_port(uint8_t b) { return (uint16_t)(80 + (b & 1)); }

/* Spec B5: a segment at RCV.NXT-1 with 0 or 1 octet, on a synchronised connection, is a
 * keep-alive probe and is always answered, whatever rate limits apply to other out-of-window
 * segments. Only plain ACKs with an acceptable SEG.ACK and no options are held to it. */
static int is_keepalive_probe(struct fuzz *f, const struct slot *sl, uint8_t flags, uint32_t seq,
                              uint32_t ack, size_t optlen, size_t len)
{
    if (flags != VG_TCP_ACK || optlen || len > 1 || !vg_stack_link_up(f->s))
        return 0;
    vg_tcb *t = tcb_lookup(f->s, STACK_ADDR, sl->lport, sl->raddr, sl->rport);
    if (!t || (t->state != VG_TCP_ESTABLISHED && t->state != VG_TCP_CLOSE_WAIT &&
               t->state != VG_TCP_FIN_WAIT_2))
        return 0;
    return seq == t->rcv_nxt - 1 && SEQ_GEQ(ack, t->snd_una) && SEQ_LEQ(ack, t->snd_max);
}

static void op_tcp_segment(struct fuzz *f, struct input *in)
{
    uint8_t which = u8(in), flags = u8(in), seqmode = u8(in);
    uint16_t seqd = u16(in);
    uint8_t ackmode = u8(in);
    uint16_t ackd = u16(in), wnd = u16(in);
    uint8_t optmode = u8(in);
    uint16_t dlen = u16(in);

    struct slot *sl;
    if (f->nslots == 0 || which >= 0xc0) {
        /* A new pair: from one of eight peer ports to a listener port (or a closed one). */
        uint32_t raddr = (which & 8) ? FAR_ADDR : PEER_ADDR;
        uint16_t lport = (which & 0x30) == 0x30 ? (uint16_t)(1000 + (which & 7)) : listen_port(which >> 4);
        sl = slot_get(f, raddr, (uint16_t)(40000 + (which & 7)), lport);
    } else {
        sl = &f->slot[which % f->nslots];
    }

    uint32_t seq;
    int16_t sd = (int16_t)seqd;
    switch (seqmode % 6) {
    case 0: seq = sl->peer_nxt; break;
    case 1: seq = sl->peer_nxt + (uint32_t)(int32_t)sd; break;
    case 2: seq = sl->stack_ack - 1; break;                 /* a keep-alive probe (B5) */
    case 3: seq = sl->stack_ack + (uint32_t)(int32_t)sd; break;  /* what the stack expects */
    case 4: seq = (uint32_t)seqd << 16 | ackd; break;       /* blind */
    default: seq = sl->stack_ack + ((uint32_t)seqd << 12); break;  /* far in or out of window */
    }
    if ((flags & VG_TCP_SYN) && !(seqmode & 0x80))
        seq = sl->isn;            /* a SYN starts the peer's one stream on this pair */

    uint32_t ack;
    int16_t ad = (int16_t)ackd;
    switch (ackmode % 6) {
    case 0: ack = sl->stack_max; break;
    case 1: ack = sl->stack_max + (uint32_t)(int32_t)ad; break;
    case 2: ack = sl->stack_max - (1u << 30); break;        /* RFC 5961 §5's old ACK */
    case 3: ack = sl->peer_acked; break;                    /* a duplicate ACK */
    case 4: ack = (uint32_t)ackd << 16 | seqd; break;
    default: ack = sl->stack_iss + 1 + ((uint32_t)ackd << 8); break;
    }

    switch (ackmode >> 6) {
    case 0: break;
    case 1: wnd = 0; break;
    case 2: wnd = 65535; break;
    default: wnd &= 0x3ff; break;
    }

    uint8_t opts[VG_TCP_MAX_OPT_LEN];
    size_t optlen = 0;
    switch (optmode & 3) {
    case 0:
        break;
    case 1: {                     /* the usual SYN options, values from the input */
        uint8_t b = u8(in);
        uint16_t mss = u16(in);
        opts[optlen++] = 2, opts[optlen++] = 4, opts[optlen++] = (uint8_t)(mss >> 8);
        opts[optlen++] = (uint8_t)mss;
        if (b & 1)
            opts[optlen++] = 1, opts[optlen++] = 3, opts[optlen++] = 3, opts[optlen++] = b >> 4;
        if (b & 2)
            opts[optlen++] = 1, opts[optlen++] = 1, opts[optlen++] = 4, opts[optlen++] = 2;
        if (b & 4) {
            opts[optlen++] = 1, opts[optlen++] = 1, opts[optlen++] = 8, opts[optlen++] = 10;
            for (int i = 0; i < 8; i++)
                opts[optlen++] = u8(in);
        }
        break;
    }
    default:                      /* raw option bytes */
        optlen = (size_t)((optmode >> 2) % 11) * 4;
        for (size_t i = 0; i < optlen; i++)
            opts[i] = u8(in);
        break;
    }

    size_t len = dlen % 3000u;
    int probe = is_keepalive_probe(f, sl, flags, seq, ack, optlen, len);
    f->watch = sl;
    f->watched_acks = 0;
    send_tcp(f, sl, flags, seq, ack, wnd, opts, optlen, len);
    f->watch = NULL;
    CHECK(!probe || f->watched_acks > 0, "B5: a keep-alive probe from the peer went unanswered");

    if (flags & VG_TCP_ACK && SEQ_GT(ack, sl->peer_acked))
        sl->peer_acked = ack;
    uint32_t end = seq + (uint32_t)len + ((flags & VG_TCP_SYN) ? 1u : 0u) +
                   ((flags & VG_TCP_FIN) ? 1u : 0u);
    if (seqmode % 6 < 2 || (flags & VG_TCP_SYN)) {
        if (SEQ_GT(end, sl->peer_nxt) || (flags & VG_TCP_SYN))
            sl->peer_nxt = end;
    }
}

/* An ICMP error quoting the start of a datagram the stack sent on a slot's pair (or a UDP
 * socket's), as a router or the peer would. */
static void op_icmp_error(struct fuzz *f, struct input *in)
{
    static const uint8_t types[][2] = {
        {3, 0}, {3, 1}, {3, 2}, {3, 3}, {3, 4}, {3, 13}, {11, 0}, {4, 0}, {12, 0}, {5, 1},
        {8, 0},                   /* not an error: an echo request carrying the quote */
    };
    uint8_t which = u8(in), kind = u8(in), seqmode = u8(in);
    uint16_t mtu = u16(in);
    uint32_t raw = u32(in);
    const uint8_t *tc = types[kind % (sizeof types / sizeof types[0])];

    uint8_t quote[28];
    uint32_t dst = PEER_ADDR;
    uint8_t proto = VG_IPPROTO_TCP;
    uint16_t sport = 0, dport = 0;
    uint32_t seq = raw;
    if ((kind & 0x80) && f->nuh) {
        struct udp_handle *uh = &f->uh[which % f->nuh];
        uint32_t raddr;
        uint16_t rport;
        vg_udp_endpoints(uh->u, NULL, &sport, &raddr, &rport);
        proto = VG_IPPROTO_UDP;
        dst = raddr ? raddr : PEER_ADDR;
        dport = rport ? rport : 53;
        seq = (uint32_t)sport << 16 | dport;
    } else if (f->nslots) {
        const struct slot *sl = &f->slot[which % f->nslots];
        dst = sl->raddr;
        sport = sl->lport;
        dport = sl->rport;
        switch (seqmode % 4) {
        case 0: seq = sl->peer_acked; break;                 /* SND.UNA as the peer sees it */
        case 1: seq = sl->stack_max - 1; break;
        case 2: seq = sl->stack_iss; break;
        default: break;
        }
    }
    struct vg_ipv4_hdr qh = {.ttl = 1, .proto = proto, .src = STACK_ADDR, .dst = dst, .id = 7,
                             .frag = 0x4000};
    vg_ipv4_write(quote, sizeof quote, &qh, 1460 - 20);
    vg_put16(quote + 20, sport);
    vg_put16(quote + 22, dport);
    vg_put32(quote + 24, seq);

    uint8_t msg[8 + sizeof quote];
    msg[0] = tc[0];
    msg[1] = tc[1];
    vg_put16(msg + 2, 0);
    vg_put16(msg + 4, 0);
    vg_put16(msg + 6, (tc[0] == 3 && tc[1] == 4) ? mtu : 0);
    size_t qlen = (seqmode & 0x80) ? 20 + (seqmode & 7) : sizeof quote;  /* short quotes too */
    memcpy(msg + 8, quote, qlen);
    vg_put16(msg + 2, vg_csum_fold(vg_csum_add(0, msg, 8 + qlen)));
    uint8_t pkt[VG_IPV4_HDR_LEN + sizeof msg];
    uint32_t src = (seqmode & 0x40) ? ROUTER_ADDR : dst;
    size_t n = ip_frame(pkt, sizeof pkt, VG_IPPROTO_ICMP, src, STACK_ADDR, 0, msg, 8 + qlen);
    inject(f, pkt, n);
}

/* Any datagram: martian sources, fragments, IP options, unknown protocols, bad checksums. */
static void op_raw_ip(struct fuzz *f, struct input *in)
{
    static const uint32_t sources[] = {
        PEER_ADDR, FAR_ADDR, ROUTER_ADDR, 0, 0xffffffffu, 0xe0000001u, 0x7f000001u, STACK_ADDR,
        0xc00002ffu,
    };
    uint8_t srcsel = u8(in), proto = u8(in), fl = u8(in);
    uint16_t frag = u16(in);
    uint8_t len = u8(in);
    uint8_t payload[256];
    for (size_t i = 0; i < len; i++)
        payload[i] = u8(in);
    uint32_t src = sources[srcsel % (sizeof sources / sizeof sources[0])];
    uint8_t p = (fl & 3) == 0 ? VG_IPPROTO_TCP : (fl & 3) == 1 ? VG_IPPROTO_UDP
              : (fl & 3) == 2 ? VG_IPPROTO_ICMP : proto;
    /* Repair the transport checksum unless told not to, so the payload gets past it. */
    if ((fl & 4) && p == VG_IPPROTO_TCP && len >= 20) {
        vg_put16(payload + 16, 0);
        vg_put16(payload + 16, vg_csum_fold(vg_csum_add(
                                   vg_csum_pseudo(src, STACK_ADDR, p, len), payload, len)));
    } else if ((fl & 4) && p == VG_IPPROTO_UDP && len >= 8) {
        vg_put16(payload + 4, len);
        vg_put16(payload + 6, 0);
        uint16_t c = vg_csum_fold(vg_csum_add(vg_csum_pseudo(src, STACK_ADDR, p, len), payload, len));
        vg_put16(payload + 6, c ? c : 0xffff);
    } else if ((fl & 4) && p == VG_IPPROTO_ICMP && len >= 4) {
        vg_put16(payload + 2, 0);
        vg_put16(payload + 2, vg_csum_fold(vg_csum_add(0, payload, len)));
    }
    uint8_t pkt[VG_IPV4_HDR_LEN + 256];
    size_t n = ip_frame(pkt, sizeof pkt, p, src, (fl & 8) ? 0xffffffffu : STACK_ADDR,
                        (fl & 16) ? frag : 0x4000, payload, len);
    if (fl & 32)
        n = n > (size_t)(fl >> 6) ? n - (fl >> 6) : n;   /* truncated on the way */
    inject(f, pkt, n);
}

static void op_udp_in(struct fuzz *f, struct input *in)
{
    uint8_t which = u8(in);
    uint16_t len = u16(in) % 1473u;
    uint16_t dport = 7;
    if (f->nuh && !(which & 0x80))
        vg_udp_endpoints(f->uh[which % f->nuh].u, NULL, &dport, NULL, NULL);
    static uint8_t dg[8 + 1472];
    for (size_t i = 0; i < len; i++)
        dg[8 + i] = udp_byte((uint32_t)i, len);
    uint32_t src = (which & 0x40) ? FAR_ADDR : PEER_ADDR;
    size_t n = vg_udp_write(dg, sizeof dg, (uint16_t)(5000 + (which & 3)), dport, src,
                            STACK_ADDR, dg + 8, len);
    uint8_t pkt[VG_IPV4_HDR_LEN + sizeof dg];
    n = ip_frame(pkt, sizeof pkt, VG_IPPROTO_UDP, src, STACK_ADDR, 0, dg, n);
    inject(f, pkt, n);
}

static void op_listen(struct fuzz *f, struct input *in)
{
    uint8_t b = u8(in), backlog = u8(in);
    vg_tcb *t = vg_tcp_open(f->s);
    if (!t)
        return;
    if (vg_tcp_bind(t, (b & 2) ? STACK_ADDR : 0, listen_port(b)) == 0 &&
        vg_tcp_listen(t, (int)(int8_t)backlog) == 0) {
        if (b & 4)
            vg_tcp_set_keepalive(t, 1, f->now);   /* inherited by what it accepts */
        hold(f, t);
    } else {
        vg_tcp_close(t, f->now);
    }
}

static void op_accept(struct fuzz *f, struct input *in)
{
    struct handle *h = pick(f, in);
    if (!h || vg_tcp_state(h->t) != VG_TCP_LISTEN)
        return;
    hold(f, vg_tcp_accept(h->t));
}

static void op_connect(struct fuzz *f, struct input *in)
{
    uint8_t b = u8(in);
    vg_tcb *t = vg_tcp_open(f->s);
    if (!t)
        return;
    uint32_t raddr = (b & 8) ? FAR_ADDR : PEER_ADDR;
    if (b & 16)
        vg_tcp_bind(t, 0, (uint16_t)(2000 + (b & 7)));
    int rc = vg_tcp_connect(t, raddr, (uint16_t)(5000 + (b & 3)), f->now);
    if (rc == 0)
        hold(f, t);
    else
        vg_tcp_close(t, f->now);
}

static void op_send(struct fuzz *f, struct input *in)
{
    struct handle *h = pick(f, in);
    uint32_t len = (uint32_t)u16(in) * ((u8(in) & 1) ? 2u : 1u);
    if (!h)
        return;
    uint8_t *buf = malloc(len ? len : 1);
    CHECK(buf, "out of memory");
    for (uint32_t i = 0; i < len; i++)
        buf[i] = app_byte(h->send_off + i);
    long n = vg_tcp_send(h->t, buf, len, f->now);
    free(buf);
    CHECK(n <= (long)len, "vg_tcp_send took more than it was given");
    if (n > 0)
        h->send_off += (uint32_t)n;
}

static void op_recv(struct fuzz *f, struct input *in)
{
    struct handle *h = pick(f, in);
    uint16_t len = u16(in);
    if (!h)
        return;
    static uint8_t buf[65536];
    size_t ready = vg_tcp_readable(h->t);
    /* The IRS from what the TCB holds: RCV.NXT is past the SYN, every octet taken in order (read
     * or ready) and the FIN. */
    uint32_t irs = h->t->rcv_nxt - 1u - (uint32_t)ready - h->recv_off -
                   ((h->t->flags & TF_FIN_RCVD) ? 1u : 0u);
    long n = vg_tcp_recv(h->t, buf, len, f->now);
    if (n <= 0) {
        CHECK(n != 0 || len == 0 || vg_tcp_eof(h->t) || ready == 0,
              "vg_tcp_recv returned 0 with %zu bytes readable", ready);
        return;
    }
    CHECK((size_t)n <= len && (size_t)n <= ready, "vg_tcp_recv returned %ld of %zu ready", n,
          ready);
    uint32_t raddr;
    uint16_t rport, lport;
    vg_tcp_endpoints(h->t, NULL, &lport, &raddr, &rport);
    uint32_t isn = peer_isn(raddr, rport, lport);
    for (long i = 0; i < n; i++)
        CHECK(buf[i] == peer_byte(irs - isn + h->recv_off + (uint32_t)i),
              "byte %u of the stream delivered out of order", (unsigned)(h->recv_off + i));
    h->recv_off += (uint32_t)n;
}

static void op_end(struct fuzz *f, struct input *in, int abort_it)
{
    struct handle *h = pick(f, in);
    if (!h)
        return;
    vg_tcb *t = h->t;
    release(f, h);
    if (abort_it)
        vg_tcp_abort(t, f->now);
    else
        vg_tcp_close(t, f->now);
}

static void op_setopt(struct fuzz *f, struct input *in)
{
    struct handle *h = pick(f, in);
    uint8_t which = u8(in);
    uint32_t v = u32(in);
    if (!h)
        return;
    /* Small values most of the time: a keep-alive or TCP_MAXRT the fuzzer can wait out. */
    uint32_t ms = (which & 0x80) ? v : v % 20000u;
    switch (which % 9) {
    case 0: vg_tcp_set_keepalive(h->t, (int)(v & 1), f->now); break;
    case 1: vg_tcp_set_keepalive_time_ms(h->t, ms ? ms : VG_KA_SYSTEM, f->now); break;
    case 2: vg_tcp_set_keepalive_interval_ms(h->t, ms ? ms : VG_KA_SYSTEM, f->now); break;
    case 3: vg_tcp_set_keepalive_count(h->t, (which & 0x80) ? v : v % 300u, f->now); break;
    case 4:                       /* a finite TCP_MAXRT the 48-hour drain outlasts */
        vg_tcp_set_maxrt_ms(h->t, (which & 0x80) ? ((v & 1) ? VG_MAXRT_FOREVER : VG_MAXRT_DEFAULT)
                                                 : v % 20000u);
        break;
    case 5: vg_tcp_set_nodelay(h->t, (int)(v & 1)); break;
    case 6: vg_tcp_set_bufsizes(h->t, v % 200000u, (v >> 8) % 200000u); break;
    case 7: vg_tcp_shutdown_send(h->t, f->now); break;
    default: {
        struct vg_keepalive_info ki;
        vg_tcp_keepalive_info(h->t, f->now, &ki);
        break;
    }
    }
}

static void op_udp(struct fuzz *f, struct input *in)
{
    uint8_t which = u8(in), call = u8(in);
    uint16_t len = u16(in);
    struct udp_handle *uh = f->nuh ? &f->uh[which % f->nuh] : NULL;
    switch (call % 6) {
    case 0:
        if (f->nuh < MAX_UDP) {
            vg_udp *u = vg_udp_open(f->s);
            if (u)
                f->uh[f->nuh++].u = u;
        }
        break;
    case 1:
        if (uh)
            vg_udp_bind(uh->u, (call & 8) ? STACK_ADDR : 0, (call & 16) ? 0 : (uint16_t)(7 + (len & 1)));
        break;
    case 2:
        if (uh)
            vg_udp_connect(uh->u, (call & 8) ? FAR_ADDR : PEER_ADDR, (uint16_t)(5000 + (len & 3)));
        break;
    case 3:
        if (uh) {
            static uint8_t buf[65536];
            size_t n = len % 2000u;
            for (size_t i = 0; i < n; i++)
                buf[i] = udp_byte((uint32_t)i, (uint32_t)n);
            long r = vg_udp_sendto(uh->u, buf, n, (call & 8) ? 0 : PEER_ADDR,
                                   (call & 8) ? 0 : 5000, f->now);
            CHECK(r < 0 || (size_t)r == n, "vg_udp_sendto sent %ld of %zu", r, n);
        }
        break;
    case 4:
        if (uh) {
            static uint8_t buf[65536];
            size_t want = vg_udp_pending(uh->u);
            int has = vg_udp_has_datagram(uh->u);
            uint32_t raddr = 0;
            uint16_t rport = 0;
            long r = vg_udp_recvfrom(uh->u, buf, len, &raddr, &rport);
            CHECK((r >= 0) == (has != 0), "vg_udp_recvfrom disagrees with has_datagram");
            if (r >= 0) {
                CHECK((size_t)r == (want < len ? want : len), "vg_udp_recvfrom length");
                CHECK(unicast(raddr), "vg_udp_recvfrom: a datagram from the martian %08x",
                      (unsigned)raddr);
                /* op_udp_in's datagrams (raw ones come from other ports) come back intact. */
                if ((raddr == PEER_ADDR || raddr == FAR_ADDR) && rport >= 5000 && rport < 5004)
                    for (long i = 0; i < r; i++)
                        CHECK(buf[i] == udp_byte((uint32_t)i, (uint32_t)want),
                              "UDP data corrupted");
            }
        }
        break;
    default:
        if (uh) {
            vg_udp_close(uh->u);
            *uh = f->uh[--f->nuh];
        }
        break;
    }
}

static void op_advance(struct fuzz *f, struct input *in)
{
    uint8_t mode = u8(in);
    uint16_t amount = u16(in);
    vg_time dt;
    switch (mode % 5) {
    case 0: dt = (vg_time)amount * 10u; break;          /* 0 .. 655 ms in 10 µs steps */
    case 1: dt = VG_MS(amount); break;                   /* 0 .. 65 s */
    case 2: dt = VG_MS(1000) * amount; break;            /* 0 .. 18 h */
    case 3: dt = VG_MS(3600000) * (amount % 64u); break; /* whole hours */
    default: {                                           /* straight to the next deadline */
        vg_time d = vg_stack_next_deadline(f->s);
        dt = d == VG_TIME_NEVER || d <= f->now ? 0 : d - f->now;
        break;
    }
    }
    advance_to(f, f->now + dt);
}

static void op_stack(struct fuzz *f, struct input *in)
{
    uint8_t which = u8(in);
    uint16_t v = u16(in);
    switch (which % 4) {
    case 0:
        vg_stack_set_link_up(f->s, v & 1);
        if (v & 0x100) {          /* a driver's batch of input opens or ends */
            if (f->batch_open)
                vg_stack_batch_end(f->s, f->now);
            else
                vg_stack_batch_begin(f->s);
            f->batch_open = !f->batch_open;
        }
        break;
    case 3:
        /* The link: plain output, or frames with checksum offload, or with TSO too. */
        if (v % 3 == 0)
            vg_stack_set_output(f->s, on_output, f);
        else
            vg_stack_set_frame_output(f->s, on_frame, f,
                                      v % 3 == 1 ? VG_OFFLOAD_TX_CSUM : VG_OFFLOAD_TSO);
        break;
    case 1: {
        struct vg_sysparams sp = vg_stack_config(f->s)->sys;
        sp.keepalive_time_ms = v ? v : 1;
        sp.keepalive_interval_ms = (uint32_t)(which >> 2) * 50u + 1u;
        sp.tcp_max_data_retransmissions = which >> 5;
        vg_stack_set_sysparams(f->s, &sp);
        break;
    }
    default:
        vg_stack_set_garbage_octet(f->s, v & 1);
        break;
    }
}

/* ---- One input. */

static void configure(struct vg_stack_config *cfg, struct input *in)
{
    uint8_t a = u8(in), b = u8(in);
    vg_stack_config_default(cfg, (enum vg_profile)(a % 3));
    cfg->addr = STACK_ADDR;
    cfg->prefix_len = 24;
    cfg->seed = 1;
    if (a & 4)
        cfg->sndbuf = cfg->rcvbuf = 4096;       /* small buffers: windows close quickly */
    if (a & 8)
        cfg->mem_limit = 64u * 1024u;           /* a tight buffer budget */
    cfg->no_delayed_ack = (a & 16) != 0;
    cfg->keepalive_garbage_octet = (a & 32) != 0;
    if (a & 64)
        cfg->max_retransmissions = 3;
    static const uint16_t mtus[] = {1500, 576, 1000, 9000};
    cfg->mtu = mtus[b & 3];
    if (b & 4)
        cfg->syn_queue_max = 2;                 /* SYN cookies after two half-open */
    if (b & 8)
        cfg->max_tcbs = 8;
    if (b & 16)
        cfg->syncookies = VG_SYNCOOKIES_ALWAYS;
    if (b & 32)
        cfg->max_backlog = 2;
    if ((a & 128) && !(b & 16))
        cfg->syncookies = VG_SYNCOOKIES_OFF;    /* a full SYN queue evicts its oldest entry */
    cfg->no_pmtu_discovery = (b & 64) != 0;     /* DF clear: IP IDs from the counters */
    cfg->no_mtu_probing = (b & 128) != 0;
}

/* The application lets go of everything; then nothing may outlive 48 virtual hours. */
static void teardown(struct fuzz *f)
{
    if (f->batch_open)
        vg_stack_batch_end(f->s, f->now);
    while (f->nh) {
        vg_tcb *t = f->h[--f->nh].t;
        vg_tcp_abort(t, f->now);
    }
    while (f->nuh)
        vg_udp_close(f->uh[--f->nuh].u);
    check_consistency(f);
    advance_to(f, f->now + VG_MS(48ull * 3600 * 1000));
    const struct vg_stack_stats *st = vg_stack_stats(f->s);
    if (no_drain)
        return;
    const vg_tcb *left = vg_stack_next_tcb(f->s, NULL);
    if (left) {
        const vg_tcb *t = left;
        FAIL("a TCB outlived 48 h after the application let go: %s, snd %u queued, wnd %u",
             vg_tcp_state_name((enum vg_tcp_state)t->state), (unsigned)vg_ring_len(t->snd),
             (unsigned)t->snd_wnd);
    }
    CHECK(st->tcbs_live == 0, "tcbs_live %llu with no TCB", (unsigned long long)st->tcbs_live);
    CHECK(st->tcp_xfer_live == 0, "tcp_xfer_live %llu with no TCB",
          (unsigned long long)st->tcp_xfer_live);
    CHECK(st->mem_bytes == 0, "mem_bytes %llu with nothing allocated",
          (unsigned long long)st->mem_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (trace < 0) {
        trace = getenv("VG_FUZZ_TRACE") != NULL;
        no_drain = getenv("VG_FUZZ_NO_DRAIN") != NULL;
    }
    struct input in = {.p = data, .n = size};
    struct vg_stack_config cfg;
    configure(&cfg, &in);
    static struct fuzz f;
    memset(&f, 0, sizeof f);
    f.s = vg_stack_new(&cfg);
    if (!f.s)
        return 0;
    f.mtu = vg_stack_config(f.s)->mtu;
    f.now = T0;
    vg_stack_set_output(f.s, on_output, &f);
    vg_stack_set_event(f.s, on_event, &f);

    for (unsigned ops = 0; more(&in) && ops < 512; ops++) {
        uint8_t op = u8(&in);
        TRACE("t=%llu op %u at %zu\n", (unsigned long long)f.now, (unsigned)(op % 16), in.off - 1);
        switch (op % 16) {
        case 0: case 1: case 2: op_tcp_segment(&f, &in); break;
        case 3: op_icmp_error(&f, &in); break;
        case 4: op_raw_ip(&f, &in); break;
        case 5: op_udp_in(&f, &in); break;
        case 6: op_listen(&f, &in); break;
        case 7: op_accept(&f, &in); break;
        case 8: op_connect(&f, &in); break;
        case 9: op_send(&f, &in); break;
        case 10: op_recv(&f, &in); break;
        case 11: op_end(&f, &in, op & 0x10); break;
        case 12: op_setopt(&f, &in); break;
        case 13: op_udp(&f, &in); break;
        case 14: op_advance(&f, &in); break;
        default: op_stack(&f, &in); break;
        }
        check_consistency(&f);
    }
    teardown(&f);
    vg_stack_free(f.s);
    return 0;
}
