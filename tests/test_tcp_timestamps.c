/* RFC 7323 timestamps: negotiated only when both SYNs carry them (SYN cache, SYN cookies,
 * cfg.no_timestamps), then on every segment but an RST with TSecr = TS.Recent; TS.Recent follows
 * §4.3's Last.ACK.sent rule; PAWS drops an old duplicate (and ACKs it) but never an RST, and
 * forgets TS.Recent after 24 idle days; every ACK gives an RTT sample; keep-alive probes and
 * their answers carry the option like any segment (forged TSvals: test_hostile_ts_poison). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"
#include "testnet.h"

#define PORT 8080
#define DAY_US (24ull * 3600 * 1000000)

static struct vg_tcp_opts syn_opts(int ts, uint32_t tsval, uint32_t tsecr)
{
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_mss = 1;
    o.mss = 1460;
    o.has_wscale = 1;
    o.wscale = 7;
    o.has_ts = (uint8_t)ts;
    o.ts_val = tsval;
    o.ts_ecr = tsecr;
    return o;
}

/* A segment from the peer's state (as rp_send_seg) carrying TSval/TSecr. */
static void ts_send(struct rawpeer *rp, uint8_t flags, uint32_t seq, const void *data, size_t dlen,
                    uint32_t tsval, uint32_t tsecr)
{
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_ts = 1;
    o.ts_val = tsval;
    o.ts_ecr = tsecr;
    rp_send(rp, flags, seq, rp->ack, rp->wnd, &o, data, dlen);
}

static void ts_send_data(struct rawpeer *rp, const void *data, size_t dlen, uint32_t tsval,
                         uint32_t tsecr)
{
    ts_send(rp, VG_TCP_ACK, rp->seq, data, dlen, tsval, tsecr);
    rp->seq += (uint32_t)dlen;
}

/* The stack connects to the peer, whose SYN-ACK carries TSval peer_ts (ts) or no timestamps. */
static vg_tcb *open_active(struct rawpeer *rp, int ts, uint32_t peer_ts)
{
    struct vg_tcp_opts o = syn_opts(ts, peer_ts, 0);
    const struct rp_seg *syn;
    vg_tcb *t = rp_connect(rp, PORT, &syn);
    assert_int_equal(syn->th.flags, VG_TCP_SYN);
    assert_true(syn->th.opt.has_ts);               /* offered by default */
    assert_int_equal(syn->th.opt.ts_ecr, 0);
    o.ts_ecr = syn->th.opt.ts_val;
    rp->ack = syn->th.seq + 1;
    rp->seq = 0x20000000u;
    rp->wnd = 65535;
    rp_run_for(rp, VG_MS(10));
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq, rp->ack, rp->wnd, &o, NULL, 0);
    rp->seq++;
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(a->th.opt.has_ts, ts);
    if (ts) {
        assert_int_equal(a->th.opt.ts_ecr, peer_ts);
        /* The TSval clock runs in milliseconds: 10 ms after the SYN's. */
        assert_int_equal(a->th.opt.ts_val - syn->th.opt.ts_val, 10);
    }
    rp_expect_none(rp);
    return t;
}

static uint8_t buf[65536];

static void active_open_negotiates_and_every_segment_carries_them(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, 1, 5000);
    assert_true(t->flags2 & TF2_TS);
    assert_int_equal(t->ts_recent, 5000);
    /* 12 octets of every segment go to the option: 1448 of payload in a 1500-octet datagram. */
    assert_int_equal(t->mss, 1448);
    memset(buf, 'x', sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, 3000, rp->now), 3000);
    const struct rp_seg *g = rp_expect(rp);
    assert_true(g->th.opt.has_ts);
    assert_int_equal(g->th.opt.ts_ecr, 5000);
    assert_int_equal(g->dlen, 1448);
    assert_int_equal(g->ip.total_len, 1500);
    assert_int_equal(g->th.hdr_len, 32);
    /* An RST carries none (RFC 7323 §3.2 lets it; Linux's own aborts do the same). */
    rp_drain(rp);
    vg_tcp_abort(t, rp->now);
    g = rp_expect(rp);
    assert_true(g->th.flags & VG_TCP_RST);
    assert_false(g->th.opt.has_ts);
    rp_free(rp);
}

