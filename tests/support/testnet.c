/* Test support shared by every test program (see testnet.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testnet.h"
#include "wire/ipv6.h"

const uint8_t TN_ADDR6[2][16] = {
    {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
    {0x20, 0x01, 0x0d, 0xb8, [15] = 2},
};

static int use_family = VG_AF_INET;

void tn_use_family(int family) { use_family = family; }
int tn_family(void) { return use_family; }

int tn_group_ipv4(void **state)
{
    (void)state;
    tn_use_family(VG_AF_INET);
    return 0;
}

int tn_group_ipv6(void **state)
{
    (void)state;
    tn_use_family(VG_AF_INET6);
    return 0;
}

static void on_event(void *ctx, const struct vg_event *ev)
{
    struct tn_host_ctx *hc = ctx;
    struct tn_pair *p = hc->pair;
    if (p->nevents == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct tn_event *e = realloc(p->events, cap * sizeof *e);
        assert_non_null(e);
        p->events = e;
        p->cap = cap;
    }
    p->events[p->nevents].host = hc->host;
    p->events[p->nevents].ev = *ev;
    p->nevents++;
    if (p->hook)
        p->hook(p->hook_ctx, hc->host, ev);
}

static void watch(struct tn_pair *p, int host)
{
    vg_stack_set_event(tn_stack(p, host), on_event, &p->hctx[host]);
}

struct tn_pair *tn_pair_new_cfg(uint64_t seed, const struct vg_link_params *lp,
                                const struct vg_stack_config *c0, const struct vg_stack_config *c1)
{
    struct vg_link_params ideal = {.latency_us = 1000};
    struct tn_pair *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->net = vg_simnet_new(seed, lp ? lp : &ideal);
    assert_non_null(p->net);
    const struct vg_stack_config *given[2] = {c0, c1};
    p->family = use_family;
    for (int i = 0; i < 2; i++) {
        struct vg_stack_config cfg = *given[i];
        if (!cfg.has_addr6 && use_family == VG_AF_INET6) {
            cfg.has_addr6 = 1;
            memcpy(cfg.addr6, TN_ADDR6[i], 16);
            cfg.prefix6_len = 64;
        }
        p->host[i] = vg_simnet_add_host(p->net, &cfg);
        assert_int_equal(p->host[i], i);
        p->addr[i] = cfg.addr;
        memcpy(p->addr6[i], cfg.addr6, 16);
        p->hctx[i].pair = p;
        p->hctx[i].host = i;
        watch(p, i);
    }
    return p;
}

void tn_pair_configs(struct vg_stack_config c[2], enum vg_profile prof, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&c[i], prof);
        c[i].addr = i ? TN_ADDR1 : TN_ADDR0;
        c[i].prefix_len = 24;
        c[i].seed = vg_splitmix64(&x);
    }
}

struct tn_pair *tn_pair_new(uint64_t seed, const struct vg_link_params *lp, enum vg_profile prof)
{
    struct vg_stack_config c[2];
    tn_pair_configs(c, prof, seed);
    return tn_pair_new_cfg(seed, lp, &c[0], &c[1]);
}

void tn_pair_free(struct tn_pair *p)
{
    if (!p)
        return;
    vg_simnet_free(p->net);
    free(p->events);
    free(p);
}

vg_stack *tn_stack(const struct tn_pair *p, int host) { return vg_simnet_stack(p->net, p->host[host]); }

vg_time tn_now(const struct tn_pair *p) { return vg_simnet_now(p->net); }

vg_stack *tn_reboot(struct tn_pair *p, int host)
{
    vg_stack *s = vg_simnet_reboot(p->net, p->host[host]);
    assert_non_null(s);
    watch(p, host);
    return s;
}

void tn_run_until(struct tn_pair *p, vg_time t) { vg_simnet_run_until(p->net, t); }

void tn_run_for(struct tn_pair *p, vg_time dt) { vg_simnet_run_until(p->net, tn_now(p) + dt); }

int tn_run_until_pred(struct tn_pair *p, int (*pred)(void *ctx), void *ctx, vg_time limit)
{
    return vg_simnet_run_while_not(p->net, pred, ctx, limit);
}

struct state_wait {
    const vg_tcb *t;
    enum vg_tcp_state state;
};

static int reached_state(void *ctx)
{
    const struct state_wait *w = ctx;
    return vg_tcp_state(w->t) == w->state;
}

int tn_run_until_state(struct tn_pair *p, const vg_tcb *t, enum vg_tcp_state state, vg_time limit)
{
    struct state_wait w = {t, state};
    return tn_run_until_pred(p, reached_state, &w, limit);
}

vg_addr tn_addr(const struct tn_pair *p, int host)
{
    return p->family == VG_AF_INET6 ? vg_addr_v6(p->addr6[host]) : vg_addr_v4(p->addr[host]);
}

int tn_parse_tcp(const uint8_t *pkt, size_t len, struct vg_tcp_hdr *th, const uint8_t **data,
                 size_t *dlen, int *family)
{
    const uint8_t *pl;
    size_t plen;
    if (len && pkt[0] >> 4 == 6) {
        struct vg_ipv6_hdr ip;
        if (vg_ipv6_parse(pkt, len, &ip, &pl, &plen) != VG_WIRE_OK || ip.proto != VG_IPPROTO_TCP)
            return 0;
        /* The checksum against the IPv6 pseudo-header here; the TCP parser then skips it. */
        uint32_t pseudo = vg_ipv6_pseudo(ip.src, ip.dst, VG_IPPROTO_TCP, plen);
        if (plen > 0xffff || vg_csum_fold(vg_csum_add(pseudo, pl, plen)) != 0)
            return 0;
        if (vg_tcp_parse_ex(pl, plen, 0, 0, 1, th, data, dlen) != VG_WIRE_OK)
            return 0;
        *family = VG_AF_INET6;
        return 1;
    }
    struct vg_ipv4_hdr ip;
    if (vg_ipv4_parse(pkt, len, &ip, &pl, &plen) != VG_WIRE_OK || ip.proto != VG_IPPROTO_TCP ||
        vg_tcp_parse(pl, plen, ip.src, ip.dst, th, data, dlen) != VG_WIRE_OK)
        return 0;
    *family = VG_AF_INET;
    return 1;
}

