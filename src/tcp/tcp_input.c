/* Segment arrival (RFC 9293 §3.10.7), with RFC 5961 §3-4 challenge ACKs. */
#include "ip/martian.h"
#include "tcp/ack_batch.h"
#include "tcp/tcp_autotune.h"
#include "tcp/tcb.h"
#include "tcp/oow_limit.h"
#include "tcp/orphan.h"
#include "tcp/tcp_ts.h"
#include "wire/hdr_parse.h"

static vg_time two_msl(const vg_tcb *t) { return 2u * VG_MS(tcb_stack(t)->cfg.msl_ms); }

static void enter_time_wait(vg_tcb *t, vg_time now)
{
    t->state = VG_TCP_TIME_WAIT;
    if (t->x)
        t->x->rtx_at = t->x->persist_at = VG_TIME_NEVER;
    t->close_at = now + two_msl(t);
    vg_ring_free(tcb_stack(t), &t->snd);
    tcp_orphan_end(t);                /* TIME_WAIT needs nobody: no longer an orphan */
    /* tcp_output does not run the timer update for TIME_WAIT, and no other deadline may be
     * armed (an idle FIN_WAIT_2 has none): arm 2·MSL here. */
    tcp_timer_update(t, now);
}

/* RFC 5961 §7: challenge ACKs are limited per connection (one per cfg.oow_ratelimit_ms) and
 * by a randomised stack-wide budget per second (oow_limit.c), so that a flood of forged RSTs,
 * SYNs or ACKs can neither turn the stack into an ACK cannon nor tell an off-path attacker which
 * guess was in a window. Keep-alive probe answers (B5) are not challenge ACKs. */
static void challenge_ack(vg_tcb *t, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    if (tcp_oow_limited(t, now) || !tcp_challenge_budget_take(s, now)) {
        s->stats.tcp_challenge_acks_suppressed++;
        return;
    }
    s->stats.tcp_challenge_acks++;
    tcp_send_ack(t, now);
}

/* An ACK that does not fit our SYN: answer <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.3-4). */
static void reset_bad_ack(vg_tcb *t, uint32_t ack, vg_time now)
{
    tcb_stack(t)->stats.tcp_rst_sent++;
    tcp_send_segment(t, ack, VG_TCP_RST, NULL, 0, now);
}

/* Our SYN was acknowledged (in SYN_SENT by the SYN-ACK, in SYN_RECEIVED by the third segment):
 * the send side starts, with the handshake's RTT sample unless the SYN was resent (Karn).
 * wnd is the peer's window as it applies: a SYN's is never scaled. */
static void syn_acked(vg_tcb *t, const struct vg_tcp_hdr *th, uint32_t wnd, vg_time now)
{
    t->snd_una = th->ack;
    t->snd_wnd = wnd;
    t->max_snd_wnd = wnd;
    t->snd_wl1 = th->seq;
    t->snd_wl2 = th->ack;
    struct vg_tcb_xfer *x = t->x;     /* none for a passive open: its RTT was sampled already */
    if (x) {
        if ((t->flags & TF_RTT_TIMING) && x->rtx_count == 0)
            tcp_rtt_sample(t, now - x->rtt_start);
        x->rtx_at = VG_TIME_NEVER;
        x->rtx_count = 0;
    }
    t->flags &= (uint16_t)~TF_RTT_TIMING;
    t->state = VG_TCP_ESTABLISHED;
}

/* Returns 1 when it ended in tcp_output's own timer update (the connection established and
 * still synchronised after the output), so the caller need not repeat it. */
