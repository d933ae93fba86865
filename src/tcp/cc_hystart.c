/* HyStart++ (RFC 9406): the initial slow start ends when the round trip time rises, before the
 * queue it measures overflows, through a few rounds of Conservative Slow Start (CSS) in case
 * the rise was noise.
 *
 * RFC 9406 wants N_RTT_SAMPLE (8) samples in a round before it judges it. vigil has that many
 * only with timestamps (TF2_TS: one sample per ACK); without them it times one segment per
 * round trip (RFC 6298, Karn), so one sample is all a round can hold and one is what it takes.
 * A round that got no sample keeps the previous round's minimum as the one to compare with.
 * Growth per ACK is limited to L = 8 segments (the RFC's value for a sender without pacing). */
#include "tcp/cc.h"
#include "tcp/tcb.h"

#define MIN_RTT_THRESH_US 4000u
#define MAX_RTT_THRESH_US 16000u
#define MIN_RTT_DIVISOR 8u
#define N_RTT_SAMPLE 8u
#define CSS_GROWTH_DIVISOR 4u
#define CSS_ROUNDS 5u
#define L_SEGMENTS 8u

static unsigned samples_needed(const vg_tcb *t)
{
    return (t->flags2 & TF2_TS) ? N_RTT_SAMPLE : 1u;
}

static void round_start(vg_tcb *t)
{
    struct vg_cc_state *c = &t->x->cc;
    if (c->cur_round_min_rtt)
        c->last_round_min_rtt = c->cur_round_min_rtt;
    c->cur_round_min_rtt = 0;
    c->rtt_samples = 0;
    c->round_end = t->snd_max;
    c->round_on = 1;
}

void hystart_on_rtt_sample(vg_tcb *t, uint32_t rtt_us)
{
    struct vg_cc_state *c = &t->x->cc;
    if (c->hs_phase == VG_HS_DONE || !c->round_on)
        return;
    if (!c->cur_round_min_rtt || rtt_us < c->cur_round_min_rtt)
        c->cur_round_min_rtt = rtt_us;
    if (c->rtt_samples < 255)
        c->rtt_samples++;
    if (c->rtt_samples < samples_needed(t) || !c->last_round_min_rtt)
        return;
    if (c->hs_phase == VG_HS_SLOW_START) {
        uint32_t thresh = c->last_round_min_rtt / MIN_RTT_DIVISOR;
        if (thresh > MAX_RTT_THRESH_US)
            thresh = MAX_RTT_THRESH_US;
        if (thresh < MIN_RTT_THRESH_US)
            thresh = MIN_RTT_THRESH_US;
        if (c->cur_round_min_rtt >= c->last_round_min_rtt + thresh) {
            c->css_baseline_min_rtt = c->cur_round_min_rtt;
            c->css_rounds = 0;
            c->hs_phase = VG_HS_CSS;
            tcb_stack(t)->stats.tcp_hystart_css++;
        }
    } else if (c->cur_round_min_rtt < c->css_baseline_min_rtt) {
        /* §4.2: the rise was spurious; back to slow start. */
        c->css_baseline_min_rtt = 0;
        c->hs_phase = VG_HS_SLOW_START;
    }
}

void hystart_slow_start(vg_tcb *t, uint32_t acked)
{
    struct vg_cc_state *c = &t->x->cc;
    if (c->hs_phase != VG_HS_DONE) {
        if (!c->round_on) {
            round_start(t);
        } else if (SEQ_GEQ(t->snd_una, c->round_end)) {
            if (c->hs_phase == VG_HS_CSS && ++c->css_rounds >= CSS_ROUNDS) {
                /* §4.2: CSS lasted its rounds: congestion avoidance from here. */
                c->hs_phase = VG_HS_DONE;
                t->ssthresh = t->cwnd;
                tcb_stack(t)->stats.tcp_hystart_exits++;
                return;
            }
            round_start(t);
        }
    }
    uint32_t lim = L_SEGMENTS * t->mss;
    uint32_t inc = acked < lim ? acked : lim;
    if (c->hs_phase == VG_HS_CSS) {
        inc /= CSS_GROWTH_DIVISOR;
        if (!inc)
            inc = 1;
    }
    if (t->cwnd < UINT32_MAX / 4)
        t->cwnd += inc;
}

void hystart_end(vg_tcb *t)
{
    t->x->cc.hs_phase = VG_HS_DONE;
}