size_t tn_build_tcp(const vg_tcb *t, const struct vg_tcp_hdr *th, const uint8_t *data,
                    size_t dlen, uint8_t *buf, size_t cap)
{
    vg_addr la, ra;
    vg_tcp_endpoints_addr(t, &la, NULL, &ra, NULL);
    uint8_t seg[1500];
    if (la.family == VG_AF_INET) {
        size_t n = vg_tcp_write(seg, sizeof seg, th, la.v4, ra.v4, data, dlen);
        struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_TCP, .src = la.v4, .dst = ra.v4};
        size_t h = vg_ipv4_write(buf, cap, &ip, n);
        assert_true(n && h && h + n <= cap);
        memcpy(buf + h, seg, n);
        return h + n;
    }
    /* vg_tcp_write sums an IPv4 pseudo-header of addresses 0: add IPv6's and fix the field. */
    size_t n = vg_tcp_write(seg, sizeof seg, th, 0, 0, data, dlen);
    assert_true(n && VG_IPV6_HDR_LEN + n <= cap);
    vg_put16(seg + 16, 0);
    uint32_t pseudo = vg_ipv6_pseudo(la.v6, ra.v6, VG_IPPROTO_TCP, n);
    vg_put16(seg + 16, vg_csum_fold(vg_csum_add(pseudo, seg, n)));
    struct vg_ipv6_hdr ip = {.next = VG_IPPROTO_TCP, .hop_limit = 64};
    memcpy(ip.src, la.v6, 16);
    memcpy(ip.dst, ra.v6, 16);
    vg_ipv6_hdr_put(buf, &ip, (uint16_t)n);
    memcpy(buf + VG_IPV6_HDR_LEN, seg, n);
    return VG_IPV6_HDR_LEN + n;
}

vg_tcb *tn_listen(struct tn_pair *p, int host, uint16_t port)
{
    vg_tcb *l = vg_tcp_open(tn_stack(p, host));
    assert_non_null(l);
    vg_addr a = tn_addr(p, host);
    assert_int_equal(vg_tcp_bind_addr(l, &a, port), 0);
    assert_int_equal(vg_tcp_listen(l, 128), 0);
    return l;
}

