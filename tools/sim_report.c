/* The scenario report (see sim_report.h). */
#include "sim_report.h"

#include <errno.h>
#include <string.h>

#include "link/pcap.h"

static const char *wsa(int err)
{
    const char *name = cli_wsa_error_name(err);
    return name ? name : vg_err_name(err);
}

static vg_time since(vg_time t, vg_time from) { return t > from ? t - from : 0; }

void sim_report_init(struct sim_report *rep, FILE *out, int json, const struct vg_scn_params *p)
{
    memset(rep, 0, sizeof *rep);
    cli_events_init(&rep->ev, out, json, 0);
    rep->ev.clock = 1;
    rep->params = p;
    const struct vg_sysparams *sys = &p->cfg.sys;
    rep->time_ms = p->ka_time_ms != VG_KA_SYSTEM ? p->ka_time_ms : sys->keepalive_time_ms;
    rep->interval_ms =
        p->ka_interval_ms != VG_KA_SYSTEM ? p->ka_interval_ms : sys->keepalive_interval_ms;
    rep->count = p->ka_count != VG_KA_SYSTEM ? p->ka_count
                                              : vg_sysparams_keepalive_count(p->cfg.profile, sys);
}

/* ---- the first line */

static void describe(const struct vg_scn_params *p, char *buf, size_t len)
{
    char f[32], d[32];
    cli_format_clock(p->fault_at, f);
    switch (p->scenario) {
    case VG_SCN_PEER_CRASH:
        snprintf(buf, len, "the server goes down silently at %s", f);
        break;
    case VG_SCN_PARTITION:
        if (p->heal_after == VG_SCN_AUTO) {
            snprintf(buf, len, "the path drops everything from %s until halfway through the "
                               "probes", f);
        } else {
            cli_format_clock(p->heal_after, d);
            snprintf(buf, len, "the path drops everything from %s for %s", f, d);
        }
        break;
    case VG_SCN_PEER_REBOOT:
        cli_format_clock(p->down_for, d);
        snprintf(buf, len, "the server goes down at %s and comes back with no state %s later", f,
                 d);
        break;
    case VG_SCN_NAT_EXPIRY:
        cli_format_clock(p->nat_timeout, d);
        snprintf(buf, len, "a NAT between them forgets a flow idle for %s", d);
        break;
    case VG_SCN_LOSSY:
        snprintf(buf, len, "every packet after the handshake is lost with probability %g", p->loss);
        break;
    case VG_SCN_ALIVE:
    default:
        snprintf(buf, len, "the server stays up and answers every probe");
        break;
    }
}

void sim_report_header(struct sim_report *rep)
{
    const struct vg_scn_params *p = rep->params;
    char what[160];
    describe(p, what, sizeof what);
    if (rep->ev.json) {
        struct cli_field f[] = {
            CLI_STR("scenario", vg_scenario_name(p->scenario)),
            CLI_STR("profile", vg_profile_name(p->cfg.profile)),
            CLI_UINT("keepalive_time_ms", rep->time_ms),
            CLI_UINT("keepalive_interval_ms", rep->interval_ms),
            CLI_UINT("keepalive_count", rep->count),
            CLI_BOOL("garbage_octet", p->cfg.keepalive_garbage_octet),
            CLI_UINT("latency_us", p->latency_us),
            CLI_UINT("seed", p->seed),
            CLI_STR("client", "192.0.2.1"),
            CLI_STR("server", "192.0.2.2:5001"),
            CLI_STR("description", what),
        };
        cli_events_emit(&rep->ev, 0, "sim", "scenario", f, sizeof f / sizeof f[0]);
        return;
    }
    FILE *out = rep->ev.out;
    fprintf(out, "scenario %s, profile %s: %s\n", vg_scenario_name(p->scenario),
            vg_profile_name(p->cfg.profile), what);
    fprintf(out, "client 192.0.2.1 -> server 192.0.2.2:5001, %g ms each way; keep-alive on the "
                 "client: time %u ms, interval %u ms, count %u%s\n\n",
            p->latency_us / 1000.0, rep->time_ms, rep->interval_ms, rep->count,
            p->cfg.keepalive_garbage_octet ? ", probes carry one garbage octet" : "");
    fflush(out);
}

