/* Test support: a scripted TCP peer. One stack under test; the test plays the other end by
 * hand. Every datagram the stack sends is captured (parsed) in order with the time it left, and
 * the test writes each segment it wants the stack to see, so individual segments, their
 * sequence numbers, flags, options and timing can be asserted and injected exactly. Virtual
 * time only moves when the test says so; timers then fire at their exact deadlines.
 * For tests only: failures are cmocka assertions. */
#ifndef RAWPEER_H
#define RAWPEER_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/vigil.h"
#include "wire/wire.h"

#define RP_STACK_ADDR 0xc0000201u   /* 192.0.2.1: the stack under test */
#define RP_PEER_ADDR 0xc0000202u    /* 192.0.2.2: the scripted peer */
#define RP_PEER_PORT 40000u

/* One datagram the stack sent. Non-TCP or unparseable output is kept too (is_tcp 0). */
struct rp_seg {
    vg_time at;
    int is_tcp;
    struct vg_ipv4_hdr ip;
    struct vg_tcp_hdr th;
    uint8_t *data;
    size_t dlen;
    uint8_t *raw;                 /* the whole datagram as sent */
    size_t rawlen;
};

struct rp_event {
    struct vg_event ev;           /* ev.tcb is an identity only: the TCB may be gone */
};

struct rawpeer {
    vg_stack *s;
    vg_time now;
    vg_time polled_at;
    struct rp_seg **segs;         /* each allocated alone: a pointer a test holds stays valid */
    size_t nsegs, segcap, next;   /* next: first segment not yet taken */
    struct rp_event *events;
    size_t nevents, evcap;
    /* The scripted end of the connection under test. */
    uint16_t port;                /* the peer's port */
    uint16_t sport;               /* the stack's port */
    uint32_t seq;                 /* the peer's SND.NXT */
    uint32_t ack;                 /* the peer's RCV.NXT */
    uint16_t wnd;                 /* the window field the peer writes */
};

/* A stack at RP_STACK_ADDR from cfg (NULL: profile defaults, seed 1). cfg->addr is overridden. */
struct rawpeer *rp_new(const struct vg_stack_config *cfg);
void rp_free(struct rawpeer *rp);
/* A default config with the scripted peer's address plan filled in. */
void rp_config(struct vg_stack_config *cfg);

/* Runs every timer due up to t, each at its own deadline; the clock ends at t. */
void rp_run_until(struct rawpeer *rp, vg_time t);
void rp_run_for(struct rawpeer *rp, vg_time dt);
/* Runs timers one deadline at a time until the stack has sent something or the clock reaches
 * limit; returns the next segment (taken), or NULL with the clock at limit. */
const struct rp_seg *rp_wait(struct rawpeer *rp, vg_time limit);

/* Builds an IPv4+TCP datagram; returns its length. */
size_t rp_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, const struct vg_tcp_hdr *h,
                const void *data, size_t dlen);
/* Hands a raw datagram to the stack at the current time. */
void rp_inject(struct rawpeer *rp, const uint8_t *pkt, size_t len);
/* A segment from the peer's port to the stack's port; opt may be NULL. */
void rp_send(struct rawpeer *rp, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
             const struct vg_tcp_opts *opt, const void *data, size_t dlen);
/* The same from the peer's state: SEQ = rp->seq, ACK = rp->ack, WND = rp->wnd; SND.NXT advances
 * by the data and by SYN/FIN. */
void rp_send_seg(struct rawpeer *rp, uint8_t flags, const void *data, size_t dlen);
void rp_send_ack(struct rawpeer *rp);
void rp_send_data(struct rawpeer *rp, const void *data, size_t dlen);

/* Captured output. */
size_t rp_pending(const struct rawpeer *rp);
const struct rp_seg *rp_take(struct rawpeer *rp);          /* next, or NULL */
const struct rp_seg *rp_expect(struct rawpeer *rp);        /* next TCP segment; asserts one */
void rp_expect_none(struct rawpeer *rp);                   /* asserts nothing is pending */
/* The stack's ACK of the peer's FIN that took it to CLOSE_WAIT, just sent: delayed like a data
 * segment's (the application's own FIN may take it along), so nothing now and the ACK
 * VG_DELACK_US later. */
const struct rp_seg *rp_expect_close_wait_ack(struct rawpeer *rp);
void rp_drain(struct rawpeer *rp);
/* Takes the next segment and, if it carries data or FIN in sequence with rp->ack, advances
 * rp->ack past it (the peer "receives" it). */
const struct rp_seg *rp_receive(struct rawpeer *rp);
/* A segment's length in sequence space (data + SYN + FIN). */
uint32_t rp_seg_len(const struct rp_seg *g);

/* Handshakes. rp_open_passive: the peer connects to a stack listener on `port` with the given
 * SYN options (NULL: MSS 1460, window scale 7), completes the handshake and returns the
 * accepted TCB (ESTABLISHED). rp_open_active: the stack connects to the peer, which answers with
 * syn_opts (NULL: the same defaults); returns the stack's TCB (ESTABLISHED). Both leave no output
 * pending and rp->seq/ack/ports set. */
vg_tcb *rp_open_passive(struct rawpeer *rp, vg_tcb *listener, uint16_t port,
                        const struct vg_tcp_opts *syn_opts, uint16_t wnd);
vg_tcb *rp_open_active(struct rawpeer *rp, uint16_t port, const struct vg_tcp_opts *syn_opts,
                       uint16_t wnd);
/* Their first halves, for a test that answers the rest itself. rp_send_syn: the peer's SYN
 * (ISN 0x10000000, syn_opts as rp_open_passive's) to the stack's `port`; returns the SYN-ACK
 * (asserted to be one, acknowledging the SYN) with rp->seq past the SYN and rp->ack past the
 * SYN-ACK. rp_connect: the stack connects from `port` to the peer; returns its TCB and, in *syn,
 * the first segment it sent (taken, not checked), with rp->sport set. */
const struct rp_seg *rp_send_syn(struct rawpeer *rp, uint16_t port,
                                 const struct vg_tcp_opts *syn_opts, uint16_t wnd);
vg_tcb *rp_connect(struct rawpeer *rp, uint16_t port, const struct rp_seg **syn);
vg_tcb *rp_listen(struct rawpeer *rp, uint16_t port, int backlog);

/* Events (tcb NULL matches any). */
size_t rp_count_events(const struct rawpeer *rp, enum vg_event_type type, const vg_tcb *tcb);
const struct rp_event *rp_find_event(const struct rawpeer *rp, enum vg_event_type type,
                                     const vg_tcb *tcb, size_t start);
void rp_clear_events(struct rawpeer *rp);

const struct vg_stack_stats *rp_stats(const struct rawpeer *rp);
/* "SYN|ACK" etc., for failure messages. */
const char *rp_flags_str(uint8_t flags, char buf[32]);

#endif
