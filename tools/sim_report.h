/* How vigil sim and vigil demo show a scenario run (src/sim/scenario.h): a first line saying what
 * is simulated, the timeline of events as they happen, and a closing verdict that compares what
 * the client saw with what the specification predicts. Text, or with --json one JSON object per
 * line (cli_events.h, docs/events.md): "scenario" first, then the events (a keep-alive abort is
 * followed by its "keepalive_verdict"), then "verdict", e.g.
 *   {"v":2,"t_us":7210002000,"host":"client","event":"aborted","peer":"192.0.2.2:5001",
 *    "error":"WSAENETRESET"}
 * Hosts are "client", "server", "net" (the path), "nat", and "sim" for the first and last lines. */
#ifndef VG_SIM_REPORT_H
#define VG_SIM_REPORT_H

#include <stdio.h>

#include "cli_events.h"
#include "cli_verdict.h"
#include "sim/scenario.h"

struct sim_report {
    struct cli_events ev;
    const struct vg_scn_params *params;
    struct cli_ka_expect ka;        /* the client connection's effective keep-alive */
    uint32_t outstanding;           /* the client's probes sent since its last receipt */
    uint32_t longest_unanswered;    /* most of its probes that went unanswered in a row */
};

/* Works out the effective keep-alive settings from params (per-connection values over the
 * system ones, as the stack does). */
void sim_report_init(struct sim_report *rep, FILE *out, int json, const struct vg_scn_params *p);
/* What is about to be simulated. */
void sim_report_header(struct sim_report *rep);
/* The scenario's on_event callback; ctx is the report. */
void sim_report_event(void *ctx, const struct vg_scn_event *ev);
/* The closing verdict line; returns vg_scn_as_expected(r). */
int sim_report_verdict(struct sim_report *rep, const struct vg_scn_result *r);

/* Runs p with its timeline and verdict printed to stdout (text or JSON lines), writing every
 * packet to pcap_path if not NULL (*packets: how many). Returns 0 when the run went as specified,
 * 1 when not or when it failed (message on stderr, prefixed with prog). */
int sim_report_run(struct vg_scn_params *p, int json, const char *pcap_path, uint64_t *packets,
                   const char *prog);

#endif
