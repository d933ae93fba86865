/* The scenario-file runner (see scnfile.h): the file's hosts on one simulated network, driven in
 * virtual time, with the file's actions made at their instants and every event checked against
 * the expectations as it happens (nothing is kept, so a long run with short probes costs no
 * memory).
 *
 * It plays by the rules of the built-in engine (scenario.c), so that a file describing a
 * built-in scenario gives the same instants: the seeds are drawn in the same order (network,
 * loss, then each host in the order of the file), an action happens before anything else due at
 * its instant, a NAT forgets a flow at the instant its timeout runs out, and what the wire filter
 * sees happen to a packet (dropped, an RST) is reported after the event of the stack that sent
 * it. The hosts' applications accept every connection, read whatever arrives, close their end
 * when the peer has closed, and otherwise do only what the file's actions tell them. */
#include "sim/scnfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/pcap.h"
#include "sim/seg_track.h"
#include "sim/sim_capture.h"
#include "sim/nat.h"
#include "sim/scenario.h"
#include "sim/simnet.h"
#include "util/prng.h"

#define MAX_APP_CONNS 64     /* connections the applications hold: opened and accepted */
#define MAX_FLOWS 64         /* directions of TCP flows the wire classifier follows */

struct run;
struct host_rt {
    struct run *run;
    int index;
    int down;                /* crashed: its applications do nothing either */
    int accept_pending;
    vg_tcb *listeners[SCNF_MAX_LISTENS];
};

struct app_conn {
    vg_tcb *t;
    int host;
    int opened;              /* by a connect statement (else accepted) */
    uint64_t to_send;        /* bytes a send action asked for that are not yet queued */
};

/* One direction of a TCP flow: the sequence number after the highest its sender has sent. */
struct flow {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    struct vg_scn_seq seq;
};

struct run {
    const struct scnf_run_params *p;
    const struct scnf *s;
    struct scnf_outcome *out;
    vg_simnet *net;
    int idx[SCNF_MAX_HOSTS];
    struct host_rt h[SCNF_MAX_HOSTS];
    struct vg_nat *nat;
    struct vg_sim_capture *cap;   /* p->pcap, fed by a tap on the net */
    struct vg_prng loss;
    int loss_on;
    int passive_connected;   /* handshakes completed on the listening side */
    struct app_conn conns[MAX_APP_CONNS];
    int nconns;
    struct flow flows[MAX_FLOWS];
    int nflows, flow_next;
    int next_action;
    enum vg_scn_segment cur_what;
    int cur_from;
    struct scnf_event deferred[8];
    size_t ndeferred;
    int failed;
    char *err;
    size_t errlen;
};

static void run_fail(struct run *run, const char *fmt, ...)
{
    if (run->failed)
        return;
    run->failed = 1;
    if (run->err && run->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(run->err, run->errlen, fmt, ap);
        va_end(ap);
    }
}

/* ---- expectations, checked as events happen */

static int matches(const struct scnf_match *m, const struct scnf_event *ev)
{
    return m->host == ev->host && m->type == ev->type && (!m->has_error || m->error == ev->err) &&
           (!m->has_arg || m->arg == ev->arg) && (!m->has_what || m->what == ev->what) &&
           (!m->has_from || m->from == ev->from) && (!m->has_reason || m->reason == ev->reason);
}

static vg_time distance(vg_time a, vg_time b) { return a > b ? a - b : b - a; }

static void check(struct run *run, const struct scnf_event *ev)
{
    for (int i = 0; i < run->s->nexpects; i++) {
        const struct scnf_expect *e = &run->s->expects[i];
        struct scnf_outcome *o = &run->out[i];
        if (!matches(&e->m, ev))
            continue;
        if (e->kind == SCNF_EXPECT_AT) {
            vg_time d = distance(ev->t, e->at);
            if (d <= e->tol)
                o->matched++;
            if (o->first == VG_TIME_NEVER || d < distance(o->first, e->at))
                o->first = o->last = ev->t;
        } else if (ev->t >= e->from && ev->t <= e->to) {
            o->matched++;
            if (o->first == VG_TIME_NEVER)
                o->first = ev->t;
            o->last = ev->t;
        }
    }
}

static void record(struct run *run, const struct scnf_event *ev)
{
    check(run, ev);
    if (run->p->on_event)
        run->p->on_event(run->p->ctx, ev);
}

static void flush_deferred(struct run *run)
{
    for (size_t i = 0; i < run->ndeferred; i++)
        record(run, &run->deferred[i]);
    run->ndeferred = 0;
}

