/* Bad input never crashes, never corrupts, and is counted.
 *
 * For every TCP state (LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2,
 * CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT) two real stacks hold a live connection with the stack
 * under test (the SUT) in that state, and thousands of packets derived from the connection's own
 * valid segments — replays captured on the wire and fresh segments at the current sequence
 * numbers — are mutated (bit flips, truncation, padding, bad IHL/version/length/data offset,
 * random flags, sequence and acknowledgement numbers, windows, options, ports, fragments, junk
 * bytes), with or without repaired checksums, and fed straight to the SUT. Run under the
 * sanitizers, a read past a buffer or a use after free aborts the test.
 *
 * For each packet the test decides independently, with the wire parsers, whether it is
 * malformed. A malformed one must be counted (ip_bad or tcp_bad), and must change nothing: no
 * output, no event, no field of the connection. A single flipped bit without a repaired checksum
 * must always be caught (the Internet checksum detects every single-bit error). A well-formed
 * one is not counted as bad, and for those aimed at the connection the RFC 5961 rules are checked
 * exactly: the connection is reset if and only if the packet is an RST at RCV.NXT (in SYN_SENT:
 * an RST whose ACK acknowledges our SYN), and an in-window RST elsewhere draws a challenge ACK.
 *
 * Afterwards the conversation is finished: both applications send the rest of their streams,
 * both close, and both connections must end CLOSED without error with every byte delivered
 * exactly. Forged data cannot spoil this, because every well-formed forged segment carries the
 * very octets the peer's stream has at the sequence numbers it claims, and the peer has already
 * sent (held back on the wire) everything the window admits, so no forged octet is ever news.
 * What a forgery legitimately may do is reset the connection or end its stream early (an
 * acceptable RST or FIN); in SYN_SENT, complete the handshake with a sequence number the peer
 * never used; and in CLOSE_WAIT, where the peer's sequence number has stopped for good, become
 * the newest window update forever (SND.WL1), freezing the send window at whatever it said.
 * Half the batches ("strict") leave those particular packets out and demand the full result;
 * the other half ("chaos") send everything, and then demand the full result unless such a
 * packet was accepted — and an early end of the stream must then sit exactly where a forged FIN
 * put it. After such an end the two stacks may disagree for good and answer each other's
 * every segment with an ACK; that exchange is cut short. VIGIL_MALFORMED_BATCHES=N changes the
 * number of batches of each kind per state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"
#include "wire/tcp_opts.h"
#include "testnet.h"

#define SRV_PORT 443
#define PKT_CAP 2048
#define NSEEDS 64
#define PER_BATCH 50
#define DEFAULT_BATCHES 60          /* batches of each kind a state: 2 x 60 x 50 = 6000 packets */
#define STREAM_TO_PEER 12000u       /* SUT -> peer */
#define STREAM_TO_SUT 20000u        /* peer -> SUT */
#define SUT_RCVBUF 4096u            /* bounds the window a forgery can land in */
#define FINISH_LIMIT VG_MS(48ull * 3600 * 1000)
#define FINISH_STEPS 400000

/* ---- The two streams: octet `off` of direction d is a pure function, so a forged segment can
 * carry exactly what the real one would. */
static uint8_t stream_byte(int d, uint32_t off)
{
    uint64_t x = (uint64_t)off * 0x9e3779b97f4a7c15ull ^ (uint64_t)(d + 1) << 56;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    return (uint8_t)(x >> 40);
}

struct pkt {
    uint8_t b[PKT_CAP];
    size_t len;
};

/* ---- The wire between the two hosts: captures what the peer sends the SUT (the replay seeds)
 * and can hold it back, to keep the SUT in a state that waits for the peer. */
enum hold { HOLD_NONE, HOLD_ALL, HOLD_ALL_BUT_FIN };

struct wire {
    int sut;
    enum hold hold;
    int peer_iss_known;
    uint32_t peer_iss;          /* from the peer's SYN-ACK, for SYN_SENT */
    uint32_t peer_tsval;        /* its RFC 7323 TSval, and when it was sent */
    vg_time peer_ts_at;
    struct pkt seeds[NSEEDS];
    size_t nseeds, next;
};

static int wire_filter(void *ctx, uint8_t *p, size_t len, int from, int to, vg_time now)
{
    struct wire *w = ctx;
    (void)to;
    if (from == w->sut)
        return 1;
    size_t hl = (size_t)(p[0] & 0x0f) * 4;
    if (!w->peer_iss_known && len >= hl + 20 &&
        (p[hl + 13] & (VG_TCP_SYN | VG_TCP_ACK)) == (VG_TCP_SYN | VG_TCP_ACK)) {
        w->peer_iss = vg_get32(p + hl + 4);
        w->peer_iss_known = 1;
        struct vg_tcp_opts o;
        size_t doff = (size_t)(p[hl + 12] >> 4) * 4;
        if (doff >= 20 && hl + doff <= len && vg_tcp_opts_parse(p + hl + 20, doff - 20, &o) == VG_WIRE_OK &&
            o.has_ts) {
            w->peer_tsval = o.ts_val;
            w->peer_ts_at = now;
        }
    }
    if (len <= PKT_CAP) {
        struct pkt *s = &w->seeds[w->next];
        memcpy(s->b, p, len);
        s->len = len;
        w->next = (w->next + 1) % NSEEDS;
        if (w->nseeds < NSEEDS)
            w->nseeds++;
    }
    if (w->hold == HOLD_ALL)
        return 0;
    if (w->hold == HOLD_ALL_BUT_FIN) {
        size_t ihl = (size_t)(p[0] & 0x0f) * 4;
        return len > ihl + 13 && (p[ihl + 13] & VG_TCP_FIN);
    }
    return 1;
}

/* ---- One direction of the applications' conversation. */
struct flow {
    int dir;                    /* the host that sends */
    uint32_t total, cap;        /* planned length; how much the sender may have sent so far */
    uint32_t sent, rcvd;
    int shut_when_done, shut, eof;
};

struct world {
    struct tn_pair *p;
    struct wire wire;
    int sut;                    /* host index of the SUT */
    enum vg_tcp_state target;
    vg_tcb *listener;           /* on host 1 */
    vg_tcb *conn[2];            /* the applications' handles: host 0 connects, host 1 accepts */
    vg_tcb *s;                  /* the SUT's TCB under attack (listener, embryo or connection) */
    int s_gone;                 /* an embryo the stack freed */
    int desync;                 /* SYN_SENT took a forged SYN-ACK with a sequence number the
                                 * peer never used: the SUT's view of the stream is shifted */
    int synced_checked;         /* SYN_SENT target: the IRS it left SYN_SENT with was checked */
    struct flow flow[2];        /* flow[d]: from host d */
    uint64_t seed;
};

static vg_time now_of(struct world *w) { return tn_now(w->p); }
static vg_stack *sut_stack(struct world *w) { return tn_stack(w->p, w->sut); }

