/* vigil — a userspace TCP/IP stack whose headline is keep-alive done exactly right.
 *
 * This is the sans-IO core API: the stack never reads a clock, never touches a file descriptor
 * and never sleeps. The caller hands it packets and the current time; the stack hands back
 * packets (through the output callback) and the next time it wants to be woken.
 * Times are microseconds from an arbitrary origin chosen by the caller. */
#ifndef VIGIL_VIGIL_H
#define VIGIL_VIGIL_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/vg_api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t vg_time;              /* microseconds */
#define VG_TIME_NEVER UINT64_MAX
#define VG_MS(x) ((vg_time)(x) * 1000u)

/* Errors returned by the core (negated where a count is returned). Only the Winsock layer maps
 * these onto WSA codes. */
enum vg_err {
    VG_OK = 0,
    VG_ERR_WOULDBLOCK = 1,  /* nothing to do now; try again later */
    VG_ERR_INVAL,           /* bad argument or wrong state for the call */
    VG_ERR_NOBUFS,          /* out of memory or table space */
    VG_ERR_ADDRINUSE,
    VG_ERR_NOTCONN,
    VG_ERR_ISCONN,
    VG_ERR_ALREADY,         /* a connect is already in progress */
    VG_ERR_CONNREFUSED,     /* RST in answer to our SYN */
    VG_ERR_CONNRESET,       /* RST from the peer on an established connection */
    VG_ERR_CONNABORTED,     /* aborted locally */
    VG_ERR_TIMEDOUT,        /* retransmissions exhausted, or keep-alive under profile linux */
    VG_ERR_NETRESET,        /* keep-alive declared the peer dead (Windows profiles) */
    VG_ERR_NETDOWN,
    VG_ERR_SHUTDOWN,        /* send after shutdown(SEND) */
    VG_ERR_MSGSIZE,
    VG_ERR_NOPROTOOPT,
    VG_ERR_HOSTUNREACH,     /* a connect timed out after ICMP said the host is unreachable */
    VG_ERR_NETUNREACH,      /* ... that the network is unreachable */
};
VG_API const char *vg_err_name(int err);     /* "VG_ERR_TIMEDOUT", ... */
/* The Winsock error an application sees for a core error ("WSAENETRESET" for VG_ERR_NETRESET;
 * the sign is ignored), NULL for VG_OK or an unknown value; and back (0, or -1 if unknown). */
VG_API const char *vg_err_wsa_name(int err);
VG_API int vg_err_wsa_parse(const char *name, int *err);

/* Keep-alive profiles (spec C2). */
enum vg_profile {
    VG_PROFILE_WINDOWS_VISTA = 0,     /* default: 7200 s, 1 s, 10 probes fixed */
    VG_PROFILE_WINDOWS_2000,          /* 7200 s, 1 s, count from TcpMaxDataRetransmissions */
    VG_PROFILE_LINUX,                 /* 7200 s, 75 s, 9 probes, failure is TIMEDOUT */
};
VG_API const char *vg_profile_name(enum vg_profile p);            /* "windows-vista", ... */
VG_API int vg_profile_parse(const char *name, enum vg_profile *out); /* 0 or -1 */

/* System-wide parameters (spec A11): the registry values under Tcpip\Parameters. */
struct vg_sysparams {
    uint32_t keepalive_time_ms;           /* KeepAliveTime */
    uint32_t keepalive_interval_ms;       /* KeepAliveInterval */
    uint32_t tcp_max_data_retransmissions;   /* TcpMaxDataRetransmissions */
    uint32_t pptp_tcp_max_data_retransmissions; /* PPTPTcpMaxDataRetransmissions */
};
/* The profile's defaults (A9, A10, C2). */
VG_API void vg_sysparams_default(enum vg_profile p, struct vg_sysparams *out);
/* The keep-alive probe count a profile derives from the system parameters (A10):
 * vista 10, windows-2000 max(TcpMax.., PPTP..) capped at 255, linux 9. */
VG_API uint32_t vg_sysparams_keepalive_count(enum vg_profile p, const struct vg_sysparams *sp);

/* Load a Windows registry export (spec C3) over *sp. On error nothing is changed, -1 is
 * returned and err (if not NULL) receives "line N: reason". A file (or device, FIFO, ...)
 * longer than VG_REG_MAX_BYTES is rejected after reading at most that many bytes plus one, with
 * "FILE is larger than 1 MiB ..." and errno EFBIG: a Tcpip\Parameters export is a few kilobytes. */
#define VG_REG_MAX_BYTES (1024u * 1024u)
VG_API int vg_sysparams_load_reg(struct vg_sysparams *sp, const char *path, char *err, size_t errlen);
VG_API int vg_sysparams_parse_reg(struct vg_sysparams *sp, const void *data, size_t len,
                           char *err, size_t errlen);
/* As above, and says what the file asks for that is not applied: each value name under
 * Tcpip\Parameters that is not a known one ("line N: unknown value \"KeepAliveTme\" under
 * Tcpip\Parameters (did you mean \"KeepAliveTime\"?)") and a file without that key ("no [...]
 * key: nothing applied"). warn (may be NULL) gets each message, only once the file has loaded;
 * at most 16, then one that counts the rest. With VG_REG_STRICT the first such message is the
 * error instead and nothing is applied. The functions above are these with no flags and no warn. */
#define VG_REG_STRICT 1u
VG_API int vg_sysparams_parse_reg_ex(struct vg_sysparams *sp, const void *data, size_t len,
                                     unsigned flags, void (*warn)(void *ctx, const char *msg),
                                     void *ctx, char *err, size_t errlen);
VG_API int vg_sysparams_load_reg_ex(struct vg_sysparams *sp, const char *path, unsigned flags,
                                    void (*warn)(void *ctx, const char *msg), void *ctx,
                                    char *err, size_t errlen);

