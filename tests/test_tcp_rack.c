/* RACK-TLP (RFC 8985) against a scripted SACK receiver on a path with a real round trip: a lost
 * tail costs one probe timeout, not a retransmission timeout; a lost retransmission is found
 * and resent; reordering inside the reordering window resends nothing; a burst is repaired
 * without a timeout; a probe the peer did not need leaves the window alone; and cfg.no_rack
 * gives the DupThresh behaviour back. Each case runs over several stack seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"

#define PORT 8080
#define MSS 536u
#define SEEDS 4
#define NSEG 48
#define RTT VG_MS(40)
#define GAP VG_MS(1)                 /* the path carries one segment a millisecond */

/* The path and the receiver: each data segment reaches the receiver RTT after it left (plus
 * its own extra delay, and one GAP behind the one before), which ACKs it at once, as RFC 2018
 * describes, the blocks of the run it landed in first; a duplicate is D-SACKed (RFC 2883). */
struct path {
    struct rawpeer *rp;
    vg_tcb *t;
    uint32_t base;                   /* the sequence number of segment 0 */
    int got[NSEG];
    unsigned sends[NSEG];
    int (*drop)(const struct path *p, unsigned i, unsigned nth);   /* lose the nth send of i */
    vg_time (*extra)(unsigned i, unsigned nth);                     /* its extra delay */
    int (*drop_ack)(const struct path *p, unsigned i, unsigned nth);
    struct { vg_time at; unsigned i, nth; } q[4 * NSEG];
    unsigned nq;
    vg_time last_arrival;            /* of the last segment on the wire, before extra delay */
    vg_time first_rtx_at;            /* when the first resend left (0: none yet) */
    unsigned first_rtx;              /* of which segment */
    vg_time last_ack_at;             /* the last ACK the sender got before the first resend */
    uint32_t srtt_at_last_ack, rto_at_last_ack;
    unsigned acks_before_rtx;
    void (*on_first_rtx)(struct path *p);   /* the application's move when the first resend goes */
};

static struct rawpeer *new_peer(uint64_t seed, int no_rack)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.seed = seed;
    c.no_rack = (uint8_t)no_rack;
    c.cc = VG_CC_NEWRENO;            /* windows grow by known rules */
    return rp_new(&c);
}

/* The handshake with the path's round trip, so SRTT and RACK's minimum RTT are RTT. */
static vg_tcb *established(struct rawpeer *rp)
{
    struct vg_tcp_opts o = {.has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7,
                            .sack_permitted = 1};
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_non_null(t);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    rp->ack = syn->th.seq + 1;
    rp->seq = 0x20000000u;
    rp->wnd = 65535;
    rp_run_for(rp, RTT);
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq, rp->ack, rp->wnd, &o, NULL, 0);
    rp->seq++;
    rp_expect(rp);                   /* the handshake's ACK */
    rp_send_ack(rp);
    assert_true(t->flags2 & TF2_SACK);
    return t;
}

static unsigned cum_of(const struct path *p)
{
    unsigned c = 0;
    while (c < NSEG && p->got[c])
        c++;
    return c;
}

/* The receiver's ACK after segment i arrived (dup: it had it already). */
static void send_ack(struct path *p, unsigned i, int dup)
{
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    unsigned cum = cum_of(p);
    if (dup) {
        o.sack[0].start = p->base + i * MSS;
        o.sack[0].end = o.sack[0].start + MSS;
        o.nsack = 1;
    }
    unsigned runs[NSEG][2], nr = 0;
    for (unsigned k = cum; k < NSEG;) {
        if (!p->got[k]) {
            k++;
            continue;
        }
        unsigned j = k;
        while (j < NSEG && p->got[j])
            j++;
        runs[nr][0] = k;
        runs[nr][1] = j;
        nr++;
        k = j;
    }
    for (unsigned pass = 0; pass < 2; pass++)
        for (unsigned k = nr; k-- > 0 && o.nsack < 4;) {
            int has = i >= runs[k][0] && i < runs[k][1];
            if (has != (pass == 0))
                continue;
            o.sack[o.nsack].start = p->base + runs[k][0] * MSS;
            o.sack[o.nsack].end = p->base + runs[k][1] * MSS;
            o.nsack++;
        }
    rp_send(p->rp, VG_TCP_ACK, p->rp->seq, p->base + cum * MSS, p->rp->wnd, &o, NULL, 0);
}

