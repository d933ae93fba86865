/* SACK (RFC 2018), SACK-based loss recovery (RFC 6675) with PRR (RFC 6937), D-SACK (RFC 2883),
 * against a scripted peer: negotiation, the blocks our ACKs carry, and what the sender resends
 * for a single loss, a burst, a lost retransmission and reordering, and what it makes of forged
 * blocks. Each sender case runs over several stack seeds (the ISN anywhere in the space). */
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
#define MSS 536u
#define SEEDS 6
#define NSEG 32

static struct rawpeer *new_peer(uint64_t seed, int no_sack)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.seed = seed;
    c.no_sack = (uint8_t)no_sack;
    /* These cases script RFC 6675's own loss marking (DupThresh, rule 3, the lost resend that
     * only a timeout repairs): RACK-TLP, which replaces it, has test_tcp_rack.c. */
    c.no_rack = 1;
    /* The scripted rounds open the window by NewReno's rules: CUBIC grows only a window in use,
     * and the losses below are placed in a window of a known size. The recovery itself is
     * SACK's whatever the algorithm; lossy_transfer_is_exact_with_sack runs the default. */
    c.cc = VG_CC_NEWRENO;
    return rp_new(&c);
}

static struct vg_tcp_opts syn_opts(int sack)
{
    struct vg_tcp_opts o = {.has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7};
    o.sack_permitted = (uint8_t)sack;
    return o;
}

static vg_tcb *established(struct rawpeer *rp)
{
    struct vg_tcp_opts o = syn_opts(1);
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    rp_send_ack(rp);                  /* the scaled window, before any duplicate ACK */
    return t;
}

/* ---- negotiation ---- */