typedef struct vg_stack vg_stack;
typedef struct vg_tcb vg_tcb;
typedef struct vg_udp vg_udp;

enum vg_event_type {
    VG_EV_CONNECTED = 1,   /* handshake completed (either side) */
    VG_EV_ACCEPTABLE,      /* a listener has a connection waiting in its backlog */
    VG_EV_READABLE,        /* data (or FIN) arrived */
    VG_EV_WRITABLE,        /* send buffer space freed */
    VG_EV_PEER_FIN,        /* the peer closed its side */
    VG_EV_PROBE_SENT,      /* keep-alive probe sent; arg = probes unanswered after it */
    VG_EV_PROBE_ACKED,     /* an answer arrived while probes were outstanding */
    VG_EV_PEER_PROBE,      /* the peer probed us and we answered (B5) */
    VG_EV_ZWP_SENT,        /* zero-window (persist) probe sent */
    VG_EV_RETRANSMIT,      /* a segment was retransmitted */
    VG_EV_RESET_RECEIVED,  /* an acceptable RST arrived */
    VG_EV_ABORTED,         /* connection dropped; err says why (keep-alive, timeout, ...) */
    VG_EV_CLOSED,          /* reached CLOSED (after TIME_WAIT, LAST_ACK, or abort) */
    VG_EV_UDP_READABLE,    /* a datagram was queued on the UDP socket udp (tcb is NULL) */
};
struct vg_event {
    enum vg_event_type type;
    vg_tcb *tcb;
    vg_time now;
    int err;               /* enum vg_err for ABORTED */
    uint32_t arg;
    vg_udp *udp;           /* UDP_READABLE's socket; NULL for every TCP event */
};
VG_API const char *vg_event_name(enum vg_event_type t);   /* "probe_sent", ... */

typedef void (*vg_output_fn)(void *ctx, const uint8_t *ipv4_packet, size_t len, vg_time now);
typedef void (*vg_event_fn)(void *ctx, const struct vg_event *ev);

/* B2: whether keep-alive probes carry one garbage octet. The default follows the profile: one
 * octet under windows-vista and windows-2000 (what Windows is observed to send, and what Linux
 * answers every time, where it answers zero-length probes at most once per 500 ms), none under
 * linux. */
enum vg_garbage_octet {
    VG_GARBAGE_OCTET_DEFAULT = 0,
    VG_GARBAGE_OCTET_ON = 1,
    VG_GARBAGE_OCTET_OFF = 2,
};

/* Buffer autotuning's default ceilings (as Linux's tcp_wmem[2] and tcp_rmem[2]), and the largest
 * receive buffer a window scale of 7 (the most vigil offers) can advertise. */
#define VG_SNDBUF_MAX_DEFAULT (16u << 20)
#define VG_RCVBUF_MAX_DEFAULT (6u << 20)
#define VG_RCVBUF_MAX_SCALED (65535u << 7)

/* Congestion control (README "Congestion control"): the stack's default for new connections
 * (vg_stack_config.cc) and a socket's own (vg_tcp_set_cc). */
enum vg_cc_algo {
    VG_CC_CUBIC = 0,              /* RFC 9438 with HyStart++ (RFC 9406): the default */
    VG_CC_NEWRENO = 1,            /* RFC 5681 / RFC 6582 */
};
VG_API const char *vg_cc_name(enum vg_cc_algo a);   /* "cubic", "newreno"; NULL if unknown */
VG_API int vg_cc_by_name(const char *name);         /* enum vg_cc_algo, or -VG_ERR_INVAL */

struct vg_stack_config {
    uint32_t addr;                /* host byte order */
    uint8_t prefix_len;           /* addresses in addr/prefix_len are ours when accept_subnet */
    uint8_t accept_subnet;        /* loopback: every address of the prefix is local */
    uint16_t mtu;                 /* 0 = 1500 */
    enum vg_profile profile;
    struct vg_sysparams sys;      /* fill with vg_sysparams_default(); 0 fields are NOT defaults */
    uint64_t seed;                /* PRNG: simulation randomness; ISN key and ports when !has_secret */
    uint8_t keepalive_garbage_octet; /* B2: enum vg_garbage_octet; 0 = the profile's choice */
    uint8_t no_delayed_ack;       /* delayed ACK is on unless set */
    uint8_t no_timestamps;        /* RFC 7323 timestamps (RTTM, PAWS) are offered unless set */
    uint8_t no_sack;              /* SACK (RFC 2018, with RFC 6675 recovery) is offered unless set */
    uint8_t no_rack;              /* SACK connections mark losses by RACK-TLP (RFC 8985) unless
                                   * set (then by RFC 6675's DupThresh, and no tail loss probe) */
    uint32_t max_retransmissions; /* data retransmissions before TIMEDOUT; 0 = profile default */
    uint32_t msl_ms;              /* 0 = 30000 (TIME_WAIT is 2*MSL) */
    uint32_t sndbuf, rcvbuf;      /* per-connection buffer sizes to start with; 0 = 65536 */
    /* Autotuning's ceilings (README "Buffers"): a connection's buffers grow toward what its path
     * carries up to these, inside mem_limit. 0 = 4 MiB (sndbuf_max) and 6 MiB (rcvbuf_max, at
     * most 65535 << 7); a ceiling at or below the starting size fixes that buffer. */
    uint32_t sndbuf_max, rcvbuf_max;
    uint8_t cc;                   /* enum vg_cc_algo of new connections; 0 = VG_CC_CUBIC */

