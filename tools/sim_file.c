/* vigil sim --file (see sim_file.h). */
#include "sim_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_events.h"
#include "link/pcap.h"
#include "sim/scenario.h"
#include "sim/scnfile.h"
#include "sim_svg.h"

/* Virtual time 0 is stamped 2024-01-01 00:00:00 UTC in captures, as vigil sim --scenario does. */
#define PCAP_EPOCH_US (UINT64_C(1704067200) * 1000000u)
#define FILE_MAX (1024u * 1024u)

struct printer {
    struct cli_events ev;
    const struct scnf *scn;
    struct sim_svg *svg;      /* --svg, NULL for none */
};

/* The picture's lane for an event's host: the host's own (simnet indices follow the file's host
 * order), the NAT's, or across for the path. */
static int svg_lane(int host)
{
    return host >= 0 ? host : host == SCNF_HOST_NAT ? -1 : -2;
}

static void svg_event(struct printer *pr, const struct scnf_event *ev)
{
    char text[96];
    const char *name = vg_scn_event_name(ev->type);
    if (ev->type == VG_SCN_EV_PACKET_DROPPED || ev->type == VG_SCN_EV_RST_SENT)
        return;   /* the packet's own arrow shows it */
    if (ev->type == VG_EV_ABORTED) {
        const char *wsa = cli_wsa_error_name(ev->err);
        snprintf(text, sizeof text, "aborted %s", wsa ? wsa : vg_err_name(ev->err));
        if (ev->idle != VG_TIME_NEVER)   /* keep-alive's own abort (B3) */
            sim_svg_abort(pr->svg, ev->t, ev->host, ev->t - ev->idle, ev->time_ms,
                          ev->interval_ms, ev->count);
    } else if (ev->type == VG_EV_PROBE_SENT) {
        snprintf(text, sizeof text, "probe_sent (%u unanswered)", (unsigned)ev->arg);
    } else {
        snprintf(text, sizeof text, "%s", name);
    }
    sim_svg_label(pr->svg, ev->t, svg_lane(ev->host), text);
}