static void defer(struct run *run, const struct scnf_event *ev)
{
    if (run->ndeferred == sizeof run->deferred / sizeof run->deferred[0])
        flush_deferred(run);
    run->deferred[run->ndeferred++] = *ev;
}

static struct scnf_event event(vg_time t, int host, int type)
{
    struct scnf_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t = t;
    ev.host = host;
    ev.type = type;
    ev.idle = VG_TIME_NEVER;
    ev.last_seen = VG_TIME_NEVER;
    return ev;
}

/* ---- the applications */

static int opened_here(const struct run *run, const vg_tcb *t)
{
    for (int i = 0; i < run->nconns; i++)
        if (run->conns[i].t == t && run->conns[i].opened)
            return 1;
    return 0;
}

static void add_conn(struct run *run, vg_tcb *t, int host, int opened)
{
    if (run->nconns == MAX_APP_CONNS) {   /* more than any file asks for: let it go */
        vg_tcp_close(t, vg_simnet_now(run->net));
        return;
    }
    run->conns[run->nconns++] = (struct app_conn){.t = t, .host = host, .opened = opened};
}

static void drop_conn(struct run *run, int i)
{
    run->conns[i] = run->conns[--run->nconns];
}

static void on_stack_event(void *ctx, const struct vg_event *ev)
{
    struct host_rt *h = ctx;
    struct run *run = h->run;
    if (ev->type == VG_EV_READABLE || ev->type == VG_EV_WRITABLE)
        return;
    if (ev->type == VG_EV_ACCEPTABLE) {
        h->accept_pending = 1;
        return;
    }
    struct scnf_event se = event(ev->now, h->index, (int)ev->type);
    se.err = ev->err;
    se.arg = ev->arg;
    if (ev->tcb)
        vg_tcp_endpoints(ev->tcb, NULL, NULL, &se.peer_addr, &se.peer_port);
    if (ev->tcb && (ev->type == VG_EV_PROBE_SENT || ev->type == VG_EV_ABORTED)) {
        /* A read of the connection's keep-alive state, which the stack allows from a callback. */
        struct vg_keepalive_info ki;
        vg_tcp_keepalive_info(ev->tcb, ev->now, &ki);
        se.count = ki.count;
        se.time_ms = ki.time_ms;
        se.interval_ms = ki.interval_ms;
        if (ev->type == VG_EV_ABORTED &&
            (ev->err == VG_ERR_NETRESET || ev->err == VG_ERR_TIMEDOUT) && ki.last_rx <= ev->now)
            se.idle = ev->now - ki.last_rx;
    }
    if (ev->type == VG_EV_CONNECTED && ev->tcb && !opened_here(run, ev->tcb) &&
        ++run->passive_connected >= run->s->nconns)
        run->loss_on = 1;
    record(run, &se);
    flush_deferred(run);
}

static void attach_listeners(struct run *run, int host)
{
    const struct scnf *s = run->s;
    vg_stack *st = vg_simnet_stack(run->net, run->idx[host]);
    vg_stack_set_event(st, on_stack_event, &run->h[host]);
    for (int l = 0; l < s->nlistens; l++) {
        const struct scnf_listen *L = &s->listens[l];
        run->h[host].listeners[l] = NULL;
        if (L->host != host)
            continue;
        vg_tcb *t = vg_tcp_open(st);
        vg_time now = vg_simnet_now(run->net);
        const struct scnf_ka *ka = &L->ka;
        if (!t || vg_tcp_bind(t, s->hosts[host].addr, L->port) != 0 ||
            vg_tcp_listen(t, 8) != 0 ||
            (ka->has_time && vg_tcp_set_keepalive_time_ms(t, ka->time_ms, now)) ||
            (ka->has_interval && vg_tcp_set_keepalive_interval_ms(t, ka->interval_ms, now)) ||
            (ka->has_count && vg_tcp_set_keepalive_count(t, ka->count, now)) ||
            (ka->has_on && vg_tcp_set_keepalive(t, ka->on, now))) {
            run_fail(run, "line %d: %s cannot listen on port %u with these settings", L->line,
                     s->hosts[host].name, (unsigned)L->port);
            return;
        }
        run->h[host].listeners[l] = t;
    }
}

/* What the applications do between events: take new connections, read what arrived (closing
 * when the peer has), and queue the bytes a send action still owes. */