    /* ---- Secrets (README "Security and limits"). In real mode fill them with
     * vg_stack_config_randomize() (getrandom); a simulation leaves has_secret 0 and the key is
     * derived from seed, so a run replays. */
    uint8_t secret[16];           /* SipHash-2-4 key: ISNs (RFC 6528), SYN cookies, ports (RFC 6056) */
    uint8_t has_secret;

    /* ---- Limits. Each has a default that vg_stack_config_default() sets and vg_stack_new()
     * applies to a 0 field, and a counter in vg_stack_stats. */
    uint32_t max_tcbs;            /* connections (every TCB, listeners included); 262144 */
    uint32_t max_backlog;         /* accept queue per listener; listen()'s backlog is clamped to it; 4096 */
    uint32_t syn_queue_max;       /* half-open connections per listener (SYN cache); 1024 */
    uint8_t syncookies;           /* enum vg_syncookies; 0 = VG_SYNCOOKIES_WHEN_FULL */
    uint8_t synack_retries;       /* SYN-ACK retransmissions of a half-open entry; 5 */
    uint32_t challenge_ack_limit; /* RFC 5961 §7 stack-wide budget per second, randomised; 1000 */
    uint32_t oow_ratelimit_ms;    /* per connection: least gap between replies to out-of-window
                                   * segments and challenge ACKs (keep-alive probes exempt, B5); 500 */
    uint32_t max_orphans;         /* connections closed by the application but still finishing; 16384 */
    uint32_t orphan_timeout_ms;   /* longest life of an orphan in FIN_WAIT_2; 60000 */
    uint64_t mem_limit;           /* stack-wide bytes of send and receive buffers; 64 MiB */
    uint32_t udp_rcvbuf;          /* bytes queued per UDP socket; 262144 */
    uint32_t udp_rcvq_max;        /* datagrams queued per UDP socket; 1024 */
    uint16_t min_pmtu;            /* lowest path MTU an ICMP frag-needed may set; 552 */
    uint16_t base_mss;            /* first MSS black-hole detection falls back to; 1024 */
    uint32_t icmp_rate_limit;     /* ICMP messages sent per second (echo replies); 1000 */
    uint8_t no_pmtu_discovery;    /* set: ignore frag-needed, clear DF */
    uint8_t no_mtu_probing;       /* set: no black-hole detection */
    uint8_t no_huge_pages;        /* set: TCB slabs only from the heap, and no MADV_HUGEPAGE for
                                   * large tables (default: slabs past the first 256 come from
                                   * 2 MiB chunks advised to be huge pages; stats.slab_chunk_bytes) */
    /* ---- IPv6 (README "IPv6"): the stack's IPv6 address, alongside addr. */
    uint8_t has_addr6;            /* set: addr6 is ours (without it the stack takes no IPv6) */
    uint8_t prefix6_len;          /* addresses in addr6/prefix6_len are ours when accept_subnet */
    uint8_t addr6[16];            /* network order */
    uint32_t max_addr6;           /* IPv6 addresses tracked at once (ours and every peer a
                                   * connection, SYN-cache entry or datagram in flight names);
                                   * a new peer past it is refused, stats.ip6_addr_table_full;
                                   * 524288 */
};
enum vg_syncookies {
    VG_SYNCOOKIES_WHEN_FULL = 0,  /* when the SYN queue is full (Linux tcp_syncookies=1) */
    VG_SYNCOOKIES_OFF,            /* never: a full SYN queue evicts its oldest entry */
    VG_SYNCOOKIES_ALWAYS,         /* every SYN (Linux tcp_syncookies=2) */
};
/* Defaults for a profile: sysparams, buffer sizes, MSL, limits, everything but addr/seed. */
VG_API void vg_stack_config_default(struct vg_stack_config *cfg, enum vg_profile p);
/* Real mode: seed and secret from getrandom(); 0, or -1 if the kernel gave no randomness. */
VG_API int vg_stack_config_randomize(struct vg_stack_config *cfg);

VG_API vg_stack *vg_stack_new(const struct vg_stack_config *cfg);
VG_API void vg_stack_free(vg_stack *s);
VG_API void vg_stack_set_output(vg_stack *s, vg_output_fn fn, void *ctx);
VG_API void vg_stack_set_event(vg_stack *s, vg_event_fn fn, void *ctx);
VG_API const struct vg_stack_config *vg_stack_config(const vg_stack *s);
/* Change the system-wide parameters; connections without per-socket overrides follow (A11). */
VG_API void vg_stack_set_sysparams(vg_stack *s, const struct vg_sysparams *sp);
VG_API void vg_stack_set_garbage_octet(vg_stack *s, int on);   /* on: _ON, 0: _OFF */
/* 1 when a stack made from cfg sends probes with one garbage octet (B2, its profile's default
 * unless keepalive_garbage_octet says otherwise). */
VG_API int vg_config_garbage_octet(const struct vg_stack_config *cfg);
/* Link state (A6.3): while down, the stack drops input and output. */
VG_API void vg_stack_set_link_up(vg_stack *s, int up);
VG_API int vg_stack_link_up(const vg_stack *s);

/* Hand one IPv4 datagram to the stack. */
VG_API void vg_stack_input(vg_stack *s, const uint8_t *pkt, size_t len, vg_time now);

/* ---- Link drivers with offloads. A link that does part of the work a NIC offload does says
 * so, and the stack leaves that work to it, exactly as a kernel leaves it to a NIC:
 *   VG_OFFLOAD_TX_CSUM  the link completes transport checksums: a frame marked
 *                       VG_FRAME_CSUM_PARTIAL carries only the pseudo-header sum in its
 *                       checksum field, which the link finishes over csum_start.. (or a link
 *                       that guarantees integrity, the in-memory link, never needs it);
 *   VG_OFFLOAD_TSO      the link cuts TCP frames of up to 64 KiB into segments of gso_size
 *                       payload octets (or delivers them whole, as Linux's loopback does);
 *                       implies VG_OFFLOAD_TX_CSUM.
 * Received frames say per frame what the link vouches for (VG_RX_CSUM_VALID: a NIC or the
 * kernel checked the checksums, or the bytes never left memory); the stack then does not
 * check them again. A frame may hold a TCP segment larger than the MSS (GRO): it is taken and
 * acknowledged as the segments it stands for. */
