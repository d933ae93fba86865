/* The stack object and the internal calls its layers make to each other. Not a public header. */
#ifndef VG_STACK_INTERNAL_H
#define VG_STACK_INTERNAL_H

#include "ip/addr6.h"
#include "timer/fifo.h"
#include "timer/wheel.h"
#include "util/prng.h"
#include "util/siphash.h"
#include "vigil/vigil.h"
#include "wire/wire.h"

struct vg_udp;
struct vg_tcb_xfer;

/* RFC 6056 algorithm 4: connects to destinations hashing to different slots draw from
 * different counters, so one destination's ports say nothing about another's. */
#define VG_PORT_PERTURB_LEN 256
#define VG_PORT_EPHEMERAL_MIN 49152u
#define VG_PORT_EPHEMERAL_COUNT 16384u

/* Where a transport segment starts in vg_stack.frame: the link's headroom, then 40 octets the
 * IP layer fills backwards (the IPv4 header, an IPv6 one later). */
#define VG_FRAME_IP_ROOM 40u
#define VG_FRAME_L4_OFF (VG_FRAME_HEADROOM + VG_FRAME_IP_ROOM)

/* Emptied send/receive ring buffers a stack keeps for the next ring it needs: a bulk transfer
 * empties and refills its rings constantly, and allocating (and growing, and page-faulting) a
 * buffer each time costs more than the data's own copies. Held outside the buffer budget and
 * counted in vg_stack_stats.mem_spare_bytes; at most this many, each at most the largest
 * sndbuf/rcvbuf in use. */
#define VG_RING_SPARES 2

/* A 4-tuple whose keyed hash was computed (for vg_stack_prefetch_input, or a lookup), so the
 * lookup, insert or remove that follows does not hash it again. The whole hash, not the bucket:
 * the table's bucket is its low bits, and the SYN cache's (of another size) too. */
struct vg_lookup_hint {
    uint32_t laddr, raddr;
    uint16_t lport, rport;
    uint32_t valid;
    size_t hash;
};
#define VG_LOOKUP_HINTS 4   /* more than the packets from a slot hint to its lookup (3) */

/* The lookup's own memo of a tuple's hash, for the lookup to come (as tcb_bucket_of keeps it). */
static inline void vg_lookup_remember(struct vg_lookup_hint *ring, unsigned *next,
                                      const struct vg_lookup_hint *k)
{
    ring[(*next)++ % VG_LOOKUP_HINTS] = *k;
}

/* The packets hinted with VG_PREFETCH_AHEAD, newest last, each taken one stage further as the
 * later ones are hinted (lookup_prefetch.c). A table that grew since (nbuckets) makes them all
 * void: the connections they fetched were in other buckets. */
#define VG_PREFETCH_PIPE 8   /* a power of two above the deepest stage's age */
struct vg_prefetch_pipe {
    struct vg_lookup_hint e[VG_PREFETCH_PIPE];
    unsigned seq;          /* hints taken */
    size_t nbuckets;
};

struct vg_tcb_table {
    vg_tcb **bucket;       /* chained through vg_tcb.hnext, keyed by the 4-tuple */
    size_t nbuckets;       /* a power of two */
    size_t count;
    struct vg_lookup_hint hint[VG_LOOKUP_HINTS];   /* whole hashes: valid whatever the size */
    unsigned next_hint;
    struct vg_prefetch_pipe pipe;
};

/* TCB storage (tcp/tcb_pool.c). A slab is VG_TCB_SLAB_BYTES octets aligned to its size, so a
 * TCB finds its slab by masking its address; kept below glibc's mmap threshold (128 KiB) so an
 * aligned slab comes from the heap. */
#define VG_TCB_SLAB_BYTES 32768u
struct tcb_slab;
struct vg_tcb_pool {
    struct tcb_slab *slabs;        /* every slab, in allocation order (the walk's order) */
    struct tcb_slab *partial;      /* slabs with a free slot */
};

/* Where TCB slabs come from (mem.c): the first VG_SLAB_HEAP_FIRST from the heap, the rest carved
 * out of 2 MiB chunks mapped with MADV_HUGEPAGE, so that a million TCBs (hundreds of MiB) cost
 * a few hundred TLB entries instead of tens of thousands; cfg.no_huge_pages keeps all on the
 * heap. A chunk is unmapped when its last slab goes; stats.slab_chunk_bytes counts chunks
 * whole. The heap's 8 MiB are about what 4 KiB TLB entries cover anyway, and a stack that
 * small would lose more to a chunk's unused part (counted, and resident once a huge page) than
 * it gains. */
