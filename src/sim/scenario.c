/* The scenario engine (see scenario.h): builds the two hosts, connects them, plays the scenario's
 * faults at their instants and records what happens.
 *
 * The run advances the network one event at a time, but never past the scenario's next own
 * instant (a fault, a heal, a reboot, a NAT forgetting a flow): that change is made first, then
 * whatever else is due at the same instant runs. Every packet passes through one filter, which
 * writes the capture, tells probes from answers, hands the packet to the NAT and draws the
 * random loss; it also notes when each packet will reach the client, so the client's last receipt
 * is known from the network's side rather than read back from the stack under test. */
#include "sim/scenario.h"

#include <stdlib.h>
#include <string.h>

#include "sim/nat.h"
#include "sim/scenario_plan.h"
#include "sim/seg_track.h"
#include "sim/sim_capture.h"
#include "sim/simnet.h"
#include "util/prng.h"

/* How long a handshake may take, plus four latencies (the link is ideal until it completes). */
#define CONNECT_LIMIT VG_MS(75000)
/* Packets on their way to the client that the run follows; an idle connection has one or two. */
#define ARRIVALS 64

struct run;
struct host_ctx {
    struct run *run;
    enum vg_scn_host host;
};

struct run {
    const struct vg_scn_params *p;
    struct vg_scn_result *r;
    vg_simnet *net;
    int idx[2];                    /* simnet host index of the client and of the server */
    struct host_ctx hctx[2];
    struct vg_nat *nat;
    struct vg_sim_capture *cap;    /* p->pcap, fed by a tap on the net */
    struct vg_prng loss;
    vg_tcb *client, *listener;
    int accept_pending;
    int established;               /* both ends: from now on random loss applies */
    int partitioned;
    int reset_seen, client_ended;
    int fault_done, recover_done;
    int planned;                   /* the prediction is made */
    int fixed_end;
    vg_time end;                   /* the plan's horizon, or the fixed duration */
    vg_time ended_at;              /* the client's connection closed */
    /* Per sender (0 client, 1 server): the sequence number after the highest seen. */
    struct vg_scn_seq seq[2];      /* per direction, for telling probes (seg_track.h) */
    enum vg_scn_segment cur_what;  /* the packet in the filter, for the NAT's drop report */
    enum vg_scn_host cur_from;
    /* Arrival instants of packets still on their way to the client, oldest first. */
    vg_time arrivals[ARRIVALS];
    size_t arr_head, arr_n;
    vg_time last_rx;
    vg_time nat_last_seen;         /* when the handshake had settled */
    size_t events_cap;
    /* What the filter saw happen to a packet is reported after the event of the stack that
     * sent it ("probe_sent", then "packet_dropped"): the stack emits its event only once its
     * output call, and so the filter, has returned. */
    struct vg_scn_event deferred[8];
    size_t ndeferred;
    int failed;
};

static int is_fault_scenario(enum vg_scenario s)
{
    return s == VG_SCN_PEER_CRASH || s == VG_SCN_PARTITION || s == VG_SCN_PEER_REBOOT;
}

/* ---- the client's receipts, seen from the network */

static void arrival_push(struct run *run, vg_time at)
{
    if (run->arr_n == ARRIVALS) {   /* cannot happen on an idle connection; keep the newest */
        run->last_rx = run->arrivals[run->arr_head];
        run->arr_head = (run->arr_head + 1) % ARRIVALS;
        run->arr_n--;
    }
    run->arrivals[(run->arr_head + run->arr_n) % ARRIVALS] = at;
    run->arr_n++;
}

/* The client's last receipt at or before now. */
static vg_time client_last_rx(struct run *run, vg_time now)
{
    while (run->arr_n && run->arrivals[run->arr_head] <= now) {
        run->last_rx = run->arrivals[run->arr_head];
        run->arr_head = (run->arr_head + 1) % ARRIVALS;
        run->arr_n--;
    }
    return run->last_rx;
}

/* The last receipt the client will have had from packets already sent. */
static vg_time client_latest_rx(const struct run *run)
{
    return run->arr_n ? run->arrivals[(run->arr_head + run->arr_n - 1) % ARRIVALS] : run->last_rx;
}

/* ---- recording */

static int keep(struct run *run, const struct vg_scn_event *ev)
{
    struct vg_scn_result *r = run->r;
    if (r->nevents == run->events_cap) {
        size_t cap = run->events_cap ? run->events_cap * 2 : 64;
        struct vg_scn_event *evs = realloc(r->events, cap * sizeof *evs);
        if (!evs) {
            run->failed = 1;
            return -1;
        }
        r->events = evs;
        run->events_cap = cap;
    }
    r->events[r->nevents++] = *ev;
    return 0;
}