enum vg_offload {
    VG_OFFLOAD_TX_CSUM = 1u << 0,
    VG_OFFLOAD_TSO = 1u << 1,
};
enum vg_frame_flag {
    VG_FRAME_CSUM_PARTIAL = 1u << 0,  /* the transport checksum is left for the link */
};
enum vg_rx_flag {
    VG_RX_CSUM_VALID = 1u << 0,       /* the link vouches for the transport checksum */
};
/* Bytes before every output frame's data that the link may write (its own header). */
#define VG_FRAME_HEADROOM 64u
/* One outgoing IPv4 datagram in the stack's frame buffer. data and the VG_FRAME_HEADROOM octets
 * before it are the link's to change until the callback returns (to prepend a header, or to
 * complete a partial checksum); nothing may be kept after it returns. */
/*
 * The contract, as Linux's CHECKSUM_PARTIAL and virtio-net's NEEDS_CSUM / GSO_TCPV4:
 *   VG_FRAME_CSUM_PARTIAL (only with VG_OFFLOAD_TX_CSUM; TCP and UDP, never ICMP): the 16-bit
 *     field at data + csum_start + csum_offset holds the pseudo-header's one's-complement sum
 *     folded to 16 bits, not complemented. csum_start is the IPv4 header's length (the transport
 *     header's offset), csum_offset 16 for TCP, 6 for UDP. The link sums data[csum_start, len)
 *     as it stands (that field included), folds, complements and stores the result there (for
 *     UDP a result of 0 is stored as 0xffff). Every other checksum (IPv4 header) is complete.
 *   gso_size (only with VG_OFFLOAD_TSO, TCP, always with VG_FRAME_CSUM_PARTIAL): the frame is one
 *     IPv4 header (DF, ID 0, total length of the whole frame), one TCP header and a payload of
 *     more than gso_size octets. The link cuts the payload into pieces of gso_size octets (the
 *     last one up to gso_size), each behind a copy of the headers with the IPv4 total length and
 *     header checksum rewritten, the TCP sequence number advanced by the piece's offset in the
 *     payload, FIN and PSH kept on the last piece only, and the TCP checksum completed per
 *     piece. gso_size is the connection's MSS; it is 0 for a frame of one segment.
 *   VG_RX_CSUM_VALID on input: TCP and UDP checksums are not verified (counted in
 *     vg_stack_stats.rx_csum_trusted); the IPv4 header checksum and ICMP's are. A TCP segment
 *     longer than the MSS is accepted, and one of two full-sized segments or more is ACKed at
 *     once (RFC 5681 §4.2).
 * TSO frames are sent only for atomic datagrams (cfg.no_pmtu_discovery off), and
 * retransmissions are always single segments. */
struct vg_frame {
    uint8_t *data;
    size_t len;
    uint16_t gso_size;     /* 0, or the TCP payload per segment when the link must cut it */
    uint16_t csum_start;   /* VG_FRAME_CSUM_PARTIAL: offset in data of the transport header */
    uint16_t csum_offset;  /* ... and of its checksum field from csum_start */
    uint8_t flags;         /* enum vg_frame_flag */
    uint8_t l4_proto;      /* the transport protocol (6 TCP, 17 UDP, 1 ICMP) */
};
typedef void (*vg_frame_fn)(void *ctx, struct vg_frame *f, vg_time now);
/* Replaces the output callback (vg_stack_set_output) with a frame callback and declares the
 * link's offloads (enum vg_offload). fn NULL: no output. */
VG_API void vg_stack_set_frame_output(vg_stack *s, vg_frame_fn fn, void *ctx, unsigned offloads);
VG_API unsigned vg_stack_offloads(const vg_stack *s);
/* vg_stack_input with what the link vouches for (enum vg_rx_flag). */
VG_API void vg_stack_input_ex(vg_stack *s, const uint8_t *pkt, size_t len, unsigned rx_flags,
                              vg_time now);
/* A hint from a driver that holds packets it has not input yet: pkt will be input soon. It
 * brings what the connection lookup will read into the cache, in two stages a few packets
 * apart: VG_PREFETCH_SLOT fetches the hash-table slot (call it two packets ahead),
 * VG_PREFETCH_CONN the connection that slot names (one packet ahead, once the slot has
 * arrived). With a million connections each is otherwise a cache miss. It changes
 * nothing any call can observe; a packet that is not TCP, or malformed, is ignored. */
enum vg_prefetch_stage { VG_PREFETCH_SLOT = 0, VG_PREFETCH_CONN = 1, VG_PREFETCH_AHEAD = 2 };
/* VG_PREFETCH_AHEAD is both stages and more in one hint, for a driver that can see further: it
 * hints every packet once, in the order they will be input, VG_PREFETCH_DISTANCE packets before
 * its input (a packet it cannot see that far ahead it leaves unhinted), and the stack takes each
 * hinted packet one step further at every later hint: the slot, the connection first in it, the
 * connection itself (the next in the chain when the first is another's), and last the bucket
 * number for the lookup, so that each step has two packets' time to arrive from memory. */
#define VG_PREFETCH_DISTANCE 6
VG_API void vg_stack_prefetch_input(vg_stack *s, const uint8_t *pkt, size_t len,
                                    enum vg_prefetch_stage stage);
