/* getsockopt and setsockopt (spec A1-A7, C1, C7), with the errors in the order of rule A6:
 *   1 WSANOTINITIALISED  2 WSAEINPROGRESS  3 WSAENETDOWN  4 WSAENOTSOCK   (ws_enter_sock)
 *   5 WSAEINVAL          the level is unknown
 *   6 WSAENOPROTOOPT     the option is unknown at that level, or not for this socket's protocol
 *   7 WSAEFAULT          optval/optlen NULL, or the buffer smaller than the option
 *   8 WSAEINVAL          windows-vista: a keep-alive option set while a connect is in progress
 * The first that holds is the one reported. */
#include <string.h>

#include "api/ws.h"

enum opt_proto { ANY_SOCKET, STREAM_ONLY, DGRAM_ONLY, INET6_ONLY };

struct opt {
    int level, name;
    enum opt_proto proto;
    uint8_t can_get, can_set;
    uint8_t keepalive;            /* A6.8 applies (SO_KEEPALIVE, and the C1 options) */
    uint8_t size;                 /* bytes the value takes */
};

static const struct opt options[] = {
    {VG_WS_SOL_SOCKET, VG_WS_SO_KEEPALIVE, STREAM_ONLY, 1, 1, 1, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_TYPE, ANY_SOCKET, 1, 0, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_ERROR, ANY_SOCKET, 1, 0, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_ACCEPTCONN, ANY_SOCKET, 1, 0, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_RCVBUF, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_SNDBUF, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_RCVTIMEO, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_SNDTIMEO, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_LINGER, STREAM_ONLY, 1, 1, 0, sizeof(struct vg_linger)},
    {VG_WS_SOL_SOCKET, VG_WS_SO_DONTLINGER, STREAM_ONLY, 1, 1, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_REUSEADDR, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_EXCLUSIVEADDRUSE, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_SOL_SOCKET, VG_WS_SO_BROADCAST, DGRAM_ONLY, 1, 1, 0, 4},
    /* AcceptEx and ConnectEx servers set these; the socket is already complete here. */
    {VG_WS_SOL_SOCKET, VG_WS_SO_UPDATE_ACCEPT_CONTEXT, STREAM_ONLY, 0, 1, 0, sizeof(vg_socket_t)},
    {VG_WS_SOL_SOCKET, VG_WS_SO_UPDATE_CONNECT_CONTEXT, STREAM_ONLY, 0, 1, 0, 0},
    {VG_WS_IPPROTO_TCP, VG_WS_TCP_NODELAY, STREAM_ONLY, 1, 1, 0, 4},
    {VG_WS_IPPROTO_TCP, VG_WS_TCP_KEEPALIVE, STREAM_ONLY, 1, 1, 1, 4},
    {VG_WS_IPPROTO_TCP, VG_WS_TCP_KEEPCNT, STREAM_ONLY, 1, 1, 1, 4},
    {VG_WS_IPPROTO_TCP, VG_WS_TCP_KEEPINTVL, STREAM_ONLY, 1, 1, 1, 4},
    {VG_WS_IPPROTO_TCP, VG_WS_TCP_MAXRT, STREAM_ONLY, 1, 1, 0, 4},
    {VG_WS_IPPROTO_TCP, VG_WS_TCP_MAXRTMS, STREAM_ONLY, 1, 1, 0, 4},
    {VG_WS_IPPROTO_IP, VG_WS_IP_TTL, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_IPPROTO_IP, VG_WS_IP_TOS, ANY_SOCKET, 1, 1, 0, 4},
    {VG_WS_IPPROTO_IPV6, VG_WS_IPV6_V6ONLY, INET6_ONLY, 1, 1, 0, 4},
};

/* The TTL the core puts in every packet (src/ip/ipv4.c): what IP_TTL reports until set. */
#define WS_CORE_TTL 64

static int level_known(int level)
{
    return level == VG_WS_SOL_SOCKET || level == VG_WS_IPPROTO_TCP ||
           level == VG_WS_IPPROTO_UDP || level == VG_WS_IPPROTO_IP ||
           level == VG_WS_IPPROTO_IPV6;
}

