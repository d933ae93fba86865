/* RACK (RFC 8985 §6): the send log, RACK's loss marking, its reordering window and timer
 * (rack.h); the tail loss probe is tlp.c's. Instants in the log are 32-bit microseconds: their differences are exact
 * while a record is younger than 35 minutes, and nothing stays unacknowledged that long without
 * the connection timing out. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/rack.h"
#include "tcp/sack_board.h"
#include "tcp/tcb.h"

#define DUPTHRESH 3u
#define REO_WND_PERSIST 16u          /* recoveries a grown reordering window outlives (§6.2) */

static int32_t ts_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

/* RFC 8985 RACK_sent_after: the later instant; at one instant the later record (its tie-break
 * by sequence would put a resend after the new data sent before it); in one record, the higher
 * sequence. */
static int sent_after(uint32_t t1, uint32_t o1, uint32_t seq1, uint32_t t2, uint32_t o2,
                      uint32_t seq2)
{
    if (t1 != t2)
        return ts_diff(t1, t2) > 0;
    if (o1 != o2)
        return ts_diff(o1, o2) > 0;
    return SEQ_GT(seq1, seq2);
}

void rack_reset(struct vg_rack *r)
{
    memset(r, 0, offsetof(struct vg_rack, log));
    r->reo_at = r->pto_at = VG_TIME_NEVER;
    r->reo_wnd_mult = 1;
}

void rack_free(struct vg_tcb_xfer *x)
{
    free(x->rack);
    x->rack = NULL;
}

static void log_remove(struct vg_rack *r, uint16_t i)
{
    memmove(&r->log[i], &r->log[i + 1], (size_t)(r->n - i - 1) * sizeof r->log[0]);
    r->n--;
}

/* A full log frees one record: the oldest two neighbours in sequence with the same marks
 * merge, taking the later instant; with none, the oldest record goes (its octets then wait for
 * the probe or the timeout, as without RACK). */
static void make_room(struct vg_rack *r, vg_stack *s)
{
    s->stats.tcp_rack_log_merges++;
    for (uint16_t i = 0; i + 1 < r->n; i++) {
        struct vg_rack_seg *a = &r->log[i], *b = &r->log[i + 1];
        if (a->end == b->start && (a->flags & ~RACK_RETRANS) == (b->flags & ~RACK_RETRANS)) {
            a->end = b->end;
            a->ts = b->ts;
            a->order = b->order;
            a->flags |= b->flags;
            log_remove(r, (uint16_t)(i + 1));
            return;
        }
    }
    log_remove(r, 0);
}

/* Inserts a copy of record i's [at, end) after it and ends record i at at. 0: no room. */
static int split(struct vg_rack *r, uint16_t i, uint32_t at)
{
    if (r->n == VG_RACK_LOG_RECORDS)
        return 0;
    memmove(&r->log[i + 2], &r->log[i + 1], (size_t)(r->n - i - 1) * sizeof r->log[0]);
    r->n++;
    r->log[i + 1] = r->log[i];
    r->log[i + 1].start = at;
    r->log[i].end = at;
    return 1;
}

/* [a, b) is going again: no older record speaks for it any more. */
static void cut(struct vg_rack *r, uint32_t a, uint32_t b)
{
    for (uint16_t i = 0; i < r->n;) {
        struct vg_rack_seg *g = &r->log[i];
        if (!SEQ_LT(g->start, b) || !SEQ_LT(a, g->end)) {
            i++;
        } else if (SEQ_GEQ(g->start, a) && SEQ_LEQ(g->end, b)) {
            log_remove(r, i);
        } else if (SEQ_LT(g->start, a) && SEQ_GT(g->end, b)) {
            if (split(r, i, b)) {
                r->log[i].end = a;
                i += 2;
            } else {
                g->end = a;           /* no room: the octets after b lose their instant */
                i++;
            }
        } else {
            if (SEQ_LT(g->start, a))
                g->end = a;
            else
                g->start = b;
            i++;
        }
    }
}

