/* The live view of `vigil serve` and `vigil connect`: a table of the stack's connections like
 * `ss -o` (state, receive and send queues, smoothed RTT, keep-alive: next probe in, unanswered,
 * abort in), printed once a second with --status and whenever SIGUSR1 arrives. As text it goes
 * to stderr, so stdout keeps the event timeline; with --json each row is a "status" event line
 * on stdout with keys peer, state, send_queue, recv_queue, rtt_ms, ka_next_probe_ms,
 * ka_unanswered and ka_abort_in_ms (null where not applicable). */
#ifndef VG_CLI_STATUS_H
#define VG_CLI_STATUS_H

#include <stdio.h>

#include "cli_events.h"
#include "vigil/vigil.h"

struct vg_rtloop;

struct cli_status {
    int periodic;             /* --status */
    vg_time next;             /* the next periodic table */
    FILE *table;              /* where the text table goes (stderr) */
};

/* Starts the view: SIGUSR1 now prints a table (and wakes loop); with periodic, one a second from
 * now on. */
void cli_status_start(struct cli_status *st, struct vg_rtloop *loop, int periodic, vg_time now);
void cli_status_stop(struct cli_status *st);
/* When the loop must wake up for the next periodic table: VG_TIME_NEVER without --status. */
vg_time cli_status_deadline(const struct cli_status *st);
/* Prints a table if one is due or SIGUSR1 came: every connection of s (listeners left out); 1 if
 * it did. */
int cli_status_poll(struct cli_status *st, struct cli_events *ev, const char *host,
                    const vg_stack *s, vg_time now);
/* The table now, whatever is due. */
void cli_status_print(struct cli_status *st, struct cli_events *ev, const char *host,
                      const vg_stack *s, vg_time now);

#endif
