/* Attacks on the stack's memory through TCP buffers. A peer that advertises a zero window and
 * goes silent pins whatever the application queued for it: 2,000 such peers used to pin 128 MB,
 * and nothing bounded connections or memory. Now send and receive buffers come from one budget
 * (cfg.mem_limit): past it, send() is refused with VG_ERR_NOBUFS, receive windows offer only
 * space the budget can back, and nothing the stack acknowledged or accepted from the
 * application is lost. cfg.max_tcbs bounds the connections themselves. */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rawpeer.h"

#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

/* One scripted peer among many: rawpeer plays one connection at a time, so each connection's
 * end is saved here and swapped in. */
struct conn {
    uint16_t port;            /* the peer's */
    uint16_t sport;           /* the stack's */
    uint32_t seq, ack;        /* the peer's SND.NXT and RCV.NXT */
    uint16_t wnd;             /* the window field the peer writes */
    int dirty;                /* the stack sent something the peer must answer */
    vg_tcb *t;
    uint8_t *data;            /* what the application sends, byte for byte */
    size_t len, queued;       /* bytes to send; bytes send() took */
    uint8_t *rx;              /* what the peer received in order */
    size_t got;
};

static void use(struct rawpeer *rp, const struct conn *c)
{
    rp->port = c->port;
    rp->sport = c->sport;
    rp->seq = c->seq;
    rp->ack = c->ack;
    rp->wnd = c->wnd;
}

static void keep(const struct rawpeer *rp, struct conn *c)
{
    c->seq = rp->seq;
    c->ack = rp->ack;
}

static void fill_pattern(uint8_t *p, size_t n, uint32_t salt)
{
    uint32_t x = 0x9e3779b9u ^ salt;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

/* The stack connects to the peer, which answers with window field wnd (window scale 7). */
static void open_active(struct rawpeer *rp, struct conn *c, uint16_t sport, uint16_t port,
                        uint16_t wnd, size_t len)
{
    memset(c, 0, sizeof *c);
    c->port = port;
    rp->port = port;
    c->t = rp_open_active(rp, sport, NULL, wnd);
    c->sport = sport;
    c->wnd = wnd;
    keep(rp, c);
    c->len = len;
    c->data = malloc(len ? len : 1);
    c->rx = malloc(len ? len : 1);
    assert_true(c->data && c->rx);
    fill_pattern(c->data, len, port);
}

static void conn_free(struct conn *c)
{
    free(c->data);
    free(c->rx);
}

static struct conn *by_port(struct conn *cs, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++)
        if (cs[i].port == port)
            return &cs[i];
    fail_msg("segment to unknown peer port %u", port);
    return NULL;
}

static void assert_within_budget(const struct rawpeer *rp)
{
    const struct vg_stack_stats *st = rp_stats(rp);
    uint64_t limit = vg_stack_config(rp->s)->mem_limit;
    if (st->mem_bytes > limit)
        fail_msg("buffers hold %llu bytes, over the %llu-byte budget",
                 (unsigned long long)st->mem_bytes, (unsigned long long)limit);
}

/* The application queues as much of c->data as the stack takes; returns the last result. */
static long app_send(struct rawpeer *rp, struct conn *c, size_t chunk)
{
    long r = 0;
    while (c->queued < c->len) {
        size_t n = c->len - c->queued < chunk ? c->len - c->queued : chunk;
        r = vg_tcp_send(c->t, c->data + c->queued, n, rp->now);
        assert_within_budget(rp);
        if (r <= 0)
            return r;
        c->queued += (size_t)r;
    }
    return r;
}

/* Each peer takes what arrives in order when `accept`, and every peer the stack sent to
 * answers with an ACK carrying its window. */
