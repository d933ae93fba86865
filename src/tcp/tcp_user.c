/* The user calls of RFC 9293 §3.10: open, send, receive, close, abort, and accessors. */
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_autotune.h"
#include "tcp/tcb.h"
#include "tcp/orphan.h"

vg_tcb *vg_tcp_open(vg_stack *s)
{
    vg_tcb *t = tcb_alloc(s);
    if (t)
        t->flags |= TF_APP_OWNED;
    return t;
}

vg_stack *vg_tcp_stack(const vg_tcb *t) { return tcb_stack(t); }

static int bind_handle(vg_tcb *t, uint32_t addr, uint16_t port)
{
    vg_stack *s = tcb_stack(t);
    if (t->lport || t->state != VG_TCP_CLOSED)
        return -VG_ERR_INVAL;
    if (!vg_addr_is_any(addr) && !vg_stack_is_local(s, addr))
        return -VG_ERR_INVAL;
    uint32_t any = vg_addr_any_of(addr);
    if (!port) {
        port = vg_port_ephemeral(s);
        if (!port)
            return -VG_ERR_NOBUFS;
    } else if (tcb_find_listener(s, addr, port) &&
               (addr != any || tcb_find_listener(s, any, port))) {
        return -VG_ERR_ADDRINUSE;
    }
    int rc = vg_port_ref(s, port);
    if (rc)
        return rc;
    tcb_set_addrs(t, addr, t->raddr);
    t->lport = port;
    return 0;
}

int vg_tcp_bind_addr(vg_tcb *t, const vg_addr *a, uint16_t port)
{
    vg_stack *s = tcb_stack(t);
    uint32_t h;
    int rc = vg_addr_handle(s, a, &h);
    if (rc)
        return rc;
    rc = bind_handle(t, h, port);
    vg_addr_drop(s, h);
    return rc;
}

int vg_tcp_bind(vg_tcb *t, uint32_t addr, uint16_t port)
{
    vg_addr a = vg_addr_v4(addr);
    return vg_tcp_bind_addr(t, &a, port);
}

int vg_tcp_set_v6only(vg_tcb *t, int on)
{
    if (t->lport || t->state != VG_TCP_CLOSED)
        return -VG_ERR_INVAL;
    t->flags2 = (uint8_t)(on ? t->flags2 & ~TF2_DUAL_STACK : t->flags2 | TF2_DUAL_STACK);
    return 0;
}

/* Two listeners on one port that would take the same segments. */
static int listeners_clash(const vg_tcb *a, const vg_tcb *b)
{
    if (vg_addr_is6(a->laddr) == vg_addr_is6(b->laddr))
        return a->laddr == b->laddr || vg_addr_is_any(a->laddr) || vg_addr_is_any(b->laddr);
    /* A dual-stack listener on :: takes IPv4 too. */
    const vg_tcb *v6 = vg_addr_is6(a->laddr) ? a : b;
    return v6->laddr == VG_ADDR6_ANY && (v6->flags2 & TF2_DUAL_STACK);
}

/* listen()'s backlog bounds the accept queue only, clamped to cfg.max_backlog (so a
 * SOMAXCONN-sized request works); half-open connections have the SYN cache. */
static uint32_t accept_backlog(const vg_stack *s, int backlog)
{
    uint32_t b = backlog > 0 ? (uint32_t)backlog : 1;
    return b < s->cfg.max_backlog ? b : s->cfg.max_backlog;
}

int vg_tcp_listen(vg_tcb *t, int backlog)
{
    vg_stack *s = tcb_stack(t);
    if (t->state == VG_TCP_LISTEN) {
        t->lq->backlog = accept_backlog(s, backlog);
        return 0;
    }
    if (t->state != VG_TCP_CLOSED || (t->flags & TF_IN_TABLE))
        return -VG_ERR_ISCONN;
    if (!t->lport) {
        int rc = vg_tcp_bind(t, 0, 0);
        if (rc)
            return rc;
    }
    for (vg_tcb *l = s->listeners; l; l = l->hnext)
        if (l->lport == t->lport && listeners_clash(l, t))
            return -VG_ERR_ADDRINUSE;
    t->lq = vg_zalloc(s, sizeof *t->lq);
    if (!t->lq)
        return -VG_ERR_NOBUFS;
    t->has_lq = 1;
    t->lq->backlog = accept_backlog(s, backlog);
    syncache_init(&t->lq->syn, t);
    t->state = VG_TCP_LISTEN;
    t->flags |= TF_LISTENER;
    t->hnext = s->listeners;
    s->listeners = t;
    return 0;
}

