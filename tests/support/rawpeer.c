/* Test support: a scripted TCP peer (see rawpeer.h). */
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

static void on_output(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    struct rawpeer *rp = ctx;
    if (rp->nsegs == rp->segcap) {
        size_t cap = rp->segcap ? rp->segcap * 2 : 64;
        struct rp_seg **s = realloc(rp->segs, cap * sizeof *s);
        assert_non_null(s);
        rp->segs = s;
        rp->segcap = cap;
    }
    struct rp_seg *g = calloc(1, sizeof *g);
    assert_non_null(g);
    rp->segs[rp->nsegs++] = g;
    g->at = now;
    g->raw = malloc(len ? len : 1);
    assert_non_null(g->raw);
    memcpy(g->raw, pkt, len);
    g->rawlen = len;
    const uint8_t *payload, *data;
    size_t plen, dlen;
    if (vg_ipv4_parse(g->raw, len, &g->ip, &payload, &plen) != VG_WIRE_OK ||
        g->ip.proto != VG_IPPROTO_TCP ||
        vg_tcp_parse(payload, plen, g->ip.src, g->ip.dst, &g->th, &data, &dlen) != VG_WIRE_OK)
        return;
    g->is_tcp = 1;
    g->data = (uint8_t *)data;
    g->dlen = dlen;
}

static void on_event(void *ctx, const struct vg_event *ev)
{
    struct rawpeer *rp = ctx;
    if (rp->nevents == rp->evcap) {
        size_t cap = rp->evcap ? rp->evcap * 2 : 64;
        struct rp_event *e = realloc(rp->events, cap * sizeof *e);
        assert_non_null(e);
        rp->events = e;
        rp->evcap = cap;
    }
    rp->events[rp->nevents++].ev = *ev;
}

void rp_config(struct vg_stack_config *cfg)
{
    vg_stack_config_default(cfg, VG_PROFILE_WINDOWS_VISTA);
    cfg->addr = RP_STACK_ADDR;
    cfg->prefix_len = 24;
    cfg->seed = 1;
    /* Fixed buffers: these tests script the wire octet by octet for a buffer they choose (a
     * larger rcvbuf stays fixed too); autotuning's own wire is test_tcp_autotune's. */
    cfg->rcvbuf_max = cfg->rcvbuf;
    cfg->sndbuf_max = cfg->sndbuf;
}

struct rawpeer *rp_new(const struct vg_stack_config *cfg)
{
    struct vg_stack_config c;
    if (cfg)
        c = *cfg;
    else
        rp_config(&c);
    c.addr = RP_STACK_ADDR;
    struct rawpeer *rp = calloc(1, sizeof *rp);
    assert_non_null(rp);
    rp->s = vg_stack_new(&c);
    assert_non_null(rp->s);
    vg_stack_set_output(rp->s, on_output, rp);
    vg_stack_set_event(rp->s, on_event, rp);
    /* Start well away from zero so "time 0" never hides a missing timestamp. */
    rp->now = VG_MS(1000);
    rp->polled_at = VG_TIME_NEVER;
    rp->port = RP_PEER_PORT;
    rp->wnd = 65535;
    return rp;
}

void rp_free(struct rawpeer *rp)
{
    if (!rp)
        return;
    vg_stack_free(rp->s);
    for (size_t i = 0; i < rp->nsegs; i++) {
        free(rp->segs[i]->raw);
        free(rp->segs[i]);
    }
    free(rp->segs);
    free(rp->events);
    free(rp);
}

/* Polls the stack at its next deadline if that is at or before t; returns 0 when none is. */
static int step(struct rawpeer *rp, vg_time t)
{
    vg_time d = vg_stack_next_deadline(rp->s);
    if (d == VG_TIME_NEVER)
        return 0;
    if (d <= rp->now)
        d = rp->polled_at == rp->now ? rp->now + 1 : rp->now;   /* a stale slot: move on */
    if (d > t)
        return 0;
    rp->now = d;
    rp->polled_at = d;
    vg_stack_poll(rp->s, d);
    return 1;
}

void rp_run_until(struct rawpeer *rp, vg_time t)
{
    while (step(rp, t))
        ;
    if (t > rp->now)
        rp->now = t;
}