static void record(struct run *run, struct vg_scn_event ev)
{
    if (run->p->keep_events && keep(run, &ev) != 0)
        return;
    if (run->p->on_event)
        run->p->on_event(run->p->ctx, &ev);
    if (run->p->observer)
        run->p->observer(run->p->observer_ctx, &ev);
}

static void flush_deferred(struct run *run)
{
    for (size_t i = 0; i < run->ndeferred; i++)
        record(run, run->deferred[i]);
    run->ndeferred = 0;
}

static void defer(struct run *run, struct vg_scn_event ev)
{
    if (run->ndeferred == sizeof run->deferred / sizeof run->deferred[0])
        flush_deferred(run);
    run->deferred[run->ndeferred++] = ev;
}

static struct vg_scn_event scn_event(vg_time t, enum vg_scn_host host, int type)
{
    struct vg_scn_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t = t;
    ev.host = host;
    ev.type = type;
    ev.last_rx = VG_TIME_NEVER;
    return ev;
}

/* ---- the prediction */

/* The prediction as the scenario `as` would have it from what is known now; adopted unless the
 * connection already ended without it having been made (keep-alive shorter than the handshake
 * took to settle, or random loss): then only B3's own instant is left to check. */
static struct scn_plan plan_as(const struct run *run, enum vg_scenario as)
{
    const struct vg_scn_params *p = run->p;
    const struct vg_scn_result *r = run->r;
    struct scn_plan_in in = {
        .scenario = as, .profile = p->cfg.profile,
        .time = VG_MS(r->time_ms), .interval = VG_MS(r->interval_ms), .count = r->count,
        .latency = p->latency_us, .random_loss = p->loss > 0,
        .idle_from = r->idle_from, .nat_last_seen = run->nat_last_seen,
        .fault_at = r->fault_at, .last_rx_before_fault = r->last_rx_before_fault,
        .recover_at = r->recover_at, .nat_timeout = p->nat_timeout,
    };
    struct scn_plan pl;
    scn_plan_make(&in, &pl);
    if (run->client_ended)
        pl.known = 0;
    return pl;
}

static void adopt_plan(struct run *run, const struct scn_plan *pl)
{
    struct vg_scn_result *r = run->r;
    r->expect_known = pl->known;
    r->expect = pl->outcome;
    r->expect_at = pl->at;
    r->expect_error = pl->error;
    if (!run->fixed_end)
        run->end = pl->horizon;
}

/* ---- the stacks' events */

static void on_stack_event(void *ctx, const struct vg_event *ev)
{
    struct host_ctx *hc = ctx;
    struct run *run = hc->run;
    struct vg_scn_result *r = run->r;
    if (ev->type == VG_EV_READABLE || ev->type == VG_EV_WRITABLE)
        return;
    if (ev->type == VG_EV_ACCEPTABLE) {
        run->accept_pending = 1;
        return;
    }
    struct vg_scn_event se = scn_event(ev->now, hc->host, (int)ev->type);
    se.err = ev->err;
    se.arg = ev->arg;
    if (hc->host == VG_SCN_SERVER) {
        if (ev->type == VG_EV_CONNECTED)
            run->established = 1;
        record(run, se);
        flush_deferred(run);
        return;
    }
    se.last_rx = client_last_rx(run, ev->now);
    switch (ev->type) {
    case VG_EV_CONNECTED:
        r->connected_at = ev->now;
        if (!run->fixed_end) {
            /* Long enough for the handshake to settle (and the fault to come): then the plan. */
            run->end = ev->now + 4 * (vg_time)run->p->latency_us + VG_SCN_SETTLE;
            if (is_fault_scenario(run->p->scenario) && run->p->fault_at > run->end)
                run->end = run->p->fault_at;
        }
        break;
    case VG_EV_PROBE_SENT:
        r->probes_sent++;
        if (ev->arg > r->longest_unanswered)
            r->longest_unanswered = ev->arg;
        break;
    case VG_EV_PROBE_ACKED:
        r->probes_answered++;
        break;
    case VG_EV_RESET_RECEIVED:
        run->reset_seen = 1;
        break;
    case VG_EV_CLOSED:
        if (!run->client_ended) {
            run->client_ended = 1;
            run->ended_at = ev->now;
            r->error = ev->err;
            r->outcome_at = ev->now;
            r->last_rx = se.last_rx;
            if (run->reset_seen)
                r->outcome = VG_SCN_RESET;
            else if (ev->err == VG_ERR_NETRESET || ev->err == VG_ERR_TIMEDOUT)
                r->outcome = VG_SCN_ABORTED;
            else
                r->outcome = VG_SCN_OTHER_END;
        }
        break;
    default:
        break;
    }
    record(run, se);
    flush_deferred(run);
}

