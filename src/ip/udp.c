/* UDP sockets: bound ports, a queue of received datagrams each, and sendto. */
#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"

struct udp_dgram {
    struct udp_dgram *next;
    uint32_t raddr;
    uint16_t rport;
    uint16_t len;
    uint8_t data[];
};

struct vg_udp {
    struct vg_udp *next;
    vg_stack *stack;
    uint32_t laddr, raddr;
    uint16_t lport, rport;
    struct udp_dgram *head, *tail;
    uint32_t queued_bytes;        /* data plus each datagram's bookkeeping (udp_charge) */
    uint32_t queued;              /* datagrams */
    void *user;
};

/* What a queued datagram costs against cfg.udp_rcvbuf: its data and the struct that holds it,
 * so that a flood of empty datagrams fills the queue as surely as a flood of full ones (as
 * Linux charges skb->truesize, not the payload, to SO_RCVBUF). */
static uint32_t udp_charge(size_t dlen) { return (uint32_t)(sizeof(struct udp_dgram) + dlen); }

vg_udp *vg_udp_open(vg_stack *s)
{
    vg_udp *u = vg_zalloc(s, sizeof *u);
    if (!u)
        return NULL;
    u->stack = s;
    u->next = s->udp;
    s->udp = u;
    return u;
}

static void udp_set_addrs(vg_udp *u, uint32_t laddr, uint32_t raddr)
{
    vg_addr_store(u->stack, &u->laddr, &u->raddr, laddr, raddr);
}

/* A socket is of the family it was bound in (an unbound one takes its first peer's). */
static int same_family(const vg_udp *u, uint32_t a) { return vg_addr_is6(u->laddr) == vg_addr_is6(a); }

static int bind_handle(vg_udp *u, uint32_t addr, uint16_t port)
{
    vg_stack *s = u->stack;
    if (u->lport)
        return -VG_ERR_INVAL;
    if (!vg_addr_is_any(addr) && !vg_stack_is_local(s, addr))
        return -VG_ERR_INVAL;
    if (!port)
        port = vg_port_ephemeral(s);
    else
        for (vg_udp *o = s->udp; o; o = o->next)
            if (o->lport == port && same_family(o, addr) &&
                (vg_addr_is_any(o->laddr) || vg_addr_is_any(addr) || o->laddr == addr))
                return -VG_ERR_ADDRINUSE;
    if (!port)
        return -VG_ERR_NOBUFS;
    int rc = vg_port_ref(s, port);
    if (rc)
        return rc;
    udp_set_addrs(u, addr, u->raddr);
    u->lport = port;
    return 0;
}

int vg_udp_bind_addr(vg_udp *u, const vg_addr *a, uint16_t port)
{
    uint32_t h;
    int rc = vg_addr_handle(u->stack, a, &h);
    if (rc)
        return rc;
    rc = bind_handle(u, h, port);
    vg_addr_drop(u->stack, h);
    return rc;
}

int vg_udp_bind(vg_udp *u, uint32_t addr, uint16_t port)
{
    vg_addr a = vg_addr_v4(addr);
    return vg_udp_bind_addr(u, &a, port);
}

/* Binds an unbound socket to an ephemeral port of raddr's family; refuses a peer of the other
 * family. */
static int bind_for(vg_udp *u, uint32_t raddr)
{
    if (!u->lport)
        return bind_handle(u, vg_addr_any_of(raddr), 0);
    return same_family(u, raddr) ? 0 : -VG_ERR_INVAL;
}

int vg_udp_connect_addr(vg_udp *u, const vg_addr *ra, uint16_t rport)
{
    uint32_t raddr;
    int rc = vg_addr_handle(u->stack, ra, &raddr);
    if (rc)
        return rc;
    rc = bind_for(u, raddr);
    if (!rc) {
        udp_set_addrs(u, u->laddr, raddr);
        u->rport = rport;
    }
    vg_addr_drop(u->stack, raddr);
    return rc;
}

int vg_udp_connect(vg_udp *u, uint32_t raddr, uint16_t rport)
{
    vg_addr a = vg_addr_v4(raddr);
    return vg_udp_connect_addr(u, &a, rport);
}

/* The datagram built once, in the output frame (as TCP's segments, tcp/tcp_emit.c): the payload
 * copied and summed in one pass, or only copied when the link completes the checksum. */