static void applications(struct run *run)
{
    vg_time now = vg_simnet_now(run->net);
    for (int h = 0; h < run->s->nhosts; h++) {
        if (!run->h[h].accept_pending || run->h[h].down)
            continue;
        run->h[h].accept_pending = 0;
        for (int l = 0; l < run->s->nlistens; l++) {
            vg_tcb *L = run->h[h].listeners[l];
            vg_tcb *t;
            while (L && (t = vg_tcp_accept(L)) != NULL)
                add_conn(run, t, h, 0);
        }
    }
    static const uint8_t pattern[1024];
    uint8_t buf[4096];
    for (int i = 0; i < run->nconns; i++) {
        struct app_conn *c = &run->conns[i];
        if (run->h[c->host].down)
            continue;
        long got;
        while ((got = vg_tcp_recv(c->t, buf, sizeof buf, now)) > 0)
            ;
        if (got == 0 && vg_tcp_eof(c->t)) {
            vg_tcp_close(c->t, now);
            drop_conn(run, i--);
            continue;
        }
        while (c->to_send) {
            size_t n = c->to_send < sizeof pattern ? (size_t)c->to_send : sizeof pattern;
            long put = vg_tcp_send(c->t, pattern, n, now);
            if (put <= 0)
                break;
            c->to_send -= (uint64_t)put;
        }
    }
}

/* ---- the wire */

static struct flow *flow_of(struct run *run, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp,
                            int create)
{
    for (int i = 0; i < run->nflows; i++) {
        struct flow *f = &run->flows[i];
        if (f->saddr == sa && f->sport == sp && f->daddr == da && f->dport == dp)
            return f;
    }
    if (!create)
        return NULL;
    struct flow *f;
    if (run->nflows < MAX_FLOWS) {
        f = &run->flows[run->nflows++];
    } else {                          /* reuse the oldest slot */
        f = &run->flows[run->flow_next];
        run->flow_next = (run->flow_next + 1) % MAX_FLOWS;
    }
    *f = (struct flow){.saddr = sa, .daddr = da, .sport = sp, .dport = dp};
    return f;
}

/* The flow's direction tracker; a flow is kept from its first segment that sets the tracker. */
static enum vg_scn_segment classify(struct run *run, const uint8_t *pkt, size_t len)
{
    struct vg_scn_seg_id id;
    if (vg_scn_seg_id(pkt, len, &id) != 0)
        return VG_SCN_SEG_OTHER;
    struct flow *f = flow_of(run, id.saddr, id.sport, id.daddr, id.dport, 0);
    struct vg_scn_seq seq = f ? f->seq : (struct vg_scn_seq){0};
    enum vg_scn_segment what = vg_scn_classify(pkt, len, &seq);
    if (!f && seq.known)
        f = flow_of(run, id.saddr, id.sport, id.daddr, id.dport, 1);
    if (f)
        f->seq = seq;
    return what;
}

static int host_of_index(const struct run *run, int simnet_index)
{
    for (int i = 0; i < run->s->nhosts; i++)
        if (run->idx[i] == simnet_index)
            return i;
    return -1;
}

static void record_drop(struct run *run, vg_time now, int by, enum vg_scn_drop_reason why)
{
    struct scnf_event ev = event(now, by, VG_SCN_EV_PACKET_DROPPED);
    ev.what = run->cur_what;
    ev.from = run->cur_from;
    ev.reason = why;
    defer(run, &ev);
}

static void on_nat_event(void *ctx, const struct vg_nat_event *ev)
{
    struct run *run = ctx;
    if (ev->type == VG_NAT_DROPPED) {
        record_drop(run, ev->at, SCNF_HOST_NAT, VG_SCN_DROP_NAT);
    } else if (ev->type == VG_NAT_FLOW_FORGOTTEN) {
        struct scnf_event se = event(ev->at, SCNF_HOST_NAT, VG_SCN_EV_NAT_FORGOT_FLOW);
        se.timeout_ms = (uint32_t)(vg_nat_idle_timeout(run->nat) / 1000u);
        se.last_seen = ev->last_seen;
        record(run, &se);
    }
}

static int on_packet(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    struct run *run = ctx;
    run->cur_what = classify(run, pkt, len);
    run->cur_from = host_of_index(run, from);
    if (run->cur_what == VG_SCN_SEG_RST) {
        struct scnf_event ev = event(now, run->cur_from, VG_SCN_EV_RST_SENT);
        defer(run, &ev);
    }
    if (run->nat && !vg_nat_filter(run->nat, pkt, len, from, to, now))
        return 0;
    if ((run->loss_on || run->s->loss_from_start) && run->s->loss > 0 &&
        vg_prng_unit(&run->loss) < run->s->loss) {
        record_drop(run, now, SCNF_HOST_NET, VG_SCN_DROP_LOSS);
        vg_simnet_drop_reason(run->net, VG_SIMNET_DROP_LOSS, "random loss");
        return 0;
    }
    return 1;
}