/* The server's address in the run's family. */
static vg_addr server_addr(const struct vg_scn_params *p)
{
    return p->ipv6 ? vg_addr_v6(VG_SCN_SERVER_ADDR6) : vg_addr_v4(VG_SCN_SERVER_ADDR);
}

static void attach_server(struct run *run)
{
    vg_stack *s = vg_simnet_stack(run->net, run->idx[1]);
    vg_stack_set_event(s, on_stack_event, &run->hctx[1]);
    run->listener = vg_tcp_open(s);
    vg_addr a = server_addr(run->p);
    if (!run->listener || vg_tcp_bind_addr(run->listener, &a, VG_SCN_SERVER_PORT) != 0 ||
        vg_tcp_listen(run->listener, 8) != 0)
        run->failed = 1;
}

static void accept_waiting(struct run *run)
{
    if (!run->accept_pending || !run->listener)
        return;
    run->accept_pending = 0;
    /* The server application holds its end open and never sends: an idle peer. */
    while (vg_tcp_accept(run->listener))
        ;
}

/* ---- the wire */

static void count_drop(struct run *run, enum vg_scn_segment what, enum vg_scn_host from)
{
    if (what == VG_SCN_SEG_PROBE && from == VG_SCN_CLIENT)
        run->r->probes_lost++;
    else if (what == VG_SCN_SEG_ACK && from == VG_SCN_SERVER)
        run->r->answers_lost++;
}

static void record_drop(struct run *run, vg_time now, enum vg_scn_host by,
                        enum vg_scn_drop_reason why)
{
    struct vg_scn_event ev = scn_event(now, by, VG_SCN_EV_PACKET_DROPPED);
    ev.what = run->cur_what;
    ev.from = run->cur_from;
    ev.reason = why;
    count_drop(run, run->cur_what, run->cur_from);
    defer(run, ev);
}

static void on_nat_event(void *ctx, const struct vg_nat_event *ev)
{
    struct run *run = ctx;
    if (ev->type == VG_NAT_DROPPED) {
        record_drop(run, ev->at, VG_SCN_NAT, VG_SCN_DROP_NAT);
    } else if (ev->type == VG_NAT_FLOW_FORGOTTEN) {
        if (run->r->nat_forgot_at == VG_TIME_NEVER)
            run->r->nat_forgot_at = ev->at;
        struct vg_scn_event se = scn_event(ev->at, VG_SCN_NAT, VG_SCN_EV_NAT_FORGOT_FLOW);
        se.arg = (uint32_t)(vg_nat_idle_timeout(run->nat) / 1000u);
        se.last_rx = ev->last_seen;
        record(run, se);
    }
}

static int on_packet(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    struct run *run = ctx;
    const struct vg_scn_params *p = run->p;
    int dir = from == run->idx[0] ? 0 : 1;
    run->cur_what = vg_scn_classify(pkt, len, &run->seq[dir]);
    run->cur_from = dir ? VG_SCN_SERVER : VG_SCN_CLIENT;
    if (run->cur_what == VG_SCN_SEG_RST)
        defer(run, scn_event(now, run->cur_from, VG_SCN_EV_RST_SENT));
    if (run->nat && !vg_nat_filter(run->nat, pkt, len, from, to, now))
        return 0;
    if (run->established && p->loss > 0 && vg_prng_unit(&run->loss) < p->loss) {
        record_drop(run, now, VG_SCN_NET, VG_SCN_DROP_LOSS);
        vg_simnet_drop_reason(run->net, VG_SIMNET_DROP_LOSS, "random loss");
        return 0;
    }
    if (to == run->idx[0] && !run->partitioned)
        arrival_push(run, now + p->latency_us);
    return 1;
}

/* ---- the scenario's own instants */

static vg_time fault_instant(const struct run *run)
{
    if (!is_fault_scenario(run->p->scenario) || run->fault_done ||
        run->r->connected_at == VG_TIME_NEVER)
        return VG_TIME_NEVER;
    /* Not before the connection exists: the scenario is about an idle, established one. */
    return run->p->fault_at > run->r->connected_at ? run->p->fault_at : run->r->connected_at;
}

