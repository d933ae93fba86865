/* Allocation-failure injection (issue 8): every allocation the core makes can fail, and each
 * failure leaves the stack consistent.
 *
 * Each scenario is run once with a hook that only counts the allocations it makes (N), and must
 * then complete. It is run again for every k < N failing allocation k alone, and failing every
 * allocation from k on. The application and the scripted peer behave as real ones do: a call
 * that fails with VG_ERR_NOBUFS is retried later, a segment the stack did not acknowledge is
 * retransmitted, a SYN that got no answer is resent, a datagram that never arrived is sent
 * again. So after one failed allocation the scenario must still complete, with every byte
 * delivered in order. With every allocation failing it cannot complete, but what the user sees is
 * still clean: errors are VG_ERR_NOBUFS (or "not yet": WOULDBLOCK), data is never corrupted.
 * After each run, the stack's bookkeeping must agree with what exists (tcbs_live with the TCB
 * list, mem_bytes with the buffers); the hook is removed, everything is released, and when the
 * last connection is gone tcbs_live and mem_bytes are 0 and a fresh connection on the same stack
 * works end to end. Leaks are LeakSanitizer's (the suite runs in the ASan build in CI). */
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

#define MAXC 160
#define ROUNDS 48
#define ROUND_US VG_MS(250)
#define LISTEN_PORT 80
#define ISN_BASE 0x70000000u

/* ---- The hook. */
struct failplan {
    int counting;      /* only count */
    unsigned n;        /* allocations asked for so far */
    unsigned k;        /* the one to fail, or the first of those to fail */
    int from_on;
};

static int fail_hook(void *ctx, size_t size)
{
    (void)size;
    struct failplan *p = ctx;
    unsigned i = p->n++;
    if (p->counting)
        return 0;
    return p->from_on ? i >= p->k : i == p->k;
}

/* Which run is failing, for the messages. */
static char run_name[64];
#define FAIL(fmt, ...) fail_msg("[%s] " fmt, run_name, __VA_ARGS__)

/* ---- Both byte streams are fixed functions of the stream offset. */
static uint8_t peer_byte(uint32_t k) { return (uint8_t)((k * 0x9e3779b1u + 0x7f4a7c15u) >> 24); }
static uint8_t app_byte(uint32_t k) { return (uint8_t)((k * 0x85ebca6bu + 0xc2b2ae35u) >> 23); }

/* One connection as both ends see it. */
struct conn {
    int active;                    /* the stack opened it */
    uint16_t pport, sport;         /* the peer's and the stack's port */
    vg_tcb *t;                     /* the application's handle */
    int bound, connecting, closed; /* application steps done */
    uint32_t app_total, peer_total;/* bytes each side has to send */
    uint32_t app_sent, app_rcvd;
    int app_shut, app_eof;
    /* The peer. */
    uint32_t isn, snd_nxt, snd_una;
    int peer_started, peer_fin, synced, stack_fin, reset;
    uint32_t stack_iss, rcv_nxt, peer_rcvd;
    uint16_t wnd;
    int silent;                    /* the peer stops answering (keep-alive) */
    int reorder;                   /* the peer sends its data last segment first */
};

struct world {
    struct rawpeer *rp;
    struct conn c[MAXC];
    size_t nc;
    vg_tcb *listener;
    int listening;
    vg_udp *udp;
    int udp_bound;
    uint32_t udp_in_got, udp_out_sent, udp_out_seen;  /* datagrams */
    int ka_done;
    struct failplan plan;
};

static struct conn *conn_new(struct world *w, int active, uint16_t pport, uint32_t app_total,
                             uint32_t peer_total)
{
    assert_true(w->nc < MAXC);
    struct conn *c = &w->c[w->nc++];
    memset(c, 0, sizeof *c);
    c->active = active;
    c->pport = pport;
    c->sport = active ? (uint16_t)(3000 + w->nc) : LISTEN_PORT;
    c->app_total = app_total;
    c->peer_total = peer_total;
    c->isn = ISN_BASE + (uint32_t)w->nc * 0x01000000u;
    c->snd_nxt = c->snd_una = c->isn;
    c->wnd = 65535;
    return c;
}

/* ---- The peer. */

