/* A stream socket's transport operations (struct ws_sock_ops): its readiness, names, shutdown,
 * close and data paths over the TCP core.
 *
 * A stream call that finds its connection ended reports it per spec A13 (ws_ended_error): the
 * call that was in progress when keep-alive dropped the connection fails with WSAENETRESET,
 * later ones with WSAENOTCONN. "In progress" is told by the socket's abort count, read when the
 * call began. */
#include "api/ws.h"

static int synchronised(const vg_tcb *t)
{
    return vg_tcp_state(t) >= VG_TCP_ESTABLISHED;
}

static int stream_open(struct ws_sock *so, vg_stack *stack)
{
    so->tcb = vg_tcp_open(stack);
    if (!so->tcb)
        return -1;
    vg_tcp_set_user(so->tcb, so);
    return 0;
}

static int stream_readable(struct ws_sock *so)
{
    if (vg_tcp_state(so->tcb) == VG_TCP_LISTEN)
        return ws_fill_pending(so);
    ws_settle_connect(so);
    if (vg_tcp_readable(so->tcb) > 0 || vg_tcp_eof(so->tcb))
        return 1;
    return vg_tcp_state(so->tcb) == VG_TCP_CLOSED && vg_tcp_error(so->tcb) && !so->connect_failed;
}

static int stream_writable(struct ws_sock *so)
{
    ws_settle_connect(so);
    return !so->shut_send && vg_tcp_writable(so->tcb) > 0;
}

static int stream_failed(struct ws_sock *so)
{
    ws_settle_connect(so);
    return so->connect_failed;
}

static short stream_poll_always(struct ws_sock *so)
{
    if (stream_failed(so))
        return VG_WS_POLLERR | VG_WS_POLLHUP;
    if (vg_tcp_state(so->tcb) == VG_TCP_CLOSED && vg_tcp_error(so->tcb))
        return VG_WS_POLLERR | VG_WS_POLLHUP;
    if (vg_tcp_eof(so->tcb))
        return VG_WS_POLLHUP;
    return 0;
}

static uint16_t stream_local_port(const struct ws_sock *so)
{
    uint16_t lport = 0;
    vg_tcp_endpoints_addr(so->tcb, NULL, &lport, NULL, NULL);
    return lport;
}

static int stream_bind(struct ws_sock *so, const vg_addr *addr, uint16_t port)
{
    return vg_tcp_bind_addr(so->tcb, addr, port);
}

static int stream_shutdown(struct ws_sock *so, int how)
{
    ws_settle_connect(so);
    if (vg_tcp_state(so->tcb) == VG_TCP_CLOSED)
        return ws_ended_error(so, so->abort_epoch);
    if (!synchronised(so->tcb))
        return VG_WSAENOTCONN;
    if (how != VG_WS_SD_RECEIVE && !so->shut_send) {
        int r = vg_tcp_shutdown_send(so->tcb, ws_now(ws_t.net));
        if (r)
            return ws_err_from_vg(r);
    }
    return 0;
}

static void stream_close(struct ws_sock *so, vg_time now, int abortive)
{
    vg_tcp_set_user(so->tcb, NULL);
    /* SO_LINGER {1, 0}: an abortive close (RST); otherwise the graceful one, which carries on in
     * the background (Winsock's default). */
    if (abortive || (so->linger_onoff && so->linger_secs == 0))
        vg_tcp_abort(so->tcb, now);
    else
        vg_tcp_close(so->tcb, now);
    for (size_t i = 0; i < so->npending; i++)
        vg_tcp_abort(so->pending[i], now);
}