static void append(struct vg_rack *r, vg_stack *s, uint32_t start, uint32_t end, uint32_t ts,
                   uint32_t flags)
{
    if (r->n) {
        struct vg_rack_seg *last = &r->log[r->n - 1];
        if (last->end == start && last->ts == ts && last->flags == flags) {
            last->end = end;
            return;
        }
    }
    if (r->n == VG_RACK_LOG_RECORDS)
        make_room(r, s);
    r->log[r->n++] = (struct vg_rack_seg){.start = start, .end = end, .ts = ts,
                                          .order = r->next_order++, .flags = flags};
}

void rack_sent(vg_tcb *t, uint32_t seq, uint32_t len, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    if (!len || !x || !(t->flags2 & TF2_SACK))
        return;
    vg_stack *s = tcb_stack(t);
    struct vg_rack *r = x->rack;
    if (!r || !r->live) {
        /* Only from a transfer's start: the log must know every octet in flight. */
        if (s->cfg.no_rack || seq != t->snd_una || t->snd_una != t->snd_max)
            return;
        if (!r && !(r = x->rack = vg_alloc(s, sizeof *r)))
            return;                   /* counted by vg_alloc: DupThresh marks losses instead */
        rack_reset(r);
        r->n = 0;
        r->live = 1;
        r->fack = seq;
    }
    uint32_t flags = 0;
    if (SEQ_LT(seq, t->snd_max)) {
        flags = RACK_RETRANS;
        cut(r, seq, seq + len);
    }
    append(r, s, seq, seq + len, (uint32_t)now, flags);
}

void rack_rtt_sample(vg_tcb *t, uint32_t rtt_us)
{
    struct vg_rack *r = tcb_rack(t);
    if (r && (!r->min_rtt || rtt_us < r->min_rtt))
        r->min_rtt = rtt_us;
}

/* Octets of [s, e) the scoreboard holds. */
static uint32_t sacked_in(const struct vg_sack_board *b, uint32_t s, uint32_t e)
{
    uint32_t n = 0;
    for (uint8_t i = 0; b && i < b->n; i++) {
        uint32_t a = SEQ_GT(b->r[i].start, s) ? b->r[i].start : s;
        uint32_t z = SEQ_LT(b->r[i].end, e) ? b->r[i].end : e;
        if (SEQ_LT(a, z))
            n += z - a;
    }
    return n;
}

/* How much of record g has been delivered: 0 none, else *dend is the end of its highest
 * delivered octet and *whole says whether all of it was. */
static int delivered(const struct vg_rack_seg *g, uint32_t una, const struct vg_sack_board *b,
                     uint32_t *dend, int *whole)
{
    if (SEQ_LEQ(g->end, una)) {
        *dend = g->end;
        *whole = 1;
        return 1;
    }
    uint32_t from = SEQ_GT(g->start, una) ? g->start : una;
    int any = SEQ_LT(g->start, una);
    *dend = una;
    for (uint8_t i = 0; b && i < b->n; i++) {
        uint32_t a = SEQ_GT(b->r[i].start, from) ? b->r[i].start : from;
        uint32_t z = SEQ_LT(b->r[i].end, g->end) ? b->r[i].end : g->end;
        if (SEQ_LT(a, z)) {
            any = 1;
            *dend = z;
        }
    }
    *whole = sacked_in(b, from, g->end) == g->end - from;
    return any;
}

/* RFC 8985 §6.2 step 4, RACK_reo_wnd. */
static uint32_t reo_wnd(const vg_tcb *t, const struct vg_rack *r)
{
    const struct vg_tcb_xfer *x = t->x;
    if (!r->reord) {
        if ((t->flags & TF_IN_RECOVERY) || x->rtx_count)
            return 0;
        if (x->sack && sack_board_above(x->sack, t->snd_una) >= DUPTHRESH * t->mss)
            return 0;
    }
    uint64_t min = r->min_rtt ? r->min_rtt : t->srtt_us;
    uint64_t w = (uint64_t)r->reo_wnd_mult * min / 4;
    if (t->srtt_us && w > t->srtt_us)
        w = t->srtt_us;
    return (uint32_t)w;
}

