/* The transmission control block and the calls the TCP modules make to each other. */
#ifndef VG_TCB_H
#define VG_TCB_H

#include "stack/stack.h"
#include "tcp/rack.h"
#include "tcp/ring.h"
#include "tcp/syncache.h"
#include "tcp/tcb_pool.h"
#include "tcp/tcb_xfer.h"

/* Sequence-number comparisons modulo 2^32 (RFC 9293 §3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define VG_RCV_WSCALE_MAX 7          /* the largest shift we offer (for 65535 << 7 octets) */
#define VG_RTO_INITIAL_US 1000000u   /* RFC 6298 §2.1 */
#define VG_RTO_MIN_US 200000u        /* below RFC 6298's 1 s SHOULD, as Linux and Windows do */
#define VG_RTO_MAX_US 60000000u
#define VG_DELACK_US 40000u
/* Out-of-order islands a connection remembers; a segment needing one more is dropped unacked
 * (tcp_ooo_full) for the sender to resend. 64, 512 octets while out-of-order data is held: a
 * window of megabytes (autotuning's, at 6 MiB: 4,300 segments) on a path losing 1 % holds some
 * 40 holes at once, and a receiver that kept only 8 islands threw away what arrived beyond them
 * (measured over TUN: Linux resent 714 segments for 88 the path lost). */
#define VG_OOO_RANGES 64

enum {
    TF_APP_OWNED = 1u << 0,      /* the application holds a handle */
    TF_NODELAY = 1u << 1,        /* Nagle off */
    TF_KEEPALIVE = 1u << 2,
    TF_FIN_QUEUED = 1u << 3,     /* application shut down sending; FIN follows the data */
    TF_FIN_SENT = 1u << 4,
    TF_FIN_RCVD = 1u << 5,       /* the peer's FIN has been taken in sequence */
    TF_PEER_WSCALE = 1u << 6,    /* scaling in effect for this connection */
    TF_IN_TABLE = 1u << 7,
    TF_RTT_TIMING = 1u << 8,
    TF_IN_RECOVERY = 1u << 9,    /* NewReno fast recovery */
    TF_ACK_NOW = 1u << 10,
    TF_SYN_WSCALE = 1u << 11,    /* the peer's SYN carried window scale */
    TF_OOO_FIN = 1u << 12,       /* a FIN arrived ahead of missing data */
    TF_LISTENER = 1u << 13,
    TF_ACCEPT_QUEUED = 1u << 14,
    TF_DELACK_ONE = 1u << 15,    /* an ACK is owed: one full segment received, or a batch holds it (ack_batch.c) */
};

/* The TCB's second flag octet: options both ends agreed on, buffers the application fixed and
 * the congestion control the connection runs. */
enum vg_tcb_flags2 {
    TF2_TS = 1u << 0,            /* RFC 7323 timestamps on every segment: both SYNs carried them */
    TF2_SACK = 1u << 1,          /* RFC 2018 SACK: both SYNs carried SACK-permitted */
    TF2_RCVBUF_SET = 1u << 2,    /* SO_RCVBUF set by the application: no receive autotuning */
    TF2_SNDBUF_SET = 1u << 3,    /* SO_SNDBUF set by the application: no send-buffer autotuning */
    TF2_CC_SHIFT = 4,            /* bits 4-5: enum vg_cc_algo, the connection's congestion control */
    TF2_CC_MASK = 3u << 4,
    TF2_DUAL_STACK = 1u << 6,    /* an IPv6 listener on :: that takes IPv4 too (v6only off) */
};

/* A listener's two queues, apart (as Linux and FreeBSD keep them): the accept queue holds
 * established connections, bounded by min(listen backlog, cfg.max_backlog); half-open ones are
 * small SYN-cache entries, bounded by cfg.syn_queue_max, and cost no TCB. */
