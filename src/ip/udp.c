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

int vg_udp_bind(vg_udp *u, uint32_t addr, uint16_t port)
{
    vg_stack *s = u->stack;
    if (u->lport)
        return -VG_ERR_INVAL;
    if (vg_addr_is6(addr) || (addr && !vg_stack_is_local(s, addr)))
        return -VG_ERR_INVAL;
    if (!port)
        port = vg_port_ephemeral(s);
    else
        for (vg_udp *o = s->udp; o; o = o->next)
            if (o->lport == port && (!o->laddr || !addr || o->laddr == addr))
                return -VG_ERR_ADDRINUSE;
    if (!port)
        return -VG_ERR_NOBUFS;
    int rc = vg_port_ref(s, port);
    if (rc)
        return rc;
    u->laddr = addr;
    u->lport = port;
    return 0;
}

int vg_udp_connect(vg_udp *u, uint32_t raddr, uint16_t rport)
{
    if (vg_addr_is6(raddr))
        return -VG_ERR_INVAL;         /* 0.0.0.0/8: no IPv4 peer (ip/addr6.h) */
    if (!u->lport) {
        int rc = vg_udp_bind(u, 0, 0);
        if (rc)
            return rc;
    }
    u->raddr = raddr;
    u->rport = rport;
    return 0;
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

long vg_udp_sendto(vg_udp *u, const void *buf, size_t len, uint32_t raddr, uint16_t rport,
                   vg_time now)
{
    vg_stack *s = u->stack;
    if (!raddr && !rport) {
        raddr = u->raddr;
        rport = u->rport;
    }
    if (!raddr || !rport)
        return -VG_ERR_NOTCONN;
    if (vg_addr_is6(raddr))
        return -VG_ERR_INVAL;
    if (len > 65507u || len > (size_t)s->cfg.mtu - VG_IPV4_HDR_LEN - VG_UDP_HDR_LEN)
        return -VG_ERR_MSGSIZE;
    if (!s->link_up)
        return -VG_ERR_NETDOWN;
    if (!u->lport) {
        int rc = vg_udp_bind(u, 0, 0);
        if (rc)
            return rc;
    }
    uint32_t src = u->laddr ? u->laddr : s->cfg.addr;
    udp_emit(s, u->lport, rport, src, raddr, buf, len, now);
    return (long)len;
}

long vg_udp_recvfrom(vg_udp *u, void *buf, size_t len, uint32_t *raddr, uint16_t *rport)
{
    struct udp_dgram *d = u->head;
    if (!d)
        return -VG_ERR_WOULDBLOCK;
    size_t n = d->len < len ? d->len : len;
    memcpy(buf, d->data, n);
    if (raddr)
        *raddr = d->raddr;
    if (rport)
        *rport = d->rport;
    u->head = d->next;
    if (!u->head)
        u->tail = NULL;
    u->queued_bytes -= udp_charge(d->len);
    u->queued--;
    free(d);
    return (long)n;
}

size_t vg_udp_pending(const vg_udp *u) { return u->head ? u->head->len : 0; }

int vg_udp_has_datagram(const vg_udp *u) { return u->head != NULL; }

void vg_udp_endpoints(const vg_udp *u, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
                      uint16_t *rport)
{
    if (laddr)
        *laddr = u->laddr;
    if (lport)
        *lport = u->lport;
    if (raddr)
        *raddr = u->raddr;
    if (rport)
        *rport = u->rport;
}

static void udp_destroy(vg_udp *u)
{
    while (u->head) {
        struct udp_dgram *d = u->head;
        u->head = d->next;
        free(d);
    }
    if (u->lport)
        vg_port_unref(u->stack, u->lport);
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
    if (vg_addr_is6(ip->dst)) {
        s->stats.ip_not_ours++;       /* UDP sockets are IPv4 only (README "IPv6") */
        return;
    }
    int trusted = (rx_flags & VG_RX_CSUM_VALID) != 0;
    if (vg_udp_parse_ex(seg, len, ip->src, ip->dst, trusted, &h, &data, &dlen) != VG_WIRE_OK) {
        s->stats.udp_bad++;
        return;
    }
    s->stats.rx_csum_trusted += (uint64_t)trusted;
    s->stats.udp_in++;
    vg_udp *match = NULL;
    for (vg_udp *u = s->udp; u; u = u->next) {
        if (u->lport != h.dport || (u->laddr && u->laddr != ip->dst))
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