static void peers_answer(struct rawpeer *rp, struct conn *cs, size_t n, int accept)
{
    const struct rp_seg *g;
    while ((g = rp_take(rp)) != NULL) {
        if (!g->is_tcp)
            continue;
        struct conn *c = by_port(cs, n, g->th.dport);
        c->dirty = 1;
        if (accept && g->dlen && g->th.seq == c->ack) {
            assert_true(c->got + g->dlen <= c->len);
            memcpy(c->rx + c->got, g->data, g->dlen);
            c->got += g->dlen;
            c->ack += (uint32_t)g->dlen;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (cs[i].dirty) {
            cs[i].dirty = 0;
            use(rp, &cs[i]);
            rp_send_ack(rp);
            keep(rp, &cs[i]);
        }
}

#define ZW_PEERS 40
#define ZW_LIMIT (1u << 20)

static void zero_window_peers_cannot_pin_more_than_mem_limit(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.mem_limit = ZW_LIMIT;
    struct rawpeer *rp = rp_new(&cfg);
    struct conn cs[ZW_PEERS];
    for (size_t i = 0; i < ZW_PEERS; i++)
        open_active(rp, &cs[i], (uint16_t)(20000 + i), (uint16_t)(40000 + i), 0, 65536);

    /* Every application fills its 64 KiB send buffer towards a peer whose window is 0: 2.5 MiB
     * asked for, 1 MiB to be had. */
    size_t refused = 0, taken = 0;
    for (size_t i = 0; i < ZW_PEERS; i++) {
        long r = app_send(rp, &cs[i], 16384);
        if (r == -VG_ERR_NOBUFS)
            refused++;
        else
            assert_true(r > 0 || r == -VG_ERR_WOULDBLOCK);
        taken += cs[i].queued;
    }
    assert_true(refused >= ZW_PEERS / 2);
    assert_true(taken <= ZW_LIMIT);
    assert_true(taken >= ZW_LIMIT - ZW_PEERS * 64u - 65536u);
    assert_true(rp_stats(rp)->mem_refused > 0);

    /* The peers stay alive and shut: zero-window probes are answered with window 0. */
    for (int k = 0; k < 20; k++) {
        rp_run_for(rp, VG_MS(100));
        peers_answer(rp, cs, ZW_PEERS, 0);
        assert_within_budget(rp);
        for (size_t i = 0; i < ZW_PEERS; i++)
            assert_int_equal(vg_tcp_state(cs[i].t), VG_TCP_ESTABLISHED);
    }
    for (size_t i = 0; i < ZW_PEERS; i++)
        assert_int_equal(cs[i].got, 0);

    /* The windows open. Every byte queued arrives, and as buffers drain the applications queue
     * the rest; all of it byte-exact, never over the budget. */
    for (size_t i = 0; i < ZW_PEERS; i++)
        cs[i].wnd = 65535;
    for (size_t i = 0; i < ZW_PEERS; i++)
        cs[i].dirty = 1;
    size_t done = 0;
    for (int round = 0; round < 20000 && done < ZW_PEERS; round++) {
        peers_answer(rp, cs, ZW_PEERS, 1);
        for (size_t i = 0; i < ZW_PEERS; i++) {
            long r = app_send(rp, &cs[i], 16384);
            assert_true(r >= 0 || r == -VG_ERR_NOBUFS || r == -VG_ERR_WOULDBLOCK);
        }
        rp_run_for(rp, VG_MS(1));
        done = 0;
        for (size_t i = 0; i < ZW_PEERS; i++)
            done += cs[i].got == cs[i].len;
    }
    assert_int_equal(done, ZW_PEERS);
    for (size_t i = 0; i < ZW_PEERS; i++) {
        assert_int_equal(cs[i].queued, cs[i].len);
        assert_memory_equal(cs[i].rx, cs[i].data, cs[i].len);
        assert_int_equal(vg_tcp_unacked(cs[i].t), 0);
    }
    assert_int_equal(rp_stats(rp)->mem_bytes, 0);
    for (size_t i = 0; i < ZW_PEERS; i++)
        conn_free(&cs[i]);
    rp_free(rp);
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* 2,000 zero-window peers, each application filling a 64 KiB send buffer; returns the bytes
 * the buffers pin (the stack's gauge), and the heap growth through *heap (0 when a sanitizer
 * hides malloc from mallinfo2). */
static uint64_t pinned_by_2000_zero_window_peers(uint64_t mem_limit, size_t *heap)
{
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.mem_limit = mem_limit;
    struct rawpeer *rp = rp_new(&cfg);
    enum { N = 2000 };
    struct conn *cs = calloc(N, sizeof *cs);
    assert_non_null(cs);
    for (size_t i = 0; i < N; i++) {
        open_active(rp, &cs[i], (uint16_t)(10000 + i), (uint16_t)(30000 + i), 0, 65536);
        rp_drain(rp);
    }
    size_t before = heap_in_use();
    for (size_t i = 0; i < N; i++) {
        long r = app_send(rp, &cs[i], 65536);
        assert_true(r > 0 || r == -VG_ERR_NOBUFS);
    }
    size_t after = heap_in_use();
    *heap = after > before ? after - before : 0;
    uint64_t pinned = rp_stats(rp)->mem_bytes;
    for (size_t i = 0; i < N; i++)
        conn_free(&cs[i]);
    free(cs);
    rp_free(rp);
    return pinned;
}

static void two_thousand_zero_window_peers_pin_at_most_the_default_budget(void **state)
{
    (void)state;
    struct vg_stack_config def;
    vg_stack_config_default(&def, VG_PROFILE_WINDOWS_VISTA);
    size_t heap_unbounded, heap_budget;
    /* What the attack pins with no budget (the old behaviour), then with the default one. */
    uint64_t unbounded = pinned_by_2000_zero_window_peers(UINT64_MAX, &heap_unbounded);
    uint64_t budget = pinned_by_2000_zero_window_peers(0, &heap_budget);
    print_message("2000 zero-window peers x 64 KiB: without a budget %llu bytes pinned "
                  "(heap +%zu); with mem_limit %llu: %llu bytes pinned (heap +%zu)\n",
                  (unsigned long long)unbounded, heap_unbounded,
                  (unsigned long long)def.mem_limit, (unsigned long long)budget, heap_budget);
    assert_true(unbounded >= 2000ull * 65536ull);
    assert_true(budget <= def.mem_limit);
    if (heap_budget)
        assert_true(heap_budget <= def.mem_limit + def.mem_limit / 16);
}

/* A budget with exactly `room` bytes free: a hog connection towards a zero-window peer holds the
 * rest in its send buffer (sized for it). */
static struct conn open_hog(struct rawpeer *rp, uint64_t room)
{
    struct conn h;
    uint64_t limit = vg_stack_config(rp->s)->mem_limit;
    uint64_t take = limit - rp_stats(rp)->mem_bytes - room;
    open_active(rp, &h, 9999, 9999, 0, (size_t)take - sizeof(uint32_t) * 3);
    vg_tcp_set_bufsizes(h.t, (uint32_t)h.len, 0);
    assert_true(app_send(rp, &h, 65536) > 0);
    assert_int_equal(h.queued, h.len);
    assert_int_equal(limit - rp_stats(rp)->mem_bytes, room);
    return h;
}

static const struct rp_seg *expect_ack(struct rawpeer *rp)
{
    const struct rp_seg *g = rp_expect(rp);
    assert_true(g->th.flags & VG_TCP_ACK);
    assert_int_equal(g->dlen, 0);
    return g;
}

static void receive_window_shrinks_under_memory_pressure(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.mem_limit = 512u * 1024u;
    cfg.no_delayed_ack = 1;
    struct rawpeer *rp = rp_new(&cfg);
    const uint64_t room = 40000;
    struct conn hog = open_hog(rp, room);

    /* A new connection is offered only what the budget can back, not its 64 KiB. */
    struct conn v;
    memset(&v, 0, sizeof v);
    v.port = 41000;
    rp->port = v.port;
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_non_null(t);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, 21000), 0);
    rp->sport = 21000;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, v.port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    assert_int_equal(syn->th.flags, VG_TCP_SYN);
    assert_true(syn->th.wnd > 0 && syn->th.wnd <= room);
    const unsigned shift = syn->th.opt.wscale;     /* ours, offered in the SYN */
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1000, .has_wscale = 1, .wscale = 7};
    rp->ack = syn->th.seq + 1;
    rp->seq = 0x30000000u;
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq, rp->ack, 0, &o, NULL, 0);
    rp->seq++;
    const struct rp_seg *a = expect_ack(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_true(((uint32_t)a->th.wnd << shift) <= room);
    v.t = t;
    v.sport = 21000;
    v.wnd = 0;
    keep(rp, &v);
    v.len = 200000;
    v.data = malloc(v.len);
    assert_non_null(v.data);
    fill_pattern(v.data, v.len, 7);

    /* The peer sends into whatever window it is offered. Each ACK covers exactly what was
     * stored; the window shrinks with the budget instead of moving its right edge left, and
     * ends at 0 with the receive buffer far from full. */
    size_t sent = 0;
    uint32_t wnd = (uint32_t)a->th.wnd << shift;
    uint32_t right = a->th.ack + wnd;
    while (wnd > 0) {
        size_t n = wnd < 1000 ? wnd : 1000;
        rp_send_data(rp, v.data + sent, n);
        sent += n;
        const struct rp_seg *g = expect_ack(rp);
        assert_int_equal(g->th.ack, rp->seq);
        wnd = (uint32_t)g->th.wnd << shift;
        assert_true(SEQ_GEQ(g->th.ack + wnd, right - ((1u << shift) - 1)));
        right = g->th.ack + wnd;
        assert_within_budget(rp);
    }
    assert_int_equal(vg_tcp_readable(t), sent);
    assert_true(sent <= room);
    assert_true(sent < 65536u);
    keep(rp, &v);

    /* Zero-window probes are answered, with the window shut. (The last few bytes the scaled
     * window could not show may still be taken, one probe each.) */
    int refused = 0;
    for (int k = 0; k < 128 && !refused; k++) {
        rp_send(rp, VG_TCP_ACK, rp->seq, rp->ack, 0, NULL, v.data + sent, 1);
        const struct rp_seg *p = expect_ack(rp);
        assert_int_equal(p->th.wnd, 0);
        if (p->th.ack == rp->seq + 1) {
            rp->seq++;
            sent++;
        } else {
            assert_int_equal(p->th.ack, rp->seq);
            refused = 1;
        }
    }
    assert_true(refused);
    assert_int_equal(vg_tcp_readable(t), sent);

    /* The memory comes back; the next probe's answer opens the window. */
    vg_tcp_abort(hog.t, rp->now);
    rp_drain(rp);
    uint32_t probe_seq = rp->seq;
    rp_send_data(rp, v.data + sent, 1);
    const struct rp_seg *open = expect_ack(rp);
    assert_int_equal(open->th.ack, probe_seq + 1);
    assert_true(open->th.wnd > 0);
    sent++;

    /* Nothing acknowledged was lost: the application reads every byte, in order, while the
     * peer sends the rest into the windows it is offered (probing when shut). */
    uint8_t *got = malloc(v.len);
    assert_non_null(got);
    size_t read = 0, una = sent;
    uint32_t base = rp->seq - (uint32_t)sent;        /* the sequence number of data[0] */
    size_t edge = una + ((size_t)open->th.wnd << shift);
    for (int k = 0; k < 20000 && read < v.len; k++) {
        long r;
        while ((r = vg_tcp_recv(t, got + read, v.len - read, rp->now)) > 0)
            read += (size_t)r;
        const struct rp_seg *g;
        while ((g = rp_take(rp)) != NULL) {
            if (!g->is_tcp)
                continue;
            size_t acked = g->th.ack - base;
            assert_true(acked <= v.len);
            if (acked > una)
                una = acked;
            if (acked + ((size_t)g->th.wnd << shift) > edge)
                edge = acked + ((size_t)g->th.wnd << shift);
        }
        size_t nxt = una;
        while (nxt < v.len && nxt < edge) {
            size_t n = v.len - nxt < 1000 ? v.len - nxt : 1000;
            if (n > edge - nxt)
                n = edge - nxt;
            rp_send(rp, VG_TCP_ACK, base + (uint32_t)nxt, rp->ack, 0, NULL, v.data + nxt, n);
            nxt += n;
        }
        if (una < v.len && edge <= una)
            rp_send(rp, VG_TCP_ACK, base + (uint32_t)una, rp->ack, 0, NULL, v.data + una, 1);
        rp_run_for(rp, VG_MS(1));
        assert_within_budget(rp);
    }
    assert_int_equal(read, v.len);
    assert_memory_equal(got, v.data, v.len);
    free(got);
    conn_free(&hog);
    free(v.data);
    rp_free(rp);
}