struct connect_wait {
    vg_tcb *client, *listener, *server;
};

static int both_established(void *ctx)
{
    struct connect_wait *w = ctx;
    if (!w->server)
        w->server = vg_tcp_accept(w->listener);
    return vg_tcp_state(w->client) == VG_TCP_ESTABLISHED && w->server &&
           vg_tcp_state(w->server) == VG_TCP_ESTABLISHED;
}

void tn_connect_pair(struct tn_pair *p, int from, vg_tcb *client, vg_tcb *listener,
                     vg_time limit_us, vg_tcb **client_out, vg_tcb **server_out)
{
    assert_true(from == 0 || from == 1);
    if (!client)
        client = vg_tcp_open(tn_stack(p, from));
    assert_non_null(client);
    vg_addr laddr;
    uint16_t lport;
    vg_tcp_endpoints_addr(listener, &laddr, &lport, NULL, NULL);
    if (vg_addr_is_unspecified(&laddr))
        laddr = tn_addr(p, 1 - from);
    assert_int_equal(vg_tcp_connect_addr(client, &laddr, lport, tn_now(p)), 0);
    struct connect_wait w = {client, listener, NULL};
    int ok = tn_run_until_pred(p, both_established, &w, tn_now(p) + (limit_us ? limit_us : VG_MS(60000)));
    if (!ok)
        fail_msg("connection not established: client %s, server %s", vg_tcp_state_name(vg_tcp_state(client)),
                 w.server ? vg_tcp_state_name(vg_tcp_state(w.server)) : "not accepted");
    if (client_out)
        *client_out = client;
    if (server_out)
        *server_out = w.server;
}

static int matches(const struct tn_event *e, int host, enum vg_event_type type, const vg_tcb *tcb)
{
    return (host < 0 || e->host == host) && e->ev.type == type && (!tcb || e->ev.tcb == tcb);
}

const struct tn_event *tn_find_event(const struct tn_pair *p, int host, enum vg_event_type type,
                                     const vg_tcb *tcb, size_t start)
{
    for (size_t i = start; i < p->nevents; i++)
        if (matches(&p->events[i], host, type, tcb))
            return &p->events[i];
    return NULL;
}

size_t tn_count_events(const struct tn_pair *p, int host, enum vg_event_type type, const vg_tcb *tcb)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nevents; i++)
        n += (size_t)matches(&p->events[i], host, type, tcb);
    return n;
}

vg_time tn_first_event_time(const struct tn_pair *p, int host, enum vg_event_type type,
                            const vg_tcb *tcb)
{
    const struct tn_event *e = tn_find_event(p, host, type, tcb, 0);
    return e ? e->ev.now : VG_TIME_NEVER;
}

void tn_clear_events(struct tn_pair *p) { p->nevents = 0; }

void tn_stream_init(struct tn_stream *s, uint64_t seed)
{
    vg_prng_seed(&s->prng, seed);
    s->word = 0;
    s->avail = 0;
}

void tn_stream_fill(struct tn_stream *s, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!s->avail) {
            s->word = vg_prng_next(&s->prng);
            s->avail = 8;
        }
        buf[i] = (uint8_t)s->word;
        s->word >>= 8;
        s->avail--;
    }
}

/* One direction of a transfer: the sender's staged chunk and the receiver's checks. */
struct flow {
    vg_tcb *tx, *rx;
    uint64_t total;
    struct tn_stream gen, expect;
    struct vg_sha256 sha_tx, sha_rx;
    uint8_t stage[16384];
    size_t stage_off, stage_len;
    int shut;
};

static void flow_send(struct flow *f, struct tn_transfer_result *r, int d, unsigned flags, vg_time now)
{
    for (;;) {
        if (f->stage_off == f->stage_len) {
            uint64_t left = f->total - r->sent[d];
            if (!left)
                break;
            f->stage_len = left < sizeof f->stage ? (size_t)left : sizeof f->stage;
            f->stage_off = 0;
            tn_stream_fill(&f->gen, f->stage, f->stage_len);
        }
        long n = vg_tcp_send(f->tx, f->stage + f->stage_off, f->stage_len - f->stage_off, now);
        if (n <= 0)
            return;
        vg_sha256_update(&f->sha_tx, f->stage + f->stage_off, (size_t)n);
        f->stage_off += (size_t)n;
        r->sent[d] += (uint64_t)n;
    }
    if ((flags & TN_SHUTDOWN) && !f->shut) {
        f->shut = 1;
        assert_int_equal(vg_tcp_shutdown_send(f->tx, now), 0);
    }
}