struct vg_listen_q {
    vg_tcb *head, *tail;         /* established connections waiting for accept */
    uint32_t backlog, queued;
    struct vg_syncache syn;      /* half-open connections */
    vg_time cookies_at;          /* last SYN cookie sent; ACKs are checked as cookies while recent */
    uint8_t cookies_sent;        /* cookies_at is valid */
};

struct vg_ooo_range { uint32_t off, len; };  /* offsets from RCV.NXT at the time of insertion */

/* ka_count's "use the system value" (VG_KA_SYSTEM in the API): the field holds 0..255. */
#define TCB_KA_COUNT_SYSTEM UINT16_MAX

/* Laid out for a million idle connections, in 224 octets (tcb_pool.c: 146 fill a 32 KiB slab):
 * the first cache line holds what the timer wheel, the 4-tuple lookup and the keep-alive check
 * read, the second what a probe and its answer touch, the third the rest of what they read
 * (close_at, the window and buffer fields, the probe count), the last half line what only a
 * handshake, a listener or an accept reads. The stack is found from the slab (tcb_stack), and
 * what only a transfer needs is in the block x (tcb_xfer.h), NULL while the connection is idle.
 * One spare octet (after recover_idle); time fields stay 64-bit microseconds (every instant is
 * exact). */
struct vg_tcb {
    /* -- line 0: wheel, lookup, state -- */
    struct vg_timer timer;       /* the single timer entry (wheel or FIFO): the earliest deadline */
    vg_tcb *hnext;               /* hash chain, or listener chain */
    uint32_t laddr, raddr;
    uint16_t lport, rport;
    uint8_t state;
    uint8_t err;                 /* enum vg_err that ended the connection */
    uint16_t flags;
    uint32_t ka_time_ms, ka_intvl_ms;   /* VG_KA_SYSTEM: the stack's value */
    struct vg_tcb_xfer *x;       /* per-transfer state (tcb_xfer.h), NULL while idle */

    /* -- line 1: a keep-alive probe and its answer -- */
    uint32_t snd_una, snd_nxt, snd_max, snd_wnd;
    uint32_t rcv_nxt, rcv_adv;
    vg_time last_rx, ka_epoch;
    struct vg_ring *snd;         /* bytes from SND.UNA on */
    struct vg_ring *rcv;         /* in-order bytes ready, then out-of-order data placed ahead */
    uint8_t ka_unanswered;
    uint8_t snd_wscale;          /* the peer's shift (0 unless both SYNs carried one) */
    uint8_t rcv_wscale;          /* ours: offered in our SYN, kept if the peer offers one too */
    uint8_t orphaned;            /* closed by the application, still finishing (orphan.c) */
    uint16_t ka_count;           /* TCB_KA_COUNT_SYSTEM: the stack's value */
    uint16_t mss;                /* what we send per segment */

    /* -- line 2: the rest of a probe's and an answer's reads -- */
    vg_time close_at;            /* TIME_WAIT or an orphan's FIN_WAIT_2 ends; VG_TIME_NEVER */
    uint32_t maxrt_ms;
    uint32_t rcvbuf, sndbuf;
    uint32_t ka_probes_sent;
    uint32_t snd_wl1, snd_wl2, max_snd_wnd;
    uint32_t cwnd, ssthresh;
    uint32_t srtt_us, rto_us;
    uint32_t oow_last_ms;        /* last reply to a rejected segment, ms + 1 (0: none; oow_limit.c) */
    void *user;

    /* -- half a line: handshake, listener, accept queue, negotiated options -- */
    uint32_t iss;
    uint32_t ts_recent;          /* RFC 7323 TS.Recent (TF2_TS): it must outlive an idle period */
    uint32_t rttvar_us;
    uint8_t soft_err;            /* SYN_SENT: enum vg_err an ICMP error reported (tcp_icmp.c) */
    uint8_t has_lq;              /* lq (not parent/aq_next) is the live member of the union */
    uint8_t recover_idle;        /* NewReno's recovery point while x is away: 0 none (a new
                                  * recovery may start), else 1 + SND.UNA - recover (tcb_xfer.c) */
    uint8_t flags2;              /* enum vg_tcb_flags2: flags holds 16 and is full */
    /* A connection has a listener until accepted; a listener has queues: never both. */
    union {
        struct {
            vg_tcb *parent;      /* listener, until accepted */
            vg_tcb *aq_next;     /* accept-queue link */
        };
        struct vg_listen_q *lq;  /* listeners only (has_lq) */
    };
};

