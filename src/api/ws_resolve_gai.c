/* getaddrinfo, freeaddrinfo, getnameinfo and gai_strerror, as Windows defines them: the error
 * is the return value and also the thread's WSAGetLastError (learn.microsoft.com,
 * nf-ws2tcpip-getaddrinfo), the EAI_ codes being WSA codes (EAI_NONAME is WSAHOST_NOT_FOUND,
 * EAI_AGAIN WSATRY_AGAIN, EAI_FAIL WSANO_RECOVERY, EAI_BADFLAGS WSAEINVAL, EAI_FAMILY
 * WSAEAFNOSUPPORT, EAI_SOCKTYPE VG_WSAESOCKTNOSUPPORT, EAI_SERVICE WSATYPE_NOT_FOUND, EAI_MEMORY
 * WSA_NOT_ENOUGH_MEMORY, EAI_NODATA WSANO_DATA).
 *
 * One result per address, with the hints' socktype and protocol copied (0 stays 0, as on
 * Windows, rather than one result per socket type). AF_INET6 gives sockaddr_in6 results
 * (ai_addrlen 28): numeric (with a decimal %scope), localhost as ::1, the hosts file's IPv6
 * lines, DNS AAAA; with AI_V4MAPPED the IPv4 ones as ::ffff:a.b.c.d when there is no IPv6
 * address (or always, with AI_ALL). AF_UNSPEC gives IPv6 first, then IPv4, as Windows, but
 * only the families socket() can open (ws_family_opens: both, for streams and datagrams
 * alike); a numeric IPv6 host is returned whatever the family support. Services: decimal
 * ports, and a small table of well-known names (ws_services below). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_addr6.h"
#include "api/ws_resolve.h"


static const struct {
    const char *name;
    uint16_t port;
} ws_services[] = {
    {"echo", 7},   {"discard", 9}, {"daytime", 13}, {"ftp", 21},    {"ssh", 22},
    {"telnet", 23}, {"smtp", 25},  {"domain", 53},  {"http", 80},   {"www", 80},
    {"pop3", 110}, {"imap", 143},  {"https", 443},
};

static int parse_port(const char *s, uint16_t *port)
{
    if (!*s)
        return -1;
    unsigned long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 65535)
            return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

static int service_port(const char *service, int flags, uint16_t *port)
{
    *port = 0;
    if (!service)
        return 0;
    if (parse_port(service, port) == 0)
        return 0;
    if (flags & VG_WS_AI_NUMERICSERV)
        return VG_WSAHOST_NOT_FOUND;
    for (size_t i = 0; i < sizeof ws_services / sizeof ws_services[0]; i++)
        if (strcmp(service, ws_services[i].name) == 0) {
            *port = ws_services[i].port;
            return 0;
        }
    return VG_WSATYPE_NOT_FOUND;
}

static int check_hints(const struct vg_addrinfo *h)
{
    if (!h)
        return 0;
    /* Windows: the members a caller does not set must be 0 or NULL, else WSANO_RECOVERY. */
    if (h->ai_addrlen || h->ai_canonname || h->ai_addr || h->ai_next)
        return VG_WSANO_RECOVERY;
    if ((unsigned)h->ai_flags & ~VG_WS_AI_KNOWN ||
        ((h->ai_flags & VG_WS_AI_CANONNAME) && (h->ai_flags & VG_WS_AI_FQDN)))
        return VG_WSAEINVAL;
    if (h->ai_family != VG_WS_AF_UNSPEC && h->ai_family != VG_WS_AF_INET &&
        h->ai_family != VG_WS_AF_INET6)
        return VG_WSAEAFNOSUPPORT;
    if (h->ai_socktype != 0 && h->ai_socktype != VG_WS_SOCK_STREAM &&
        h->ai_socktype != VG_WS_SOCK_DGRAM)
        return VG_WSAESOCKTNOSUPPORT;
    int p = h->ai_protocol;
    if (p != 0 && p != VG_WS_IPPROTO_TCP && p != VG_WS_IPPROTO_UDP)
        return VG_WSAESOCKTNOSUPPORT;
    if ((p == VG_WS_IPPROTO_TCP && h->ai_socktype == VG_WS_SOCK_DGRAM) ||
        (p == VG_WS_IPPROTO_UDP && h->ai_socktype == VG_WS_SOCK_STREAM))
        return VG_WSAESOCKTNOSUPPORT;
    return 0;
}