static void pump_flow(struct world *w, struct flow *f)
{
    vg_tcb *tx = w->conn[f->dir], *rx = w->conn[1 - f->dir];
    vg_time now = now_of(w);
    uint8_t buf[4096];
    if (tx) {
        while (f->sent < f->cap) {
            uint32_t n = f->cap - f->sent;
            if (n > sizeof buf)
                n = sizeof buf;
            for (uint32_t i = 0; i < n; i++)
                buf[i] = stream_byte(f->dir, f->sent + i);
            long k = vg_tcp_send(tx, buf, n, now);
            if (k <= 0)
                break;
            f->sent += (uint32_t)k;
        }
        if (f->shut_when_done && f->sent == f->total && !f->shut) {
            f->shut = 1;
            (void)vg_tcp_shutdown_send(tx, now);
        }
    }
    if (!rx)
        return;
    for (;;) {
        long k = vg_tcp_recv(rx, buf, sizeof buf, now);
        if (k == 0)
            f->eof = 1;
        if (k <= 0)
            break;
        for (long i = 0; i < k && !w->desync; i++)
            if (buf[i] != stream_byte(f->dir, f->rcvd + (uint32_t)i))
                fail_msg("%s seed %llu: host %d received a wrong octet at stream offset %u",
                         vg_tcp_state_name(w->target), (unsigned long long)w->seed, 1 - f->dir,
                         f->rcvd + (uint32_t)i);
        f->rcvd += (uint32_t)k;
    }
}

/* Accepts whatever waits on the listener: the connection from our client is kept, anything
 * else (a forged handshake that completed) is aborted. */
/* The SUT's initial receive sequence number: its peer's ISS (the peer is a vigil stack too), or
 * before the peer's connection is adopted, the ISS its SYN-ACK carried on the wire. */
static uint32_t sut_irs(const struct world *w)
{
    const vg_tcb *peer = w->conn[1 - w->sut];
    return peer ? peer->iss : w->wire.peer_iss;
}

static void adopt(struct world *w)
{
    if (!w->listener || w->conn[1] || !w->conn[0])
        return;
    uint16_t cport;
    vg_tcp_endpoints(w->conn[0], NULL, &cport, NULL, NULL);
    vg_tcb *c;
    while ((c = vg_tcp_accept(w->listener)) != NULL) {
        uint16_t rport;
        vg_tcp_endpoints(c, NULL, NULL, NULL, &rport);
        if (rport == cport && !w->conn[1]) {
            w->conn[1] = c;
            if (w->sut == 1 && w->target != VG_TCP_LISTEN)
                w->s = c;
        } else {
            vg_tcp_abort(c, now_of(w));
        }
    }
}

static void pump(struct world *w)
{
    adopt(w);
    pump_flow(w, &w->flow[0]);
    pump_flow(w, &w->flow[1]);
}

/* Runs the network and the applications until pred holds, the clock passes limit or steps run
 * out; returns whether pred held. */
static int run(struct world *w, int (*pred)(struct world *), vg_time limit, long steps)
{
    for (long i = 0;; i++) {
        pump(w);
        if (pred && pred(w))
            return 1;
        if (i >= steps || !vg_simnet_step(w->p->net, limit))
            return pred ? pred(w) : 0;
    }
}

static void run_for(struct world *w, vg_time dt) { run(w, NULL, now_of(w) + dt, 1000000); }

static int delivered(struct world *w)
{
    return w->flow[0].rcvd == w->flow[0].cap && w->flow[1].rcvd == w->flow[1].cap;
}

static int sut_in_target(struct world *w) { return vg_tcp_state(w->s) == w->target; }

static void require(struct world *w, int ok, const char *what)
{
    if (!ok)
        fail_msg("setting up %s: %s (SUT in %s)", vg_tcp_state_name(w->target), what,
                 w->s ? vg_tcp_state_name(vg_tcp_state(w->s)) : "-");
}

/* The peer learns the SUT's whole receive window: a few octets draw an ACK that carries it
 * (receiver SWS avoidance may have kept a small read from being announced). */
static void announce_window(struct world *w, struct flow *in)
{
    const vg_tcb *peer = w->conn[1 - w->sut];
    for (int i = 0; i < 20 && peer->snd_wnd < tcp_rcv_window(w->s); i++) {
        in->cap += 10;
        run_for(w, VG_MS(100));
    }
    require(w, peer->snd_wnd >= tcp_rcv_window(w->s), "peer sees the whole window");
}

/* Whatever the SUT would accept, the peer has sent: a forged octet is never news. */
static void require_window_covered(struct world *w)
{
    const vg_tcb *peer = w->conn[1 - w->sut], *s = w->s;
    require(w, SEQ_GEQ(peer->snd_max, s->rcv_nxt + tcp_rcv_window(s)), "peer's window in flight");
}

/* A passive SYN_RECEIVED is a SYN-cache entry of the listener, not a TCB: while it is one, the
 * SUT's "connection" is the listener, and the client's half-open entry is what packets to the
 * client's 4-tuple meet. */
static int has_embryo(struct world *w) { return w->listener->lq->syn.count > 0; }

static int sut_is_half_open(const struct world *w)
{
    return w->target == VG_TCP_SYN_RECEIVED && w->s == w->listener;
}

static struct vg_syn_entry *half_open_entry(const struct world *w, uint32_t src, uint16_t sport)
{
    if (!sut_is_half_open(w) || !w->conn[0])
        return NULL;
    uint16_t cport;
    vg_tcp_endpoints(w->conn[0], NULL, &cport, NULL, NULL);
    if (src != TN_ADDR0 || sport != cport)
        return NULL;
    return syncache_lookup(&w->listener->lq->syn, TN_ADDR1, SRV_PORT, TN_ADDR0, cport);
}

static struct world *world_new(enum vg_tcp_state target, uint64_t seed)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->target = target;
    w->seed = seed;
    w->sut = target == VG_TCP_SYN_SENT ? 0 : 1;
    struct vg_stack_config c[2];
    uint64_t x = seed;
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], VG_PROFILE_WINDOWS_VISTA);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].seed = vg_splitmix64(&x);
        c[i].msl_ms = 1000;
        c[i].max_retransmissions = 12;
    }
    c[w->sut].rcvbuf = SUT_RCVBUF;
    w->p = tn_pair_new_cfg(seed, NULL, &c[0], &c[1]);
    w->wire.sut = w->sut;
    vg_simnet_set_filter(w->p->net, wire_filter, &w->wire);
    w->listener = tn_listen(w->p, 1, SRV_PORT);
    /* The peer sends without Nagle, so "a whole window sent" is true on the wire and not only
     * in its send buffer (Nagle would hold the window's short last segment). */
    if (w->sut == 0)
        vg_tcp_set_nodelay(w->listener, 1);
    for (int d = 0; d < 2; d++) {
        w->flow[d].dir = d;
        w->flow[d].total = d == w->sut ? STREAM_TO_PEER : STREAM_TO_SUT;
    }
    return w;
}

static void world_free(struct world *w)
{
    tn_pair_free(w->p);
    free(w);
}