/* A segment the stack sent: counted, and on its way unless the path loses it. */
static void sent(struct path *p, const struct rp_seg *g)
{
    if (!g->dlen)
        return;
    assert_int_equal(g->dlen, MSS);
    unsigned i = (g->th.seq - p->base) / MSS;
    assert_true(i < NSEG);
    unsigned nth = ++p->sends[i];
    if (nth > 1 && !p->first_rtx_at) {
        p->first_rtx_at = g->at;
        p->first_rtx = i;
        if (p->on_first_rtx)
            p->on_first_rtx(p);
    }
    if (p->drop && p->drop(p, i, nth))
        return;
    /* One GAP behind the segment before it on the wire; a late one is held after that. */
    vg_time at = g->at + RTT;
    if (at < p->last_arrival + GAP)
        at = p->last_arrival + GAP;
    p->last_arrival = at;
    at += p->extra ? p->extra(i, nth) : 0;
    assert_true(p->nq < sizeof p->q / sizeof p->q[0]);
    p->q[p->nq].at = at;
    p->q[p->nq].i = i;
    p->q[p->nq].nth = nth;
    p->nq++;
}

/* Runs the path until the receiver holds the first n segments, nothing is in flight and the
 * sender knows it, or until limit. */
static void run(struct path *p, unsigned n, vg_time limit)
{
    struct rawpeer *rp = p->rp;
    for (;;) {
        const struct rp_seg *g;
        while ((g = rp_take(rp)) != NULL)
            sent(p, g);
        if (cum_of(p) >= n && !p->nq && !vg_tcp_unacked(p->t))
            return;
        vg_time next = limit;
        unsigned k = 0;
        for (unsigned j = 0; j < p->nq; j++)
            if (p->q[j].at < next) {
                next = p->q[j].at;
                k = j;
            }
        if ((g = rp_wait(rp, next)) != NULL) {
            sent(p, g);              /* a timer's segment, before the next arrival */
            continue;
        }
        if (next >= limit)
            return;
        unsigned i = p->q[k].i, nth = p->q[k].nth;
        p->q[k] = p->q[--p->nq];
        int dup = p->got[i];
        p->got[i] = 1;
        if (p->drop_ack && p->drop_ack(p, i, nth))
            continue;
        send_ack(p, i, dup);
        if (!p->first_rtx_at) {
            p->last_ack_at = rp->now;
            p->srtt_at_last_ack = p->t->srtt_us;
            p->rto_at_last_ack = p->t->rto_us;
            p->acks_before_rtx++;
        }
    }
}

/* An established connection whose window holds w segments, its SRTT the path's RTT; the next
 * segment it sends is segment 0 of p. */
static void start(struct path *p, struct rawpeer *rp, unsigned w)
{
    memset(p, 0, sizeof *p);
    p->rp = rp;
    p->t = established(rp);
    static uint8_t fill[NSEG * MSS];
    while (p->t->cwnd < w * MSS) {
        struct path warm = {.rp = rp, .t = p->t, .base = p->t->snd_nxt};
        assert_int_equal(vg_tcp_send(p->t, fill, 8 * MSS, rp->now), 8 * MSS);
        run(&warm, 8, rp->now + VG_MS(5000));
        assert_int_equal(vg_tcp_unacked(p->t), 0);
        assert_int_equal(warm.first_rtx_at, 0);
    }
    rp_run_for(rp, VG_MS(1));
    p->base = p->t->snd_nxt;
}

static void queue(struct path *p, unsigned n)
{
    static uint8_t buf[NSEG * MSS];
    for (size_t i = 0; i < n * MSS; i++)
        buf[i] = (uint8_t)(i * 7u + 3);
    assert_int_equal(vg_tcp_send(p->t, buf, n * MSS, p->rp->now), (long)(n * MSS));
}

/* Queues n segments, runs the path until total have been delivered in order (more may be written
 * as it goes), and asserts that they were, with nothing left unacknowledged. */
static void deliver(struct path *p, unsigned n, unsigned total)
{
    queue(p, n);
    run(p, total, p->rp->now + VG_MS(10000));
    assert_int_equal(cum_of(p), total);
    assert_int_equal(vg_tcp_unacked(p->t), 0);
}

static void finish(struct path *p)
{
    vg_tcp_abort(p->t, p->rp->now);
    rp_free(p->rp);
}

/* ---- a lost tail ---- */

