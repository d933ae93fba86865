/* A capture of a simulated network that says why the network dropped a packet: a simnet tap
 * (simnet.h) that writes every packet at the instant it was put on the wire, with a pcapng
 * comment such as "dropped: random loss" or "dropped: host down" on each one the net, a filter or
 * a NAT dropped. A packet's fate is known only once it arrives, so packets wait in send order
 * until the oldest one's fate is known; the wait holds only what is in flight. */
#ifndef VG_SIM_CAPTURE_H
#define VG_SIM_CAPTURE_H

#include <stdint.h>
#include "sim/simnet.h"

struct vg_pcap;
struct vg_sim_capture;

/* Writes to p (which the caller still owns) with epoch added to every virtual timestamp. */
struct vg_sim_capture *vg_sim_capture_new(struct vg_pcap *p, vg_time epoch);
/* The vg_simnet_tap_fn; ctx is the capture. */
void vg_sim_capture_tap(void *ctx, const struct vg_simnet_tap_event *ev);
/* Packets written with a drop comment so far. */
uint64_t vg_sim_capture_dropped(const struct vg_sim_capture *c);
/* Writes what still waits (in flight as the run ends: no comment) and frees the capture (not the
 * pcap). 0, or -1 if a packet could not be kept for lack of memory. NULL is a no-op. */
int vg_sim_capture_finish(struct vg_sim_capture *c);

#endif