static void udp_emit(vg_stack *s, uint16_t sport, uint16_t dport, uint32_t src, uint32_t dst,
                     const void *data, size_t dlen, vg_time now)
{
    uint8_t *l4 = vg_ip_l4(s);
    uint16_t ulen = (uint16_t)(VG_UDP_HDR_LEN + dlen);
    int partial = vg_ip_tx_csum_offloaded(s);
    uint32_t sum = 0;
    if (partial)
        memcpy(l4 + VG_UDP_HDR_LEN, data, dlen);
    else
        sum = vg_csum_copy(l4 + VG_UDP_HDR_LEN, data, dlen, 0);
    vg_put16(l4, sport);
    vg_put16(l4 + 2, dport);
    vg_put16(l4 + 4, ulen);
    uint32_t pseudo = vg_ip_pseudo(s, VG_IPPROTO_UDP, src, dst, ulen);
    if (partial) {
        vg_put16(l4 + 6, vg_csum_partial(pseudo));
    } else {
        vg_put16(l4 + 6, 0);
        uint16_t csum = vg_csum_fold(vg_csum_add(vg_csum_block_add(pseudo, sum, 0), l4,
                                                 VG_UDP_HDR_LEN));
        vg_put16(l4 + 6, csum ? csum : 0xffff);   /* a computed 0 is sent as 0xffff (RFC 768) */
    }
    s->stats.udp_out++;
    struct vg_l4_seg seg = {
        .src = src, .dst = dst, .len = ulen, .proto = VG_IPPROTO_UDP,
        .csum_partial = (uint8_t)partial, .csum_offset = 6,
    };
    vg_ip_output(s, &seg, now);
}

static long sendto_handle(vg_udp *u, const void *buf, size_t len, uint32_t raddr, uint16_t rport,
                          vg_time now)
{
    vg_stack *s = u->stack;
    if (vg_addr_is_any(raddr) && !rport) {
        raddr = u->raddr;
        rport = u->rport;
    }
    if (vg_addr_is_any(raddr) || !rport)
        return -VG_ERR_NOTCONN;
    if (len > 65507u || len > (size_t)s->cfg.mtu - vg_ip_hdr_len(raddr) - VG_UDP_HDR_LEN)
        return -VG_ERR_MSGSIZE;
    if (!s->link_up)
        return -VG_ERR_NETDOWN;
    int rc = bind_for(u, raddr);
    if (rc)
        return rc;
    uint32_t src = u->laddr;
    if (vg_addr_is_any(src))
        src = vg_addr_is6(raddr) ? s->addr6_h : s->cfg.addr;
    if (!src)
        return -VG_ERR_NETUNREACH;    /* an IPv6 peer and no IPv6 address */
    udp_emit(s, u->lport, rport, src, raddr, buf, len, now);
    return (long)len;
}

long vg_udp_sendto_addr(vg_udp *u, const void *buf, size_t len, const vg_addr *ra, uint16_t rport,
                        vg_time now)
{
    if (!ra)
        return sendto_handle(u, buf, len, 0, rport, now);
    uint32_t raddr;
    int rc = vg_addr_handle(u->stack, ra, &raddr);
    if (rc)
        return rc;
    long n = sendto_handle(u, buf, len, raddr, rport, now);
    vg_addr_drop(u->stack, raddr);
    return n;
}

long vg_udp_sendto(vg_udp *u, const void *buf, size_t len, uint32_t raddr, uint16_t rport,
                   vg_time now)
{
    vg_addr a = vg_addr_v4(raddr);
    return vg_udp_sendto_addr(u, buf, len, &a, rport, now);
}

static void dgram_free(vg_stack *s, struct udp_dgram *d)
{
    vg_addr_drop(s, d->raddr);
    free(d);
}

/* Takes the oldest datagram: its length (truncated to len), the sender's handle in *raddr. */
static long recv_handle(vg_udp *u, void *buf, size_t len, uint32_t *raddr, uint16_t *rport)
{
    struct udp_dgram *d = u->head;
    if (!d)
        return -VG_ERR_WOULDBLOCK;
    size_t n = d->len < len ? d->len : len;
    memcpy(buf, d->data, n);
    *raddr = d->raddr;
    if (rport)
        *rport = d->rport;
    u->head = d->next;
    if (!u->head)
        u->tail = NULL;
    u->queued_bytes -= udp_charge(d->len);
    u->queued--;
    vg_addr_hold(u->stack, d->raddr);   /* for the caller, who converts and drops it */
    dgram_free(u->stack, d);
    return (long)n;
}

long vg_udp_recvfrom_addr(vg_udp *u, void *buf, size_t len, vg_addr *ra, uint16_t *rport)
{
    uint32_t h = 0;
    long n = recv_handle(u, buf, len, &h, rport);
    if (n >= 0) {
        if (ra)
            *ra = vg_addr_of_handle(u->stack, h);
        vg_addr_drop(u->stack, h);
    }
    return n;
}