/* A6 steps 5 and 6: the option's description, or NULL with the error in *err. */
static const struct opt *find_option(const struct ws_sock *so, int level, int name, int set,
                                     int *err)
{
    if (!level_known(level)) {
        *err = VG_WSAEINVAL;
        return NULL;
    }
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const struct opt *o = &options[i];
        if (o->level != level || o->name != name || !(set ? o->can_set : o->can_get))
            continue;
        if ((o->proto == STREAM_ONLY && !so->tcb) || (o->proto == DGRAM_ONLY && !so->udp))
            break;                /* A5: not for this socket's protocol */
        /* An AF_INET socket has no IPv6 options: WSAENOPROTOOPT, as Windows answers an
         * IPPROTO_IPV6 option on an IPv4 socket. */
        if (o->proto == INET6_ONLY && so->family != VG_WS_AF_INET6)
            break;
        return o;
    }
    *err = VG_WSAENOPROTOOPT;
    return NULL;
}

/* A6.8 (and A7: only under windows-vista; windows-2000 and linux allow it). */
static int connect_in_progress(const struct ws_sock *so)
{
    if (vg_stack_config(ws_t.net->stack)->profile != VG_PROFILE_WINDOWS_VISTA)
        return 0;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    return st == VG_TCP_SYN_SENT || st == VG_TCP_SYN_RECEIVED;
}

static uint32_t read_u32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void write_u32(char *p, uint32_t v) { memcpy(p, &v, sizeof v); }

/* Seconds (C1) to the core's milliseconds; 0 when the value cannot be one. */
static uint32_t secs_to_ms(uint32_t secs)
{
    if (secs == 0 || secs > (VG_KA_SYSTEM - 1) / 1000u)
        return 0;
    return secs * 1000u;
}

