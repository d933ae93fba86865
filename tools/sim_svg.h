/* A picture of a simulated run: a standalone SVG file with a vertical lane per host (time runs
 * down), every packet an arrow from its sender's lane at the instant it was sent to its
 * receiver's lane at the instant it arrived; probes, their answers and everything else in
 * distinct colours; a dropped packet's arrow ends in a cross where it was dropped, with the
 * reason; events written beside their lane; an abort annotated with its formula. Time between
 * bursts is compressed (a few milliseconds look as far apart as a second does) and a long idle
 * stretch becomes a broken-axis mark with the skipped duration, so two idle hours and ten
 * one-second probes fit on one page.
 *
 * It is fed by a simnet tap (sim_svg_tap) and by the caller's labels, so any driver of the
 * simulated network can draw its run:
 *     struct sim_svg *g = sim_svg_new("title");
 *     sim_svg_lane(g, 0, "client"); sim_svg_lane(g, 1, "server");
 *     vg_simnet_add_tap(net, sim_svg_tap, g);
 *     ... run, calling sim_svg_label / sim_svg_abort for events ...
 *     sim_svg_write(g, file); sim_svg_free(g);
 * In the file, each packet is a <g class="packet KIND"> (KIND: syn, probe, answer, rst, fin,
 * data, ack, other) with data-id, data-from, data-to, data-sent-us and data-fate (delivered,
 * dropped, in-flight); a drop mark is a <g class="drop"> with data-reason; an abort a
 * <g class="abort"> with data-at-us; a compressed stretch a <g class="break"> with
 * data-skipped-us. */
#ifndef VG_SIM_SVG_H
#define VG_SIM_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "sim/simnet.h"

struct sim_svg;

/* At most this many packets are drawn; the picture says how many more there were. */
#define SIM_SVG_MAX_PACKETS 10000u
/* An idle stretch longer than this becomes a broken-axis mark. */
#define SIM_SVG_BREAK_US 10000000u

struct sim_svg *sim_svg_new(const char *title);   /* NULL when out of memory */
void sim_svg_free(struct sim_svg *g);

/* Lanes, left to right in the order added: one for simnet host `host`, or with host -1 one for a
 * middlebox that is not a host (a NAT: its drops end on it). 0, or -1 (too many lanes). */
int sim_svg_lane(struct sim_svg *g, int host, const char *name);

/* The vg_simnet_tap_fn; ctx is the picture. */
void sim_svg_tap(void *ctx, const struct vg_simnet_tap_event *ev);

/* A label at instant t beside the lane of host (-1: the middlebox lane; -2: across, for the
 * path itself). Labels of one lane at one instant are joined. */
void sim_svg_label(struct sim_svg *g, vg_time t, int host, const char *text);

/* The keep-alive abort of a connection on host at `at`: a line across, and the formula
 * "abort at A ms = last receipt L + time + count × interval". */
void sim_svg_abort(struct sim_svg *g, vg_time at, int host, vg_time last_rx, uint32_t time_ms,
                   uint32_t interval_ms, uint32_t count);

/* Arrows drawn so far (a duplicate delivery is one more). */
uint64_t sim_svg_packets(const struct sim_svg *g);

/* Writes the picture; 0, or -1 when out of memory or the stream failed. */
int sim_svg_write(struct sim_svg *g, FILE *f);

#endif
