/* The simulated network. Each step runs exactly one event, the earliest of: the next packet
 * delivery, or a host's timer deadline. Packets due at the same instant as a timer go first;
 * hosts tie by index. Every random decision comes from the net's own PRNG, drawn only for the
 * impairments that are switched on, so a run replays exactly from its seed. */
#include "sim/simnet.h"

#include <stdlib.h>
#include <string.h>

#include "sim/packet_queue.h"
#include "stack/stack.h"
#include "sim/sim_capture.h"
#include "util/prng.h"

struct sim_host {
    vg_simnet *net;
    int index;
    vg_stack *stack;
    struct vg_stack_config cfg;
    uint32_t mask;             /* from cfg.prefix_len, for accept_subnet routing */
    int up;
    vg_time wire_free;         /* when the host's outgoing wire has finished the last packet */
    vg_time polled_at;         /* last poll with no input since, VG_TIME_NEVER otherwise */
    uint64_t reboots;
};

struct sim_partition { int a, b; };

struct vg_simnet {
    struct vg_link_params lp;
    struct vg_prng prng;
    vg_time now;
    struct sim_host **hosts;   /* pointers: a host is its stack's output context */
    int nhosts, cap;
    struct sim_partition *parts;
    size_t nparts;
    vg_sim_filter_fn filter;
    void *filter_ctx;
    struct vg_sim_capture *capture;   /* vg_simnet_set_pcap's, one of the taps */
    struct { vg_simnet_tap_fn fn; void *ctx; } taps[VG_SIMNET_MAX_TAPS];
    int ntaps;
    uint64_t next_id;
    enum vg_simnet_drop filter_why;   /* what the filter said about the packet it drops */
    char filter_text[160];
    struct vg_packet_queue q;
    struct vg_simnet_stats stats;
};

vg_simnet *vg_simnet_new(uint64_t seed, const struct vg_link_params *lp)
{
    vg_simnet *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    if (lp)
        n->lp = *lp;
    vg_prng_seed(&n->prng, seed);
    vg_pq_init(&n->q);
    return n;
}

void vg_simnet_free(vg_simnet *n)
{
    if (!n)
        return;
    vg_simnet_set_pcap(n, NULL);
    for (int i = 0; i < n->nhosts; i++) {
        vg_stack_free(n->hosts[i]->stack);
        free(n->hosts[i]);
    }
    free(n->hosts);
    free(n->parts);
    vg_pq_free(&n->q);
    free(n);
}

void vg_simnet_set_link(vg_simnet *n, const struct vg_link_params *lp)
{
    memset(&n->lp, 0, sizeof n->lp);
    if (lp)
        n->lp = *lp;
}

/* An IPv6 packet goes to the host whose address it is, or whose IPv6 prefix holds it. */
static int route6(const vg_simnet *n, const uint8_t *pkt, size_t len)
{
    if (len < 40)
        return -1;
    for (int i = 0; i < n->nhosts; i++)
        if (n->hosts[i]->cfg.has_addr6 && memcmp(n->hosts[i]->cfg.addr6, pkt + 24, 16) == 0)
            return i;
    for (int i = 0; i < n->nhosts; i++)
        if (vg_cfg_ip6_is_local(&n->hosts[i]->cfg, pkt + 24))
            return i;
    return -1;
}

static int route(const vg_simnet *n, const uint8_t *pkt, size_t len)
{
    if (len && pkt[0] >> 4 == 6)
        return route6(n, pkt, len);
    if (len < 20)
        return -1;
    uint32_t dst = ((uint32_t)pkt[16] << 24) | ((uint32_t)pkt[17] << 16) |
                   ((uint32_t)pkt[18] << 8) | pkt[19];
    for (int i = 0; i < n->nhosts; i++)
        if (n->hosts[i]->cfg.addr == dst)
            return i;
    for (int i = 0; i < n->nhosts; i++) {
        const struct sim_host *h = n->hosts[i];
        if (h->cfg.accept_subnet && (dst & h->mask) == (h->cfg.addr & h->mask))
            return i;
    }
    return -1;
}

static int partitioned(const vg_simnet *n, int a, int b)
{
    for (size_t i = 0; i < n->nparts; i++)
        if ((n->parts[i].a == a && n->parts[i].b == b) || (n->parts[i].a == b && n->parts[i].b == a))
            return 1;
    return 0;
}

static int chance(vg_simnet *n, double p) { return p > 0 && vg_prng_unit(&n->prng) < p; }

/* Extra delay for a held-back or duplicated packet: up to twice the latency, and at least a
 * millisecond's range so a zero-latency link can still reorder. */
static vg_time jitter(vg_simnet *n)
{
    uint64_t range = 2 * (uint64_t)n->lp.latency_us;
    if (range < 1000)
        range = 1000;
    return 1 + vg_prng_below(&n->prng, range);
}