static void sack_is_offered_and_agreed_both_ways(void **state)
{
    (void)state;
    /* Active: our SYN offers it; a SYN-ACK permitting it turns it on, one without does not. */
    for (int peer = 0; peer <= 1; peer++) {
        struct rawpeer *rp = new_peer(1, 0);
        struct vg_tcp_opts o = syn_opts(peer);
        vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
        assert_int_equal(rp->segs[0]->th.flags, VG_TCP_SYN);
        assert_int_equal(rp->segs[0]->th.opt.sack_permitted, 1);
        assert_int_equal((t->flags2 & TF2_SACK) != 0, peer);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
    /* Passive, through the SYN cache: the SYN-ACK answers a SYN that permits it. */
    for (int peer = 0; peer <= 1; peer++) {
        struct rawpeer *rp = new_peer(1, 0);
        vg_tcb *l = rp_listen(rp, PORT, 8);
        struct vg_tcp_opts o = syn_opts(peer);
        vg_tcb *t = rp_open_passive(rp, l, PORT, &o, 65535);
        size_t i = 0;
        while (!(rp->segs[i]->th.flags & VG_TCP_SYN))
            i++;
        assert_int_equal(rp->segs[i]->th.opt.sack_permitted, peer);
        assert_int_equal((t->flags2 & TF2_SACK) != 0, peer);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
    /* cfg.no_sack: neither offered nor agreed, whatever the peer says. */
    struct rawpeer *rp = new_peer(1, 1);
    struct vg_tcp_opts o = syn_opts(1);
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    assert_int_equal(rp->segs[0]->th.opt.sack_permitted, 0);
    assert_int_equal(t->flags2 & TF2_SACK, 0);
    vg_tcp_abort(t, rp->now);
    rp_drain(rp);
    vg_tcb *l = rp_listen(rp, PORT + 1, 8);
    size_t before = rp->nsegs;
    t = rp_open_passive(rp, l, PORT + 1, &o, 65535);
    while (!(rp->segs[before]->th.flags & VG_TCP_SYN))
        before++;
    assert_int_equal(rp->segs[before]->th.opt.sack_permitted, 0);
    assert_int_equal(t->flags2 & TF2_SACK, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* ---- the receiver's blocks ---- */

static const struct rp_seg *peer_data(struct rawpeer *rp, uint32_t base, unsigned i,
                                      const uint8_t *buf)
{
    rp_send(rp, VG_TCP_ACK, base + i * MSS, rp->ack, rp->wnd, NULL, buf + i * MSS, MSS);
    return rp_take(rp);
}

static void assert_block(const struct rp_seg *a, unsigned k, uint32_t start, uint32_t end)
{
    assert_true(a->th.opt.nsack > k);
    assert_int_equal(a->th.opt.sack[k].start, start);
    assert_int_equal(a->th.opt.sack[k].end, end);
}

static void acks_report_islands_newest_first_and_duplicates_first(void **state)
{
    (void)state;
    uint8_t buf[8 * MSS];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7u);
    struct rawpeer *rp = new_peer(3, 0);
    vg_tcb *l = rp_listen(rp, PORT, 8);
    struct vg_tcp_opts o = syn_opts(1);
    vg_tcb *t = rp_open_passive(rp, l, PORT, &o, 65535);
    assert_true(t->flags2 & TF2_SACK);
    uint32_t b = rp->seq;
    /* S0 arrives, S1 is missing: S2 is an island, then S4 (newest first), then S3 joins them. */
    rp_send(rp, VG_TCP_ACK, b, rp->ack, rp->wnd, NULL, buf, MSS);
    rp_drain(rp);
    const struct rp_seg *a = peer_data(rp, b, 2, buf);
    assert_non_null(a);
    assert_int_equal(a->th.ack, b + MSS);
    assert_int_equal(a->th.opt.nsack, 1);
    assert_block(a, 0, b + 2 * MSS, b + 3 * MSS);
    a = peer_data(rp, b, 4, buf);
    assert_int_equal(a->th.opt.nsack, 2);
    assert_block(a, 0, b + 4 * MSS, b + 5 * MSS);
    assert_block(a, 1, b + 2 * MSS, b + 3 * MSS);
    a = peer_data(rp, b, 6, buf);
    assert_int_equal(a->th.opt.nsack, 3);
    assert_block(a, 0, b + 6 * MSS, b + 7 * MSS);
    assert_block(a, 1, b + 4 * MSS, b + 5 * MSS);
    assert_block(a, 2, b + 2 * MSS, b + 3 * MSS);
    a = peer_data(rp, b, 3, buf);
    assert_int_equal(a->th.opt.nsack, 2);
    assert_block(a, 0, b + 2 * MSS, b + 5 * MSS);
    assert_block(a, 1, b + 6 * MSS, b + 7 * MSS);
    /* D-SACK (RFC 2883): S0 again, wholly below RCV.NXT, is the first block of the ACK... */
    a = peer_data(rp, b, 0, buf);
    assert_non_null(a);
    assert_int_equal(a->th.ack, b + MSS);
    assert_block(a, 0, b, b + MSS);
    assert_block(a, 1, b + 2 * MSS, b + 5 * MSS);
    /* ...and S3 again, inside an island, comes first with its island second. */
    a = peer_data(rp, b, 3, buf);
    assert_block(a, 0, b + 3 * MSS, b + 4 * MSS);
    assert_block(a, 1, b + 2 * MSS, b + 5 * MSS);
    assert_int_equal(rp_stats(rp)->tcp_dsack_sent, 2);
    /* The hole fills: no island, no blocks, and the reported duplicate is not repeated. */
    a = peer_data(rp, b, 1, buf);
    assert_int_equal(a->th.ack, b + 5 * MSS);
    assert_int_equal(a->th.opt.nsack, 1);
    assert_block(a, 0, b + 6 * MSS, b + 7 * MSS);
    a = peer_data(rp, b, 5, buf);
    assert_int_equal(a->th.ack, b + 7 * MSS);
    assert_int_equal(a->th.opt.nsack, 0);
    uint8_t got[8 * MSS];
    assert_int_equal(vg_tcp_recv(t, got, sizeof got, rp->now), 7 * MSS);
    assert_memory_equal(got, buf, 7 * MSS);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* ---- the sender ---- */

/* A receiver's view of the segments it got: the cumulative ACK and RFC 2018 blocks, the run
 * holding the newest arrival first, then the others from the highest down. */
struct model {
    uint32_t base;
    unsigned n;
    int got[NSEG];
};

static void model_ack(struct rawpeer *rp, struct model *m, unsigned newest)
{
    m->got[newest] = 1;
    unsigned cum = 0;
    while (cum < m->n && m->got[cum])
        cum++;
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    unsigned runs[NSEG][2], nr = 0;
    for (unsigned i = cum; i < m->n;) {
        if (!m->got[i]) {
            i++;
            continue;
        }
        unsigned j = i;
        while (j < m->n && m->got[j])
            j++;
        runs[nr][0] = i;
        runs[nr][1] = j;
        nr++;
        i = j;
    }
    for (unsigned k = 0; k < nr; k++)
        if (newest >= runs[k][0] && newest < runs[k][1]) {
            o.sack[o.nsack].start = m->base + runs[k][0] * MSS;
            o.sack[o.nsack].end = m->base + runs[k][1] * MSS;
            o.nsack++;
        }
    for (unsigned k = nr; k-- > 0 && o.nsack < 4;)
        if (!(newest >= runs[k][0] && newest < runs[k][1])) {
            o.sack[o.nsack].start = m->base + runs[k][0] * MSS;
            o.sack[o.nsack].end = m->base + runs[k][1] * MSS;
            o.nsack++;
        }
    rp_run_for(rp, VG_MS(1));
    rp_send(rp, VG_TCP_ACK, rp->seq, m->base + cum * MSS, rp->wnd, &o, NULL, 0);
}

/* Queues n full segments and collects those the stack sends at once (the window's worth). */
static unsigned send_segments(struct rawpeer *rp, vg_tcb *t, unsigned n, const struct rp_seg **seg)
{
    static uint8_t buf[NSEG * MSS];
    for (size_t i = 0; i < n * MSS; i++)
        buf[i] = (uint8_t)(i * 13u + 1);
    assert_int_equal(vg_tcp_send(t, buf, n * MSS, rp->now), (long)(n * MSS));
    unsigned k = 0;
    const struct rp_seg *g;
    while ((g = rp_take(rp)) != NULL) {
        assert_int_equal(g->dlen, MSS);
        seg[k++] = g;
    }
    return k;
}

/* Opens the window to w segments or more by acknowledging every segment of a few rounds. Each
 * round queues more than the window holds: CUBIC (the default) grows only a window in use. */
static void open_window(struct rawpeer *rp, vg_tcb *t, unsigned w)
{
    const struct rp_seg *s[NSEG];
    while (t->cwnd < w * MSS) {
        unsigned k = send_segments(rp, t, 4, s);
        for (unsigned i = 0; i < k; i++) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_ACK, rp->seq, s[i]->th.seq + MSS, rp->wnd, NULL, NULL, 0);
        }
        rp_run_for(rp, VG_MS(1));
        const struct rp_seg *g;
        while ((g = rp_take(rp)) != NULL) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_ACK, rp->seq, g->th.seq + (uint32_t)g->dlen, rp->wnd, NULL, NULL, 0);
        }
        assert_int_equal(vg_tcp_unacked(t), 0);
    }
}