#define VG_SLAB_CHUNK_BYTES (2u << 20)
#define VG_SLAB_CHUNK_SLABS (VG_SLAB_CHUNK_BYTES / VG_TCB_SLAB_BYTES)
#define VG_SLAB_CHUNK_WORDS ((VG_SLAB_CHUNK_SLABS + 63u) / 64u)
#define VG_SLAB_HEAP_FIRST 256u
struct vg_slab_chunk {
    uintptr_t base;                /* VG_SLAB_CHUNK_BYTES-aligned */
    uint64_t used[VG_SLAB_CHUNK_WORDS];
    uint32_t live;
};
struct vg_slab_chunks {
    struct vg_slab_chunk *chunk;   /* sorted by base, for the lookup of a slab being freed */
    size_t n, cap;
    size_t cursor;                 /* where the search for a free slab starts */
    uint32_t heap_slabs;           /* slabs live on the heap */
};

/* ACKs held to the end of a batch of input (vg_stack_batch_begin; tcp/ack_batch.c): the
 * connections whose in-order data called for an ACK at once while the batch was open (at most
 * VG_ACK_BATCH_MAX; the ACK of one more goes at once). */
struct vg_ack_batch {
    uint8_t open;
    uint8_t n;
    vg_tcb *held[VG_ACK_BATCH_MAX];
};

/* A one-second counting window, for the stack-wide per-second budgets (challenge ACKs, ICMP). */
struct vg_second {
    vg_time start;
    uint32_t used;
};
/* Starts a new window when a second has passed since start (or the clock went back); 1 then. */
static inline int vg_second_roll(struct vg_second *w, vg_time now)
{
    if (now - w->start < VG_MS(1000) && now >= w->start)
        return 0;
    w->start = now;
    w->used = 0;
    return 1;
}

struct vg_stack {
    struct vg_stack_config cfg;
    uint32_t ka_count_sys;         /* probe count derived from cfg.sys and the profile (A10) */
    int link_up;
    vg_output_fn output;           /* the plain callback (vg_stack_set_output), or */
    vg_frame_fn frame_out;         /* the frame callback (vg_stack_set_frame_output) */
    void *output_ctx;
    unsigned offloads;             /* enum vg_offload, with frame_out only */
    vg_event_fn event;
    void *event_ctx;
    struct vg_stack_stats stats;
    struct vg_wheel wheel;
    struct vg_timer_fifo time_wait; /* TIME_WAIT TCBs' timers, in expiry order (tcp_timer.c) */
    struct vg_prng prng;
    struct vg_tcb_table conns;     /* synchronised and SYN-state connections */
    vg_tcb *listeners;             /* chained through vg_tcb.hnext */
    struct vg_tcb_pool tcbs;       /* every TCB, in slabs */
    struct vg_slab_chunks chunks;  /* where the slabs come from (mem.c) */
    uint32_t *port_refs;           /* 65536 bind counts, allocated on first bind */
    struct vg_udp *udp;            /* UDP sockets (src/ip/udp.c) */
    int in_callback;               /* >0 while an event callback runs */
    struct vg_second challenges;   /* challenge ACKs sent this second */
    /* -- syncache / listeners -- */
    uint8_t syn_key[16];           /* SYN cookies: a sub-key of secret */
    /* -- RFC 5961, out-of-window replies, persist and orphans -- */
    uint32_t challenge_budget;     /* challenge ACKs allowed in the current second: randomised
                                    * around cfg.challenge_ack_limit (tcp/oow_limit.c) */
    /* -- ICMP, PMTU and soft errors -- */
    struct vg_second echo_replies; /* echo replies sent this second (cfg.icmp_rate_limit) */
    uint8_t ip_id_key[16];         /* sub-key of secret choosing a datagram's IP ID counter */
    uint16_t ip_id_ctr[256];       /* RFC 6864: IP ID counters for non-atomic datagrams */
    /* -- limits, secrets and ports -- */
    uint8_t secret[VG_SIPHASH_KEY_LEN]; /* SipHash key for everything an off-path attacker must
                                   * not predict: cfg.secret, or derived from cfg.seed */
    /* The last address pair's timestamp offset (tcp_ts.c): one remote host's connections, one
     * after another, hash it once. */
    uint32_t ts_memo_laddr, ts_memo_raddr, ts_memo_offset;
    uint8_t ts_memo_valid;
    uint16_t port_perturb[VG_PORT_PERTURB_LEN]; /* RFC 6056 algorithm 4's table of counters */
    uint64_t port_draws;           /* random port choices made: the PRF's input (ephemeral.c) */
    uint64_t port_step_pool;       /* unused bits of a draw, for connects' steps (ephemeral.c) */
    uint8_t port_step_left;        /* how many */
    vg_alloc_fail_fn alloc_fail;   /* tests: allocation-failure injection */
    void *alloc_fail_ctx;
    /* -- IPv6 -- */
    struct vg_addr6_table a6;      /* IPv6 addresses as handles (ip/addr6.h) */
    uint32_t addr6_h;              /* cfg.addr6's handle (held by the stack), 0 without one */
    /* -- data path -- */
    struct vg_ring *ring_spare[VG_RING_SPARES]; /* emptied ring buffers kept for reuse (ring.c) */
    struct vg_tcb_xfer *xfer_spares; /* emptied per-transfer blocks kept for reuse (tcb_xfer.c) */
    struct vg_ack_batch acks;      /* vg_stack_batch_begin .. vg_stack_batch_end */
    /* The datagram being framed (output must not re-enter): link headroom, then room for the
     * largest IP header, then the transport segment at VG_FRAME_L4_OFF. On a cache line of its
     * own: where it falls otherwise moves with every field added above, and the copies and
     * sums into it with it (4 % of MTU-sized bulk between two layouts). */
    _Alignas(64) uint8_t frame[VG_FRAME_L4_OFF + 65536];
};

