/* The stack object: configuration, the timer wheel, tables, and the poll loop. */
#include "stack/stack.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/ring.h"
#include "tcp/tcb.h"

void vg_stack_config_default(struct vg_stack_config *cfg, enum vg_profile p)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->prefix_len = 24;
    cfg->mtu = 1500;
    cfg->profile = p;
    vg_sysparams_default(p, &cfg->sys);
    cfg->msl_ms = 30000;
    cfg->sndbuf = 65536;
    cfg->rcvbuf = 65536;
    cfg->sndbuf_max = VG_SNDBUF_MAX_DEFAULT;
    cfg->rcvbuf_max = VG_RCVBUF_MAX_DEFAULT;
    vg_stack_config_limits(cfg);
}

/* Fills every 0 limit with its default: vg_stack_config_default() starts from zero, and a
 * config built by hand gets the same safe values from vg_stack_new(). */
void vg_stack_config_limits(struct vg_stack_config *cfg)
{
#define DEFAULT(field, value) \
    do { \
        if (!cfg->field) \
            cfg->field = (value); \
    } while (0)
    DEFAULT(max_tcbs, 262144u);
    DEFAULT(max_backlog, 4096u);
    DEFAULT(syn_queue_max, 1024u);
    DEFAULT(synack_retries, 5u);
    DEFAULT(challenge_ack_limit, 1000u);
    DEFAULT(oow_ratelimit_ms, 500u);
    DEFAULT(max_orphans, 16384u);
    DEFAULT(orphan_timeout_ms, 60000u);
    DEFAULT(mem_limit, 64ull << 20);
    DEFAULT(udp_rcvbuf, 262144u);
    DEFAULT(udp_rcvq_max, 1024u);
    DEFAULT(min_pmtu, 552u);
    DEFAULT(base_mss, 1024u);
    DEFAULT(icmp_rate_limit, 1000u);
    DEFAULT(max_addr6, 524288u);
#undef DEFAULT
}

/* The SipHash key: the caller's secret in real mode; otherwise drawn from the seeded PRNG, so a
 * simulation with the same seed replays (and one with another seed does not). */
static void stack_secret_init(vg_stack *s)
{
    if (s->cfg.has_secret) {
        memcpy(s->secret, s->cfg.secret, sizeof s->secret);
        return;
    }
    for (size_t i = 0; i < sizeof s->secret; i += 8) {
        uint64_t w = vg_prng_next(&s->prng);
        for (size_t j = 0; j < 8; j++)
            s->secret[i + j] = (uint8_t)(w >> (8 * j));
    }
}

/* A key of its own for one use of the secret (SYN cookies, IP IDs), so that nothing an attacker
 * learns from one says anything about the others: SipHash of the label under the secret. */
static void stack_subkey(const vg_stack *s, char use, uint8_t out[VG_SIPHASH_KEY_LEN])
{
    for (uint8_t half = 0; half < 2; half++) {
        const uint8_t label[8] = {'v', 'g', 'k', 'e', 'y', (uint8_t)use, 0, half};
        uint64_t w = vg_siphash24(s->secret, label, sizeof label);
        for (size_t j = 0; j < 8; j++)
            out[8 * half + j] = (uint8_t)(w >> (8 * j));
    }
}