static int syn_sent_input(vg_tcb *t, const struct vg_tcp_hdr *th, vg_time now)
{
    int has_ack = (th->flags & VG_TCP_ACK) != 0;
    if (has_ack && (SEQ_LEQ(th->ack, t->iss) || SEQ_GT(th->ack, t->snd_max))) {
        if (!(th->flags & VG_TCP_RST))
            reset_bad_ack(t, th->ack, now);
        return 0;
    }
    if (th->flags & VG_TCP_RST) {
        if (has_ack) {
            vg_stack_emit(tcb_stack(t), VG_EV_RESET_RECEIVED, t, now, 0, 0);
            tcb_drop(t, VG_ERR_CONNREFUSED, now);
        }
        return 0;
    }
    if (!(th->flags & VG_TCP_SYN))
        return 0;
    tcp_apply_syn_options(t, th);
    cc_init(t);
    t->rcv_nxt = th->seq + 1;
    t->rcv_adv = t->rcv_nxt;
    t->last_rx = now;
    if (!has_ack) {
        /* Simultaneous open. */
        t->state = VG_TCP_SYN_RECEIVED;
        t->snd_wnd = th->wnd;
        t->snd_wl1 = th->seq;
        tcp_send_syn(t, now);
        return 0;
    }
    syn_acked(t, th, th->wnd, now);
    t->flags |= TF_ACK_NOW;
    vg_stack_emit(tcb_stack(t), VG_EV_CONNECTED, t, now, 0, 0);
    tcp_output(t, now);
    return tcp_synchronized(t) && t->state != VG_TCP_TIME_WAIT;
}

/* What the last window we advertised still promises beyond RCV.NXT. tcp_rcv_window never offers
 * less (RFC 9293 §3.8.6: the right edge does not move left), so a segment inside it is inside
 * the window without computing what the buffer budget could back. */
static uint32_t rcv_promised(const vg_tcb *t)
{
    return SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
}

/* RFC 9293 §3.10.7.4's four cases, against the window tcp_rcv_window offers now. */
static int seq_acceptable_in_window(const vg_tcb *t, uint32_t seq, uint32_t seglen)
{
    uint32_t nxt = t->rcv_nxt;
    uint32_t wnd = tcp_rcv_window(t);
    if (seglen == 0)
        return wnd == 0 ? seq == nxt : (SEQ_GEQ(seq, nxt) && SEQ_LT(seq, nxt + wnd));
    if (wnd == 0)
        return 0;
    return (SEQ_GEQ(seq, nxt) && SEQ_LT(seq, nxt + wnd)) ||
           (SEQ_GEQ(seq + seglen - 1, nxt) && SEQ_LT(seq + seglen - 1, nxt + wnd));
}

/* The common cases need no window: an empty segment at RCV.NXT is acceptable whatever the
 * window, and a segment that starts inside the window we advertised (which the window offered
 * now never undercuts) is acceptable by its first octet. */
static inline int seq_acceptable(const vg_tcb *t, uint32_t seq, uint32_t seglen)
{
    uint32_t ahead = seq - t->rcv_nxt;
    if (ahead < rcv_promised(t) || (ahead == 0 && seglen == 0))
        return 1;
    return seq_acceptable_in_window(t, seq, seglen);
}

/* Returns 1 when the connection is gone after an RST. */
static int rst_input(vg_tcb *t, const struct vg_tcp_hdr *th, vg_time now)
{
    if (th->seq != t->rcv_nxt) {
        if (seq_acceptable(t, th->seq, 1))
            challenge_ack(t, now);
        return 0;
    }
    vg_stack_emit(tcb_stack(t), VG_EV_RESET_RECEIVED, t, now, 0, 0);
    int err;
    switch (t->state) {
    case VG_TCP_SYN_RECEIVED:
        err = t->parent ? 0 : VG_ERR_CONNREFUSED;
        break;
    case VG_TCP_CLOSING: case VG_TCP_LAST_ACK: case VG_TCP_TIME_WAIT:
        err = 0;
        break;
    default:
        err = VG_ERR_CONNRESET;
        break;
    }
    tcb_drop(t, err, now);
    return 1;
}