static vg_time recover_instant(const struct run *run)
{
    return run->fault_done && !run->recover_done ? run->r->recover_at : VG_TIME_NEVER;
}

static vg_time next_instant(const struct run *run)
{
    vg_time x = fault_instant(run);
    vg_time y = recover_instant(run);
    if (y < x)
        x = y;
    if (run->nat) {
        y = vg_nat_next_expiry(run->nat);
        if (y < x)
            x = y;
    }
    return x;
}

/* Partition, when not given: heal halfway through the probes, so the default run shows a probe
 * going unanswered and a later one bringing the connection back. */
static vg_time default_heal_at(const struct run *run, vg_time last_rx)
{
    const struct vg_scn_result *r = run->r;
    vg_time at = last_rx + VG_MS(r->time_ms) + (vg_time)(r->count / 2) * VG_MS(r->interval_ms) +
                 VG_MS(r->interval_ms) / 2;
    return at > r->fault_at ? at : r->fault_at;
}

static vg_time after(vg_time at, vg_time d)
{
    return d > VG_TIME_NEVER - at ? VG_TIME_NEVER : at + d;
}

static void do_fault(struct run *run, vg_time x)
{
    const struct vg_scn_params *p = run->p;
    struct vg_scn_result *r = run->r;
    run->fault_done = 1;
    r->fault_at = x;
    r->last_rx_before_fault = client_latest_rx(run);
    if (p->scenario == VG_SCN_PARTITION) {
        vg_simnet_set_partition(run->net, run->idx[0], run->idx[1], 1);
        run->partitioned = 1;
        r->recover_at = p->heal_after == VG_SCN_AUTO ? default_heal_at(run, r->last_rx_before_fault)
                                                     : after(x, p->heal_after);
        record(run, scn_event(x, VG_SCN_NET, VG_SCN_EV_PARTITION_START));
    } else {
        vg_simnet_set_host_up(run->net, run->idx[1], 0);
        r->recover_at = p->scenario == VG_SCN_PEER_REBOOT ? after(x, p->down_for) : VG_TIME_NEVER;
        record(run, scn_event(x, VG_SCN_SERVER, VG_SCN_EV_PEER_DOWN));
    }
    if (!run->planned) {
        struct scn_plan pl = plan_as(run, p->scenario);
        adopt_plan(run, &pl);
        run->planned = 1;
    }
}

static void do_recover(struct run *run, vg_time x)
{
    run->recover_done = 1;
    if (run->p->scenario == VG_SCN_PARTITION) {
        vg_simnet_set_partition(run->net, run->idx[0], run->idx[1], 0);
        run->partitioned = 0;
        record(run, scn_event(x, VG_SCN_NET, VG_SCN_EV_PARTITION_HEAL));
        return;
    }
    /* The old stack, and every connection it had, is gone; the service starts listening again. */
    if (!vg_simnet_reboot(run->net, run->idx[1])) {
        run->failed = 1;
        return;
    }
    run->listener = NULL;
    attach_server(run);
    vg_simnet_set_host_up(run->net, run->idx[1], 1);
    record(run, scn_event(x, VG_SCN_SERVER, VG_SCN_EV_PEER_REBOOTED));
}

static void do_instant(struct run *run, vg_time x)
{
    if (run->nat && vg_nat_next_expiry(run->nat) <= x)
        vg_nat_expire(run->nat, x);
    if (fault_instant(run) <= x)
        do_fault(run, x);
    if (recover_instant(run) <= x)
        do_recover(run, x);
}

/* A run whose outcome random loss decides stops soon after the connection ends; a predicted one
 * goes on to its horizon, which may hold more to see (a partition healing after the abort). */
static vg_time run_end(const struct run *run)
{
    if (!run->fixed_end && !run->r->expect_known && run->client_ended &&
        run->ended_at + VG_SCN_SETTLE < run->end)
        return run->ended_at + VG_SCN_SETTLE;
    return run->end;
}

/* The handshake has settled once the client is connected and nothing is left on the wire
 * (with a long latency, answers to retransmitted SYNs may still be coming). The scenarios without
 * a fault are planned from here. */
