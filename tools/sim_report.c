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
    cli_verdict_settings(p->cfg.profile, &p->cfg.sys, p->ka_time_ms, p->ka_interval_ms,
                         p->ka_count, &rep->ka);
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
            CLI_UINT("keepalive_time_ms", rep->ka.time_ms),
            CLI_UINT("keepalive_interval_ms", rep->ka.interval_ms),
            CLI_UINT("keepalive_count", rep->ka.count),
            CLI_BOOL("garbage_octet", vg_config_garbage_octet(&p->cfg)),
            CLI_UINT("latency_us", p->latency_us),
            CLI_UINT("seed", p->seed),
            CLI_STR("client", vg_scn_client_text(p->ipv6)),
            CLI_STR("server", vg_scn_server_text(p->ipv6)),
            CLI_STR("description", what),
        };
        cli_events_emit(&rep->ev, 0, "sim", "scenario", f, sizeof f / sizeof f[0]);
        return;
    }
    FILE *out = rep->ev.out;
    fprintf(out, "scenario %s, profile %s: %s\n", vg_scenario_name(p->scenario),
            vg_profile_name(p->cfg.profile), what);
    fprintf(out, "client %s -> server %s, %g ms each way; keep-alive on the "
                 "client: time %u ms, interval %u ms, count %u%s\n\n",
            vg_scn_client_text(p->ipv6), vg_scn_server_text(p->ipv6), p->latency_us / 1000.0,
            rep->ka.time_ms, rep->ka.interval_ms, rep->ka.count,
            vg_config_garbage_octet(&p->cfg) ? ", probes carry one garbage octet" : "");
    fflush(out);
}

/* ---- the timeline */

/* The client's peer; the server's is an ephemeral port the report does not learn. */
static const char *peer_of(const struct sim_report *rep, const struct vg_scn_event *ev)
{
    return ev->host == VG_SCN_CLIENT ? vg_scn_server_text(rep->params->ipv6) : NULL;
}

static int is_connection_event(int type)
{
    return type >= VG_EV_CONNECTED && type <= VG_EV_CLOSED;
}

/* A keep-alive abort of the client (B3's instant): the shared verdict, at once. */
static int keepalive_abort(const struct vg_scn_event *ev)
{
    return ev->type == VG_EV_ABORTED && ev->host == VG_SCN_CLIENT &&
           ev->last_rx != VG_TIME_NEVER &&
           (ev->err == VG_ERR_NETRESET || ev->err == VG_ERR_TIMEDOUT);
}

void sim_report_event(void *ctx, const struct vg_scn_event *ev)
{
    struct sim_report *rep = ctx;
    struct cli_field f[4];
    size_t n = 0;
    if (is_connection_event(ev->type) && peer_of(rep, ev))
        f[n++] = CLI_STR("peer", peer_of(rep, ev));
    switch (ev->type) {
    case VG_EV_PROBE_SENT:
        f[n++] = CLI_UINT("probe", ev->arg);
        f[n++] = CLI_UINT("count", rep->ka.count);
        if (ev->host == VG_SCN_CLIENT)
            rep->outstanding = ev->arg;
        break;
    case VG_EV_PROBE_ACKED:
        /* arg: the probes outstanding when the answer came, the answered one among them. */
        f[n++] = CLI_UINT("probes", ev->arg);
        f[n++] = CLI_UINT("unanswered", ev->arg ? ev->arg - 1 : 0);
        if (ev->host == VG_SCN_CLIENT) {
            if (ev->arg && ev->arg - 1 > rep->longest_unanswered)
                rep->longest_unanswered = ev->arg - 1;
            rep->outstanding = 0;
        }
        break;
    case VG_EV_ABORTED:
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
        f[n++] = CLI_UINT("last_seen_t_us", ev->last_rx);
        break;
    default:
        break;
    }
    cli_events_emit(&rep->ev, ev->t, vg_scn_host_name(ev->host), vg_scn_event_name(ev->type), f, n);
    if (keepalive_abort(ev)) {
        /* Every outstanding probe went unanswered. */
        if (rep->outstanding > rep->longest_unanswered)
            rep->longest_unanswered = rep->outstanding;
        struct cli_ka_verdict v;
        cli_verdict_judge(&rep->ka, ev->last_rx, ev->t, 0, &v);
        cli_verdict_emit(&rep->ev, vg_scn_host_name(ev->host), peer_of(rep, ev), ev->last_rx, ev->t,
                         &rep->ka, &v);
    }
}

/* ---- the verdict */

static void clock_of(vg_time us, char out[32]) { cli_format_clock(us, out); }

/* "2:00:10.000 after the last packet it received (expected 2:00:10.000 = 2:00:00.000 + 10 x
 * 0:00:01.000), error WSAENETRESET" */
