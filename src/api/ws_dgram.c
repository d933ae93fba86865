/* A datagram socket's transport operations (struct ws_sock_ops): its readiness, names,
 * shutdown, close and data paths over the UDP core. */
#include "api/ws.h"

static int dgram_open(struct ws_sock *so, vg_stack *stack)
{
    so->udp = vg_udp_open(stack);
    if (!so->udp)
        return -1;
    vg_udp_set_user(so->udp, so);
    return 0;
}

static int dgram_readable(struct ws_sock *so)
{
    return vg_udp_has_datagram(so->udp);
}

static int dgram_writable(struct ws_sock *so)
{
    return !so->shut_send;
}

static int dgram_failed(struct ws_sock *so)
{
    (void)so;     /* no connection to fail */
    return 0;
}

static short dgram_poll_always(struct ws_sock *so)
{
    (void)so;
    return 0;
}

static uint16_t dgram_local_port(const struct ws_sock *so)
{
    uint16_t lport = 0;
    vg_udp_endpoints(so->udp, NULL, &lport, NULL, NULL);
    return lport;
}

static int dgram_bind(struct ws_sock *so, const vg_addr *addr, uint16_t port)
{
    return vg_udp_bind_addr(so->udp, addr, port);
}

/* Winsock: shutdown on a datagram socket needs a connected peer; it only stops the calls. */
static int dgram_shutdown(struct ws_sock *so, int how)
{
    (void)how;
    vg_addr raddr;
    vg_udp_endpoints_addr(so->udp, NULL, NULL, &raddr, NULL);
    return vg_addr_is_unspecified(&raddr) ? VG_WSAENOTCONN : 0;
}

static void dgram_close(struct ws_sock *so, vg_time now, int abortive)
{
    (void)now;    /* nothing lingers */
    (void)abortive;
    vg_udp_set_user(so->udp, NULL);
    vg_udp_close(so->udp);
}

static uint32_t dgram_nread(const struct ws_sock *so)
{
    return (uint32_t)vg_udp_pending(so->udp);
}

static int dgram_names(struct ws_sock *so, int peer, vg_addr *laddr, uint16_t *lport,
                       vg_addr *raddr, uint16_t *rport)
{
    vg_udp_endpoints_addr(so->udp, laddr, lport, raddr, rport);
    return peer && vg_addr_is_unspecified(raddr) ? VG_WSAENOTCONN : 0;
}

static int ready_to_recv(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    return !so || vg_udp_has_datagram(so->udp);
}

static int dgram_recv(vg_socket_t s, struct ws_sock *so, char *buf, int len, int flags,
                      struct vg_sockaddr *from, int *fromlen)
{
    if (flags)
        return -VG_WSAEOPNOTSUPP;
    if (!dgram_local_port(so))
        return -VG_WSAEINVAL;     /* Winsock: bind (or send) first */
    if (so->shut_recv)
        return -VG_WSAESHUTDOWN;
    /* recvfrom's WSAEINVAL for len <= 0 is "for byte stream-style sockets only"; for a
     * datagram socket a negative length is a buffer outside the address space: WSAEFAULT
     * (learn.microsoft.com, nf-winsock-recvfrom). */
    if ((len < 0) || (!buf && len > 0) ||
        (from && (!fromlen || *fromlen < ws_sockaddr_len(so->family))))
        return -VG_WSAEFAULT;
    while (!vg_udp_has_datagram(so->udp)) {
        if (so->nonblocking)
            return -VG_WSAEWOULDBLOCK;
        int e = ws_io_wait(s, ready_to_recv, so->rcvtimeo_ms, &so);
        if (e)
            return -e;
    }
    size_t whole = vg_udp_pending(so->udp);
    vg_addr raddr;
    uint16_t rport;
    long n = vg_udp_recvfrom_addr(so->udp, buf, (size_t)len, &raddr, &rport);
    if (n < 0)
        return -ws_err_from_vg((int)n);
    if (from)
        ws_sockaddr_write(so->family, from, fromlen, &raddr, rport);
    if (whole > (size_t)len)
        return -VG_WSAEMSGSIZE;   /* Winsock: the rest of the datagram is lost */
    return (int)n;
}

int ws_dgram_target(const struct ws_sock *so, const struct vg_sockaddr *to, int tolen,
                    vg_addr *addr, uint16_t *port)
{
    int mapped;
    int e = ws_sockaddr_read(so->family, to, tolen, addr, port, &mapped);
    if (e)
        return e;
    /* An AF_INET6 datagram socket is v6-only (ws_sockopt.c): IPv4 as ::ffff:a.b.c.d is not
     * its to reach, as a v6-only stream socket's connect answers (ws_connect_target_ok). */
    if (mapped && so->v6only)
        return VG_WSAEAFNOSUPPORT;
    if (vg_addr_is_unspecified(addr) || !*port)
        return VG_WSAEADDRNOTAVAIL;
    return 0;
}

/* is_sendto: the program named no destination in sendto (rather than calling send). */
static int dgram_send(vg_socket_t s, struct ws_sock *so, const char *buf, int len, int flags,
                      const struct vg_sockaddr *to, int tolen, int is_sendto)
{
    (void)s;      /* a datagram send never blocks */
    if (flags & ~VG_WS_MSG_DONTROUTE)
        return -VG_WSAEOPNOTSUPP;
    vg_addr raddr;
    uint16_t rport = 0;
    if (to) {
        int e = ws_dgram_target(so, to, tolen, &raddr, &rport);
        if (e)
            return -e;
    }
    if (so->shut_send)
        return -VG_WSAESHUTDOWN;
    if (len < 0 || (!buf && len > 0))    /* as a stream's send: WSAEFAULT */
        return -VG_WSAEFAULT;
    long n = vg_udp_sendto_addr(so->udp, buf, (size_t)len, to ? &raddr : NULL, rport,
                                ws_now(ws_t.net));
    if (n == -VG_ERR_NOTCONN)      /* no destination given, none connected */
        return is_sendto ? -VG_WSAEDESTADDRREQ : -VG_WSAENOTCONN;
    return n < 0 ? -ws_err_from_vg((int)n) : (int)n;
}

const struct ws_sock_ops ws_dgram_ops = {
    .open = dgram_open,
    .readable = dgram_readable,
    .writable = dgram_writable,
    .failed = dgram_failed,
    .poll_always = dgram_poll_always,
    .local_port = dgram_local_port,
    .bind = dgram_bind,
    .shutdown = dgram_shutdown,
    .close = dgram_close,
    .nread = dgram_nread,
    .names = dgram_names,
    .recv = dgram_recv,
    .send = dgram_send,
};
