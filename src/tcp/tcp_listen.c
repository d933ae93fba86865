/* Passive open. A SYN to a listener costs no TCB: it becomes a small SYN-cache entry
 * (syncache.c), or, when the cache is full or cfg.syncookies says so, a SYN cookie
 * (syncookie.c) that costs nothing at all. Only the ACK that completes the handshake creates the
 * connection, in SYN_RECEIVED, which the ordinary segment path then establishes and queues for
 * accept. The accept queue is bounded apart from the SYN queue, so half-open connections never
 * lock out established ones. */
#include <stdlib.h>
#include <string.h>

#include "tcp/syncookie.h"
#include "tcp/tcb.h"
#include "tcp/tcp_ts.h"

/* A cookie is good for two minute counters; so long after the last one sent, an ACK for no
 * connection may be one. Otherwise it is not even hashed: it gets the RST any stray ACK gets. */
#define COOKIE_LIFETIME_US VG_MS(120000)

/* The peer's SYN options decide our segment size and whether window scaling is in effect
 * (RFC 9293 §3.7.1, RFC 7323 §2.2). t->rcv_wscale holds the shift our SYN offers (or will):
 * it stays when the peer offers one too, and is 0 otherwise. */
void tcp_apply_syn_options(vg_tcb *t, const struct vg_tcp_hdr *th)
{
    uint16_t ours = vg_ip_mss(tcb_stack(t), t->laddr);
    uint16_t peer = th->opt.has_mss ? th->opt.mss : 536;
    if (peer < 64)
        peer = 64;
    t->mss = peer < ours ? peer : ours;
    /* Every segment then carries the timestamps option: its payload gives up the 12 octets so
     * the datagram still fits the MTU (as Linux's tcp_current_mss). */
    t->mss = (uint16_t)(t->mss - tcp_ts_syn_negotiate(t, th));
    if (th->opt.has_wscale) {
        t->flags |= TF_SYN_WSCALE | TF_PEER_WSCALE;
        t->snd_wscale = th->opt.wscale > 14 ? 14 : th->opt.wscale;
    } else {
        t->snd_wscale = 0;
        t->rcv_wscale = 0;
    }
    /* SACK when the peer's SYN permits it and we offer it (our SYN, or the SYN-ACK's answer). */
    if (th->opt.sack_permitted && !tcb_stack(t)->cfg.no_sack)
        t->flags2 |= TF2_SACK;
    else
        t->flags2 &= (uint8_t)~TF2_SACK;
}

static void inherit(vg_tcb *c, const vg_tcb *l)
{
    /* Accepted sockets take the listening socket's options, keep-alive included. */
    c->flags |= l->flags & (TF_NODELAY | TF_KEEPALIVE);
    c->ka_time_ms = l->ka_time_ms;
    c->ka_intvl_ms = l->ka_intvl_ms;
    c->ka_count = l->ka_count;
    c->maxrt_ms = l->maxrt_ms;
    c->sndbuf = l->sndbuf;
    c->rcvbuf = l->rcvbuf;
    c->flags2 |= l->flags2 & (TF2_RCVBUF_SET | TF2_SNDBUF_SET);
    c->flags2 = (uint8_t)((c->flags2 & ~TF2_CC_MASK) | (l->flags2 & TF2_CC_MASK));
}

void tcp_listen_q_free(vg_tcb *l)
{
    if (!l->has_lq)
        return;                   /* never listened: the union holds parent and aq_next */
    syncache_clear(&l->lq->syn, 0, 0);
    free(l->lq);
    l->lq = NULL;
    l->has_lq = 0;
}

static int accept_queue_full(vg_tcb *l)
{
    if (l->lq->queued < l->lq->backlog)
        return 0;
    tcb_stack(l)->stats.listen_overflows++;
    return 1;
}

/* The half-open connection the SYN cache or a cookie vouched for, as the handshake left it:
 * SYN_RECEIVED with our SYN outstanding, options and settings as any passive open. */