static void establish_passive(vg_tcb *t, vg_time now)
{
    vg_tcb *l = t->parent;
    if (l && l->lq) {
        l->lq->queued++;
        t->flags |= TF_ACCEPT_QUEUED;
        if (l->lq->tail)
            l->lq->tail->aq_next = t;
        else
            l->lq->head = t;
        l->lq->tail = t;
    }
    vg_stack_emit(tcb_stack(t), VG_EV_CONNECTED, t, now, 0, 0);
    if (l)
        vg_stack_emit(tcb_stack(t), VG_EV_ACCEPTABLE, l, now, 0, 0);
}

/* RFC 1122 §4.2.2.17: a peer that answers zero-window probes may hold the window closed for
 * as long as it likes — the unanswered count restarts, and with it TCP_MAXRT's clock
 * (tcp_timer.c) — unless the connection is an orphan, which nobody waits for. */
static void persist_answered(vg_tcb *t)
{
    if (!t->orphaned && t->x)
        t->x->persist_probes = 0;
}

/* Returns 1 when the segment must not be processed further (t may be gone). */
static int ack_input(vg_tcb *t, const struct vg_tcp_hdr *th, size_t dlen, vg_time now)
{
    uint32_t ack = th->ack;
    if (t->state == VG_TCP_SYN_RECEIVED) {
        if (SEQ_LEQ(ack, t->snd_una) || SEQ_GT(ack, t->snd_max)) {
            reset_bad_ack(t, ack, now);
            return 1;
        }
        syn_acked(t, th, (uint32_t)th->wnd << t->snd_wscale, now);
        establish_passive(t, now);
        return 0;
    }
    /* RFC 5961 §5.2: an ACK of something never sent, or older than any window the peer could
     * have seen, is blind injection or a desynchronised peer: drop the segment, data and all. */
    if (SEQ_GT(ack, t->snd_max) || SEQ_LT(ack, t->snd_una - t->max_snd_wnd)) {
        tcb_stack(t)->stats.tcp_bad_acks++;
        challenge_ack(t, now);
        return 1;
    }
    uint32_t wnd = (uint32_t)th->wnd << t->snd_wscale;
    /* RFC 8985 §7.4's duplicate: nothing but the same ACK again. */
    int pure_dup = ack == t->snd_una && dlen == 0 && !th->opt.nsack && wnd == t->snd_wnd &&
                   !(th->flags & (VG_TCP_FIN | VG_TCP_SYN));
    persist_answered(t);
    int sack = (t->flags2 & TF2_SACK) != 0;
    uint32_t sacked = sack && (th->opt.nsack | th->opt.sack_bad) ? sack_take_blocks(t, th) : 0;
    if (SEQ_GT(ack, t->snd_una)) {
        struct vg_tcb_xfer *x = t->x;  /* there: what is acknowledged was in flight */
        uint32_t acked = ack - t->snd_una;
        uint32_t queued = vg_ring_len(t->snd);
        int fin_acked = (t->flags & TF_FIN_SENT) && ack == t->snd_una + queued + 1;
        vg_ring_consume(tcb_stack(t), &t->snd, acked < queued ? acked : queued, 1);
        t->snd_una = ack;
        if (SEQ_LT(t->snd_nxt, ack))
            t->snd_nxt = ack;
        if (tcp_ts_on(t)) {
            tcp_ts_rtt(t, th, now);   /* every such ACK, not one timed segment per RTT */
        } else if ((t->flags & TF_RTT_TIMING) && SEQ_GT(ack, x->rtt_seq)) {
            tcp_rtt_sample(t, now - x->rtt_start);
            t->flags &= (uint16_t)~TF_RTT_TIMING;
        }
        x->rtx_count = 0;
        x->unacked_since = now;
        x->rtx_at = t->snd_una == t->snd_max ? VG_TIME_NEVER : now + t->rto_us;
        if (!(t->flags & TF_IN_RECOVERY) && !x->sack && !tcb_rack_live(t)) {
            /* The usual ACK: no recovery, no scoreboard and no RACK send log to trim (its
             * probe to re-arm), where sack_on_ack and cc_on_una_advance do the same two things
             * (a cumulative ACK ends any run of duplicates, and the window grows by the
             * algorithm's rule) through more calls. */
            x->dupacks = 0;
            cc_on_ack(t, acked, now);
        } else if (sack) {
            sack_on_ack(t, acked, sacked, now);
        } else {
            cc_on_una_advance(t, acked, now);
        }
        tcp_autotune_snd(t);
        if (queued)
            vg_stack_emit(tcb_stack(t), VG_EV_WRITABLE, t, now, 0, 0);
        if (fin_acked) {
            switch (t->state) {
            case VG_TCP_FIN_WAIT_1:
                t->state = VG_TCP_FIN_WAIT_2;
                if (!(t->flags & TF_APP_OWNED))   /* nobody will read: do not linger */
                    t->close_at = now + VG_MS(tcb_stack(t)->cfg.orphan_timeout_ms);
                break;
            case VG_TCP_CLOSING:
                enter_time_wait(t, now);
                break;
            case VG_TCP_LAST_ACK:
                tcb_drop(t, 0, now);
                return 1;
            default:
                break;
            }
        }
    } else if (ack == t->snd_una && dlen == 0 && !(th->flags & (VG_TCP_FIN | VG_TCP_SYN)) &&
               wnd == t->snd_wnd && t->snd_una != t->snd_max && t->x->persist_at == VG_TIME_NEVER) {
        /* Not while persisting: the answers to zero-window probes repeat the same ACK, and a
         * fast retransmit would push a full segment into the closed window. With SACK a
         * duplicate must also SACK something new (RFC 6675 §2), which an answer to a probe,
         * a window update or a replayed ACK never does. */
        if (!sack)
            cc_on_dupack(t, now);
        else if (sacked)
            sack_on_ack(t, 0, sacked, now);
    } else if (sacked && ack == t->snd_una && t->snd_una != t->snd_max &&
               t->x->persist_at == VG_TIME_NEVER) {
        sack_on_ack(t, 0, sacked, now);   /* new SACK information on a window update or data */
    }
    /* RFC 9293 §3.10.7.4: take the window from the newest segment only, and only from an ACK
     * not older than SND.UNA (an old one's window is stale, or forged to freeze us). */
    if (SEQ_GEQ(ack, t->snd_una) &&
        (SEQ_LT(t->snd_wl1, th->seq) || (t->snd_wl1 == th->seq && SEQ_LEQ(t->snd_wl2, ack)))) {
        if (t->snd_wnd == 0 && wnd > 0 && t->x) {
            t->x->persist_at = VG_TIME_NEVER;
            t->x->persist_shift = 0;
            t->x->persist_probes = 0;
        }
        t->snd_wnd = wnd;
        if (wnd > t->max_snd_wnd)
            t->max_snd_wnd = wnd;
        t->snd_wl1 = th->seq;
        t->snd_wl2 = ack;
    }
    if (sack)
        rack_tlp_on_ack(t, ack, pure_dup, now);
    return 0;
}

