/* A socket's life and names: socket, bind, shutdown, closesocket, getsockname, getpeername.
 * Making connections (listen, accept, connect) is in ws_connect.c. */
#include <string.h>

#include "api/ws.h"

int ws_is_bound(const struct ws_sock *so)
{
    return so->ops->local_port(so) != 0;
}

static int prefix6_match(const uint8_t a[16], const uint8_t b[16], unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return 0;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0;
}

static int addr_is_local(const vg_addr *a)
{
    const struct vg_stack_config *cfg = vg_stack_config(ws_t.net->stack);
    if (vg_addr_is_unspecified(a))
        return 1;
    if (a->family == VG_AF_INET6) {
        if (!cfg->has_addr6)
            return 0;
        if (memcmp(a->v6, cfg->addr6, 16) == 0)
            return 1;
        return cfg->accept_subnet && prefix6_match(a->v6, cfg->addr6, cfg->prefix6_len);
    }
    uint32_t addr = a->v4;
    if (addr == cfg->addr)
        return 1;
    if (!cfg->accept_subnet)
        return 0;
    uint32_t mask = cfg->prefix_len ? ~0u << (32 - cfg->prefix_len) : 0;
    return (addr & mask) == (cfg->addr & mask);
}

int ws_family_opens(int af)
{
    /* Streams and datagrams alike (the core has TCP and UDP over IPv6); an AF_INET6 datagram
     * socket is v6-only, there being no dual-stack UDP (ws_sockopt.c). */
    return af == VG_WS_AF_INET || af == VG_WS_AF_INET6;
}

vg_socket_t vg_ws_socket(int af, int type, int protocol)
{
    int e = ws_enter();
    if (e) {
        ws_fail(e);
        return VG_INVALID_SOCKET;
    }
    if (!ws_family_opens(af))
        e = VG_WSAEAFNOSUPPORT;
    else if (type != VG_WS_SOCK_STREAM && type != VG_WS_SOCK_DGRAM)
        e = VG_WSAESOCKTNOSUPPORT;
    else if (protocol != 0 && protocol != VG_WS_IPPROTO_TCP && protocol != VG_WS_IPPROTO_UDP)
        e = VG_WSAEPROTONOSUPPORT;
    else if (protocol != 0 &&
             (protocol == VG_WS_IPPROTO_TCP) != (type == VG_WS_SOCK_STREAM))
        e = VG_WSAEPROTOTYPE;
    struct ws_sock *so = NULL;
    if (!e) {
        so = ws_sock_new(type);
        if (!so)
            e = VG_WSAEMFILE;
    }
    if (!e) {
        vg_stack *stack = ws_t.net->stack;
        const struct vg_stack_config *cfg = vg_stack_config(stack);
        so->family = af;
        so->sndbuf = cfg->sndbuf;
        so->rcvbuf = cfg->rcvbuf;
        if (so->ops->open(so, stack) != 0) {
            ws_sock_free(so);
            e = VG_WSAENOBUFS;
        }
    }
    vg_socket_t h = e ? VG_INVALID_SOCKET : so->handle;
    ws_leave();
    if (e)
        ws_fail(e);
    return h;
}

/* Winsock's rule for a port already in use: only a socket asking for SO_REUSEADDR may share it,
 * and never with one holding SO_EXCLUSIVEADDRUSE. */
