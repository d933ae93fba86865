/* The SYN cache (see syncache.h). */
#include "tcp/syncache.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/oow_limit.h"
#include "tcp/syncookie.h"
#include "tcp/tcp_autotune.h"
#include "tcp/tcb.h"
#include "tcp/tcp_emit.h"
#include "tcp/tcp_ts.h"
#include "util/siphash.h"

#define SYNCACHE_MIN_BUCKETS 64u

void syncache_init(struct vg_syncache *sc, vg_tcb *listener)
{
    memset(sc, 0, sizeof *sc);
    sc->listener = listener;
}

/* Keyed, so an attacker choosing source ports and addresses cannot pile entries into one
 * chain: the connection table's own hash (tcb_tuple_hash), as Linux keeps its request socks in
 * the established table under the same inet_ehashfn. A handshake's segments are looked up in
 * the table first, so the table's memo (tcb_tuple_hash_memo) has the tuple's hash: the SYN's
 * entry, the ACK's lookup and the entry's removal hash nothing again. */
static struct vg_syn_entry **bucket_of(struct vg_syncache *sc, uint32_t laddr, uint16_t lport,
                                       uint32_t raddr, uint16_t rport)
{
    size_t h = tcb_tuple_hash_memo(tcb_stack(sc->listener), laddr, lport, raddr, rport, 0);
    return &sc->bucket[h & (sc->nbuckets - 1)];
}

/* Buckets follow the entries up to about one per entry; a failed grow only lengthens chains. */
static void grow(struct vg_syncache *sc)
{
    vg_stack *s = tcb_stack(sc->listener);
    uint32_t n = sc->nbuckets ? sc->nbuckets * 2 : SYNCACHE_MIN_BUCKETS;
    struct vg_syn_entry **nb = vg_zalloc(s, n * sizeof *nb);
    if (!nb)
        return;
    struct vg_syn_entry **old = sc->bucket;
    uint32_t oldn = sc->nbuckets;
    sc->bucket = nb;
    sc->nbuckets = n;
    for (uint32_t i = 0; i < oldn; i++) {
        for (struct vg_syn_entry *e = old[i], *next; e; e = next) {
            next = e->hnext;
            size_t h = tcb_tuple_hash(s, e->laddr, e->lport, e->raddr, e->rport);
            struct vg_syn_entry **b = &nb[h & (n - 1)];
            e->hnext = *b;
            *b = e;
        }
    }
    free(old);
}

struct vg_syn_entry *syncache_lookup(struct vg_syncache *sc, uint32_t laddr, uint16_t lport,
                                     uint32_t raddr, uint16_t rport)
{
    if (!sc->count)
        return NULL;
    for (struct vg_syn_entry *e = *bucket_of(sc, laddr, lport, raddr, rport); e; e = e->hnext)
        if (e->rport == rport && e->raddr == raddr && e->lport == lport && e->laddr == laddr)
            return e;
    return NULL;
}

uint16_t synack_window(const vg_tcb *l, uint8_t wscale)
{
    return tcp_syn_wnd_field(l->rcvbuf, wscale == VG_SYN_NO_WSCALE ? 0 : wscale);
}

void synack_output(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
                   uint32_t iss, uint32_t rcv_nxt, uint16_t wnd, uint8_t wscale, uint8_t sack,
                   const uint32_t *tsecr, vg_time now)
{
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = lport;
    h.dport = rport;
    h.seq = iss;
    h.ack = rcv_nxt;
    h.flags = VG_TCP_SYN | VG_TCP_ACK;
    h.wnd = wnd;
    h.opt.has_mss = 1;
    h.opt.mss = vg_ip_mss(s, laddr);
    if (wscale != VG_SYN_NO_WSCALE) {
        h.opt.has_wscale = 1;
        h.opt.wscale = wscale;
    }
    if (tsecr) {
        h.opt.has_ts = 1;
        h.opt.ts_val = tcp_ts_val(s, laddr, raddr, now);
        h.opt.ts_ecr = *tsecr;
    }
    h.opt.sack_permitted = sack;
    tcp_emit(s, &h, laddr, raddr, NULL, 0, now);
}