vg_tcb *vg_tcp_accept(vg_tcb *l)
{
    if (l->state != VG_TCP_LISTEN || !l->lq->head)
        return NULL;
    vg_tcb *c = l->lq->head;
    l->lq->head = c->aq_next;
    if (!l->lq->head)
        l->lq->tail = NULL;
    l->lq->queued--;
    c->aq_next = NULL;
    c->parent = NULL;
    c->flags &= (uint16_t)~TF_ACCEPT_QUEUED;
    c->flags |= TF_APP_OWNED;
    return c;
}

/* The local address a connect from t to raddr uses: the bound one, or the stack's own of
 * raddr's family (raddr itself on a loopback stack, which answers for its whole prefix). 0
 * with *err set when there is none: a socket bound to one family connecting to the other
 * (IPv4 from an IPv6 socket only when it is dual-stack), or no IPv6 address. */
static uint32_t connect_laddr(const vg_tcb *t, uint32_t raddr, int *err)
{
    const vg_stack *s = tcb_stack(t);
    *err = 0;
    if (t->laddr == VG_ADDR6_ANY && !vg_addr_is6(raddr) && !(t->flags2 & TF2_DUAL_STACK)) {
        *err = -VG_ERR_INVAL;
        return 0;
    }
    if (!vg_addr_is_any(t->laddr)) {
        if (vg_addr_is6(t->laddr) != vg_addr_is6(raddr))
            *err = -VG_ERR_INVAL;
        return t->laddr;
    }
    if (vg_stack_is_local(s, raddr) && s->cfg.accept_subnet)
        return raddr;
    if (!vg_addr_is6(raddr))
        return s->cfg.addr;
    if (!s->addr6_h)
        *err = -VG_ERR_NETUNREACH;
    return s->addr6_h;
}

static int connect_handle(vg_tcb *t, uint32_t raddr, uint16_t rport, vg_time now);

int vg_tcp_connect_addr(vg_tcb *t, const vg_addr *ra, uint16_t rport, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    uint32_t raddr;
    int rc = vg_addr_handle(s, ra, &raddr);
    if (rc)
        return rc;
    rc = connect_handle(t, raddr, rport, now);
    vg_addr_drop(s, raddr);
    return rc;
}

int vg_tcp_connect(vg_tcb *t, uint32_t raddr, uint16_t rport, vg_time now)
{
    vg_addr a = vg_addr_v4(raddr);
    return vg_tcp_connect_addr(t, &a, rport, now);
}

static int connect_handle(vg_tcb *t, uint32_t raddr, uint16_t rport, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    if (t->state == VG_TCP_SYN_SENT)
        return -VG_ERR_ALREADY;
    if (t->state != VG_TCP_CLOSED || t->err)
        return t->state == VG_TCP_LISTEN ? -VG_ERR_INVAL : -VG_ERR_ISCONN;
    if (vg_addr_is_any(raddr) || !rport)
        return -VG_ERR_INVAL;
    if (!s->link_up)
        return -VG_ERR_NETDOWN;
    int err;
    uint32_t laddr = connect_laddr(t, raddr, &err);
    if (err)
        return err;
    if (!t->lport) {
        /* Chosen now, knowing the whole tuple (RFC 6056 algorithm 4). */
        uint16_t port = vg_port_ephemeral_connect(s, laddr, raddr, rport);
        if (!port)
            return -VG_ERR_NOBUFS;
        int rc = vg_port_ref(s, port);
        if (rc)
            return rc;
        t->lport = port;
    } else if (tcb_lookup(s, laddr, t->lport, raddr, rport)) {
        return -VG_ERR_ADDRINUSE;   /* a chosen port was checked against the tuple already */
    }
    if (!tcb_xfer_get(t))
        return -VG_ERR_NOBUFS;      /* the SYN's timing and retransmission have nowhere to live */
    tcb_set_addrs(t, laddr, raddr);
    t->rport = rport;
    t->mss = vg_ip_mss(s, laddr);
    tcb_init_connection(t, now);
    t->state = VG_TCP_SYN_SENT;
    tcb_table_insert(s, t);
    tcp_send_syn(t, now);
    tcp_timer_update(t, now);
    return 0;
}

