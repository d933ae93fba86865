/* TLP, the tail loss probe (RFC 8985 §7, rack.h): when the ACKs stop with data in flight, one
 * segment goes at a probe timeout of about two round trips, so that a lost tail is answered
 * with SACK information RACK can act on instead of waiting for the retransmission timeout. */
#include "tcp/cc.h"
#include "tcp/rack.h"
#include "tcp/tcb.h"

void rack_tlp_on_ack(vg_tcb *t, uint32_t ack, int pure_dup, vg_time now)
{
    struct vg_rack *r = tcb_rack(t);
    if (!r || !r->tlp_on)
        return;
    int dsack = r->tlp_dsack;
    r->tlp_dsack = 0;
    if (SEQ_LT(ack, r->tlp_end_seq))
        return;
    /* RFC 8985 §7.4.2: new data probed, or a resend the peer already had, cost nothing. */
    if (!r->tlp_is_retrans || dsack) {
        r->tlp_on = 0;
        return;
    }
    if (!SEQ_GT(ack, r->tlp_end_seq) && !pure_dup)
        return;                       /* not yet known which of the two arrived */
    r->tlp_on = 0;
    if (t->flags & TF_IN_RECOVERY)
        return;                       /* the recovery under way reduces the window */
    /* The probe repaired a loss: the window comes down as for any. */
    tcb_stack(t)->stats.tcp_tlp_recoveries++;
    t->ssthresh = cc_ssthresh_on_loss(t);
    t->cwnd = t->ssthresh;
    cc_on_recovery_exit(t, now);
}

void rack_arm_pto(vg_tcb *t, int sent_new, vg_time now)
{
    struct vg_rack *r = tcb_rack(t);
    if (!r || (!sent_new && !r->pto_rearm))
        return;
    r->pto_rearm = 0;
    const struct vg_tcb_xfer *x = t->x;
    /* RFC 8985 §7.2: not in recovery (fast, or a timeout's backoff), not during an episode, not
     * while the persist timer probes a closed window. */
    if (t->snd_una == t->snd_max || (t->flags & TF_IN_RECOVERY) || r->tlp_on || x->rtx_count ||
        x->persist_at != VG_TIME_NEVER) {
        r->pto_at = VG_TIME_NEVER;
        return;
    }
    vg_time pto = t->srtt_us ? 2u * (vg_time)t->srtt_us : VG_RTO_INITIAL_US;
    if (t->snd_max - t->snd_una <= t->mss)
        pto += VG_TLP_MAX_ACK_DELAY_US;   /* one segment: its ACK may be delayed */
    vg_time at = now + pto;
    if (x->rtx_at != VG_TIME_NEVER && at > x->rtx_at)
        at = x->rtx_at;               /* never later than the timeout it stands in for */
    r->pto_at = at;
}

void tlp_send_probe(vg_tcb *t, vg_time now)
{
    struct vg_rack *r = tcb_rack(t);  /* there: the timer is its */
    struct vg_tcb_xfer *x = t->x;
    r->pto_at = VG_TIME_NEVER;
    if (!tcp_synchronized(t) || t->snd_una == t->snd_max || (t->flags & TF_IN_RECOVERY) ||
        r->tlp_on || x->rtx_count || x->persist_at != VG_TIME_NEVER)
        return;
    uint32_t end = tcp_data_end(t);
    uint32_t unsent = SEQ_GT(end, t->snd_nxt) ? end - t->snd_nxt : 0;
    uint32_t flight = t->snd_nxt - t->snd_una;
    uint32_t room = t->snd_wnd > flight ? t->snd_wnd - flight : 0;
    uint32_t max0 = t->snd_max;
    r->tlp_on = 1;                    /* first: tcp_output must not arm another probe */
    if (unsent && room >= (unsent < t->mss ? unsent : t->mss)) {
        uint32_t cwnd = t->cwnd;
        t->cwnd = flight + t->mss;    /* one segment beyond the window, as §7.3 allows */
        tcp_output(t, now);
        t->cwnd = cwnd;
    }
    if (t->snd_max != max0) {
        r->tlp_is_retrans = 0;
        r->tlp_start = max0;
    } else {
        uint32_t sent_end = t->snd_max - ((t->flags & TF_FIN_SENT) ? 1u : 0u);
        uint32_t avail = sent_end - t->snd_una;
        uint32_t len = avail < t->mss ? avail : t->mss;
        if (!tcp_resend_range(t, sent_end - len, len, now)) {
            r->tlp_on = 0;
            return;
        }
        r->tlp_is_retrans = 1;
        r->tlp_start = sent_end - len;
    }
    r->tlp_end_seq = t->snd_max;
    tcb_stack(t)->stats.tcp_tlp_probes++;
    tcp_arm_rtx(t, now);
}