static void flow_receive(struct flow *f, struct tn_transfer_result *r, int d, vg_time now)
{
    uint8_t buf[16384], want[sizeof buf];
    for (;;) {
        long n = vg_tcp_recv(f->rx, buf, sizeof buf, now);
        if (n == 0)
            r->eof[d] = 1;
        if (n <= 0)
            return;
        vg_sha256_update(&f->sha_rx, buf, (size_t)n);
        if (r->first_mismatch[d] == UINT64_MAX) {
            tn_stream_fill(&f->expect, want, (size_t)n);
            for (long i = 0; i < n; i++) {
                if (buf[i] != want[i] || r->received[d] + (uint64_t)i >= f->total) {
                    r->first_mismatch[d] = r->received[d] + (uint64_t)i;
                    break;
                }
            }
        }
        r->received[d] += (uint64_t)n;
    }
}

static int flow_done(const struct flow *f, const struct tn_transfer_result *r, int d, unsigned flags)
{
    return r->received[d] >= f->total && (!(flags & TN_SHUTDOWN) || r->eof[d]);
}

int tn_transfer(struct tn_pair *p, vg_tcb *t0, vg_tcb *t1, const uint64_t bytes[2], uint64_t seed,
                unsigned flags, vg_time limit_us, struct tn_transfer_result *r)
{
    struct flow *f = calloc(2, sizeof *f);
    assert_non_null(f);
    memset(r, 0, sizeof *r);
    vg_tcb *t[2] = {t0, t1};
    uint64_t x = seed;
    for (int d = 0; d < 2; d++) {
        f[d].tx = t[d];
        f[d].rx = t[1 - d];
        f[d].total = bytes[d];
        uint64_t s = vg_splitmix64(&x);
        tn_stream_init(&f[d].gen, s);
        tn_stream_init(&f[d].expect, s);
        vg_sha256_init(&f[d].sha_tx);
        vg_sha256_init(&f[d].sha_rx);
        r->first_mismatch[d] = UINT64_MAX;
    }
    vg_time start = tn_now(p), limit = start + limit_us;
    for (;;) {
        vg_time now = tn_now(p);
        for (int d = 0; d < 2; d++) {
            flow_send(&f[d], r, d, flags, now);
            flow_receive(&f[d], r, d, now);
        }
        if (flow_done(&f[0], r, 0, flags) && flow_done(&f[1], r, 1, flags)) {
            r->completed = 1;
            break;
        }
        if (vg_tcp_error(t0) || vg_tcp_error(t1) || !vg_simnet_step(p->net, limit))
            break;
    }
    for (int d = 0; d < 2; d++) {
        vg_sha256_final(&f[d].sha_tx, r->sha_sent[d]);
        vg_sha256_final(&f[d].sha_rx, r->sha_received[d]);
        r->error[d] = vg_tcp_error(t[d]);
    }
    r->elapsed = tn_now(p) - start;
    free(f);
    return r->completed;
}

void tn_assert_transfer_exact(const struct tn_transfer_result *r)
{
    for (int d = 0; d < 2; d++) {
        if (!r->completed)
            fail_msg("transfer incomplete after %llu us: dir %d sent %llu received %llu eof %d error %s",
                     (unsigned long long)r->elapsed, d, (unsigned long long)r->sent[d],
                     (unsigned long long)r->received[d], r->eof[d], vg_err_name(r->error[d]));
        assert_int_equal(r->received[d], r->sent[d]);
        if (r->first_mismatch[d] != UINT64_MAX)
            fail_msg("direction %d: first wrong byte at offset %llu", d,
                     (unsigned long long)r->first_mismatch[d]);
        assert_memory_equal(r->sha_sent[d], r->sha_received[d], VG_SHA256_LEN);
    }
}