static void connect_client(struct world *w)
{
    w->conn[0] = vg_tcp_open(tn_stack(w->p, 0));
    assert_non_null(w->conn[0]);
    if (w->sut == 1)
        vg_tcp_set_nodelay(w->conn[0], 1);
    assert_int_equal(vg_tcp_connect(w->conn[0], TN_ADDR1, SRV_PORT, now_of(w)), 0);
    if (w->sut == 0)
        w->s = w->conn[0];
}

static int both_established(struct world *w)
{
    return w->conn[0] && w->conn[1] && vg_tcp_state(w->conn[0]) == VG_TCP_ESTABLISHED &&
           vg_tcp_state(w->conn[1]) == VG_TCP_ESTABLISHED;
}

/* Brings the SUT into the target state with part of each stream exchanged. The peer is made
 * to have sent a whole window the SUT has not seen yet wherever the SUT may still receive. */
static void setup(struct world *w)
{
    struct flow *out = &w->flow[w->sut], *in = &w->flow[1 - w->sut];
    vg_time lim = now_of(w) + VG_MS(30000);
    switch (w->target) {
    case VG_TCP_LISTEN: {
        /* A whole earlier conversation, so the replays include a handshake, data and FINs. */
        connect_client(w);
        require(w, run(w, both_established, lim, 100000), "earlier connection");
        for (int d = 0; d < 2; d++) {
            w->flow[d].cap = 3000;
            w->flow[d].total = 3000;
            w->flow[d].shut_when_done = 1;
        }
        require(w, run(w, delivered, lim, 100000), "earlier data");
        run_for(w, VG_MS(5000));
        require(w, vg_tcp_state(w->conn[0]) == VG_TCP_CLOSED &&
                       vg_tcp_state(w->conn[1]) == VG_TCP_CLOSED, "earlier close");
        vg_tcp_close(w->conn[0], now_of(w));
        vg_tcp_close(w->conn[1], now_of(w));
        w->conn[0] = w->conn[1] = NULL;
        memset(w->flow, 0, sizeof w->flow);
        for (int d = 0; d < 2; d++) {
            w->flow[d].dir = d;
            w->flow[d].total = d == w->sut ? STREAM_TO_PEER : STREAM_TO_SUT;
        }
        w->s = w->listener;
        return;
    }
    case VG_TCP_SYN_SENT:
        w->wire.hold = HOLD_ALL;
        connect_client(w);
        run_for(w, VG_MS(10));
        return;
    case VG_TCP_SYN_RECEIVED:
        connect_client(w);
        require(w, run(w, has_embryo, lim, 1000), "embryo");
        w->wire.hold = HOLD_ALL;
        w->s = w->listener;
        run_for(w, VG_MS(5));
        in->cap = SUT_RCVBUF;                      /* the peer, established, fills the window */
        run_for(w, VG_MS(5));
        return;
    default:
        break;
    }
    connect_client(w);
    require(w, run(w, both_established, lim, 100000), "handshake");
    switch (w->target) {
    case VG_TCP_ESTABLISHED:
        out->cap = 5000;
        in->cap = 6000;
        require(w, run(w, delivered, lim, 100000), "first data");
        announce_window(w, in);
        w->wire.hold = HOLD_ALL;
        out->cap += 2000;                          /* in flight, acknowledged by nobody yet */
        in->cap += SUT_RCVBUF;
        run_for(w, VG_MS(5));
        require_window_covered(w);
        break;
    case VG_TCP_FIN_WAIT_1:
        out->cap = out->total;
        in->cap = 6000;
        require(w, run(w, delivered, lim, 100000), "first data");
        announce_window(w, in);
        w->wire.hold = HOLD_ALL;
        out->shut_when_done = 1;
        in->cap += SUT_RCVBUF;
        run_for(w, VG_MS(5));
        require_window_covered(w);
        break;
    case VG_TCP_FIN_WAIT_2:
        out->cap = out->total;
        out->shut_when_done = 1;
        in->cap = 6000;
        require(w, run(w, sut_in_target, lim, 100000) && run(w, delivered, lim, 100000),
                "half close");
        announce_window(w, in);
        w->wire.hold = HOLD_ALL;
        in->cap += SUT_RCVBUF;
        run_for(w, VG_MS(5));
        require_window_covered(w);
        break;
    case VG_TCP_CLOSE_WAIT:
        in->cap = in->total;
        in->shut_when_done = 1;
        out->cap = 5000;
        require(w, run(w, sut_in_target, lim, 100000) && run(w, delivered, lim, 100000),
                "peer close");
        w->wire.hold = HOLD_ALL;
        out->cap += 2000;
        run_for(w, VG_MS(5));
        break;
    case VG_TCP_CLOSING:
        out->cap = out->total;
        in->cap = in->total;
        require(w, run(w, delivered, lim, 100000), "all data");
        run_for(w, VG_MS(500));                    /* every ACK and window update is through */
        w->wire.hold = HOLD_ALL_BUT_FIN;           /* the FINs cross, their ACKs do not */
        out->shut_when_done = in->shut_when_done = 1;
        run_for(w, VG_MS(5));
        break;
    case VG_TCP_LAST_ACK:
        out->cap = out->total;
        in->cap = in->total;
        in->shut_when_done = 1;
        require(w, run(w, delivered, lim, 100000), "all data");
        run_for(w, VG_MS(500));
        w->wire.hold = HOLD_ALL;
        out->shut_when_done = 1;
        run_for(w, VG_MS(5));
        break;
    case VG_TCP_TIME_WAIT:
        out->cap = out->total;
        in->cap = in->total;
        out->shut_when_done = 1;
        require(w, run(w, delivered, lim, 100000), "all data");
        run_for(w, VG_MS(500));
        in->shut_when_done = 1;
        run_for(w, VG_MS(5));
        break;
    default:
        fail_msg("no setup for %s", vg_tcp_state_name(w->target));
    }
    require(w, vg_tcp_state(w->s) == w->target, "target state");
}

/* ---- Building and mutating packets. */
static struct vg_prng rng;
static uint32_t rnd(uint32_t n) { return n ? (uint32_t)vg_prng_below(&rng, n) : 0; }
static uint32_t rnd32(void) { return (uint32_t)vg_prng_next(&rng); }

static size_t ip_hl(const struct pkt *k)
{
    size_t ihl = k->len ? (size_t)(k->b[0] & 0x0f) * 4 : 0;
    return ihl >= 20 && ihl <= 60 ? ihl : 20;
}

static void fix_ip_csum(struct pkt *k)
{
    size_t ihl = (size_t)(k->b[0] & 0x0f) * 4;
    if (k->len < 20 || ihl < 20 || ihl > k->len)
        return;
    vg_put16(k->b + 10, 0);
    vg_put16(k->b + 10, vg_csum_fold(vg_csum_add(0, k->b, ihl)));
}

static void fix_tcp_csum(struct pkt *k)
{
    if (k->len < 20)
        return;
    size_t ihl = (size_t)(k->b[0] & 0x0f) * 4, tot = vg_get16(k->b + 2);
    if (ihl < 20 || tot > k->len || tot < ihl + 18)
        return;
    uint8_t *seg = k->b + ihl;
    uint16_t tl = (uint16_t)(tot - ihl);
    vg_put16(seg + 16, 0);
    uint32_t sum = vg_csum_pseudo(vg_get32(k->b + 12), vg_get32(k->b + 16), VG_IPPROTO_TCP, tl);
    vg_put16(seg + 16, vg_csum_fold(vg_csum_add(sum, seg, tl)));
}

