/* Making connections: listen, accept (blocking or not; connections the stack has ready are
 * taken off the listener into the socket's pending list, which select also fills), and
 * connect (blocking, or not: WSAEWOULDBLOCK, then completion seen through select, WSAPoll and
 * SO_ERROR, the window in which spec rule A6.8 applies). */
#include <stdlib.h>

#include "api/ws.h"

/* listen()'s backlog: SOMAXCONN means "a reasonable maximum", SOMAXCONN_HINT(n) is -n. */
#define WS_SOMAXCONN 0x7fffffff
#define WS_BACKLOG_MAX 200
#define WS_BACKLOG_HINT_MIN 200
#define WS_BACKLOG_HINT_MAX 65535

static int do_listen(struct ws_sock *so, int backlog)
{
    if (!so->tcb)
        return VG_WSAEOPNOTSUPP;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    if (st != VG_TCP_CLOSED && st != VG_TCP_LISTEN)
        return VG_WSAEISCONN;
    if (so->connecting || vg_tcp_error(so->tcb))
        return VG_WSAEINVAL;
    if (!ws_is_bound(so))
        return VG_WSAEINVAL;      /* Winsock: bind first */
    if (backlog == WS_SOMAXCONN)
        backlog = WS_BACKLOG_MAX;
    else if (backlog < 0)         /* (INT_MIN has no positive counterpart: compare first) */
        backlog = backlog < -WS_BACKLOG_HINT_MAX   ? WS_BACKLOG_HINT_MAX
                  : backlog > -WS_BACKLOG_HINT_MIN ? WS_BACKLOG_HINT_MIN
                                                   : -backlog;
    else if (backlog == 0)
        backlog = 1;
    else if (backlog > WS_BACKLOG_MAX)
        backlog = WS_BACKLOG_MAX;
    int r = vg_tcp_listen(so->tcb, backlog);
    return r ? ws_err_from_vg(r) : 0;
}

int vg_ws_listen(vg_socket_t s, int backlog)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_listen(so, backlog);
    ws_leave();
    return e ? ws_fail(e) : 0;
}

int ws_fill_pending(struct ws_sock *so)
{
    if (so->npending)
        return 1;
    if (!so->tcb || vg_tcp_state(so->tcb) != VG_TCP_LISTEN)
        return 0;
    vg_tcb *c = vg_tcp_accept(so->tcb);
    if (!c)
        return 0;
    if (so->npending == so->cap_pending) {
        size_t cap = so->cap_pending ? so->cap_pending * 2 : 4;
        vg_tcb **p = realloc(so->pending, cap * sizeof *p);
        if (!p) {
            vg_tcp_abort(c, ws_now(ws_t.net));
            return 0;
        }
        so->pending = p;
        so->cap_pending = cap;
    }
    so->pending[so->npending++] = c;
    return 1;
}

static int accept_ready(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    return !so || vg_tcp_state(so->tcb) != VG_TCP_LISTEN || ws_fill_pending(so);
}

static vg_socket_t do_accept(vg_socket_t s, struct ws_sock *so, struct vg_sockaddr *addr,
                             int *addrlen, int *err)
{
    if (!so->tcb) {
        *err = VG_WSAEOPNOTSUPP;
        return VG_INVALID_SOCKET;
    }
    if (vg_tcp_state(so->tcb) != VG_TCP_LISTEN) {
        *err = VG_WSAEINVAL;
        return VG_INVALID_SOCKET;
    }
    if (addr && (!addrlen || *addrlen < ws_sockaddr_len(so->family))) {
        *err = VG_WSAEFAULT;
        return VG_INVALID_SOCKET;
    }
    if (!ws_fill_pending(so)) {
        if (so->nonblocking) {
            *err = VG_WSAEWOULDBLOCK;
            return VG_INVALID_SOCKET;
        }
        int e = ws_wait_sock(so, accept_ready, &s, VG_TIME_NEVER);
        so = ws_sock_find(s);
        if (!e && (!so || vg_tcp_state(so->tcb) != VG_TCP_LISTEN))
            e = VG_WSAEINTR;      /* closed by another thread while we waited */
        if (e) {
            *err = e;
            return VG_INVALID_SOCKET;
        }
    }
    struct ws_sock *c = ws_sock_new(VG_WS_SOCK_STREAM);
    if (!c) {
        *err = VG_WSAEMFILE;
        return VG_INVALID_SOCKET;
    }
    c->tcb = so->pending[0];
    so->npending--;
    for (size_t i = 0; i < so->npending; i++)
        so->pending[i] = so->pending[i + 1];
    vg_tcp_set_user(c->tcb, c);
    /* The accepted socket has the listening socket's properties (the TCB took its TCP options
     * from the listener already). */
    c->family = so->family;
    c->v6only = so->v6only;
    c->nonblocking = so->nonblocking;
    c->linger_onoff = so->linger_onoff;
    c->linger_secs = so->linger_secs;
    c->rcvtimeo_ms = so->rcvtimeo_ms;
    c->sndtimeo_ms = so->sndtimeo_ms;
    c->sndbuf = so->sndbuf;
    c->rcvbuf = so->rcvbuf;
    c->sndbuf_set = so->sndbuf_set;
    c->rcvbuf_set = so->rcvbuf_set;
    ws_eventselect_inherit(so, c);
    if (addr)
        ws_sockaddr_of_tcb(c, c->tcb, 1, addr, addrlen);
    return c->handle;
}