/* Fills every 0 limit of cfg with its default (stack.c). */
void vg_stack_config_limits(struct vg_stack_config *cfg);

/* Every allocation the core makes after vg_stack_new goes through these (mem.c): they count
 * failures and honour the failure-injection hook. Free with free(), slabs apart. A vg_zalloc of
 * VG_HUGE_TABLE_MIN octets or more (a large hash table) is advised to use huge pages. */
#define VG_HUGE_TABLE_MIN (4u << 20)
void *vg_alloc(vg_stack *s, size_t n);
void *vg_zalloc(vg_stack *s, size_t n);
/* n octets aligned to align (a power of two dividing n), uninitialised. */
void *vg_alloc_aligned(vg_stack *s, size_t align, size_t n);
/* A TCB slab: VG_TCB_SLAB_BYTES octets aligned to their size, uninitialised; freed with
 * vg_free_slab (not free()). */
void *vg_alloc_slab(vg_stack *s);
void vg_free_slab(vg_stack *s, void *slab);
/* The buffer budget (cfg.mem_limit): charge before allocating send/receive buffer space,
 * uncharge after freeing it. vg_mem_charge returns 0, or -1 (counted) when over the limit. */
int vg_mem_charge(vg_stack *s, size_t n);
void vg_mem_uncharge(vg_stack *s, size_t n);

/* What an ICMP or ICMPv6 error quotes of a segment we sent, addresses as handles. */
struct vg_ip_quote {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq;
    uint16_t total_len;       /* the quoted datagram's length as it was sent */
};

/* A received datagram's addresses as the transports see them: handles (ip/addr6.h), whatever
 * the family, and the sum of their pseudo-header words, which the transport adds its protocol
 * and length to. */
struct vg_ip_pkt {
    uint32_t src, dst;
    uint64_t addr_acc;        /* an accumulator: IPv4's src + dst need no fold */
};

/* The pseudo-header sum of src and dst as an accumulator (vg_pseudo_acc less protocol and
 * length): for IPv4 the addresses themselves, for IPv6 their entries' sums. */