static void peer_seg(struct world *w, struct conn *c, uint8_t flags, uint32_t seq,
                     const struct vg_tcp_opts *opt, uint32_t dlen)
{
    static uint8_t data[1460];
    for (uint32_t i = 0; i < dlen; i++)
        data[i] = peer_byte(seq + i - c->isn - 1);
    w->rp->port = c->pport;
    w->rp->sport = c->sport;
    rp_send(w->rp, flags, seq, (flags & VG_TCP_ACK) ? c->rcv_nxt : 0, c->wnd, opt,
            dlen ? data : NULL, dlen);
}

static const struct vg_tcp_opts syn_opts = {.has_mss = 1, .mss = 1460, .has_wscale = 1,
                                             .wscale = 7};

/* Data from first to the peer's SND.NXT, in 1000-byte segments (last first when reordering). */
static void peer_send_range(struct world *w, struct conn *c, uint32_t first)
{
    uint32_t end = c->isn + 1 + c->peer_total;
    if (!SEQ_LT(first, end))
        return;
    uint32_t n = (end - first + 999) / 1000;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = c->reorder ? n - 1 - i : i;
        uint32_t seq = first + j * 1000;
        uint32_t len = end - seq < 1000 ? end - seq : 1000;
        peer_seg(w, c, VG_TCP_ACK | VG_TCP_PSH, seq, NULL, len);
    }
}

/* What a real peer does each round: (re)send its SYN until answered, then its data from what
 * the stack has acknowledged, then its FIN once the stack's FIN came. */
static void peer_act(struct world *w, struct conn *c)
{
    if (c->reset || c->silent)
        return;
    if (!c->active && !c->synced) {
        if (c->peer_started)
            peer_seg(w, c, VG_TCP_SYN, c->isn, &syn_opts, 0);
        return;
    }
    if (!c->synced)
        return;
    peer_send_range(w, c, c->snd_una == c->isn ? c->isn + 1 : c->snd_una);
    c->snd_nxt = c->isn + 1 + c->peer_total;
    if (c->stack_fin && c->peer_rcvd == c->app_total) {
        c->peer_fin = 1;
        peer_seg(w, c, VG_TCP_ACK | VG_TCP_FIN, c->snd_nxt, NULL, 0);
    }
}

static struct conn *conn_of(struct world *w, uint16_t pport, uint16_t sport)
{
    for (size_t i = 0; i < w->nc; i++)
        if (w->c[i].pport == pport && w->c[i].sport == sport)
            return &w->c[i];
    return NULL;
}

static void peer_take_tcp(struct world *w, const struct rp_seg *g, uint8_t *need_ack)
{
    struct conn *c = conn_of(w, g->th.dport, g->th.sport);
    if (!c)
        return;
    size_t ci = (size_t)(c - w->c);
    const struct vg_tcp_hdr *th = &g->th;
    if (th->flags & VG_TCP_RST) {
        c->reset = 1;
        return;
    }
    if (th->flags & VG_TCP_SYN) {
        c->synced = 1;
        c->stack_iss = th->seq;
        c->rcv_nxt = th->seq + 1;
        if (!(th->flags & VG_TCP_ACK)) {      /* the stack's active open: answer it */
            if (!c->silent)
                peer_seg(w, c, VG_TCP_SYN | VG_TCP_ACK, c->isn, &syn_opts, 0);
            return;
        }
        need_ack[ci] = 1;
    }
    if ((th->flags & VG_TCP_ACK) && SEQ_GT(th->ack, c->snd_una) &&
        SEQ_LEQ(th->ack, c->isn + 2 + c->peer_total))
        c->snd_una = th->ack;
    uint32_t seq = th->seq + ((th->flags & VG_TCP_SYN) ? 1u : 0u);
    /* Never corrupted data: every octet the stack sends is the application's at its offset,
     * except a keep-alive probe's garbage octet (B2: one octet at RCV.NXT-1, already received). */
    int ka_probe = g->dlen == 1 && seq + 1 == c->rcv_nxt && !(th->flags & VG_TCP_SYN);
    for (size_t i = 0; i < g->dlen && !ka_probe; i++)
        if (g->data[i] != app_byte(seq + (uint32_t)i - c->stack_iss - 1))
            FAIL("conn %zu: the stack sent a wrong byte at offset %u", ci,
                     (unsigned)(seq + i - c->stack_iss - 1));
    if (g->dlen || (th->flags & VG_TCP_FIN))
        need_ack[ci] = 1;
    uint32_t end = seq + (uint32_t)g->dlen;
    if (SEQ_LEQ(seq, c->rcv_nxt) && SEQ_GT(end, c->rcv_nxt)) {
        c->peer_rcvd += end - c->rcv_nxt;
        c->rcv_nxt = end;
    }
    if ((th->flags & VG_TCP_FIN) && end == c->rcv_nxt && !c->stack_fin) {
        c->stack_fin = 1;
        c->rcv_nxt++;
    }
}