static void out_of_order_data_refused_for_memory_is_never_delivered(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.mem_limit = 512u * 1024u;
    cfg.no_delayed_ack = 1;
    struct rawpeer *rp = rp_new(&cfg);
    struct conn v;
    open_active(rp, &v, 22000, 42000, 65535, 2000);
    /* The window was promised while memory was plentiful; now the budget is spent. */
    struct conn hog = open_hog(rp, 0);
    use(rp, &v);

    /* A segment beyond a hole, inside the promised window, finds no memory: dropped. */
    rp_send(rp, VG_TCP_ACK, v.seq + 1000, v.ack, 65535, NULL, v.data + 1000, 1000);
    assert_int_equal(expect_ack(rp)->th.ack, v.seq);
    /* So does the segment that fills the hole. */
    rp_send(rp, VG_TCP_ACK, v.seq, v.ack, 65535, NULL, v.data, 1000);
    assert_int_equal(expect_ack(rp)->th.ack, v.seq);
    assert_int_equal(vg_tcp_readable(v.t), 0);

    /* Memory back: the first segment is taken, and only it is acknowledged — the dropped one
     * left nothing behind that could pass for data. */
    vg_tcp_abort(hog.t, rp->now);
    rp_drain(rp);
    rp_send(rp, VG_TCP_ACK, v.seq, v.ack, 65535, NULL, v.data, 1000);
    assert_int_equal(expect_ack(rp)->th.ack, v.seq + 1000);
    rp_send(rp, VG_TCP_ACK, v.seq + 1000, v.ack, 65535, NULL, v.data + 1000, 1000);
    assert_int_equal(expect_ack(rp)->th.ack, v.seq + 2000);
    uint8_t got[2000];
    assert_int_equal(vg_tcp_recv(v.t, got, sizeof got, rp->now), 2000);
    assert_memory_equal(got, v.data, 2000);
    conn_free(&hog);
    conn_free(&v);
    rp_free(rp);
}