static uint32_t stream_nread(const struct ws_sock *so)
{
    size_t n = vg_tcp_readable(so->tcb);
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int stream_names(struct ws_sock *so, int peer, vg_addr *laddr, uint16_t *lport,
                        vg_addr *raddr, uint16_t *rport)
{
    ws_settle_connect(so);
    vg_tcp_endpoints_addr(so->tcb, laddr, lport, raddr, rport);
    if (peer && (!synchronised(so->tcb) || vg_tcp_state(so->tcb) == VG_TCP_CLOSED))
        return VG_WSAENOTCONN;
    return 0;
}

static int ready_to_recv(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    if (!so)
        return 1;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    return vg_tcp_readable(so->tcb) > 0 || vg_tcp_eof(so->tcb) || st == VG_TCP_CLOSED ||
           st == VG_TCP_LISTEN;
}

static int ready_to_send(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    if (!so)
        return 1;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    return vg_tcp_writable(so->tcb) > 0 ||
           (st != VG_TCP_ESTABLISHED && st != VG_TCP_CLOSE_WAIT);
}

/* Why a stream socket cannot carry data at all, or 0 when it can (perhaps later). */
static int unusable(struct ws_sock *so)
{
    ws_settle_connect(so);
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    if (st == VG_TCP_LISTEN || st == VG_TCP_SYN_SENT || st == VG_TCP_SYN_RECEIVED)
        return VG_WSAENOTCONN;
    return 0;
}

/* The checks send and recv share, in Winsock's order; 0 or a WSA error. */
static int precheck(struct ws_sock *so, const char *buf, int len, int flags, int allowed,
                    int shut, int negative_len_error)
{
    if (flags & ~allowed)
        return VG_WSAEOPNOTSUPP;
    int e = unusable(so);
    if (e)
        return e;
    if (shut)
        return VG_WSAESHUTDOWN;
    /* A negative len: recv documents WSAEINVAL for a stream socket's "len was zero or
     * negative"; send has no such row, and a buffer of negative length is not "completely
     * contained in a valid part of the user address space": WSAEFAULT (learn.microsoft.com,
     * nf-winsock2-recv, nf-winsock2-send). */
    if (len < 0)
        return negative_len_error;
    if (!buf && len > 0)
        return VG_WSAEFAULT;
    return 0;
}

static int stream_recv(vg_socket_t s, struct ws_sock *so, char *buf, int len, int flags,
                       struct vg_sockaddr *from, int *fromlen)
{
    (void)from;   /* Winsock fills nothing in for a stream socket */
    (void)fromlen;
    uint32_t epoch0 = so->abort_epoch;
    int e = precheck(so, buf, len, flags, VG_WS_MSG_WAITALL | VG_WS_MSG_PEEK, so->shut_recv,
                     VG_WSAEINVAL);
    if (e)
        return -e;
    if (len == 0)
        return 0;
    /* MSG_PEEK copies what is there and leaves it; it does not wait for MSG_WAITALL's whole
     * buffer, since a peek cannot make room for more. */
    if (flags & VG_WS_MSG_PEEK)
        flags &= ~VG_WS_MSG_WAITALL;
    int got = 0;
    for (;;) {
        long n = (flags & VG_WS_MSG_PEEK)
                     ? vg_tcp_peek(so->tcb, buf, (size_t)len)
                     : vg_tcp_recv(so->tcb, buf + got, (size_t)(len - got), ws_now(ws_t.net));
        if (n > 0) {
            got += (int)n;
            if (!(flags & VG_WS_MSG_WAITALL) || got == len)
                return got;
            continue;
        }
        if (n == 0)
            return got;           /* end of stream */
        if (n != -VG_ERR_WOULDBLOCK)
            return got ? got : -ws_ended_error(so, epoch0);
        if (so->nonblocking)
            return got ? got : -VG_WSAEWOULDBLOCK;
        e = ws_io_wait(s, ready_to_recv, so->rcvtimeo_ms, &so);
        if (e)
            return got && e != VG_WSAEINTR ? got : -e;
    }
}

static int stream_send(vg_socket_t s, struct ws_sock *so, const char *buf, int len, int flags,
                       const struct vg_sockaddr *to, int tolen, int is_sendto)
{
    (void)to;     /* Winsock: on a connection-oriented socket, to and tolen are ignored */
    (void)tolen;
    (void)is_sendto;
    uint32_t epoch0 = so->abort_epoch;
    int e = precheck(so, buf, len, flags, VG_WS_MSG_DONTROUTE, so->shut_send, VG_WSAEFAULT);
    if (e)
        return -e;
    int sent = 0;
    for (;;) {
        if (len == 0 && vg_tcp_state(so->tcb) != VG_TCP_CLOSED)
            return 0;
        if (vg_tcp_state(so->tcb) == VG_TCP_CLOSED)
            return sent ? sent : -ws_ended_error(so, epoch0);
        long n = vg_tcp_send(so->tcb, buf + sent, (size_t)(len - sent), ws_now(ws_t.net));
        if (n >= 0) {
            sent += (int)n;
            if (sent == len)
                return sent;
            continue;
        }
        if (n == -VG_ERR_SHUTDOWN)
            return sent ? sent : -VG_WSAESHUTDOWN;
        if (n == -VG_ERR_NOBUFS)      /* the stack's buffer budget is spent */
            return sent ? sent : -VG_WSAENOBUFS;
        if (n != -VG_ERR_WOULDBLOCK)
            return sent ? sent : -ws_ended_error(so, epoch0);
        if (so->nonblocking)
            return sent ? sent : -VG_WSAEWOULDBLOCK;
        e = ws_io_wait(s, ready_to_send, so->sndtimeo_ms, &so);
        if (e)
            return sent && e != VG_WSAEINTR ? sent : -e;
    }
}

const struct ws_sock_ops ws_stream_ops = {
    .open = stream_open,
    .readable = stream_readable,
    .writable = stream_writable,
    .failed = stream_failed,
    .poll_always = stream_poll_always,
    .local_port = stream_local_port,
    .bind = stream_bind,
    .shutdown = stream_shutdown,
    .close = stream_close,
    .nread = stream_nread,
    .names = stream_names,
    .recv = stream_recv,
    .send = stream_send,
};