/* Takes everything the stack sent and answers as a well-behaved peer. */
static void pump(struct world *w)
{
    static uint8_t need_ack[MAXC];
    memset(need_ack, 0, sizeof need_ack);
    const struct rp_seg *g;
    while ((g = rp_take(w->rp)) != NULL) {
        if (g->is_tcp) {
            peer_take_tcp(w, g, need_ack);
        } else if (g->ip.proto == VG_IPPROTO_UDP) {
            struct vg_udp_hdr uh;
            const uint8_t *d;
            size_t dlen;
            assert_int_equal(vg_udp_parse(g->raw + VG_IPV4_HDR_LEN, g->rawlen - VG_IPV4_HDR_LEN,
                                          g->ip.src, g->ip.dst, &uh, &d, &dlen),
                             VG_WIRE_OK);
            assert_int_equal(dlen, 100);
            for (size_t i = 0; i < dlen; i++)
                assert_int_equal(d[i], app_byte((uint32_t)i));
            w->udp_out_seen++;
        }
    }
    for (size_t i = 0; i < w->nc; i++)
        if (need_ack[i] && !w->c[i].silent && !w->c[i].reset)
            peer_seg(w, &w->c[i], VG_TCP_ACK, w->c[i].snd_nxt == w->c[i].isn ? w->c[i].isn + 1
                                                                            : w->c[i].snd_nxt,
                     NULL, 0);
}

/* ---- The application. Every error it sees must be one a real application handles. */

static void assert_clean_error(long rc, const char *call)
{
    if (rc != -VG_ERR_NOBUFS && rc != -VG_ERR_WOULDBLOCK)
        FAIL("%s failed with %s: only VG_ERR_NOBUFS may come of a failed allocation", call,
                 vg_err_name((int)-rc));
}

static void app_open(struct world *w, struct conn *c)
{
    vg_time now = w->rp->now;
    if (!c->t) {
        c->t = vg_tcp_open(w->rp->s);
        if (!c->t)
            return;
    }
    if (!c->bound) {
        int rc = vg_tcp_bind(c->t, RP_STACK_ADDR, c->sport);
        if (rc) {
            assert_clean_error(rc, "vg_tcp_bind");
            return;
        }
        c->bound = 1;
    }
    if (!c->connecting) {
        int rc = vg_tcp_connect(c->t, RP_PEER_ADDR, c->pport, now);
        if (rc) {
            assert_clean_error(rc, "vg_tcp_connect");
            return;
        }
        c->connecting = 1;
    }
}

static void app_listen(struct world *w, int backlog)
{
    if (w->listening)
        return;
    if (!w->listener) {
        w->listener = vg_tcp_open(w->rp->s);
        if (!w->listener)
            return;
    }
    uint16_t lport;
    vg_tcp_endpoints(w->listener, NULL, &lport, NULL, NULL);
    if (!lport) {
        int rc = vg_tcp_bind(w->listener, RP_STACK_ADDR, LISTEN_PORT);
        if (rc) {
            assert_clean_error(rc, "vg_tcp_bind");
            return;
        }
    }
    int rc = vg_tcp_listen(w->listener, backlog);
    if (rc) {
        assert_clean_error(rc, "vg_tcp_listen");
        return;
    }
    w->listening = 1;
}

static void app_accept(struct world *w)
{
    if (!w->listening)
        return;
    vg_tcb *t;
    while ((t = vg_tcp_accept(w->listener)) != NULL) {
        uint16_t rport;
        vg_tcp_endpoints(t, NULL, NULL, NULL, &rport);
        struct conn *c = conn_of(w, rport, LISTEN_PORT);
        assert_non_null(c);
        assert_null(c->t);
        c->t = t;
    }
}