static void max_tcbs_refuses_connections(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.max_tcbs = 3;
    struct rawpeer *rp = rp_new(&cfg);
    vg_tcb *l = rp_listen(rp, 80, 8);
    rp->port = 40001;
    vg_tcb *a = rp_open_passive(rp, l, 80, NULL, 65535);
    vg_tcb *b = vg_tcp_open(rp->s);
    assert_non_null(b);
    assert_int_equal(rp_stats(rp)->tcbs_live, 3);

    /* Active open: no TCB to be had, the socket call fails (the Winsock layer: WSAENOBUFS). */
    assert_null(vg_tcp_open(rp->s));
    assert_int_equal(rp_stats(rp)->tcp_tcb_limit, 1);

    /* Passive open: the handshake does not make a connection. */
    rp->port = 40002;
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 7};
    rp_send(rp, VG_TCP_SYN, 0x50000000u, 0, 65535, &o, NULL, 0);
    const struct rp_seg *g;
    uint32_t iss = 0;
    int synack = 0;
    while ((g = rp_take(rp)) != NULL)
        if (g->is_tcp && g->th.flags == (VG_TCP_SYN | VG_TCP_ACK)) {
            synack = 1;
            iss = g->th.seq;
        }
    if (synack)     /* a SYN cache or cookie may answer; the ACK must still find no room */
        rp_send(rp, VG_TCP_ACK, 0x50000001u, iss + 1, 65535, NULL, NULL, 0);
    assert_null(vg_tcp_accept(l));
    assert_int_equal(rp_stats(rp)->tcbs_live, 3);
    assert_true(rp_stats(rp)->tcp_tcb_limit >= 2);

    /* One connection gone, the next client gets in. */
    vg_tcp_close(b, rp->now);
    rp_drain(rp);
    rp->port = 40003;
    vg_tcb *c = rp_open_passive(rp, l, 80, NULL, 65535);
    assert_non_null(c);
    vg_tcp_abort(a, rp->now);
    vg_tcp_abort(c, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_window_peers_cannot_pin_more_than_mem_limit),
        cmocka_unit_test(two_thousand_zero_window_peers_pin_at_most_the_default_budget),
        cmocka_unit_test(receive_window_shrinks_under_memory_pressure),
        cmocka_unit_test(out_of_order_data_refused_for_memory_is_never_delivered),
        cmocka_unit_test(max_tcbs_refuses_connections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