static void settle_check(struct run *run)
{
    struct vg_scn_result *r = run->r;
    if (r->idle_from != VG_TIME_NEVER || r->connected_at == VG_TIME_NEVER ||
        (vg_simnet_in_flight(run->net) != 0 && !run->client_ended))
        return;
    vg_time now = vg_simnet_now(run->net);
    r->idle_from = run->client_ended ? r->last_rx : client_last_rx(run, now);
    if (run->nat) {
        vg_time e = vg_nat_next_expiry(run->nat);
        run->nat_last_seen = e == VG_TIME_NEVER ? VG_TIME_NEVER : e - vg_nat_idle_timeout(run->nat);
    }
    if (run->planned)
        return;
    int fault = is_fault_scenario(run->p->scenario);
    /* Before its fault, a fault scenario is the alive one: planned at its fault, unless the
     * connection is doomed anyway (an interval too short for any answer) before it comes. */
    struct scn_plan pl = plan_as(run, fault ? VG_SCN_ALIVE : run->p->scenario);
    if (fault && (pl.outcome == VG_SCN_LIVES || pl.at > fault_instant(run) || !pl.known)) {
        /* Until the fault: alive, which is all a run that stops before it can show. */
        pl.horizon = run->end;
        adopt_plan(run, &pl);
        return;
    }
    if (fault && fault_instant(run) + VG_SCN_SETTLE > pl.horizon)
        pl.horizon = fault_instant(run) + VG_SCN_SETTLE;
    adopt_plan(run, &pl);
    run->planned = 1;
}

/* ---- set-up and the run */

const uint8_t VG_SCN_CLIENT_ADDR6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
const uint8_t VG_SCN_SERVER_ADDR6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

const char *vg_scn_client_text(int ipv6) { return ipv6 ? "2001:db8::1" : "192.0.2.1"; }
const char *vg_scn_server_text(int ipv6) { return ipv6 ? "[2001:db8::2]:5001" : "192.0.2.2:5001"; }

void vg_scn_params_default(struct vg_scn_params *p, enum vg_scenario s, enum vg_profile profile)
{
    memset(p, 0, sizeof *p);
    p->scenario = s;
    vg_stack_config_default(&p->cfg, profile);
    p->ka_time_ms = p->ka_interval_ms = p->ka_count = VG_KA_SYSTEM;
    p->latency_us = 1000;
    p->loss = s == VG_SCN_LOSSY ? 0.3 : 0;
    p->seed = 1;
    p->duration = VG_SCN_AUTO;
    p->fault_at = VG_MS(60000);
    p->heal_after = VG_SCN_AUTO;
    p->down_for = VG_MS(30000);
    p->nat_timeout = VG_MS(300000);
    p->keep_events = 1;
}

