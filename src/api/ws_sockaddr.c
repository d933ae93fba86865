/* A socket's sockaddr (sockaddr_in or sockaddr_in6, by the socket's family) to and from the
 * core's vg_addr: the one place bind, connect, accept and the name calls convert addresses. */
#include <string.h>

#include "api/ws.h"
#include "api/ws_addr6.h"

int ws_sockaddr_len(int family)
{
    return family == VG_WS_AF_INET6 ? (int)sizeof(struct vg_sockaddr_in6)
                                    : (int)sizeof(struct vg_sockaddr_in);
}

int ws_sockaddr_read(int family, const struct vg_sockaddr *sa, int len, vg_addr *addr,
                     uint16_t *port, int *mapped)
{
    /* The length first: Windows reports a namelen short of the socket's own sockaddr as
     * WSAEFAULT whatever the sockaddr says its family is. */
    if (!sa || len < ws_sockaddr_len(family))
        return VG_WSAEFAULT;
    uint16_t sa_family;
    memcpy(&sa_family, sa, sizeof sa_family);
    if (sa_family != family)
        return VG_WSAEAFNOSUPPORT;
    *mapped = 0;
    if (family == VG_WS_AF_INET) {
        struct vg_sockaddr_in sin;
        memcpy(&sin, sa, sizeof sin);
        *addr = vg_addr_v4(vg_ntohl(sin.sin_addr.S_un.S_addr));
        *port = vg_ntohs(sin.sin_port);
        return 0;
    }
    struct vg_sockaddr_in6 sin6;
    memcpy(&sin6, sa, sizeof sin6);
    *port = vg_ntohs(sin6.sin6_port);
    *addr = vg_addr_v6(sin6.sin6_addr.u.Byte);
    uint32_t v4;
    if (vg_addr_v4_mapped(addr, &v4)) {
        /* The core's IPv4 is IPv4 whichever socket asked for it; the caller decides whether
         * this socket may (IPV6_V6ONLY). */
        *mapped = 1;
        *addr = vg_addr_v4(v4);
    }
    return 0;
}

int ws_sockaddr_write(int family, struct vg_sockaddr *sa, int *len, const vg_addr *addr,
                      uint16_t port)
{
    int need = ws_sockaddr_len(family);
    if (!sa || !len || *len < need)
        return VG_WSAEFAULT;
    if (family == VG_WS_AF_INET) {
        struct vg_sockaddr_in sin;
        memset(&sin, 0, sizeof sin);
        sin.sin_family = VG_WS_AF_INET;
        sin.sin_port = vg_htons(port);
        sin.sin_addr.S_un.S_addr = vg_htonl(addr->family == VG_AF_INET ? addr->v4 : 0);
        memcpy(sa, &sin, sizeof sin);
    } else {
        struct vg_sockaddr_in6 sin6;
        memset(&sin6, 0, sizeof sin6);
        sin6.sin6_family = VG_WS_AF_INET6;
        sin6.sin6_port = vg_htons(port);
        uint8_t *b = sin6.sin6_addr.u.Byte;
        if (addr->family == VG_AF_INET6) {
            memcpy(b, addr->v6, 16);
        } else if (addr->v4) {
            /* A dual-stack socket's IPv4 peer, as Windows shows it: ::ffff:a.b.c.d. An
             * unbound socket's 0 stays ::, not ::ffff:0.0.0.0. */
            ws_inet6_v4mapped(addr->v4, b);
        }
        memcpy(sa, &sin6, sizeof sin6);
    }
    *len = need;
    return 0;
}

int ws_connect_target_ok(const struct ws_sock *so, const vg_addr *addr, uint16_t port,
                         int mapped)
{
    /* Windows' dual-stack rule: IPv4 goes through an AF_INET6 socket only as ::ffff:a.b.c.d
     * and only with IPV6_V6ONLY off; a v6-only socket cannot use "addresses in the specified
     * family" (learn.microsoft.com, dual-stack-sockets, nf-winsock2-connect). */
    if (mapped && so->v6only)
        return VG_WSAEAFNOSUPPORT;
    if (vg_addr_is_unspecified(addr) || port == 0)
        return VG_WSAEADDRNOTAVAIL;
    if (addr->family == VG_AF_INET && addr->v4 == 0xffffffffu)
        return VG_WSAEADDRNOTAVAIL;
    return 0;
}

int ws_sockaddr_of_tcb(const struct ws_sock *so, const vg_tcb *t, int peer,
                       struct vg_sockaddr *sa, int *len)
{
    vg_addr a;
    uint16_t port;
    if (peer)
        vg_tcp_endpoints_addr(t, NULL, NULL, &a, &port);
    else
        vg_tcp_endpoints_addr(t, &a, &port, NULL, NULL);
    return ws_sockaddr_write(so->family, sa, len, &a, port);
}