vg_stack *vg_stack_new(const struct vg_stack_config *cfg)
{
    if (!cfg || !vg_cc_name((enum vg_cc_algo)cfg->cc))
        return NULL;                  /* an algorithm vigil does not have */
    /* Aligned as its frame buffer asks (a whole cache line), which calloc does not promise. */
    vg_stack *s = aligned_alloc(_Alignof(vg_stack), sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    if (!s->cfg.mtu)
        s->cfg.mtu = 1500;
    if (s->cfg.mtu < 576)
        s->cfg.mtu = 576;
    if (!s->cfg.msl_ms)
        s->cfg.msl_ms = 30000;
    if (!s->cfg.sndbuf)
        s->cfg.sndbuf = 65536;
    if (!s->cfg.rcvbuf)
        s->cfg.rcvbuf = 65536;
    if (!s->cfg.sndbuf_max)
        s->cfg.sndbuf_max = VG_SNDBUF_MAX_DEFAULT;
    if (!s->cfg.rcvbuf_max)
        s->cfg.rcvbuf_max = VG_RCVBUF_MAX_DEFAULT;
    if (s->cfg.rcvbuf_max > VG_RCVBUF_MAX_SCALED)
        s->cfg.rcvbuf_max = VG_RCVBUF_MAX_SCALED;   /* the most our largest shift can offer */
    vg_stack_config_limits(&s->cfg);
    s->ka_count_sys = vg_sysparams_keepalive_count(s->cfg.profile, &s->cfg.sys);
    s->link_up = 1;
    vg_wheel_init(&s->wheel, 0);
    vg_fifo_init(&s->time_wait);
    /* A TCB's timer comes first: what its firing reads is in the first four lines (tcb.h). */
    vg_wheel_set_prefetch(&s->wheel, 256);
    vg_wheel_set_due(&s->wheel, VG_TIMER_TCB, vg_tcp_timer_due);
    vg_prng_seed(&s->prng, cfg->seed);
    stack_secret_init(s);
    stack_subkey(s, 'S', s->syn_key);
    stack_subkey(s, 'I', s->ip_id_key);
    s->challenges.start = VG_TIME_NEVER;   /* the first challenge ACK starts its second */
    s->conns.nbuckets = 64;
    s->conns.bucket = calloc(s->conns.nbuckets, sizeof *s->conns.bucket);
    if (!s->conns.bucket) {
        free(s);
        return NULL;
    }
    if (s->cfg.has_addr6) {
        s->addr6_h = vg_addr6_ref(s, s->cfg.addr6);
        if (!vg_addr_is6(s->addr6_h) || s->addr6_h == VG_ADDR6_ANY) {
            vg_stack_free(s);         /* :: is no address to have, and a table that cannot hold one */
            return NULL;
        }
    }
    return s;
}

void vg_stack_free(vg_stack *s)
{
    if (!s)
        return;
    vg_tcp_free_all(s);
    vg_udp_free_all(s);
    vg_ring_spares_free(s);
    vg_addr6_table_free(s);
    free(s->conns.bucket);
    free(s->port_refs);
    free(s);
}

void vg_stack_set_output(vg_stack *s, vg_output_fn fn, void *ctx)
{
    s->output = fn;
    s->frame_out = NULL;
    s->output_ctx = ctx;
    s->offloads = 0;
}

void vg_stack_set_frame_output(vg_stack *s, vg_frame_fn fn, void *ctx, unsigned offloads)
{
    s->output = NULL;
    s->frame_out = fn;
    s->output_ctx = ctx;
    if (offloads & VG_OFFLOAD_TSO)
        offloads |= VG_OFFLOAD_TX_CSUM;
    s->offloads = fn ? offloads & (VG_OFFLOAD_TX_CSUM | VG_OFFLOAD_TSO) : 0;
}

unsigned vg_stack_offloads(const vg_stack *s) { return s->offloads; }

void vg_stack_set_event(vg_stack *s, vg_event_fn fn, void *ctx)
{
    s->event = fn;
    s->event_ctx = ctx;
}

const struct vg_stack_config *vg_stack_config(const vg_stack *s) { return &s->cfg; }

const struct vg_stack_stats *vg_stack_stats(const vg_stack *s) { return &s->stats; }

void vg_stack_set_garbage_octet(vg_stack *s, int on)
{
    s->cfg.keepalive_garbage_octet = on ? VG_GARBAGE_OCTET_ON : VG_GARBAGE_OCTET_OFF;
}

int vg_config_garbage_octet(const struct vg_stack_config *cfg)
{
    if (cfg->keepalive_garbage_octet == VG_GARBAGE_OCTET_DEFAULT)
        return cfg->profile != VG_PROFILE_LINUX;
    return cfg->keepalive_garbage_octet == VG_GARBAGE_OCTET_ON;
}

void vg_stack_set_link_up(vg_stack *s, int up) { s->link_up = up != 0; }

int vg_stack_link_up(const vg_stack *s) { return s->link_up; }

void vg_stack_emit(vg_stack *s, enum vg_event_type type, vg_tcb *t, vg_time now, int err,
                   uint32_t arg)
{
    if (!s->event)
        return;
    struct vg_event ev = {.type = type, .tcb = t, .now = now, .err = err, .arg = arg};
    s->in_callback++;
    s->event(s->event_ctx, &ev);
    s->in_callback--;
}

void vg_stack_emit_udp(vg_stack *s, vg_udp *u, vg_time now)
{
    if (!s->event)
        return;
    struct vg_event ev = {.type = VG_EV_UDP_READABLE, .now = now, .udp = u};
    s->in_callback++;
    s->event(s->event_ctx, &ev);
    s->in_callback--;
}

vg_time vg_stack_next_deadline(const vg_stack *s)
{
    uint64_t n = vg_wheel_next(&s->wheel), f = vg_fifo_next(&s->time_wait);
    if (f < n)
        n = f;
    return n == UINT64_MAX ? VG_TIME_NEVER : n;
}

/* One handler per kind of timer owner; each may free its owner. */
static void (*const timer_handlers[VG_TIMER_KINDS])(vg_stack *, struct vg_timer *, vg_time) = {
    [VG_TIMER_TCB] = vg_tcp_timer_fire,
    [VG_TIMER_SYNCACHE] = vg_syncache_timer_fire,
    [VG_TIMER_TCB_2MSL] = vg_tcp_timer_fire,
};

vg_time vg_stack_poll(vg_stack *s, vg_time now)
{
    /* Two sorted sources, merged so that timers fire in expiry order as one wheel would fire
     * them: the wheel gives what is due up to the FIFO's head, then the head goes. */
    for (;;) {
        uint64_t head = vg_fifo_next(&s->time_wait);
        struct vg_timer *tm = vg_wheel_expire(&s->wheel, head < now ? head : now);
        if (tm) {
            timer_handlers[vg_timer_kind(tm) < VG_TIMER_KINDS ? vg_timer_kind(tm) : VG_TIMER_TCB](s, tm, now);
            continue;
        }
        if (!(tm = vg_fifo_pop_due(&s->time_wait, now)))
            break;
        vg_timer_set_kind(tm, VG_TIMER_TCB);   /* off the FIFO: an ordinary TCB timer again */
        vg_tcp_timer_fire(s, tm, now);
    }
    return vg_stack_next_deadline(s);
}

int vg_port_ref(vg_stack *s, uint16_t port)
{
    if (!s->port_refs) {
        s->port_refs = vg_zalloc(s, 65536 * sizeof *s->port_refs);
        if (!s->port_refs)
            return -VG_ERR_NOBUFS;
    }
    s->port_refs[port]++;
    return 0;
}

void vg_port_unref(vg_stack *s, uint16_t port)
{
    if (s->port_refs && s->port_refs[port])
        s->port_refs[port]--;
}

uint32_t vg_port_refs(const vg_stack *s, uint16_t port)
{
    return s->port_refs ? s->port_refs[port] : 0;
}

uint64_t vg_stack_random(vg_stack *s) { return vg_prng_next(&s->prng); }