static inline uint64_t vg_ip_addr_acc(const vg_stack *s, uint32_t src, uint32_t dst)
{
    if (!vg_addr_is6(dst))            /* both ends are of one family */
        return (uint64_t)src + dst;
    uint64_t acc = 0;
    if (src >= VG_ADDR6_FIRST)
        acc += s->a6.e[src - VG_ADDR6_FIRST].acc;
    if (dst >= VG_ADDR6_FIRST)
        acc += s->a6.e[dst - VG_ADDR6_FIRST].acc;
    return acc;
}
/* The IP header in front of a transport segment to or from address handle a. */
static inline unsigned vg_ip_hdr_len(uint32_t a) { return vg_addr_is6(a) ? 40u : 20u; }
/* The MSS a connection with local address handle a offers: the link MTU less both headers. */
static inline uint16_t vg_ip_mss(const vg_stack *s, uint32_t a)
{
    return (uint16_t)(s->cfg.mtu - vg_ip_hdr_len(a) - VG_TCP_HDR_LEN);
}
/* A reference to address handle a for as long as something stores it (no-ops for IPv4). */
static inline void vg_addr_hold(vg_stack *s, uint32_t a)
{
    if (vg_addr_is6(a))
        vg_addr6_hold(s, a);
}
static inline void vg_addr_drop(vg_stack *s, uint32_t a)
{
    if (vg_addr_is6(a))
        vg_addr6_unref(s, a);
}
/* What stands for address handle a in the keyed functions of a tuple (addr6.h: word). */
static inline uint32_t vg_addr_word(const vg_stack *s, uint32_t a)
{
    return a >= VG_ADDR6_FIRST && a <= VG_ADDR6_LAST ? s->a6.e[a - VG_ADDR6_FIRST].word : a;
}
/* 1 when address handle a is the unspecified address of its family (0.0.0.0 or ::). */
static inline int vg_addr_is_any(uint32_t a) { return a == 0 || a == VG_ADDR6_ANY; }
/* The unspecified address of a's family. */
static inline uint32_t vg_addr_any_of(uint32_t a) { return vg_addr_is6(a) ? VG_ADDR6_ANY : 0; }
/* Replaces the address pair *laddr, *raddr a socket or connection stores: the new IPv6 ones
 * held, the old ones given back. */
static inline void vg_addr_store(vg_stack *s, uint32_t *laddr, uint32_t *raddr, uint32_t l,
                                 uint32_t r)
{
    vg_addr_hold(s, l);
    vg_addr_hold(s, r);
    vg_addr_drop(s, *laddr);
    vg_addr_drop(s, *raddr);
    *laddr = l;
    *raddr = r;
}
/* The handle of a vg_addr (ip/addr.c), a v4-mapped IPv6 address as the IPv4 one; an IPv6 one
 * takes a reference (vg_addr_drop gives it back). 0, or -VG_ERR_INVAL (no such family, or an
 * IPv4 address in 0.0.0.0/8), -VG_ERR_NOBUFS (the table is full). */
int vg_addr_handle(vg_stack *s, const vg_addr *a, uint32_t *h);
vg_addr vg_addr_of_handle(const vg_stack *s, uint32_t h);

/* The longest transport segment an IPv4 datagram carries. */
#define VG_IP_L4_MAX (65535u - VG_IPV4_HDR_LEN)

/* Output, in one copy: a transport builds its segment where the frame's transport segment goes
 * (vg_ip_l4), asks the IP layer for the pseudo-header sum and whether the link completes the
 * checksum, and calls vg_ip_output, which writes the IP header in front of the segment and hands
 * the frame to the link. Nothing else of IP is the transport's business. */
static inline uint8_t *vg_ip_l4(vg_stack *s) { return s->frame + VG_FRAME_L4_OFF; }
/* The pseudo-header's part of a transport checksum (RFC 9293 §3.1, RFC 768). */
uint32_t vg_ip_pseudo(const vg_stack *s, uint8_t proto, uint32_t src, uint32_t dst, size_t l4len);
/* 1 when the link completes transport checksums (VG_OFFLOAD_TX_CSUM): the transport then writes
 * vg_csum_partial(pseudo) in its checksum field and sets csum_partial. */
int vg_ip_tx_csum_offloaded(const vg_stack *s);
/* 1 when the link cuts TCP frames of up to VG_IP_L4_MAX octets into gso_size pieces. */
int vg_ip_tso(const vg_stack *s);
/* The checksum field of a partial checksum: the folded pseudo-header sum, not complemented (the
 * link's sum over the segment then includes it, as Linux's CHECKSUM_PARTIAL). */
static inline uint16_t vg_csum_partial(uint32_t pseudo) { return (uint16_t)~vg_csum_fold(pseudo); }

struct vg_l4_seg {
    uint32_t src, dst;
    size_t len;              /* octets at vg_ip_l4() */
    uint8_t proto;
    uint8_t csum_partial;    /* the checksum field holds vg_csum_partial(pseudo) only */
    uint16_t csum_offset;    /* of the checksum field in the segment (with csum_partial) */
    uint16_t gso_size;       /* TCP payload per piece when len is more than one (TSO), or 0 */
};
/* Frames the segment at vg_ip_l4() and hands it to the link, always — loopback drivers queue it
 * and feed it back to input from their own loop. */