/* A sender case: an established connection whose window was opened to w segments or more,
 * then w segments queued and the window's worth the stack sent at once, in s[0..n). */
struct flight {
    struct rawpeer *rp;
    vg_tcb *t;
    const struct rp_seg *s[NSEG];
    unsigned n;
    struct model m;
};

static void start_flight(struct flight *f, uint64_t seed, unsigned w)
{
    f->rp = new_peer(seed, 0);
    f->t = established(f->rp);
    open_window(f->rp, f->t, w);
    f->n = send_segments(f->rp, f->t, w, f->s);
    f->m = (struct model){.base = f->s[0]->th.seq, .n = f->n};
}

static void end_flight(struct flight *f)
{
    vg_tcp_abort(f->t, f->rp->now);
    rp_free(f->rp);
}

/* Delivers the n segments except those in lost, acknowledging each as a SACK receiver would,
 * then answers every resend the stack makes (each of those arrives). Returns the octets
 * resent. resent[i] counts the resends of segment i. */
static uint32_t run_losses(struct rawpeer *rp, struct model *m, const int *lost, unsigned *resent,
                           int lose_first_resend)
{
    uint32_t bytes = 0;
    for (unsigned i = 0; i < m->n; i++)
        if (!lost[i])
            model_ack(rp, m, i);
    for (int rounds = 0; rounds < 200; rounds++) {
        const struct rp_seg *g = rp_take(rp);
        if (!g) {
            unsigned cum = 0;
            while (cum < m->n && m->got[cum])
                cum++;
            if (cum == m->n)
                break;
            g = rp_wait(rp, rp->now + VG_MS(5000));   /* only a timeout can help now */
            assert_non_null(g);
        }
        if (!g->dlen)
            continue;
        unsigned i = (g->th.seq - m->base) / MSS;
        assert_true(i < m->n);
        resent[i]++;
        bytes += (uint32_t)g->dlen;
        if (lose_first_resend && resent[i] == 1 && lost[i])
            continue;                 /* the resend is lost too */
        model_ack(rp, m, i);
    }
    return bytes;
}