static void app_io(struct world *w, struct conn *c)
{
    static uint8_t buf[65536];
    vg_time now = w->rp->now;
    if (!c->t || c->closed || (c->active && !c->connecting))
        return;
    enum vg_tcp_state st = vg_tcp_state(c->t);
    if (st == VG_TCP_SYN_SENT || st == VG_TCP_SYN_RECEIVED)
        return;
    /* In pieces, so the send buffer grows while it holds data. */
    while (c->app_sent < c->app_total && !c->app_shut) {
        uint32_t n = c->app_total - c->app_sent;
        if (n > 2500)
            n = 2500;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = app_byte(c->app_sent + i);
        long r = vg_tcp_send(c->t, buf, n, now);
        if (r <= 0) {
            assert_clean_error(r, "vg_tcp_send");
            break;
        }
        c->app_sent += (uint32_t)r;
    }
    for (;;) {
        long r = vg_tcp_recv(c->t, buf, sizeof buf, now);
        if (r > 0) {
            for (long i = 0; i < r; i++)
                if (buf[i] != peer_byte(c->app_rcvd + (uint32_t)i))
                    FAIL("byte %u delivered wrong%s", (unsigned)(c->app_rcvd + i), "");
            c->app_rcvd += (uint32_t)r;
            continue;
        }
        if (r == 0) {
            /* End of stream only after every byte the peer sent. */
            assert_int_equal(c->app_rcvd, c->peer_total);
            c->app_eof = 1;
        } else if (!c->silent) {
            assert_clean_error(r, "vg_tcp_recv");
        }
        break;
    }
    if (c->app_sent == c->app_total && !c->app_shut && c->app_rcvd == c->peer_total) {
        int rc = vg_tcp_shutdown_send(c->t, now);
        if (rc)
            assert_clean_error(rc, "vg_tcp_shutdown_send");   /* retried next round */
        else
            c->app_shut = 1;
    }
    if (c->app_shut && c->app_eof && c->peer_rcvd == c->app_total && c->stack_fin) {
        vg_tcp_close(c->t, now);
        c->t = NULL;
        c->closed = 1;
    }
}

static int conns_done(const struct world *w)
{
    for (size_t i = 0; i < w->nc; i++)
        if (!w->c[i].closed)
            return 0;
    return 1;
}

/* ---- Scenarios: each step does what it can now and says whether the scenario is complete. */

static int step_active_transfer(struct world *w)
{
    if (w->nc == 0)
        conn_new(w, 1, 5000, 20000, 10000);
    app_open(w, &w->c[0]);
    app_io(w, &w->c[0]);
    return conns_done(w);
}

static int step_passive(struct world *w, size_t n, int backlog, uint32_t app_total,
                        uint32_t peer_total, int reorder)
{
    if (w->nc == 0)
        for (size_t i = 0; i < n; i++)
            conn_new(w, 0, (uint16_t)(40000 + i), app_total, peer_total)->reorder = reorder;
    app_listen(w, backlog);
    if (w->listening)
        for (size_t i = 0; i < w->nc; i++)
            w->c[i].peer_started = 1;
    app_accept(w);
    for (size_t i = 0; i < w->nc; i++)
        app_io(w, &w->c[i]);
    return conns_done(w);
}

static int step_accept_several(struct world *w) { return step_passive(w, 4, 8, 3000, 5000, 0); }
static int step_out_of_order(struct world *w) { return step_passive(w, 1, 4, 100, 9000, 1); }
static int step_many_connections(struct world *w) { return step_passive(w, 150, 200, 10, 10, 0); }

static int step_zero_window(struct world *w)
{
    if (w->nc == 0)
        conn_new(w, 1, 5001, 6000, 0)->wnd = 0;
    struct conn *c = &w->c[0];
    /* The peer's window stays shut for a while (persist probes go out), then opens. */
    if (c->wnd == 0 && w->rp->now > VG_MS(1000) + VG_MS(3000)) {
        c->wnd = 65535;
        if (c->synced)
            peer_seg(w, c, VG_TCP_ACK, c->isn + 1, NULL, 0);
    }
    app_open(w, c);
    app_io(w, c);
    return conns_done(w);
}

static int step_keepalive_abort(struct world *w)
{
    if (w->nc == 0) {
        conn_new(w, 0, 40000, 0, 0);
        w->c[0].closed = 1;           /* this one ends by keep-alive, not by a close */
    }
    struct conn *c = &w->c[0];
    app_listen(w, 4);
    if (w->listening)
        c->peer_started = 1;
    app_accept(w);
    if (!c->t || w->ka_done)
        return w->ka_done;
    vg_time now = w->rp->now;
    if (!vg_tcp_keepalive(c->t)) {
        assert_int_equal(vg_tcp_set_keepalive_time_ms(c->t, 1000, now), 0);
        assert_int_equal(vg_tcp_set_keepalive_interval_ms(c->t, 100, now), 0);
        assert_int_equal(vg_tcp_set_keepalive_count(c->t, 3, now), 0);
        assert_int_equal(vg_tcp_set_keepalive(c->t, 1, now), 0);
        c->silent = 1;                /* the peer vanishes */
    }
    if (vg_tcp_state(c->t) == VG_TCP_CLOSED) {
        uint8_t b;
        assert_int_equal(vg_tcp_recv(c->t, &b, 1, now), -VG_ERR_NETRESET);
        vg_tcp_close(c->t, now);
        c->t = NULL;
        w->ka_done = 1;
    }
    return w->ka_done;
}