/* ---- the actions */

static const char *refused_setting(const struct scnf_ka *ka, vg_tcb *t, vg_time now)
{
    if (ka->has_time && vg_tcp_set_keepalive_time_ms(t, ka->time_ms, now))
        return "keep-alive time";
    if (ka->has_interval && vg_tcp_set_keepalive_interval_ms(t, ka->interval_ms, now))
        return "keep-alive interval";
    if (ka->has_count && vg_tcp_set_keepalive_count(t, ka->count, now))
        return "keep-alive count";
    if (ka->has_on && vg_tcp_set_keepalive(t, ka->on, now))
        return "SO_KEEPALIVE";
    return NULL;
}

static void app_action(struct run *run, const struct scnf_action *a, vg_time now);

static void act(struct run *run, const struct scnf_action *a, vg_time now)
{
    const struct scnf *s = run->s;
    int h = a->host;
    switch (a->kind) {
    case SCNF_CRASH: {
        vg_simnet_set_host_up(run->net, run->idx[h], 0);
        run->h[h].down = 1;
        struct scnf_event ev = event(now, h, VG_SCN_EV_PEER_DOWN);
        record(run, &ev);
        break;
    }
    case SCNF_REBOOT: {
        /* The old stack and every connection on it are gone; the services listen again. */
        for (int i = 0; i < run->nconns; i++)
            if (run->conns[i].host == h)
                drop_conn(run, i--);
        if (!vg_simnet_reboot(run->net, run->idx[h])) {
            run_fail(run, "line %d: out of memory rebooting %s", a->line, s->hosts[h].name);
            return;
        }
        run->h[h].accept_pending = 0;
        attach_listeners(run, h);
        vg_simnet_set_host_up(run->net, run->idx[h], 1);
        run->h[h].down = 0;
        struct scnf_event ev = event(now, h, VG_SCN_EV_PEER_REBOOTED);
        record(run, &ev);
        break;
    }
    case SCNF_PARTITION:
    case SCNF_HEAL: {
        int on = a->kind == SCNF_PARTITION;
        vg_simnet_set_partition(run->net, run->idx[h], run->idx[a->host2], on);
        struct scnf_event ev =
            event(now, SCNF_HOST_NET, on ? VG_SCN_EV_PARTITION_START : VG_SCN_EV_PARTITION_HEAL);
        record(run, &ev);
        break;
    }
    case SCNF_SEND:
    case SCNF_SET:
    case SCNF_CLOSE:
        if (!run->h[h].down)
            app_action(run, a, now);
        break;
    }
    flush_deferred(run);
}

/* What a send, set or close action asks of a host's application, on each of its connections. */
static void app_action(struct run *run, const struct scnf_action *a, vg_time now)
{
    const struct scnf *s = run->s;
    int h = a->host;
    switch (a->kind) {
    case SCNF_SEND:
        for (int i = 0; i < run->nconns; i++)
            if (run->conns[i].host == h)
                run->conns[i].to_send += a->bytes;
        applications(run);
        break;
    case SCNF_SET:
        for (int i = 0; i < run->nconns; i++) {
            if (run->conns[i].host != h)
                continue;
            const char *what = refused_setting(&a->ka, run->conns[i].t, now);
            if (what) {
                run_fail(run, "line %d: the stack of %s refused the %s (connection %s)", a->line,
                         s->hosts[h].name, what, vg_tcp_state_name(vg_tcp_state(run->conns[i].t)));
                return;
            }
        }
        break;
    case SCNF_CLOSE:
        for (int i = 0; i < run->nconns; i++)
            if (run->conns[i].host == h) {
                vg_tcp_close(run->conns[i].t, now);
                drop_conn(run, i--);
            }
        break;
    default:
        break;
    }
}

static vg_time next_instant(const struct run *run)
{
    vg_time x = run->next_action < run->s->nactions ? run->s->actions[run->next_action].at
                                                    : VG_TIME_NEVER;
    if (run->nat) {
        vg_time y = vg_nat_next_expiry(run->nat);
        if (y < x)
            x = y;
    }
    return x;
}

static void do_instant(struct run *run, vg_time x)
{
    /* The actions' packets leave at x itself: the net stamps them with its own clock. */
    vg_simnet_advance(run->net, x);
    if (run->nat && vg_nat_next_expiry(run->nat) <= x)
        vg_nat_expire(run->nat, x);
    while (!run->failed && run->next_action < run->s->nactions &&
           run->s->actions[run->next_action].at <= x)
        act(run, &run->s->actions[run->next_action++], x);
}