/* ---- the timeline */

void sim_report_event(void *ctx, const struct vg_scn_event *ev)
{
    struct sim_report *rep = ctx;
    struct cli_field f[4];
    size_t n = 0;
    switch (ev->type) {
    case VG_EV_PROBE_SENT:
        f[n++] = CLI_UINT("probe", ev->arg);
        f[n++] = CLI_UINT("count", rep->count);
        break;
    case VG_EV_PROBE_ACKED:
        f[n++] = CLI_UINT("unanswered_before", ev->arg);
        break;
    case VG_EV_ABORTED:
        f[n++] = CLI_STR("error", wsa(ev->err));
        /* For a keep-alive abort: how long the peer had been silent (B3's instant). */
        if (ev->last_rx != VG_TIME_NEVER &&
            (ev->err == VG_ERR_NETRESET || ev->err == VG_ERR_TIMEDOUT))
            f[n++] = CLI_UINT("idle_ms", since(ev->t, ev->last_rx) / 1000u);
        break;
    case VG_EV_CLOSED:
        if (ev->err)
            f[n++] = CLI_STR("error", wsa(ev->err));
        break;
    case VG_SCN_EV_PACKET_DROPPED:
        f[n++] = CLI_STR("what", vg_scn_segment_name(ev->what));
        f[n++] = CLI_STR("from", vg_scn_host_name(ev->from));
        f[n++] = CLI_STR("reason", vg_scn_drop_reason_name(ev->reason));
        break;
    case VG_SCN_EV_NAT_FORGOT_FLOW:
        f[n++] = CLI_UINT("timeout_ms", ev->arg);
        f[n++] = CLI_UINT("last_seen_ms", ev->last_rx / 1000u);
        break;
    default:
        break;
    }
    cli_events_emit(&rep->ev, ev->t, vg_scn_host_name(ev->host), vg_scn_event_name(ev->type), f, n);
}

/* ---- the verdict */

static void clock_of(vg_time us, char out[32]) { cli_format_clock(us, out); }

/* "2:00:10.000 after the last packet it received (expected 2:00:10.000 = 2:00:00.000 + 10 x
 * 0:00:01.000), error WSAENETRESET" */
static void abort_sentence(const struct sim_report *rep, const struct vg_scn_result *r, char *buf,
                           size_t len)
{
    char idle[32], want[32], t[32], iv[32];
    clock_of(since(r->outcome_at, r->last_rx), idle);
    clock_of(VG_MS(rep->time_ms) + (vg_time)rep->count * VG_MS(rep->interval_ms), want);
    clock_of(VG_MS(rep->time_ms), t);
    clock_of(VG_MS(rep->interval_ms), iv);
    snprintf(buf, len, "%s after the last packet it received (expected %s = %s + %u x %s), "
                       "error %s", idle, want, t, rep->count, iv, wsa(r->error));
}