static int step_udp(struct world *w)
{
    static uint8_t buf[2048];
    struct rawpeer *rp = w->rp;
    if (!w->udp) {
        w->udp = vg_udp_open(rp->s);
        if (!w->udp)
            return 0;
    }
    if (!w->udp_bound) {
        int rc = vg_udp_bind(w->udp, 0, 7);
        if (rc) {
            assert_clean_error(rc, "vg_udp_bind");
            return 0;
        }
        w->udp_bound = 1;
    }
    /* The peer sends datagram i until the application has it. */
    while (w->udp_in_got < 5) {
        long r = vg_udp_recvfrom(w->udp, buf, sizeof buf, NULL, NULL);
        if (r < 0) {
            assert_int_equal(r, -VG_ERR_WOULDBLOCK);
            break;
        }
        assert_int_equal(r, 200 + w->udp_in_got);
        for (long i = 0; i < r; i++)
            assert_int_equal(buf[i], peer_byte((uint32_t)i + w->udp_in_got));
        w->udp_in_got++;
    }
    if (w->udp_in_got < 5) {
        uint32_t n = 200 + w->udp_in_got;
        uint8_t dg[8 + 256], pkt[VG_IPV4_HDR_LEN + sizeof dg];
        for (uint32_t i = 0; i < n; i++)
            dg[8 + i] = peer_byte(i + w->udp_in_got);
        size_t len = vg_udp_write(dg, sizeof dg, 5353, 7, RP_PEER_ADDR, RP_STACK_ADDR, dg + 8, n);
        struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_UDP, .src = RP_PEER_ADDR,
                                 .dst = RP_STACK_ADDR};
        vg_ipv4_write(pkt, sizeof pkt, &ip, len);
        memcpy(pkt + VG_IPV4_HDR_LEN, dg, len);
        rp_inject(rp, pkt, VG_IPV4_HDR_LEN + len);
    }
    if (w->udp_out_sent < 5) {
        for (uint32_t i = 0; i < 100; i++)
            buf[i] = app_byte(i);
        long r = vg_udp_sendto(w->udp, buf, 100, RP_PEER_ADDR, 5353, rp->now);
        if (r == 100)
            w->udp_out_sent++;
        else
            assert_clean_error(r, "vg_udp_sendto");
    }
    if (w->udp_in_got == 5 && w->udp_out_seen == 5) {
        vg_udp_close(w->udp);
        w->udp = NULL;
        return 1;
    }
    return 0;
}

/* ---- Consistency, cleanup and the fresh connection. */

static void assert_consistent(struct world *w)
{
    vg_stack *s = w->rp->s;
    const struct vg_stack_stats *st = vg_stack_stats(s);
    uint64_t n = 0, buffers = 0;
    for (vg_tcb *t = vg_stack_next_tcb(s, NULL); t; t = vg_stack_next_tcb(s, t)) {
        n++;
        buffers += vg_ring_footprint(t->snd) + vg_ring_footprint(t->rcv);
    }
    assert_int_equal(st->tcbs_live, n);
    assert_true(st->mem_bytes >= buffers);
    for (size_t i = 0; i < w->nc; i++) {
        if (!w->c[i].t)
            continue;
        int found = 0;
        for (vg_tcb *t = vg_stack_next_tcb(s, NULL); t && !found; t = vg_stack_next_tcb(s, t))
            found = t == w->c[i].t;
        assert_true(found);
    }
}

/* Releases what the application holds; the peer keeps answering until nothing is left. */
static void release_all(struct world *w)
{
    struct rawpeer *rp = w->rp;
    for (size_t i = 0; i < w->nc; i++)
        if (w->c[i].t) {
            vg_tcp_abort(w->c[i].t, rp->now);
            w->c[i].t = NULL;
        }
    if (w->listener) {
        vg_tcp_close(w->listener, rp->now);
        w->listener = NULL;
    }
    if (w->udp) {
        vg_udp_close(w->udp);
        w->udp = NULL;
    }
    for (int i = 0; i < 600 && (rp_stats(rp)->tcbs_live || rp_stats(rp)->mem_bytes); i++) {
        pump(w);
        rp_run_for(rp, VG_MS(1000));
    }
    pump(w);
    assert_null(vg_stack_next_tcb(rp->s, NULL));
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    assert_int_equal(rp_stats(rp)->mem_bytes, 0);
}

