/* The shared keep-alive options: their table, their checks, and applying them (see
 * cli_keepalive.h). */
#include "cli_keepalive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cli_keepalive_init(struct cli_keepalive *ka)
{
    memset(ka, 0, sizeof *ka);
    ka->profile = VG_PROFILE_WINDOWS_VISTA;
    ka->time_ms = ka->interval_ms = ka->count = VG_KA_SYSTEM;
}

static int parse_profile(const char *v, void *dst)
{
    return vg_profile_parse(v, dst);
}

size_t cli_keepalive_options(struct cli_keepalive *ka, struct cli_opt out[CLI_KEEPALIVE_NOPTS])
{
    /* SIO_KEEPALIVE_VALS takes any nonzero DWORD of ms (A12; 0 is WSAEINVAL) and the core keeps
     * UINT32_MAX for "the system value"; TCP_KEEPCNT takes 0 to 255 (A10, C1). */
    const struct cli_opt opts[CLI_KEEPALIVE_NOPTS] = {
        {OPT_CUSTOM("profile", &ka->profile, parse_profile,
                    "one of windows-vista, windows-2000, linux"),
         .meta = "P", .env = "VIGIL_PROFILE",
         .help = "windows-vista (default), windows-2000 or linux"},
        {OPT_FILE_IN("reg", &ka->reg_path), .env = "VIGIL_REG", .given = &ka->reg_given,
         .help = "system parameters from a Windows registry export (.reg)"},
        {OPT_FLAG("strict", &ka->reg_strict),
         .help = "refuse an export with unknown value names or without the\n"
                 "Tcpip\\Parameters key (by default a warning)"},
        {OPT_FLAG("keepalive", &ka->enable), .help = "enable keep-alive with the system values"},
        {OPT_MS("keepalive-time", &ka->arg_time_ms, 1, VG_KA_SYSTEM - 1),
         .given = &ka->time_given,
         .help = "idle time before the first probe (enables keep-alive)"},
        {OPT_MS("keepalive-interval", &ka->arg_interval_ms, 1, VG_KA_SYSTEM - 1),
         .given = &ka->interval_given,
         .help = "interval between unanswered probes (enables keep-alive)"},
        {OPT_UINT("keepalive-count", &ka->arg_count, 0, 255), .given = &ka->count_given,
         .help = "unanswered probes before the abort, 0: never (enables\nkeep-alive)"},
        {OPT_FLAG("garbage-octet", &ka->garbage_octet), .conflict = CLI_KEEPALIVE_CONFLICT,
         .help = "probes carry one garbage octet, as Windows sends them\n(the default under "
                 "the Windows profiles)"},
        {OPT_FLAG("no-garbage-octet", &ka->no_garbage_octet),
         .conflict = CLI_KEEPALIVE_CONFLICT,
         .help = "probes carry no data (the default under linux; Linux\nanswers those at most "
                 "once per 500 ms)"},
    };
    memcpy(out, opts, sizeof opts);
    return CLI_KEEPALIVE_NOPTS;
}

static void reg_warning(void *ctx, const char *msg)
{
    const struct cli_keepalive *ka = ctx;
    fprintf(stderr, "vigil %s: %s: %s\n", ka->reg_prog ? ka->reg_prog : "", ka->reg_path, msg);
}

int cli_keepalive_check(struct cli_keepalive *ka, const struct cli_cmd *cmd)
{
    if (ka->time_given)
        ka->time_ms = (uint32_t)ka->arg_time_ms;
    if (ka->interval_given)
        ka->interval_ms = (uint32_t)ka->arg_interval_ms;
    if (ka->count_given)
        ka->count = (uint32_t)ka->arg_count;
    if (ka->time_given || ka->interval_given || ka->count_given)
        ka->enable = 1;
    ka->reg_prog = cmd->name;
    vg_sysparams_default(ka->profile, &ka->sys);
    if (!ka->reg_path)
        return CLI_RUN;
    char why[256] = "";
    const char *origin = ka->reg_given == CLI_FROM_ENV ? "VIGIL_REG" : "--reg";
    unsigned flags = ka->reg_strict ? VG_REG_STRICT : 0;
    if (vg_sysparams_load_reg_ex(&ka->sys, ka->reg_path, flags, reg_warning, ka, why,
                                 sizeof why) != 0) {
        /* What the file says is "line N: ..." or (strict) "no [...] key ..."; an unreadable
         * or oversized file names itself already. */
        if (!strncmp(why, "line ", 5) || !strncmp(why, "no [", 4))
            return cli_fail(cmd, "%s %s: %s", origin, ka->reg_path, why);
        return cli_fail(cmd, "%s: %s", origin, why);
    }
    return CLI_RUN;
}

int cli_keepalive_stack_config(const struct cli_keepalive *ka, struct vg_stack_config *cfg,
                               char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    vg_stack_config_default(cfg, ka->profile);
    cfg->sys = ka->sys;
    cfg->keepalive_garbage_octet = ka->garbage_octet      ? VG_GARBAGE_OCTET_ON
                                   : ka->no_garbage_octet ? VG_GARBAGE_OCTET_OFF
                                                          : VG_GARBAGE_OCTET_DEFAULT;
    return 0;
}

int cli_keepalive_apply(const struct cli_keepalive *ka, vg_tcb *t, vg_time now)
{
    if (!ka->enable)
        return 0;
    int rc = 0;
    if (ka->time_ms != VG_KA_SYSTEM && !rc)
        rc = vg_tcp_set_keepalive_time_ms(t, ka->time_ms, now);
    if (ka->interval_ms != VG_KA_SYSTEM && !rc)
        rc = vg_tcp_set_keepalive_interval_ms(t, ka->interval_ms, now);
    if (ka->count != VG_KA_SYSTEM && !rc)
        rc = vg_tcp_set_keepalive_count(t, ka->count, now);
    if (!rc)
        rc = vg_tcp_set_keepalive(t, 1, now);
    return rc;
}