long vg_tcp_send(vg_tcb *t, const void *buf, size_t len, vg_time now)
{
    switch (t->state) {
    case VG_TCP_ESTABLISHED: case VG_TCP_CLOSE_WAIT:
        break;
    case VG_TCP_SYN_SENT: case VG_TCP_SYN_RECEIVED:
        return -VG_ERR_WOULDBLOCK;
    case VG_TCP_CLOSED:
        return -(t->err ? t->err : VG_ERR_NOTCONN);
    case VG_TCP_LISTEN:
        return -VG_ERR_NOTCONN;
    default:
        return -VG_ERR_SHUTDOWN;
    }
    if (t->flags & TF_FIN_QUEUED)
        return -VG_ERR_SHUTDOWN;
    if (len == 0)
        return 0;
    uint32_t room = t->sndbuf - vg_ring_len(t->snd);
    if (room == 0)
        return -VG_ERR_WOULDBLOCK;
    if (!tcb_xfer_get(t))
        return -VG_ERR_NOBUFS;      /* queued data needs its transfer block (tcb_xfer.h) */
    /* A full buffer drains as the peer acknowledges: WOULDBLOCK. Room in it that the stack-wide
     * budget (cfg.mem_limit) cannot back is NOBUFS (WSAENOBUFS), as Linux's tcp_mem refuses;
     * what was taken is sent whatever happens to the budget later. */
    size_t n = vg_ring_append(tcb_stack(t), &t->snd, t->sndbuf, buf, len < room ? len : room);
    if (n == 0) {
        tcb_xfer_put_if_idle(t);
        return -VG_ERR_NOBUFS;
    }
    tcp_output(t, now);
    return (long)n;
}

/* What a read of an empty receive buffer returns. */
static long nothing_to_read(const vg_tcb *t)
{
    /* A connection that ended in error says so even after the peer's FIN: a reset in
     * CLOSE_WAIT means the peer did not take all we sent. */
    if (t->state == VG_TCP_CLOSED && t->err)
        return -(long)t->err;
    if (t->flags & TF_FIN_RCVD)
        return 0;
    if (t->state == VG_TCP_CLOSED)
        return -VG_ERR_NOTCONN;
    if (t->state == VG_TCP_LISTEN)
        return -VG_ERR_NOTCONN;
    return -VG_ERR_WOULDBLOCK;
}

long vg_tcp_peek(const vg_tcb *t, void *buf, size_t len)
{
    uint32_t ready = vg_ring_len(t->rcv);
    if (ready == 0)
        return nothing_to_read(t);
    uint32_t n = len < ready ? (uint32_t)len : ready;
    vg_ring_peek(t->rcv, 0, buf, n);
    return (long)n;
}

/* vg_tcp_recv, and vg_tcp_skip with buf NULL. */
static long take(vg_tcb *t, void *buf, size_t len, vg_time now)
{
    uint32_t ready = vg_ring_len(t->rcv);   /* in-order bytes; islands lie beyond len */
    if (ready == 0)
        return nothing_to_read(t);
    uint32_t n = len < ready ? (uint32_t)len : ready;
    uint32_t before = tcp_rcv_window(t);
    if (buf)
        vg_ring_peek(t->rcv, 0, buf, n);
    vg_ring_consume(tcb_stack(t), &t->rcv, n, tcb_nooo(t) == 0);
    tcp_autotune_rcv_taken(t, now);   /* a grown buffer is announced with the window below */
    /* Window update once the window has opened by two segments or half the buffer, so a
     * sender stalled on a small or zero window resumes (receiver SWS avoidance, RFC 9293
     * §3.8.6.2.2). Not after the peer's FIN, as Linux: it sends no more, and a peer that has
     * since closed answers the update with an RST, which throws away what is still unread. */
    uint32_t after = tcp_rcv_window(t);
    uint32_t grow = after - before;
    if (tcp_synchronized(t) && t->state != VG_TCP_TIME_WAIT && !(t->flags & TF_FIN_RCVD) &&
        (grow >= 2u * t->mss || grow >= t->rcvbuf / 2) &&
        (after - (SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0)) >= t->mss) {
        tcp_send_ack(t, now);
        tcp_timer_update(t, now);
    }
    return (long)n;
}

long vg_tcp_recv(vg_tcb *t, void *buf, size_t len, vg_time now)
{
    return take(t, buf, len, now);
}

long vg_tcp_skip(vg_tcb *t, size_t len, vg_time now)
{
    return take(t, NULL, len, now);
}

int vg_tcp_shutdown_send(vg_tcb *t, vg_time now)
{
    switch (t->state) {
    case VG_TCP_ESTABLISHED: case VG_TCP_CLOSE_WAIT: case VG_TCP_SYN_RECEIVED:
        if (!(t->flags & TF_FIN_QUEUED) && !tcb_xfer_get(t))
            return -VG_ERR_NOBUFS;  /* the FIN's retransmission needs the transfer block */
        t->flags |= TF_FIN_QUEUED;
        tcp_output(t, now);
        return 0;
    case VG_TCP_SYN_SENT:
        tcb_drop(t, 0, now);
        return 0;
    case VG_TCP_CLOSED: case VG_TCP_LISTEN:
        return -VG_ERR_NOTCONN;
    default:
        return 0;                     /* already closing */
    }
}