static void put_on_wire(vg_simnet *n, vg_time at, struct vg_sim_packet *p)
{
    /* Out of memory: the packet is lost, as on a real wire. */
    (void)vg_pq_push(&n->q, (size_t)p->from, at, p);
}

/* ---- taps */

int vg_simnet_add_tap(vg_simnet *n, vg_simnet_tap_fn fn, void *ctx)
{
    if (!fn || n->ntaps == VG_SIMNET_MAX_TAPS)
        return -1;
    n->taps[n->ntaps].fn = fn;
    n->taps[n->ntaps].ctx = ctx;
    n->ntaps++;
    return 0;
}

void vg_simnet_remove_tap(vg_simnet *n, vg_simnet_tap_fn fn, void *ctx)
{
    for (int i = 0; i < n->ntaps; i++) {
        if (n->taps[i].fn == fn && n->taps[i].ctx == ctx) {
            for (int j = i + 1; j < n->ntaps; j++)
                n->taps[j - 1] = n->taps[j];
            n->ntaps--;
            return;
        }
    }
}

const char *vg_simnet_drop_name(enum vg_simnet_drop why)
{
    switch (why) {
    case VG_SIMNET_DROP_LOSS: return "random loss";
    case VG_SIMNET_DROP_PARTITION: return "partition";
    case VG_SIMNET_DROP_HOST_DOWN: return "host down";
    case VG_SIMNET_DROP_NO_ROUTE: return "no host has the destination address";
    case VG_SIMNET_DROP_NAT: return "NAT knew no flow";
    case VG_SIMNET_DROP_FILTER: return "filtered";
    case VG_SIMNET_DROP_NONE: break;
    }
    return "not dropped";
}

void vg_simnet_drop_reason(vg_simnet *n, enum vg_simnet_drop why, const char *text)
{
    n->filter_why = why;
    snprintf(n->filter_text, sizeof n->filter_text, "%s", text ? text : vg_simnet_drop_name(why));
}

static void tap(vg_simnet *n, enum vg_simnet_tap_kind kind, uint64_t id, vg_time sent_at,
                vg_time due, int from, int to, const uint8_t *pkt, size_t len,
                enum vg_simnet_drop why, const char *reason)
{
    struct vg_simnet_tap_event ev = {
        .kind = kind, .id = id, .sent_at = sent_at, .due = due, .from = from, .to = to,
        .pkt = pkt, .len = len, .drop = why,
        .reason = reason ? reason : (why ? vg_simnet_drop_name(why) : NULL)};
    ev.at = kind == VG_SIMNET_SENT ? sent_at : kind == VG_SIMNET_DELIVERED ? due : n->now;
    for (int i = 0; i < n->ntaps; i++)
        n->taps[i].fn(n->taps[i].ctx, &ev);
}

static void tap_drop(vg_simnet *n, const struct vg_sim_packet *p, vg_time due,
                     enum vg_simnet_drop why, const char *reason)
{
    if (n->ntaps)
        tap(n, VG_SIMNET_DROPPED, p->id, p->sent_at, due, p->from, p->to, p->data, p->len, why,
            reason);
}

