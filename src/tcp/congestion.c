/* The initial window (RFC 5681 §3.1) and NewReno fast retransmit and fast recovery (RFC 6582),
 * for every algorithm: when recovery starts and ends, what is resent and how cwnd moves
 * meanwhile. What ssthresh becomes, how the window grows outside recovery and what an RTO
 * leaves are the connection's algorithm's (cc.h). Windows are in bytes. */
#include "tcp/cc.h"
#include "tcp/tcb.h"

static uint32_t flight(const vg_tcb *t) { return t->snd_max - t->snd_una; }

void cc_init(vg_tcb *t)
{
    /* RFC 5681 §3.1 initial window. */
    uint32_t m = t->mss;
    t->cwnd = m > 2190 ? 2 * m : (m > 1095 ? 3 * m : 4 * m);
    t->ssthresh = VG_CC_INITIAL_SSTHRESH;
    /* No recovery yet: cc_on_dupack recognises the ISS, whatever half of the sequence space it
     * lies in (and a block taken later starts from it: recover_idle 0). */
    t->recover_idle = 0;
    if (t->x) {
        t->x->recover = t->iss;
        t->x->dupacks = 0;
        cc_state_fresh(&t->x->cc);
    }
    t->flags &= (uint16_t)~TF_IN_RECOVERY;
}

/* Called for ACKs of data in flight, which holds the transfer block. */
void cc_on_una_advance(vg_tcb *t, uint32_t acked, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    x->dupacks = 0;
    if (t->flags & TF_IN_RECOVERY) {
        if (SEQ_GEQ(t->snd_una, x->recover)) {
            /* Full acknowledgement: leave recovery with the window deflated (RFC 6582 §3.2 5). */
            uint32_t f = flight(t) + t->mss;
            t->cwnd = t->ssthresh < f ? t->ssthresh : f;
            t->flags &= (uint16_t)~TF_IN_RECOVERY;
            cc_on_recovery_exit(t, now);
        } else {
            /* Partial acknowledgement: the next hole is lost too; resend it at once. */
            tcp_retransmit_first(t, now);
            t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
            t->cwnd += t->mss;
            tcp_arm_rtx(t, now);
        }
        return;
    }
    cc_on_ack(t, acked, now);
}

int cc_on_dupack(vg_tcb *t, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;     /* there: data is in flight */
    if (x->dupacks < 255)
        x->dupacks++;
    if (t->flags & TF_IN_RECOVERY) {
        t->cwnd += t->mss;            /* each dupack means a segment left the network */
        return 0;
    }
    if (x->dupacks != 3)
        return 0;
    /* RFC 6582 §3.2 step 2: no new recovery for losses from before the last one. */
    if (!SEQ_GT(t->snd_una - 1, x->recover) && x->recover != t->iss)
        return 0;
    t->ssthresh = cc_ssthresh_on_loss(t);
    x->recover = t->snd_max;
    t->flags |= TF_IN_RECOVERY;
    t->flags &= (uint16_t)~TF_RTT_TIMING;
    tcp_retransmit_first(t, now);
    tcb_stack(t)->stats.tcp_fast_retransmits++;
    t->cwnd = t->ssthresh + 3u * t->mss;
    tcp_arm_rtx(t, now);
    return 1;
}

void cc_on_timeout(vg_tcb *t, vg_time now)
{
    cc_ops(t)->on_timeout(t, now);    /* ssthresh and cwnd */
    t->x->recover = t->snd_max;       /* a retransmission timeout: data is in flight */
    t->x->dupacks = 0;
    t->flags &= (uint16_t)~TF_IN_RECOVERY;
}