/* ---- set-up and the run */

static int build(struct run *run)
{
    const struct scnf *s = run->s;
    uint64_t x = s->seed;
    struct vg_link_params lp = {.latency_us = s->latency_us, .bandwidth_bps = s->bandwidth_bps};
    run->net = vg_simnet_new(vg_splitmix64(&x), &lp);
    if (!run->net)
        return -1;
    vg_prng_seed(&run->loss, vg_splitmix64(&x));
    for (int i = 0; i < s->nhosts; i++) {
        struct vg_stack_config cfg = run->p->cfg[i];
        cfg.addr = s->hosts[i].addr;
        cfg.prefix_len = 24;
        cfg.accept_subnet = 0;
        cfg.seed = vg_splitmix64(&x);
        run->h[i] = (struct host_rt){.run = run, .index = i};
        run->idx[i] = vg_simnet_add_host(run->net, &cfg);
        if (run->idx[i] < 0)
            return -1;
    }
    if (s->nat_timeout) {
        run->nat = vg_nat_new(s->nat_timeout);
        if (!run->nat)
            return -1;
        vg_nat_set_event(run->nat, on_nat_event, run);
        vg_nat_report_to(run->nat, run->net);
    }
    if (run->p->pcap) {
        run->cap = vg_sim_capture_new(run->p->pcap, run->p->pcap_epoch);
        if (!run->cap || vg_simnet_add_tap(run->net, vg_sim_capture_tap, run->cap) != 0)
            return -1;
    }
    if (run->p->tap && vg_simnet_add_tap(run->net, run->p->tap, run->p->tap_ctx) != 0)
        return -1;
    vg_simnet_set_filter(run->net, on_packet, run);
    for (int i = 0; i < s->nhosts && !run->failed; i++)
        attach_listeners(run, i);
    vg_time now = vg_simnet_now(run->net);
    for (int c = 0; c < s->nconns && !run->failed; c++) {
        const struct scnf_conn *C = &s->conns[c];
        vg_tcb *t = vg_tcp_open(vg_simnet_stack(run->net, run->idx[C->from]));
        if (!t)
            return -1;
        add_conn(run, t, C->from, 1);
        const char *what = refused_setting(&C->ka, t, now);
        if (what) {
            run_fail(run, "line %d: the stack of %s refused the %s", C->line,
                     s->hosts[C->from].name, what);
            break;
        }
        if (vg_tcp_connect(t, s->hosts[C->to].addr, C->port, now) != 0) {
            run_fail(run, "line %d: %s cannot connect", C->line, s->hosts[C->from].name);
            break;
        }
    }
    return 0;
}

int scnf_run(const struct scnf_run_params *p, struct scnf_outcome *out, vg_time *end, char *err,
             size_t errlen)
{
    const struct scnf *s = p->scn;
    for (int i = 0; i < s->nexpects; i++)
        out[i] = (struct scnf_outcome){.first = VG_TIME_NEVER, .last = VG_TIME_NEVER};
    struct run *run = calloc(1, sizeof *run);
    if (!run) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    run->p = p;
    run->s = s;
    run->out = out;
    run->err = err;
    run->errlen = errlen;
    vg_time stop = scnf_end(s);
    if (build(run) != 0)
        run_fail(run, "the simulated network could not be built (out of memory)");
    while (!run->failed) {
        applications(run);
        vg_time x = next_instant(run);
        if (x <= stop) {
            /* Everything strictly before the file's instant, then the instant itself. */
            int stepped = x > 0 && vg_simnet_step(run->net, x - 1);
            flush_deferred(run);
            if (!stepped)
                do_instant(run, x);
            continue;
        }
        int stepped = vg_simnet_step(run->net, stop);
        flush_deferred(run);
        if (!stepped)
            break;
    }
    int rc = -1;
    if (!run->failed) {
        rc = 0;
        for (int i = 0; i < s->nexpects; i++) {
            const struct scnf_expect *e = &s->expects[i];
            struct scnf_outcome *o = &out[i];
            o->holds = e->kind == SCNF_EXPECT_AT     ? o->matched > 0
                     : e->kind == SCNF_EXPECT_NONE ? o->matched == 0
                                                   : o->matched == e->count;
            rc += !o->holds;
        }
    }
    if (end)
        *end = run->net ? vg_simnet_now(run->net) : 0;
    if (vg_sim_capture_finish(run->cap) != 0 && rc >= 0) {
        run_fail(run, "the capture could not keep every packet (out of memory)");
        rc = -1;
    }
    vg_simnet_free(run->net);
    vg_nat_free(run->nat);
    free(run);
    return rc;
}