static void abort_sentence(const struct sim_report *rep, const struct vg_scn_result *r, char *buf,
                           size_t len)
{
    struct cli_ka_verdict v;
    cli_verdict_judge(&rep->ka, r->last_rx, r->outcome_at, 0, &v);
    snprintf(buf, len, "%s, error %s", v.formula, wsa(r->error));
}

static void sentence(const struct sim_report *rep, const struct vg_scn_result *r, char *buf,
                     size_t len)
{
    const struct vg_scn_params *p = rep->params;
    char a[400], t1[32], t2[32];
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
                     t1, rep->longest_unanswered, t2);
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
            clock_of(VG_MS(rep->ka.time_ms), ka);
            snprintf(buf, len, "%u probe(s), one every %s, kept the NAT's flow (timeout %s) "
                               "alive up to %s",
                     r->probes_sent, ka, t1, t2);
            return;
        }
        break;
    case VG_SCN_LOSSY: {
        char tail[480];
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
                 r->probes_sent, r->probes_lost, r->answers_lost, rep->longest_unanswered, r->count,
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

/* What the verdict compared: the whole prediction, only B3's instant (random loss decided the
 * outcome, and keep-alive aborted), or nothing (random loss decided, and it did not abort). */
static const char *what_checked(const struct vg_scn_result *r)
{
    if (r->expect_known)
        return "prediction";
    return r->outcome == VG_SCN_ABORTED ? "abort_instant" : "nothing";
}

int sim_report_verdict(struct sim_report *rep, const struct vg_scn_result *r)
{
    int ok = vg_scn_as_expected(r);
    const char *checked = what_checked(r);
    if (rep->outstanding > rep->longest_unanswered && r->outcome == VG_SCN_LIVES)
        rep->longest_unanswered = rep->outstanding;   /* probes still waiting at the end */
    char text[1024], exp[128] = "", judged[1200];
    sentence(rep, r, text, sizeof text);
    if (r->expect_known)
        expectation(r, exp, sizeof exp);
    /* One sentence for both forms: the JSON's message is the text line's. */
    if (!strcmp(checked, "nothing"))
        snprintf(judged, sizeof judged, "%s -- not predictable, nothing to compare", text);
    else if (!ok && !r->expect_known)
        snprintf(judged, sizeof judged, "%s -- NOT as specified: the abort did not come at last "
                                        "receipt + time + count x interval (B3)", text);
    else if (!strcmp(checked, "abort_instant"))
        snprintf(judged, sizeof judged, "%s -- not predictable, but the abort came at the "
                                        "instant B3 gives", text);
    else if (ok)
        snprintf(judged, sizeof judged, "%s -- as specified", text);
    else
        snprintf(judged, sizeof judged, "%s -- NOT as specified: %s", text, exp);
    if (!rep->ev.json) {
        fprintf(rep->ev.out, "\nverdict: %s\n", judged);
        fflush(rep->ev.out);
        return ok;
    }
    int aborted = r->outcome == VG_SCN_ABORTED;
    int expect_at = r->expect_known && r->expect_at != VG_TIME_NEVER;
    struct cli_field f[] = {
        CLI_STR("scenario", vg_scenario_name(rep->params->scenario)),
        CLI_STR("outcome", vg_scn_outcome_name(r->outcome)),
        r->outcome_at != VG_TIME_NEVER ? CLI_UINT("outcome_t_us", r->outcome_at)
                                       : CLI_NULL("outcome_t_us"),
        r->error ? CLI_STR("error", wsa(r->error)) : CLI_NULL("error"),
        r->connected_at != VG_TIME_NEVER ? CLI_UINT("last_rx_t_us", r->last_rx)
                                         : CLI_NULL("last_rx_t_us"),
        aborted ? CLI_UINT("idle_us", since(r->outcome_at, r->last_rx)) : CLI_NULL("idle_us"),
        CLI_STR("expected", r->expect_known ? vg_scn_outcome_name(r->expect) : "unpredictable"),
        expect_at ? CLI_UINT("expected_t_us", r->expect_at) : CLI_NULL("expected_t_us"),
        expect_at ? CLI_STR("expected_error", wsa(r->expect_error)) : CLI_NULL("expected_error"),
        CLI_STR("checked", checked),
        strcmp(checked, "nothing") ? CLI_BOOL("as_expected", ok) : CLI_NULL("as_expected"),
        CLI_UINT("probes_sent", r->probes_sent),
        CLI_UINT("probes_answered", r->probes_answered),
        CLI_UINT("probes_lost", r->probes_lost),
        CLI_UINT("answers_lost", r->answers_lost),
        CLI_UINT("longest_unanswered", rep->longest_unanswered),
        r->nat_forgot_at != VG_TIME_NEVER ? CLI_UINT("nat_forgot_t_us", r->nat_forgot_at)
                                          : CLI_NULL("nat_forgot_t_us"),
        CLI_STR("message", judged),
    };
    cli_events_emit(&rep->ev, r->end, "sim", "verdict", f, sizeof f / sizeof f[0]);
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
