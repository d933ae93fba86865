/* Moving data: send, recv, sendto, recvfrom, blocking or not.
 *
 * A stream call that finds its connection ended reports it per spec A13 (ws_ended_error): the
 * call that was in progress when keep-alive dropped the connection fails with WSAENETRESET,
 * later ones with WSAENOTCONN. "In progress" is told by the socket's abort count, read when the
 * call began. */
#include "api/ws.h"

static int stream_ready_to_recv(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    if (!so)
        return 1;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    return vg_tcp_readable(so->tcb) > 0 || vg_tcp_eof(so->tcb) || st == VG_TCP_CLOSED ||
           st == VG_TCP_LISTEN;
}

static int stream_ready_to_send(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    if (!so)
        return 1;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    return vg_tcp_writable(so->tcb) > 0 ||
           (st != VG_TCP_ESTABLISHED && st != VG_TCP_CLOSE_WAIT);
}

static int dgram_ready_to_recv(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    return !so || vg_udp_has_datagram(so->udp);
}

/* Why a stream socket cannot carry data at all, or 0 when it can (perhaps later). */
static int stream_unusable(struct ws_sock *so)
{
    ws_settle_connect(so);
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    if (st == VG_TCP_LISTEN || st == VG_TCP_SYN_SENT || st == VG_TCP_SYN_RECEIVED)
        return VG_WSAENOTCONN;
    return 0;
}

/* Waits for a blocking stream or datagram call, then re-finds the socket: another thread may
 * have closed it meanwhile. The socket's waiters are woken by its connection's events, or by a
 * datagram's arrival (VG_EV_UDP_READABLE). */
static int wait_for(vg_socket_t s, int (*ready)(void *), uint32_t timeout_ms,
                    struct ws_sock **so)
{
    vg_time deadline = ws_deadline_ms(timeout_ms);
    int e = ws_wait_sock(*so, ready, &s, deadline);
    *so = ws_sock_find(s);
    if (!*so)
        return VG_WSAEINTR;
    return e;
}

