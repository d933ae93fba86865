/* The per-transfer block's lifetime (see tcb_xfer.h). */
#include <stdlib.h>

#include "tcp/tcb.h"

/* A fresh block's recovery point from what the connection kept while it had none: the ISS
 * ("none yet") lets a new fast recovery start from any later SND.UNA, which is what a point two
 * or more below SND.UNA allows too; a point at SND.UNA or one below it still forbids one
 * (cc_on_dupack), and SND.UNA has not moved since, as nothing was in flight. */
static uint32_t recover_from_idle(const vg_tcb *t)
{
    return t->recover_idle ? t->snd_una - (uint32_t)(t->recover_idle - 1u) : t->iss;
}

static uint8_t recover_to_idle(const vg_tcb *t, const struct vg_tcb_xfer *x)
{
    uint32_t lag = t->snd_una - x->recover;
    return x->recover == t->iss || lag > 1u ? 0 : (uint8_t)(lag + 1u);
}

/* A fresh block writes what is read before it is set, and leaves what a flag or count guards:
 * rtt_start and rtt_seq (TF_RTT_TIMING, set with them), fin_seq (TF_OOO_FIN), ts_offset
 * (ts_offset_set), rcv_epoch_seq and rcv_rtt_seq (rcv_epoch_at, rcv_rtt_at), sack_recent
 * (nsack_recent), dsack_start and dsack_end (dsack_pending), and the CUBIC and HyStart++
 * values behind their own flags (cc_state_fresh); rack, a spare's cleared send log or none, is
 * tcb_xfer_new's to carry over. Zeroing the whole block cost 34 stores a
 * transfer. A field added to the block must be given its fresh value here (or a guard named
 * above), and then this size changed. */
_Static_assert(sizeof(struct vg_tcb_xfer) == 280,
               "a new vg_tcb_xfer field needs a fresh value in tcb_xfer_new");

static void fresh(struct vg_tcb_xfer *x)
{
    x->rtx_at = x->persist_at = x->delack_at = VG_TIME_NEVER;
    x->unacked_since = 0;
    x->rcv_epoch_at = x->rcv_rtt_at = x->rcv_hold_until = VG_TIME_NEVER;
    x->ooo = NULL;
    x->rcv_space = x->rcv_rtt_us = 0;
    x->dupacks = x->rtx_count = x->persist_shift = x->persist_probes = 0;
    x->nooo = x->ts_offset_set = x->nsack_recent = x->dsack_pending = 0;
    x->sack = NULL;
    /* SACK recovery's values, though entering recovery sets them: zero, as they always were. */
    x->high_rxt = x->prr_delivered = x->prr_out = x->recover_fs = x->prr_mark = 0;
    x->undo_cwnd = x->undo_ssthresh = 0;
    x->undo_rtx = 0;
    x->undo_ok = 0;
    cc_state_fresh(&x->cc);
}

struct vg_tcb_xfer *tcb_xfer_new(vg_tcb *t)
{
    vg_stack *s = tcb_stack(t);
    struct vg_tcb_xfer *x = s->xfer_spares;
    struct vg_rack *rack = NULL;      /* a spare keeps its send log, cleared (rack.h) */
    if (x) {
        s->xfer_spares = x->next_spare;
        s->stats.tcp_xfer_spares--;
        rack = x->rack;
    } else if (!(x = vg_alloc(s, sizeof *x))) {
        s->stats.tcp_xfer_failed++;
        return NULL;
    }
    fresh(x);
    x->recover = recover_from_idle(t);
    x->last_ack_sent = t->rcv_nxt;
    x->rack = rack;
    s->stats.tcp_xfer_live++;
    t->x = x;
    return x;
}

/* Every value the block holds is dead or at its fresh value: nothing sent is unacknowledged,
 * nothing is queued to send (a FIN included), nothing arrived out of order, no deadline is
 * pending and no count or measurement is under way. A closed connection needs only its
 * out-of-order islands, which a read of the data before them still consults. */
static int idle(const vg_tcb *t, const struct vg_tcb_xfer *x)
{
    if (x->nooo || (t->flags & TF_OOO_FIN))
        return 0;
    if (t->state == VG_TCP_CLOSED)
        return 1;
    /* A pending deadline first: what most often keeps a block (tcp_timer_update asks after
     * every event, its caller having seen nothing in flight). */
    if (x->rtx_at != VG_TIME_NEVER || x->persist_at != VG_TIME_NEVER ||
        x->delack_at != VG_TIME_NEVER || x->rcv_hold_until != VG_TIME_NEVER)
        return 0;
    if (t->snd_una != t->snd_max || vg_ring_len(t->snd) ||
        (t->flags & (TF_FIN_QUEUED | TF_FIN_SENT)) == TF_FIN_QUEUED)
        return 0;
    if (t->flags & (TF_RTT_TIMING | TF_IN_RECOVERY))
        return 0;
    return !x->dupacks && !x->rtx_count && !x->persist_probes;
}

static void release(vg_stack *s, vg_tcb *t, struct vg_tcb_xfer *x)
{
    t->recover_idle = recover_to_idle(t, x);
    if (x->ooo)
        free(x->ooo);
    free(x->sack);               /* the scoreboard is per transfer: cleared when idle */
    x->sack = NULL;
    if (x->rack)
        rack_reset(x->rack);
    t->x = NULL;
    s->stats.tcp_xfer_live--;
    if (s->stats.tcp_xfer_spares < VG_XFER_SPARES) {
        x->next_spare = s->xfer_spares;
        s->xfer_spares = x;
        s->stats.tcp_xfer_spares++;
    } else {
        rack_free(x);
        free(x);
    }
}

void tcb_xfer_release_if_idle(vg_tcb *t)
{
    struct vg_tcb_xfer *x = t->x;
    if (idle(t, x))
        release(tcb_stack(t), t, x);
}

void tcb_xfer_free(vg_tcb *t)
{
    if (t->x)
        release(tcb_stack(t), t, t->x);
}

void tcb_xfer_spares_free(vg_stack *s)
{
    while (s->xfer_spares) {
        struct vg_tcb_xfer *x = s->xfer_spares;
        s->xfer_spares = x->next_spare;
        rack_free(x);
        free(x);
    }
    s->stats.tcp_xfer_spares = 0;
}