/* 1 when the ACK of a FIN that moves the connection to CLOSE_WAIT waits as a data segment's would
 * (Linux enters its delayed-ACK "pingpong" mode there): an application that answers the peer's
 * close with its own sends one FIN-ACK instead of an ACK and then a FIN. Inside a batch of input
 * it waits for the batch's end, which comes after the application has run (ack_batch.c). */
static int fin_ack_later(vg_tcb *t, vg_time now)
{
    if (tcb_stack(t)->cfg.no_delayed_ack)
        return 0;
    if (tcp_ack_hold(t, now))
        return 1;
    return !(t->flags & TF_DELACK_ONE) && tcp_ack_owe(t, now);
}

static void fin_input(vg_tcb *t, vg_time now)
{
    t->rcv_nxt++;
    t->flags |= TF_FIN_RCVD;
    t->flags &= (uint16_t)~TF_OOO_FIN;
    int later = 0;
    switch (t->state) {
    case VG_TCP_SYN_RECEIVED: case VG_TCP_ESTABLISHED:
        t->state = VG_TCP_CLOSE_WAIT;
        later = fin_ack_later(t, now);
        break;
    case VG_TCP_FIN_WAIT_1:
        if ((t->flags & TF_FIN_SENT) && t->snd_una == t->snd_max)
            enter_time_wait(t, now);
        else
            t->state = VG_TCP_CLOSING;
        break;
    case VG_TCP_FIN_WAIT_2:
        enter_time_wait(t, now);
        break;
    default:
        break;
    }
    if (!later)
        t->flags |= TF_ACK_NOW;
    vg_stack_emit(tcb_stack(t), VG_EV_PEER_FIN, t, now, 0, 0);
    vg_stack_emit(tcb_stack(t), VG_EV_READABLE, t, now, 0, 0);
}