/* The checks send and recv share, in Winsock's order; 0 or a WSA error. */
static int stream_precheck(struct ws_sock *so, const char *buf, int len, int flags, int allowed,
                           int shut, int negative_len_error)
{
    if (flags & ~allowed)
        return VG_WSAEOPNOTSUPP;
    int e = stream_unusable(so);
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

static int stream_recv(vg_socket_t s, struct ws_sock *so, char *buf, int len, int flags)
{
    uint32_t epoch0 = so->abort_epoch;
    int e = stream_precheck(so, buf, len, flags, VG_WS_MSG_WAITALL, so->shut_recv, VG_WSAEINVAL);
    if (e)
        return -e;
    if (len == 0)
        return 0;
    int got = 0;
    for (;;) {
        long n = vg_tcp_recv(so->tcb, buf + got, (size_t)(len - got), ws_now(ws_g.net));
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
        e = wait_for(s, stream_ready_to_recv, so->rcvtimeo_ms, &so);
        if (e)
            return got && e != VG_WSAEINTR ? got : -e;
    }
}

static int stream_send(vg_socket_t s, struct ws_sock *so, const char *buf, int len, int flags)
{
    uint32_t epoch0 = so->abort_epoch;
    int e = stream_precheck(so, buf, len, flags, VG_WS_MSG_DONTROUTE, so->shut_send, VG_WSAEFAULT);
    if (e)
        return -e;
    int sent = 0;
    for (;;) {
        if (len == 0 && vg_tcp_state(so->tcb) != VG_TCP_CLOSED)
            return 0;
        if (vg_tcp_state(so->tcb) == VG_TCP_CLOSED)
            return sent ? sent : -ws_ended_error(so, epoch0);
        long n = vg_tcp_send(so->tcb, buf + sent, (size_t)(len - sent), ws_now(ws_g.net));
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
        e = wait_for(s, stream_ready_to_send, so->sndtimeo_ms, &so);
        if (e)
            return sent && e != VG_WSAEINTR ? sent : -e;
    }
}

static int dgram_recv(vg_socket_t s, struct ws_sock *so, char *buf, int len, int flags,
                      struct vg_sockaddr *from, int *fromlen)
{
    if (flags)
        return -VG_WSAEOPNOTSUPP;
    uint16_t lport;
    vg_udp_endpoints(so->udp, NULL, &lport, NULL, NULL);
    if (!lport)
        return -VG_WSAEINVAL;     /* Winsock: bind (or send) first */
    if (so->shut_recv)
        return -VG_WSAESHUTDOWN;
    /* recvfrom's WSAEINVAL for len <= 0 is "for byte stream-style sockets only"; for a
     * datagram socket a negative length is a buffer outside the address space: WSAEFAULT
     * (learn.microsoft.com, nf-winsock-recvfrom). */
    if ((len < 0) || (!buf && len > 0) ||
        (from && (!fromlen || *fromlen < (int)sizeof(struct vg_sockaddr_in))))
        return -VG_WSAEFAULT;
    while (!vg_udp_has_datagram(so->udp)) {
        if (so->nonblocking)
            return -VG_WSAEWOULDBLOCK;
        int e = wait_for(s, dgram_ready_to_recv, so->rcvtimeo_ms, &so);
        if (e)
            return -e;
    }
    size_t whole = vg_udp_pending(so->udp);
    uint32_t raddr;
    uint16_t rport;
    long n = vg_udp_recvfrom(so->udp, buf, (size_t)len, &raddr, &rport);
    if (n < 0)
        return -ws_err_from_vg((int)n);
    if (from)
        ws_sockaddr_in_write(from, fromlen, raddr, rport);
    if (whole > (size_t)len)
        return -VG_WSAEMSGSIZE;   /* Winsock: the rest of the datagram is lost */
    return (int)n;
}

/* is_sendto: the program named no destination in sendto (rather than calling send). */
static int dgram_send(struct ws_sock *so, const char *buf, int len, int flags,
                      const struct vg_sockaddr *to, int tolen, int is_sendto)
{
    if (flags & ~VG_WS_MSG_DONTROUTE)
        return -VG_WSAEOPNOTSUPP;
    uint32_t raddr = 0;
    uint16_t rport = 0;
    if (to) {
        int e = ws_sockaddr_in_read(to, tolen, &raddr, &rport);
        if (e)
            return -e;
        if (!raddr || !rport)
            return -VG_WSAEADDRNOTAVAIL;
    }
    if (so->shut_send)
        return -VG_WSAESHUTDOWN;
    if (len < 0 || (!buf && len > 0))    /* as stream_precheck: WSAEFAULT */
        return -VG_WSAEFAULT;
    long n = vg_udp_sendto(so->udp, buf, (size_t)len, raddr, rport, ws_now(ws_g.net));
    if (n == -VG_ERR_NOTCONN)      /* no destination given, none connected */
        return is_sendto ? -VG_WSAEDESTADDRREQ : -VG_WSAENOTCONN;
    return n < 0 ? -ws_err_from_vg((int)n) : (int)n;
}

/* Each public call: the A6 preamble, then the socket type's own path; results < 0 are -WSA. */
static int finish(int r)
{
    ws_leave();
    return r < 0 ? ws_fail(-r) : r;
}

/* The call consumed what fd_bits reported: WSAEventSelect may record them again (the socket
 * may have been closed by another thread while the call waited). */
static int finish_rearm(vg_socket_t s, int r, int32_t fd_bits)
{
    struct ws_sock *so = ws_sock_find(s);
    if (so)
        ws_sock_rearm(so, fd_bits);
    return finish(r);
}

/* FD_WRITE is recorded again once a send found no room (would block, or took part). */
static int finish_send(vg_socket_t s, int len, int r)
{
    if (r == -VG_WSAEWOULDBLOCK || (r >= 0 && r < len))
        return finish_rearm(s, r, VG_FD_WRITE);
    return finish(r);
}

int vg_ws_recv(vg_socket_t s, char *buf, int len, int flags)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    return finish_rearm(s, so->tcb ? stream_recv(s, so, buf, len, flags)
                                    : dgram_recv(s, so, buf, len, flags, NULL, NULL),
                        VG_FD_READ);
}

int vg_ws_recvfrom(vg_socket_t s, char *buf, int len, int flags, struct vg_sockaddr *from,
                   int *fromlen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    /* A stream socket ignores from (Winsock fills nothing in). */
    return finish_rearm(s, so->tcb ? stream_recv(s, so, buf, len, flags)
                                    : dgram_recv(s, so, buf, len, flags, from, fromlen),
                        VG_FD_READ);
}

int vg_ws_send(vg_socket_t s, const char *buf, int len, int flags)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    return finish_send(s, len, so->tcb ? stream_send(s, so, buf, len, flags)
                                       : dgram_send(so, buf, len, flags, NULL, 0, 0));
}

int vg_ws_sendto(vg_socket_t s, const char *buf, int len, int flags, const struct vg_sockaddr *to,
                 int tolen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    /* Winsock: on a connection-oriented socket, to and tolen are ignored. */
    return finish_send(s, len, so->tcb ? stream_send(s, so, buf, len, flags)
                                       : dgram_send(so, buf, len, flags, to, tolen, 1));
}