/* 146 TCBs and the slab's 64-octet header fill a 32 KiB slab exactly (146 x 224 + 64 = 32768):
 * with the connection table's 8 octets that is under issue 11's 240 octets per idle endpoint at
 * a million connections. The next size up (232, for 8-octet alignment) fits only 140. */
_Static_assert(sizeof(struct vg_tcb) <= 224, "struct vg_tcb outgrew 146 slots a slab");

static inline int tcp_synchronized(const vg_tcb *t)
{
    return t->state >= VG_TCP_ESTABLISHED;
}

static inline struct vg_tcb_xfer *tcb_xfer_get(vg_tcb *t)
{
    return t->x ? t->x : tcb_xfer_new(t);
}

static inline void tcb_xfer_put_if_idle(vg_tcb *t)
{
    /* Most calls come with data in flight or queued, or a deadline pending (the retransmission
     * timer stays until it fires or is stopped): those need not look further. */
    const struct vg_tcb_xfer *x = t->x;
    if (x && t->snd_una == t->snd_max && !t->snd && x->rtx_at == VG_TIME_NEVER
        && x->delack_at == VG_TIME_NEVER && x->persist_at == VG_TIME_NEVER
        && x->rcv_hold_until == VG_TIME_NEVER)
        tcb_xfer_release_if_idle(t);
}

/* RACK-TLP's state when it marks the losses of the transfer under way (rack.h), else NULL. */
static inline struct vg_rack *tcb_rack(const vg_tcb *t)
{
    struct vg_rack *r = t->x ? t->x->rack : NULL;
    return r && r->live ? r : NULL;
}

static inline int tcb_rack_live(const vg_tcb *t) { return tcb_rack(t) != NULL; }

/* The transfer block's values as an idle connection has them (no block: none pending). */
static inline uint8_t tcb_nooo(const vg_tcb *t) { return t->x ? t->x->nooo : 0; }
static inline uint8_t tcb_rtx_count(const vg_tcb *t) { return t->x ? t->x->rtx_count : 0; }
static inline vg_time tcb_rtx_at(const vg_tcb *t) { return t->x ? t->x->rtx_at : VG_TIME_NEVER; }
static inline vg_time tcb_persist_at(const vg_tcb *t)
{
    return t->x ? t->x->persist_at : VG_TIME_NEVER;
}
static inline vg_time tcb_delack_at(const vg_tcb *t)
{
    return t->x ? t->x->delack_at : VG_TIME_NEVER;
}

/* Stores a TCB's addresses, holding the IPv6 ones (ip/addr6.h) and giving back what it held. */
static inline void tcb_set_addrs(vg_tcb *t, uint32_t laddr, uint32_t raddr)
{
    vg_addr_store(tcb_stack(t), &t->laddr, &t->raddr, laddr, raddr);
}

