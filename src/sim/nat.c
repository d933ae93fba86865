/* The flow-forgetting middlebox (see nat.h). A scenario holds a handful of flows, so they live in
 * a plain array searched linearly; a flow is removed by moving the last one into its place. */
#include "sim/nat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/seg_track.h"
#include "wire/wire.h"

struct nat_flow {
    /* As the SYN carried them; a packet matches in either direction. */
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    vg_time last_seen;
};

/* Forgotten flows are remembered (the newest NAT_GONE of them) only to explain later drops. */
#define NAT_GONE 16

struct vg_nat {
    vg_time timeout;
    struct nat_flow *flows;
    size_t n, cap;
    struct nat_flow gone[NAT_GONE];
    size_t ngone, gone_next;
    vg_simnet *report;
    vg_nat_event_fn event;
    void *event_ctx;
    struct vg_nat_stats stats;
};

struct vg_nat *vg_nat_new(vg_time idle_timeout)
{
    struct vg_nat *nat = calloc(1, sizeof *nat);
    if (!nat)
        return NULL;
    nat->timeout = idle_timeout ? idle_timeout : 1;
    return nat;
}

void vg_nat_free(struct vg_nat *nat)
{
    if (!nat)
        return;
    free(nat->flows);
    free(nat);
}

void vg_nat_set_event(struct vg_nat *nat, vg_nat_event_fn fn, void *ctx)
{
    nat->event = fn;
    nat->event_ctx = ctx;
}

static void emit_flow(struct vg_nat *nat, enum vg_nat_event_type type, vg_time at,
                      const struct nat_flow *f)
{
    if (!nat->event)
        return;
    struct vg_nat_event ev = {.type = type, .at = at, .last_seen = f->last_seen,
                              .saddr = f->saddr, .daddr = f->daddr, .sport = f->sport,
                              .dport = f->dport, .from = -1, .to = -1};
    nat->event(nat->event_ctx, &ev);
}

static vg_time expiry_of(const struct vg_nat *nat, const struct nat_flow *f)
{
    if (f->last_seen > VG_TIME_NEVER - nat->timeout)
        return VG_TIME_NEVER;
    return f->last_seen + nat->timeout;
}

static void remove_flow(struct vg_nat *nat, size_t i) { nat->flows[i] = nat->flows[--nat->n]; }

void vg_nat_expire(struct vg_nat *nat, vg_time now)
{
    /* Earliest first, so the events of one call come out in time order. */
    for (;;) {
        size_t best = nat->n;
        for (size_t i = 0; i < nat->n; i++)
            if (expiry_of(nat, &nat->flows[i]) <= now &&
                (best == nat->n || nat->flows[i].last_seen < nat->flows[best].last_seen))
                best = i;
        if (best == nat->n)
            return;
        struct nat_flow f = nat->flows[best];
        remove_flow(nat, best);
        nat->gone[nat->gone_next] = f;
        nat->gone_next = (nat->gone_next + 1) % NAT_GONE;
        if (nat->ngone < NAT_GONE)
            nat->ngone++;
        nat->stats.forgotten++;
        emit_flow(nat, VG_NAT_FLOW_FORGOTTEN, expiry_of(nat, &f), &f);
    }
}

vg_time vg_nat_next_expiry(const struct vg_nat *nat)
{
    vg_time next = VG_TIME_NEVER;
    for (size_t i = 0; i < nat->n; i++) {
        vg_time e = expiry_of(nat, &nat->flows[i]);
        if (e < next)
            next = e;
    }
    return next;
}

static int same_flow(const struct nat_flow *f, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
    return (f->saddr == sa && f->sport == sp && f->daddr == da && f->dport == dp) ||
           (f->saddr == da && f->sport == dp && f->daddr == sa && f->dport == sp);
}

static size_t find_flow(const struct vg_nat *nat, uint32_t sa, uint16_t sp, uint32_t da,
                        uint16_t dp)
{
    for (size_t i = 0; i < nat->n; i++)
        if (same_flow(&nat->flows[i], sa, sp, da, dp))
            return i;
    return nat->n;
}

static int add_flow(struct vg_nat *nat, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp,
                    vg_time now)
{
    if (nat->n == nat->cap) {
        size_t cap = nat->cap ? nat->cap * 2 : 8;
        struct nat_flow *fs = realloc(nat->flows, cap * sizeof *fs);
        if (!fs)
            return -1;
        nat->flows = fs;
        nat->cap = cap;
    }
    struct nat_flow *f = &nat->flows[nat->n++];
    *f = (struct nat_flow){.saddr = sa, .daddr = da, .sport = sp, .dport = dp, .last_seen = now};
    nat->stats.created++;
    emit_flow(nat, VG_NAT_FLOW_CREATED, now, f);
    return 0;
}

