/* TCB lifetime and the connection tables. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_autotune.h"
#include "tcp/tcb.h"
#include "tcp/ack_batch.h"
#include "tcp/orphan.h"
#include "tcp/tcb_pool.h"

/* The 13 octets tag, laddr, lport, raddr, rport (network order, each field at its own offset,
 * after a one-octet tag naming what the hash is for: no two tuples, and no two uses, share a
 * SipHash input), as vg_siphash24_key_u64x2's two little-endian words: octets 0-7 and 8-12. A
 * byte swap puts a field's network-order octets in a little-endian word. */
static uint64_t tuple_hash24(const uint8_t key[16], uint8_t tag, uint32_t laddr, uint16_t lport,
                             uint32_t raddr, uint16_t rport)
{
    uint64_t ra = __builtin_bswap32(raddr);
    uint64_t a = tag | (uint64_t)__builtin_bswap32(laddr) << 8
                 | (uint64_t)__builtin_bswap16(lport) << 40 | (ra & 0xff) << 56;
    uint64_t b = ra >> 8 | (uint64_t)__builtin_bswap16(rport) << 24;
    return vg_siphash24_key_u64x2(key, a, b, 13);
}

#define TUPLE_TAG_ISN 'I'
#define TUPLE_TAG_TABLE 'T'

/* Keyed, as Linux keys inet_ehashfn: with an unkeyed hash a remote host could choose ports that
 * all land in one chain and make every lookup a walk of the whole table (hash flooding). Every
 * segment pays for it, so SipHash-1-3 of two words, as Linux's hsiphash: a bucket index is not a
 * secret an observer reads, only one it must not be able to aim at. The tag keeps this input
 * apart from every other use of the key (the ISN's SipHash-2-4 of 13 octets among them). */
size_t tcb_tuple_hash(const vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                      uint16_t rport)
{
    return (size_t)tcp_tuple_hash13(s->secret, TUPLE_TAG_TABLE, laddr, lport, raddr, rport);
}

/* A hint's tuple and valid word are its first 16 octets, without padding: two word compares
 * instead of five field compares, for a memo asked a dozen times a connection. */
_Static_assert(offsetof(struct vg_lookup_hint, valid) == 12 && sizeof(uint32_t) == 4,
               "a hint's tuple and valid word fill its first 16 octets");
struct hint_key { uint64_t w[2]; };

static struct hint_key hint_key_of(const struct vg_lookup_hint *k)
{
    struct hint_key h;
    memcpy(h.w, k, sizeof h.w);
    return h;
}

/* Not in the memo: hashed, and remembered if asked. Out of line, so the memo's test inlines. */
static __attribute__((noinline)) size_t memo_miss(vg_stack *s, struct vg_lookup_hint *probe,
                                                  int remember)
{
    probe->hash = tcb_tuple_hash(s, probe->laddr, probe->lport, probe->raddr, probe->rport);
    if (remember)
        vg_lookup_remember(s->conns.hint, &s->conns.next_hint, probe);
    return probe->hash;
}

static inline size_t memo_hash(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                               uint16_t rport, int remember)
{
    const struct vg_tcb_table *tab = &s->conns;
    struct vg_lookup_hint probe = {laddr, raddr, lport, rport, 1, 0};
    struct hint_key want = hint_key_of(&probe);
    /* Newest first: a flow's segments come in runs, so the tuple remembered last is most often
     * the one asked for. */
    for (unsigned i = 1; i <= VG_LOOKUP_HINTS; i++) {
        const struct vg_lookup_hint *h = &tab->hint[(tab->next_hint - i) % VG_LOOKUP_HINTS];
        struct hint_key k = hint_key_of(h);
        if (((k.w[0] ^ want.w[0]) | (k.w[1] ^ want.w[1])) == 0)
            return h->hash;
    }
    return memo_miss(s, &probe, remember);
}

