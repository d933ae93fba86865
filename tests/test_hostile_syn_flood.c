/* SYN floods (issue 8): spoofed SYNs from 198.51.100.0/24 must neither lock legitimate clients
 * out nor cost the stack a TCB each. Half-open connections are small SYN-cache entries, apart
 * from the accept queue; when the cache is full, SYN cookies (RFC 4987 §3.6, encoded as Linux
 * does) answer; a cookie connection is a connection like any other, keep-alive included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/syncache.h"
#include "tcp/tcb.h"
#include "testnet.h"

#define PORT 8080
#define SPOOF_NET 0xc6336400u         /* 198.51.100.0/24 */

/* A SYN from a forged source in 198.51.100.0/24 (host and port from i), to dst:PORT. */
static size_t spoofed_syn(uint8_t *buf, size_t cap, uint32_t i, uint32_t dst)
{
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = (uint16_t)(1024 + (i * 7919u) % 60000u);
    h.dport = PORT;
    h.seq = 0x9e3779b9u * (i + 1);
    h.flags = VG_TCP_SYN;
    h.wnd = 65535;
    h.opt.has_mss = 1;
    h.opt.mss = 1460;
    h.opt.has_wscale = 1;
    h.opt.wscale = 7;
    return rp_build(buf, cap, SPOOF_NET | (1u + i % 254u), dst, &h, NULL, 0);
}

static void rp_spoof(struct rawpeer *rp, uint32_t i)
{
    uint8_t buf[128];
    size_t n = spoofed_syn(buf, sizeof buf, i, RP_STACK_ADDR);
    rp_inject(rp, buf, n);
}

/* The scripted client's SYN from port; returns the SYN-ACK. */
static const struct rp_seg *client_syn(struct rawpeer *rp, uint16_t port, uint32_t isn,
                                       const struct vg_tcp_opts *o)
{
    rp->port = port;
    rp->sport = PORT;
    rp->seq = isn;
    rp_send(rp, VG_TCP_SYN, isn, 0, 65535, o, NULL, 0);
    rp->seq = isn + 1;
    const struct rp_seg *sa = NULL, *g;
    while ((g = rp_take(rp)) != NULL)
        if (g->is_tcp && g->ip.dst == RP_PEER_ADDR && g->th.dport == port)
            sa = g;
    return sa;
}

static void client_ack(struct rawpeer *rp, const struct rp_seg *sa)
{
    rp->ack = sa->th.seq + 1;
    rp_send(rp, VG_TCP_ACK, rp->seq, rp->ack, 65535, NULL, NULL, 0);
}

static void syn_flood_16_spoofed_syns_do_not_lock_out_clients(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    for (uint32_t i = 0; i < 16; i++)
        rp_spoof(rp, i);
    rp_drain(rp);
    /* The legitimate client is answered at once, and its connection is accepted. */
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, NULL);
    assert_non_null(sa);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    client_ack(rp, sa);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_stats(rp)->syncache_live, 16);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

/* ---- A second of spoofed SYNs at 1000/s (three, so the SYN cache overflows into cookies)
 * against a listener with a backlog of 16, while real TCP clients on another host connect
 * and echo every 50 ms over a 1 ms link. */
#define FLOOD_MS 3000u
#define CLIENT_EVERY_MS 50u
#define NCLIENTS (FLOOD_MS / CLIENT_EVERY_MS)

struct client {
    vg_tcb *t, *server;
    vg_time started, connected;
    int echoed;
};