/* The first copy of segments 6 and 7 (or of their ACKs, as a drop_ack). */
static int lose_last_two(const struct path *p, unsigned i, unsigned nth)
{
    (void)p;
    return nth == 1 && (i == 6 || i == 7);
}

static void lost_tail_is_repaired_by_one_probe_at_two_srtt(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct path p;
        start(&p, new_peer(seed, 0), 8);
        p.drop = lose_last_two;
        deliver(&p, 8, 8);
        /* The probe: the last segment again, 2·SRTT after the last ACK (two segments were
         * still in flight: no delayed-ACK allowance), well before the RTO would have fired. */
        assert_int_equal(p.first_rtx, 7);
        assert_int_equal(p.first_rtx_at, p.last_ack_at + 2u * (vg_time)p.srtt_at_last_ack);
        assert_true(p.first_rtx_at < p.last_ack_at + VG_RTO_MIN_US);
        const struct vg_stack_stats *st = rp_stats(p.rp);
        assert_int_equal(st->tcp_tlp_probes, 1);
        assert_int_equal(st->tcp_rtos, 0);
        /* Its SACK showed segment 6 lost (RACK): resent once, as was 7; nothing else. */
        for (unsigned i = 0; i < 8; i++)
            assert_int_equal(p.sends[i], i >= 6 ? 2u : 1u);
        assert_true(st->tcp_rack_losses >= 1);
        finish(&p);
    }
}

static void without_rack_a_lost_tail_waits_for_the_timeout(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct path p;
        start(&p, new_peer(seed, 1), 8);
        p.drop = lose_last_two;
        queue(&p, 8);
        vg_time rto = p.t->rto_us;
        run(&p, 8, p.rp->now + VG_MS(10000));
        assert_int_equal(cum_of(&p), 8);
        const struct vg_stack_stats *st = rp_stats(p.rp);
        assert_int_equal(st->tcp_tlp_probes, 0);
        assert_int_equal(st->tcp_rack_losses, 0);
        assert_true(st->tcp_rtos >= 1);
        /* The first resend is the timeout's, of the first lost segment, an RTO after the last
         * ACK. */
        assert_int_equal(p.first_rtx, 6);
        assert_int_equal(p.first_rtx_at, p.last_ack_at + rto);
        finish(&p);
    }
}

/* ---- a lost retransmission ---- */

static int lose_seg2_twice(const struct path *p, unsigned i, unsigned nth)
{
    (void)p;
    return i == 2 && nth <= 2;
}

static void lost_retransmission_is_found_and_resent_without_a_timeout(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct path p;
        start(&p, new_peer(seed, 0), 8);
        p.drop = lose_seg2_twice;
        deliver(&p, 24, 24);         /* new data keeps flowing behind the resend */
        const struct vg_stack_stats *st = rp_stats(p.rp);
        assert_int_equal(p.sends[2], 3u);   /* the original, the lost resend, the one that got there */
        for (unsigned i = 0; i < 24; i++)
            if (i != 2)
                assert_int_equal(p.sends[i], 1u);
        assert_int_equal(st->tcp_rtos, 0);
        assert_int_equal(st->tcp_sack_recoveries, 1);   /* found within the same recovery */
        assert_true(st->tcp_rack_losses >= 2);
        finish(&p);
    }
}

/* ---- reordering ---- */

static vg_time seg2_late(unsigned i, unsigned nth)
{
    (void)nth;
    return i == 2 ? GAP + GAP / 2 : 0;   /* behind segments 3 and 4, inside min_RTT/4 */
}

static void reordering_inside_the_window_resends_nothing(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct path p;
        start(&p, new_peer(seed, 0), 8);
        p.extra = seg2_late;
        uint32_t cwnd = p.t->cwnd;
        deliver(&p, 8, 8);
        const struct vg_stack_stats *st = rp_stats(p.rp);
        assert_int_equal(st->tcp_retransmits, 0);
        assert_int_equal(st->tcp_sack_recoveries, 0);
        assert_int_equal(st->tcp_rack_losses, 0);
        assert_true(p.t->cwnd >= cwnd);
        finish(&p);
    }
}

/* ---- a burst ---- */

static int lose_burst(const struct path *p, unsigned i, unsigned nth)
{
    (void)p;
    return nth == 1 && i >= 3 && i <= 7;
}