/* RFC 8985 §6.2 step 5, RACK_detect_loss, and the reordering timer. Returns 1 when it marked. */
static int detect_loss(vg_tcb *t, struct vg_rack *r, vg_time now)
{
    if (!r->has_xmit)
        return 0;
    vg_stack *s = tcb_stack(t);
    uint32_t reo = reo_wnd(t, r);
    uint32_t now32 = (uint32_t)now;
    int32_t timeout = 0;
    int marked = 0;
    for (uint16_t i = 0; i < r->n; i++) {
        struct vg_rack_seg *g = &r->log[i];
        if (g->flags & (RACK_LOST | RACK_DELIVERED))
            continue;
        uint32_t upto;                /* g went before RACK's segment up to here */
        if (sent_after(r->xmit_ts, r->xmit_order, 0, g->ts, g->order, 0))
            upto = g->end;
        else if (r->xmit_ts == g->ts && r->xmit_order == g->order && SEQ_GT(r->end_seq, g->start))
            upto = SEQ_LT(r->end_seq, g->end) ? r->end_seq : g->end;
        else
            continue;
        int32_t remaining = ts_diff(g->ts + r->rtt + reo, now32);
        if (remaining > 0) {
            if (remaining > timeout)
                timeout = remaining;
            continue;
        }
        if (upto != g->end && !split(r, i, upto))
            continue;                 /* no room to mark part of it: a later ACK will */
        g = &r->log[i];
        uint32_t from = SEQ_GT(g->start, t->snd_una) ? g->start : t->snd_una;
        uint32_t missing = g->end - from - sacked_in(t->x->sack, from, g->end);
        if (!missing) {
            g->flags |= RACK_DELIVERED;   /* a piece split off that had all arrived */
            continue;
        }
        g->flags |= RACK_LOST;
        s->stats.tcp_rack_losses += (missing + t->mss - 1u) / t->mss;
        marked = 1;
    }
    r->reo_at = timeout ? now + (vg_time)timeout : VG_TIME_NEVER;
    return marked;
}

/* RFC 8985 §6.2 steps 1-3 for one record: if this ACK delivered it, the latest-sent delivered
 * segment, its RTT, and reordering (against fack, what was delivered before this ACK). */
static void take_delivery(struct vg_rack *r, struct vg_rack_seg *g, uint32_t una,
                          const struct vg_sack_board *b, uint32_t fack, uint32_t now32)
{
    uint32_t dend;
    int whole;
    if ((g->flags & RACK_DELIVERED) || !delivered(g, una, b, &dend, &whole))
        return;
    if (whole) {
        g->flags |= RACK_DELIVERED;
        if (!(g->flags & RACK_RETRANS) && SEQ_LT(g->end, fack))
            r->reord = 1;             /* delivered below what was delivered before it */
    }
    if (SEQ_GT(dend, r->fack))
        r->fack = dend;
    uint32_t rtt = now32 - g->ts;
    /* A resend's ACK may be the original's (Karn): not when it came too soon for it. */
    if ((g->flags & RACK_RETRANS) && r->min_rtt && rtt < r->min_rtt)
        return;
    if (!r->has_xmit ||
        sent_after(g->ts, g->order, dend, r->xmit_ts, r->xmit_order, r->end_seq)) {
        r->xmit_ts = g->ts;
        r->xmit_order = g->order;
        r->end_seq = dend;
        r->has_xmit = 1;
        r->rtt = rtt;
        if (!(g->flags & RACK_RETRANS) && (!r->min_rtt || rtt < r->min_rtt))
            r->min_rtt = rtt;
    }
}

int rack_on_ack(vg_tcb *t, uint32_t acked, vg_time now)
{
    struct vg_rack *r = tcb_rack(t);
    if (!r)
        return 0;
    const struct vg_sack_board *b = t->x->sack;
    uint32_t una = t->snd_una, fack = r->fack, now32 = (uint32_t)now;
    if (acked)
        r->pto_rearm = 1;
    /* One pass: each record's delivery, then what SND.UNA passed is done with (k records kept,
     * in order; a record is moved down only after it has been read). */
    uint16_t k = 0;
    for (uint16_t i = 0; i < r->n; i++) {
        take_delivery(r, &r->log[i], una, b, fack, now32);
        struct vg_rack_seg g = r->log[i];
        if (SEQ_LEQ(g.end, una))
            continue;
        if (SEQ_LT(g.start, una))
            g.start = una;
        r->log[k++] = g;
    }
    r->n = k;
    if (una == t->snd_max) {
        r->reo_at = r->pto_at = VG_TIME_NEVER;
        return 0;
    }
    detect_loss(t, r, now);
    return rack_lost_octets(t) != 0;
}