vg_socket_t vg_ws_accept(vg_socket_t s, struct vg_sockaddr *addr, int *addrlen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e) {
        ws_fail(e);
        return VG_INVALID_SOCKET;
    }
    vg_socket_t h = do_accept(s, so, addr, addrlen, &e);
    so = ws_sock_find(s);
    if (so)
        ws_sock_rearm(so, VG_FD_ACCEPT);
    ws_leave();
    if (h == VG_INVALID_SOCKET)
        ws_fail(e);
    return h;
}

static int connect_ready(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    if (!so)
        return 1;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    return st != VG_TCP_SYN_SENT && st != VG_TCP_SYN_RECEIVED;
}

static int do_connect_udp(struct ws_sock *so, const vg_addr *addr, uint16_t port, int mapped)
{
    if (mapped && so->v6only)
        return VG_WSAEAFNOSUPPORT;   /* as a v6-only stream's connect (ws_connect_target_ok) */
    int r = vg_udp_connect_addr(so->udp, addr, port);
    return r ? ws_err_from_vg(r) : 0;
}

static int do_connect(vg_socket_t s, struct ws_sock *so, const struct vg_sockaddr *name,
                      int namelen)
{
    vg_addr addr;
    uint16_t port;
    int mapped;
    int e = ws_sockaddr_read(so->family, name, namelen, &addr, &port, &mapped);
    if (e)
        return e;
    if (so->udp)
        return do_connect_udp(so, &addr, port, mapped);
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    if (st == VG_TCP_LISTEN)
        return VG_WSAEINVAL;
    ws_settle_connect(so);
    if (so->connecting)
        return VG_WSAEALREADY;
    if (st != VG_TCP_CLOSED)
        return VG_WSAEISCONN;
    if (so->connect_failed || vg_tcp_error(so->tcb))
        return VG_WSAEINVAL;      /* Winsock: a socket whose connect failed must be closed */
    e = ws_connect_target_ok(so, &addr, port, mapped);
    if (e)
        return e;
    int r = vg_tcp_connect_addr(so->tcb, &addr, port, ws_now(ws_t.net));
    if (r)
        return ws_err_from_vg(r);
    so->connecting = 1;
    ws_sock_changed(so, NULL);    /* WSAEventSelect: FD_CONNECT comes when this ends */
    if (so->nonblocking)
        return VG_WSAEWOULDBLOCK;
    e = ws_wait_sock(so, connect_ready, &s, VG_TIME_NEVER);
    so = ws_sock_find(s);
    if (!so)
        return VG_WSAEINTR;
    if (e)
        return e;
    ws_settle_connect(so);
    if (so->connect_failed) {
        /* The error goes to this call, not to a later SO_ERROR. */
        e = so->so_error;
        so->so_error = 0;
        return e;
    }
    return 0;
}

int vg_ws_connect(vg_socket_t s, const struct vg_sockaddr *name, int namelen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_connect(s, so, name, namelen);
    ws_leave();
    return e ? ws_fail(e) : 0;
}