/* The addresses found, in the order they are returned. */
struct gai_list {
    struct ws_res_result r;       /* IPv6 ones (addrs6) come before IPv4 ones (addrs) */
    uint32_t scope;               /* a numeric IPv6 host's %scope */
    int map4;                     /* the IPv4 ones as v4-mapped IPv6 (AI_V4MAPPED) */
};

static int add_entry(struct vg_addrinfo ***tail, const struct vg_addrinfo *hints, int v6,
                     const uint8_t *a6, uint32_t a4, uint32_t scope, uint16_t port)
{
    struct {
        struct vg_addrinfo ai;
        union {
            struct vg_sockaddr_in sin;
            struct vg_sockaddr_in6 sin6;
        } sa;
    } *e = calloc(1, sizeof *e);
    if (!e)
        return VG_WSA_NOT_ENOUGH_MEMORY;
    e->ai.ai_socktype = hints ? hints->ai_socktype : 0;
    e->ai.ai_protocol = hints ? hints->ai_protocol : 0;
    e->ai.ai_addr = (struct vg_sockaddr *)&e->sa;
    if (v6) {
        e->ai.ai_family = VG_WS_AF_INET6;
        e->ai.ai_addrlen = sizeof e->sa.sin6;
        e->sa.sin6.sin6_family = VG_WS_AF_INET6;
        e->sa.sin6.sin6_port = vg_htons(port);
        memcpy(e->sa.sin6.sin6_addr.u.Byte, a6, 16);
        e->sa.sin6.sin6_scope_id = scope;
    } else {
        e->ai.ai_family = VG_WS_AF_INET;
        e->ai.ai_addrlen = sizeof e->sa.sin;
        e->sa.sin.sin_family = VG_WS_AF_INET;
        e->sa.sin.sin_port = vg_htons(port);
        e->sa.sin.sin_addr.S_un.S_addr = vg_htonl(a4);
    }
    **tail = &e->ai;
    *tail = &e->ai.ai_next;
    return 0;
}

static int build(const struct vg_addrinfo *hints, const struct gai_list *l, uint16_t port,
                 const char *canon, struct vg_addrinfo **res)
{
    struct vg_addrinfo *head = NULL, **tail = &head;
    int e = 0;
    for (size_t i = 0; !e && i < l->r.naddrs6; i++)
        e = add_entry(&tail, hints, 1, l->r.addrs6[i], 0, l->scope, port);
    for (size_t i = 0; !e && i < l->r.naddrs; i++) {
        uint8_t m[16];
        ws_inet6_v4mapped(l->r.addrs[i], m);
        e = add_entry(&tail, hints, l->map4, m, l->r.addrs[i], 0, port);
    }
    if (!e && canon && head) {
        head->ai_canonname = malloc(strlen(canon) + 1);
        if (!head->ai_canonname)
            e = VG_WSA_NOT_ENOUGH_MEMORY;
        else
            strcpy(head->ai_canonname, canon);
    }
    if (e) {
        vg_ws_freeaddrinfo(head);
        return e;
    }
    *res = head;
    return 0;
}

/* A numeric IPv6 host, with an optional decimal "%scope" (Windows takes it there). */
static int numeric6(const char *node, uint8_t a6[16], uint32_t *scope)
{
    char text[VG_WS_INET6_TEXT_MAX + 12];
    const char *pct = strchr(node, '%');
    size_t n = pct ? (size_t)(pct - node) : strlen(node);
    if (n >= VG_WS_INET6_TEXT_MAX)
        return -1;
    memcpy(text, node, n);
    text[n] = '\0';
    *scope = 0;
    if (pct) {
        uint64_t v = 0;
        const char *p = pct + 1;
        if (!*p)
            return -1;
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || (v = v * 10 + (uint64_t)(*p - '0')) > 0xffffffffu)
                return -1;
        }
        *scope = (uint32_t)v;
    }
    return ws_inet6_parse(text, a6);
}