/* The stack's output callback: its buffer lives only for this call, so the packet is copied. */
static void on_output(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    struct sim_host *h = ctx;
    vg_simnet *n = h->net;
    (void)now;   /* the net's clock is the authority; callers pass the same time */
    if (!h->up) {
        n->stats.host_down++;
        return;
    }
    n->stats.sent++;
    uint64_t id = ++n->next_id;

    vg_time start = h->wire_free > n->now ? h->wire_free : n->now;
    vg_time tx = 0;
    if (n->lp.bandwidth_bps)
        tx = ((uint64_t)len * 8u * 1000000u + n->lp.bandwidth_bps - 1) / n->lp.bandwidth_bps;
    h->wire_free = start + tx;
    vg_time at = start + tx + n->lp.latency_us;

    int to = route(n, pkt, len);
    if (n->ntaps)
        tap(n, VG_SIMNET_SENT, id, n->now, at, h->index, to, pkt, len, VG_SIMNET_DROP_NONE, NULL);
    if (to < 0) {
        n->stats.unroutable++;
        if (n->ntaps)
            tap(n, VG_SIMNET_DROPPED, id, n->now, at, h->index, to, pkt, len,
                VG_SIMNET_DROP_NO_ROUTE, NULL);
        return;
    }
    struct vg_sim_packet *p = vg_sim_packet_new(h->index, to, pkt, len);
    if (!p)
        return;
    p->id = id;
    p->sent_at = n->now;
    if (n->filter) {
        n->filter_why = VG_SIMNET_DROP_NONE;
        if (!n->filter(n->filter_ctx, p->data, len, h->index, to, n->now)) {
            n->stats.filtered++;
            tap_drop(n, p, at, n->filter_why ? n->filter_why : VG_SIMNET_DROP_FILTER,
                     n->filter_why ? n->filter_text : NULL);
            free(p);
            return;
        }
        /* A middlebox such as a NAT may have rewritten the destination. */
        if (memcmp(p->data + 16, pkt + 16, 4) != 0) {
            p->to = to = route(n, p->data, len);
            if (to < 0) {
                n->stats.unroutable++;
                tap_drop(n, p, at, VG_SIMNET_DROP_NO_ROUTE, NULL);
                free(p);
                return;
            }
        }
    }
    if (partitioned(n, h->index, to)) {
        n->stats.partitioned++;
        tap_drop(n, p, at, VG_SIMNET_DROP_PARTITION, NULL);
        free(p);
        return;
    }
    if (chance(n, n->lp.loss)) {
        n->stats.lost++;
        tap_drop(n, p, at, VG_SIMNET_DROP_LOSS, NULL);
        free(p);
        return;
    }
    if (chance(n, n->lp.corrupt) && len) {
        uint64_t bit = vg_prng_below(&n->prng, (uint64_t)len * 8);
        p->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        n->stats.corrupted++;
    }
    if (chance(n, n->lp.reorder)) {
        at += jitter(n);
        n->stats.reordered++;
    }
    if (chance(n, n->lp.dup)) {
        struct vg_sim_packet *d = vg_sim_packet_new(p->from, p->to, p->data, len);
        if (d) {
            d->id = p->id;
            d->sent_at = p->sent_at;
            n->stats.duplicated++;
            put_on_wire(n, at + jitter(n), d);
        }
    }
    put_on_wire(n, at, p);
}

static void attach(struct sim_host *h)
{
    vg_stack_set_output(h->stack, on_output, h);
}

int vg_simnet_add_host(vg_simnet *n, const struct vg_stack_config *cfg)
{
    if (n->nhosts == n->cap) {
        int cap = n->cap ? n->cap * 2 : 4;
        struct sim_host **hs = realloc(n->hosts, (size_t)cap * sizeof *hs);
        if (!hs)
            return -1;
        n->hosts = hs;
        n->cap = cap;
    }
    struct sim_host *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->stack = vg_stack_new(cfg);
    if (!h->stack) {
        free(h);
        return -1;
    }
    h->net = n;
    h->index = n->nhosts;
    h->cfg = *cfg;
    h->mask = cfg->prefix_len ? ~(uint32_t)0 << (32 - (cfg->prefix_len > 32 ? 32 : cfg->prefix_len)) : 0;
    h->up = 1;
    h->polled_at = VG_TIME_NEVER;
    attach(h);
    n->hosts[n->nhosts++] = h;
    return h->index;
}

static struct sim_host *host(const vg_simnet *n, int i)
{
    return n && i >= 0 && i < n->nhosts ? n->hosts[i] : NULL;
}

vg_stack *vg_simnet_stack(vg_simnet *n, int i)
{
    struct sim_host *h = host(n, i);
    return h ? h->stack : NULL;
}

vg_stack *vg_simnet_reboot(vg_simnet *n, int i)
{
    struct sim_host *h = host(n, i);
    if (!h)
        return NULL;
    /* A rebooted machine does not replay its ISNs and ports (RFC 6528's point): the new stack
     * gets the same config with a seed derived from the old one and the reboot count. */
    struct vg_stack_config cfg = h->cfg;
    uint64_t x = cfg.seed ^ ++h->reboots;
    cfg.seed = vg_splitmix64(&x);
    vg_stack *s = vg_stack_new(&cfg);
    if (!s)
        return NULL;
    vg_stack_free(h->stack);
    h->stack = s;
    h->polled_at = VG_TIME_NEVER;
    attach(h);
    return s;
}

void vg_simnet_set_host_up(vg_simnet *n, int i, int up)
{
    struct sim_host *h = host(n, i);
    if (h)
        h->up = up != 0;
}

void vg_simnet_set_partition(vg_simnet *n, int a, int b, int on)
{
    for (size_t i = 0; i < n->nparts; i++) {
        if ((n->parts[i].a == a && n->parts[i].b == b) || (n->parts[i].a == b && n->parts[i].b == a)) {
            if (!on)
                n->parts[i] = n->parts[--n->nparts];
            return;
        }
    }
    if (!on)
        return;
    struct sim_partition *p = realloc(n->parts, (n->nparts + 1) * sizeof *p);
    if (!p)
        return;
    n->parts = p;
    n->parts[n->nparts++] = (struct sim_partition){a, b};
}

void vg_simnet_set_filter(vg_simnet *n, vg_sim_filter_fn fn, void *ctx)
{
    n->filter = fn;
    n->filter_ctx = ctx;
}

