/* Parsing and applying the shared keep-alive options (see cli_keepalive.h). */
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

/* A decimal number below VG_KA_SYSTEM (which means "not given"). */
static int parse_u32(const char *s, uint32_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v >= VG_KA_SYSTEM)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static const char *value_of(const char *prog, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int cli_keepalive_option(struct cli_keepalive *ka, const char *prog, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    static const struct { const char *name; size_t field; } numeric[] = {
        {"--keepalive-time", offsetof(struct cli_keepalive, time_ms)},
        {"--keepalive-interval", offsetof(struct cli_keepalive, interval_ms)},
        {"--keepalive-count", offsetof(struct cli_keepalive, count)},
    };
    for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++) {
        if (strcmp(opt, numeric[k].name) != 0)
            continue;
        const char *v = value_of(prog, argc, argv, i);
        uint32_t *field = (uint32_t *)((char *)ka + numeric[k].field);
        if (!v)
            return -1;
        if (parse_u32(v, field) != 0) {
            fprintf(stderr, "%s: %s wants a whole number below %u, not '%s'\n", prog, opt,
                    VG_KA_SYSTEM, v);
            return -1;
        }
        ka->enable = 1;
        return 1;
    }
    if (!strcmp(opt, "--profile")) {
        const char *v = value_of(prog, argc, argv, i);
        if (!v)
            return -1;
        if (vg_profile_parse(v, &ka->profile) != 0) {
            fprintf(stderr, "%s: unknown profile '%s' (windows-vista, windows-2000 or linux)\n",
                    prog, v);
            return -1;
        }
        return 1;
    }
    if (!strcmp(opt, "--reg")) {
        ka->reg_path = value_of(prog, argc, argv, i);
        ka->reg_prog = prog;
        return ka->reg_path ? 1 : -1;
    }
    if (!strcmp(opt, "--strict")) {
        ka->reg_strict = 1;
        return 1;
    }
    if (!strcmp(opt, "--keepalive")) {
        ka->enable = 1;
        return 1;
    }
    if (!strcmp(opt, "--garbage-octet")) {
        ka->garbage_octet = 1;
        return 1;
    }
    return 0;
}

static void reg_warning(void *ctx, const char *msg)
{
    const struct cli_keepalive *ka = ctx;
    const char *prog = ka->reg_prog ? ka->reg_prog : "vigil";
    /* Commands name themselves "vigil sim" or "serve"; a warning always says which program. */
    fprintf(stderr, "%s%s: %s: %s\n", strncmp(prog, "vigil", 5) ? "vigil " : "", prog,
            ka->reg_path, msg);
}

/* A warning refused under --strict is a usage error, like a file too large: the file loads
 * without --strict (into a scratch copy). */
static int strict_refusal(const struct cli_keepalive *ka)
{
    struct vg_sysparams scratch;
    vg_sysparams_default(ka->profile, &scratch);
    return ka->reg_strict && vg_sysparams_load_reg(&scratch, ka->reg_path, NULL, 0) == 0;
}

int cli_keepalive_stack_config(const struct cli_keepalive *ka, struct vg_stack_config *cfg,
                               char *err, size_t errlen)
{
    vg_stack_config_default(cfg, ka->profile);
    if (ka->reg_path) {
        char why[256] = "";
        unsigned flags = ka->reg_strict ? VG_REG_STRICT : 0;
        errno = 0;
        if (vg_sysparams_load_reg_ex(&cfg->sys, ka->reg_path, flags, reg_warning, (void *)ka, why,
                                     sizeof why) != 0) {
            int too_large = errno == EFBIG;
            /* What the file says is "line N: ..." or (strict) "no [...] key ..."; an unreadable
             * file names itself already. */
            int about_text = !strncmp(why, "line ", 5) || !strncmp(why, "no [", 4);
            if (about_text)
                snprintf(err, errlen, "%s: %s", ka->reg_path, why);
            else
                snprintf(err, errlen, "%s", why);
            return too_large || strict_refusal(ka) ? -2 : -1;
        }
    }
    cfg->keepalive_garbage_octet = ka->garbage_octet ? 1 : 0;
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

void cli_keepalive_usage(FILE *f)
{
    fputs("keep-alive options:\n"
          "  --profile P               windows-vista (default), windows-2000 or linux\n"
          "  --reg FILE                system parameters from a Windows registry export (.reg)\n"
          "  --strict                  refuse an export with unknown value names or without the\n"
          "                            Tcpip\\Parameters key (by default a warning)\n"
          "  --keepalive               enable keep-alive with the system values\n"
          "  --keepalive-time MS       idle time before the first probe (enables keep-alive)\n"
          "  --keepalive-interval MS   interval between unanswered probes (enables keep-alive)\n"
          "  --keepalive-count N       unanswered probes before the abort (enables keep-alive)\n"
          "  --garbage-octet           probes carry one garbage octet, as Windows sends them\n",
          f);
}
