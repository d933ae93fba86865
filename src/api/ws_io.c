/* Moving data: send, recv, sendto, recvfrom, blocking or not. The A6 preamble and WSAEventSelect's
 * re-arming are here; the transport's own path is the socket's ops (ws_stream.c, ws_dgram.c). */
#include "api/ws.h"

int ws_io_wait(vg_socket_t s, int (*ready)(void *), uint32_t timeout_ms, struct ws_sock **so)
{
    /* The socket's waiters are woken by its connection's events, or by a datagram's arrival
     * (VG_EV_UDP_READABLE). */
    vg_time deadline = ws_deadline_ms(timeout_ms);
    int e = ws_wait_sock(*so, ready, &s, deadline);
    *so = ws_sock_find(s);
    if (!*so)
        return VG_WSAEINTR;
    return e;
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
    return finish_rearm(s, so->ops->recv(s, so, buf, len, flags, NULL, NULL),
                        VG_FD_READ);
}

int vg_ws_recvfrom(vg_socket_t s, char *buf, int len, int flags, struct vg_sockaddr *from,
                   int *fromlen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    return finish_rearm(s, so->ops->recv(s, so, buf, len, flags, from, fromlen),
                        VG_FD_READ);
}

int vg_ws_send(vg_socket_t s, const char *buf, int len, int flags)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    return finish_send(s, len, so->ops->send(s, so, buf, len, flags, NULL, 0, 0));
}

int vg_ws_sendto(vg_socket_t s, const char *buf, int len, int flags, const struct vg_sockaddr *to,
                 int tolen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    return finish_send(s, len, so->ops->send(s, so, buf, len, flags, to, tolen, 1));
}