static void absent_when_the_peer_lacks_them(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, 0, 0);
    assert_false(t->flags2 & TF2_TS);
    assert_int_equal(t->mss, 1460);
    memset(buf, 'x', sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, 3000, rp->now), 3000);
    const struct rp_seg *g = rp_expect(rp);
    assert_false(g->th.opt.has_ts);
    assert_int_equal(g->dlen, 1460);
    rp_free(rp);

    /* Passive: a SYN without them gets a SYN-ACK without them. */
    rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    struct vg_tcp_opts o = syn_opts(0, 0, 0);
    t = rp_open_passive(rp, l, PORT, &o, 65535);
    assert_false(t->flags2 & TF2_TS);
    rp_free(rp);
}

static void passive_open_answers_through_the_syn_cache(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    struct vg_tcp_opts o = syn_opts(1, 777, 0);
    const struct rp_seg *sa = rp_send_syn(rp, PORT, &o, 65535);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_true(sa->th.opt.has_ts);
    assert_int_equal(sa->th.opt.ts_ecr, 777);
    uint32_t our = sa->th.opt.ts_val;
    /* The SYN again (our SYN-ACK was lost): the resend echoes the entry's TSval too. */
    rp_send(rp, VG_TCP_SYN, rp->seq - 1, 0, rp->wnd, &o, NULL, 0);
    sa = rp_expect(rp);
    assert_int_equal(sa->th.opt.ts_ecr, 777);
    rp->ack = sa->th.seq + 1;
    ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, 778, our);
    vg_tcb *t = vg_tcp_accept(l);
    assert_non_null(t);
    assert_true(t->flags2 & TF2_TS);
    assert_int_equal(t->ts_recent, 778);
    assert_int_equal(t->mss, 1448);
    assert_int_equal(vg_tcp_send(t, "hello", 5, rp->now), 5);
    const struct rp_seg *g = rp_expect(rp);
    assert_true(g->th.opt.has_ts);
    assert_int_equal(g->th.opt.ts_ecr, 778);
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 0);
    rp_free(rp);
}

/* The handshake's last ACK with a TSval older than the SYN's is a PAWS drop at the SYN cache: no
 * connection half-made that nothing ends; the entry stays, and the real ACK completes it. */
static void paws_at_the_syn_cache_leaves_no_half_open_connection(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    struct vg_tcp_opts o = syn_opts(1, 5000, 0);
    const struct rp_seg *sa = rp_send_syn(rp, PORT, &o, 65535);
    uint32_t our = sa->th.opt.ts_val;
    uint64_t tcbs = rp_stats(rp)->tcbs_live;
    ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, 4999, our);
    assert_null(vg_tcp_accept(l));
    assert_int_equal(rp_stats(rp)->tcbs_live, tcbs);
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 1);
    ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, 5001, our);
    vg_tcb *t = vg_tcp_accept(l);
    assert_non_null(t);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(t->ts_recent, 5001);
    rp_free(rp);
}

static void syn_cookies_go_without_timestamps(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.syncookies = VG_SYNCOOKIES_ALWAYS;
    struct rawpeer *rp = rp_new(&c);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    struct vg_tcp_opts o = syn_opts(1, 777, 0);
    const struct rp_seg *sa = rp_send_syn(rp, PORT, &o, 65535);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    assert_false(sa->th.opt.has_ts);
    rp_send_ack(rp);
    vg_tcb *t = vg_tcp_accept(l);
    assert_non_null(t);
    assert_int_equal(rp_stats(rp)->syncookies_ok, 1);
    assert_false(t->flags2 & TF2_TS);
    rp_free(rp);
}