void vg_ip_output(vg_stack *s, const struct vg_l4_seg *seg, vg_time now);
int vg_stack_is_local(const vg_stack *s, uint32_t addr);   /* addr: a handle of either family */
int vg_ip6_is_local(const vg_stack *s, const uint8_t a[16]);
/* The same for a host that config c would make (the simulator's routing). */
int vg_cfg_ip6_is_local(const struct vg_stack_config *c, const uint8_t a[16]);
/* 64 bits from the stack's PRNG (seeded from getrandom() unless VIGIL_SEED fixed it): what the
 * Winsock layer's resolver draws its DNS query IDs from. */
uint64_t vg_stack_random(vg_stack *s);
void vg_stack_emit(vg_stack *s, enum vg_event_type type, vg_tcb *t, vg_time now, int err,
                   uint32_t arg);
void vg_stack_emit_udp(vg_stack *s, vg_udp *u, vg_time now);   /* VG_EV_UDP_READABLE */

/* Local port bookkeeping shared by TCP and UDP binds. */
int vg_port_ref(vg_stack *s, uint16_t port);     /* 0, or -VG_ERR_NOBUFS */
void vg_port_unref(vg_stack *s, uint16_t port);
uint32_t vg_port_refs(const vg_stack *s, uint16_t port);
/* An unused port in 49152..65535, or 0 when every one is taken. Without a remote end (bind,
 * listen, UDP): uniformly random from the stack's PRNG. For a connect: RFC 6056 algorithm 4,
 * keyed by the 4-tuple less the local port, so the ports of successive connects to different
 * peers cannot be predicted from each other. */
uint16_t vg_port_ephemeral(vg_stack *s);
uint16_t vg_port_ephemeral_connect(vg_stack *s, uint32_t laddr, uint32_t raddr, uint16_t rport);

/* Layer entry points called from IP input; rx_flags is what the link vouched for
 * (enum vg_rx_flag). */
void vg_tcp_input(vg_stack *s, const struct vg_ip_pkt *ip, const uint8_t *seg, size_t len,
                  unsigned rx_flags, vg_time now);
void vg_udp_input(vg_stack *s, const struct vg_ip_pkt *ip, const uint8_t *seg, size_t len,
                  unsigned rx_flags, vg_time now);
void vg_icmp_input(vg_stack *s, const struct vg_ipv4_hdr *ip, const uint8_t *msg, size_t len,
                   vg_time now);
/* 1 when one more ICMP or ICMPv6 message may be sent this second (cfg.icmp_rate_limit; counted
 * in icmp_rate_limited when not). */
int vg_icmp_send_allowed(vg_stack *s, vg_time now);
/* The TCP 4-tuple of a packet not yet input, as handles (ip_tuple.c), for the lookup's hints: 1,
 * or 0 when it is no TCP, too short, or of an IPv6 address the stack does not hold (so no
 * connection's). Nothing is verified: a hint changes nothing but the cache. */
int vg_ip_tcp_tuple(const vg_stack *s, const uint8_t *pkt, size_t len, uint32_t *laddr,
                    uint32_t *raddr, uint16_t *lport, uint16_t *rport);
/* IPv6 input (ip6_input.c): a packet whose version nibble is 6. */
void vg_ip6_input(vg_stack *s, const uint8_t *pkt, size_t len, unsigned rx_flags, vg_time now);
/* Timer owners: vg_timer_kind() selects the handler vg_stack_poll calls (stack.c). */
enum vg_timer_kind {
    VG_TIMER_TCB = 0,              /* embedded in a vg_tcb */
    VG_TIMER_SYNCACHE,             /* embedded in a SYN-cache entry (tcp/syncache.c) */
    VG_TIMER_TCB_2MSL,             /* a vg_tcb's, waiting on the time_wait FIFO, not the wheel */
    VG_TIMER_KINDS
};
_Static_assert(VG_TIMER_KINDS <= VG_TIMER_KIND_MASK + 1, "a timer's kind fits its link word");
void vg_tcp_timer_fire(vg_stack *s, struct vg_timer *tm, vg_time now);
uint64_t vg_tcp_timer_due(const struct vg_timer *tm);
void vg_syncache_timer_fire(vg_stack *s, struct vg_timer *tm, vg_time now);
void vg_tcp_free_all(vg_stack *s);
void vg_udp_free_all(vg_stack *s);

#endif