static void syn_flood_1000_per_s_legit_client_connects_within_one_rtt(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 1000};
    struct tn_pair *p = tn_pair_new(8, &lp, VG_PROFILE_WINDOWS_VISTA);
    vg_stack *cs = tn_stack(p, 0), *ss = tn_stack(p, 1);
    vg_tcb *l = vg_tcp_open(ss);
    assert_int_equal(vg_tcp_bind(l, TN_ADDR1, PORT), 0);
    assert_int_equal(vg_tcp_listen(l, 16), 0);
    struct client cl[NCLIENTS];
    memset(cl, 0, sizeof cl);
    size_t started = 0;
    for (uint32_t ms = 0; ms < FLOOD_MS + 1000; ms++) {
        if (ms < FLOOD_MS) {
            uint8_t buf[128];
            size_t n = spoofed_syn(buf, sizeof buf, ms, TN_ADDR1);
            vg_stack_input(ss, buf, n, tn_now(p));
        }
        if (ms % CLIENT_EVERY_MS == 0 && started < NCLIENTS) {
            struct client *c = &cl[started++];
            c->t = vg_tcp_open(cs);
            c->started = tn_now(p);
            c->connected = VG_TIME_NEVER;
            assert_int_equal(vg_tcp_connect(c->t, TN_ADDR1, PORT, tn_now(p)), 0);
        }
        /* Each step is a tenth of the link's latency, so the connect time is measured finely. */
        for (int k = 0; k < 10; k++) {
            tn_run_for(p, 100);
            vg_tcb *a;
            while ((a = vg_tcp_accept(l)) != NULL) {
                uint16_t rport;
                vg_tcp_endpoints(a, NULL, NULL, NULL, &rport);
                for (size_t i = 0; i < started; i++) {
                    uint16_t lport;
                    vg_tcp_endpoints(cl[i].t, NULL, &lport, NULL, NULL);
                    if (lport == rport)
                        cl[i].server = a;
                }
            }
            for (size_t i = 0; i < started; i++) {
                struct client *c = &cl[i];
                char buf[16];
                if (c->connected == VG_TIME_NEVER && vg_tcp_state(c->t) == VG_TCP_ESTABLISHED) {
                    c->connected = tn_now(p);
                    assert_int_equal(vg_tcp_send(c->t, "ping", 4, tn_now(p)), 4);
                }
                if (c->server && vg_tcp_readable(c->server) >= 4) {
                    assert_int_equal(vg_tcp_recv(c->server, buf, sizeof buf, tn_now(p)), 4);
                    assert_int_equal(vg_tcp_send(c->server, buf, 4, tn_now(p)), 4);
                }
                if (!c->echoed && vg_tcp_readable(c->t) >= 4) {
                    assert_int_equal(vg_tcp_recv(c->t, buf, sizeof buf, tn_now(p)), 4);
                    assert_memory_equal(buf, "ping", 4);
                    c->echoed = 1;
                }
            }
        }
    }
    const struct vg_stack_stats *st = vg_stack_stats(ss);
    size_t ok = 0;
    for (size_t i = 0; i < NCLIENTS; i++) {
        if (cl[i].echoed)
            ok++;
        /* One RTT (2 ms) plus a step: no SYN was retransmitted. */
        assert_true(cl[i].connected != VG_TIME_NEVER);
        assert_true(cl[i].connected - cl[i].started <= 2100);
    }
    assert_int_equal(ok, NCLIENTS);                       /* 100 % */
    assert_int_equal(vg_stack_stats(cs)->tcp_retransmits, 0);
    assert_true(st->syncookies_sent > 0);                 /* the flood filled the SYN cache */
    assert_true(st->syncache_live <= vg_stack_config(ss)->syn_queue_max);
    assert_int_equal(st->tcbs_live, 1 + NCLIENTS);        /* the listener and the real ones */
    for (size_t i = 0; i < NCLIENTS; i++) {
        vg_tcp_abort(cl[i].t, tn_now(p));
        vg_tcp_abort(cl[i].server, tn_now(p));
    }
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);
}