static void send_synack(struct vg_syn_entry *e, vg_time now)
{
    vg_tcb *l = e->sc->listener;
    synack_output(tcb_stack(l), e->laddr, e->lport, e->raddr, e->rport, e->iss, e->irs + 1,
                  synack_window(l, e->wscale), e->wscale, e->sack_ok,
                  e->ts_ok ? &e->peer_tsval : NULL, now);
}

/* RFC 6298 backoff from 1 s, capped at VG_RTO_MAX_US as a connection's RTO is: synack_retries
 * may be up to 255, and an uncapped shift would leave the gaps unbounded (and overflow). */
static vg_time rto_after(uint8_t retries)
{
    return retries >= 6 ? VG_RTO_MAX_US : (vg_time)VG_RTO_INITIAL_US << retries;
}

vg_time syncache_sent_at(const struct vg_syn_entry *e)
{
    return e->timer.expires - rto_after(0);
}

struct vg_syn_entry *syncache_add(struct vg_syncache *sc, const struct vg_ip_pkt *ip,
                                  const struct vg_tcp_hdr *th, uint32_t iss, vg_time now)
{
    vg_stack *s = tcb_stack(sc->listener);
    struct vg_syn_entry *e = sc->spare;
    if (e) {
        sc->spare = NULL;
        memset(e, 0, sizeof *e);
    } else if (!(e = vg_zalloc(s, sizeof *e))) {
        return NULL;
    }
    if (sc->count >= sc->nbuckets)
        grow(sc);
    if (!sc->nbuckets) {
        free(e);
        return NULL;
    }
    vg_timer_init(&e->timer);
    vg_timer_set_kind(&e->timer, VG_TIMER_SYNCACHE);
    e->sc = sc;
    e->laddr = ip->dst;
    e->raddr = ip->src;
    vg_addr_hold(s, e->laddr);
    vg_addr_hold(s, e->raddr);
    e->lport = th->dport;
    e->rport = th->sport;
    e->irs = th->seq;
    e->iss = iss;
    e->peer_mss = th->opt.has_mss ? th->opt.mss : 0;
    e->peer_wnd = th->wnd;
    e->peer_wscale = th->opt.has_wscale ? th->opt.wscale : VG_SYN_NO_WSCALE;
    e->wscale = th->opt.has_wscale ? tcp_rcv_wscale_for(tcp_rcvbuf_limit(sc->listener)) : VG_SYN_NO_WSCALE;
    e->ts_ok = th->opt.has_ts && !s->cfg.no_timestamps;
    e->peer_tsval = th->opt.ts_val;
    e->sack_ok = th->opt.sack_permitted && !s->cfg.no_sack;
    struct vg_syn_entry **b = bucket_of(sc, e->laddr, e->lport, e->raddr, e->rport);
    e->hnext = *b;
    *b = e;
    e->older = sc->newest;
    if (sc->newest)
        sc->newest->newer = e;
    else
        sc->oldest = e;
    sc->newest = e;
    sc->count++;
    s->stats.syncache_added++;
    s->stats.syncache_live++;
    send_synack(e, now);
    vg_wheel_arm(&s->wheel, &e->timer, now + rto_after(0));
    s->stats.timer_arms++;
    return e;
}