static void one_loss_resends_only_the_hole(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct flight f;
        start_flight(&f, seed, 12);
        assert_true(f.n >= 12);
        int lost[NSEG] = {0};
        unsigned resent[NSEG] = {0};
        lost[2] = 1;
        uint64_t rtx0 = rp_stats(f.rp)->tcp_retransmits;
        uint32_t bytes = run_losses(f.rp, &f.m, lost, resent, 0);
        assert_int_equal(bytes, MSS);                 /* the lost octets, no more */
        assert_int_equal(resent[2], 1);
        assert_int_equal(rp_stats(f.rp)->tcp_retransmits - rtx0, 1);
        assert_int_equal(rp_stats(f.rp)->tcp_sack_recoveries, 1);
        assert_int_equal(vg_tcp_unacked(f.t), 0);
        assert_false(f.t->flags & TF_IN_RECOVERY);
        /* The reduction (the algorithm's: below the flight at the loss, S0 and S1 acked by
         * then), and cwnd ends there (RFC 6937). */
        assert_true(f.t->ssthresh < (f.n - 2) * MSS);
        assert_true(f.t->ssthresh >= 2 * MSS);
        assert_int_equal(f.t->cwnd, f.t->ssthresh);
        end_flight(&f);
    }
}

static void burst_of_losses_resends_each_hole_once(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct flight f;
        start_flight(&f, seed, 16);
        assert_true(f.n >= 16);
        int lost[NSEG] = {0};
        unsigned resent[NSEG] = {0};
        lost[1] = lost[4] = lost[5] = lost[9] = 1;    /* four segments in three holes */
        vg_time start = f.rp->now;
        uint32_t bytes = run_losses(f.rp, &f.m, lost, resent, 0);
        assert_int_equal(bytes, 4 * MSS);
        for (unsigned i = 0; i < f.n; i++)
            assert_int_equal(resent[i], lost[i] ? 1u : 0u);
        assert_int_equal(rp_stats(f.rp)->tcp_sack_recoveries, 1);
        assert_true(f.rp->now - start < VG_MS(200));  /* all before any RTO could fire */
        assert_int_equal(vg_tcp_unacked(f.t), 0);
        end_flight(&f);
    }
}

/* A hole with less than DupThresh segments SACKed above it is not lost yet (it may be late):
 * recovery resends the lost one and sends new data (NextSeg rule 2) before it would resend that
 * one (rule 3). */
static void a_hole_not_yet_lost_waits_behind_new_data(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct flight f;
        start_flight(&f, seed, 12);
        assert_true(f.n >= 12);
        uint8_t more[8 * MSS];
        memset(more, 0x33, sizeof more);
        assert_int_equal(vg_tcp_send(f.t, more, sizeof more, f.rp->now), (long)sizeof more);
        unsigned late = f.n - 2;      /* only S(n-1) is SACKed above it */
        for (unsigned i = 0; i < f.n; i++)
            if (i != 2 && i != late)
                model_ack(f.rp, &f.m, i);
        uint32_t end = f.m.base + f.n * MSS;
        int resent_lost = 0, resent_late = 0, fresh = 0;
        const struct rp_seg *g;
        while ((g = rp_take(f.rp)) != NULL) {
            if (g->th.seq == f.m.base + 2 * MSS)
                resent_lost++;
            else if (g->th.seq == f.m.base + late * MSS)
                resent_late++;
            else if (SEQ_GEQ(g->th.seq, end))
                fresh++;
        }
        assert_int_equal(resent_lost, 1);
        assert_int_equal(resent_late, 0);
        assert_true(fresh > 0);
        end_flight(&f);
    }
}

static void lost_retransmission_falls_back_to_the_timeout(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct flight f;
        start_flight(&f, seed, 8);
        int lost[NSEG] = {0};
        unsigned resent[NSEG] = {0};
        lost[0] = 1;
        vg_time start = f.rp->now;
        run_losses(f.rp, &f.m, lost, resent, 1);
        /* The fast retransmit was lost: the hole goes again after the RTO, and only it. */
        assert_int_equal(resent[0], 2);
        for (unsigned i = 1; i < f.n; i++)
            assert_int_equal(resent[i], 0);
        assert_true(f.rp->now - start >= VG_MS(200));
        assert_int_equal(vg_tcp_unacked(f.t), 0);
        end_flight(&f);
    }
}