static void sentence(const struct sim_report *rep, const struct vg_scn_result *r, char *buf,
                     size_t len)
{
    const struct vg_scn_params *p = rep->params;
    char a[320], t1[32], t2[32];
    if (r->outcome == VG_SCN_NO_CONNECTION) {
        snprintf(buf, len, "the connection was never established");
        return;
    }
    if (r->outcome == VG_SCN_ABORTED)
        abort_sentence(rep, r, a, sizeof a);
    clock_of(r->end, t2);
    switch (p->scenario) {
    case VG_SCN_PEER_CRASH:
        if (r->outcome == VG_SCN_ABORTED) {
            snprintf(buf, len, "client detected the dead peer %s", a);
            return;
        }
        if (r->outcome == VG_SCN_LIVES && r->count == 0) {
            snprintf(buf, len, "count 0: no probe was sent, and at %s the client still has not "
                               "noticed the dead peer (A10)", t2);
            return;
        }
        break;
    case VG_SCN_PARTITION:
        clock_of(r->recover_at, t1);
        if (r->outcome == VG_SCN_ABORTED) {
            snprintf(buf, len, "the partition outlasted the probes (heal at %s): the client gave "
                               "up %s", t1, a);
            return;
        }
        if (r->outcome == VG_SCN_LIVES) {
            snprintf(buf, len, "the partition healed at %s; %u probe(s) went unanswered, then "
                               "one was answered, and at %s the connection lives",
                     t1, r->longest_unanswered ? r->longest_unanswered - 1 : 0, t2);
            return;
        }
        break;
    case VG_SCN_PEER_REBOOT:
        clock_of(r->outcome_at, t1);
        if (r->outcome == VG_SCN_RESET) {
            snprintf(buf, len, "the rebooted peer answered the probe with an RST: connection "
                               "reset at %s, error %s", t1, wsa(r->error));
            return;
        }
        if (r->outcome == VG_SCN_ABORTED) {
            snprintf(buf, len, "the peer stayed down through the probes: the client gave up %s", a);
            return;
        }
        break;
    case VG_SCN_NAT_EXPIRY:
        clock_of(p->nat_timeout, t1);
        if (r->outcome == VG_SCN_ABORTED) {
            char forgot[32] = "never";
            if (r->nat_forgot_at != VG_TIME_NEVER)
                clock_of(r->nat_forgot_at, forgot);
            snprintf(buf, len, "the NAT forgot the idle flow at %s and dropped the probes: the "
                               "client gave up %s", forgot, a);
            return;
        }
        if (r->outcome == VG_SCN_LIVES) {
            char ka[32];
            clock_of(VG_MS(rep->time_ms), ka);
            snprintf(buf, len, "%u probe(s), one every %s, kept the NAT's flow (timeout %s) "
                               "alive up to %s",
                     r->probes_sent, ka, t1, t2);
            return;
        }
        break;
    case VG_SCN_LOSSY: {
        char tail[360];
        if (r->outcome == VG_SCN_ABORTED)
            snprintf(tail, sizeof tail, "the client aborted %s", a);
        else if (r->outcome == VG_SCN_LIVES)
            snprintf(tail, sizeof tail, "the connection lives at %s (B4: a lost probe is not "
                                        "fatal)", t2);
        else
            snprintf(tail, sizeof tail, "the connection ended: %s",
                     vg_scn_outcome_name(r->outcome));
        snprintf(buf, len, "%u probe(s) sent, %u lost, %u answer(s) lost, at most %u of %u "
                           "unanswered in a row; %s",
                 r->probes_sent, r->probes_lost, r->answers_lost, r->longest_unanswered, r->count,
                 tail);
        return;
    }
    case VG_SCN_ALIVE:
    default:
        if (r->outcome == VG_SCN_LIVES) {
            snprintf(buf, len, "the idle peer answered %u of %u probe(s); at %s the connection "
                               "lives", r->probes_answered, r->probes_sent, t2);
            return;
        }
        break;
    }
    if (r->outcome == VG_SCN_ABORTED) {
        snprintf(buf, len, "the client aborted %s", a);
    } else {
        clock_of(r->outcome_at, t1);
        snprintf(buf, len, "the connection %s at %s, error %s", vg_scn_outcome_name(r->outcome),
                 r->outcome == VG_SCN_LIVES ? t2 : t1, r->error ? wsa(r->error) : "none");
    }
}

static void expectation(const struct vg_scn_result *r, char *buf, size_t len)
{
    char at[32];
    if (r->expect == VG_SCN_LIVES) {
        snprintf(buf, len, "expected the connection to live");
        return;
    }
    clock_of(r->expect_at, at);
    snprintf(buf, len, "expected %s at %s with %s", vg_scn_outcome_name(r->expect), at,
             wsa(r->expect_error));
}

