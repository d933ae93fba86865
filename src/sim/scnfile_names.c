/* Names a scenario file uses (see scnfile.h): event hosts, events, Winsock errors, and the
 * "seen" sentence of an expectation. */
#include "sim/scnfile.h"

#include <stdio.h>
#include <string.h>

#include "sim/scenario.h"

const char *scnf_host_name(const struct scnf *s, int host)
{
    if (host == SCNF_HOST_NET)
        return "net";
    if (host == SCNF_HOST_NAT)
        return "nat";
    if (host >= 0 && host < s->nhosts)
        return s->hosts[host].name;
    return "unknown";
}

/* Every event the runner reports; the stacks' readable, writable and acceptable are not. */
static const int recorded[] = {
    VG_EV_CONNECTED, VG_EV_PEER_FIN, VG_EV_PROBE_SENT, VG_EV_PROBE_ACKED, VG_EV_PEER_PROBE,
    VG_EV_ZWP_SENT, VG_EV_RETRANSMIT, VG_EV_RESET_RECEIVED, VG_EV_ABORTED, VG_EV_CLOSED,
    VG_SCN_EV_PEER_DOWN, VG_SCN_EV_PEER_REBOOTED, VG_SCN_EV_PARTITION_START,
    VG_SCN_EV_PARTITION_HEAL, VG_SCN_EV_NAT_FORGOT_FLOW, VG_SCN_EV_PACKET_DROPPED,
    VG_SCN_EV_RST_SENT,
};

int scnf_event_parse(const char *name, int *type)
{
    for (size_t i = 0; i < sizeof recorded / sizeof recorded[0]; i++)
        if (!strcmp(name, vg_scn_event_name(recorded[i]))) {
            *type = recorded[i];
            return 0;
        }
    return -1;
}

const char *scnf_wsa_name(int err)
{
    const char *wsa = vg_err_wsa_name(err);
    return wsa ? wsa : err ? vg_err_name(err) : "none";
}

int scnf_wsa_parse(const char *name, int *err)
{
    return vg_err_wsa_parse(name, err);
}

static void instant(vg_time t, char *buf, size_t len)
{
    if (t % 1000u)
        snprintf(buf, len, "%llu.%03u", (unsigned long long)(t / 1000u), (unsigned)(t % 1000u));
    else
        snprintf(buf, len, "%llu", (unsigned long long)(t / 1000u));
}

void scnf_seen(const struct scnf *s, const struct scnf_expect *e, const struct scnf_outcome *o,
               char *buf, size_t len)
{
    (void)s;
    const char *ev = vg_scn_event_name(e->m.type);
    char a[32], b[32];
    if (o->first == VG_TIME_NEVER) {
        snprintf(buf, len, "none");
        return;
    }
    instant(o->first, a, sizeof a);
    instant(o->last, b, sizeof b);
    if (e->kind == SCNF_EXPECT_AT) {
        if (o->holds)
            snprintf(buf, len, "%s at %s ms", ev, a);
        else
            snprintf(buf, len, "%s at %s ms (the nearest), outside the tolerance", ev, a);
    } else if (o->matched == 1) {
        snprintf(buf, len, "%s at %s ms", ev, a);
    } else {
        snprintf(buf, len, "%llu %s events from %s to %s ms", (unsigned long long)o->matched, ev,
                 a, b);
    }
}