/* The addresses for node (the families in want) into l, then the results. */
static int lookup(const char *node, int flags, int family, int want, struct gai_list *l,
                  uint16_t port, const struct vg_addrinfo *hints, struct vg_addrinfo **res)
{
    int mapped = family == VG_WS_AF_INET6 && (flags & VG_WS_AI_V4MAPPED);
    l->map4 = family == VG_WS_AF_INET6;
    int e;
    const char *canon = NULL;
    uint32_t a;
    if (!node) {
        if (want & WS_RES_V6)
            memcpy(l->r.addrs6[l->r.naddrs6++],
                   (flags & VG_WS_AI_PASSIVE) ? vg_in6addr_any.u.Byte : vg_in6addr_loopback.u.Byte,
                   16);
        if (want & WS_RES_V4)
            l->r.addrs[l->r.naddrs++] = (flags & VG_WS_AI_PASSIVE) ? 0 : 0x7f000001u;
    } else if (vg_ws_inet_pton(VG_WS_AF_INET, node, &a) == 1) {
        if (family == VG_WS_AF_INET6 && !mapped)
            return VG_WSAHOST_NOT_FOUND;
        l->r.addrs[l->r.naddrs++] = vg_ntohl(a);
        canon = node;
    } else if (numeric6(node, l->r.addrs6[0], &l->scope) == 0) {
        if (family == VG_WS_AF_INET)
            return VG_WSAHOST_NOT_FOUND;
        l->r.naddrs6 = 1;
        canon = node;
    } else if (flags & VG_WS_AI_NUMERICHOST) {
        return VG_WSAHOST_NOT_FOUND;
    } else if (!*node) {
        /* Windows: an empty name is this computer, all its addresses. */
        if (!(want & WS_RES_V4))
            return VG_WSANO_DATA;
        l->r.addrs[l->r.naddrs++] = vg_stack_config(ws_t.net->stack)->addr;
        canon = ws_hostname();
    } else {
        int all = mapped && (flags & VG_WS_AI_ALL);
        e = ws_resolve_name(node, want | (all ? WS_RES_V4 : 0), &l->r);
        if (mapped && !all && (e == VG_WSANO_DATA || (!e && !l->r.naddrs6)))
            e = ws_resolve_name(node, WS_RES_V4, &l->r);
        if (e)
            return e;
        canon = l->r.canon;
    }
    return build(hints, l, port, (flags & VG_WS_AI_CANONNAME) ? canon : NULL, res);
}

static int gai(const char *node, const char *service, const struct vg_addrinfo *hints,
               struct vg_addrinfo **res)
{
    if (!res)
        return VG_WSAEINVAL;
    *res = NULL;
    int e = check_hints(hints);
    if (e)
        return e;
    int flags = hints ? hints->ai_flags : 0;
    int family = hints ? hints->ai_family : VG_WS_AF_UNSPEC;
    if (!node && !service)
        return VG_WSAHOST_NOT_FOUND;
    if ((flags & VG_WS_AI_CANONNAME) && !node)
        return VG_WSAEINVAL;
    uint16_t port;
    e = service_port(service, flags, &port);
    if (e)
        return e;
    /* The families wanted: AF_UNSPEC's are those socket() opens, IPv6 first (a datagram hint
     * as a stream one, now that AF_INET6 datagram sockets open). */
    int want = family == VG_WS_AF_INET6 ? WS_RES_V6 : family == VG_WS_AF_INET ? WS_RES_V4
             : WS_RES_V4 | (ws_family_opens(VG_WS_AF_INET6) ? WS_RES_V6 : 0);
    struct gai_list *lp = calloc(1, sizeof *lp);   /* ~600 octets: off the stack */
    if (!lp)
        return VG_WSA_NOT_ENOUGH_MEMORY;
    e = lookup(node, flags, family, want, lp, port, hints, res);
    free(lp);
    return e;
}


int vg_ws_getaddrinfo(const char *node, const char *service, const struct vg_addrinfo *hints,
                      struct vg_addrinfo **res)
{
    int e = ws_enter();
    if (e) {
        ws_fail(e);
        return e;
    }
    e = gai(node, service, hints, res);
    ws_leave();
    if (e)
        ws_fail(e);
    return e;
}

void vg_ws_freeaddrinfo(struct vg_addrinfo *ai)
{
    while (ai) {
        struct vg_addrinfo *next = ai->ai_next;
        free(ai->ai_canonname);
        free(ai);                 /* its sockaddr lives in the same block */
        ai = next;
    }
}

static int copy_out(char *dst, uint32_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n + 1 > cap)
        return VG_WSAEFAULT;
    memcpy(dst, src, n + 1);
    return 0;
}

