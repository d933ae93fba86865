/* The <mswsock.h> extensions servers fetch with WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER):
 * AcceptEx, GetAcceptExSockaddrs and ConnectEx, as overlapped operations (ws_overlapped.h).
 *
 * AcceptEx's output buffer is [received data][local address block][remote address block]; each
 * block holds an int length and the listener's sockaddr (sockaddr_in or sockaddr_in6) after it
 * (the layout is Windows' own business: programs read it with GetAcceptExSockaddrs, which reads
 * this one). */
#include <stdlib.h>
#include <string.h>

#include "api/ws_overlapped.h"

/* AcceptEx's documented minimum: 16 octets more than the transport's largest address. Without
 * a socket to ask, GetAcceptExSockaddrs takes the smaller, sockaddr_in's. */
#define WS_ADDR_BLOCK_MIN (sizeof(struct vg_sockaddr_in) + 16)

static uint32_t addr_block_min(const struct ws_sock *so)
{
    return (uint32_t)ws_sockaddr_len(so->family) + 16u;
}

static int fail_false(int e)
{
    ws_fail(e);
    return 0;
}

static void write_block(char *blk, const struct ws_sock *so, const vg_tcb *c, int peer)
{
    struct vg_sockaddr_in6 sa;    /* room for either family */
    int len = (int)sizeof sa;
    ws_sockaddr_of_tcb(so, c, peer, (struct vg_sockaddr *)&sa, &len);
    memcpy(blk, &len, sizeof len);
    memcpy(blk + sizeof len, &sa, (size_t)len);
}

/* Puts the connection the listener has ready onto the accept socket, as accept() makes a new
 * socket of it: the listener's properties, the address blocks written. */
static int attach(struct ws_sock *l, struct ws_sock *a, struct ws_op *op)
{
    vg_time now = ws_now(ws_t.net);
    vg_tcb *c = l->pending[0];
    l->npending--;
    memmove(l->pending, l->pending + 1, l->npending * sizeof *l->pending);
    if (a->tcb) {
        vg_tcp_set_user(a->tcb, NULL);
        vg_tcp_close(a->tcb, now);   /* the accept socket's own, never used */
    }
    a->tcb = c;
    vg_tcp_set_user(c, a);
    a->v6only = l->v6only;
    a->nonblocking = l->nonblocking;
    a->linger_onoff = l->linger_onoff;
    a->linger_secs = l->linger_secs;
    a->rcvtimeo_ms = l->rcvtimeo_ms;
    a->sndtimeo_ms = l->sndtimeo_ms;
    a->sndbuf = l->sndbuf;
    a->rcvbuf = l->rcvbuf;
    a->sndbuf_set = l->sndbuf_set;
    a->rcvbuf_set = l->rcvbuf_set;
    op->epoch0 = a->abort_epoch;
    write_block(op->out + op->rxlen, a, c, 0);
    write_block(op->out + op->rxlen + op->laddrlen, a, c, 1);
    return 0;
}

/* The accepted connection's first data (when AcceptEx asked for some). */
static int try_first_data(struct ws_sock *a, struct ws_op *op)
{
    long n = vg_tcp_recv(a->tcb, op->out, op->rxlen, ws_now(ws_t.net));
    if (n == -VG_ERR_WOULDBLOCK)
        return 0;
    if (n < 0)
        ws_op_complete(op, ws_ended_error(a, op->epoch0), 0, 0);
    else
        ws_op_complete(op, 0, (uint32_t)n, 0);
    return 1;
}

int ws_op_try_accept(struct ws_sock *so, struct ws_op *op)
{
    if (op->accepted)
        return try_first_data(so, op);
    if (!ws_fill_pending(so))
        return 0;
    struct ws_sock *a = ws_sock_find(op->accept_sock);
    if (!a || !a->tcb) {
        ws_op_complete(op, VG_WSAENOTSOCK, 0, 0);
        return 1;
    }
    attach(so, a, op);
    if (op->rxlen == 0) {
        ws_op_complete(op, 0, 0, 0);
        return 1;
    }
    if (try_first_data(a, op))
        return 1;
    struct ws_ovl *o = ws_ovl_of(a);
    if (!o) {
        ws_op_complete(op, VG_WSAENOBUFS, 0, 0);
        return 1;
    }
    op->accepted = 1;             /* the accept socket's watch completes it from now on */
    ws_op_queue(a, o, op);
    return 0;
}