/* The largest segment the peer may send us: the MSS our SYN announced. */
static uint32_t tcp_rcv_mss(const vg_tcb *t) { return vg_ip_mss(tcb_stack(t), t->laddr); }

static int may_receive(const vg_tcb *t)
{
    return t->state == VG_TCP_ESTABLISHED || t->state == VG_TCP_FIN_WAIT_1 ||
           t->state == VG_TCP_FIN_WAIT_2 || t->state == VG_TCP_SYN_RECEIVED;
}

static void data_input(vg_tcb *t, const struct vg_tcp_hdr *th, const uint8_t *data, size_t dlen,
                       vg_time now)
{
    uint32_t seq = th->seq;
    uint32_t fin_seq = th->seq + (uint32_t)dlen;
    int fin = (th->flags & VG_TCP_FIN) != 0;
    if (dlen && SEQ_LT(seq, t->rcv_nxt)) {
        uint32_t skip = t->rcv_nxt - seq;
        if (skip >= dlen) {
            tcb_stack(t)->stats.tcp_dup_segments++;
            sack_rx_dup(t, seq, seq + (uint32_t)dlen);
            dlen = 0;
            t->flags |= TF_ACK_NOW;
        } else {
            data += skip;
            dlen -= skip;
        }
        seq = t->rcv_nxt;
    }
    uint32_t ahead = seq - t->rcv_nxt;
    uint32_t wnd;
    if (dlen && ahead + dlen > rcv_promised(t) && ahead + dlen > (wnd = tcp_rcv_window(t))) {
        dlen = wnd > ahead ? wnd - ahead : 0;
        fin = 0;                      /* the FIN lies beyond what we can take */
        t->flags |= TF_ACK_NOW;
    }
    if (dlen) {
        uint32_t before = t->rcv_nxt;
        uint8_t had_islands = tcb_nooo(t);
        uint32_t adv = rcvq_place(t, seq, data, (uint32_t)dlen);
        t->rcv_nxt += adv;
        if (adv && seq == before)
            tcp_autotune_rcv_data(t, adv, now);
        if (seq != before || tcb_nooo(t) || had_islands) {
            t->flags |= TF_ACK_NOW;   /* out of order or filling a hole: ACK at once (RFC 5681 §4.2) */
        } else if (adv) {
            /* A segment of two full-sized ones or more (GRO, a TSO peer) is the two the ACK
             * may wait for (RFC 5681 §4.2): one ACK for the coalesced segment, now, or inside
             * a batch of input when the batch ends (ack_batch.c). */
            if (tcb_stack(t)->cfg.no_delayed_ack || (t->flags & TF_DELACK_ONE) ||
                adv >= 2u * tcp_rcv_mss(t)) {
                if (tcb_stack(t)->cfg.no_delayed_ack || !tcp_ack_hold(t, now))
                    t->flags |= TF_ACK_NOW;
            } else if (!tcp_ack_owe(t, now)) {
                t->flags |= TF_ACK_NOW;   /* no block to time a delayed ACK: ACK at once */
            }
        }
        if (seq == before && !adv)
            t->flags |= TF_ACK_NOW;
        if (adv)
            vg_stack_emit(tcb_stack(t), VG_EV_READABLE, t, now, 0, 0);
    }
    if (fin && !(t->flags & TF_FIN_RCVD)) {
        if (fin_seq == t->rcv_nxt) {
            fin_input(t, now);
        } else if (SEQ_GT(fin_seq, t->rcv_nxt)) {
            t->flags |= TF_ACK_NOW;
            if (tcb_xfer_get(t)) {
                t->flags |= TF_OOO_FIN;
                t->x->fin_seq = fin_seq;
            } else {
                tcb_stack(t)->stats.tcp_xfer_rx_drops++;   /* the peer resends its FIN */
            }
        }
    }
    if ((t->flags & TF_OOO_FIN) && t->x->fin_seq == t->rcv_nxt && !(t->flags & TF_FIN_RCVD))
        fin_input(t, now);
}