/* The whole file, at most FILE_MAX bytes; NULL with a message printed. */
static char *slurp(const char *path, size_t *len, const char *prog)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: cannot read the scenario file: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, FILE_MAX + 1, f) : 0;
    int bad = !buf || ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: %s: cannot read the scenario file: %s\n", prog, path,
                buf ? strerror(saved) : "out of memory");
        free(buf);
        return NULL;
    }
    if (n > FILE_MAX) {
        fprintf(stderr, "%s: %s: larger than 1 MiB, not a scenario file\n", prog, path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* A registry path as written in the file, taken relative to the file's directory. */
static void reg_path(const char *file, const char *reg, char *out, size_t len)
{
    const char *slash = strrchr(file, '/');
    if (reg[0] == '/' || !slash)
        snprintf(out, len, "%s", reg);
    else
        snprintf(out, len, "%.*s/%s", (int)(slash - file), file, reg);
}

struct reg_warn {
    const char *prog, *path;
};

static void reg_warning(void *ctx, const char *msg)
{
    const struct reg_warn *w = ctx;
    fprintf(stderr, "%s: %s: %s\n", w->prog, w->path, msg);
}

/* Each host's stack configuration: its profile's defaults, its registry export, the system
 * values and garbage-octet choice the file gives. 0, or 2 with the message printed. */
static int host_configs(const char *file, const struct scnf *s, int strict, const char *prog,
                        struct vg_stack_config *cfg)
{
    for (int i = 0; i < s->nhosts; i++) {
        const struct scnf_host *h = &s->hosts[i];
        vg_stack_config_default(&cfg[i], h->profile);
        if (h->reg[0]) {
            char path[2 * SCNF_PATH_MAX + 2], why[256] = "";
            reg_path(file, h->reg, path, sizeof path);
            struct reg_warn w = {prog, path};
            if (vg_sysparams_load_reg_ex(&cfg[i].sys, path, strict ? VG_REG_STRICT : 0,
                                         reg_warning, &w, why, sizeof why) != 0) {
                int about_text = !strncmp(why, "line ", 5) || !strncmp(why, "no [", 4);
                fprintf(stderr, "%s: %s:%d: %s%s%s\n", prog, file, h->line,
                        about_text ? path : "", about_text ? ": " : "", why);
                return 2;
            }
        }
        if (h->has_sys_time)
            cfg[i].sys.keepalive_time_ms = h->sys_time_ms;
        if (h->has_sys_interval)
            cfg[i].sys.keepalive_interval_ms = h->sys_interval_ms;
        if (h->has_sys_retrans)
            cfg[i].sys.tcp_max_data_retransmissions = h->sys_retrans;
        cfg[i].keepalive_garbage_octet = (uint8_t)h->garbage_octet;
    }
    return 0;
}

static void header(struct printer *pr, const char *file)
{
    const struct scnf *s = pr->scn;
    char hosts[SCNF_MAX_HOSTS * (SCNF_NAME_MAX + 2)] = "";
    for (int i = 0; i < s->nhosts; i++) {
        strcat(hosts, i ? "," : "");
        strcat(hosts, s->hosts[i].name);
    }
    if (pr->ev.json) {
        struct cli_field f[] = {
            CLI_STR("file", file),
            CLI_STR("hosts", hosts),
            CLI_UINT("connections", (uint64_t)s->nconns),
            CLI_UINT("latency_us", s->latency_us),
            CLI_UINT("seed", s->seed),
            CLI_UINT("expectations", (uint64_t)s->nexpects),
        };
        cli_events_emit(&pr->ev, 0, "sim", "scenario_file", f, sizeof f / sizeof f[0]);
        return;
    }
    char end[32];
    cli_format_clock(scnf_end(s), end);
    printf("scenario file %s: hosts %s, %d connection(s), %g ms each way, %d expectation(s), "
           "until %s\n\n", file, hosts, s->nconns, s->latency_us / 1000.0, s->nexpects, end);
    fflush(stdout);
}

static void on_event(void *ctx, const struct scnf_event *ev)
{
    struct printer *pr = ctx;
    const struct scnf *s = pr->scn;
    if (pr->svg)
        svg_event(pr, ev);
    struct cli_field f[4];
    size_t n = 0;
    char peer[22];
    if (ev->peer_port && ev->type >= VG_EV_CONNECTED && ev->type <= VG_EV_CLOSED) {
        cli_format_endpoint(ev->peer_addr, ev->peer_port, peer);
        f[n++] = CLI_STR("peer", peer);
    }
    switch (ev->type) {
    case VG_EV_PROBE_SENT:
        f[n++] = CLI_UINT("probe", ev->arg);
        f[n++] = CLI_UINT("count", ev->count);
        break;
    case VG_EV_PROBE_ACKED:
        /* As in sim_report.c: probes outstanding when the answer came, all but one unanswered. */
        f[n++] = CLI_UINT("probes", ev->arg);
        f[n++] = CLI_UINT("unanswered", ev->arg ? ev->arg - 1 : 0);
        break;
    case VG_EV_ABORTED:
    case VG_EV_CLOSED:
        if (ev->err)
            f[n++] = CLI_STR("error", scnf_wsa_name(ev->err));
        break;
    case VG_SCN_EV_PACKET_DROPPED:
        f[n++] = CLI_STR("what", vg_scn_segment_name((enum vg_scn_segment)ev->what));
        f[n++] = CLI_STR("from", scnf_host_name(s, ev->from));
        f[n++] = CLI_STR("reason", vg_scn_drop_reason_name((enum vg_scn_drop_reason)ev->reason));
        break;
    case VG_SCN_EV_NAT_FORGOT_FLOW:
        f[n++] = CLI_UINT("timeout_ms", ev->timeout_ms);
        f[n++] = CLI_UINT("last_seen_t_us", ev->last_seen);
        break;
    default:
        break;
    }
    cli_events_emit(&pr->ev, ev->t, scnf_host_name(s, ev->host), vg_scn_event_name(ev->type), f,
                    n);
}

static void expectations(struct printer *pr, const char *file, const struct scnf_outcome *out,
                         vg_time end)
{
    const struct scnf *s = pr->scn;
    int held = 0;
    if (!pr->ev.json && s->nexpects)
        printf("\n");
    for (int i = 0; i < s->nexpects; i++) {
        const struct scnf_expect *e = &s->expects[i];
        char seen[160];
        scnf_seen(s, e, &out[i], seen, sizeof seen);
        held += out[i].holds;
        struct cli_field f[] = {
            CLI_STR("file", file),
            CLI_UINT("line", (uint64_t)e->line),
            CLI_BOOL("holds", out[i].holds),
            CLI_STR("expect", e->text),
            CLI_STR("seen", seen),
        };
        cli_events_emit(&pr->ev, end, scnf_host_name(s, e->m.host), "expectation", f,
                        sizeof f / sizeof f[0]);
    }
    if (!pr->ev.json) {
        printf("\n%d of %d expectation(s) hold%s\n", held, s->nexpects,
               held == s->nexpects ? "" : " -- NOT as expected");
        fflush(stdout);
    }
}

/* The picture of the run: a lane per host in the file's order, the NAT's after the first. */
static int open_svg(struct printer *pr, const char *file, const char *svg_path, FILE **f,
                    const char *prog)
{
    const struct scnf *s = pr->scn;
    char title[300], lane[SCNF_NAME_MAX + 24];
    snprintf(title, sizeof title, "vigil sim --file %s (seed %llu)", file,
             (unsigned long long)s->seed);
    pr->svg = sim_svg_new(title);
    int bad = !pr->svg;
    for (int i = 0; i < s->nhosts && !bad; i++) {
        char addr[16];
        cli_format_addr(s->hosts[i].addr, addr);
        snprintf(lane, sizeof lane, "%s %s", s->hosts[i].name, addr);
        bad = sim_svg_lane(pr->svg, i, lane) != 0 ||
              (i == 0 && s->nat_timeout && sim_svg_lane(pr->svg, -1, "NAT") != 0);
    }
    if (bad) {
        fprintf(stderr, "%s: out of memory\n", prog);
    } else if (!(*f = fopen(svg_path, "w"))) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, svg_path, strerror(errno));
        bad = 1;
    }
    if (bad) {
        sim_svg_free(pr->svg);
        pr->svg = NULL;
        return -1;
    }
    return 0;
}