static int accept_checks(struct ws_sock *l, struct ws_sock *a, void *out, uint32_t laddrlen,
                         uint32_t raddrlen, struct vg_wsaoverlapped *ov)
{
    if (!a)
        return VG_WSAENOTSOCK;
    if (!out || !ov)
        return VG_WSAEFAULT;
    if (!l->tcb || !a->tcb)
        return VG_WSAEOPNOTSUPP;
    if (vg_tcp_state(l->tcb) != VG_TCP_LISTEN)
        return VG_WSAEINVAL;
    if (a == l || vg_tcp_state(a->tcb) != VG_TCP_CLOSED || ws_is_bound(a) || a->connecting)
        return VG_WSAEINVAL;      /* the accept socket must be fresh: not bound, not connected */
    /* Windows: the accept socket is of the listener's family; its address blocks hold it. */
    if (a->family != l->family)
        return VG_WSAEINVAL;
    if (laddrlen < addr_block_min(l) || raddrlen < addr_block_min(l))
        return VG_WSAEINVAL;
    return 0;
}

int vg_ws_accept_ex(vg_socket_t listener, vg_socket_t accept_sock, void *out, uint32_t rxlen,
                    uint32_t laddrlen, uint32_t raddrlen, uint32_t *bytes,
                    struct vg_wsaoverlapped *ov)
{
    struct ws_sock *l;
    int e = ws_enter_sock(listener, &l);
    if (e)
        return fail_false(e);
    e = accept_checks(l, ws_sock_find(accept_sock), out, laddrlen, raddrlen, ov);
    struct ws_op *op = e ? NULL : ws_op_new(l, WS_OP_ACCEPT, ov, NULL);
    struct ws_ovl *o = e ? NULL : ws_ovl_of(l);
    if (!e && (!op || !o))
        e = VG_WSAENOBUFS;
    if (e) {
        free(op);
        ws_leave();
        return fail_false(e);
    }
    op->accept_sock = accept_sock;
    op->out = out;
    op->rxlen = rxlen;
    op->laddrlen = laddrlen;
    op->raddrlen = raddrlen;
    int earlier = ws_ovl_has_pending(o, WS_OP_ACCEPT);
    if (earlier || !ws_op_try_accept(l, op)) {
        if (!op->accepted)
            ws_op_queue(l, o, op);
        ws_leave();
        return fail_false(VG_WSA_IO_PENDING);
    }
    /* Completed at once (and delivered): the result is in the OVERLAPPED. */
    e = ws_wsa_of_ntstatus((uint32_t)ov->Internal);
    if (bytes)
        *bytes = (uint32_t)ov->InternalHigh;
    ws_leave();
    return e ? fail_false(e) : 1;
}

static void read_block(char *blk, struct vg_sockaddr **sa, int *len)
{
    int n;
    memcpy(&n, blk, sizeof n);
    if (sa)
        *sa = (struct vg_sockaddr *)(void *)(blk + sizeof n);
    if (len)
        *len = n;
}

void vg_ws_get_accept_ex_sockaddrs(void *out, uint32_t rxlen, uint32_t laddrlen,
                                   uint32_t raddrlen, struct vg_sockaddr **local, int *locallen,
                                   struct vg_sockaddr **remote, int *remotelen)
{
    (void)raddrlen;
    if (!out || laddrlen < WS_ADDR_BLOCK_MIN || raddrlen < WS_ADDR_BLOCK_MIN) {
        if (local)
            *local = NULL;
        if (remote)
            *remote = NULL;
        if (locallen)
            *locallen = 0;
        if (remotelen)
            *remotelen = 0;
        return;
    }
    char *p = out;
    read_block(p + rxlen, local, locallen);
    read_block(p + rxlen + laddrlen, remote, remotelen);
}

/* ---- ConnectEx. */
int ws_op_try_connect(struct ws_sock *so, struct ws_op *op)
{
    ws_settle_connect(so);
    if (so->connecting)
        return 0;
    if (so->connect_failed) {
        int e = so->so_error ? so->so_error : VG_WSAECONNREFUSED;
        so->so_error = 0;     /* reported by this completion, not by a later SO_ERROR */
        ws_op_complete(op, e, 0, 0);
        return 1;
    }
    uint32_t want = op->nbufs ? op->bufs[0].len : 0;
    while (op->done < want) {
        long n = vg_tcp_send(so->tcb, op->bufs[0].buf + op->done, want - op->done,
                             ws_now(ws_t.net));
        if (n > 0) {
            op->done += (uint32_t)n;
            continue;
        }
        if (n == 0 || n == -VG_ERR_WOULDBLOCK)
            return 0;
        ws_op_complete(op, ws_ended_error(so, op->epoch0), op->done, 0);
        return 1;
    }
    ws_op_complete(op, 0, op->done, 0);
    return 1;
}