static int build(struct run *run)
{
    const struct vg_scn_params *p = run->p;
    uint64_t x = p->seed;
    struct vg_link_params lp = {.latency_us = p->latency_us};
    run->net = vg_simnet_new(vg_splitmix64(&x), &lp);
    if (!run->net)
        return -1;
    vg_prng_seed(&run->loss, vg_splitmix64(&x));
    struct vg_stack_config cfg[2] = {p->cfg, p->cfg};
    cfg[0].addr = VG_SCN_CLIENT_ADDR;
    cfg[1].addr = VG_SCN_SERVER_ADDR;
    for (int i = 0; i < 2; i++) {
        cfg[i].has_addr6 = (uint8_t)(p->ipv6 != 0);
        memcpy(cfg[i].addr6, i ? VG_SCN_SERVER_ADDR6 : VG_SCN_CLIENT_ADDR6, 16);
        cfg[i].prefix6_len = 64;
        cfg[i].prefix_len = 24;
        cfg[i].accept_subnet = 0;
        cfg[i].seed = vg_splitmix64(&x);
        /* The keep-alive scenarios move no bulk data: fixed buffers (64 KiB: no window scale)
         * keep the SYN-ACK's window field and every idle answer's the same, so Wireshark labels
         * the first answer a keep-alive ACK (autotuning's shift of 7 makes them 65535 and 512,
         * a window update to Wireshark, as with Linux's servers; README "Buffers"). */
        cfg[i].rcvbuf_max = cfg[i].rcvbuf;
        cfg[i].sndbuf_max = cfg[i].sndbuf;
        run->hctx[i] = (struct host_ctx){run, i ? VG_SCN_SERVER : VG_SCN_CLIENT};
        run->idx[i] = vg_simnet_add_host(run->net, &cfg[i]);
        if (run->idx[i] < 0)
            return -1;
    }
    if (p->scenario == VG_SCN_NAT_EXPIRY) {
        run->nat = vg_nat_new(p->nat_timeout);
        if (!run->nat)
            return -1;
        vg_nat_set_event(run->nat, on_nat_event, run);
        vg_nat_report_to(run->nat, run->net);
    }
    if (p->pcap) {
        run->cap = vg_sim_capture_new(p->pcap, p->pcap_epoch);
        if (!run->cap || vg_simnet_add_tap(run->net, vg_sim_capture_tap, run->cap) != 0)
            return -1;
    }
    if (p->tap && vg_simnet_add_tap(run->net, p->tap, p->tap_ctx) != 0)
        return -1;
    vg_simnet_set_filter(run->net, on_packet, run);
    attach_server(run);

    vg_stack *cs = vg_simnet_stack(run->net, run->idx[0]);
    vg_stack_set_event(cs, on_stack_event, &run->hctx[0]);
    vg_tcb *t = run->client = vg_tcp_open(cs);
    if (!t || run->failed)
        return -1;
    vg_time now = vg_simnet_now(run->net);
    if ((p->ka_time_ms != VG_KA_SYSTEM && vg_tcp_set_keepalive_time_ms(t, p->ka_time_ms, now)) ||
        (p->ka_interval_ms != VG_KA_SYSTEM &&
         vg_tcp_set_keepalive_interval_ms(t, p->ka_interval_ms, now)) ||
        (p->ka_count != VG_KA_SYSTEM && vg_tcp_set_keepalive_count(t, p->ka_count, now)) ||
        vg_tcp_set_keepalive(t, 1, now))
        return -1;
    struct vg_keepalive_info ki;
    vg_tcp_keepalive_info(t, now, &ki);
    run->r->time_ms = ki.time_ms;
    run->r->interval_ms = ki.interval_ms;
    run->r->count = ki.count;
    vg_addr a = server_addr(p);
    return vg_tcp_connect_addr(t, &a, VG_SCN_SERVER_PORT, now) == 0 ? 0 : -1;
}

static void finish(struct run *run)
{
    struct vg_scn_result *r = run->r;
    r->end = vg_simnet_now(run->net);
    if (r->connected_at == VG_TIME_NEVER) {
        r->outcome = VG_SCN_NO_CONNECTION;
        r->expect_known = 0;
        return;
    }
    if (!run->client_ended)
        r->last_rx = client_last_rx(run, r->end);
    /* A fixed duration can stop the run before the predicted end. */
    if (r->expect_at != VG_TIME_NEVER && r->expect_at > r->end) {
        r->expect = VG_SCN_LIVES;
        r->expect_at = VG_TIME_NEVER;
        r->expect_error = 0;
    }
}

int vg_scn_run(const struct vg_scn_params *p, struct vg_scn_result *r)
{
    struct run *run = calloc(1, sizeof *run);
    memset(r, 0, sizeof *r);
    r->connected_at = r->fault_at = r->recover_at = r->last_rx_before_fault = VG_TIME_NEVER;
    r->idle_from = VG_TIME_NEVER;
    r->outcome_at = r->expect_at = r->nat_forgot_at = VG_TIME_NEVER;
    r->outcome = r->expect = VG_SCN_LIVES;
    r->expect_known = 0;   /* until the handshake has settled */
    if (!run)
        return -1;
    run->p = p;
    run->r = r;
    run->nat_last_seen = VG_TIME_NEVER;
    run->fixed_end = p->duration != VG_SCN_AUTO;
    run->end = run->fixed_end ? p->duration : CONNECT_LIMIT + 4 * (vg_time)p->latency_us;
    int rc = build(run);
    while (rc == 0 && !run->failed) {
        accept_waiting(run);
        settle_check(run);
        vg_time end = run_end(run);
        vg_time x = next_instant(run);
        if (x <= end) {
            /* Everything strictly before the scenario's instant, then the instant itself. */
            int stepped = x > 0 && vg_simnet_step(run->net, x - 1);
            flush_deferred(run);
            if (!stepped)
                do_instant(run, x);
            continue;
        }
        int stepped = vg_simnet_step(run->net, end);
        flush_deferred(run);
        if (!stepped)
            break;
    }
    if (run->failed)
        rc = -1;
    if (rc == 0)
        finish(run);
    if (vg_sim_capture_finish(run->cap) != 0)
        rc = -1;
    vg_simnet_free(run->net);
    vg_nat_free(run->nat);
    free(run);
    if (rc != 0)
        vg_scn_result_free(r);
    return rc;
}