int sim_report_verdict(struct sim_report *rep, const struct vg_scn_result *r)
{
    int ok = vg_scn_as_expected(r);
    char text[640], exp[128] = "";
    sentence(rep, r, text, sizeof text);
    if (r->expect_known)
        expectation(r, exp, sizeof exp);
    if (!rep->ev.json) {
        FILE *out = rep->ev.out;
        fprintf(out, "\nverdict: %s", text);
        if (!r->expect_known && !ok)
            fprintf(out, " -- NOT as specified: the abort did not come at last receipt + time + "
                         "count x interval (B3)\n");
        else if (!r->expect_known && r->outcome == VG_SCN_ABORTED)
            fprintf(out, " -- not predictable, but the abort came at the instant B3 gives\n");
        else if (!r->expect_known)
            fprintf(out, " -- not predictable, nothing to compare\n");
        else if (ok)
            fprintf(out, " -- as specified\n");
        else
            fprintf(out, " -- NOT as specified: %s\n", exp);
        fflush(out);
        return ok;
    }
    struct cli_field f[20];
    size_t n = 0;
    f[n++] = CLI_STR("scenario", vg_scenario_name(rep->params->scenario));
    f[n++] = CLI_STR("outcome", vg_scn_outcome_name(r->outcome));
    if (r->outcome_at != VG_TIME_NEVER)
        f[n++] = CLI_UINT("outcome_t_ms", r->outcome_at / 1000u);
    if (r->error)
        f[n++] = CLI_STR("error", wsa(r->error));
    if (r->connected_at != VG_TIME_NEVER)
        f[n++] = CLI_UINT("last_rx_ms", r->last_rx / 1000u);
    if (r->outcome == VG_SCN_ABORTED)
        f[n++] = CLI_UINT("idle_ms", since(r->outcome_at, r->last_rx) / 1000u);
    f[n++] = CLI_STR("expected",
                     r->expect_known ? vg_scn_outcome_name(r->expect) : "unpredictable");
    if (r->expect_known && r->expect_at != VG_TIME_NEVER) {
        f[n++] = CLI_UINT("expected_t_ms", r->expect_at / 1000u);
        f[n++] = CLI_STR("expected_error", wsa(r->expect_error));
    }
    f[n++] = CLI_BOOL("as_expected", ok);
    f[n++] = CLI_UINT("probes_sent", r->probes_sent);
    f[n++] = CLI_UINT("probes_answered", r->probes_answered);
    f[n++] = CLI_UINT("probes_lost", r->probes_lost);
    f[n++] = CLI_UINT("answers_lost", r->answers_lost);
    f[n++] = CLI_UINT("longest_unanswered", r->longest_unanswered);
    if (r->nat_forgot_at != VG_TIME_NEVER)
        f[n++] = CLI_UINT("nat_forgot_t_ms", r->nat_forgot_at / 1000u);
    f[n++] = CLI_STR("message", text);
    cli_events_emit(&rep->ev, r->end, "sim", "verdict", f, n);
    return ok;
}

int sim_report_run(struct vg_scn_params *p, int json, const char *pcap_path,
                   uint64_t *packets, const char *prog)
{
    struct vg_pcap *cap = NULL;
    if (pcap_path) {
        cap = vg_pcap_open(pcap_path);
        if (!cap) {
            fprintf(stderr, "%s: cannot write %s: %s\n", prog, pcap_path, strerror(errno));
            return 1;
        }
    }
    p->pcap = cap;
    struct sim_report rep;
    sim_report_init(&rep, stdout, json, p);
    p->on_event = sim_report_event;
    p->ctx = &rep;
    p->keep_events = 0;   /* printed as they come; a long run with short probes needs no log */
    sim_report_header(&rep);
    struct vg_scn_result r;
    if (vg_scn_run(p, &r) != 0) {
        fprintf(stderr, "%s: the simulation could not be built (out of memory?)\n", prog);
        vg_pcap_close(cap);
        return 1;
    }
    int rc = 0;
    if (cap) {
        *packets = vg_pcap_count(cap);
        if (vg_pcap_close(cap) != 0) {
            fprintf(stderr, "%s: writing %s failed\n", prog, pcap_path);
            rc = 1;
        }
        if (json) {
            struct cli_field f[] = {CLI_STR("file", pcap_path), CLI_UINT("packets", *packets)};
            cli_events_emit(&rep.ev, r.end, "sim", "capture", f, 2);
        }
    }
    if (!sim_report_verdict(&rep, &r))
        rc = 1;
    vg_scn_result_free(&r);
    return rc;
}