static void sync_input(vg_tcb *t, const struct vg_tcp_hdr *th, const uint8_t *data, size_t dlen,
                       vg_time now)
{
    /* B1: any segment from the peer, even one we must reject, proves it alive. An RST is
     * no answer to a probe, though: it restarts nothing the connection will live to use. */
    vg_time prev_rx = t->last_rx;     /* RFC 7323 §5.5: how long TS.Recent went unrefreshed */
    if (th->flags & VG_TCP_RST)
        t->last_rx = now;
    else
        ka_on_receive(t, now);
    uint32_t seglen = (uint32_t)dlen + ((th->flags & VG_TCP_SYN) ? 1 : 0) +
                      ((th->flags & VG_TCP_FIN) ? 1 : 0);
    if (tcp_ts_paws_reject(t, th, prev_rx, now)) {
        /* RFC 7323 §5.3 R1: an old duplicate is not acceptable: ACK it and drop it; a bare one
         * is answered at the out-of-window rate, as any reply that could loop. */
        if (seglen == 0 && tcp_oow_limited(t, now)) {
            tcb_stack(t)->stats.tcp_oow_ratelimited++;
            return;
        }
        tcp_send_ack(t, now);
        tcp_timer_update(t, now);
        return;
    }
    if (!seq_acceptable(t, th->seq, seglen)) {
        if (th->flags & VG_TCP_RST) {
            /* RFC 5961 §3.2: an RST exactly at RCV.NXT resets even when a zero window or the
             * data it carries makes the segment as a whole unacceptable. */
            if (th->seq == t->rcv_nxt)
                rst_input(t, th, now);
            return;
        }
        if (th->flags & VG_TCP_SYN) {
            challenge_ack(t, now);    /* RFC 5961 §4, in window or not (as Linux) */
            return;
        }
        /* B5: a keep-alive probe (SEQ = RCV.NXT-1) is out of window; answer with an ACK
         * whether or not keep-alive is on here. */
        int probe = th->seq == t->rcv_nxt - 1 && dlen <= 1 && !(th->flags & VG_TCP_FIN);
        if (probe) {
            tcb_stack(t)->stats.ka_peer_probes_answered++;
            vg_stack_emit(tcb_stack(t), VG_EV_PEER_PROBE, t, now, 0, 0);
        } else if (dlen && SEQ_LEQ(th->seq + seglen, t->rcv_nxt)) {
            tcb_stack(t)->stats.tcp_dup_segments++;   /* wholly old: a retransmission we had */
            sack_rx_dup(t, th->seq, th->seq + (uint32_t)dlen);
        }
        if (t->state == VG_TCP_TIME_WAIT && (th->flags & VG_TCP_FIN))
            t->close_at = now + two_msl(t);   /* the peer lost our last ACK */
        /* A bare ACK is how two desynchronised ends ACK each other forever: answer one per
         * cfg.oow_ratelimit_ms (Linux tcp_oow_rate_limited). Never a probe (B5); a segment that
         * occupies sequence space (data, or the FIN that TIME_WAIT owes an ACK) is no loop. */
        if (seglen == 0 && !probe && tcp_oow_limited(t, now)) {
            tcb_stack(t)->stats.tcp_oow_ratelimited++;
            return;
        }
        tcp_send_ack(t, now);
        tcp_timer_update(t, now);
        return;
    }
    if (th->flags & VG_TCP_RST) {
        rst_input(t, th, now);
        return;
    }
    if (th->flags & VG_TCP_SYN) {
        challenge_ack(t, now);        /* RFC 5961 §4 */
        return;
    }
    if (!(th->flags & VG_TCP_ACK))
        return;
    if (ack_input(t, th, dlen, now))
        return;
    tcp_ts_recent_update(t, th, dlen, prev_rx, now);   /* only once SEQ and ACK are acceptable */
    if (t->orphaned && dlen && SEQ_GT(th->seq + (uint32_t)dlen, t->rcv_nxt)) {
        /* Nobody will ever read it (RFC 1122 §4.2.2.13, Linux TCPAbortOnData): tell the peer
         * its data is lost rather than let it fill an orphan's receive buffer. */
        tcb_stack(t)->stats.tcp_orphan_data_resets++;
        tcp_send_rst_for(t, now);
        tcb_drop(t, VG_ERR_CONNABORTED, now);
        return;
    }
    if (may_receive(t))
        data_input(t, th, data, dlen, now);
    else if (t->state == VG_TCP_TIME_WAIT && (th->flags & VG_TCP_FIN)) {
        t->close_at = now + two_msl(t);
        t->flags |= TF_ACK_NOW;
    }
    tcp_output(t, now);
}