int sim_file_run(const char *path, int json, const char *pcap_path, const char *svg_path,
                 int strict, const char *prog)
{
    size_t len;
    char *data = slurp(path, &len, prog);
    if (!data)
        return 2;
    struct scnf *s = malloc(sizeof *s);
    struct vg_stack_config *cfg = malloc(SCNF_MAX_HOSTS * sizeof *cfg);
    struct scnf_outcome *out = malloc(SCNF_MAX_EXPECTS * sizeof *out);
    int rc = 2;
    if (!s || !cfg || !out) {
        fprintf(stderr, "%s: out of memory\n", prog);
        rc = 1;
        goto done;
    }
    char err[320];
    int line = 0;
    if (scnf_parse(data, len, s, &line, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s:%d: %s\n", prog, path, line, err);
        goto done;
    }
    if ((rc = host_configs(path, s, strict, prog, cfg)) != 0)
        goto done;
    struct vg_pcap *cap = NULL;
    if (pcap_path && !(cap = vg_pcap_open(pcap_path))) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, pcap_path, strerror(errno));
        rc = 1;
        goto done;
    }
    struct printer pr = {.scn = s};
    FILE *svgf = NULL;
    if (svg_path && open_svg(&pr, path, svg_path, &svgf, prog) != 0) {
        vg_pcap_close(cap);
        rc = 1;
        goto done;
    }
    cli_events_init(&pr.ev, stdout, json, 0);
    pr.ev.clock = 1;
    header(&pr, path);
    struct scnf_run_params p = {.scn = s, .cfg = cfg, .pcap = cap, .pcap_epoch = PCAP_EPOCH_US,
                                .tap = pr.svg ? sim_svg_tap : NULL, .tap_ctx = pr.svg,
                                .on_event = on_event, .ctx = &pr};
    vg_time end = 0;
    int failed = scnf_run(&p, out, &end, err, sizeof err);
    rc = failed == 0 ? 0 : 1;
    if (cap) {
        uint64_t packets = vg_pcap_count(cap);
        if (vg_pcap_close(cap) != 0) {
            fprintf(stderr, "%s: writing %s failed\n", prog, pcap_path);
            rc = 1;
        } else if (json) {
            struct cli_field f[] = {CLI_STR("file", pcap_path), CLI_UINT("packets", packets)};
            cli_events_emit(&pr.ev, end, "sim", "capture", f, 2);
        } else if (failed >= 0) {
            printf("capture: %s (%llu packets)\n", pcap_path, (unsigned long long)packets);
        }
    }
    if (pr.svg) {
        int bad = sim_svg_write(pr.svg, svgf) != 0;
        bad |= fclose(svgf) != 0;
        if (bad) {
            fprintf(stderr, "%s: writing %s failed\n", prog, svg_path);
            rc = 1;
        } else if (!json && failed >= 0) {
            printf("picture: %s (%llu packets)\n", svg_path,
                   (unsigned long long)sim_svg_packets(pr.svg));
        }
        sim_svg_free(pr.svg);
    }
    if (failed < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        goto done;
    }
    expectations(&pr, path, out, end);
done:
    free(data);
    free(s);
    free(cfg);
    free(out);
    return rc;
}