vg_tcb *tcb_alloc(vg_stack *s)
{
    /* cfg.max_tcbs bounds every TCB, listeners and connections still closing included: an active
     * open then fails with VG_ERR_NOBUFS and a passive one is not created. */
    if (s->stats.tcbs_live >= s->cfg.max_tcbs) {
        s->stats.tcp_tcb_limit++;
        return NULL;
    }
    vg_tcb *t = tcb_pool_get(s);
    if (!t)
        return NULL;
    vg_timer_init(&t->timer);
    t->close_at = VG_TIME_NEVER;
    t->ka_time_ms = t->ka_intvl_ms = VG_KA_SYSTEM;
    t->ka_count = TCB_KA_COUNT_SYSTEM;
    t->maxrt_ms = VG_MAXRT_DEFAULT;
    t->sndbuf = s->cfg.sndbuf;
    t->rcvbuf = s->cfg.rcvbuf;
    t->flags2 = (uint8_t)((t->flags2 & ~TF2_CC_MASK) | (s->cfg.cc << TF2_CC_SHIFT));
    t->mss = vg_ip_mss(s, 0);   /* the family's own once the addresses are known */
    t->rto_us = VG_RTO_INITIAL_US;
    s->stats.tcbs_live++;
    return t;
}

void tcb_free(vg_tcb *t)
{
    vg_stack *s = tcb_stack(t);
    tcp_ack_batch_forget(t);
    if (t->flags & TF_IN_TABLE)
        tcb_table_remove(s, t);
    if (t->flags & TF_LISTENER)
        tcb_listener_remove(s, t);
    tcp_timer_cancel(t);
    if (t->lport)
        vg_port_unref(s, t->lport);
    tcb_set_addrs(t, 0, 0);
    vg_ring_free(s, &t->snd);
    rcvq_free(t);
    tcb_xfer_free(t);
    tcp_listen_q_free(t);
    s->stats.tcbs_live--;
    tcb_pool_put(s, t);
}

static int table_grow(vg_stack *s, struct vg_tcb_table *tab)
{
    size_t n = tab->nbuckets * 2;
    vg_tcb **nb = vg_zalloc(s, n * sizeof *nb);
    if (!nb)
        return -1;
    for (size_t i = 0; i < tab->nbuckets; i++) {
        vg_tcb *t = tab->bucket[i];
        while (t) {
            vg_tcb *next = t->hnext;
            size_t h = tcb_tuple_hash(s, t->laddr, t->lport, t->raddr, t->rport) & (n - 1);
            t->hnext = nb[h];
            nb[h] = t;
            t = next;
        }
    }
    free(tab->bucket);
    tab->bucket = nb;
    tab->nbuckets = n;
    return 0;
}

int tcb_table_insert(vg_stack *s, vg_tcb *t)
{
    struct vg_tcb_table *tab = &s->conns;
    if (tab->count >= tab->nbuckets)
        table_grow(s, tab);   /* a failed grow only lengthens chains */
    size_t h = memo_hash(s, t->laddr, t->lport, t->raddr, t->rport, 1) & (tab->nbuckets - 1);
    t->hnext = tab->bucket[h];
    tab->bucket[h] = t;
    tab->count++;
    t->flags |= TF_IN_TABLE;
    return 0;
}

void tcb_table_remove(vg_stack *s, vg_tcb *t)
{
    struct vg_tcb_table *tab = &s->conns;
    size_t h = memo_hash(s, t->laddr, t->lport, t->raddr, t->rport, 0) & (tab->nbuckets - 1);
    for (vg_tcb **pp = &tab->bucket[h]; *pp; pp = &(*pp)->hnext)
        if (*pp == t) {
            *pp = t->hnext;
            tab->count--;
            break;
        }
    t->hnext = NULL;
    t->flags &= (uint16_t)~TF_IN_TABLE;
}

size_t tcb_tuple_hash_memo(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                           uint16_t rport, int remember)
{
    return memo_hash(s, laddr, lport, raddr, rport, remember);
}

size_t tcb_bucket_of(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
                     int remember)
{
    return memo_hash(s, laddr, lport, raddr, rport, remember) & (s->conns.nbuckets - 1);
}

vg_tcb *tcb_lookup(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
    struct vg_tcb_table *tab = &s->conns;
    /* Remembered: a connection's segments come in runs (a handshake, a window of data, the
     * close), and its insert and remove follow a lookup of the same tuple. */
    size_t h = memo_hash(s, laddr, lport, raddr, rport, 1) & (tab->nbuckets - 1);
    for (vg_tcb *t = tab->bucket[h]; t; t = t->hnext)
        if (t->lport == lport && t->rport == rport && t->raddr == raddr && t->laddr == laddr)
            return t;
    return NULL;
}