/* ACK coalescing for a driver that reads its link in batches (the TUN loop reads every frame
 * waiting, up to 256, per wake-up). Between vg_stack_batch_begin and vg_stack_batch_end, the ACK
 * that in-order data calls for at once (a segment of two full-sized ones or more, such as a GRO
 * or TSO one, or the second full-sized segment: RFC 5681 §4.2's ACK for at least every second
 * full-sized segment) is held instead, once per connection, and vg_stack_batch_end sends it —
 * unless a segment the connection sent in between carried it (data, or the window update a
 * vg_tcp_recv sends). So a batch that brings a connection several segments, or data the
 * application reads before the batch ends, costs one ACK instead of an ACK and a window update.
 * ACKs RFC 5681 wants at once are never held: out-of-order data and what fills a hole (the
 * duplicate ACKs fast retransmit counts), duplicates, a FIN, data beyond the window, keep-alive
 * probe answers (B5), challenge ACKs; nor is anything with cfg.no_delayed_ack. A held ACK also
 * arms the delayed-ACK timer, so it goes within VG_DELACK_US even if the batch never ended. At
 * most VG_ACK_BATCH_MAX (64) connections are held per batch; the next one's ACK goes at once
 * (counted in tcp_ack_batch_full). Batches do not nest: begin while open does nothing. End the
 * batch before waiting for input, so that no ACK waits on the wire's silence. */
#define VG_ACK_BATCH_MAX 64
VG_API void vg_stack_batch_begin(vg_stack *s);
VG_API void vg_stack_batch_end(vg_stack *s, vg_time now);

/* Run every timer due at or before now; returns the next time the stack wants poll() again
 * (VG_TIME_NEVER when nothing is armed). May return a time earlier than any real deadline
 * (a coarse timer-wheel slot); calling poll then is harmless. */
VG_API vg_time vg_stack_poll(vg_stack *s, vg_time now);
VG_API vg_time vg_stack_next_deadline(const vg_stack *s);

/* Allocation-failure injection, for tests: every allocation the stack makes after vg_stack_new
 * asks fn first, and fails (as malloc returning NULL) when it returns non-zero. NULL removes it. */
typedef int (*vg_alloc_fail_fn)(void *ctx, size_t size);
VG_API void vg_stack_set_alloc_fail(vg_stack *s, vg_alloc_fail_fn fn, void *ctx);

struct vg_stack_stats {
    uint64_t ip_in, ip_out, ip_bad, ip_not_ours;
    uint64_t tcp_in, tcp_out, tcp_bad, tcp_no_tcb, tcp_rst_sent;
    uint64_t tcp_retransmits, tcp_fast_retransmits, tcp_timeouts, tcp_challenge_acks;
    uint64_t tcp_challenge_acks_suppressed;  /* over challenge_ack_limit or the per-connection limit */
    uint64_t tcp_ooo_segments, tcp_dup_segments;
    uint64_t ka_probes_sent, ka_probes_acked, ka_aborts, ka_peer_probes_answered;
    uint64_t zwp_sent;
    uint64_t udp_in, udp_out, udp_bad, icmp_in, icmp_out;
    uint64_t tcbs_live, tcb_bytes;       /* live TCBs; bytes of the TCB slabs holding them (buffers apart) */
    uint64_t timer_arms, timer_cancels;  /* timer-wheel operations */

    /* Defences and limits (README "Security and limits"). */
    uint64_t ip_martians;                /* from broadcast, multicast, 0.0.0.0, loopback, ourselves */
    uint64_t ip_frags_dropped;           /* IPv4 fragments (not reassembled) */
    uint64_t tcp_bad_flags;              /* SYN with FIN or RST, and other impossible combinations */
    uint64_t tcp_tcb_limit;              /* connections refused at max_tcbs */
    uint64_t syncache_added, syncache_evicted, syncache_expired, syncache_live;
    uint64_t syncookies_sent, syncookies_ok, syncookies_bad;
    uint64_t listen_overflows;           /* SYNs, and handshake-completing ACKs, dropped because the
                                          * accept queue was full (the ACK's entry is kept) */
    uint64_t tcp_bad_acks;               /* RFC 5961 §5: unacceptable SEG.ACK, dropped */
    uint64_t tcp_oow_ratelimited;        /* replies to out-of-window segments not sent */
    uint64_t tcp_persist_timeouts;       /* zero-window peers given up */
    uint64_t tcp_orphans, tcp_orphan_timeouts, tcp_orphans_aborted;  /* live; timed out; over max */
    uint64_t tcp_orphan_data_resets;     /* orphans reset because new data arrived after the close */
    uint64_t mem_bytes, mem_refused;     /* buffer bytes in use; allocations refused at mem_limit */
    uint64_t udp_queue_full;             /* datagrams dropped: udp_rcvbuf or udp_rcvq_max */
    uint64_t icmp_errors_in, icmp_errors_ignored;  /* ICMP errors; those that matched no live segment */
    uint64_t pmtu_updates, mtu_probe_reductions, icmp_soft_errors, icmp_rate_limited;
    uint64_t alloc_failures;             /* allocations that failed (or were made to fail) */

    /* Offloads (vg_stack_set_frame_output, vg_stack_input_ex). */
    uint64_t tcp_tso_frames_out;         /* TCP frames sent with gso_size for the link to cut */
    uint64_t rx_csum_trusted;            /* TCP/UDP checksums not verified: VG_RX_CSUM_VALID */
    uint64_t mem_spare_bytes;            /* emptied send/receive buffers kept for reuse (at most
                                          * 2, outside mem_limit) */

