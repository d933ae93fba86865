/* Names of the scenario engine's enums, and the questions a caller asks of a finished run. */
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
#include "sim/scenario_plan.h"

static const char *const scenario_names[VG_SCN_COUNT] = {
    [VG_SCN_ALIVE] = "alive",
    [VG_SCN_PEER_CRASH] = "peer-crash",
    [VG_SCN_PARTITION] = "partition",
    [VG_SCN_PEER_REBOOT] = "peer-reboot",
    [VG_SCN_NAT_EXPIRY] = "nat-expiry",
    [VG_SCN_LOSSY] = "lossy",
};

const char *vg_scenario_name(enum vg_scenario s)
{
    return (unsigned)s < VG_SCN_COUNT ? scenario_names[s] : "unknown";
}

int vg_scenario_parse(const char *name, enum vg_scenario *out)
{
    for (int i = 0; i < VG_SCN_COUNT; i++)
        if (name && !strcmp(name, scenario_names[i])) {
            *out = (enum vg_scenario)i;
            return 0;
        }
    return -1;
}

const char *vg_scn_host_name(enum vg_scn_host h)
{
    switch (h) {
    case VG_SCN_CLIENT: return "client";
    case VG_SCN_SERVER: return "server";
    case VG_SCN_NET: return "net";
    case VG_SCN_NAT: return "nat";
    }
    return "unknown";
}

const char *vg_scn_event_name(int type)
{
    switch (type) {
    case VG_SCN_EV_PEER_DOWN: return "peer_down";
    case VG_SCN_EV_PEER_REBOOTED: return "peer_rebooted";
    case VG_SCN_EV_PARTITION_START: return "partition_start";
    case VG_SCN_EV_PARTITION_HEAL: return "partition_heal";
    case VG_SCN_EV_NAT_FORGOT_FLOW: return "nat_forgot_flow";
    case VG_SCN_EV_PACKET_DROPPED: return "packet_dropped";
    case VG_SCN_EV_RST_SENT: return "rst_sent";
    }
    return vg_event_name((enum vg_event_type)type);
}

const char *vg_scn_segment_name(enum vg_scn_segment s)
{
    switch (s) {
    case VG_SCN_SEG_SYN: return "syn";
    case VG_SCN_SEG_RST: return "rst";
    case VG_SCN_SEG_FIN: return "fin";
    case VG_SCN_SEG_DATA: return "data";
    case VG_SCN_SEG_PROBE: return "probe";
    case VG_SCN_SEG_ACK: return "ack";
    case VG_SCN_SEG_OTHER: break;
    }
    return "other";
}

const char *vg_scn_drop_reason_name(enum vg_scn_drop_reason r)
{
    switch (r) {
    case VG_SCN_DROP_NAT: return "nat_no_flow";
    case VG_SCN_DROP_LOSS: return "random_loss";
    case VG_SCN_DROP_NONE: break;
    }
    return "none";
}

const char *vg_scn_outcome_name(enum vg_scn_outcome o)
{
    switch (o) {
    case VG_SCN_LIVES: return "lives";
    case VG_SCN_ABORTED: return "aborted";
    case VG_SCN_RESET: return "reset";
    case VG_SCN_OTHER_END: return "other_end";
    case VG_SCN_NO_CONNECTION: return "no_connection";
    }
    return "unknown";
}

void vg_scn_result_free(struct vg_scn_result *r)
{
    if (!r)
        return;
    free(r->events);
    r->events = NULL;
    r->nevents = 0;
}

int vg_scn_as_expected(const struct vg_scn_result *r)
{
    /* B3 holds whatever else happened: a keep-alive abort comes exactly count intervals after
     * the first probe, which comes exactly the keep-alive time after the last receipt. */
    if (r->outcome == VG_SCN_ABORTED &&
        r->outcome_at != scn_abort_instant(r->last_rx, VG_MS(r->time_ms), VG_MS(r->interval_ms),
                                           r->count))
        return 0;
    if (!r->expect_known)
        return 1;
    return r->outcome == r->expect && r->outcome_at == r->expect_at &&
           r->error == r->expect_error;
}

const struct vg_scn_event *vg_scn_find(const struct vg_scn_result *r, int host, int type,
                                       size_t start)
{
    for (size_t i = start; i < r->nevents; i++)
        if ((host < 0 || (int)r->events[i].host == host) && r->events[i].type == type)
            return &r->events[i];
    return NULL;
}

size_t vg_scn_count(const struct vg_scn_result *r, int host, int type)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nevents; i++)
        n += (host < 0 || (int)r->events[i].host == host) && r->events[i].type == type;
    return n;
}