long vg_udp_recvfrom(vg_udp *u, void *buf, size_t len, uint32_t *raddr, uint16_t *rport)
{
    vg_addr a;
    long n = vg_udp_recvfrom_addr(u, buf, len, &a, rport);
    if (n >= 0 && raddr)
        *raddr = a.family == VG_AF_INET ? a.v4 : 0;
    return n;
}

size_t vg_udp_pending(const vg_udp *u) { return u->head ? u->head->len : 0; }

int vg_udp_has_datagram(const vg_udp *u) { return u->head != NULL; }

void vg_udp_endpoints(const vg_udp *u, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
                      uint16_t *rport)
{
    if (laddr)
        *laddr = vg_addr_is6(u->laddr) ? 0 : u->laddr;
    if (lport)
        *lport = u->lport;
    if (raddr)
        *raddr = vg_addr_is6(u->raddr) ? 0 : u->raddr;
    if (rport)
        *rport = u->rport;
}

void vg_udp_endpoints_addr(const vg_udp *u, vg_addr *laddr, uint16_t *lport, vg_addr *raddr,
                           uint16_t *rport)
{
    if (laddr)
        *laddr = vg_addr_of_handle(u->stack, u->laddr);
    if (raddr)
        *raddr = vg_addr_of_handle(u->stack, u->raddr);
    vg_udp_endpoints(u, NULL, lport, NULL, rport);
}

static void udp_destroy(vg_udp *u)
{
    while (u->head) {
        struct udp_dgram *d = u->head;
        u->head = d->next;
        dgram_free(u->stack, d);
    }
    if (u->lport)
        vg_port_unref(u->stack, u->lport);
    udp_set_addrs(u, 0, 0);
    free(u);
}

void vg_udp_close(vg_udp *u)
{
    vg_stack *s = u->stack;
    for (vg_udp **pp = &s->udp; *pp; pp = &(*pp)->next)
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    udp_destroy(u);
}

void vg_udp_free_all(vg_stack *s)
{
    while (s->udp) {
        vg_udp *u = s->udp;
        s->udp = u->next;
        udp_destroy(u);
    }
}

void vg_udp_input(vg_stack *s, const struct vg_ip_pkt *ip, const uint8_t *seg, size_t len,
                  unsigned rx_flags, vg_time now)
{
    struct vg_udp_hdr h;
    const uint8_t *data;
    size_t dlen;
    int trusted = (rx_flags & VG_RX_CSUM_VALID) != 0;
    /* IPv6 has no header checksum: the UDP one is mandatory there (RFC 8200 §8.1). */
    int v6 = vg_addr_is6(ip->dst);
    if (vg_udp_parse_acc(seg, len, ip->addr_acc, trusted, v6, &h, &data, &dlen) != VG_WIRE_OK) {
        s->stats.udp_bad++;
        return;
    }
    s->stats.rx_csum_trusted += (uint64_t)trusted;
    s->stats.udp_in++;
    vg_udp *match = NULL;
    for (vg_udp *u = s->udp; u; u = u->next) {
        if (u->lport != h.dport || !same_family(u, ip->dst) ||
            (!vg_addr_is_any(u->laddr) && u->laddr != ip->dst))
            continue;
        if (u->rport && (u->raddr != ip->src || u->rport != h.sport))
            continue;
        match = u;
        break;
    }
    if (!match)
        return;
    if (match->queued >= s->cfg.udp_rcvq_max ||
        (uint64_t)match->queued_bytes + udp_charge(dlen) > s->cfg.udp_rcvbuf) {
        s->stats.udp_queue_full++;
        return;
    }
    struct udp_dgram *d = vg_alloc(s, sizeof *d + dlen);
    if (!d)
        return;
    d->next = NULL;
    d->raddr = ip->src;
    vg_addr_hold(s, d->raddr);        /* the sender's address lives as long as the datagram */
    d->rport = h.sport;
    d->len = (uint16_t)dlen;
    memcpy(d->data, data, dlen);
    if (match->tail)
        match->tail->next = d;
    else
        match->head = d;
    match->tail = d;
    match->queued_bytes += udp_charge(dlen);
    match->queued++;
    vg_stack_emit_udp(s, match, now);
}

void vg_udp_set_user(vg_udp *u, void *user) { u->user = user; }

void *vg_udp_user(const vg_udp *u) { return u->user; }