static int set_value(struct ws_sock *so, const struct opt *o, const char *optval)
{
    vg_time now = ws_now(ws_t.net);
    uint32_t v = read_u32(optval);
    int32_t iv = (int32_t)v;
    int r = 0;
    if (o->level == VG_WS_SOL_SOCKET) {
        switch (o->name) {
        case VG_WS_SO_KEEPALIVE:
            r = vg_tcp_set_keepalive(so->tcb, v != 0, now);   /* A1, A4 */
            break;
        case VG_WS_SO_RCVBUF:
        case VG_WS_SO_SNDBUF:
            if (iv < 0)
                return VG_WSAEINVAL;
            /* Windows documents no upper bound for these (learn.microsoft.com, "SOL_SOCKET
             * socket options"); a size past the largest window (ws.h) could never be used,
             * only held against the buffer budget: clamp it, as Linux clamps to
             * rmem_max/wmem_max, and getsockopt reports what is in force. */
            if (o->name == VG_WS_SO_RCVBUF && v > WS_RCVBUF_MAX)
                v = WS_RCVBUF_MAX;
            if (o->name == VG_WS_SO_SNDBUF && v > WS_SNDBUF_MAX)
                v = WS_SNDBUF_MAX;
            if (o->name == VG_WS_SO_RCVBUF) {
                so->rcvbuf = v;
                so->rcvbuf_set = 1;
            } else {
                so->sndbuf = v;
                so->sndbuf_set = 1;
            }
            if (so->tcb)
                vg_tcp_set_bufsizes(so->tcb, o->name == VG_WS_SO_SNDBUF ? v : 0,
                                    o->name == VG_WS_SO_RCVBUF ? v : 0);
            break;
        case VG_WS_SO_RCVTIMEO:
            so->rcvtimeo_ms = v;
            break;
        case VG_WS_SO_SNDTIMEO:
            so->sndtimeo_ms = v;
            break;
        case VG_WS_SO_LINGER: {
            struct vg_linger l;
            memcpy(&l, optval, sizeof l);
            so->linger_onoff = l.l_onoff != 0;
            so->linger_secs = l.l_linger;
            break;
        }
        case VG_WS_SO_DONTLINGER:
            so->linger_onoff = v == 0;
            break;
        case VG_WS_SO_REUSEADDR:
            if (v && so->exclusiveaddruse)
                return VG_WSAEINVAL;
            so->reuseaddr = v != 0;
            break;
        case VG_WS_SO_EXCLUSIVEADDRUSE:
            if (v && so->reuseaddr)
                return VG_WSAEINVAL;
            so->exclusiveaddruse = v != 0;
            break;
        case VG_WS_SO_BROADCAST:
            so->broadcast = v != 0;
            break;
        }
        return r ? ws_err_from_vg(r) : 0;
    }
    if (o->level == VG_WS_IPPROTO_IPV6) {
        /* Windows: "before the socket is bound" (dual-stack-sockets); afterwards the socket's
         * families are settled, and the core agrees (vg_tcp_set_v6only). */
        if (ws_is_bound(so) || (so->tcb && vg_tcp_state(so->tcb) != VG_TCP_CLOSED))
            return VG_WSAEINVAL;
        /* A datagram socket stays v6-only: the core's UDP socket is of one family, so there is
         * no dual-stack UDP. TRUE is accepted; FALSE is a value this socket cannot take,
         * WSAEINVAL ("optval is not valid", nf-winsock-setsockopt), and it stays TRUE. A
         * program that wants both families opens an AF_INET socket beside it. */
        if (so->udp)
            return v ? 0 : VG_WSAEINVAL;
        r = vg_tcp_set_v6only(so->tcb, v != 0);
        if (!r)
            so->v6only = v != 0;
        return r ? ws_err_from_vg(r) : 0;
    }
    if (o->level == VG_WS_IPPROTO_IP) {
        /* Accepted as Windows accepts them (a TTL or TOS octet), read back as set; the core
         * has no per-socket TTL or TOS, so the packets keep TTL 64 and TOS 0. */
        if (v > 255)
            return VG_WSAEINVAL;
        if (o->name == VG_WS_IP_TTL) {
            so->ip_ttl = (uint8_t)v;
            so->ip_ttl_set = 1;
        } else {
            so->ip_tos = (uint8_t)v;
        }
        return 0;
    }
    switch (o->name) {
    case VG_WS_TCP_NODELAY:
        vg_tcp_set_nodelay(so->tcb, v != 0);
        break;
    case VG_WS_TCP_KEEPALIVE:
        r = secs_to_ms(v) ? vg_tcp_set_keepalive_time_ms(so->tcb, secs_to_ms(v), now)
                          : -VG_ERR_INVAL;
        break;
    case VG_WS_TCP_KEEPINTVL:
        r = secs_to_ms(v) ? vg_tcp_set_keepalive_interval_ms(so->tcb, secs_to_ms(v), now)
                          : -VG_ERR_INVAL;
        break;
    case VG_WS_TCP_KEEPCNT:
        r = v == VG_KA_SYSTEM ? -VG_ERR_INVAL : vg_tcp_set_keepalive_count(so->tcb, v, now);
        break;
    case VG_WS_TCP_MAXRT:
        /* Seconds; -1 waits forever, 0 is the stack's default (C7). */
        if (iv == -1)
            vg_tcp_set_maxrt_ms(so->tcb, VG_MAXRT_FOREVER);
        else if (iv < 0 || v > (VG_MAXRT_FOREVER - 1) / 1000u)
            return VG_WSAEINVAL;
        else
            vg_tcp_set_maxrt_ms(so->tcb, v * 1000u);
        break;
    case VG_WS_TCP_MAXRTMS:
        vg_tcp_set_maxrt_ms(so->tcb, v);
        break;
    }
    return r ? ws_err_from_vg(r) : 0;
}

static int do_setsockopt(struct ws_sock *so, int level, int name, const char *optval, int optlen)
{
    int err;
    const struct opt *o = find_option(so, level, name, 1, &err);
    if (!o)
        return err;
    if (o->size == 0)             /* SO_UPDATE_CONNECT_CONTEXT takes no value */
        return 0;
    if (!optval || optlen < (int)o->size)                    /* A6.7 */
        return VG_WSAEFAULT;
    if (o->keepalive && connect_in_progress(so))             /* A6.8 */
        return VG_WSAEINVAL;
    return set_value(so, o, optval);
}

int vg_ws_setsockopt(vg_socket_t s, int level, int optname, const char *optval, int optlen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_setsockopt(so, level, optname, optval, optlen);
    ws_leave();
    return e ? ws_fail(e) : 0;
}