static void syn_flood_memory_is_bounded_no_tcb_per_spoofed_syn(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    uint64_t tcb_bytes = rp_stats(rp)->tcb_bytes;
    uint32_t max = vg_stack_config(rp->s)->syn_queue_max;
    for (uint32_t i = 0; i < 10000; i++) {
        rp_spoof(rp, i);
        rp_drain(rp);
        if (i % 100 == 0)
            rp_run_for(rp, VG_MS(1));
    }
    const struct vg_stack_stats *st = rp_stats(rp);
    assert_int_equal(st->tcbs_live, 1);                   /* no TCB for any spoofed SYN */
    assert_int_equal(st->tcb_bytes, tcb_bytes);
    assert_int_equal(st->syncache_live, max);
    assert_int_equal(st->syncache_added, max);
    assert_int_equal(st->syncookies_sent, 10000 - max);
    /* A half-open entry is under half a TCB. */
    assert_true(sizeof(struct vg_syn_entry) <= 128);
    assert_true(sizeof(struct vg_syn_entry) * 2 < sizeof(struct vg_tcb));
    /* Expired after their SYN-ACK retries (63 s), they are all gone. */
    rp_run_for(rp, VG_MS(64000));
    rp_drain(rp);
    assert_int_equal(st->syncache_live, 0);
    assert_int_equal(st->syncache_expired, max);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syn_flood_half_open_entry_expires_after_synack_retries(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, NULL);
    assert_non_null(sa);
    vg_time t0 = sa->at;
    /* RFC 6298 timing: resent after 1, 2, 4, 8, 16 s (cfg.synack_retries = 5), then dropped at
     * 63 s as Linux does. */
    const vg_time at[] = {1, 3, 7, 15, 31};
    for (size_t i = 0; i < 5; i++) {
        const struct rp_seg *g = rp_wait(rp, t0 + VG_MS(100000));
        assert_non_null(g);
        assert_int_equal(g->th.flags, VG_TCP_SYN | VG_TCP_ACK);
        assert_int_equal(g->th.seq, sa->th.seq);
        assert_int_equal(g->at - t0, VG_MS(1000) * at[i]);
    }
    assert_null(rp_wait(rp, t0 + VG_MS(62999)));
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    rp_run_until(rp, t0 + VG_MS(63000));
    assert_int_equal(rp_stats(rp)->syncache_live, 0);
    assert_int_equal(rp_stats(rp)->syncache_expired, 1);
    assert_null(rp_wait(rp, t0 + VG_MS(200000)));
    /* Its ACK, late, finds nothing: an RST, as for any stray ACK. */
    client_ack(rp, sa);
    const struct rp_seg *r = rp_expect(rp);
    assert_int_equal(r->th.flags, VG_TCP_RST);
    assert_null(vg_tcp_accept(l));
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

/* Many SYN-ACK retries back off to the RTO ceiling (60 s) and stop growing: a large
 * synack_retries must neither leave a half-open entry unanswered for hours between resends nor
 * overflow the backoff shift. */
static void syn_flood_synack_backoff_capped_at_rto_max(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.synack_retries = 10;
    struct rawpeer *rp = rp_new(&cfg);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, NULL);
    assert_non_null(sa);
    vg_time t0 = sa->at;
    const vg_time at[] = {1, 3, 7, 15, 31, 63, 123, 183, 243, 303};
    for (size_t i = 0; i < 10; i++) {
        const struct rp_seg *g = rp_wait(rp, t0 + VG_MS(1000000));
        assert_non_null(g);
        assert_int_equal(g->th.flags, VG_TCP_SYN | VG_TCP_ACK);
        assert_int_equal(g->at - t0, VG_MS(1000) * at[i]);
    }
    rp_run_until(rp, t0 + VG_MS(362999));
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    rp_run_until(rp, t0 + VG_MS(363000));
    assert_int_equal(rp_stats(rp)->syncache_expired, 1);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syn_flood_cookies_off_evicts_oldest_half_open_entry(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.syncookies = VG_SYNCOOKIES_OFF;
    cfg.syn_queue_max = 4;
    struct rawpeer *rp = rp_new(&cfg);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    const struct rp_seg *sa[5];
    for (uint16_t i = 0; i < 5; i++) {
        sa[i] = client_syn(rp, (uint16_t)(40001 + i), 1000u * (i + 1u), NULL);
        assert_non_null(sa[i]);
    }
    assert_int_equal(rp_stats(rp)->syncache_evicted, 1);
    assert_int_equal(rp_stats(rp)->syncache_live, 4);
    assert_int_equal(rp_stats(rp)->syncookies_sent, 0);
    /* The oldest (port 40001) is gone: its ACK is a stray one. */
    rp->port = 40001;
    rp->seq = 1001;
    client_ack(rp, sa[0]);
    assert_int_equal(rp_expect(rp)->th.flags, VG_TCP_RST);
    assert_null(vg_tcp_accept(l));
    /* The newest completes. */
    rp->port = 40005;
    rp->seq = 5001;
    client_ack(rp, sa[4]);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syn_flood_accept_queue_full_keeps_half_open_entry(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 1);
    const struct rp_seg *sa1 = client_syn(rp, 40001, 1000, NULL);
    const struct rp_seg *sa2 = client_syn(rp, 40002, 2000, NULL);
    assert_non_null(sa1);
    assert_non_null(sa2);
    rp->port = 40001;
    rp->seq = 1001;
    client_ack(rp, sa1);                          /* the accept queue (1) is now full */
    rp->port = 40002;
    rp->seq = 2001;
    client_ack(rp, sa2);
    rp_expect_none(rp);                           /* dropped: no RST, nothing */
    assert_int_equal(rp_stats(rp)->listen_overflows, 1);
    assert_int_equal(rp_stats(rp)->syncache_live, 1);
    /* The entry lives on: its SYN-ACK is resent at 1 s, and the client's answer to it, once
     * accept() has made room, completes the connection. */
    const struct rp_seg *again = rp_wait(rp, rp->now + VG_MS(1500));
    assert_non_null(again);
    assert_int_equal(again->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_int_equal(again->th.dport, 40002);
    vg_tcb *c1 = vg_tcp_accept(l);
    assert_non_null(c1);
    client_ack(rp, again);
    vg_tcb *c2 = vg_tcp_accept(l);
    assert_non_null(c2);
    assert_int_equal(vg_tcp_state(c2), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_stats(rp)->tcp_rst_sent, 0);
    vg_tcp_abort(c1, rp->now);
    vg_tcp_abort(c2, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

/* ---- SYN cookies. */

/* RFC 5961 for half-open entries too, under the same limits as a connection's: forged in-window
 * RSTs at one entry get one challenge ACK per oow_ratelimit_ms, and they draw on the one
 * randomised stack-wide budget (a separate budget would reopen the CVE-2016-5696 count). */
static void syn_flood_half_open_challenge_acks_limited_per_entry(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, NULL);
    assert_non_null(sa);
    size_t challenges = 0;
    for (int i = 0; i < 50; i++) {                 /* 50 forgeries in 490 ms */
        rp_send(rp, VG_TCP_RST, 1001 + 100 + (uint32_t)i, 0, 0, NULL, NULL, 0);
        const struct rp_seg *g;
        while ((g = rp_take(rp)) != NULL)
            if (g->is_tcp && g->th.flags == VG_TCP_ACK)
                challenges++;
        rp_run_for(rp, VG_MS(10));
    }
    assert_int_equal(challenges, 1);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks, 1);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks_suppressed, 49);
    assert_int_equal(rp_stats(rp)->syncache_live, 1);   /* none of them ended the entry */
    rp_run_for(rp, VG_MS(500));
    rp_drain(rp);
    rp_send(rp, VG_TCP_RST, 1001 + 100, 0, 0, NULL, NULL, 0);   /* after the gap: answered again */
    const struct rp_seg *g = rp_expect(rp);
    assert_int_equal(g->th.flags, VG_TCP_ACK);
    assert_int_equal(g->th.ack, 1001);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static struct rawpeer *cookie_stack(void)
{
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.syncookies = VG_SYNCOOKIES_ALWAYS;
    return rp_new(&cfg);
}

static void syncookie_connection_inherits_keepalive(void **state)
{
    (void)state;
    /* A12/C1: keep-alive and its per-socket settings on the listening socket apply to the
     * accepted one, a cookie connection too; it aborts at the exact B3 instant. */
    struct rawpeer *rp = cookie_stack();
    vg_tcb *l = rp_listen(rp, PORT, 16);
    assert_int_equal(vg_tcp_set_keepalive(l, 1, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive_time_ms(l, 5000, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive_interval_ms(l, 300, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive_count(l, 4, rp->now), 0);
    vg_tcp_set_nodelay(l, 1);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 7};
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, &o);
    assert_non_null(sa);
    assert_false(sa->th.opt.has_wscale);          /* no timestamps: no scaling for a cookie */
    assert_int_equal(rp_stats(rp)->syncookies_sent, 1);
    assert_int_equal(rp_stats(rp)->syncache_live, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    rp_run_for(rp, VG_MS(700));
    vg_time t_ack = rp->now;
    client_ack(rp, sa);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(rp_stats(rp)->syncookies_ok, 1);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    assert_true(vg_tcp_keepalive(c));
    assert_true(vg_tcp_nodelay(c));
    struct vg_keepalive_info ki;
    vg_tcp_keepalive_info(c, rp->now, &ki);
    assert_int_equal(ki.time_ms, 5000);
    assert_int_equal(ki.interval_ms, 300);
    assert_int_equal(ki.count, 4);
    assert_false(ki.time_is_system);
    /* The peer goes silent: four probes, then the abort at t_ack + 5000 + 4 * 300 ms. */
    for (int k = 0; k < 4; k++) {
        const struct rp_seg *g = rp_wait(rp, t_ack + VG_MS(10000));
        assert_non_null(g);
        assert_int_equal(g->at, t_ack + VG_MS(5000) + (vg_time)k * VG_MS(300));
        assert_int_equal(g->th.seq, sa->th.seq);   /* SND.NXT - 1 */
    }
    const struct rp_seg *rst = rp_wait(rp, t_ack + VG_MS(10000));
    assert_non_null(rst);
    assert_true(rst->th.flags & VG_TCP_RST);
    assert_int_equal(rst->at, t_ack + VG_MS(5000) + 4 * VG_MS(300));
    const struct rp_event *ab = rp_find_event(rp, VG_EV_ABORTED, c, 0);
    assert_non_null(ab);
    assert_int_equal(ab->ev.now, t_ack + VG_MS(6200));
    assert_int_equal(ab->ev.err, VG_ERR_NETRESET);
    vg_tcp_close(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syncookie_with_forged_hash_is_rejected(void **state)
{
    (void)state;
    struct rawpeer *rp = cookie_stack();
    vg_tcb *l = rp_listen(rp, PORT, 16);
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, NULL);
    assert_non_null(sa);
    /* A blind attacker's ACK: ACK numbers off the cookie's in the hash bits or the minute
     * counter. (As in Linux, an ACK a few above the cookie decodes to another valid MSS index;
     * a blind attacker cannot know where that is.) */
    const uint32_t forged[] = {sa->th.seq + 1 + 16, sa->th.seq ^ 0x00010000u,
                               sa->th.seq + 0x01000001u, 0x12345678u};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        rp_send(rp, VG_TCP_ACK, 1001, forged[i], 65535, NULL, NULL, 0);
        const struct rp_seg *r = rp_expect(rp);
        assert_int_equal(r->th.flags, VG_TCP_RST);
        assert_int_equal(r->th.seq, forged[i]);
    }
    /* The right cookie from the wrong port or with the wrong sequence number fails too. */
    rp_send(rp, VG_TCP_ACK, 1002, sa->th.seq + 1, 65535, NULL, NULL, 0);
    assert_int_equal(rp_expect(rp)->th.flags, VG_TCP_RST);
    rp->port = 40002;
    rp_send(rp, VG_TCP_ACK, 1001, sa->th.seq + 1, 65535, NULL, NULL, 0);
    assert_int_equal(rp_expect(rp)->th.flags, VG_TCP_RST);
    assert_int_equal(rp_stats(rp)->syncookies_bad, 6);
    assert_int_equal(rp_stats(rp)->syncookies_ok, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 1);
    assert_null(vg_tcp_accept(l));
    /* The real one still works. */
    rp->port = 40001;
    rp->seq = 1001;
    client_ack(rp, sa);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(rp_stats(rp)->syncookies_ok, 1);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syncookie_older_than_two_minutes_is_rejected(void **state)
{
    (void)state;
    struct rawpeer *rp = cookie_stack();
    vg_tcb *l = rp_listen(rp, PORT, 16);
    rp_run_until(rp, VG_MS(60000));               /* the start of a minute counter */
    const struct rp_seg *a = client_syn(rp, 40001, 1000, NULL);
    const struct rp_seg *b = client_syn(rp, 40002, 2000, NULL);
    assert_non_null(a);
    assert_non_null(b);
    /* One minute counter later, still good. */
    rp_run_for(rp, VG_MS(119000));
    rp->port = 40001;
    rp->seq = 1001;
    client_ack(rp, a);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    /* Past two minutes: refused. */
    rp_run_for(rp, VG_MS(2000));
    rp->port = 40002;
    rp->seq = 2001;
    client_ack(rp, b);
    assert_int_equal(rp_expect(rp)->th.flags, VG_TCP_RST);
    assert_null(vg_tcp_accept(l));
    assert_int_equal(rp_stats(rp)->syncookies_bad, 1);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syncookie_encodes_the_mss_from_linux_table(void **state)
{
    (void)state;
    struct rawpeer *rp = cookie_stack();
    vg_tcb *l = rp_listen(rp, PORT, 16);
    const uint16_t asked[] = {1460, 1400, 1300, 1000, 536, 0};
    const uint16_t got[] = {1460, 1300, 1300, 536, 536, 536};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        struct vg_tcp_opts o = {.has_mss = asked[i] != 0, .mss = asked[i]};
        uint16_t port = (uint16_t)(41000 + i);
        const struct rp_seg *sa = client_syn(rp, port, 7000u * (uint32_t)(i + 1), &o);
        assert_non_null(sa);
        client_ack(rp, sa);
        vg_tcb *c = vg_tcp_accept(l);
        assert_non_null(c);
        assert_int_equal(c->mss, got[i]);
        assert_int_equal(c->snd_wscale, 0);
        vg_tcp_abort(c, rp->now);
        rp_drain(rp);
    }
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void syn_flood_cookie_connection_carries_data_both_ways(void **state)
{
    (void)state;
    /* When the cache is full (default WHEN_FULL), the next SYN gets a cookie, and the data on
     * the ACK that returns it is delivered. */
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.syn_queue_max = 2;
    struct rawpeer *rp = rp_new(&cfg);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    rp_spoof(rp, 1);
    rp_spoof(rp, 2);
    rp_drain(rp);
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, NULL);
    assert_non_null(sa);
    assert_int_equal(rp_stats(rp)->syncookies_sent, 1);
    rp->ack = sa->th.seq + 1;
    rp_send_data(rp, "hello", 5);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    char buf[8];
    assert_int_equal(vg_tcp_recv(c, buf, sizeof buf, rp->now), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(vg_tcp_send(c, "world", 5, rp->now), 5);
    const struct rp_seg *g;
    int seen = 0;
    while ((g = rp_take(rp)) != NULL)
        if (g->dlen == 5 && memcmp(g->data, "world", 5) == 0 && g->th.seq == sa->th.seq + 1)
            seen = 1;
    assert_true(seen);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static int fail_all(void *ctx, size_t size)
{
    (void)ctx;
    (void)size;
    return 1;
}

static void syn_flood_out_of_memory_answers_with_cookies(void **state)
{
    (void)state;
    /* No memory for a SYN-cache entry: the SYN is answered with a cookie instead, and the
     * connection is made once memory is back. */
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    vg_stack_set_alloc_fail(rp->s, fail_all, NULL);
    const struct rp_seg *sa = client_syn(rp, 40001, 1000, NULL);
    assert_non_null(sa);
    assert_int_equal(rp_stats(rp)->syncache_live, 0);
    assert_int_equal(rp_stats(rp)->syncookies_sent, 1);
    assert_true(rp_stats(rp)->alloc_failures > 0);
    vg_stack_set_alloc_fail(rp->s, NULL, NULL);
    client_ack(rp, sa);
    vg_tcb *c = vg_tcp_accept(l);
    assert_non_null(c);
    assert_int_equal(rp_stats(rp)->syncookies_ok, 1);
    vg_tcp_abort(c, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(syn_flood_16_spoofed_syns_do_not_lock_out_clients),
        cmocka_unit_test(syn_flood_1000_per_s_legit_client_connects_within_one_rtt),
        cmocka_unit_test(syn_flood_memory_is_bounded_no_tcb_per_spoofed_syn),
        cmocka_unit_test(syn_flood_half_open_entry_expires_after_synack_retries),
        cmocka_unit_test(syn_flood_synack_backoff_capped_at_rto_max),
        cmocka_unit_test(syn_flood_cookies_off_evicts_oldest_half_open_entry),
        cmocka_unit_test(syn_flood_accept_queue_full_keeps_half_open_entry),
        cmocka_unit_test(syn_flood_half_open_challenge_acks_limited_per_entry),
        cmocka_unit_test(syn_flood_cookie_connection_carries_data_both_ways),
        cmocka_unit_test(syncookie_connection_inherits_keepalive),
        cmocka_unit_test(syncookie_with_forged_hash_is_rejected),
        cmocka_unit_test(syncookie_older_than_two_minutes_is_rejected),
        cmocka_unit_test(syncookie_encodes_the_mss_from_linux_table),
        cmocka_unit_test(syn_flood_out_of_memory_answers_with_cookies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