const struct rp_seg *rp_wait(struct rawpeer *rp, vg_time limit)
{
    while (!rp_pending(rp))
        if (!step(rp, limit)) {
            if (limit > rp->now)
                rp->now = limit;
            return NULL;
        }
    return rp_take(rp);
}

void rp_run_for(struct rawpeer *rp, vg_time dt) { rp_run_until(rp, rp->now + dt); }

size_t rp_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, const struct vg_tcp_hdr *h,
                const void *data, size_t dlen)
{
    assert_true(cap > VG_IPV4_HDR_LEN);
    size_t n = vg_tcp_write(buf + VG_IPV4_HDR_LEN, cap - VG_IPV4_HDR_LEN, h, src, dst, data, dlen);
    assert_true(n > 0);
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_TCP, .src = src, .dst = dst,
                             .frag = 0x4000};
    assert_int_equal(vg_ipv4_write(buf, cap, &ip, n), VG_IPV4_HDR_LEN);
    return VG_IPV4_HDR_LEN + n;
}

void rp_inject(struct rawpeer *rp, const uint8_t *pkt, size_t len)
{
    rp->polled_at = VG_TIME_NEVER;
    vg_stack_input(rp->s, pkt, len, rp->now);
}

void rp_send(struct rawpeer *rp, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
             const struct vg_tcp_opts *opt, const void *data, size_t dlen)
{
    static uint8_t buf[65536];
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = rp->port;
    h.dport = rp->sport;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.wnd = wnd;
    if (opt)
        h.opt = *opt;
    size_t n = rp_build(buf, sizeof buf, RP_PEER_ADDR, RP_STACK_ADDR, &h, data, dlen);
    rp_inject(rp, buf, n);
}

void rp_send_seg(struct rawpeer *rp, uint8_t flags, const void *data, size_t dlen)
{
    uint32_t seq = rp->seq;
    rp->seq += (uint32_t)dlen + ((flags & VG_TCP_SYN) ? 1u : 0u) + ((flags & VG_TCP_FIN) ? 1u : 0u);
    rp_send(rp, flags, seq, (flags & VG_TCP_ACK) ? rp->ack : 0, rp->wnd, NULL, data, dlen);
}

void rp_send_ack(struct rawpeer *rp) { rp_send_seg(rp, VG_TCP_ACK, NULL, 0); }

void rp_send_data(struct rawpeer *rp, const void *data, size_t dlen)
{
    rp_send_seg(rp, VG_TCP_ACK | VG_TCP_PSH, data, dlen);
}

size_t rp_pending(const struct rawpeer *rp) { return rp->nsegs - rp->next; }

const struct rp_seg *rp_take(struct rawpeer *rp)
{
    return rp->next < rp->nsegs ? rp->segs[rp->next++] : NULL;
}

const struct rp_seg *rp_expect(struct rawpeer *rp)
{
    const struct rp_seg *g = rp_take(rp);
    if (!g)
        fail_msg("expected a segment from the stack at t=%llu us, none was sent",
                 (unsigned long long)rp->now);
    assert_true(g->is_tcp);
    return g;
}

void rp_expect_none(struct rawpeer *rp)
{
    if (rp_pending(rp)) {
        const struct rp_seg *g = rp->segs[rp->next];
        char f[32];
        fail_msg("expected no segment, got %s seq %u ack %u len %zu at t=%llu us",
                 g->is_tcp ? rp_flags_str(g->th.flags, f) : "non-TCP", g->th.seq, g->th.ack,
                 g->dlen, (unsigned long long)g->at);
    }
}

void rp_drain(struct rawpeer *rp) { rp->next = rp->nsegs; }

uint32_t rp_seg_len(const struct rp_seg *g)
{
    return (uint32_t)g->dlen + ((g->th.flags & VG_TCP_SYN) ? 1u : 0u) +
           ((g->th.flags & VG_TCP_FIN) ? 1u : 0u);
}

const struct rp_seg *rp_receive(struct rawpeer *rp)
{
    const struct rp_seg *g = rp_take(rp);
    if (!g || !g->is_tcp)
        return g;
    uint32_t end = g->th.seq + rp_seg_len(g);
    if ((int32_t)(g->th.seq - rp->ack) <= 0 && (int32_t)(end - rp->ack) > 0)
        rp->ack = end;
    return g;
}