static vg_tcb *child_new(vg_tcb *l, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *ack,
                         uint32_t iss, uint32_t irs, uint16_t peer_mss, uint8_t peer_wscale,
                         uint8_t wscale, uint8_t sack, uint16_t peer_wnd,
                         const uint32_t *peer_tsval, vg_time now)
{
    vg_stack *s = tcb_stack(l);
    vg_tcb *c = tcb_alloc(s);          /* refused at cfg.max_tcbs */
    if (!c)
        return NULL;
    if (vg_port_ref(s, ack->dport)) {
        tcb_free(c);
        return NULL;
    }
    tcb_set_addrs(c, ip->dst, ip->src);
    c->lport = ack->dport;
    c->rport = ack->sport;
    inherit(c, l);
    c->parent = l;
    struct vg_tcp_hdr syn;
    memset(&syn, 0, sizeof syn);
    syn.opt.has_mss = peer_mss != 0;
    syn.opt.mss = peer_mss;
    syn.opt.has_wscale = peer_wscale != VG_SYN_NO_WSCALE;
    syn.opt.wscale = syn.opt.has_wscale ? peer_wscale : 0;
    syn.opt.has_ts = peer_tsval != NULL;
    syn.opt.ts_val = peer_tsval ? *peer_tsval : 0;
    syn.opt.sack_permitted = sack;
    c->rcv_wscale = wscale == VG_SYN_NO_WSCALE ? 0 : wscale;   /* what the SYN-ACK offered */
    tcp_apply_syn_options(c, &syn);
    c->rto_us = VG_RTO_INITIAL_US;
    cc_init(c);
    c->last_rx = now;
    c->ka_epoch = now;
    c->iss = iss;
    c->snd_una = iss;
    c->snd_nxt = iss + 1;
    c->snd_max = iss + 1;
    c->rcv_nxt = irs + 1;
    c->rcv_adv = c->rcv_nxt + synack_window(l, wscale);
    c->snd_wnd = peer_wnd;
    c->snd_wl1 = irs;
    c->state = VG_TCP_SYN_RECEIVED;
    tcb_table_insert(s, c);
    return c;
}

static uint32_t passive_isn(vg_stack *s, const struct vg_ip_pkt *ip,
                            const struct vg_tcp_hdr *th, vg_time now)
{
    /* The same RFC 6528 ISN a connection with this 4-tuple would get. */
    return tcb_isn_tuple(s, ip->dst, th->dport, ip->src, th->sport, now);
}

static void send_cookie(vg_tcb *l, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *th,
                        vg_time now)
{
    vg_stack *s = tcb_stack(l);
    uint16_t mss;
    uint32_t iss = syncookie_make(s, ip->dst, th->dport, ip->src, th->sport, th->seq,
                                  th->opt.has_mss ? th->opt.mss : 0, now, &mss);
    synack_output(s, ip->dst, th->dport, ip->src, th->sport, iss, th->seq + 1,
                  synack_window(l, VG_SYN_NO_WSCALE), VG_SYN_NO_WSCALE, 0, NULL, now);
    s->stats.syncookies_sent++;
    l->lq->cookies_at = now;
    l->lq->cookies_sent = 1;
}

static void syn_input(vg_tcb *l, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *th,
                      vg_time now)
{
    vg_stack *s = tcb_stack(l);
    struct vg_syncache *sc = &l->lq->syn;
    /* As Linux: with no room to accept, a SYN is dropped; the client's retransmission retries
     * once the application has accepted. */
    if (accept_queue_full(l))
        return;
    uint8_t mode = s->cfg.syncookies;
    if (mode != VG_SYNCOOKIES_ALWAYS) {
        if (sc->count >= s->cfg.syn_queue_max) {
            if (mode != VG_SYNCOOKIES_OFF) {
                send_cookie(l, ip, th, now);
                return;
            }
            while (sc->count >= s->cfg.syn_queue_max)
                syncache_evict_oldest(sc);
        }
        if (syncache_add(sc, ip, th, passive_isn(s, ip, th, now), now))
            return;
        if (mode == VG_SYNCOOKIES_OFF)
            return;                    /* out of memory: the SYN's retransmission retries */
    }
    send_cookie(l, ip, th, now);
}

/* RFC 5961 §3 for a half-open entry: an RST exactly at RCV.NXT ends it, one elsewhere in the
 * window gets a challenge ACK, any other is ignored. */
static void entry_rst(vg_tcb *l, struct vg_syn_entry *e, const struct vg_tcp_hdr *th,
                      vg_time now)
{
    uint32_t rcv_nxt = e->irs + 1;
    if (th->seq == rcv_nxt)
        syncache_remove(e);
    else if (SEQ_GT(th->seq, rcv_nxt) && SEQ_LT(th->seq, rcv_nxt + synack_window(l, e->wscale)))
        syncache_challenge_ack(e, now);
}