static void build(struct pkt *k, uint32_t src, uint32_t dst, const struct vg_tcp_hdr *h,
                  const uint8_t *data, size_t dlen)
{
    k->len = rp_build(k->b, sizeof k->b, src, dst, h, data, dlen);
}

/* A valid segment the peer could send now. */
static void fresh_seed(struct world *w, struct pkt *k)
{
    uint32_t sa = TN_ADDR0 + (uint32_t)(1 - w->sut), da = TN_ADDR0 + (uint32_t)w->sut;
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    uint8_t data[1200];
    size_t dlen = 0;
    if (w->target == VG_TCP_LISTEN || w->s_gone || sut_is_half_open(w)) {
        h.sport = (uint16_t)(1024 + rnd(60000));
        h.dport = SRV_PORT;
        h.seq = rnd32();
        h.flags = rnd(4) ? VG_TCP_SYN : VG_TCP_ACK;
        h.ack = h.flags & VG_TCP_ACK ? rnd32() : 0;
        h.wnd = (uint16_t)rnd(65536);
        h.opt.has_mss = (uint8_t)rnd(2);
        h.opt.mss = (uint16_t)rnd(65536);
        h.opt.has_wscale = (uint8_t)rnd(2);
        h.opt.wscale = (uint8_t)rnd(20);
        h.opt.sack_permitted = (uint8_t)rnd(2);
        h.opt.has_ts = (uint8_t)rnd(2);
        h.opt.ts_val = rnd32();
        build(k, sa, da, &h, NULL, 0);
        return;
    }
    const vg_tcb *s = w->s;
    h.sport = s->rport;
    h.dport = s->lport;
    h.wnd = (uint16_t)(rnd(4) ? 512 : rnd(65536));
    if (w->target == VG_TCP_SYN_SENT) {
        /* The SYN-ACK the peer sent (the replays hold it) or one like it. */
        h.seq = rnd32();
        h.ack = s->iss + 1;
        h.flags = VG_TCP_SYN | VG_TCP_ACK;
        h.opt.has_mss = 1;
        h.opt.mss = 1460;
        h.opt.has_wscale = 1;
        h.opt.wscale = 7;
        build(k, sa, da, &h, NULL, 0);
        return;
    }
    h.seq = s->rcv_nxt;
    h.ack = rnd(2) ? s->snd_max : s->snd_una;
    switch (rnd(6)) {
    case 0: h.flags = VG_TCP_ACK; break;
    case 1: h.flags = VG_TCP_ACK | VG_TCP_FIN; break;
    case 2: h.flags = VG_TCP_RST; break;
    case 3: h.flags = VG_TCP_SYN; h.opt.has_mss = 1; h.opt.mss = 1460; break;
    default:
        h.flags = VG_TCP_ACK | VG_TCP_PSH;
        dlen = 1 + rnd(sizeof data);
        break;
    }
    memset(data, 0, sizeof data);   /* the octets are put right after mutation */
    build(k, sa, da, &h, dlen ? data : NULL, dlen);
}

enum mutation {
    M_BITS, M_TRUNCATE, M_PAD, M_IHL, M_VERSION, M_TOTLEN, M_FRAG, M_PROTO, M_ADDR, M_DOFF,
    M_FLAGS, M_SEQ, M_ACK, M_WND, M_URG, M_PORTS, M_OPTIONS, M_JUNK, M_COUNT
};

static uint32_t mutate_number(uint32_t v)
{
    switch (rnd(5)) {
    case 0: return rnd32();
    case 1: return v ^ (1u << rnd(32));
    case 2: return v + rnd(140000) - 70000;
    case 3: return v + rnd(SUT_RCVBUF);          /* inside the receive window */
    default: return v + rnd(9) - 4;
    }
}

/* Rewrites the TCP options with random (often broken) option bytes. */
static void mutate_options(struct pkt *k)
{
    size_t ihl = ip_hl(k);
    if (k->len < ihl + 20)
        return;
    uint8_t *th = k->b + ihl;
    size_t doff = (size_t)(th[12] >> 4) * 4;
    if (doff < 20 || ihl + doff > k->len)
        doff = 20;
    size_t plen = k->len - ihl - doff;
    uint8_t payload[PKT_CAP];
    memcpy(payload, th + doff, plen);
    size_t olen = 4 * (1 + rnd(10));
    uint8_t *o = th + 20;
    for (size_t i = 0; i < olen;) {
        static const uint8_t kinds[] = {0, 1, 2, 3, 4, 5, 8, 19, 30, 254};
        uint8_t kind = rnd(5) ? kinds[rnd(sizeof kinds)] : (uint8_t)rnd(256);
        o[i++] = kind;
        if (i >= olen || kind < 2)
            continue;
        uint8_t l = (uint8_t)(rnd(3) ? 2 + rnd(10) : rnd(256));
        o[i++] = l;
        for (size_t j = 2; j < l && i < olen; j++)
            o[i++] = (uint8_t)rnd(256);
    }
    memcpy(th + 20 + olen, payload, plen);
    th[12] = (uint8_t)((5 + olen / 4) << 4 | (th[12] & 0x0f));
    k->len = ihl + 20 + olen + plen;
    vg_put16(k->b + 2, (uint16_t)k->len);
}