    /* Per-transfer blocks: the state a connection holds only while it moves data (README
     * "Memory"); an idle connection holds none. */
    uint64_t tcp_xfer_live;              /* blocks held by connections */
    uint64_t tcp_xfer_spares;            /* emptied blocks kept for reuse (at most 32) */
    uint64_t tcp_xfer_failed;            /* blocks that could not be allocated: a send, shutdown
                                          * or connect refused (VG_ERR_NOBUFS), a close reset, a
                                          * segment dropped or a delayed ACK sent at once */
    uint64_t tcp_xfer_rx_drops;          /* out-of-order segments (or FINs) dropped for want of
                                          * one; the peer resends them */

    uint64_t slab_chunk_bytes;           /* mapped (not heap) memory holding TCB slabs: 2 MiB huge-page
                                          * chunks, counted whole however few of their slabs live */

    uint64_t tcp_acks_held;              /* segments whose ACK waited for the batch's end
                                          * (vg_stack_batch_begin) */
    uint64_t tcp_ack_batch_full;         /* ACKs sent at once: the batch held VG_ACK_BATCH_MAX */

    /* RFC 7323 timestamps (README "Timestamps"). */
    uint64_t tcp_paws_drops;             /* segments with a TSval older than TS.Recent, dropped
                                          * (and ACKed) */
    uint64_t tcp_ts_missing;             /* segments without timestamps on a connection that
                                          * negotiated them, accepted as Linux does */
    uint64_t tcp_ts_bad_ecr;             /* ACKs whose TSecr echoes no TSval of ours in flight
                                          * (from the future, or over 60 s old): no RTT sample */
    /* SACK (README "SACK"). */
    uint64_t tcp_sack_bad_blocks;        /* SACK blocks ignored: outside SND.UNA..SND.MAX, empty,
                                          * or an option of an impossible length */
    uint64_t tcp_sack_board_full;        /* SACKed ranges not recorded: the scoreboard held
                                          * VG_SACK_BOARD_RANGES (16) */
    uint64_t tcp_sack_recoveries;        /* RFC 6675 loss recoveries entered */
    uint64_t tcp_sack_retransmits;       /* segments resent by SACK recovery */
    uint64_t tcp_dsack_sent;             /* ACKs reporting a duplicate segment (RFC 2883) */
    uint64_t tcp_dsack_received;         /* D-SACK blocks received: a segment arrived twice */
    uint64_t tcp_dsack_undos;            /* recoveries undone: every retransmission was D-SACKed */
    /* RACK-TLP (README "RACK-TLP"). */
    uint64_t tcp_rtos;                   /* retransmission timeouts that fired with data (or a
                                          * SYN) unacknowledged */
    uint64_t tcp_rack_losses;            /* segments RACK marked lost (RFC 8985 §6.2) */
    uint64_t tcp_rack_log_merges;        /* send-log records merged or forgotten: the log held
                                          * VG_RACK_LOG_RECORDS (128) transmissions */
    uint64_t tcp_tlp_probes;             /* tail loss probes sent (RFC 8985 §7.3) */
    uint64_t tcp_tlp_recoveries;         /* probes whose ACK showed they repaired a loss (the
                                          * window reduced, §7.4) */
    /* Buffer autotuning (README "Buffers"). */
    uint64_t tcp_rcvbuf_grown;           /* receive buffers grown (once per round trip at most) */
    uint64_t tcp_sndbuf_grown;           /* send buffers grown with the congestion window */
    uint64_t tcp_buf_grow_refused;       /* growths cut short or refused: mem_limit could not back
                                          * the larger buffer */

    /* Congestion control (README "Congestion control"). */
    uint64_t tcp_hystart_css;            /* HyStart++ saw the RTT rise: Conservative Slow Start */
    uint64_t tcp_hystart_exits;          /* ... and ended slow start after CSS_ROUNDS of it */

    uint64_t tcp_ooo_full;               /* out-of-order segments dropped unacked: the connection
                                          * held VG_OOO_RANGES islands already */
    /* IPv6 (README "IPv6"); ip_in, ip_out, ip_bad, ip_not_ours, ip_martians and
     * ip_frags_dropped count both families. */
    uint64_t ip6_in;                     /* IPv6 packets received */
    uint64_t ip6_ext_refused;            /* extension-header chains refused (too long, too many
                                          * options, running past the packet, routing type 0) */
    uint64_t ip6_addr_table_full;        /* packets or connections refused at max_addr6 */
    uint64_t ip6_addrs_live;             /* IPv6 addresses the stack holds now (its own included) */
    uint64_t icmp6_in, icmp6_out, icmp6_bad;
};
VG_API const struct vg_stack_stats *vg_stack_stats(const vg_stack *s);

/* ---- TCP: the handle a socket holds. The application owns a TCB it got from vg_tcp_open or
 * vg_tcp_accept until it calls vg_tcp_close or vg_tcp_release; the stack keeps it alive
 * (e.g. for FIN_WAIT/TIME_WAIT) after that as needed and frees it itself. */
enum vg_tcp_state {
    VG_TCP_CLOSED = 0, VG_TCP_LISTEN, VG_TCP_SYN_SENT, VG_TCP_SYN_RECEIVED, VG_TCP_ESTABLISHED,
    VG_TCP_FIN_WAIT_1, VG_TCP_FIN_WAIT_2, VG_TCP_CLOSE_WAIT, VG_TCP_CLOSING, VG_TCP_LAST_ACK,
    VG_TCP_TIME_WAIT,
};
VG_API const char *vg_tcp_state_name(enum vg_tcp_state st);