vg_tcb *tcb_find_listener(vg_stack *s, uint32_t laddr, uint16_t lport)
{
    vg_tcb *wild = NULL;
    uint32_t any = vg_addr_any_of(laddr);
    for (vg_tcb *t = s->listeners; t; t = t->hnext) {
        if (t->lport != lport)
            continue;
        if (t->laddr == laddr)
            return t;
        if (t->laddr == any)
            wild = t;
        else if (!any && t->laddr == VG_ADDR6_ANY && (t->flags2 & TF2_DUAL_STACK) && !wild)
            wild = t;                 /* IPv4 to a dual-stack socket (bind keeps it alone) */
    }
    return wild;
}

void tcb_listener_remove(vg_stack *s, vg_tcb *t)
{
    for (vg_tcb **pp = &s->listeners; *pp; pp = &(*pp)->hnext)
        if (*pp == t) {
            *pp = t->hnext;
            break;
        }
    t->hnext = NULL;
    t->flags &= (uint16_t)~TF_LISTENER;
}

/* A connection dying before accept() leaves its listener's accept queue (only queued ones have
 * a parent: half-open connections are SYN-cache entries, not TCBs). */
static void unlink_from_parent(vg_tcb *t)
{
    if (t->has_lq)
        return;                   /* a listener: the union holds its queues */
    vg_tcb *l = t->parent;
    if (!l || !l->lq)
        return;
    if (t->flags & TF_ACCEPT_QUEUED) {
        for (vg_tcb **pp = &l->lq->head; *pp; pp = &(*pp)->aq_next)
            if (*pp == t) {
                *pp = t->aq_next;
                if (l->lq->tail == t) {
                    l->lq->tail = NULL;
                    for (vg_tcb *q = l->lq->head; q; q = q->aq_next)
                        l->lq->tail = q;
                }
                break;
            }
        l->lq->queued--;
        t->flags &= (uint16_t)~TF_ACCEPT_QUEUED;
    }
    t->parent = NULL;
    t->aq_next = NULL;
}

int tcb_maybe_free(vg_tcb *t)
{
    if (t->state != VG_TCP_CLOSED || (t->flags & TF_APP_OWNED))
        return 0;
    unlink_from_parent(t);
    tcb_free(t);
    return 1;
}

void tcb_drop(vg_tcb *t, int err, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    int was_open = t->state != VG_TCP_CLOSED;
    tcp_orphan_end(t);
    if (err && !t->err)
        t->err = (uint8_t)err;
    if (t->flags & TF_IN_TABLE)
        tcb_table_remove(s, t);
    t->state = VG_TCP_CLOSED;
    t->close_at = VG_TIME_NEVER;
    if (t->x) {
        t->x->rtx_at = t->x->persist_at = t->x->delack_at = VG_TIME_NEVER;
        tcb_xfer_release_if_idle(t);
    }
    vg_ring_free(s, &t->snd);
    if (was_open) {
        if (err)
            vg_stack_emit(s, VG_EV_ABORTED, t, now, err, 0);
        vg_stack_emit(s, VG_EV_CLOSED, t, now, err, 0);
    }
    tcb_maybe_free(t);
}

uint32_t tcb_isn(vg_stack *s, const vg_tcb *t, vg_time now)
{
    return tcb_isn_tuple(s, t->laddr, t->lport, t->raddr, t->rport, now);
}

uint32_t tcb_isn_tuple(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                       uint16_t rport, vg_time now)
{
    /* RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M the
     * 4-microsecond clock and F SipHash-2-4 over the tuple, so an off-path attacker who does not
     * know the key cannot tell one connection's ISN from another's. */
    return (uint32_t)tuple_hash24(s->secret, TUPLE_TAG_ISN, vg_addr_word(s, laddr), lport,
                                  vg_addr_word(s, raddr), rport)
           + (uint32_t)(now / 4);
}

void tcb_init_connection(vg_tcb *t, vg_time now)
{
    t->iss = tcb_isn(tcb_stack(t), t, now);
    t->snd_una = t->iss;
    t->snd_nxt = t->iss;
    t->snd_max = t->iss;
    t->last_rx = now;
    t->rto_us = VG_RTO_INITIAL_US;
    /* Fixed now: the shift must carry the largest buffer autotuning may grow to. */
    t->rcv_wscale = tcp_rcv_wscale_for(tcp_rcvbuf_limit(t));
    cc_init(t);
}

void vg_tcp_free_all(vg_stack *s)
{
    vg_tcb *t;
    while ((t = tcb_pool_next(s, NULL)) != NULL) {
        if (!t->has_lq)
            t->parent = NULL;
        tcb_free(t);
    }
    tcb_pool_release(s);
    tcb_xfer_spares_free(s);
}