static int connect_checks(struct ws_sock *so, const struct vg_sockaddr *name, int namelen,
                          const void *sendbuf, uint32_t sendlen, struct vg_wsaoverlapped *ov,
                          vg_addr *addr, uint16_t *port)
{
    if (!ov || (!sendbuf && sendlen))
        return VG_WSAEFAULT;
    int mapped;
    int e = ws_sockaddr_read(so->family, name, namelen, addr, port, &mapped);
    if (e)
        return e;
    if (!so->tcb)
        return VG_WSAEOPNOTSUPP;
    if (vg_tcp_state(so->tcb) == VG_TCP_LISTEN)
        return VG_WSAEINVAL;
    ws_settle_connect(so);
    if (so->connecting)
        return VG_WSAEALREADY;
    if (vg_tcp_state(so->tcb) != VG_TCP_CLOSED)
        return VG_WSAEISCONN;
    if (!ws_is_bound(so) || so->connect_failed || vg_tcp_error(so->tcb))
        return VG_WSAEINVAL;      /* ConnectEx wants a bound, unconnected socket */
    return ws_connect_target_ok(so, addr, *port, mapped);
}

int vg_ws_connect_ex(vg_socket_t s, const struct vg_sockaddr *name, int namelen, void *sendbuf,
                     uint32_t sendlen, uint32_t *sent, struct vg_wsaoverlapped *ov)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return fail_false(e);
    vg_addr addr;
    uint16_t port;
    e = connect_checks(so, name, namelen, sendbuf, sendlen, ov, &addr, &port);
    struct ws_op *op = e ? NULL : ws_op_new(so, WS_OP_CONNECT, ov, NULL);
    struct ws_ovl *o = e ? NULL : ws_ovl_of(so);
    struct vg_wsabuf *buf = e ? NULL : malloc(sizeof *buf);
    if (!e && (!op || !o || !buf))
        e = VG_WSAENOBUFS;
    if (!e) {
        int r = vg_tcp_connect_addr(so->tcb, &addr, port, ws_now(ws_t.net));
        if (r)
            e = ws_err_from_vg(r);
    }
    if (e) {
        free(op);
        free(buf);
        ws_leave();
        return fail_false(e);
    }
    so->connecting = 1;
    buf->buf = sendbuf;
    buf->len = sendlen;
    op->bufs = buf;
    op->nbufs = 1;
    if (sent)
        *sent = 0;
    ws_op_queue(so, o, op);
    ws_leave();
    return fail_false(VG_WSA_IO_PENDING);
}

/* ---- SIO_GET_EXTENSION_FUNCTION_POINTER (ws_ioctl.c). */
static const struct vg_guid acceptex_id = {0xb5367df1, 0xcbac, 0x11cf,
                                           {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}};
static const struct vg_guid getacceptexsockaddrs_id = {
    0xb5367df2, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}};
static const struct vg_guid connectex_id = {0x25a207b9, 0xddf3, 0x4660,
                                            {0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e}};

static int same_guid(const struct vg_guid *a, const struct vg_guid *b)
{
    return a->Data1 == b->Data1 && a->Data2 == b->Data2 && a->Data3 == b->Data3 &&
           memcmp(a->Data4, b->Data4, sizeof a->Data4) == 0;
}

int ws_extension_function(const void *in, uint32_t inlen, void *out, uint32_t outlen,
                          uint32_t *bytes)
{
    void (*fn)(void) = NULL;
    struct vg_guid g;
    if (!in || inlen < sizeof g || !out || outlen < sizeof fn)
        return VG_WSAEFAULT;
    memcpy(&g, in, sizeof g);
    if (same_guid(&g, &acceptex_id))
        fn = (void (*)(void))vg_ws_accept_ex;
    else if (same_guid(&g, &getacceptexsockaddrs_id))
        fn = (void (*)(void))vg_ws_get_accept_ex_sockaddrs;
    else if (same_guid(&g, &connectex_id))
        fn = (void (*)(void))vg_ws_connect_ex;
    else
        return VG_WSAEINVAL;
    memcpy(out, &fn, sizeof fn);
    *bytes = sizeof fn;
    return 0;
}