VG_API vg_tcb *vg_tcp_open(vg_stack *s);
VG_API vg_stack *vg_tcp_stack(const vg_tcb *t);
/* An address of either family, for the calls that take both (the uint32_t ones are IPv4). */
enum vg_family { VG_AF_INET = 4, VG_AF_INET6 = 6 };
typedef struct vg_addr {
    uint8_t family;               /* enum vg_family */
    uint8_t pad[3];
    uint32_t v4;                  /* VG_AF_INET: host byte order */
    uint8_t v6[16];               /* VG_AF_INET6: network order; all zero is the unspecified :: */
} vg_addr;
VG_API vg_addr vg_addr_v4(uint32_t a);
VG_API vg_addr vg_addr_v6(const uint8_t a[16]);
VG_API int vg_addr_equal(const vg_addr *a, const vg_addr *b);
/* 1 when a is 0.0.0.0 or ::. */
VG_API int vg_addr_is_unspecified(const vg_addr *a);
/* 1 when a is a v4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), its IPv4 address
 * then in *v4 (host order). */
VG_API int vg_addr_v4_mapped(const vg_addr *a, uint32_t *v4);
VG_API int vg_tcp_bind(vg_tcb *t, uint32_t addr, uint16_t port);         /* 0 or -vg_err; port 0 = ephemeral */
VG_API int vg_tcp_listen(vg_tcb *t, int backlog);
VG_API vg_tcb *vg_tcp_accept(vg_tcb *listener);                          /* NULL when the backlog is empty */
VG_API int vg_tcp_connect(vg_tcb *t, uint32_t raddr, uint16_t rport, vg_time now);  /* starts the handshake */
/* Bytes queued or -vg_err: VG_ERR_WOULDBLOCK when the send buffer is full, VG_ERR_NOBUFS when
 * the stack's buffer budget (cfg.mem_limit) has no room for more. */
VG_API long vg_tcp_send(vg_tcb *t, const void *buf, size_t len, vg_time now);
VG_API long vg_tcp_recv(vg_tcb *t, void *buf, size_t len, vg_time now);         /* bytes, 0 at EOF, or -vg_err */
/* As vg_tcp_recv, but the bytes stay in the receive buffer (MSG_PEEK). */
VG_API long vg_tcp_peek(const vg_tcb *t, void *buf, size_t len);
/* As vg_tcp_recv, but the bytes are dropped instead of copied out: up to len in-order bytes are
 * taken from the receive buffer (acknowledged, the window reopened and announced as vg_tcp_recv
 * does), for a sink that never looks at them (`vigil serve --discard`). */
VG_API long vg_tcp_skip(vg_tcb *t, size_t len, vg_time now);
VG_API int vg_tcp_shutdown_send(vg_tcb *t, vg_time now);                 /* sends FIN after queued data */
VG_API void vg_tcp_close(vg_tcb *t, vg_time now);    /* graceful close and release of the handle */
VG_API void vg_tcp_abort(vg_tcb *t, vg_time now);    /* RST and release of the handle */

VG_API enum vg_tcp_state vg_tcp_state(const vg_tcb *t);
VG_API int vg_tcp_error(const vg_tcb *t);            /* the error that ended the connection, 0 if none */
VG_API size_t vg_tcp_readable(const vg_tcb *t);      /* bytes ready for recv */
VG_API int vg_tcp_eof(const vg_tcb *t);              /* the peer's FIN has been read up to */
VG_API size_t vg_tcp_writable(const vg_tcb *t);      /* free send-buffer space */
VG_API size_t vg_tcp_unacked(const vg_tcb *t);       /* bytes queued or in flight, not yet acknowledged */
VG_API void vg_tcp_endpoints(const vg_tcb *t, uint32_t *laddr, uint16_t *lport,
                      uint32_t *raddr, uint16_t *rport);
/* The same calls for either family. An IPv6 socket bound to :: with v6only clear (as a Windows
 * socket with IPV6_V6ONLY 0) also listens for IPv4, and reports those peers as VG_AF_INET.
 * vg_tcp_endpoints gives 0 for the addresses of an IPv6 connection. */
VG_API int vg_tcp_bind_addr(vg_tcb *t, const vg_addr *addr, uint16_t port);
VG_API int vg_tcp_connect_addr(vg_tcb *t, const vg_addr *raddr, uint16_t rport, vg_time now);
VG_API void vg_tcp_endpoints_addr(const vg_tcb *t, vg_addr *laddr, uint16_t *lport,
                                  vg_addr *raddr, uint16_t *rport);
/* IPv6-only (the default, as IPV6_V6ONLY on Windows) or dual-stack; before bind. 0 or -vg_err. */
VG_API int vg_tcp_set_v6only(vg_tcb *t, int on);
VG_API void vg_tcp_set_user(vg_tcb *t, void *user);
VG_API void *vg_tcp_user(const vg_tcb *t);
VG_API void vg_tcp_set_nodelay(vg_tcb *t, int on);   /* Nagle off when on */
VG_API int vg_tcp_nodelay(const vg_tcb *t);
/* Sets the send and receive buffer sizes (0: leave that one); a size set is fixed: autotuning
 * (README "Buffers") no longer changes it. The receive size applies only before the connection
 * starts (or on a listener, for the connections it accepts), the send size only while nothing
 * is queued; either is fixed from the call on. */
VG_API void vg_tcp_set_bufsizes(vg_tcb *t, uint32_t sndbuf, uint32_t rcvbuf);
/* The buffer sizes in effect (as autotuning has grown them); returns which ones are fixed. */
#define VG_SNDBUF_FIXED 1u
#define VG_RCVBUF_FIXED 2u
VG_API unsigned vg_tcp_bufsizes(const vg_tcb *t, uint32_t *sndbuf, uint32_t *rcvbuf);
/* C7: bound on how long unacknowledged data may wait (ms); VG_MAXRT_FOREVER disables. */
#define VG_MAXRT_DEFAULT 0u
#define VG_MAXRT_FOREVER UINT32_MAX
VG_API void vg_tcp_set_maxrt_ms(vg_tcb *t, uint32_t ms);
VG_API uint32_t vg_tcp_maxrt_ms(const vg_tcb *t);
/* The socket's congestion control (as Linux's TCP_CONGESTION), at any time: an established
 * connection switches at once and its new algorithm starts a fresh epoch from the cwnd and
 * ssthresh it has. 0, or -VG_ERR_INVAL for a value that is no enum vg_cc_algo. */
