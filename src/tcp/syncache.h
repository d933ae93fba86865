/* The SYN cache: half-open passive connections as small entries, not TCBs (as FreeBSD's
 * syncache and Linux's request socks), so SYNs from spoofed addresses cost a bounded, small
 * amount of memory and never a connection slot. One cache per listener, bounded by
 * cfg.syn_queue_max, found by 4-tuple through a keyed hash. Each entry owns one wheel entry:
 * its SYN-ACK is resent at exact RFC 6298 instants (1 s, doubling) and the entry expires after
 * cfg.synack_retries resends, without any scan of the cache. */
#ifndef VG_SYNCACHE_H
#define VG_SYNCACHE_H

#include "stack/stack.h"

#define VG_SYN_NO_WSCALE 0xffu

struct vg_syncache;

struct vg_syn_entry {
    struct vg_timer timer;              /* next SYN-ACK resend, or expiry */
    struct vg_syn_entry *hnext;         /* hash chain */
    struct vg_syn_entry *older, *newer; /* age order: the oldest is evicted first */
    struct vg_syncache *sc;
    uint32_t laddr, raddr;
    uint32_t irs, iss;
    uint16_t lport, rport;
    uint16_t peer_mss;                  /* 0: the SYN carried none */
    uint16_t peer_wnd;                  /* the SYN's window (never scaled) */
    uint8_t peer_wscale;                /* VG_SYN_NO_WSCALE: the SYN offered no scaling */
    uint8_t wscale;                     /* the shift our SYN-ACK offers; VG_SYN_NO_WSCALE: none */
    uint8_t retries;                    /* SYN-ACKs resent so far */
    uint8_t ts_ok;                      /* the SYN offered timestamps and we use them: the
                                         * SYN-ACK answers with them, peer_tsval its TSecr */
    uint32_t peer_tsval;                /* the SYN's TSval: the connection's first TS.Recent */
    uint8_t sack_ok;                    /* the SYN permitted SACK and we offer it: the SYN-ACK does */
    uint32_t oow_last_ms;               /* last challenge ACK (tcp/oow_limit.c) */
};

struct vg_syncache {
    vg_tcb *listener;
    struct vg_syn_entry **bucket;       /* allocated on the first entry; a power of two */
    uint32_t nbuckets, count;
    struct vg_syn_entry *oldest, *newest;
    struct vg_syn_entry *spare;         /* the last entry removed, for the next SYN: one
                                         * allocation and free a connection fewer */
};

void syncache_init(struct vg_syncache *sc, vg_tcb *listener);
/* Removes every entry; with reset, each half-open peer is told by an RST (listener closing). */
void syncache_clear(struct vg_syncache *sc, int reset, vg_time now);
struct vg_syn_entry *syncache_lookup(struct vg_syncache *sc, uint32_t laddr, uint16_t lport,
                                     uint32_t raddr, uint16_t rport);
/* A new entry for the SYN th from ip (the caller made room); NULL when allocation failed. */
struct vg_syn_entry *syncache_add(struct vg_syncache *sc, const struct vg_ip_pkt *ip,
                                  const struct vg_tcp_hdr *th, uint32_t iss, vg_time now);
void syncache_remove(struct vg_syn_entry *e);
/* Drops the oldest entry (cache full, cookies off). */
void syncache_evict_oldest(struct vg_syncache *sc);
/* Resends e's SYN-ACK now (a retransmitted SYN asked for it). */
void syncache_resend(struct vg_syn_entry *e, vg_time now);
/* A pure ACK from e's half-open end (challenge ACK), within the same per-connection limit and
 * randomised stack-wide budget as a connection's (tcp/oow_limit.c). */
void syncache_challenge_ack(struct vg_syn_entry *e, vg_time now);
/* When the first SYN-ACK of e went out (only meaningful while e->retries == 0). */
vg_time syncache_sent_at(const struct vg_syn_entry *e);

/* A SYN-ACK built without a TCB (SYN cache and SYN cookies). wscale VG_SYN_NO_WSCALE: none;
 * sack: it carries SACK-permitted; tsecr: the timestamps option's echo (the peer's SYN TSval),
 * NULL for a SYN-ACK without it. */
void synack_output(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
                   uint32_t iss, uint32_t rcv_nxt, uint16_t wnd, uint8_t wscale, uint8_t sack,
                   const uint32_t *tsecr, vg_time now);
/* The window a SYN-ACK from listener l offering wscale advertises (never scaled). */
uint16_t synack_window(const vg_tcb *l, uint8_t wscale);

#endif
