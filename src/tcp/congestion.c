/* Congestion control: slow start and congestion avoidance (RFC 5681), fast retransmit and
 * NewReno fast recovery (RFC 6582). Windows are in bytes. */
#include "tcp/tcb.h"

static uint32_t flight(const vg_tcb *t) { return t->snd_max - t->snd_una; }

void cc_init(vg_tcb *t)
{
    /* RFC 5681 §3.1 initial window. */
    uint32_t m = t->mss;
    t->cwnd = m > 2190 ? 2 * m : (m > 1095 ? 3 * m : 4 * m);
    t->ssthresh = UINT32_MAX / 2;
    /* No recovery yet: cc_on_dupack recognises the ISS, whatever half of the sequence space it
     * lies in (and a block taken later starts from it: recover_idle 0). */
    t->recover_idle = 0;
    if (t->x) {
        t->x->recover = t->iss;
        t->x->dupacks = 0;
    }
    t->flags &= (uint16_t)~TF_IN_RECOVERY;
}

/* Called for ACKs of data in flight, which holds the transfer block. */
void cc_on_ack(vg_tcb *t, uint32_t acked, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    x->dupacks = 0;
    if (t->flags & TF_IN_RECOVERY) {
        if (SEQ_GEQ(t->snd_una, x->recover)) {
            /* Full acknowledgement: leave recovery with the window deflated (RFC 6582 §3.2 5). */
            uint32_t f = flight(t) + t->mss;
            t->cwnd = t->ssthresh < f ? t->ssthresh : f;
            t->flags &= (uint16_t)~TF_IN_RECOVERY;
        } else {
            /* Partial acknowledgement: the next hole is lost too; resend it at once. */
            tcp_retransmit_first(t, now);
            t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
            t->cwnd += t->mss;
            tcp_arm_rtx(t, now);
        }
        return;
    }
    if (t->cwnd < t->ssthresh)
        t->cwnd += acked < t->mss ? acked : t->mss;
    else {
        uint32_t inc = (uint32_t)((uint64_t)t->mss * t->mss / (t->cwnd ? t->cwnd : 1));
        t->cwnd += inc ? inc : 1;
    }
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
    uint32_t half = flight(t) / 2;
    t->ssthresh = half > 2u * t->mss ? half : 2u * t->mss;
    x->recover = t->snd_max;
    t->flags |= TF_IN_RECOVERY;
    t->flags &= (uint16_t)~TF_RTT_TIMING;
    tcp_retransmit_first(t, now);
    tcb_stack(t)->stats.tcp_fast_retransmits++;
    t->cwnd = t->ssthresh + 3u * t->mss;
    tcp_arm_rtx(t, now);
    return 1;
}

void cc_on_timeout(vg_tcb *t)
{
    uint32_t half = flight(t) / 2;
    t->ssthresh = half > 2u * t->mss ? half : 2u * t->mss;
    t->cwnd = t->mss;
    t->x->recover = t->snd_max;       /* a retransmission timeout: data is in flight */
    t->x->dupacks = 0;
    t->flags &= (uint16_t)~TF_IN_RECOVERY;
}

/* NewReno's multiplicative decrease (RFC 5681 §3.1 eq. 4), what SACK recovery asks for. */
uint32_t cc_ssthresh_on_loss(vg_tcb *t)
{
    uint32_t half = flight(t) / 2;
    return half > 2u * t->mss ? half : 2u * t->mss;
}

/* NewReno needs nothing more when recovery ends: the recovery left cwnd at ssthresh. */
void cc_on_recovery_exit(vg_tcb *t, vg_time now)
{
    (void)t;
    (void)now;
}