static void no_timestamps_keeps_the_old_wire(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.no_timestamps = 1;
    c.no_sack = 1;                                /* SACK-permitted would take 4 octets too */
    struct rawpeer *rp = rp_new(&c);
    const struct rp_seg *syn;
    rp_connect(rp, PORT, &syn);
    assert_false(syn->th.opt.has_ts);
    assert_int_equal(syn->th.hdr_len, 28);        /* MSS and window scale, as before */
    /* A SYN offering them to such a stack gets a SYN-ACK without them. */
    vg_tcb *l = rp_listen(rp, PORT + 1, 8);
    struct vg_tcp_opts o = syn_opts(1, 777, 0);
    vg_tcb *p = rp_open_passive(rp, l, PORT + 1, &o, 65535);
    assert_false(p->flags2 & TF2_TS);
    rp_free(rp);
}

/* Two segments before our delayed ACK: the ACK echoes the first one's TSval (the oldest not yet
 * acknowledged, §4.3), so the peer's RTT includes the delay; the next one's TSval after. */
static void tsecr_echoes_ts_recent_by_the_last_ack_rule(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, 1, 1000);
    uint32_t our = t->ts_recent;                  /* any: the stack only checks TSecr loosely */
    (void)our;
    memset(buf, 'a', sizeof buf);
    ts_send_data(rp, buf, 100, 1100, 0);
    rp_expect_none(rp);                           /* delayed */
    rp_run_for(rp, VG_MS(5));
    ts_send_data(rp, buf, 100, 1105, 0);
    rp_run_for(rp, VG_MS(50));
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->th.opt.ts_ecr, 1100);
    rp_drain(rp);
    ts_send_data(rp, buf, 100, 1200, 0);
    rp_run_for(rp, VG_MS(50));
    a = rp_expect(rp);
    assert_int_equal(a->th.opt.ts_ecr, 1200);
    assert_int_equal(t->ts_recent, 1200);
    /* A segment without the option on this connection is accepted (as Linux) and counted. */
    rp_send_data(rp, buf, 10);
    rp_run_for(rp, VG_MS(50));
    assert_int_equal(rp_stats(rp)->tcp_ts_missing, 1);
    assert_int_equal(t->ts_recent, 1200);
    char out[400];
    assert_int_equal(vg_tcp_recv(t, out, sizeof out, rp->now), 310);
    rp_free(rp);
}

/* An old duplicate from the previous trip around the sequence space: its sequence numbers fall
 * in today's window, its TSval is older than TS.Recent. PAWS drops it with an ACK; the data it
 * carries never reaches the application, and the real segment at the same place does. */
static void paws_drops_an_old_duplicate_in_a_wrapped_window(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, 1, 0x7ffffff0u);
    ts_send_data(rp, "first", 5, 0x80000010u, 0);  /* TSvals compare modulo 2^32 */
    rp_run_for(rp, VG_MS(50));
    rp_drain(rp);
    assert_int_equal(t->ts_recent, 0x80000010u);
    ts_send(rp, VG_TCP_ACK, rp->seq, "OLD!!", 5, 0x7ffffff8u, 0);
    const struct rp_seg *a = rp_expect(rp);       /* R1: ACKed at once, dropped */
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->th.opt.ts_ecr, 0x80000010u);
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 1);
    assert_int_equal(t->ts_recent, 0x80000010u);
    ts_send_data(rp, "new!!", 5, 0x80000020u, 0);
    rp_run_for(rp, VG_MS(50));
    char out[32];
    long n = vg_tcp_recv(t, out, sizeof out, rp->now);
    assert_int_equal(n, 10);
    assert_memory_equal(out, "firstnew!!", 10);
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 1);
    /* An RST is not checked against TS.Recent (§5.3): at RCV.NXT it resets. */
    ts_send(rp, VG_TCP_RST, rp->seq, NULL, 0, 1, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 1);
    rp_free(rp);
}

/* §5.5: after 24 idle days TS.Recent is no longer valid: a segment with a TSval below it (the
 * peer's clock may have wrapped half its space) is accepted and becomes TS.Recent. */