static uint32_t get_value(struct ws_sock *so, const struct opt *o)
{
    if (o->level == VG_WS_SOL_SOCKET) {
        switch (o->name) {
        case VG_WS_SO_KEEPALIVE: return vg_tcp_keepalive(so->tcb) ? 1 : 0;   /* A3 */
        case VG_WS_SO_TYPE: return (uint32_t)so->type;
        case VG_WS_SO_ERROR: {
            ws_settle_connect(so);
            uint32_t e = (uint32_t)so->so_error;
            so->so_error = 0;
            return e;
        }
        case VG_WS_SO_ACCEPTCONN: return so->tcb && vg_tcp_state(so->tcb) == VG_TCP_LISTEN;
        case VG_WS_SO_RCVBUF:
        case VG_WS_SO_SNDBUF: {
            int rcv = o->name == VG_WS_SO_RCVBUF;
            uint32_t snd_now, rcv_now;
            if ((rcv ? so->rcvbuf_set : so->sndbuf_set) || !so->tcb)
                return rcv ? so->rcvbuf : so->sndbuf;
            vg_tcp_bufsizes(so->tcb, &snd_now, &rcv_now);   /* as autotuning has grown it */
            return rcv ? rcv_now : snd_now;
        }
        case VG_WS_SO_RCVTIMEO: return so->rcvtimeo_ms;
        case VG_WS_SO_SNDTIMEO: return so->sndtimeo_ms;
        case VG_WS_SO_DONTLINGER: return !so->linger_onoff;
        case VG_WS_SO_REUSEADDR: return so->reuseaddr;
        case VG_WS_SO_EXCLUSIVEADDRUSE: return so->exclusiveaddruse;
        case VG_WS_SO_BROADCAST: return so->broadcast;
        }
        return 0;
    }
    if (o->level == VG_WS_IPPROTO_IPV6)
        return so->v6only;
    if (o->level == VG_WS_IPPROTO_IP)
        return o->name == VG_WS_IP_TTL ? (so->ip_ttl_set ? so->ip_ttl : WS_CORE_TTL) : so->ip_tos;
    struct vg_keepalive_info ka;
    switch (o->name) {
    case VG_WS_TCP_NODELAY: return vg_tcp_nodelay(so->tcb) ? 1 : 0;
    case VG_WS_TCP_KEEPALIVE:
    case VG_WS_TCP_KEEPINTVL:
    case VG_WS_TCP_KEEPCNT:
        vg_tcp_keepalive_info(so->tcb, ws_now(ws_t.net), &ka);
        return o->name == VG_WS_TCP_KEEPCNT      ? ka.count
               : o->name == VG_WS_TCP_KEEPINTVL ? ka.interval_ms / 1000u
                                                 : ka.time_ms / 1000u;
    case VG_WS_TCP_MAXRT: {
        uint32_t ms = vg_tcp_maxrt_ms(so->tcb);
        return ms == VG_MAXRT_FOREVER ? 0xffffffffu : ms / 1000u;
    }
    case VG_WS_TCP_MAXRTMS: return vg_tcp_maxrt_ms(so->tcb);
    }
    return 0;
}

static int do_getsockopt(struct ws_sock *so, int level, int name, char *optval, int *optlen)
{
    int err;
    const struct opt *o = find_option(so, level, name, 0, &err);
    if (!o)
        return err;
    if (!optval || !optlen || *optlen < (int)o->size)        /* A6.7 */
        return VG_WSAEFAULT;
    if (o->level == VG_WS_SOL_SOCKET && o->name == VG_WS_SO_LINGER) {
        struct vg_linger l = {.l_onoff = so->linger_onoff, .l_linger = so->linger_secs};
        memcpy(optval, &l, sizeof l);
    } else {
        write_u32(optval, get_value(so, o));
    }
    *optlen = o->size;                                        /* A3 */
    return 0;
}

int vg_ws_getsockopt(vg_socket_t s, int level, int optname, char *optval, int *optlen)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_getsockopt(so, level, optname, optval, optlen);
    ws_leave();
    return e ? ws_fail(e) : 0;
}