/* tcb.c */
vg_tcb *tcb_alloc(vg_stack *s);
void tcb_free(vg_tcb *t);
int tcb_table_insert(vg_stack *s, vg_tcb *t);
void tcb_table_remove(vg_stack *s, vg_tcb *t);
vg_tcb *tcb_lookup(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
/* A keyed hash of a 4-tuple for a table: SipHash-1-3 (as Linux's hsiphash) of 13 octets, the
 * little-endian words laddr·2^32 + raddr and the five octets of tag·2^32 + lport·2^16 + rport.
 * The tag octet keeps each table's input apart from every other use of the key. */
static inline uint64_t tcp_tuple_hash13(const uint8_t key[16], uint8_t tag, uint32_t laddr,
                                        uint16_t lport, uint32_t raddr, uint16_t rport)
{
    uint64_t a = (uint64_t)laddr << 32 | raddr;
    uint64_t b = (uint64_t)tag << 32 | (uint64_t)lport << 16 | rport;
    return vg_siphash13_key_u64x2_len(key, a, b, 13);
}
/* The table's keyed hash of a 4-tuple, before it is masked to the table's size. */
size_t tcb_tuple_hash(const vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                      uint16_t rport);
/* tcb_tuple_hash, from the table's memo of the tuples hashed last when it is there; remember:
 * keep it there for the lookup, insert or remove to come. The SYN cache's hash too: a
 * handshake's lookups, the SYN cache's and the table's, then hash the tuple once. */
size_t tcb_tuple_hash_memo(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                           uint16_t rport, int remember);
/* The bucket of a 4-tuple (tcb_tuple_hash_memo's low bits). */
size_t tcb_bucket_of(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
                     int remember);
vg_tcb *tcb_find_listener(vg_stack *s, uint32_t laddr, uint16_t lport);
void tcb_listener_remove(vg_stack *s, vg_tcb *t);
/* Ends the connection: CLOSED, error recorded, events emitted, freed if nobody holds it. */
void tcb_drop(vg_tcb *t, int err, vg_time now);
/* Frees t if it is CLOSED and the application released it; returns 1 if freed. */
int tcb_maybe_free(vg_tcb *t);
uint32_t tcb_isn(vg_stack *s, const vg_tcb *t, vg_time now);
/* The same ISN for a tuple without a TCB (a SYN-cache entry). */
uint32_t tcb_isn_tuple(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                       uint16_t rport, vg_time now);
void tcb_init_connection(vg_tcb *t, vg_time now);

/* tcp_listen.c */
void tcp_apply_syn_options(vg_tcb *t, const struct vg_tcp_hdr *th);
/* A segment for listener l and no connection. Returns a new connection in SYN_RECEIVED when
 * the segment completes a handshake (SYN cache or SYN cookie): the caller processes the segment
 * on it as on any connection, which establishes it and queues it for accept. */
vg_tcb *tcp_listen_input(vg_tcb *l, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *th,
                         size_t dlen, vg_time now);
/* Frees a listener's queues (tcb_free). */
void tcp_listen_q_free(vg_tcb *l);

/* tcp_window.c */
/* The shift offered for a receive buffer of space octets. */
uint8_t tcp_rcv_wscale_for(uint32_t space);
/* The window field of a segment without SYN: wnd octets under our shift, clamped. */
uint16_t tcp_wnd_field(uint32_t wnd, uint8_t shift);
/* The window field of our SYN or SYN-ACK offering shift (0: none): unscaled octets, equal to
 * the field later segments carry for the same window when that offers at least 32 KiB. */
uint16_t tcp_syn_wnd_field(uint32_t wnd, uint8_t shift);

/* tcp_output.c */
void tcp_output(vg_tcb *t, vg_time now);
void tcp_send_ack(vg_tcb *t, vg_time now);
void tcp_send_syn(vg_tcb *t, vg_time now);   /* SYN or SYN-ACK, by state */
void tcp_send_rst_for(vg_tcb *t, vg_time now);
void tcp_send_segment(vg_tcb *t, uint32_t seq, uint8_t flags, const uint8_t *data, size_t len,
                      vg_time now);
void tcp_retransmit_first(vg_tcb *t, vg_time now);
/* Resends [seq, seq+len) of data sent before (len at most one MSS; the FIN with it when it
 * ends there). Returns the sequence space resent. */
uint32_t tcp_resend_range(vg_tcb *t, uint32_t seq, uint32_t len, vg_time now);
void tcp_send_reset_reply(vg_stack *s, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *th,
                          size_t dlen, vg_time now);
uint32_t tcp_rcv_window(const vg_tcb *t);
uint32_t tcp_data_end(const vg_tcb *t);      /* sequence number after the last queued byte */

/* tcp_timer.c */
void tcp_timer_update(vg_tcb *t, vg_time now);
/* Takes the TCB's timer off the wheel or the TIME_WAIT FIFO, wherever it waits. */
void tcp_timer_cancel(vg_tcb *t);
void tcp_rtt_sample(vg_tcb *t, vg_time rtt);
void tcp_arm_rtx(vg_tcb *t, vg_time now);

/* keepalive.c */
vg_time ka_deadline(const vg_tcb *t);
int ka_fire(vg_tcb *t, vg_time now);           /* 1 when it aborted (t may be freed) */
void ka_on_receive(vg_tcb *t, vg_time now);
uint32_t ka_eff_time_ms(const vg_tcb *t);
uint32_t ka_eff_intvl_ms(const vg_tcb *t);
uint32_t ka_eff_count(const vg_tcb *t);

/* congestion.c: the initial window and RFC 6582 fast recovery; the algorithm's operations
 * (growth, ssthresh, RTO) are in cc.h. */
void cc_init(vg_tcb *t);
/* New data acknowledged: recovery's full and partial ACKs, else the algorithm's growth. */
void cc_on_una_advance(vg_tcb *t, uint32_t acked, vg_time now);
/* Returns 1 when the duplicate ACK triggered a fast retransmit. */
int cc_on_dupack(vg_tcb *t, vg_time now);

/* rcvq.c: the receive queue with out-of-order placement */
/* Places data at sequence seq (already trimmed to the window); returns bytes newly in order. */
uint32_t rcvq_place(vg_tcb *t, uint32_t seq, const uint8_t *data, uint32_t len);
void rcvq_free(vg_tcb *t);

/* sack_rx.c: SACK blocks on our ACKs (RFC 2018), D-SACK (RFC 2883) */
/* An out-of-order segment starting at seq was just placed (its island is the newest). */
void sack_rx_note(vg_tcb *t, uint32_t seq);
/* [start, end) arrived again: the next ACK reports it first. */
void sack_rx_dup(vg_tcb *t, uint32_t start, uint32_t end);
/* 1 when an ACK of t now carries SACK blocks. */
int sack_rx_wanted(const vg_tcb *t);
/* The blocks for an ACK, in o->sack (o->nsack of them), in room octets of option space. */
void sack_rx_blocks(vg_tcb *t, struct vg_tcp_opts *o, size_t room);
/* The option space a SACK option may take on a segment of t: what the timestamps leave. */
static inline size_t tcp_sack_room(const vg_tcb *t)
{
    return VG_TCP_MAX_OPT_LEN - ((t->flags2 & TF2_TS) ? 12u : 0u);
}

/* sack_recovery.c: RFC 6675 loss recovery with RFC 6937 PRR, for connections with TF2_SACK */
/* The SACK blocks of an acceptable ACK th, taken into the scoreboard before SND.UNA moves.
 * Returns the octets newly SACKed. Bad blocks are ignored and counted; D-SACKs counted. */
uint32_t sack_take_blocks(vg_tcb *t, const struct vg_tcp_hdr *th);
/* An ACK that advanced SND.UNA by acked, or (acked 0) a duplicate that SACKed newly octets:
 * recovery starts, continues or ends here, and outside it the window grows (cc_on_ack). */
void sack_on_ack(vg_tcb *t, uint32_t acked, uint32_t newly, vg_time now);
/* A retransmission timeout: the marks go (RFC 2018 §8, RFC 6675 §5.1) and recovery ends. */
void sack_on_timeout(vg_tcb *t);
/* RACK's reordering timer marked octets lost: recovery starts or resends them. */
void sack_on_rack_loss(vg_tcb *t, vg_time now);

#endif
