/* The keep-alive verdict (see cli_verdict.h). */
#include "cli_verdict.h"

#include <string.h>

void cli_verdict_settings(enum vg_profile profile, const struct vg_sysparams *sys,
                          uint32_t time_ms, uint32_t interval_ms, uint32_t count,
                          struct cli_ka_expect *out)
{
    out->time_ms = time_ms != VG_KA_SYSTEM ? time_ms : sys->keepalive_time_ms;
    out->interval_ms = interval_ms != VG_KA_SYSTEM ? interval_ms : sys->keepalive_interval_ms;
    out->count = count != VG_KA_SYSTEM ? count : vg_sysparams_keepalive_count(profile, sys);
}

vg_time cli_verdict_rt_tolerance(const struct cli_ka_expect *ka)
{
    uint32_t ms = ka->interval_ms < 1000u ? ka->interval_ms : 1000u;
    return VG_MS(ms);
}

void cli_verdict_judge(const struct cli_ka_expect *ka, vg_time last_rx, vg_time abort_at,
                       vg_time tolerance, struct cli_ka_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->idle = abort_at > last_rx ? abort_at - last_rx : 0;
    out->expected = VG_MS(ka->time_ms) + (vg_time)ka->count * VG_MS(ka->interval_ms);
    out->tolerance = tolerance;
    if (out->idle >= out->expected)
        out->late = out->idle - out->expected;
    else
        out->early = out->expected - out->idle;
    out->as_expected = out->early == 0 && out->late <= tolerance;

    char idle[32], want[32], t[32], iv[32], off[32], tol[32];
    cli_format_clock(out->idle, idle);
    cli_format_clock(out->expected, want);
    cli_format_clock(VG_MS(ka->time_ms), t);
    cli_format_clock(VG_MS(ka->interval_ms), iv);
    snprintf(out->formula, sizeof out->formula,
             "%s after the last packet it received (expected %s = %s + %u x %s)", idle, want, t,
             ka->count, iv);
    cli_format_clock(out->early ? out->early : out->late, off);
    cli_format_clock(tolerance, tol);
    if (out->as_expected && out->late == 0)
        snprintf(out->message, sizeof out->message, "%s: as specified", out->formula);
    else if (out->as_expected)
        snprintf(out->message, sizeof out->message,
                 "%s: as specified, %s after that instant (the loop's wake-up; tolerance %s)",
                 out->formula, off, tol);
    else
        snprintf(out->message, sizeof out->message, "%s: NOT as specified, %s %s", out->formula,
                 off, out->early ? "early" : "late");
}

int cli_verdict_emit(struct cli_events *e, const char *host, const char *peer, vg_time last_rx,
                     vg_time abort_at, const struct cli_ka_expect *ka,
                     const struct cli_ka_verdict *v)
{
    vg_time rx = last_rx > e->origin ? last_rx - e->origin : 0;
    struct cli_field f[] = {
        peer ? CLI_STR("peer", peer) : CLI_NULL("peer"),
        CLI_UINT("last_rx_t_us", rx),
        CLI_UINT("idle_us", v->idle),
        CLI_UINT("expected_idle_us", v->expected),
        CLI_UINT("keepalive_time_ms", ka->time_ms),
        CLI_UINT("keepalive_interval_ms", ka->interval_ms),
        CLI_UINT("keepalive_count", ka->count),
        CLI_UINT("late_us", v->late),
        CLI_UINT("tolerance_us", v->tolerance),
        CLI_BOOL("as_expected", v->as_expected),
        CLI_STR("message", v->message),
    };
    return cli_events_emit(e, abort_at, host, "keepalive_verdict", f, sizeof f / sizeof f[0]);
}

int cli_verdict_is_keepalive_abort(const struct vg_event *ev, vg_time *last_rx)
{
    if (ev->type != VG_EV_ABORTED || !ev->tcb ||
        (ev->err != VG_ERR_NETRESET && ev->err != VG_ERR_TIMEDOUT))
        return 0;
    struct vg_keepalive_info info;
    if (vg_tcp_keepalive_info(ev->tcb, ev->now, &info) != 0 || !info.enabled || !info.count ||
        info.probes_unanswered < info.count)
        return 0;
    *last_rx = info.last_rx;
    return 1;
}