vg_tcb *rp_listen(struct rawpeer *rp, uint16_t port, int backlog)
{
    vg_tcb *l = vg_tcp_open(rp->s);
    assert_non_null(l);
    assert_int_equal(vg_tcp_bind(l, RP_STACK_ADDR, port), 0);
    assert_int_equal(vg_tcp_listen(l, backlog), 0);
    return l;
}

static struct vg_tcp_opts default_syn_opts(void)
{
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_mss = 1;
    o.mss = 1460;
    o.has_wscale = 1;
    o.wscale = 7;
    return o;
}

const struct rp_seg *rp_send_syn(struct rawpeer *rp, uint16_t port,
                                 const struct vg_tcp_opts *syn_opts, uint16_t wnd)
{
    struct vg_tcp_opts o = syn_opts ? *syn_opts : default_syn_opts();
    rp->sport = port;
    rp->seq = 0x10000000u;
    rp->wnd = wnd;
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, wnd, &o, NULL, 0);
    rp->seq++;
    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(sa->th.ack, rp->seq);
    rp->ack = sa->th.seq + 1;
    return sa;
}

vg_tcb *rp_open_passive(struct rawpeer *rp, vg_tcb *listener, uint16_t port,
                        const struct vg_tcp_opts *syn_opts, uint16_t wnd)
{
    rp_send_syn(rp, port, syn_opts, wnd);
    rp_send_ack(rp);
    vg_tcb *c = vg_tcp_accept(listener);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    rp_expect_none(rp);
    return c;
}

vg_tcb *rp_connect(struct rawpeer *rp, uint16_t port, const struct rp_seg **syn)
{
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_non_null(t);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, port), 0);
    rp->sport = port;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    *syn = rp_expect(rp);
    return t;
}

vg_tcb *rp_open_active(struct rawpeer *rp, uint16_t port, const struct vg_tcp_opts *syn_opts,
                       uint16_t wnd)
{
    struct vg_tcp_opts o = syn_opts ? *syn_opts : default_syn_opts();
    const struct rp_seg *syn;
    vg_tcb *t = rp_connect(rp, port, &syn);
    assert_int_equal(syn->th.flags, VG_TCP_SYN);
    rp->ack = syn->th.seq + 1;
    rp->seq = 0x20000000u;
    rp->wnd = wnd;
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq, rp->ack, wnd, &o, NULL, 0);
    rp->seq++;
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    rp_expect_none(rp);
    return t;
}

static int event_matches(const struct rp_event *e, enum vg_event_type type, const vg_tcb *tcb)
{
    return e->ev.type == type && (!tcb || e->ev.tcb == tcb);
}

size_t rp_count_events(const struct rawpeer *rp, enum vg_event_type type, const vg_tcb *tcb)
{
    size_t n = 0;
    for (size_t i = 0; i < rp->nevents; i++)
        n += (size_t)event_matches(&rp->events[i], type, tcb);
    return n;
}

const struct rp_event *rp_find_event(const struct rawpeer *rp, enum vg_event_type type,
                                     const vg_tcb *tcb, size_t start)
{
    for (size_t i = start; i < rp->nevents; i++)
        if (event_matches(&rp->events[i], type, tcb))
            return &rp->events[i];
    return NULL;
}

void rp_clear_events(struct rawpeer *rp) { rp->nevents = 0; }

const struct vg_stack_stats *rp_stats(const struct rawpeer *rp) { return vg_stack_stats(rp->s); }

const char *rp_flags_str(uint8_t flags, char buf[32])
{
    static const char *const names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    buf[0] = 0;
    for (int i = 0; i < 8; i++) {
        if (!(flags & (1u << i)))
            continue;
        if (buf[0])
            strcat(buf, "|");
        strcat(buf, names[i]);
    }
    if (!buf[0])
        strcpy(buf, "none");
    return buf;
}

const struct rp_seg *rp_expect_close_wait_ack(struct rawpeer *rp)
{
    vg_time due = rp->now + VG_DELACK_US;
    rp_expect_none(rp);
    const struct rp_seg *a = rp_wait(rp, due);
    assert_non_null(a);
    assert_true(a->at == due);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->th.ack, rp->seq);
    return a;
}