void vg_simnet_set_pcap(vg_simnet *n, struct vg_pcap *p)
{
    if (n->capture) {
        vg_simnet_remove_tap(n, vg_sim_capture_tap, n->capture);
        (void)vg_sim_capture_finish(n->capture);
        n->capture = NULL;
    }
    if (!p)
        return;
    n->capture = vg_sim_capture_new(p, 0);
    if (n->capture && vg_simnet_add_tap(n, vg_sim_capture_tap, n->capture) != 0) {
        (void)vg_sim_capture_finish(n->capture);
        n->capture = NULL;
    }
}

vg_time vg_simnet_now(const vg_simnet *n) { return n->now; }

/* When a host next wants its timers run. A deadline already past runs now, except straight
 * after a poll at this very instant with no input since: a stack whose wheel reports a stale
 * slot must not spin the clock in place, so it is looked at again a microsecond later. */
static vg_time host_due(const struct sim_host *h, vg_time now)
{
    vg_time d = vg_stack_next_deadline(h->stack);
    if (d > now)
        return d;
    return h->polled_at == now ? now + 1 : now;
}

/* Tells the receiving stacks which packets come next, as a driver holding a batch would
 * (vg_stack_prefetch_input, VG_PREFETCH_AHEAD): the packet VG_PREFETCH_DISTANCE behind the one
 * just taken in its sender's FIFO, so every packet of a sender is hinted once, in order, that
 * far ahead of its input. A sender's packets mostly reach one host, and nearly always in the
 * order sent (packet_queue.h); one that overtook is simply not hinted. */
static void prefetch_ahead(const vg_simnet *n, int lane)
{
    const struct vg_sim_packet *q = vg_pq_lane_at(&n->q, (size_t)lane, VG_PREFETCH_DISTANCE - 1);
    const struct sim_host *h = q ? host(n, q->to) : NULL;
    if (h && h->up)
        vg_stack_prefetch_input(h->stack, q->data, q->len, VG_PREFETCH_AHEAD);
}

int vg_simnet_step(vg_simnet *n, vg_time limit)
{
    vg_time best = vg_pq_next_time(&n->q);
    struct sim_host *due = NULL;
    for (int i = 0; i < n->nhosts; i++) {
        struct sim_host *h = n->hosts[i];
        if (!h->up)
            continue;
        vg_time d = host_due(h, n->now);
        if (d < best) {
            best = d;
            due = h;
        }
    }
    if (best == VG_TIME_NEVER || best > limit) {
        if (limit != VG_TIME_NEVER && limit > n->now)
            n->now = limit;
        return 0;
    }
    if (best > n->now)
        n->now = best;
    if (due) {
        due->polled_at = n->now;
        (void)vg_stack_poll(due->stack, n->now);
        return 1;
    }
    struct vg_sim_packet *p = vg_pq_pop(&n->q, NULL);
    prefetch_ahead(n, p->from);
    struct sim_host *h = host(n, p->to);
    if (!h || !h->up) {
        n->stats.host_down++;
        tap_drop(n, p, n->now, VG_SIMNET_DROP_HOST_DOWN, NULL);
    } else {
        n->stats.delivered++;
        h->polled_at = VG_TIME_NEVER;
        if (n->ntaps)
            tap(n, VG_SIMNET_DELIVERED, p->id, p->sent_at, n->now, p->from, p->to, p->data, p->len,
                VG_SIMNET_DROP_NONE, NULL);
        vg_stack_input(h->stack, p->data, p->len, n->now);
    }
    free(p);
    return 1;
}

void vg_simnet_advance(vg_simnet *n, vg_time t)
{
    if (t == VG_TIME_NEVER || t <= n->now || vg_pq_next_time(&n->q) < t)
        return;
    for (int i = 0; i < n->nhosts; i++)
        if (n->hosts[i]->up && host_due(n->hosts[i], n->now) < t)
            return;
    n->now = t;
}

void vg_simnet_run_until(vg_simnet *n, vg_time t)
{
    while (vg_simnet_step(n, t))
        ;
    if (t != VG_TIME_NEVER && t > n->now)
        n->now = t;
}

int vg_simnet_run_while_not(vg_simnet *n, int (*pred)(void *ctx), void *ctx, vg_time limit)
{
    if (pred(ctx))
        return 1;
    while (vg_simnet_step(n, limit))
        if (pred(ctx))
            return 1;
    return 0;
}

const struct vg_simnet_stats *vg_simnet_stats(const vg_simnet *n) { return &n->stats; }

int vg_simnet_host_count(const vg_simnet *n) { return n->nhosts; }

size_t vg_simnet_in_flight(const vg_simnet *n) { return vg_pq_count(&n->q); }