VG_API int vg_tcp_set_cc(vg_tcb *t, int algo);
VG_API enum vg_cc_algo vg_tcp_cc(const vg_tcb *t);

/* ---- Keep-alive (spec A4, A8–A13, B, C1, C4). */
#define VG_KA_SYSTEM UINT32_MAX     /* "use the system value" for a per-socket setting */
VG_API int vg_tcp_set_keepalive(vg_tcb *t, int on, vg_time now);
VG_API int vg_tcp_keepalive(const vg_tcb *t);
/* Per-socket overrides; VG_KA_SYSTEM returns a setting to the system value. */
VG_API int vg_tcp_set_keepalive_time_ms(vg_tcb *t, uint32_t ms, vg_time now);
VG_API int vg_tcp_set_keepalive_interval_ms(vg_tcb *t, uint32_t ms, vg_time now);
VG_API int vg_tcp_set_keepalive_count(vg_tcb *t, uint32_t count, vg_time now);

struct vg_keepalive_info {
    int enabled;
    uint32_t time_ms, interval_ms, count;   /* effective values */
    uint8_t time_is_system, interval_is_system, count_is_system;
    uint32_t probes_sent;                   /* over the connection's life */
    uint32_t probes_unanswered;             /* consecutive, since the last receipt */
    vg_time last_rx;                        /* last segment received */
    vg_time next_probe_in;                  /* µs until the next probe, VG_TIME_NEVER if none */
    vg_time abort_in;                       /* µs until abort if nothing arrives, or NEVER */
};
VG_API int vg_tcp_keepalive_info(const vg_tcb *t, vg_time now, struct vg_keepalive_info *out);

/* What `ss -o` shows of a connection, at instant now: the keep-alive part is
 * vg_tcp_keepalive_info's, derived from the keep-alive deadline exactly (next_probe_in and
 * abort_in are VG_TIME_NEVER when keep-alive is off, the state allows no probe (B6: data or a
 * FIN outstanding, not synchronised) or count is 0; next_probe_in also once count probes are
 * out, when the next thing due is the abort). Returns 0. */
struct vg_tcp_info {
    enum vg_tcp_state state;
    uint32_t laddr, raddr;
    uint16_t lport, rport;
    size_t send_queue;               /* bytes queued or in flight, not yet acknowledged */
    size_t recv_queue;               /* bytes received in order, not yet read */
    vg_time srtt;                    /* smoothed round-trip time (µs), VG_TIME_NEVER before a sample */
    vg_time rto;                     /* the retransmission timeout now (µs) */
    struct vg_keepalive_info ka;
};
VG_API int vg_tcp_info(const vg_tcb *t, vg_time now, struct vg_tcp_info *out);
/* Every TCB of the stack, listeners and closing connections included, in storage order: NULL gives
 * the first, then the previous one the next; NULL at the end. Valid until the stack next runs. */
VG_API vg_tcb *vg_stack_next_tcb(const vg_stack *s, const vg_tcb *prev);


/* ---- UDP: datagram sockets (real traffic, so the Winsock layer can test A5 on a working one). */
VG_API vg_udp *vg_udp_open(vg_stack *s);
VG_API int vg_udp_bind(vg_udp *u, uint32_t addr, uint16_t port);     /* 0 or -vg_err; port 0 = ephemeral */
VG_API int vg_udp_connect(vg_udp *u, uint32_t raddr, uint16_t rport); /* default destination */
VG_API long vg_udp_sendto(vg_udp *u, const void *buf, size_t len, uint32_t raddr, uint16_t rport,
                   vg_time now);                               /* bytes sent or -vg_err */
/* Takes the oldest queued datagram: its length (truncated to len), or -VG_ERR_WOULDBLOCK. */
VG_API long vg_udp_recvfrom(vg_udp *u, void *buf, size_t len, uint32_t *raddr, uint16_t *rport);
VG_API size_t vg_udp_pending(const vg_udp *u);    /* size of the next datagram, 0 if none queued */
VG_API int vg_udp_has_datagram(const vg_udp *u);
VG_API void vg_udp_endpoints(const vg_udp *u, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
                      uint16_t *rport);
/* The same calls for either family (vg_tcp_bind_addr). A socket is of the family it is bound in;
 * an unbound one binds to the family of its first peer. IPv6 datagrams must carry a checksum
 * (RFC 8200 §8.1): one with none is counted in udp_bad. raddr NULL in vg_udp_sendto_addr: the
 * connected peer. */
VG_API int vg_udp_bind_addr(vg_udp *u, const vg_addr *addr, uint16_t port);
VG_API int vg_udp_connect_addr(vg_udp *u, const vg_addr *raddr, uint16_t rport);
VG_API long vg_udp_sendto_addr(vg_udp *u, const void *buf, size_t len, const vg_addr *raddr,
                               uint16_t rport, vg_time now);
VG_API long vg_udp_recvfrom_addr(vg_udp *u, void *buf, size_t len, vg_addr *raddr,
                                 uint16_t *rport);
VG_API void vg_udp_endpoints_addr(const vg_udp *u, vg_addr *laddr, uint16_t *lport,
                                  vg_addr *raddr, uint16_t *rport);
VG_API void vg_udp_close(vg_udp *u);
/* The application's pointer for the socket (as vg_tcp_set_user), found again from an event. */
VG_API void vg_udp_set_user(vg_udp *u, void *user);
VG_API void *vg_udp_user(const vg_udp *u);

#ifdef __cplusplus
}
#endif
#endif
