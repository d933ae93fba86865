/* The scenario's picture (see sim_svg_scn.h): lanes client, (nat,) server; the scenario's events
 * as labels; the client's keep-alive abort with its formula. */
#include "sim_svg_scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_events.h"
#include "sim_svg.h"

/* The scenario engine's simnet host indices (scenario.h). */
#define CLIENT_HOST 0
#define SERVER_HOST 1

struct sim_svg_scn {
    struct sim_svg *g;
    FILE *f;
    const char *path, *prog;
    uint32_t time_ms, interval_ms, count;   /* the client connection's effective keep-alive */
    uint64_t packets;
};

static int lane_host(enum vg_scn_host h)
{
    switch (h) {
    case VG_SCN_CLIENT: return CLIENT_HOST;
    case VG_SCN_SERVER: return SERVER_HOST;
    case VG_SCN_NAT: return -1;
    case VG_SCN_NET: break;
    }
    return -2;
}

static void on_event(void *ctx, const struct vg_scn_event *ev)
{
    struct sim_svg_scn *s = ctx;
    char text[96];
    const char *name = vg_scn_event_name(ev->type);
    switch (ev->type) {
    case VG_SCN_EV_PACKET_DROPPED:
    case VG_SCN_EV_RST_SENT:
        return;   /* the packet's own arrow shows it */
    case VG_EV_PROBE_SENT:
        snprintf(text, sizeof text, "probe_sent (%u unanswered)", (unsigned)ev->arg);
        break;
    case VG_EV_ABORTED: {
        const char *wsa = cli_wsa_error_name(ev->err);
        snprintf(text, sizeof text, "aborted %s", wsa ? wsa : vg_err_name(ev->err));
        /* Keep-alive's own abort (B3), not a reset the peer sent. */
        int keepalive = ev->err == VG_ERR_NETRESET || ev->err == VG_ERR_TIMEDOUT ||
                        ev->err == -VG_ERR_NETRESET || ev->err == -VG_ERR_TIMEDOUT;
        if (ev->host == VG_SCN_CLIENT && keepalive && ev->last_rx != VG_TIME_NEVER)
            sim_svg_abort(s->g, ev->t, CLIENT_HOST, ev->last_rx, s->time_ms, s->interval_ms,
                          s->count);
        break;
    }
    case VG_SCN_EV_NAT_FORGOT_FLOW:
        snprintf(text, sizeof text, "NAT forgot the flow (idle %u ms = its timeout)", (unsigned)ev->arg);
        break;
    default:
        snprintf(text, sizeof text, "%s", name);
        break;
    }
    sim_svg_label(s->g, ev->t, lane_host(ev->host), text);
}

struct sim_svg_scn *sim_svg_scn_start(struct vg_scn_params *p, const char *path, const char *prog)
{
    struct sim_svg_scn *s = calloc(1, sizeof *s);
    const struct vg_sysparams *sys = &p->cfg.sys;
    char title[200];
    if (!s)
        goto oom;
    s->path = path;
    s->prog = prog;
    s->time_ms = p->ka_time_ms != VG_KA_SYSTEM ? p->ka_time_ms : sys->keepalive_time_ms;
    s->interval_ms = p->ka_interval_ms != VG_KA_SYSTEM ? p->ka_interval_ms
                                                       : sys->keepalive_interval_ms;
    s->count = p->ka_count != VG_KA_SYSTEM ? p->ka_count
                                           : vg_sysparams_keepalive_count(p->cfg.profile, sys);
    snprintf(title, sizeof title,
             "vigil sim --scenario %s (profile %s; keep-alive %u ms, then every %u ms, %u probes; "
             "seed %llu)",
             vg_scenario_name(p->scenario), vg_profile_name(p->cfg.profile), (unsigned)s->time_ms,
             (unsigned)s->interval_ms, (unsigned)s->count, (unsigned long long)p->seed);
    s->g = sim_svg_new(title);
    if (!s->g)
        goto oom;
    char client[64], server[64];
    snprintf(client, sizeof client, "client %s", vg_scn_client_text(p->ipv6));
    snprintf(server, sizeof server, "server %s", p->ipv6 ? "2001:db8::2" : "192.0.2.2");
    if (sim_svg_lane(s->g, CLIENT_HOST, client) != 0 ||
        (p->scenario == VG_SCN_NAT_EXPIRY && sim_svg_lane(s->g, -1, "NAT") != 0) ||
        sim_svg_lane(s->g, SERVER_HOST, server) != 0)
        goto oom;
    s->f = fopen(path, "w");
    if (!s->f) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        sim_svg_free(s->g);
        free(s);
        return NULL;
    }
    p->tap = sim_svg_tap;
    p->tap_ctx = s->g;
    p->observer = on_event;
    p->observer_ctx = s;
    return s;
oom:
    fprintf(stderr, "%s: out of memory\n", prog);
    if (s)
        sim_svg_free(s->g);
    free(s);
    return NULL;
}

int sim_svg_scn_finish(struct sim_svg_scn *s, uint64_t *packets)
{
    int rc = sim_svg_write(s->g, s->f);
    if (fclose(s->f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "%s: writing %s failed\n", s->prog, s->path);
    if (packets)
        *packets = sim_svg_packets(s->g);
    sim_svg_free(s->g);
    free(s);
    return rc;
}