void vg_tcp_input(vg_stack *s, const struct vg_ip_pkt *ip, const uint8_t *seg, size_t len,
                  unsigned rx_flags, vg_time now)
{
    struct vg_tcp_hdr th;
    const uint8_t *data;
    size_t dlen;
    if (vg_tcp_flags_martian(s, seg, len))
        return;
    int trusted = (rx_flags & VG_RX_CSUM_VALID) != 0;
    if (vg_tcp_parse_acc(seg, len, ip->addr_acc, trusted, &th, &data, &dlen) != VG_WIRE_OK) {
        s->stats.tcp_bad++;
        return;
    }
    s->stats.rx_csum_trusted += (uint64_t)trusted;
    s->stats.tcp_in++;
    vg_tcb *t = tcb_lookup(s, ip->dst, th.dport, ip->src, th.sport);
    if (t && t->state == VG_TCP_TIME_WAIT && (th.flags & VG_TCP_SYN) && !(th.flags & VG_TCP_ACK) &&
        SEQ_GT(th.seq, t->rcv_nxt) && tcb_find_listener(s, ip->dst, th.dport)) {
        /* RFC 9293 §3.10.7.4: a new SYN above the old sequence space may reopen the pair. */
        tcb_drop(t, 0, now);
        t = NULL;
    }
    if (!t) {
        vg_tcb *l = tcb_find_listener(s, ip->dst, th.dport);
        if (!l) {
            s->stats.tcp_no_tcb++;
            tcp_send_reset_reply(s, ip, &th, dlen, now);
            return;
        }
        /* A handshake completed from the SYN cache or a cookie: the segment continues on the
         * new connection like any other, which establishes and queues it. */
        t = tcp_listen_input(l, ip, &th, dlen, now);
        if (!t)
            return;
    }
    if (t->state == VG_TCP_SYN_SENT) {
        if (!syn_sent_input(t, &th, now))
            tcp_timer_update(t, now);
        return;
    }
    sync_input(t, &th, data, dlen, now);
}