static void ts_recent_expires_after_24_idle_days(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, 1, 0x90000000u);
    rp_run_for(rp, 25 * DAY_US);
    ts_send_data(rp, "late", 4, 0x10000000u, 0);
    rp_run_for(rp, VG_MS(50));
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 0);
    assert_int_equal(t->ts_recent, 0x10000000u);
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->th.opt.ts_ecr, 0x10000000u);
    char out[8];
    assert_int_equal(vg_tcp_recv(t, out, sizeof out, rp->now), 4);
    /* Within 24 days the same kind of segment is an old duplicate. */
    rp_run_for(rp, 23 * DAY_US);
    ts_send_data(rp, "olde", 4, 0x0ffffff0u, 0);
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 1);
    rp_free(rp);
}

/* Sends `segs` full segments one RTT at a time while the path's RTT is `rtt`, the peer ACKing
 * each one alone (echoing its TSval when ts); returns how many ACKs it took for srtt to come
 * within 10 % of rtt (the handshake measured 10 ms). */
static int acks_to_converge(int ts, vg_time rtt)
{
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, ts, 1);
    memset(buf, 'z', sizeof buf);
    int acks = 0;
    uint32_t peer_ts = 2;
    for (int round = 0; round < 40; round++) {
        assert_true(vg_tcp_send(t, buf, 8u * t->mss, rp->now) > 0);
        const struct rp_seg *g;
        uint32_t ends[64], ecrs[64];
        int n = 0;
        while ((g = rp_take(rp)) != NULL && n < 64) {
            if (!g->dlen)
                continue;
            ends[n] = g->th.seq + (uint32_t)g->dlen;
            ecrs[n] = g->th.opt.ts_val;
            n++;
        }
        rp_run_for(rp, rtt);
        for (int i = 0; i < n; i++) {
            rp->ack = ends[i];
            if (ts)
                ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, peer_ts++, ecrs[i]);
            else
                rp_send_ack(rp);
            acks++;
            struct vg_tcp_info info;
            vg_tcp_info(t, rp->now, &info);
            if (info.srtt >= rtt - rtt / 10) {
                rp_free(rp);
                return acks;
            }
        }
    }
    rp_free(rp);
    return 1000000;
}

static void every_ack_gives_an_rtt_sample(void **state)
{
    (void)state;
    int with = acks_to_converge(1, VG_MS(200));
    int without = acks_to_converge(0, VG_MS(200));
    print_message("ACKs to an srtt within 10%% of 200 ms: %d with timestamps, %d without\n", with,
                  without);
    assert_true(with < without);
    assert_true(with <= 24);
}

static void echoes_from_the_future_or_zero_give_no_sample(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, 1, 1);
    struct vg_tcp_info before, after;
    vg_tcp_info(t, rp->now, &before);
    assert_int_equal(vg_tcp_send(t, "abcd", 4, rp->now), 4);
    const struct rp_seg *g = rp_expect(rp);
    uint32_t our = g->th.opt.ts_val;
    rp_run_for(rp, VG_MS(300));
    rp->ack += 2;
    ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, 2, our + 1000000u);   /* from the future */
    rp->ack += 1;
    ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, 3, 0);                /* no echo */
    vg_tcp_info(t, rp->now, &after);
    assert_int_equal(after.srtt, before.srtt);
    assert_int_equal(rp_stats(rp)->tcp_ts_bad_ecr, 1);
    rp->ack += 1;
    ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, 4, our);              /* 300 ms ago */
    vg_tcp_info(t, rp->now, &after);
    assert_true(after.srtt > before.srtt);
    rp_free(rp);
}

/* B2/B5 with timestamps: our probe is SEQ = SND.NXT-1 and carries the option; the peer's probe
 * (Linux's carry a fresh TSval) is answered with TSecr = TS.Recent, which it does not move
 * (it is out of window, §4.3), and PAWS does not take it for an old duplicate. */
