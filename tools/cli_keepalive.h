/* The keep-alive options every CLI command that makes connections accepts (serve, connect, sim),
 * with one set of rules for all of them (spec A9-A12, C1-C3):
 *   --profile P               windows-vista (default), windows-2000 or linux (C2); $VIGIL_PROFILE
 *   --reg FILE                system parameters from a Windows registry export (C3); $VIGIL_REG
 *   --strict                  what the export asks for that is not applied is an error, not a
 *                             warning
 *   --keepalive               enable keep-alive with the system values
 *   --keepalive-time MS       per-connection idle time before the first probe, [1, 2^32-2] ms
 *                             as SIO_KEEPALIVE_VALS takes it (0 is WSAEINVAL); implies --keepalive
 *   --keepalive-interval MS   per-connection interval between unanswered probes, the same range
 *   --keepalive-count N       per-connection probe count, [0, 255] as TCP_KEEPCNT (0: never abort)
 *   --garbage-octet           probes carry one garbage octet (B2; the Windows profiles' default)
 *   --no-garbage-octet        probes carry no data (B2; linux's default)
 * A command puts cli_keepalive_options() into its option tables, calls cli_parse(), then
 * cli_keepalive_check(), which loads the registry export: every usage error (exit 2) is found
 * before the command does anything. */
#ifndef VG_CLI_KEEPALIVE_H
#define VG_CLI_KEEPALIVE_H

#include <stdint.h>
#include <stdio.h>
#include "cli_opts.h"
#include "vigil/vigil.h"

#define CLI_KEEPALIVE_NOPTS 9
/* The .conflict id of --garbage-octet and --no-garbage-octet (a command's own ids are small). */
#define CLI_KEEPALIVE_CONFLICT 90

struct cli_keepalive {
    enum vg_profile profile;
    const char *reg_path;        /* NULL: the profile's defaults */
    int reg_given;               /* CLI_FROM_ARGV (--reg) or CLI_FROM_ENV (VIGIL_REG) */
    const char *reg_prog;        /* the command that took --reg, for its warnings */
    int reg_strict;              /* --strict: VG_REG_STRICT */
    int enable;                  /* turn keep-alive on for each connection */
    uint32_t time_ms;            /* VG_KA_SYSTEM: not given (set by cli_keepalive_check) */
    uint32_t interval_ms;
    uint32_t count;
    int garbage_octet;           /* --garbage-octet */
    int no_garbage_octet;        /* --no-garbage-octet; neither: the profile's choice */
    /* What the parser writes; cli_keepalive_check() turns it into the fields above. */
    uint64_t arg_time_ms, arg_interval_ms, arg_count;
    int time_given, interval_given, count_given;
    struct vg_sysparams sys;     /* the profile's defaults with the export over them */
};

void cli_keepalive_init(struct cli_keepalive *ka);

/* Fills out[] with the option table above, writing into ka; returns how many. */
size_t cli_keepalive_options(struct cli_keepalive *ka, struct cli_opt out[CLI_KEEPALIVE_NOPTS]);

/* After cli_parse(): the per-connection values, and the registry export loaded (its warnings on
 * stderr as "vigil CMD: FILE: line N: ..."). CLI_RUN, or CLI_BAD after printing the usage error
 * (an unreadable, malformed or too large export, or a warning refused under --strict). */
int cli_keepalive_check(struct cli_keepalive *ka, const struct cli_cmd *cmd);

/* A stack configuration for the chosen profile: its defaults, the registry export over them, the
 * garbage-octet choice. The caller fills in the address and the rest. Always 0 after a successful
 * cli_keepalive_check() (err is kept for callers that predate it). */
int cli_keepalive_stack_config(const struct cli_keepalive *ka, struct vg_stack_config *cfg,
                               char *err, size_t errlen);

/* Turns keep-alive on for a connection with the per-connection values given, if asked to. */
int cli_keepalive_apply(const struct cli_keepalive *ka, vg_tcb *t, vg_time now);

#endif
