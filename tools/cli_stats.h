/* Every vg_stack_stats counter, printed when a command that runs a stack ends: with --json one
 * {"v":2,"t_us":..,"host":..,"event":"stats","ip_in":..,...} line, otherwise a "stats" line and one
 * indented "name value" line per counter. Root tests read their counters from it. */
#ifndef VG_CLI_STATS_H
#define VG_CLI_STATS_H

#include "cli_events.h"
#include "vigil/vigil.h"

void cli_stats_print(struct cli_events *e, vg_time now, const char *host,
                     const struct vg_stack_stats *st);

#endif