static void close_listener(vg_tcb *l, vg_time now)
{
    /* Connections not yet accepted, and half-open ones, die with their listener; their peers
     * are told. */
    vg_stack *s = tcb_stack(l);
    struct vg_listen_q *q = l->lq;
    while (q->head) {
        vg_tcb *t = q->head;
        q->head = t->aq_next;
        if (!q->head)
            q->tail = NULL;
        q->queued--;
        t->aq_next = NULL;
        t->parent = NULL;
        t->flags &= (uint16_t)~TF_ACCEPT_QUEUED;
        if (tcp_synchronized(t) && t->state != VG_TCP_TIME_WAIT)
            tcp_send_rst_for(t, now);
        if (t->state == VG_TCP_CLOSED)
            tcb_maybe_free(t);
        else
            tcb_drop(t, VG_ERR_CONNABORTED, now);
    }
    syncache_clear(&q->syn, 1, now);
    tcb_listener_remove(s, l);
    l->state = VG_TCP_CLOSED;
}

void vg_tcp_close(vg_tcb *t, vg_time now)
{
    t->flags &= (uint16_t)~TF_APP_OWNED;
    switch (t->state) {
    case VG_TCP_LISTEN:
        close_listener(t, now);
        tcb_free(t);
        return;
    case VG_TCP_CLOSED:
        tcb_maybe_free(t);
        return;
    case VG_TCP_SYN_SENT:
        tcb_drop(t, 0, now);
        return;
    default:
        break;
    }
    if (vg_ring_len(t->rcv) || tcb_nooo(t)) {
        /* Unread data would be lost silently: abort so the peer knows (RFC 2525 §2.17). */
        vg_tcp_abort(t, now);
        return;
    }
    int fin_to_queue = !(t->flags & TF_FIN_QUEUED) &&
                       (t->state == VG_TCP_ESTABLISHED || t->state == VG_TCP_CLOSE_WAIT ||
                        t->state == VG_TCP_SYN_RECEIVED);
    if (fin_to_queue && !tcb_xfer_get(t)) {
        /* No block to retransmit a FIN from: reset rather than leave the peer a half-close
         * that can be lost (counted in tcp_xfer_failed). */
        vg_tcp_abort(t, now);
        return;
    }
    if (tcp_close_would_orphan(t)) {
        /* Linux tcp_max_orphans: past the limit a close resets rather than linger. */
        if (tcp_orphans_full(tcb_stack(t))) {
            tcb_stack(t)->stats.tcp_orphans_aborted++;
            vg_tcp_abort(t, now);
            return;
        }
        tcp_orphan_begin(t);
        /* "Wait forever" (C7) was the application's wish for its own data; nobody waits for an
         * orphan, so the retransmission and persist limits end it (Linux tcp_orphan_retries). */
        if (t->maxrt_ms == VG_MAXRT_FOREVER)
            t->maxrt_ms = VG_MAXRT_DEFAULT;
    }
    if (t->state == VG_TCP_ESTABLISHED || t->state == VG_TCP_CLOSE_WAIT ||
        t->state == VG_TCP_SYN_RECEIVED) {
        t->flags |= TF_FIN_QUEUED;
        tcp_output(t, now);
    } else if (t->state == VG_TCP_FIN_WAIT_2 && t->close_at == VG_TIME_NEVER) {
        t->close_at = now + VG_MS(tcb_stack(t)->cfg.orphan_timeout_ms);
        tcp_timer_update(t, now);
    } else if (t->state == VG_TCP_TIME_WAIT) {
        tcb_maybe_free(t);
    }
}

void vg_tcp_abort(vg_tcb *t, vg_time now)
{
    t->flags &= (uint16_t)~TF_APP_OWNED;
    if (t->state == VG_TCP_LISTEN) {
        close_listener(t, now);
        tcb_free(t);
        return;
    }
    if (tcp_synchronized(t) && t->state != VG_TCP_TIME_WAIT)
        tcp_send_rst_for(t, now);
    if (t->state == VG_TCP_CLOSED)
        tcb_maybe_free(t);
    else
        tcb_drop(t, VG_ERR_CONNABORTED, now);
}

