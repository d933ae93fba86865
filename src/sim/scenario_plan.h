/* The prediction of a scenario: from the keep-alive settings, the link latency and the instants
 * of the scenario's faults, what the client must see and when (spec B3, A10, A13, C2), and how
 * long a run needs to show it. Pure arithmetic, kept apart from the engine that runs the network
 * so that the expectation is never read back from what the stack did. */
#ifndef VG_SCENARIO_PLAN_H
#define VG_SCENARIO_PLAN_H

#include "sim/scenario.h"

/* How long a run goes on after its deciding instant, so the last packets and events show. */
#define VG_SCN_SETTLE VG_MS(1000)

struct scn_plan_in {
    enum vg_scenario scenario;
    enum vg_profile profile;
    vg_time time, interval;     /* the connection's effective keep-alive time and interval, µs */
    uint32_t count;
    vg_time latency;            /* one-way */
    int random_loss;            /* packets are lost at random: the outcome is not predictable */
    /* The client's last receipt once the handshake had settled (nothing left on the wire), and
     * the instant the NAT last saw a packet of the flow then; VG_TIME_NEVER if not reached. */
    vg_time idle_from, nat_last_seen;
    /* Fault scenarios: the fault's instant, the client's last receipt before it (packets already
     * on their way included), and the heal or return instant (VG_TIME_NEVER if none). */
    vg_time fault_at, last_rx_before_fault, recover_at;
    vg_time nat_timeout;
};

struct scn_plan {
    int known;                  /* 0: random loss decides */
    enum vg_scn_outcome outcome;
    vg_time at;                 /* of the abort or reset; VG_TIME_NEVER when it lives */
    int error;                  /* enum vg_err the client's connection ends with, 0 if it lives */
    vg_time horizon;            /* a run without a fixed duration lasts until here */
};

/* The fault scenarios (peer-crash, partition, peer-reboot) are planned at their fault, the others
 * once the handshake has settled (idle_from). */
void scn_plan_make(const struct scn_plan_in *in, struct scn_plan *out);

/* The keep-alive abort instant after a last receipt at last_rx (B3). */
vg_time scn_abort_instant(vg_time last_rx, vg_time time, vg_time interval, uint32_t count);

#endif