static void mutate(struct pkt *k, enum mutation m)
{
    size_t ihl = ip_hl(k);
    uint8_t *th = k->b + ihl;
    int has_th = k->len >= ihl + 20;
    switch (m) {
    case M_BITS:
        for (uint32_t n = 1 + rnd(4); n-- && k->len;) {
            uint32_t bit = rnd((uint32_t)k->len * 8);
            k->b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        break;
    case M_TRUNCATE: k->len = rnd((uint32_t)k->len + 1); break;
    case M_PAD:
        for (uint32_t n = 1 + rnd(64); n-- && k->len < PKT_CAP;)
            k->b[k->len++] = (uint8_t)rnd(256);
        break;
    case M_IHL: if (k->len) k->b[0] = (uint8_t)((k->b[0] & 0xf0) | rnd(16)); break;
    case M_VERSION: if (k->len) k->b[0] = (uint8_t)(rnd(16) << 4 | (k->b[0] & 0x0f)); break;
    case M_TOTLEN:
        if (k->len >= 4)
            vg_put16(k->b + 2, (uint16_t)(rnd(2) ? rnd(65536) : k->len + rnd(41) - 20));
        break;
    case M_FRAG: if (k->len >= 8) vg_put16(k->b + 6, (uint16_t)rnd(65536)); break;
    case M_PROTO: if (k->len >= 10) k->b[9] = (uint8_t)(rnd(2) ? rnd(256) : (rnd(2) ? 17 : 1)); break;
    case M_ADDR: if (k->len >= 20) k->b[12 + rnd(8)] ^= (uint8_t)(1u << rnd(8)); break;
    case M_DOFF: if (has_th) th[12] = (uint8_t)(rnd(16) << 4 | (th[12] & 0x0f)); break;
    case M_FLAGS: if (has_th) th[13] = (uint8_t)rnd(256); break;
    case M_SEQ: if (has_th) vg_put32(th + 4, mutate_number(vg_get32(th + 4))); break;
    case M_ACK: if (has_th) vg_put32(th + 8, mutate_number(vg_get32(th + 8))); break;
    case M_WND: if (has_th) vg_put16(th + 14, (uint16_t)(rnd(3) ? rnd(65536) : 0)); break;
    case M_URG:
        if (has_th) {
            th[13] |= VG_TCP_URG;
            vg_put16(th + 18, (uint16_t)rnd(65536));
        }
        break;
    case M_PORTS:
        if (has_th)
            vg_put16(th + rnd(2) * 2, (uint16_t)(rnd(2) ? rnd(65536) : SRV_PORT));
        break;
    case M_OPTIONS: mutate_options(k); break;
    case M_JUNK:
        if (k->len) {
            uint32_t at = rnd((uint32_t)k->len), n = 1 + rnd(16);
            for (uint32_t i = 0; i < n && at + i < k->len; i++)
                k->b[at + i] = (uint8_t)rnd(256);
        }
        break;
    default:
        break;
    }
}

/* What the test's own parse of a packet says. */
struct reading {
    int ip_ok, local, tcp, tcp_ok;
    struct vg_ipv4_hdr ip;
    struct vg_tcp_hdr th;
    const uint8_t *data;
    size_t dlen;
};

static struct reading read_packet(struct world *w, const struct pkt *k)
{
    struct reading r;
    memset(&r, 0, sizeof r);
    const uint8_t *pl;
    size_t plen;
    r.ip_ok = vg_ipv4_parse(k->b, k->len, &r.ip, &pl, &plen) == VG_WIRE_OK;
    if (!r.ip_ok)
        return r;
    r.local = r.ip.dst == vg_stack_config(sut_stack(w))->addr;
    r.tcp = r.ip.proto == VG_IPPROTO_TCP;
    if (r.local && r.tcp)
        r.tcp_ok = vg_tcp_parse(pl, plen, r.ip.src, r.ip.dst, &r.th, &r.data, &r.dlen) == VG_WIRE_OK;
    return r;
}

static int aimed_at_sut(const struct world *w, const struct reading *r)
{
    if (!r->tcp_ok || w->s_gone || w->target == VG_TCP_LISTEN || sut_is_half_open(w) ||
        w->s->state == VG_TCP_CLOSED)
        return 0;
    const vg_tcb *s = w->s;
    return r->th.dport == s->lport && r->th.sport == s->rport && r->ip.src == s->raddr &&
           r->ip.dst == s->laddr;
}

/* Every forged octet is the peer's own octet at that sequence number. */
static void true_payload(struct world *w, struct pkt *k, struct reading *r)
{
    const struct vg_syn_entry *e = r->tcp_ok ? half_open_entry(w, r->ip.src, r->th.sport) : NULL;
    if (!r->dlen || (!e && (!aimed_at_sut(w, r) || w->s->state == VG_TCP_SYN_SENT)))
        return;                        /* no IRS yet: SYN_SENT takes no data */
    uint32_t base = (e ? e->irs : sut_irs(w)) + 1;
    uint8_t *d = k->b + (r->data - k->b);
    for (size_t i = 0; i < r->dlen; i++)
        d[i] = stream_byte(1 - w->sut, r->th.seq - base + (uint32_t)i);
    fix_tcp_csum(k);
    *r = read_packet(w, k);
    assert_true(r->tcp_ok);
}

/* The fields a rejected packet must leave alone. */
struct snapshot {
    uint8_t state;
    uint16_t flags;
    uint32_t snd_una, snd_nxt, snd_max, snd_wnd, rcv_nxt, rcv_adv, sndq, rcvq;
    vg_time last_rx, timers[4];
    uint64_t tcbs;
};

static void take_snapshot(struct world *w, struct snapshot *n)
{
    memset(n, 0, sizeof *n);
    n->tcbs = vg_stack_stats(sut_stack(w))->tcbs_live;
    if (w->s_gone)
        return;
    const vg_tcb *s = w->s;
    n->state = s->state;
    n->flags = s->flags;
    n->snd_una = s->snd_una;
    n->snd_nxt = s->snd_nxt;
    n->snd_max = s->snd_max;
    n->snd_wnd = s->snd_wnd;
    n->rcv_nxt = s->rcv_nxt;
    n->rcv_adv = s->rcv_adv;
    n->sndq = vg_ring_len(s->snd);
    n->rcvq = vg_ring_len(s->rcv);
    n->last_rx = s->last_rx;
    n->timers[0] = tcb_rtx_at(s);
    n->timers[1] = tcb_persist_at(s);
    n->timers[2] = tcb_delack_at(s);
    n->timers[3] = s->close_at;
}

/* The packets a strict batch leaves out: those that may legitimately end the conversation. */
static int may_end_conversation(const struct world *w, const struct reading *r)
{
    if (r->tcp_ok && half_open_entry(w, r->ip.src, r->th.sport))
        return (r->th.flags & (VG_TCP_RST | VG_TCP_FIN)) != 0;   /* may end it, or end it early */
    if (!aimed_at_sut(w, r))
        return 0;
    uint8_t f = r->th.flags;
    if (f & VG_TCP_RST)
        return 1;
    if (w->target == VG_TCP_SYN_SENT)
        return (f & VG_TCP_SYN) != 0;
    uint8_t st = w->s->state;
    int may_receive = st == VG_TCP_SYN_RECEIVED || st == VG_TCP_ESTABLISHED ||
                      st == VG_TCP_FIN_WAIT_1 || st == VG_TCP_FIN_WAIT_2;
    if ((f & VG_TCP_FIN) && may_receive)
        return 1;
    /* After the peer's FIN its sequence number never moves again; a forged segment beyond it
     * would become the newest window update for good (RFC 9293 §3.10.7.4 SND.WL1), and the
     * window it carried — zero, say — could then only be probed past an octet at a time. */
    return st == VG_TCP_CLOSE_WAIT && (f & VG_TCP_ACK) && SEQ_GT(r->th.seq, w->s->rcv_nxt);
}

/* That window freeze, seen on the connection. */
static int window_frozen(const struct world *w)
{
    const vg_tcb *s = w->s;
    return !w->s_gone && s && s->state == VG_TCP_CLOSE_WAIT && SEQ_GT(s->snd_wl1, s->rcv_nxt);
}

struct tally {
    uint64_t packets, malformed, single_flips, wellformed, aimed, resets, challenges;
    uint64_t no_conn, syn_to_listener, frozen, ack_storms;
    uint64_t skipped, strict_ok, ended_early;
};

struct batch {
    int chaos;
    uint32_t fin_offsets[PER_BATCH * 4];   /* stream offsets where forged FINs would end it */
    size_t nfins;
    int reset, syn_sent_left;
};

/* Dropped before TCP looks, each counted apart (test_hostile_martians.c): a martian source
 * (ip_martians: unspecified, loopback, broadcast, multicast, our own address), or SYN with FIN or
 * RST (tcp_bad_flags, read from the raw octet, before any checksum). 1, 2, or 0 for neither. */
static int dropped_early(struct world *w, const struct pkt *k, const struct reading *r)
{
    if (!r->ip_ok || !r->local)
        return 0;
    const struct vg_stack_config *c = vg_stack_config(sut_stack(w));
    uint32_t src = r->ip.src, mask = c->prefix_len ? ~0u << (32 - c->prefix_len) : 0;
    if (src >> 24 == 0 || src >> 24 == 127 || src >= 0xe0000000u || src == c->addr ||
        ((src & mask) == (c->addr & mask) && (src | mask) == ~0u))
        return 1;
    size_t off = r->ip.hdr_len + 13u;
    if (r->tcp && r->ip.total_len > off && (k->b[off] & VG_TCP_SYN) &&
        (k->b[off] & (VG_TCP_FIN | VG_TCP_RST)))
        return 2;
    return 0;
}

/* Injects one packet and checks everything that can be said about it on its own. */
static void inject(struct world *w, struct pkt *k, int single_flip, struct batch *b, struct tally *t)
{
    if (sut_is_half_open(w))
        adopt(w);                      /* a forged ACK completed the handshake: the TCB is the SUT */
    struct reading r = read_packet(w, k);
    true_payload(w, k, &r);
    if (!b->chaos && may_end_conversation(w, &r)) {
        t->skipped++;
        return;
    }
    vg_stack *s = sut_stack(w);
    const struct vg_stack_stats *st = vg_stack_stats(s);
    uint64_t ip_bad = st->ip_bad, tcp_bad = st->tcp_bad, chall = st->tcp_challenge_acks;
    uint64_t chall_held = st->tcp_challenge_acks_suppressed;
    uint64_t martians = st->ip_martians, bad_flags = st->tcp_bad_flags, frags = st->ip_frags_dropped;
    uint64_t sent = vg_simnet_stats(w->p->net)->sent;
    size_t nev = w->p->nevents;
    struct snapshot before, after;
    take_snapshot(w, &before);

    /* The RFC 5961 predictions, from the connection as it is now. */
    int aimed = aimed_at_sut(w, &r), exact_rst = 0, challenge = 0;
    if (aimed && (r.th.flags & VG_TCP_RST)) {
        const vg_tcb *c = w->s;
        if (c->state == VG_TCP_SYN_SENT) {
            exact_rst = (r.th.flags & VG_TCP_ACK) && SEQ_GT(r.th.ack, c->iss) &&
                        SEQ_LEQ(r.th.ack, c->snd_max);
        } else {
            uint32_t wnd = tcp_rcv_window(c);
            int reopen = c->state == VG_TCP_TIME_WAIT && (r.th.flags & VG_TCP_SYN) &&
                         !(r.th.flags & VG_TCP_ACK) && SEQ_GT(r.th.seq, c->rcv_nxt);
            exact_rst = !reopen && r.th.seq == c->rcv_nxt;
            challenge = !reopen && !exact_rst && wnd && SEQ_GEQ(r.th.seq, c->rcv_nxt) &&
                        SEQ_LT(r.th.seq, c->rcv_nxt + wnd);
        }
    }
    if (aimed && (r.th.flags & VG_TCP_FIN) && b->nfins < sizeof b->fin_offsets / sizeof b->fin_offsets[0])
        b->fin_offsets[b->nfins++] = r.th.seq + (uint32_t)r.dlen - (sut_irs(w) + 1);

    /* Segments for no connection, and for the listener, have fixed answers too. */
    vg_tcb *conn = NULL, *lis = NULL;
    if (r.tcp_ok) {
        conn = tcb_lookup(s, r.ip.dst, r.th.dport, r.ip.src, r.th.sport);
        lis = conn ? NULL : tcb_find_listener(s, r.ip.dst, r.th.dport);
    }
    uint64_t no_tcb = st->tcp_no_tcb, tcbs = st->tcbs_live;
    /* Half-open connections are SYN-cache entries, apart from the accept queue. */
    int room = lis && lis->lq->queued < lis->lq->backlog;
    int half_open = lis && syncache_lookup(&lis->lq->syn, r.ip.dst, r.th.dport, r.ip.src,
                                           r.th.sport) != NULL;
    const struct vg_syn_entry *client = r.tcp_ok ? half_open_entry(w, r.ip.src, r.th.sport) : NULL;
    if (client && (r.th.flags & VG_TCP_FIN) &&
        b->nfins < sizeof b->fin_offsets / sizeof b->fin_offsets[0])
        b->fin_offsets[b->nfins++] = r.th.seq + (uint32_t)r.dlen - (client->irs + 1);

    vg_stack_input(s, k->b, k->len, now_of(w));
    t->packets++;

    int early = dropped_early(w, k, &r);
    int bad = early || !r.ip_ok || (r.local && r.tcp && !r.tcp_ok);
    if (single_flip && !bad)
        fail_msg("%s: a single flipped bit went undetected", vg_tcp_state_name(w->target));
    if (bad) {
        t->malformed++;
        t->single_flips += (uint64_t)single_flip;
        assert_int_equal(st->ip_martians, martians + (uint64_t)(early == 1));
        assert_int_equal(st->tcp_bad_flags, bad_flags + (uint64_t)(early == 2));
        /* A fragment is not malformed, but is dropped and counted apart (never reassembled). */
        assert_int_equal(st->ip_bad + st->ip_frags_dropped,
                         ip_bad + frags + (uint64_t)(!early && !r.ip_ok));
        assert_int_equal(st->tcp_bad, tcp_bad + (uint64_t)(!early && r.ip_ok));
        assert_int_equal(vg_simnet_stats(w->p->net)->sent, sent);   /* no answer */
        assert_int_equal(w->p->nevents, nev);                          /* no event */
        take_snapshot(w, &after);
        assert_memory_equal(&before, &after, sizeof before);           /* nothing moved */
        return;
    }
    t->wellformed++;
    assert_int_equal(st->ip_bad, ip_bad);
    assert_int_equal(st->tcp_bad, tcp_bad);

    uint64_t answers = vg_simnet_stats(w->p->net)->sent - sent;
    if (r.tcp_ok && !conn && !lis) {
        /* RFC 9293 §3.10.7.1: an RST for any segment but an RST. */
        t->no_conn++;
        assert_int_equal(st->tcp_no_tcb, no_tcb + 1);
        assert_int_equal(answers, (r.th.flags & VG_TCP_RST) ? 0 : 1);
    }
    if (lis) {
        uint8_t f = r.th.flags;
        if (f & VG_TCP_RST) {
            /* §3.10.7.2: ignored; for a half-open entry, RFC 5961: at most a challenge ACK. */
            assert_true(answers <= (uint64_t)half_open);
        } else if (f & VG_TCP_ACK) {
            if (half_open)
                assert_true(answers <= 1);         /* RST, challenge ACK, or a completed handshake */
            else
                assert_int_equal(answers, 1);      /* an RST */
        } else if (f & VG_TCP_SYN) {
            t->syn_to_listener++;
            /* SYN-ACK, or silence if full; a second, different SYN for a half-open entry gets
             * a challenge ACK, which the per-connection limit may hold back. */
            assert_int_equal(answers + (st->tcp_challenge_acks_suppressed - chall_held),
                             (uint64_t)(room || half_open));
            assert_int_equal(st->tcbs_live, tcbs);   /* a SYN never costs a TCB */
        } else {
            assert_int_equal(answers, 0);
        }
    }
    if (client && !half_open_entry(w, r.ip.src, r.th.sport) &&
        !tcb_lookup(s, r.ip.dst, r.th.dport, r.ip.src, r.th.sport))
        b->reset = 1;                              /* an RST ended the client's half-open entry */
    int reset = 0, was_gone = w->s_gone;
    for (size_t i = nev; i < w->p->nevents && !was_gone; i++) {
        const struct tn_event *e = &w->p->events[i];
        if (e->host != w->sut || e->ev.tcb != w->s)
            continue;
        if (e->ev.type == VG_EV_RESET_RECEIVED)
            reset = 1;
        if (e->ev.type == VG_EV_CLOSED && w->s != w->conn[0] && w->s != w->conn[1])
            w->s_gone = 1;                         /* an embryo nobody holds: the stack freed it */
    }
    if (!aimed)
        return;
    t->aimed++;
    if (reset != exact_rst)
        fail_msg("%s: RST seq %u ack %u flags 0x%02x (RCV.NXT %u): %s", vg_tcp_state_name(w->target),
                 r.th.seq, r.th.ack, r.th.flags, before.rcv_nxt,
                 reset ? "reset the connection, but is not acceptable" : "acceptable, but ignored");
    if (reset) {
        t->resets++;
        b->reset = 1;
    }
    if (challenge) {
        t->challenges++;
        /* Challenged — or held back by the per-connection and stack-wide limits (RFC 5961 §7),
         * which a barrage in one instant is bound to meet. */
        uint64_t challenged = st->tcp_challenge_acks - chall;
        assert_int_equal(challenged + (st->tcp_challenge_acks_suppressed - chall_held), 1);
        if (challenged)
            assert_true(vg_simnet_stats(w->p->net)->sent > sent);
        assert_int_equal(w->s->state, before.state);
    }
    /* Checked once, as it leaves SYN_SENT: RCV.NXT is then the IRS + 1 (a SYN-ACK's data and FIN
     * are not taken in SYN_SENT). */
    int leaving = w->target == VG_TCP_SYN_SENT && w->s->state != VG_TCP_SYN_SENT &&
                  w->s->state != VG_TCP_CLOSED && !w->synced_checked;
    if (leaving)
        w->synced_checked = 1;
    /* A forged SYN-ACK with the peer's own ISN may also carry a TSval the peer's clock has not
     * reached (RFC 7323 gives SYN_SENT nothing to check it against): TS.Recent is then ahead of
     * every segment the peer sends, which PAWS drops, as binding as a forged sequence number. */
    uint32_t peer_clock = w->wire.peer_tsval + (uint32_t)((now_of(w) - w->wire.peer_ts_at) / 1000u);
    int ts_forged = leaving && (w->s->flags2 & TF2_TS) && SEQ_GT(w->s->ts_recent, peer_clock);
    if (leaving && (w->s->rcv_nxt - 1 != w->wire.peer_iss || ts_forged)) {
        if (!b->chaos)
            fail_msg("SYN_SENT: left SYN_SENT on a segment the strict batch should not send");
        b->syn_sent_left = 1;
        w->desync = 1;
    }
}

static void barrage(struct world *w, struct batch *b, struct tally *t)
{
    for (int i = 0; i < PER_BATCH; i++) {
        struct pkt k;
        if (w->wire.nseeds && rnd(2))
            k = w->wire.seeds[rnd((uint32_t)w->wire.nseeds)];
        else
            fresh_seed(w, &k);
        int single_flip = 0;
        if (rnd(6) == 0) {
            /* One bit, checksums left as they were: must always be caught. */
            uint32_t bit = rnd((uint32_t)k.len * 8);
            k.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            single_flip = 1;
        } else {
            uint16_t totlen = k.len >= 4 ? vg_get16(k.b + 2) : 0;
            for (uint32_t n = 1 + rnd(3); n--;)
                mutate(&k, (enum mutation)rnd(M_COUNT));
            if (rnd(3)) {
                /* Repair: lengths that still describe the buffer, then both checksums. */
                if (k.len >= 4 && vg_get16(k.b + 2) == totlen && rnd(2))
                    vg_put16(k.b + 2, (uint16_t)k.len);
                fix_ip_csum(&k);
                fix_tcp_csum(&k);
            }
        }
        inject(w, &k, single_flip, b, t);
    }
}

/* ---- Finishing the conversation after the barrage. */
static void dump_tcb(const char *who, const vg_tcb *t, vg_time now)
{
    if (!t) {
        print_message("  %s: none\n", who);
        return;
    }
    print_message("  %s: %s una %u nxt %u max %u wnd %u (wl1 %u wl2 %u) rcv_nxt %u adv %u "
                  "sndq %u rcvq %u ooo %u flags 0x%x cwnd %u rto %u rtx_count %u; "
                  "rtx %lld persist %lld delack %lld close %lld (us from now); timer %s %lld\n",
                  who, vg_tcp_state_name(vg_tcp_state(t)), t->snd_una, t->snd_nxt, t->snd_max,
                  t->snd_wnd, t->snd_wl1, t->snd_wl2, t->rcv_nxt, t->rcv_adv, vg_ring_len(t->snd),
                  vg_ring_len(t->rcv), tcb_nooo(t), t->flags, t->cwnd, t->rto_us, tcb_rtx_count(t),
                  tcb_rtx_at(t) == VG_TIME_NEVER ? -1 : (long long)(tcb_rtx_at(t) - now),
                  tcb_persist_at(t) == VG_TIME_NEVER ? -1 : (long long)(tcb_persist_at(t) - now),
                  tcb_delack_at(t) == VG_TIME_NEVER ? -1 : (long long)(tcb_delack_at(t) - now),
                  t->close_at == VG_TIME_NEVER ? -1 : (long long)(t->close_at - now),
                  vg_timer_armed(&t->timer) ? "armed" : "idle",
                  vg_timer_armed(&t->timer) ? (long long)(t->timer.expires - now) : 0);
}

static int finished(struct world *w)
{
    return w->conn[0] && w->conn[1] && vg_tcp_state(w->conn[0]) == VG_TCP_CLOSED &&
           vg_tcp_state(w->conn[1]) == VG_TCP_CLOSED;
}

static void finish(struct world *w, const struct batch *b, struct tally *t, uint64_t seed)
{
    int frozen = window_frozen(w);
    if (frozen && !b->chaos)
        fail_msg("CLOSE_WAIT seed %llu: a strict batch froze the send window",
                 (unsigned long long)seed);
    t->frozen += (uint64_t)frozen;
    w->wire.hold = HOLD_NONE;
    if (w->target == VG_TCP_LISTEN)
        connect_client(w);
    for (int d = 0; d < 2; d++) {
        w->flow[d].cap = w->flow[d].total;
        w->flow[d].shut_when_done = 1;
    }
    /* When a forgery has already ended the conversation legitimately, the ends can disagree
     * for good and answer each other's every segment with an ACK (RFC 9293 §3.10.7.4 asks for
     * that reply; RFC 5961 §7 suggests throttling it): run on only a little, to exercise what
     * follows, instead of to the limit. */
    int known_end = b->reset || b->syn_sent_left || frozen;
    uint64_t sent0 = vg_simnet_stats(w->p->net)->sent;
    int done = run(w, finished, now_of(w) + (known_end ? VG_MS(600000) : FINISH_LIMIT),
                   known_end ? 20000 : FINISH_STEPS);
    if (known_end && vg_simnet_stats(w->p->net)->sent - sent0 > 15000)
        t->ack_storms++;
    struct flow *in = &w->flow[1 - w->sut];
    int ended_early = in->eof && in->rcvd != in->total;
    if (ended_early) {
        /* Only a forged FIN at exactly that point may end the stream there. */
        int explained = 0;
        for (size_t i = 0; i < b->nfins; i++)
            explained |= b->fin_offsets[i] == in->rcvd;
        if (!b->chaos || !explained)
            fail_msg("%s seed %llu: the SUT's stream ended at %u of %u", vg_tcp_state_name(w->target),
                     (unsigned long long)seed, in->rcvd, in->total);
        t->ended_early++;
    }
    if (b->reset || ended_early || b->syn_sent_left || frozen)
        return;                                    /* a forgery legitimately ended it */
    int ok = done && !vg_tcp_error(w->conn[0]) && !vg_tcp_error(w->conn[1]) &&
             w->flow[0].rcvd == w->flow[0].total && w->flow[1].rcvd == w->flow[1].total &&
             w->flow[0].eof && w->flow[1].eof;
    if (!ok) {
        dump_tcb("host0", w->conn[0], now_of(w));
        dump_tcb("host1", w->conn[1], now_of(w));
    }
    if (!ok)
        fail_msg("%s %s seed %llu: conversation not finished: host0 %s (%s) host1 %s (%s), "
                 "0->1 %u/%u eof %d, 1->0 %u/%u eof %d, t=%llu us",
                 vg_tcp_state_name(w->target), b->chaos ? "chaos" : "strict",
                 (unsigned long long)seed,
                 w->conn[0] ? vg_tcp_state_name(vg_tcp_state(w->conn[0])) : "-",
                 w->conn[0] ? vg_err_name(vg_tcp_error(w->conn[0])) : "-",
                 w->conn[1] ? vg_tcp_state_name(vg_tcp_state(w->conn[1])) : "-",
                 w->conn[1] ? vg_err_name(vg_tcp_error(w->conn[1])) : "-", w->flow[0].rcvd,
                 w->flow[0].total, w->flow[0].eof, w->flow[1].rcvd, w->flow[1].total,
                 w->flow[1].eof, (unsigned long long)now_of(w));
    t->strict_ok++;
}

static unsigned batches(void)
{
    const char *e = getenv("VIGIL_MALFORMED_BATCHES");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        if (v > 0 && v < 100000)
            return (unsigned)v;
    }
    return DEFAULT_BATCHES;
}