static int gni(const struct vg_sockaddr *sa, int salen, char *host, uint32_t hostlen, char *serv,
               uint32_t servlen, int flags)
{
    if ((unsigned)flags & ~(unsigned)(VG_WS_NI_NOFQDN | VG_WS_NI_NUMERICHOST | VG_WS_NI_NAMEREQD | VG_WS_NI_NUMERICSERV |
                                      VG_WS_NI_DGRAM))
        return VG_WSAEINVAL;
    if (!sa)
        return VG_WSAEFAULT;
    if (salen < (int)sizeof(struct vg_sockaddr_in))
        return VG_WSAEFAULT;
    int v6 = sa->sa_family == VG_WS_AF_INET6;
    if (sa->sa_family != VG_WS_AF_INET && !v6)
        return VG_WSAEAFNOSUPPORT;
    if (v6 && salen < (int)sizeof(struct vg_sockaddr_in6))
        return VG_WSAEFAULT;
    if ((!host || !hostlen) && (!serv || !servlen))
        return VG_WSAHOST_NOT_FOUND;
    struct vg_sockaddr_in sin;
    struct vg_sockaddr_in6 sin6;
    uint32_t addr = 0;
    uint16_t port;
    if (v6) {
        memcpy(&sin6, sa, sizeof sin6);
        port = vg_ntohs(sin6.sin6_port);
    } else {
        memcpy(&sin, sa, sizeof sin);
        addr = vg_ntohl(sin.sin_addr.S_un.S_addr);
        port = vg_ntohs(sin.sin_port);
    }
    if (host && hostlen) {
        char name[VG_DNS_NAME_MAX + 1];
        char numeric[VG_WS_INET6_TEXT_MAX + 12];
        if (v6) {
            /* RFC 5952's text, and the scope as Windows writes it: "fe80::1%3". */
            size_t n = ws_inet6_format(sin6.sin6_addr.u.Byte, numeric);
            if (sin6.sin6_scope_id)
                snprintf(numeric + n, sizeof numeric - n, "%%%u", (unsigned)sin6.sin6_scope_id);
        } else {
            snprintf(numeric, sizeof numeric, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255,
                     (addr >> 8) & 255, addr & 255);
        }
        const char *out = numeric;
        if (!(flags & VG_WS_NI_NUMERICHOST)) {
            int e = v6 ? ws_resolve_addr6(sin6.sin6_addr.u.Byte, name, sizeof name)
                       : ws_resolve_addr(addr, name, sizeof name);
            if (e && (flags & VG_WS_NI_NAMEREQD))
                return e == VG_WSANO_DATA ? VG_WSAHOST_NOT_FOUND : e;
            if (!e) {
                if (flags & VG_WS_NI_NOFQDN) {
                    char *dot = strchr(name, '.');
                    if (dot)
                        *dot = '\0';
                }
                out = name;
            }
        }
        int e = copy_out(host, hostlen, out);
        if (e)
            return e;
    }
    if (serv && servlen) {
        char num[8];
        snprintf(num, sizeof num, "%u", (unsigned)port);
        const char *out = num;
        if (!(flags & VG_WS_NI_NUMERICSERV))
            for (size_t i = 0; i < sizeof ws_services / sizeof ws_services[0]; i++)
                if (ws_services[i].port == port) {
                    out = ws_services[i].name;
                    break;
                }
        int e = copy_out(serv, servlen, out);
        if (e)
            return e;
    }
    return 0;
}

int vg_ws_getnameinfo(const struct vg_sockaddr *sa, int salen, char *host, uint32_t hostlen,
                      char *serv, uint32_t servlen, int flags)
{
    int e = ws_enter();
    if (e) {
        ws_fail(e);
        return e;
    }
    e = gni(sa, salen, host, hostlen, serv, servlen, flags);
    ws_leave();
    if (e)
        ws_fail(e);
    return e;
}

char *vg_ws_gai_strerror(int err)
{
    static _Thread_local char buf[1024];   /* GAI_STRERROR_BUFFER_SIZE */
    const char *s;
    switch (err) {
    case 0: s = "The operation completed successfully."; break;
    case VG_WSAHOST_NOT_FOUND: s = "No such host is known."; break;
    case VG_WSATRY_AGAIN: s = "This is usually a temporary error during hostname resolution and means that the local server did not receive a response from an authoritative server."; break;
    case VG_WSANO_RECOVERY: s = "A non-recoverable error occurred during a database lookup."; break;
    case VG_WSANO_DATA: s = "The requested name is valid, but no data of the requested type was found."; break;
    case VG_WSAEINVAL: s = "An invalid argument was supplied."; break;
    case VG_WSAEAFNOSUPPORT: s = "An address incompatible with the requested protocol was used."; break;
    case VG_WSAESOCKTNOSUPPORT: s = "The support for the specified socket type does not exist in this address family."; break;
    case VG_WSATYPE_NOT_FOUND: s = "The specified class was not found."; break;
    case VG_WSA_NOT_ENOUGH_MEMORY: s = "Not enough memory resources are available to process this command."; break;
    default: s = "Unknown error."; break;
    }
    snprintf(buf, sizeof buf, "%s", s);
    return buf;
}