static void fresh_connection_works(struct rawpeer *rp)
{
    rp_drain(rp);
    rp->port = 45000;
    vg_tcb *l = rp_listen(rp, 9000, 4);
    vg_tcb *c = rp_open_passive(rp, l, 9000, NULL, 65535);
    rp_send_data(rp, "ping", 4);
    char buf[8];
    assert_int_equal(vg_tcp_recv(c, buf, sizeof buf, rp->now), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(vg_tcp_send(c, "pong", 4, rp->now), 4);
    const struct rp_seg *g;
    while ((g = rp_receive(rp)) != NULL && g->dlen == 0)
        ;
    assert_non_null(g);
    assert_int_equal(g->dlen, 4);
    assert_memory_equal(g->data, "pong", 4);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    assert_int_equal(rp_stats(rp)->mem_bytes, 0);
}

typedef int (*step_fn)(struct world *w);

/* One run; returns the number of allocations the stack asked for. */
static unsigned run_once(step_fn step, int counting, unsigned k, int from_on)
{
    static struct world w;
    memset(&w, 0, sizeof w);
    snprintf(run_name, sizeof run_name, "%s k=%u", counting ? "counting" : from_on ? "from" : "only", k);
    w.rp = rp_new(NULL);
    w.plan = (struct failplan){.counting = counting, .k = k, .from_on = from_on};
    vg_stack_set_alloc_fail(w.rp->s, fail_hook, &w.plan);
    int done = 0;
    for (int round = 0; round < ROUNDS && !done; round++) {
        done = step(&w);
        pump(&w);
        if (done)
            break;
        for (size_t i = 0; i < w.nc; i++)
            peer_act(&w, &w.c[i]);
        pump(&w);
        rp_run_for(w.rp, ROUND_US);
        pump(&w);
    }
    assert_consistent(&w);
    /* One failed allocation is recovered from; many may leave the scenario unfinished. */
    if (!from_on && !done)
        FAIL("allocation %u failing alone left the scenario unfinished", k);
    vg_stack_set_alloc_fail(w.rp->s, NULL, NULL);
    release_all(&w);
    fresh_connection_works(w.rp);
    rp_free(w.rp);
    return w.plan.n;
}

static void every_allocation_fails_in_turn(step_fn step)
{
    unsigned n = run_once(step, 1, 0, 0);
    assert_true(n > 0);
    print_message("%u allocations; each failed alone, and all from each on\n", n);
    for (unsigned k = 0; k < n; k++) {
        run_once(step, 0, k, 0);
        run_once(step, 0, k, 1);
    }
}

static void alloc_failure_active_open_transfer_close(void **state)
{
    (void)state;
    every_allocation_fails_in_turn(step_active_transfer);
}

static void alloc_failure_listen_accept_several(void **state)
{
    (void)state;
    every_allocation_fails_in_turn(step_accept_several);
}

static void alloc_failure_out_of_order_receive(void **state)
{
    (void)state;
    every_allocation_fails_in_turn(step_out_of_order);
}

static void alloc_failure_zero_window(void **state)
{
    (void)state;
    every_allocation_fails_in_turn(step_zero_window);
}

static void alloc_failure_keepalive_abort(void **state)
{
    (void)state;
    every_allocation_fails_in_turn(step_keepalive_abort);
}

static void alloc_failure_udp_send_receive(void **state)
{
    (void)state;
    every_allocation_fails_in_turn(step_udp);
}

static void alloc_failure_many_connections_table_grows(void **state)
{
    (void)state;
    every_allocation_fails_in_turn(step_many_connections);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc_failure_active_open_transfer_close),
        cmocka_unit_test(alloc_failure_listen_accept_several),
        cmocka_unit_test(alloc_failure_out_of_order_receive),
        cmocka_unit_test(alloc_failure_zero_window),
        cmocka_unit_test(alloc_failure_keepalive_abort),
        cmocka_unit_test(alloc_failure_udp_send_receive),
        cmocka_unit_test(alloc_failure_many_connections_table_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