static void run_state(enum vg_tcp_state st)
{
    struct tally t;
    memset(&t, 0, sizeof t);
    unsigned n = batches();
    for (unsigned i = 0; i < 2 * n; i++) {
        uint64_t seed = 1000u * (uint64_t)st + i;
        vg_prng_seed(&rng, seed);
        struct world *w = world_new(st, seed);
        setup(w);
        struct batch b;
        memset(&b, 0, sizeof b);
        b.chaos = (int)(i & 1);
        barrage(w, &b, &t);
        finish(w, &b, &t, seed);
        world_free(w);
    }
    print_message("%-12s %llu packets: %llu malformed (%llu single-bit), %llu well-formed "
                  "(%llu for no connection, %llu SYNs to the listener), "
                  "%llu aimed at the connection (%llu resets, %llu challenge ACKs), "
                  "%llu left out of strict batches; %llu conversations finished exactly, "
                  "%llu ended early by a forged FIN, %llu with a frozen window, "
                  "%llu cut short in an ACK exchange\n",
                  vg_tcp_state_name(st), (unsigned long long)t.packets,
                  (unsigned long long)t.malformed, (unsigned long long)t.single_flips,
                  (unsigned long long)t.wellformed, (unsigned long long)t.no_conn,
                  (unsigned long long)t.syn_to_listener, (unsigned long long)t.aimed,
                  (unsigned long long)t.resets, (unsigned long long)t.challenges,
                  (unsigned long long)t.skipped, (unsigned long long)t.strict_ok,
                  (unsigned long long)t.ended_early, (unsigned long long)t.frozen,
                  (unsigned long long)t.ack_storms);
    /* The check must have had something to check. */
    assert_true(t.malformed > t.packets / 4);
    assert_true(t.wellformed > t.packets / 10);
    assert_true(t.strict_ok >= n);
}