static vg_tcb *entry_ack(vg_tcb *l, struct vg_syn_entry *e, const struct vg_ip_pkt *ip,
                         const struct vg_tcp_hdr *th, size_t dlen, vg_time now)
{
    vg_stack *s = tcb_stack(l);
    if (th->ack != e->iss + 1) {
        tcp_send_reset_reply(s, ip, th, dlen, now);   /* RFC 9293 §3.10.7.4: not our SYN's ACK */
        return NULL;
    }
    uint32_t rcv_nxt = e->irs + 1;
    if (SEQ_LT(th->seq, rcv_nxt) || SEQ_GEQ(th->seq, rcv_nxt + synack_window(l, e->wscale))) {
        syncache_challenge_ack(e, now);
        return NULL;
    }
    /* RFC 7323 §5.3 R1 here, before the connection exists: an ACK older than the SYN by its
     * TSval would pass this entry only to be dropped by the new connection's own PAWS check,
     * leaving a half-open TCB that no SYN-ACK timer ends (found by fuzz_stack). The entry stays
     * and answers, rate-limited, as for a segment out of its window. */
    if (e->ts_ok && th->opt.has_ts && SEQ_LT(th->opt.ts_val, e->peer_tsval)) {
        s->stats.tcp_paws_drops++;
        syncache_challenge_ack(e, now);
        return NULL;
    }
    /* Accept queue full: keep the entry and drop the ACK (as Linux); its SYN-ACK resends make
     * the client repeat the ACK, which succeeds once the application has accepted. */
    if (accept_queue_full(l))
        return NULL;
    vg_tcb *c = child_new(l, ip, th, e->iss, e->irs, e->peer_mss, e->peer_wscale, e->wscale,
                          e->sack_ok, e->peer_wnd, e->ts_ok ? &e->peer_tsval : NULL, now);
    if (!c)
        return NULL;
    /* The handshake's RTT sample (Karn: only if not resent), taken now rather than when this
     * ACK establishes the connection a moment later, at the same instant: so a passive open
     * needs no transfer block (tcb_xfer.h). */
    if (e->retries == 0)
        tcp_rtt_sample(c, now - syncache_sent_at(e));
    syncache_remove(e);
    return c;
}

static vg_tcb *cookie_ack(vg_tcb *l, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *th,
                          size_t dlen, vg_time now)
{
    vg_stack *s = tcb_stack(l);
    struct vg_listen_q *q = l->lq;
    int recent = q->cookies_sent && now - q->cookies_at < COOKIE_LIFETIME_US;
    if (s->cfg.syncookies != VG_SYNCOOKIES_ALWAYS && !recent) {
        tcp_send_reset_reply(s, ip, th, dlen, now);
        return NULL;
    }
    uint16_t mss;
    if (syncookie_check(s, ip->dst, th->dport, ip->src, th->sport, th->seq - 1, th->ack - 1, now,
                        &mss)) {
        s->stats.syncookies_bad++;
        tcp_send_reset_reply(s, ip, th, dlen, now);
        return NULL;
    }
    if (accept_queue_full(l))
        return NULL;                   /* the client's next segment carries the cookie again */
    /* The ACK's window is unscaled: a cookie connection has no window scaling. */
    /* A cookie encodes only the MSS: as its SYN-ACK offers no scaling, it offers no SACK. */
    vg_tcb *c = child_new(l, ip, th, th->ack - 1, th->seq - 1, mss, VG_SYN_NO_WSCALE,
                          VG_SYN_NO_WSCALE, 0, th->wnd, NULL, now);
    if (c)
        s->stats.syncookies_ok++;
    return c;
}

vg_tcb *tcp_listen_input(vg_tcb *l, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *th,
                         size_t dlen, vg_time now)
{
    vg_stack *s = tcb_stack(l);
    struct vg_syn_entry *e = syncache_lookup(&l->lq->syn, ip->dst, th->dport, ip->src, th->sport);
    if (th->flags & VG_TCP_RST) {
        if (e)
            entry_rst(l, e, th, now);
        return NULL;                   /* RFC 9293 §3.10.7.2: a listener ignores RSTs */
    }
    if ((th->flags & VG_TCP_SYN) && e) {
        /* As a connection in SYN_RECEIVED would: the SYN again means the peer lost our SYN-ACK;
         * any other SYN (a SYN-ACK of a simultaneous open too) gets an ACK (RFC 5961 §4). */
        if (th->seq == e->irs && !(th->flags & VG_TCP_ACK))
            syncache_resend(e, now);
        else
            syncache_challenge_ack(e, now);
        return NULL;
    }
    if ((th->flags & (VG_TCP_SYN | VG_TCP_ACK)) == (VG_TCP_SYN | VG_TCP_ACK)) {
        tcp_send_reset_reply(s, ip, th, dlen, now);
        return NULL;
    }
    if (th->flags & VG_TCP_SYN) {
        syn_input(l, ip, th, now);
        return NULL;
    }
    if (!(th->flags & VG_TCP_ACK))
        return NULL;
    return e ? entry_ack(l, e, ip, th, dlen, now) : cookie_ack(l, ip, th, dlen, now);
}
