/* The keep-alive options every CLI command that makes connections accepts (serve, connect, sim):
 *   --profile P               windows-vista (default), windows-2000 or linux (spec C2)
 *   --reg FILE                system parameters from a Windows registry export (C3)
 *   --strict                  what the export asks for that is not applied is an error, not a
 *                             warning
 *   --keepalive               enable keep-alive with the system values
 *   --keepalive-time MS       per-connection idle time before the first probe (implies --keepalive)
 *   --keepalive-interval MS   per-connection interval between unanswered probes (implies it too)
 *   --keepalive-count N       per-connection probe count (implies it too)
 *   --garbage-octet           probes carry one garbage octet (B2) */
#ifndef VG_CLI_KEEPALIVE_H
#define VG_CLI_KEEPALIVE_H

#include <stdint.h>
#include <stdio.h>
#include "vigil/vigil.h"

struct cli_keepalive {
    enum vg_profile profile;
    const char *reg_path;        /* NULL: the profile's defaults */
    const char *reg_prog;        /* the command that took --reg, for its warnings */
    int reg_strict;              /* --strict: VG_REG_STRICT */
    int enable;                  /* turn keep-alive on for each connection */
    uint32_t time_ms;            /* VG_KA_SYSTEM: not given */
    uint32_t interval_ms;
    uint32_t count;
    int garbage_octet;
};

void cli_keepalive_init(struct cli_keepalive *ka);

/* Looks at argv[*i]: if it is one of the options above, consumes it and its value (advancing *i
 * past the last argument used) and returns 1; returns 0 if it is not ours, and -1 after printing
 * "PROG: reason" to stderr if it is ours but malformed. */
int cli_keepalive_option(struct cli_keepalive *ka, const char *prog, int argc, char **argv, int *i);

/* A stack configuration for the chosen profile: its defaults, the registry export over them, the
 * garbage-octet choice. The caller fills in the address and the rest. The export's warnings go
 * to stderr as "vigil CMD: FILE: line N: ...". 0, or -1 with err set; -2 when the registry export
 * is over VG_REG_MAX_BYTES or --strict refuses a warning (usage errors: exit 2). */
int cli_keepalive_stack_config(const struct cli_keepalive *ka, struct vg_stack_config *cfg,
                               char *err, size_t errlen);

/* Turns keep-alive on for a connection with the per-connection values given, if asked to. */
int cli_keepalive_apply(const struct cli_keepalive *ka, vg_tcb *t, vg_time now);

void cli_keepalive_usage(FILE *f);

#endif