static void reordering_of_two_segments_starts_no_recovery(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct flight f;
        start_flight(&f, seed, 8);
        uint32_t cwnd = f.t->cwnd;
        /* S0 and S1 arrive after S2 and S3: two duplicates, two segments SACKed above. */
        model_ack(f.rp, &f.m, 2);
        model_ack(f.rp, &f.m, 3);
        model_ack(f.rp, &f.m, 0);
        model_ack(f.rp, &f.m, 1);
        for (unsigned i = 4; i < f.n; i++)
            model_ack(f.rp, &f.m, i);
        rp_drain(f.rp);
        assert_int_equal(rp_stats(f.rp)->tcp_retransmits, 0);
        assert_int_equal(rp_stats(f.rp)->tcp_sack_recoveries, 0);
        assert_true(f.t->cwnd >= cwnd);
        assert_int_equal(vg_tcp_unacked(f.t), 0);
        end_flight(&f);
    }
}

static void forged_blocks_are_ignored_and_counted(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct rawpeer *rp = new_peer(seed, 0);
        vg_tcb *t = established(rp);
        const struct rp_seg *s[NSEG];
        unsigned n = send_segments(rp, t, 4, s);
        uint32_t una = s[0]->th.seq, max = s[n - 1]->th.seq + MSS;
        struct vg_tcp_opts o;
        memset(&o, 0, sizeof o);
        o.nsack = 4;
        o.sack[0] = (struct vg_sack_block){max, max + 10 * MSS};            /* never sent */
        o.sack[1] = (struct vg_sack_block){una - 100000, una - 50000};     /* far below */
        o.sack[2] = (struct vg_sack_block){una + MSS, una};                /* backwards */
        o.sack[3] = (struct vg_sack_block){una + 2 * MSS, max + 1};        /* past SND.MAX */
        for (int k = 0; k < 5; k++) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_ACK, rp->seq, una, rp->wnd, &o, NULL, 0);
        }
        assert_int_equal(rp_stats(rp)->tcp_sack_bad_blocks, 5 * 4);
        rp_expect_none(rp);                      /* no recovery, no resend */
        assert_int_equal(rp_stats(rp)->tcp_sack_recoveries, 0);
        assert_int_equal(vg_tcp_unacked(t), n * MSS);   /* nothing freed but by SND.UNA */
        /* Blocks inside the window that lie (the data never arrived) free nothing either:
         * the timeout resends the data they claimed. */
        o.nsack = 1;
        o.sack[0] = (struct vg_sack_block){una + MSS, max};
        rp_run_for(rp, VG_MS(1));
        rp_send(rp, VG_TCP_ACK, rp->seq, una, rp->wnd, &o, NULL, 0);
        assert_int_equal(vg_tcp_unacked(t), n * MSS);
        const struct rp_seg *g;
        unsigned resent = 0;
        uint32_t acked = una;
        while (acked != max && (g = rp_wait(rp, rp->now + VG_MS(10000))) != NULL) {
            assert_int_equal(g->th.seq, acked);
            assert_memory_equal(g->data, s[(g->th.seq - una) / MSS]->data, g->dlen);
            acked = g->th.seq + (uint32_t)g->dlen;
            resent++;
            rp_send(rp, VG_TCP_ACK, rp->seq, acked, rp->wnd, NULL, NULL, 0);
        }
        assert_int_equal(acked, max);
        assert_int_equal(resent, n);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

/* With SACK a duplicate ACK must SACK new data (RFC 6675 §2): the same ACK repeated, as the
 * answers to keep-alive or zero-window probes and window updates are, or a replay of one that
 * SACKed something already known, never starts recovery. */