static void malformed_in_listen(void **state) { (void)state; run_state(VG_TCP_LISTEN); }
static void malformed_in_syn_sent(void **state) { (void)state; run_state(VG_TCP_SYN_SENT); }
static void malformed_in_syn_received(void **state) { (void)state; run_state(VG_TCP_SYN_RECEIVED); }
static void malformed_in_established(void **state) { (void)state; run_state(VG_TCP_ESTABLISHED); }
static void malformed_in_fin_wait_1(void **state) { (void)state; run_state(VG_TCP_FIN_WAIT_1); }
static void malformed_in_fin_wait_2(void **state) { (void)state; run_state(VG_TCP_FIN_WAIT_2); }
static void malformed_in_close_wait(void **state) { (void)state; run_state(VG_TCP_CLOSE_WAIT); }
static void malformed_in_closing(void **state) { (void)state; run_state(VG_TCP_CLOSING); }
static void malformed_in_last_ack(void **state) { (void)state; run_state(VG_TCP_LAST_ACK); }
static void malformed_in_time_wait(void **state) { (void)state; run_state(VG_TCP_TIME_WAIT); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_in_listen),
        cmocka_unit_test(malformed_in_syn_sent),
        cmocka_unit_test(malformed_in_syn_received),
        cmocka_unit_test(malformed_in_established),
        cmocka_unit_test(malformed_in_fin_wait_1),
        cmocka_unit_test(malformed_in_fin_wait_2),
        cmocka_unit_test(malformed_in_close_wait),
        cmocka_unit_test(malformed_in_closing),
        cmocka_unit_test(malformed_in_last_ack),
        cmocka_unit_test(malformed_in_time_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
