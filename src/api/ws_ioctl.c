/* ioctlsocket (FIONBIO, FIONREAD, SIOCATMARK) and WSAIoctl, whose SIO_KEEPALIVE_VALS sets one
 * connection's keep-alive switch, time and interval in milliseconds (spec A12).
 *
 * Errors follow the shape of rule A6: the preamble (steps 1-4), then an unknown code
 * (WSAEINVAL), then a code the socket's protocol does not support (WSAENOPROTOOPT, as A5 says
 * for keep-alive on a datagram socket), then bad buffers (WSAEFAULT). */
#include <string.h>

#include "api/ws_overlapped.h"

static int do_ioctlsocket(struct ws_sock *so, uint32_t cmd, uint32_t *argp)
{
    if (cmd != VG_WS_FIONBIO && cmd != VG_WS_FIONREAD && cmd != VG_WS_SIOCATMARK)
        return VG_WSAEINVAL;
    if (!argp)
        return VG_WSAEFAULT;
    if (cmd == VG_WS_FIONBIO && *argp == 0 && ws_eventselect_active(so))
        return VG_WSAEINVAL;      /* WSAEventSelect is in force: cancel it first */
    if (cmd == VG_WS_FIONBIO)
        so->nonblocking = *argp != 0;
    else if (cmd == VG_WS_FIONREAD)
        *argp = so->ops->nread(so);
    else
        *argp = 1;                /* no urgent data is ever pending: "at the mark" */
    return 0;
}

int vg_ws_ioctlsocket(vg_socket_t s, long cmd, uint32_t *argp)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_ioctlsocket(so, (uint32_t)cmd, argp);
    ws_leave();
    return e ? ws_fail(e) : 0;
}

/* The core keeps UINT32_MAX for "the system value"; a program asking for 49.7 days gets a
 * millisecond less. */
static uint32_t ms_arg(uint32_t v) { return v == VG_KA_SYSTEM ? VG_KA_SYSTEM - 1 : v; }

static int keepalive_vals(struct ws_sock *so, const struct vg_tcp_keepalive *kv)
{
    vg_tcb *t = so->tcb;
    vg_time now = ws_now(ws_t.net);
    if (kv->onoff && (kv->keepalivetime == 0 || kv->keepaliveinterval == 0))
        return VG_WSAEINVAL;
    struct vg_keepalive_info before;
    vg_tcp_keepalive_info(t, now, &before);
    int r = 0;
    if (kv->keepalivetime)
        r = vg_tcp_set_keepalive_time_ms(t, ms_arg(kv->keepalivetime), now);
    if (!r && kv->keepaliveinterval)
        r = vg_tcp_set_keepalive_interval_ms(t, ms_arg(kv->keepaliveinterval), now);
    if (r) {
        /* All or nothing: put back what the socket had. */
        vg_tcp_set_keepalive_time_ms(t, before.time_is_system ? VG_KA_SYSTEM : before.time_ms, now);
        vg_tcp_set_keepalive_interval_ms(
            t, before.interval_is_system ? VG_KA_SYSTEM : before.interval_ms, now);
        return ws_err_from_vg(r);
    }
    r = vg_tcp_set_keepalive(t, kv->onoff != 0, now);
    return r ? ws_err_from_vg(r) : 0;
}

static int do_wsaioctl(struct ws_sock *so, uint32_t code, void *in, uint32_t inlen, void *out,
                       uint32_t outlen, uint32_t *bytes, struct vg_wsaoverlapped *ov,
                       vg_wsa_completion_fn done)
{
    if (code != VG_WS_SIO_KEEPALIVE_VALS && code != VG_WS_FIONBIO && code != VG_WS_FIONREAD &&
        code != VG_WS_SIOCATMARK && code != VG_WS_SIO_GET_EXTENSION_FUNCTION_POINTER)
        return VG_WSAEINVAL;
    if (code == VG_WS_SIO_KEEPALIVE_VALS && !so->tcb)
        return VG_WSAENOPROTOOPT;
    /* lpcbBytesReturned may be NULL for an overlapped call (the count goes to the OVERLAPPED). */
    uint32_t ignored;
    if (!bytes && (ov || done))
        bytes = &ignored;
    if (!bytes)
        return VG_WSAEFAULT;
    if (code == VG_WS_SIO_GET_EXTENSION_FUNCTION_POINTER)
        return ws_extension_function(in, inlen, out, outlen, bytes);
    uint32_t v;
    switch (code) {
    case VG_WS_SIO_KEEPALIVE_VALS: {
        struct vg_tcp_keepalive kv;
        if (!in || inlen < sizeof kv)
            return VG_WSAEFAULT;
        memcpy(&kv, in, sizeof kv);
        *bytes = 0;
        return keepalive_vals(so, &kv);
    }
    case VG_WS_FIONBIO:
        if (!in || inlen < sizeof v)
            return VG_WSAEFAULT;
        memcpy(&v, in, sizeof v);
        *bytes = 0;
        return do_ioctlsocket(so, code, &v);
    default:
        if (!out || outlen < sizeof v)
            return VG_WSAEFAULT;
        do_ioctlsocket(so, code, &v);
        memcpy(out, &v, sizeof v);
        *bytes = sizeof v;
        return 0;
    }
}

int vg_ws_ioctl(vg_socket_t s, uint32_t code, void *in, uint32_t inlen, void *out, uint32_t outlen,
                uint32_t *bytes_returned, struct vg_wsaoverlapped *overlapped,
                vg_wsa_completion_fn completion)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    e = do_wsaioctl(so, code, in, inlen, out, outlen, bytes_returned, overlapped, completion);
    if (!e && (overlapped || completion)) {
        /* These codes finish at once; Windows still signals the event, queues the routine or
         * posts to the port (an overlapped call that fails at once delivers nothing). */
        struct ws_op *op = ws_op_new(so, WS_OP_IOCTL, overlapped, completion);
        if (op)
            ws_op_complete(op, 0, bytes_returned ? *bytes_returned : 0, 0);
    }
    ws_leave();
    return e ? ws_fail(e) : 0;
}