static void keepalive_probes_and_answers_carry_timestamps(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = open_active(rp, 1, 4000);
    assert_int_equal(vg_tcp_set_keepalive_time_ms(t, 1000, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive(t, 1, rp->now), 0);
    const struct rp_seg *p = rp_wait(rp, rp->now + VG_MS(1500));
    assert_non_null(p);
    assert_int_equal(p->th.seq, rp->ack - 1);
    assert_true(p->dlen <= 1);
    assert_true(p->th.opt.has_ts);
    assert_int_equal(p->th.opt.ts_ecr, 4000);
    /* Its answer, with a fresh TSval: an ACK at RCV.NXT is in sequence and moves TS.Recent. */
    ts_send(rp, VG_TCP_ACK, rp->seq, NULL, 0, 5000, p->th.opt.ts_val);
    assert_int_equal(t->ts_recent, 5000);
    assert_int_equal(rp_stats(rp)->ka_probes_acked, 1);
    /* The peer's probe. */
    ts_send(rp, VG_TCP_ACK, rp->seq - 1, NULL, 0, 6000, p->th.opt.ts_val);
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.ack, rp->seq);
    assert_true(a->th.opt.has_ts);
    assert_int_equal(a->th.opt.ts_ecr, 5000);
    assert_int_equal(t->ts_recent, 5000);
    ts_send(rp, VG_TCP_ACK, rp->seq - 1, "g", 1, 6001, p->th.opt.ts_val);
    a = rp_expect(rp);
    assert_int_equal(a->th.opt.ts_ecr, 5000);
    assert_int_equal(rp_stats(rp)->ka_peer_probes_answered, 2);
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 0);
    rp_free(rp);
}

/* Two vigil stacks: both SYNs carry timestamps, both ends use them, and a transfer both ways
 * over a lossy path stays byte-exact without a PAWS drop (every retransmission carries a fresh
 * TSval). */
static void two_stacks_negotiate_and_transfer_exactly(void **state)
{
    (void)state;
    struct vg_link_params lp;
    memset(&lp, 0, sizeof lp);
    lp.latency_us = 10000;
    lp.loss = 0.02;
    struct tn_pair *p = tn_pair_new(7, &lp, VG_PROFILE_WINDOWS_VISTA);
    vg_tcb *l = tn_listen(p, 1, PORT);
    vg_tcb *c, *s;
    tn_connect_pair(p, 0, NULL, l, 0, &c, &s);
    assert_true(c->flags2 & TF2_TS);
    assert_true(s->flags2 & TF2_TS);
    assert_int_equal(c->mss, 1448);
    const uint64_t bytes[2] = {1u << 20, 1u << 19};
    struct tn_transfer_result r;
    tn_transfer(p, c, s, bytes, 3, TN_SHUTDOWN, VG_MS(600000), &r);
    tn_assert_transfer_exact(&r);
    for (int h = 0; h < 2; h++) {
        const struct vg_stack_stats *st = vg_stack_stats(tn_stack(p, h));
        assert_int_equal(st->tcp_paws_drops, 0);
        assert_int_equal(st->tcp_ts_missing, 0);
        assert_int_equal(st->tcp_ts_bad_ecr, 0);
    }
    tn_pair_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(active_open_negotiates_and_every_segment_carries_them),
        cmocka_unit_test(absent_when_the_peer_lacks_them),
        cmocka_unit_test(passive_open_answers_through_the_syn_cache),
        cmocka_unit_test(paws_at_the_syn_cache_leaves_no_half_open_connection),
        cmocka_unit_test(syn_cookies_go_without_timestamps),
        cmocka_unit_test(no_timestamps_keeps_the_old_wire),
        cmocka_unit_test(tsecr_echoes_ts_recent_by_the_last_ack_rule),
        cmocka_unit_test(paws_drops_an_old_duplicate_in_a_wrapped_window),
        cmocka_unit_test(ts_recent_expires_after_24_idle_days),
        cmocka_unit_test(every_ack_gives_an_rtt_sample),
        cmocka_unit_test(echoes_from_the_future_or_zero_give_no_sample),
        cmocka_unit_test(keepalive_probes_and_answers_carry_timestamps),
        cmocka_unit_test(two_stacks_negotiate_and_transfer_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