void vg_nat_report_to(struct vg_nat *nat, vg_simnet *net) { nat->report = net; }

/* When the forgotten flow the packet belongs to was last seen, VG_TIME_NEVER if none. */
static vg_time gone_last_seen(const struct vg_nat *nat, uint32_t sa, uint16_t sp, uint32_t da,
                              uint16_t dp)
{
    vg_time best = VG_TIME_NEVER;
    for (size_t i = 0; i < nat->ngone; i++)
        if (same_flow(&nat->gone[i], sa, sp, da, dp) &&
            (best == VG_TIME_NEVER || nat->gone[i].last_seen > best))
            best = nat->gone[i].last_seen;
    return best;
}

static void put_ms(char *buf, size_t n, vg_time us)
{
    if (us % 1000u == 0)
        snprintf(buf, n, "%llu", (unsigned long long)(us / 1000u));
    else
        snprintf(buf, n, "%.3f", (double)us / 1000.0);
}

static void explain(const struct vg_nat *nat, vg_time now, vg_time last_seen)
{
    char text[160], idle[32], limit[32];
    if (last_seen == VG_TIME_NEVER) {
        snprintf(text, sizeof text, "NAT knows no such flow (only a SYN opens one)");
    } else {
        put_ms(idle, sizeof idle, now - last_seen);
        put_ms(limit, sizeof limit, nat->timeout);
        snprintf(text, sizeof text, "NAT forgot the flow (idle %s ms > timeout %s ms)", idle,
                 limit);
    }
    vg_simnet_drop_reason(nat->report, VG_SIMNET_DROP_NAT, text);
}

static int drop(struct vg_nat *nat, const uint8_t *pkt, size_t len, int from, int to, vg_time now,
                uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
    nat->stats.dropped++;
    vg_time seen = gone_last_seen(nat, sa, sp, da, dp);
    if (nat->report)
        explain(nat, now, seen);
    if (nat->event) {
        struct vg_nat_event ev = {.type = VG_NAT_DROPPED, .at = now, .last_seen = seen,
                                  .saddr = sa, .daddr = da, .sport = sp, .dport = dp,
                                  .pkt = pkt, .len = len, .from = from, .to = to};
        nat->event(nat->event_ctx, &ev);
    }
    return 0;
}

int vg_nat_filter(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    struct vg_nat *nat = ctx;
    struct vg_scn_seg_id ip;
    uint32_t dlen;
    vg_nat_expire(nat, now);
    /* An IPv6 flow is forgotten as an IPv4 one (a stateful firewall; no NAT66). */
    const uint8_t *seg = vg_scn_tcp(pkt, len, &ip, &dlen);
    if (!seg) {
        nat->stats.passed++;
        return 1;
    }
    uint16_t sp = ip.sport, dp = ip.dport;
    uint8_t flags = seg[13];
    size_t i = find_flow(nat, ip.saddr, sp, ip.daddr, dp);
    if (i == nat->n) {
        /* Only an opening SYN may create state; anything else of an unknown flow is silence. */
        if ((flags & (VG_TCP_SYN | VG_TCP_ACK | VG_TCP_RST)) != VG_TCP_SYN)
            return drop(nat, pkt, len, from, to, now, ip.saddr, sp, ip.daddr, dp);
        if (add_flow(nat, ip.saddr, sp, ip.daddr, dp, now) != 0)
            return drop(nat, pkt, len, from, to, now, ip.saddr, sp, ip.daddr, dp);
        nat->stats.passed++;
        return 1;
    }
    nat->flows[i].last_seen = now;
    if (flags & VG_TCP_RST) {
        struct nat_flow f = nat->flows[i];
        remove_flow(nat, i);
        nat->stats.closed++;
        emit_flow(nat, VG_NAT_FLOW_CLOSED, now, &f);
    }
    nat->stats.passed++;
    return 1;
}

size_t vg_nat_flow_count(const struct vg_nat *nat) { return nat->n; }

vg_time vg_nat_idle_timeout(const struct vg_nat *nat) { return nat->timeout; }

const struct vg_nat_stats *vg_nat_stats(const struct vg_nat *nat) { return &nat->stats; }