void syncache_remove(struct vg_syn_entry *e)
{
    struct vg_syncache *sc = e->sc;
    vg_stack *s = tcb_stack(sc->listener);
    if (vg_timer_armed(&e->timer)) {
        vg_wheel_cancel(&s->wheel, &e->timer);
        s->stats.timer_cancels++;
    }
    for (struct vg_syn_entry **pp = bucket_of(sc, e->laddr, e->lport, e->raddr, e->rport); *pp;
         pp = &(*pp)->hnext)
        if (*pp == e) {
            *pp = e->hnext;
            break;
        }
    if (e->older)
        e->older->newer = e->newer;
    else
        sc->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        sc->newest = e->older;
    sc->count--;
    s->stats.syncache_live--;
    vg_addr_drop(s, e->laddr);
    vg_addr_drop(s, e->raddr);
    if (sc->spare)
        free(e);
    else
        sc->spare = e;
}

void syncache_evict_oldest(struct vg_syncache *sc)
{
    if (!sc->oldest)
        return;
    tcb_stack(sc->listener)->stats.syncache_evicted++;
    syncache_remove(sc->oldest);
}

/* A bare segment from e's half-open end: SEQ = ISS+1, ACK = the peer's SYN + 1. */
static void entry_segment(struct vg_syn_entry *e, uint8_t flags, uint16_t wnd, vg_time now)
{
    vg_stack *s = tcb_stack(e->sc->listener);
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = e->lport;
    h.dport = e->rport;
    h.seq = e->iss + 1;
    h.ack = e->irs + 1;
    h.flags = flags;
    h.wnd = wnd;
    if (e->ts_ok && !(flags & VG_TCP_RST)) {    /* RFC 7323 §3.2: as on every later segment */
        h.opt.has_ts = 1;
        h.opt.ts_val = tcp_ts_val(s, e->laddr, e->raddr, now);
        h.opt.ts_ecr = e->peer_tsval;
    }
    tcp_emit(s, &h, e->laddr, e->raddr, NULL, 0, now);
}

void syncache_clear(struct vg_syncache *sc, int reset, vg_time now)
{
    while (sc->oldest) {
        struct vg_syn_entry *e = sc->oldest;
        if (reset) {
            tcb_stack(sc->listener)->stats.tcp_rst_sent++;
            entry_segment(e, VG_TCP_RST | VG_TCP_ACK, 0, now);
        }
        syncache_remove(e);
    }
    free(sc->bucket);
    sc->bucket = NULL;
    sc->nbuckets = 0;
    free(sc->spare);
    sc->spare = NULL;
}

void syncache_resend(struct vg_syn_entry *e, vg_time now) { send_synack(e, now); }

void syncache_challenge_ack(struct vg_syn_entry *e, vg_time now)
{
    vg_stack *s = tcb_stack(e->sc->listener);
    /* One budget for half-open and synchronised ends: two would let an attacker exhaust one
     * from its own half-open entries and read the other (CVE-2016-5696). */
    if (tcp_oow_limited_stamp(s, &e->oow_last_ms, now) || !tcp_challenge_budget_take(s, now)) {
        s->stats.tcp_challenge_acks_suppressed++;
        return;
    }
    s->stats.tcp_challenge_acks++;
    /* Not a SYN: the field is scaled once both SYNs offered scaling (RFC 7323 §2.2). */
    uint8_t shift = e->wscale == VG_SYN_NO_WSCALE ? 0 : e->wscale;
    entry_segment(e, VG_TCP_ACK, tcp_wnd_field(e->sc->listener->rcvbuf, shift), now);
}

void vg_syncache_timer_fire(vg_stack *s, struct vg_timer *tm, vg_time now)
{
    struct vg_syn_entry *e = (struct vg_syn_entry *)((char *)tm - offsetof(struct vg_syn_entry, timer));
    if (e->retries >= s->cfg.synack_retries) {
        s->stats.syncache_expired++;
        syncache_remove(e);
        return;
    }
    e->retries++;
    send_synack(e, now);
    s->stats.tcp_retransmits++;
    /* RFC 6298 §5.5: the timeout doubles after each resend. */
    vg_wheel_arm(&s->wheel, &e->timer, now + rto_after(e->retries));
    s->stats.timer_arms++;
}