enum vg_tcp_state vg_tcp_state(const vg_tcb *t) { return (enum vg_tcp_state)t->state; }
int vg_tcp_error(const vg_tcb *t) { return t->err; }
size_t vg_tcp_readable(const vg_tcb *t) { return vg_ring_len(t->rcv); }
int vg_tcp_eof(const vg_tcb *t) { return (t->flags & TF_FIN_RCVD) && vg_ring_len(t->rcv) == 0; }
size_t vg_tcp_writable(const vg_tcb *t)
{
    if (t->state != VG_TCP_ESTABLISHED && t->state != VG_TCP_CLOSE_WAIT)
        return 0;
    return t->sndbuf - vg_ring_len(t->snd);
}
size_t vg_tcp_unacked(const vg_tcb *t) { return vg_ring_len(t->snd); }

void vg_tcp_endpoints(const vg_tcb *t, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
                      uint16_t *rport)
{
    if (laddr)
        *laddr = vg_addr_is6(t->laddr) ? 0 : t->laddr;
    if (lport)
        *lport = t->lport;
    if (raddr)
        *raddr = vg_addr_is6(t->raddr) ? 0 : t->raddr;
    if (rport)
        *rport = t->rport;
}

void vg_tcp_endpoints_addr(const vg_tcb *t, vg_addr *laddr, uint16_t *lport, vg_addr *raddr,
                           uint16_t *rport)
{
    const vg_stack *s = tcb_stack(t);
    if (laddr)
        *laddr = vg_addr_of_handle(s, t->laddr);
    if (raddr)
        *raddr = vg_addr_of_handle(s, t->raddr);
    vg_tcp_endpoints(t, NULL, lport, NULL, rport);
}

void vg_tcp_set_user(vg_tcb *t, void *user) { t->user = user; }
void *vg_tcp_user(const vg_tcb *t) { return t->user; }

void vg_tcp_set_nodelay(vg_tcb *t, int on)
{
    if (on)
        t->flags |= TF_NODELAY;
    else
        t->flags &= (uint16_t)~TF_NODELAY;
}
int vg_tcp_nodelay(const vg_tcb *t) { return (t->flags & TF_NODELAY) != 0; }

int vg_tcp_set_cc(vg_tcb *t, int algo)
{
    if (algo < 0 || !cc_ops_for((enum vg_cc_algo)algo))
        return -VG_ERR_INVAL;
    if ((enum vg_cc_algo)algo == vg_tcp_cc(t))
        return 0;
    t->flags2 = (uint8_t)((t->flags2 & ~TF2_CC_MASK) | ((unsigned)algo << TF2_CC_SHIFT));
    /* The new algorithm's state starts fresh; the window and ssthresh carry over. */
    if (t->x)
        t->x->cc = (struct vg_cc_state){0};
    return 0;
}

enum vg_cc_algo vg_tcp_cc(const vg_tcb *t)
{
    return (enum vg_cc_algo)(((unsigned)t->flags2 & TF2_CC_MASK) >> TF2_CC_SHIFT);
}

void vg_tcp_set_bufsizes(vg_tcb *t, uint32_t sndbuf, uint32_t rcvbuf)
{
    /* Buffers only grow while they hold data, so a size applies from the next allocation. A
     * size set fixes that buffer: autotuning leaves it alone from now on (tcp_autotune.h), as
     * Linux's SOCK_SNDBUF_LOCK / SOCK_RCVBUF_LOCK do. */
    if (sndbuf) {
        t->flags2 |= TF2_SNDBUF_SET;
        if (!t->snd)
            t->sndbuf = sndbuf;
    }
    if (rcvbuf) {
        t->flags2 |= TF2_RCVBUF_SET;
        /* Not once the connection has started: its window scale was chosen for the size. A
         * listener's applies to the connections it accepts from now on. */
        if (!t->rcv && (t->state == VG_TCP_CLOSED || t->state == VG_TCP_LISTEN))
            t->rcvbuf = rcvbuf;
    }
}

unsigned vg_tcp_bufsizes(const vg_tcb *t, uint32_t *sndbuf, uint32_t *rcvbuf)
{
    if (sndbuf)
        *sndbuf = t->sndbuf;
    if (rcvbuf)
        *rcvbuf = t->rcvbuf;
    return ((t->flags2 & TF2_SNDBUF_SET) ? VG_SNDBUF_FIXED : 0u) |
           ((t->flags2 & TF2_RCVBUF_SET) ? VG_RCVBUF_FIXED : 0u);
}

void vg_tcp_set_maxrt_ms(vg_tcb *t, uint32_t ms) { t->maxrt_ms = ms; }
uint32_t vg_tcp_maxrt_ms(const vg_tcb *t) { return t->maxrt_ms; }
