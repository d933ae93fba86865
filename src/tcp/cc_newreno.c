/* NewReno's window (RFC 5681 §3.1): slow start by at most one MSS per ACK, congestion avoidance
 * by MSS*MSS/cwnd per ACK, and half the flight on a loss (RFC 5681 eq. 4, RFC 6582 step 2).
 * Exactly what vigil did before the algorithms were split out: a NewReno connection's segments
 * are the same, octet for octet. */
#include "tcp/cc.h"
#include "tcp/tcb.h"

static uint32_t newreno_ssthresh_on_loss(vg_tcb *t)
{
    uint32_t half = (t->snd_max - t->snd_una) / 2;
    return half > 2u * t->mss ? half : 2u * t->mss;
}

static void newreno_on_ack(vg_tcb *t, uint32_t acked, vg_time now)
{
    (void)now;
    if (t->cwnd < t->ssthresh)
        t->cwnd += acked < t->mss ? acked : t->mss;
    else {
        uint32_t inc = (uint32_t)((uint64_t)t->mss * t->mss / (t->cwnd ? t->cwnd : 1));
        t->cwnd += inc ? inc : 1;
    }
}

static void newreno_on_timeout(vg_tcb *t, vg_time now)
{
    (void)now;
    t->ssthresh = newreno_ssthresh_on_loss(t);
    t->cwnd = t->mss;
}

const struct vg_cc_ops vg_cc_newreno_ops = {
    .name = "newreno",
    .ssthresh_on_loss = newreno_ssthresh_on_loss,
    .on_ack = newreno_on_ack,
    .on_timeout = newreno_on_timeout,
};
