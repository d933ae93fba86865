/* The keep-alive verdict every command that runs a stack prints when keep-alive aborts a
 * connection (sim and demo in their closing verdict and timeline; serve and connect on a real
 * wire): the idle time, from the connection's last receipt to the abort, against B3's
 * time + count x interval of the connection's effective keep-alive settings. */
#ifndef VG_CLI_VERDICT_H
#define VG_CLI_VERDICT_H

#include <stdint.h>

#include "cli_events.h"
#include "vigil/vigil.h"

/* A connection's effective keep-alive settings. */
struct cli_ka_expect {
    uint32_t time_ms, interval_ms, count;
};

/* The stack's rule: a per-connection value where one is given (not VG_KA_SYSTEM), else the
 * system value of the parameters sys under profile (the count: vg_sysparams_keepalive_count). */
void cli_verdict_settings(enum vg_profile profile, const struct vg_sysparams *sys,
                          uint32_t time_ms, uint32_t interval_ms, uint32_t count,
                          struct cli_ka_expect *out);

struct cli_ka_verdict {
    vg_time idle;           /* last receipt to abort */
    vg_time expected;       /* time + count x interval */
    vg_time late;           /* idle - expected, 0 when early */
    vg_time early;          /* expected - idle, 0 when late */
    vg_time tolerance;      /* how late still counts as the instant */
    int as_expected;        /* early == 0 && late <= tolerance */
    /* "2:00:10.000 after the last packet it received (expected 2:00:10.000 = 2:00:00.000 +
     * 10 x 0:00:01.000)" */
    char formula[256];
    /* formula + ": as specified" (or how far off it is) */
    char message[448];
};

/* Judges an abort at abort_at of a connection last heard from at last_rx. tolerance: 0 in
 * virtual time (the instant is exact); on a real wire, the abort comes at the first turn of the
 * loop at or after the instant, so a little later is allowed (cli_verdict_rt_tolerance). */
void cli_verdict_judge(const struct cli_ka_expect *ka, vg_time last_rx, vg_time abort_at,
                       vg_time tolerance, struct cli_ka_verdict *out);

/* One probe interval, at most a second: later than that the stack missed a probe's deadline. */
vg_time cli_verdict_rt_tolerance(const struct cli_ka_expect *ka);

/* The "keepalive_verdict" event line (docs/events.md) for a verdict of cli_verdict_judge; peer
 * may be NULL. last_rx and abort_at are on the events' clock. */
int cli_verdict_emit(struct cli_events *e, const char *host, const char *peer, vg_time last_rx,
                     vg_time abort_at, const struct cli_ka_expect *ka,
                     const struct cli_ka_verdict *v);

/* Whether an ABORTED stack event is keep-alive's (B3): the connection has keep-alive on, a
 * nonzero count, count probes unanswered, and a keep-alive error. When it is, *last_rx gets the
 * connection's last receipt (the stack's clock). */
int cli_verdict_is_keepalive_abort(const struct vg_event *ev, vg_time *last_rx);

#endif
