/* A middlebox for the simulated network that keeps per-flow state the way a NAT or a stateful
 * firewall does, and forgets it the same way: a TCP flow becomes known when a SYN passes, stays
 * known while its packets keep passing, and is forgotten once it has been idle for the timeout.
 * A packet of a flow the box does not know is dropped without a word to either end — it is not a
 * SYN, so the box cannot create state from it. That is how a long-idle connection behind a real
 * NAT dies, and why keep-alive probes sent more often than the NAT's timeout keep it alive.
 *
 * Addresses are not rewritten (the forgetting is what matters to keep-alive); packets other than
 * TCP pass untouched. It plugs into vg_simnet_set_filter with the box as the context. */
#ifndef VG_NAT_H
#define VG_NAT_H

#include <stddef.h>
#include <stdint.h>
#include "sim/simnet.h"
#include "vigil/vigil.h"

struct vg_nat;

enum vg_nat_event_type {
    VG_NAT_FLOW_CREATED = 1,   /* a SYN passed */
    VG_NAT_FLOW_FORGOTTEN,     /* idle for the timeout; at = last_seen + timeout */
    VG_NAT_FLOW_CLOSED,        /* an RST passed: the box lets the state go at once */
    VG_NAT_DROPPED,            /* a packet of no known flow, dropped silently */
};

struct vg_nat_event {
    enum vg_nat_event_type type;
    vg_time at;
    vg_time last_seen;          /* the flow's last packet (FORGOTTEN, CLOSED; DROPPED: of the
                                   forgotten flow the packet belonged to, or VG_TIME_NEVER) */
    /* The flow's endpoints as its SYN carried them, or the dropped packet's own. */
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    const uint8_t *pkt;         /* DROPPED: the packet, valid during the callback */
    size_t len;
    int from, to;               /* DROPPED: simnet host indices */
};
typedef void (*vg_nat_event_fn)(void *ctx, const struct vg_nat_event *ev);

struct vg_nat_stats {
    uint64_t passed, dropped, created, forgotten, closed;
};

/* A box that forgets flows idle for idle_timeout µs (at least 1). NULL when out of memory. */
struct vg_nat *vg_nat_new(vg_time idle_timeout);
void vg_nat_free(struct vg_nat *nat);
void vg_nat_set_event(struct vg_nat *nat, vg_nat_event_fn fn, void *ctx);

/* The vg_sim_filter_fn: ctx is the box. 1 to pass the packet, 0 to drop it. */
int vg_nat_filter(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now);
/* From now on every drop is also explained to net (vg_simnet_drop_reason), so its taps and
 * capture say "NAT forgot the flow (idle 7200001 ms > timeout 300000 ms)". NULL stops it. */
void vg_nat_report_to(struct vg_nat *nat, vg_simnet *net);

/* Forgets every flow whose timeout has run out at or before now. The filter does this by itself
 * before looking at a packet; a driver that wants each FORGOTTEN event reported at its own
 * instant calls it at vg_nat_next_expiry(). */
void vg_nat_expire(struct vg_nat *nat, vg_time now);
/* When the next flow will be forgotten if nothing passes: VG_TIME_NEVER when none is known. */
vg_time vg_nat_next_expiry(const struct vg_nat *nat);

size_t vg_nat_flow_count(const struct vg_nat *nat);
vg_time vg_nat_idle_timeout(const struct vg_nat *nat);
const struct vg_nat_stats *vg_nat_stats(const struct vg_nat *nat);

#endif