void rack_on_dsack(vg_tcb *t, uint32_t start, uint32_t end)
{
    struct vg_rack *r = tcb_rack(t);
    if (!r)
        return;
    if (r->tlp_on && r->tlp_is_retrans && SEQ_LT(start, r->tlp_end_seq) &&
        SEQ_LT(r->tlp_start, end)) {
        r->tlp_dsack = 1;             /* the probe was needless: the original got there */
        return;
    }
    /* A resend arrived twice: it was not lost but late. The window grows once per round with
     * such news (§6.2 step 4) and holds for REO_WND_PERSIST recoveries. */
    r->reord = 1;
    if (r->dsack_round_on && SEQ_GEQ(t->snd_una, r->dsack_round))
        r->dsack_round_on = 0;
    if (!r->dsack_round_on) {
        r->dsack_round_on = 1;
        r->dsack_round = t->snd_nxt;
        if (r->reo_wnd_mult < UINT8_MAX)
            r->reo_wnd_mult++;
        r->reo_wnd_persist = REO_WND_PERSIST;
    }
}

void rack_on_recovery_exit(vg_tcb *t)
{
    struct vg_rack *r = tcb_rack(t);
    if (r && r->reo_wnd_persist && --r->reo_wnd_persist == 0)
        r->reo_wnd_mult = 1;
}

void rack_on_rto(vg_tcb *t)
{
    struct vg_rack *r = tcb_rack(t);
    if (!r)
        return;
    /* Everything from SND.UNA goes again (tcp_timer.c): no mark or probe outlives that. */
    for (uint16_t i = 0; i < r->n; i++)
        r->log[i].flags &= ~(uint32_t)RACK_LOST;
    r->tlp_on = 0;
    r->reo_at = r->pto_at = VG_TIME_NEVER;
    rack_on_recovery_exit(t);
}

int rack_timer_fire(vg_tcb *t, vg_time now)
{
    struct vg_rack *r = tcb_rack(t);
    if (!r)
        return 0;
    if (r->pto_at <= now)
        tlp_send_probe(t, now);
    if (r->reo_at <= now) {
        r->reo_at = VG_TIME_NEVER;
        return detect_loss(t, r, now);
    }
    return 0;
}

uint32_t rack_lost_octets(const vg_tcb *t)
{
    const struct vg_rack *r = tcb_rack(t);
    if (!r)
        return 0;
    const struct vg_sack_board *b = t->x->sack;
    uint32_t n = 0;
    for (uint16_t i = 0; i < r->n; i++) {
        const struct vg_rack_seg *g = &r->log[i];
        if (!(g->flags & RACK_LOST) || SEQ_LEQ(g->end, t->snd_una))
            continue;
        uint32_t from = SEQ_GT(g->start, t->snd_una) ? g->start : t->snd_una;
        n += g->end - from - sacked_in(b, from, g->end);
    }
    return n;
}

int rack_next_lost(const vg_tcb *t, uint32_t *seq, uint32_t *len)
{
    const struct vg_rack *r = tcb_rack(t);
    if (!r)
        return 0;
    const struct vg_sack_board *b = t->x->sack;
    int found = 0;
    for (uint16_t i = 0; i < r->n; i++) {
        const struct vg_rack_seg *g = &r->log[i];
        if (!(g->flags & RACK_LOST) || SEQ_LEQ(g->end, t->snd_una))
            continue;
        uint32_t s = SEQ_GT(g->start, t->snd_una) ? g->start : t->snd_una;
        uint32_t e = g->end;
        /* The first octet of it not SACKed, and the run up to the next SACKed one. */
        for (uint8_t k = 0; b && k < b->n; k++) {
            if (SEQ_LEQ(b->r[k].end, s))
                continue;
            if (SEQ_LEQ(b->r[k].start, s)) {
                s = b->r[k].end;
                continue;
            }
            if (SEQ_LT(b->r[k].start, e))
                e = b->r[k].start;
            break;
        }
        if (!SEQ_LT(s, e) || (found && !SEQ_LT(s, *seq)))
            continue;
        *seq = s;
        *len = e - s < t->mss ? e - s : t->mss;
        found = 1;
    }
    return found;
}