static void burst_loss_is_repaired_once_each_without_a_timeout(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct path p;
        start(&p, new_peer(seed, 0), 16);
        p.drop = lose_burst;
        vg_time t0 = p.rp->now;
        deliver(&p, 16, 16);
        for (unsigned i = 0; i < 16; i++)
            assert_int_equal(p.sends[i], i >= 3 && i <= 7 ? 2u : 1u);
        const struct vg_stack_stats *st = rp_stats(p.rp);
        assert_int_equal(st->tcp_rtos, 0);
        assert_int_equal(st->tcp_sack_recoveries, 1);
        assert_int_equal(st->tcp_rack_losses, 5);
        assert_true(p.rp->now - t0 < 3u * RTT);   /* one round to find, one to repair */
        finish(&p);
    }
}

/* ---- a needless probe ---- */

static uint32_t ssthresh_at_probe, cwnd_at_probe;

/* The application writes more as the probe goes: the ACK that tells which of the two copies
 * arrived is the one beyond the probe. */
static void write_more(struct path *p)
{
    ssthresh_at_probe = p->t->ssthresh;
    cwnd_at_probe = p->t->cwnd;
    queue(p, 8);
}


static void needless_probe_leaves_the_window_alone(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct path p;
        start(&p, new_peer(seed, 0), 8);
        p.drop_ack = lose_last_two;        /* the data arrived; only its ACKs were lost */
        p.on_first_rtx = write_more;
        deliver(&p, 8, 16);
        const struct vg_stack_stats *st = rp_stats(p.rp);
        assert_int_equal(st->tcp_tlp_probes, 1);
        assert_int_equal(p.first_rtx, 7);
        assert_int_equal(st->tcp_dsack_received, 1);   /* the probe's duplicate, reported */
        /* The episode ended at the D-SACK: the ACKs beyond the probe that followed do not
         * count it as a repaired loss, and nothing reduced the window. */
        assert_int_equal(st->tcp_tlp_recoveries, 0);
        assert_int_equal(st->tcp_sack_recoveries, 0);
        assert_int_equal(st->tcp_rtos, 0);
        assert_int_equal(p.t->ssthresh, ssthresh_at_probe);
        assert_true(p.t->cwnd >= cwnd_at_probe);
        finish(&p);
    }
}

/* The same probe when it was needed: its ACK, beyond the probe, shows it repaired a loss, and
 * the window comes down as for any (RFC 8985 §7.4). */
static int lose_last(const struct path *p, unsigned i, unsigned nth)
{
    (void)p;
    return nth == 1 && i == 7;
}

static void needed_probe_reduces_the_window_once(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct path p;
        start(&p, new_peer(seed, 0), 8);
        p.drop = lose_last;
        p.on_first_rtx = write_more;
        deliver(&p, 8, 16);
        const struct vg_stack_stats *st = rp_stats(p.rp);
        assert_int_equal(st->tcp_tlp_probes, 1);
        assert_int_equal(st->tcp_rtos, 0);
        assert_int_equal(st->tcp_sack_recoveries, 0);
        assert_int_equal(p.first_rtx, 7);
        /* One segment was in flight: the probe allows for a delayed ACK, which puts it past
         * the RTO here, so it goes when the RTO would have, instead of it (RFC 8985 §7.2). */
        vg_time pto = 2u * (vg_time)p.srtt_at_last_ack + VG_TLP_MAX_ACK_DELAY_US;
        if (pto > p.rto_at_last_ack)
            pto = p.rto_at_last_ack;
        assert_int_equal(p.first_rtx_at, p.last_ack_at + pto);
        for (unsigned i = 0; i < 16; i++)
            assert_int_equal(p.sends[i], i == 7 ? 2u : 1u);
        assert_int_equal(st->tcp_tlp_recoveries, 1);
        assert_true(p.t->ssthresh < ssthresh_at_probe);
        finish(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lost_tail_is_repaired_by_one_probe_at_two_srtt),
        cmocka_unit_test(without_rack_a_lost_tail_waits_for_the_timeout),
        cmocka_unit_test(lost_retransmission_is_found_and_resent_without_a_timeout),
        cmocka_unit_test(reordering_inside_the_window_resends_nothing),
        cmocka_unit_test(burst_loss_is_repaired_once_each_without_a_timeout),
        cmocka_unit_test(needless_probe_leaves_the_window_alone),
        cmocka_unit_test(needed_probe_reduces_the_window_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