static void repeated_acks_without_new_sack_start_no_recovery(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct rawpeer *rp = new_peer(seed, 0);
        vg_tcb *t = established(rp);
        const struct rp_seg *s[NSEG];
        unsigned n = send_segments(rp, t, 4, s);
        uint32_t una = s[0]->th.seq;
        for (int k = 0; k < 6; k++) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_ACK, rp->seq, una, rp->wnd, NULL, NULL, 0);
        }
        struct vg_tcp_opts o;
        memset(&o, 0, sizeof o);
        o.nsack = 1;
        o.sack[0] = (struct vg_sack_block){una + MSS, una + 2 * MSS};
        for (int k = 0; k < 6; k++) {
            rp_run_for(rp, VG_MS(1));
            rp_send(rp, VG_TCP_ACK, rp->seq, una, rp->wnd, &o, NULL, 0);
        }
        rp_expect_none(rp);
        assert_int_equal(rp_stats(rp)->tcp_retransmits, 0);
        assert_int_equal(rp_stats(rp)->tcp_sack_recoveries, 0);
        assert_int_equal(vg_tcp_unacked(t), n * MSS);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

/* A whole recovery that D-SACKs show was reordering is undone (cwnd and ssthresh back). */
static void spurious_recovery_is_undone_by_dsack(void **state)
{
    (void)state;
    struct flight f;
    start_flight(&f, 2, 8);
    uint32_t cwnd = f.t->cwnd, ssthresh = f.t->ssthresh;
    for (unsigned i = 1; i < f.n; i++)
        model_ack(f.rp, &f.m, i);
    const struct rp_seg *r = rp_take(f.rp);
    assert_non_null(r);
    assert_int_equal(r->th.seq, f.m.base);       /* the fast retransmit of S0 */
    assert_true(f.t->flags & TF_IN_RECOVERY);
    /* S0 was only late: it arrives, then its resend arrives too and is D-SACKed (with more
     * data in flight by then, as in any bulk transfer). */
    uint8_t more[4 * MSS];
    memset(more, 0x5a, sizeof more);
    assert_int_equal(vg_tcp_send(f.t, more, sizeof more, f.rp->now), (long)sizeof more);
    model_ack(f.rp, &f.m, 0);
    assert_false(f.t->flags & TF_IN_RECOVERY);
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.nsack = 1;
    o.sack[0] = (struct vg_sack_block){f.m.base, f.m.base + MSS};
    rp_send(f.rp, VG_TCP_ACK, f.rp->seq, f.m.base + f.n * MSS, f.rp->wnd, &o, NULL, 0);
    assert_int_equal(rp_stats(f.rp)->tcp_dsack_received, 1);
    assert_int_equal(rp_stats(f.rp)->tcp_dsack_undos, 1);
    assert_true(f.t->cwnd >= cwnd);
    assert_int_equal(f.t->ssthresh, ssthresh);
    end_flight(&f);
}

/* Two vigil stacks with SACK on both ends, over a lossy link, both ways at once: byte-exact,
 * and SACK recovery did the work. */
static void lossy_transfer_is_exact_with_sack(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct vg_link_params lp = {.latency_us = 10000, .loss = 0.03, .reorder = 0.01};
        struct tn_pair *p = tn_pair_new(seed, &lp, VG_PROFILE_WINDOWS_VISTA);
        vg_tcb *l = tn_listen(p, 1, PORT);
        vg_tcb *c, *sv;
        tn_connect_pair(p, 0, NULL, l, 0, &c, &sv);
        assert_true(c->flags2 & TF2_SACK);
        assert_true(sv->flags2 & TF2_SACK);
        const uint64_t bytes[2] = {2u << 20, 1u << 20};
        struct tn_transfer_result r;
        tn_transfer(p, c, sv, bytes, seed, TN_SHUTDOWN, VG_MS(3600000), &r);
        tn_assert_transfer_exact(&r);
        assert_true(vg_stack_stats(tn_stack(p, 0))->tcp_sack_recoveries > 0);
        tn_pair_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sack_is_offered_and_agreed_both_ways),
        cmocka_unit_test(acks_report_islands_newest_first_and_duplicates_first),
        cmocka_unit_test(one_loss_resends_only_the_hole),
        cmocka_unit_test(burst_of_losses_resends_each_hole_once),
        cmocka_unit_test(a_hole_not_yet_lost_waits_behind_new_data),
        cmocka_unit_test(lost_retransmission_falls_back_to_the_timeout),
        cmocka_unit_test(reordering_of_two_segments_starts_no_recovery),
        cmocka_unit_test(forged_blocks_are_ignored_and_counted),
        cmocka_unit_test(repeated_acks_without_new_sack_start_no_recovery),
        cmocka_unit_test(spurious_recovery_is_undone_by_dsack),
        cmocka_unit_test(lossy_transfer_is_exact_with_sack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
