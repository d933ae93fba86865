/* What every Winsock call does first and last: the A6 checks that come before the socket's own
 * (initialised, no blocking call in progress on this thread, network up), the lock, the last
 * error, and the mapping of the core's errors onto WSA codes. */
#include <stdlib.h>

#include "api/ws.h"

struct ws_global ws_g = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
};
_Thread_local struct ws_thread ws_t;

int vg_ws_get_last_error(void) { return ws_t.last_error; }

void vg_ws_set_last_error(int err) { ws_t.last_error = err; }

int ws_fail(int wsa)
{
    ws_t.last_error = wsa;
    return VG_SOCKET_ERROR;
}

int ws_err_from_vg(int e)
{
    if (e < 0)
        e = -e;
    switch (e) {
    case VG_OK: return 0;
    case VG_ERR_WOULDBLOCK: return VG_WSAEWOULDBLOCK;
    case VG_ERR_INVAL: return VG_WSAEINVAL;
    case VG_ERR_NOBUFS: return VG_WSAENOBUFS;
    case VG_ERR_ADDRINUSE: return VG_WSAEADDRINUSE;
    case VG_ERR_NOTCONN: return VG_WSAENOTCONN;
    case VG_ERR_ISCONN: return VG_WSAEISCONN;
    case VG_ERR_ALREADY: return VG_WSAEALREADY;
    case VG_ERR_CONNREFUSED: return VG_WSAECONNREFUSED;
    case VG_ERR_HOSTUNREACH: return VG_WSAEHOSTUNREACH;
    case VG_ERR_NETUNREACH: return VG_WSAENETUNREACH;
    case VG_ERR_CONNRESET: return VG_WSAECONNRESET;
    case VG_ERR_CONNABORTED: return VG_WSAECONNABORTED;
    case VG_ERR_TIMEDOUT: return VG_WSAETIMEDOUT;
    case VG_ERR_NETRESET: return VG_WSAENETRESET;
    case VG_ERR_NETDOWN: return VG_WSAENETDOWN;
    case VG_ERR_SHUTDOWN: return VG_WSAESHUTDOWN;
    case VG_ERR_MSGSIZE: return VG_WSAEMSGSIZE;
    case VG_ERR_NOPROTOOPT: return VG_WSAENOPROTOOPT;
    default: return VG_WSAEINVAL;
    }
}

int ws_link_up(void) { return vg_stack_link_up(ws_t.net->stack); }

struct ws_net *ws_net_ref(void)
{
    pthread_mutex_lock(&ws_g.lock);
    struct ws_net *n = ws_g.net;
    if (n)
        atomic_fetch_add(&n->refs, 1);
    pthread_mutex_unlock(&ws_g.lock);
    return n;
}

void ws_net_unref(struct ws_net *n)
{
    if (atomic_fetch_sub(&n->refs, 1) != 1)
        return;
    /* Nobody else can reach n now: ws_g let go of it and no call is on it. */
    pthread_mutex_destroy(&n->lock);
    free(n);
}

void ws_net_lock(struct ws_net *n)
{
    atomic_fetch_add(&n->lock_wanted, 1);
    pthread_mutex_lock(&n->lock);
    atomic_fetch_sub(&n->lock_wanted, 1);
}

int ws_net_enter(struct ws_net *n)
{
    if (!n)
        return 0;
    ws_net_lock(n);
    if (n->closed) {               /* another thread's WSACleanup got in first */
        pthread_mutex_unlock(&n->lock);
        ws_net_unref(n);
        return 0;
    }
    ws_t.net = n;
    ws_t.locked = 1;
    return 1;
}

void ws_net_exit(void)
{
    struct ws_net *n = ws_t.net;
    ws_t.net = NULL;
    ws_t.locked = 0;
    pthread_mutex_unlock(&n->lock);
    ws_net_unref(n);
}

int ws_enter_quiet(void)
{
    /* A6.1, A6.2: neither needs the lock, and a call from inside the blocking hook or a stack
     * callback must not take it (the thread may already hold it). */
    if (atomic_load(&ws_g.started) == 0)
        return VG_WSANOTINITIALISED;
    if (ws_t.in_call)
        return VG_WSAEINPROGRESS;
    if (!ws_net_enter(ws_net_ref()))
        return VG_WSANOTINITIALISED;
    ws_t.in_call = 1;
    ws_pump(ws_t.net);
    return 0;
}

int ws_enter(void)
{
    int e = ws_enter_quiet();
    if (e)
        return e;
    if (!ws_link_up()) {           /* A6.3 */
        ws_leave();
        return VG_WSAENETDOWN;
    }
    return 0;
}

int ws_enter_sock(vg_socket_t s, struct ws_sock **out)
{
    int e = ws_enter();
    if (e)
        return e;
    *out = ws_sock_find(s);
    if (!*out) {                   /* A6.4 */
        ws_leave();
        return VG_WSAENOTSOCK;
    }
    return 0;
}

void ws_leave(void)
{
    ws_t.in_call = 0;
    if (!ws_t.net->closed)
        ws_net_leave(ws_t.net);
    ws_net_exit();
}

int ws_ended_error(struct ws_sock *so, uint32_t epoch0)
{
    int cause = so->tcb ? vg_tcp_error(so->tcb) : 0;
    if (!cause || so->connect_failed)  /* a failed connect was reported by connect/SO_ERROR */
        return VG_WSAENOTCONN;
    if (so->abort_epoch != epoch0 ||
        (cause != VG_ERR_NETRESET && !so->end_reported)) {
        /* Dropped while this call was in progress (A13), or the first call to hear of a drop
         * that is not keep-alive's: the cause goes to this call, not to a later SO_ERROR. */
        so->end_reported = 1;
        so->so_error = 0;
        return ws_err_from_vg(cause);
    }
    return VG_WSAENOTCONN;
}

void ws_settle_connect(struct ws_sock *so)
{
    if (!so->connecting || !so->tcb)
        return;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    if (st == VG_TCP_SYN_SENT || st == VG_TCP_SYN_RECEIVED)
        return;
    so->connecting = 0;
    if (st == VG_TCP_CLOSED) {
        so->connect_failed = 1;
        if (!so->so_error)
            so->so_error = ws_err_from_vg(vg_tcp_error(so->tcb) ? vg_tcp_error(so->tcb)
                                                                 : VG_ERR_CONNREFUSED);
    }
}

vg_time ws_deadline_ms(uint32_t ms)
{
    if (ms == 0)
        return VG_TIME_NEVER;
    return ws_now(ws_t.net) + VG_MS(ms);
}
