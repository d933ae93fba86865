/* The extensions a test program needs beyond Winsock (vigil_ws.h): the default stack's clock,
 * black-holing a connection, keep-alive introspection for a SOCKET, the link's state, the
 * stack's counters and events, and Sleep. */
#include <time.h>

#include "api/ws.h"
#include "wire/ipv6.h"
#include "wire/wire.h"

/* For calls that report no error: run with the lock whether or not this thread already holds it
 * (a stack callback does). Returns 0 when the network is not there. */
static int lock_quietly(int *took)
{
    *took = 0;
    if (ws_t.locked)
        return ws_t.net != NULL && !ws_t.net->closed;
    if (atomic_load(&ws_g.started) == 0)
        return 0;
    if (!ws_net_enter(ws_net_ref()))
        return 0;
    *took = 1;
    return 1;
}

static void unlock_quietly(int took)
{
    if (took)
        ws_net_exit();
}

uint64_t vg_clock_ms(void)
{
    int took;
    if (!lock_quietly(&took))
        return 0;
    uint64_t ms = ws_now(ws_t.net) / 1000u;
    unlock_quietly(took);
    return ms;
}

void vg_ws_set_event_hook(vg_ws_event_fn fn, void *ctx)
{
    if (ws_t.locked) {            /* from inside the stack: this thread holds the network's lock */
        ws_g.ev_hook = fn;
        ws_g.ev_ctx = ctx;
        return;
    }
    /* The stack reads the hook under its network's lock; with no network nobody reads it. The
     * process mutex first, then the network's (the lock order). */
    pthread_mutex_lock(&ws_g.lock);
    struct ws_net *n = ws_g.net;
    if (n)
        ws_net_lock(n);
    ws_g.ev_hook = fn;
    ws_g.ev_ctx = ctx;
    if (n)
        pthread_mutex_unlock(&n->lock);
    pthread_mutex_unlock(&ws_g.lock);
}

int vg_blackhole(vg_socket_t s, int on)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    on = on != 0;
    if (on != so->blackhole) {
        so->blackhole = (uint8_t)on;
        if (on)
            ws_t.net->tab.blackholes++;
        else
            ws_t.net->tab.blackholes--;
    }
    ws_leave();
    return 0;
}

/* What the filter needs of a packet, for either IP version. */
struct pkt_ends {
    uint8_t proto;
    vg_addr src, dst;
    uint16_t sport, dport;
};

static int matches(const struct ws_sock *so, const struct pkt_ends *p)
{
    vg_addr laddr, raddr;
    uint16_t lport, rport;
    if (so->tcb) {
        if (p->proto != VG_IPPROTO_TCP)
            return 0;
        vg_tcp_endpoints_addr(so->tcb, &laddr, &lport, &raddr, &rport);
    } else {
        if (p->proto != VG_IPPROTO_UDP)
            return 0;
        vg_udp_endpoints_addr(so->udp, &laddr, &lport, &raddr, &rport);
    }
    /* A wildcard local address of either family takes the packet: a dual-stack listener on
     * :: has IPv4 connections too. */
    if (!lport || p->dport != lport ||
        (!vg_addr_is_unspecified(&laddr) && !vg_addr_equal(&p->dst, &laddr)))
        return 0;
    return vg_addr_is_unspecified(&raddr) || (vg_addr_equal(&p->src, &raddr) && p->sport == rport);
}

static int parse_v4(const uint8_t *pkt, size_t len, struct pkt_ends *p)
{
    if (len < VG_IPV4_HDR_LEN)
        return -1;
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4u;
    if (ihl < VG_IPV4_HDR_LEN || len < ihl + 4)
        return -1;
    p->proto = pkt[9];
    p->src = vg_addr_v4(vg_get32(pkt + 12));
    p->dst = vg_addr_v4(vg_get32(pkt + 16));
    p->sport = vg_get16(pkt + ihl);
    p->dport = vg_get16(pkt + ihl + 2);
    return 0;
}

/* IPv6 through the core's own parser, so the filter walks the extension headers exactly as the
 * stack will; a packet the stack would refuse needs no filtering. */
static int parse_v6(const uint8_t *pkt, size_t len, struct pkt_ends *p)
{
    struct vg_ipv6_hdr h;
    const uint8_t *l4;
    size_t l4len;
    if (vg_ipv6_parse(pkt, len, &h, &l4, &l4len) != VG_WIRE_OK || l4len < 4)
        return -1;
    p->proto = h.proto;
    p->src = vg_addr_v6(h.src);
    p->dst = vg_addr_v6(h.dst);
    p->sport = vg_get16(l4);
    p->dport = vg_get16(l4 + 2);
    return 0;
}

int ws_blackholed(const uint8_t *pkt, size_t len)
{
    struct pkt_ends p;
    if (len < 1)
        return 0;
    int version = pkt[0] >> 4;
    int r = version == 4 ? parse_v4(pkt, len, &p) : version == 6 ? parse_v6(pkt, len, &p) : -1;
    if (r)
        return 0;
    for (size_t i = 0; i < ws_table_cap(); i++) {
        const struct ws_sock *so = ws_sock_at(i);
        if (so && so->blackhole && matches(so, &p))
            return 1;
    }
    return 0;
}

int vg_ws_keepalive_info(vg_socket_t s, struct vg_keepalive_info *out)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    if (!so->tcb)
        e = VG_WSAENOPROTOOPT;
    else if (!out)
        e = VG_WSAEFAULT;
    else
        vg_tcp_keepalive_info(so->tcb, ws_now(ws_t.net), out);
    ws_leave();
    return e ? ws_fail(e) : 0;
}

int vg_ws_set_link_up(int up)
{
    int e = ws_enter_quiet();
    if (e)
        return ws_fail(e);
    if (ws_t.net->drv->rtloop) {
        e = VG_WSAEOPNOTSUPP;     /* a device's link is the kernel's to say */
    } else {
        vg_stack_set_link_up(ws_t.net->stack, up);
        ws_kick(ws_t.net);        /* A6.3: every blocked call looks at the link again */
    }
    ws_leave();
    return e ? ws_fail(e) : 0;
}

int vg_ws_stack_stats(struct vg_stack_stats *out)
{
    int e = ws_enter_quiet();
    if (e)
        return ws_fail(e);
    if (out)
        *out = *vg_stack_stats(ws_t.net->stack);
    else
        e = VG_WSAEFAULT;
    ws_leave();
    return e ? ws_fail(e) : 0;
}

void vg_ws_sleep(uint32_t ms)
{
    if (ws_enter_quiet() != 0) {
        /* No network to run (or called from a hook): an ordinary sleep. */
        struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        return;
    }
    if (ms)
        ws_wait_on(ws_never_ready, NULL, ws_deadline_ms(ms), ws_no_queues, 0, 0);
    ws_leave();
}