static int port_conflict(const struct ws_sock *so, const vg_addr *addr, uint16_t port)
{
    for (size_t i = 0; i < ws_table_cap(); i++) {
        const struct ws_sock *o = ws_sock_at(i);
        if (!o || o == so || o->type != so->type)
            continue;
        vg_addr oaddr = vg_addr_v4(0);
        uint16_t oport = 0;
        if (o->tcb)
            vg_tcp_endpoints_addr(o->tcb, &oaddr, &oport, NULL, NULL);
        else
            vg_udp_endpoints_addr(o->udp, &oaddr, &oport, NULL, NULL);
        if (oport != port)
            continue;
        /* IPv4 and IPv6 share a port, except with a dual-stack socket on ::, which holds the
         * port for every IPv4 address too (Windows refuses the second bind either way). */
        if (oaddr.family != addr->family) {
            int dual = oaddr.family == VG_AF_INET6 ? !o->v6only && vg_addr_is_unspecified(&oaddr)
                                                   : !so->v6only && vg_addr_is_unspecified(addr);
            if (!dual)
                continue;
        }
        if (!vg_addr_is_unspecified(&oaddr) && !vg_addr_is_unspecified(addr) && !vg_addr_equal(&oaddr, addr))
            continue;
        if (!so->reuseaddr || o->exclusiveaddruse)
            return 1;
    }
    return 0;
}

static int do_bind(struct ws_sock *so, const struct vg_sockaddr *name, int namelen)
{
    vg_addr addr;
    uint16_t port;
    int mapped;
    int e = ws_sockaddr_read(so->family, name, namelen, &addr, &port, &mapped);
    if (e)
        return e;
    if (ws_is_bound(so))
        return VG_WSAEINVAL;
    if (mapped && so->v6only)
        return VG_WSAEADDRNOTAVAIL;   /* no IPv4 address is this socket's to bind */
    if (!addr_is_local(&addr))
        return VG_WSAEADDRNOTAVAIL;
    if (port && port_conflict(so, &addr, port))
        return VG_WSAEADDRINUSE;
    int r = so->ops->bind(so, &addr, port);
    return r ? ws_err_from_vg(r) : 0;
}

int vg_ws_bind(vg_socket_t s, const struct vg_sockaddr *name, int namelen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_bind(so, name, namelen);
    ws_leave();
    return e ? ws_fail(e) : 0;
}

static int do_shutdown(struct ws_sock *so, int how)
{
    if (how != VG_WS_SD_RECEIVE && how != VG_WS_SD_SEND && how != VG_WS_SD_BOTH)
        return VG_WSAEINVAL;
    int e = so->ops->shutdown(so, how);
    if (e)
        return e;
    if (how != VG_WS_SD_RECEIVE)
        so->shut_send = 1;
    if (how != VG_WS_SD_SEND)
        so->shut_recv = 1;
    return 0;
}

int vg_ws_shutdown(vg_socket_t s, int how)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_shutdown(so, how);
    if (!e)
        ws_sock_changed(so, NULL);   /* a recv or select waiting on it may be done now */
    ws_leave();
    return e ? ws_fail(e) : 0;
}

int vg_ws_closesocket(vg_socket_t s)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    vg_time now = ws_now(ws_t.net);
    so->ops->close(so, now, 0);
    ws_sock_closing(so);
    ws_sock_free(so);
    ws_leave();
    return 0;
}

static int do_getname(struct ws_sock *so, struct vg_sockaddr *name, int *namelen, int peer)
{
    if (!name || !namelen)
        return VG_WSAEFAULT;
    vg_addr laddr, raddr;
    uint16_t lport, rport;
    int e = so->ops->names(so, peer, &laddr, &lport, &raddr, &rport);
    if (e)
        return e;
    if (!peer && !lport)
        return VG_WSAEINVAL;      /* Winsock: not bound yet */
    return peer ? ws_sockaddr_write(so->family, name, namelen, &raddr, rport)
                : ws_sockaddr_write(so->family, name, namelen, &laddr, lport);
}

int vg_ws_getsockname(vg_socket_t s, struct vg_sockaddr *name, int *namelen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_getname(so, name, namelen, 0);
    ws_leave();
    return e ? ws_fail(e) : 0;
}

int vg_ws_getpeername(vg_socket_t s, struct vg_sockaddr *name, int *namelen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_getname(so, name, namelen, 1);
    ws_leave();
    return e ? ws_fail(e) : 0;
}
