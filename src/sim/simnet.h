/* The simulated network: several stacks joined by an in-process wire, driven by a virtual clock.
 * Latency, bandwidth, loss, duplication, reordering, corruption and partitions come from one
 * seeded PRNG, so a run with the same seed replays byte for byte. The clock jumps straight to
 * the next event (a packet delivery or a stack deadline): two idle hours cost no wall time. */
#ifndef VG_SIMNET_H
#define VG_SIMNET_H

#include <stdint.h>
#include <stdio.h>
#include "vigil/vigil.h"

struct vg_pcap;

struct vg_link_params {
    uint32_t latency_us;      /* one-way propagation delay */
    uint64_t bandwidth_bps;   /* 0 = infinite; otherwise packets serialise on the wire */
    double loss;              /* probability a packet is dropped */
    double dup;               /* probability a packet is delivered twice */
    double reorder;           /* probability a packet is held back by up to 2x latency extra */
    double corrupt;           /* probability one random bit of the packet is flipped */
};

/* A middlebox or fault injector sees every packet when it is sent. It may rewrite the packet
 * in place (len stays) and returns 1 to pass it, 0 to drop it. from/to are host indices. */
typedef int (*vg_sim_filter_fn)(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now);

typedef struct vg_simnet vg_simnet;

vg_simnet *vg_simnet_new(uint64_t seed, const struct vg_link_params *lp);
void vg_simnet_free(vg_simnet *n);                 /* frees the hosts' stacks too */
void vg_simnet_set_link(vg_simnet *n, const struct vg_link_params *lp);

/* Creates a stack from cfg (its output is wired to the network) and returns its host index,
 * or -1. Packets are routed by destination address: exact match, or inside a host's subnet
 * when that host's config has accept_subnet. */
int vg_simnet_add_host(vg_simnet *n, const struct vg_stack_config *cfg);
vg_stack *vg_simnet_stack(vg_simnet *n, int host);
/* Replaces host's stack with a fresh one from the same config: a reboot that lost all state.
 * Packets in flight to it are delivered to the new stack. */
vg_stack *vg_simnet_reboot(vg_simnet *n, int host);
/* A host that is down neither sends, receives nor runs timers (a crash or power-off). */
void vg_simnet_set_host_up(vg_simnet *n, int host, int up);
/* While partitioned, every packet between a and b (either direction) is dropped. */
void vg_simnet_set_partition(vg_simnet *n, int a, int b, int on);
void vg_simnet_set_filter(vg_simnet *n, vg_sim_filter_fn fn, void *ctx);
/* Every packet put on the wire (before loss/filter) is written to the capture, with the
 * virtual time as its timestamp and, on a packet the net dropped, a comment saying why
 * (sim_capture.h). NULL to stop (what is still in flight is written then). The net does not own
 * the capture. */
void vg_simnet_set_pcap(vg_simnet *n, struct vg_pcap *p);

/* ---- Taps: what happened to every packet, for a capture or a picture.
 * A packet put on the wire by a host that is up is reported once as SENT, in the order sent,
 * and later as DELIVERED (a duplicate is delivered twice, under the same id) or DROPPED with a
 * reason, or not at all when it is still in flight as the run ends. A host that is down puts
 * nothing on the wire: its stack's output is not reported (stats.host_down counts it). */
enum vg_simnet_tap_kind { VG_SIMNET_SENT = 1, VG_SIMNET_DELIVERED, VG_SIMNET_DROPPED };
enum vg_simnet_drop {
    VG_SIMNET_DROP_NONE = 0,
    VG_SIMNET_DROP_LOSS,        /* the link's random loss, or a filter's (vg_simnet_drop_reason) */
    VG_SIMNET_DROP_PARTITION,
    VG_SIMNET_DROP_HOST_DOWN,   /* the receiver was down when the packet arrived */
    VG_SIMNET_DROP_NO_ROUTE,    /* addressed to no host */
    VG_SIMNET_DROP_NAT,         /* a NAT or stateful firewall knew no flow for it */
    VG_SIMNET_DROP_FILTER,      /* a filter dropped it and said nothing more */
};
struct vg_simnet_tap_event {
    enum vg_simnet_tap_kind kind;
    uint64_t id;                /* 1, 2, ... in the order packets were put on the wire */
    vg_time sent_at;            /* when the sender put it on the wire */
    vg_time at;                 /* SENT: sent_at; DELIVERED: arrival; DROPPED: when dropped */
    vg_time due;                /* when it arrives, or would have arrived had it not been dropped */
    int from, to;               /* host indices; to is -1 for a packet addressed to no host */
    const uint8_t *pkt;         /* SENT: the bytes as sent; DELIVERED: as delivered; DROPPED: as */
    size_t len;                 /*   they were when dropped. Valid during the call only */
    enum vg_simnet_drop drop;   /* DROPPED */
    const char *reason;         /* DROPPED: e.g. "random loss", "partition", "host down" */
};
typedef void (*vg_simnet_tap_fn)(void *ctx, const struct vg_simnet_tap_event *ev);
#define VG_SIMNET_MAX_TAPS 4
/* Adds a tap (called in the order added); 0, or -1 when VG_SIMNET_MAX_TAPS are attached. */
int vg_simnet_add_tap(vg_simnet *n, vg_simnet_tap_fn fn, void *ctx);
void vg_simnet_remove_tap(vg_simnet *n, vg_simnet_tap_fn fn, void *ctx);
/* A filter that is about to return 0 may say why (the text is copied, at most 159 bytes);
 * without it the drop is VG_SIMNET_DROP_FILTER, "filtered". */
void vg_simnet_drop_reason(vg_simnet *n, enum vg_simnet_drop why, const char *text);
/* The short text of a drop kind: "random loss", "partition", "host down", ... */
const char *vg_simnet_drop_name(enum vg_simnet_drop why);

vg_time vg_simnet_now(const vg_simnet *n);
/* Runs the next event if it is due at or before limit; returns 1 if one ran, 0 otherwise
 * (then the clock has moved to limit). */
int vg_simnet_step(vg_simnet *n, vg_time limit);
/* Moves the clock to t without running anything, for a driver that must act at t before what
 * is due then (call it once vg_simnet_step(n, t - 1) has returned 0). A t before the clock, or
 * past the next event, is ignored. */
void vg_simnet_advance(vg_simnet *n, vg_time t);
/* Runs every event up to and including time t; the clock ends at t. */
void vg_simnet_run_until(vg_simnet *n, vg_time t);
/* Runs until pred(ctx) is true (checked after every event) or the clock passes limit.
 * Returns 1 if pred became true. */
int vg_simnet_run_while_not(vg_simnet *n, int (*pred)(void *ctx), void *ctx, vg_time limit);

struct vg_simnet_stats {
    uint64_t sent, delivered, lost, duplicated, reordered, corrupted, filtered, partitioned;
    uint64_t unroutable;   /* addressed to no host */
    uint64_t host_down;    /* sent by, or arriving at, a host that is down */
};
const struct vg_simnet_stats *vg_simnet_stats(const vg_simnet *n);
int vg_simnet_host_count(const vg_simnet *n);
size_t vg_simnet_in_flight(const vg_simnet *n);   /* packets on the wire now */

#endif
