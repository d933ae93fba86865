/* Scatter/gather and overlapped data calls: WSASocket, WSASend, WSARecv, WSASendTo, WSARecvFrom,
 * WSAGetOverlappedResult and SleepEx. Each data call is one step function (move what can be
 * moved now, or say it must wait) used three ways: at once for a non-overlapped call (which
 * then blocks as send/recv do), at issue for an overlapped one, and by the socket's watch for a
 * pending one (ws_op_try). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/ws_overlapped.h"

#define WS_STEP_WAIT (-1)

static uint64_t total_len(const struct ws_op *op)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < op->nbufs; i++)
        n += op->bufs[i].len;
    return n;
}

/* The buffer and offset byte `at` of the array falls in; 0 when at is past the end. */
static int locate(const struct ws_op *op, uint32_t at, uint32_t *idx, uint32_t *off)
{
    for (uint32_t i = 0; i < op->nbufs; i++) {
        if (at < op->bufs[i].len) {
            *idx = i;
            *off = at;
            return 1;
        }
        at -= op->bufs[i].len;
    }
    return 0;
}

/* ---- Steps: WS_STEP_WAIT, or the WSA error (0: done) with *bytes moved in all. */
/* MSG_PEEK: what is there, scattered over the buffers, left in the receive buffer. */
static int step_peek_stream(struct ws_sock *so, struct ws_op *op, uint32_t *bytes)
{
    size_t total = 0;
    for (uint32_t i = 0; i < op->nbufs; i++)
        total += op->bufs[i].len;
    char *tmp = malloc(total ? total : 1);
    if (!tmp)
        return VG_WSAENOBUFS;
    long n = vg_tcp_peek(so->tcb, tmp, total);
    if (n == -VG_ERR_WOULDBLOCK) {
        free(tmp);
        return WS_STEP_WAIT;
    }
    if (n < 0) {
        free(tmp);
        *bytes = 0;
        return ws_ended_error(so, op->epoch0);
    }
    size_t copied = 0;
    for (uint32_t i = 0; i < op->nbufs && copied < (size_t)n; i++) {
        size_t k = op->bufs[i].len < (size_t)n - copied ? op->bufs[i].len : (size_t)n - copied;
        memcpy(op->bufs[i].buf, tmp + copied, k);
        copied += k;
    }
    free(tmp);
    op->done = (uint32_t)n;
    *bytes = op->done;
    return 0;
}

static int step_recv_stream(struct ws_sock *so, struct ws_op *op, uint32_t *bytes)
{
    if (op->flags & VG_WS_MSG_PEEK)
        return step_peek_stream(so, op, bytes);
    uint32_t i, off;
    while (locate(op, op->done, &i, &off)) {
        long n = vg_tcp_recv(so->tcb, op->bufs[i].buf + off, op->bufs[i].len - off,
                             ws_now(ws_t.net));
        if (n > 0) {
            op->done += (uint32_t)n;
            continue;
        }
        if (n == 0)
            break;                /* end of stream: what came is the result */
        if (n != -VG_ERR_WOULDBLOCK) {
            if (op->done)
                break;
            *bytes = 0;
            return ws_ended_error(so, op->epoch0);
        }
        if (op->done && !(op->flags & VG_WS_MSG_WAITALL))
            break;
        return WS_STEP_WAIT;
    }
    *bytes = op->done;
    return 0;
}

/* Copies up to max bytes of the array from byte `at` on into dst; how many. */
static uint32_t gather(const struct ws_op *op, uint32_t at, char *dst, uint32_t max)
{
    uint32_t i, off, n = 0;
    while (n < max && locate(op, at + n, &i, &off)) {
        uint32_t k = op->bufs[i].len - off;
        if (k > max - n)
            k = max - n;
        memcpy(dst + n, op->bufs[i].buf + off, k);
        n += k;
    }
    return n;
}

/* The array goes to the stack as one piece (as far as the send buffer has room), so that its
 * buffers leave in one segment as one send() would send them, not one segment each. */
static int step_send_stream(struct ws_sock *so, struct ws_op *op, uint32_t *bytes)
{
    uint64_t total = total_len(op);
    while (op->done < total) {
        if (vg_tcp_state(so->tcb) == VG_TCP_CLOSED)
            return *bytes = op->done, ws_ended_error(so, op->epoch0);
        size_t room = vg_tcp_writable(so->tcb);
        uint64_t left = total - op->done;
        uint32_t chunk = (uint32_t)(left < room ? left : room);
        if (chunk == 0)
            chunk = 1;            /* let the stack say why there is no room */
        char *tmp = malloc(chunk);
        if (!tmp)
            return *bytes = op->done, VG_WSAENOBUFS;
        chunk = gather(op, op->done, tmp, chunk);
        long n = vg_tcp_send(so->tcb, tmp, chunk, ws_now(ws_t.net));
        free(tmp);
        if (n > 0) {
            op->done += (uint32_t)n;
            continue;
        }
        if (n == 0 || n == -VG_ERR_WOULDBLOCK)
            return WS_STEP_WAIT;
        *bytes = op->done;
        if (n == -VG_ERR_SHUTDOWN)
            return VG_WSAESHUTDOWN;
        if (n == -VG_ERR_NOBUFS)
            return VG_WSAENOBUFS;
        return ws_ended_error(so, op->epoch0);
    }
    *bytes = op->done;
    return 0;
}

static int step_recv_dgram(struct ws_sock *so, struct ws_op *op, uint32_t *bytes)
{
    if (!vg_udp_has_datagram(so->udp))
        return WS_STEP_WAIT;
    size_t whole = vg_udp_pending(so->udp);
    char *tmp = malloc(whole ? whole : 1);
    if (!tmp)
        return VG_WSAENOBUFS;
    vg_addr raddr;
    uint16_t rport;
    long n = vg_udp_recvfrom_addr(so->udp, tmp, whole, &raddr, &rport);
    if (n < 0) {
        free(tmp);
        return ws_err_from_vg((int)n);
    }
    uint32_t copied = 0;
    for (uint32_t i = 0; i < op->nbufs && copied < (uint32_t)n; i++) {
        uint32_t k = op->bufs[i].len;
        if (k > (uint32_t)n - copied)
            k = (uint32_t)n - copied;
        memcpy(op->bufs[i].buf, tmp + copied, k);
        copied += k;
    }
    free(tmp);
    if (op->from)
        ws_sockaddr_write(so->family, op->from, op->fromlen, &raddr, rport);
    *bytes = copied;
    return copied < (uint32_t)n ? VG_WSAEMSGSIZE : 0;   /* the rest of the datagram is lost */
}

static int step_send_dgram(struct ws_sock *so, struct ws_op *op, uint32_t *bytes)
{
    uint64_t len = total_len(op);
    char *tmp = malloc(len ? (size_t)len : 1);
    if (!tmp)
        return VG_WSAENOBUFS;
    gather(op, 0, tmp, (uint32_t)len);
    vg_addr raddr;
    uint16_t rport = 0;
    int e = op->from ? ws_dgram_target(so, op->from, *op->fromlen, &raddr, &rport) : 0;
    if (e) {                      /* checked when the call was made (data_call) */
        free(tmp);
        return e;
    }
    long n = vg_udp_sendto_addr(so->udp, tmp, (size_t)len, op->from ? &raddr : NULL, rport,
                                ws_now(ws_t.net));
    free(tmp);
    *bytes = n > 0 ? (uint32_t)n : 0;
    if (n == -VG_ERR_NOTCONN)
        return op->from ? VG_WSAEDESTADDRREQ : VG_WSAENOTCONN;
    return n < 0 ? ws_err_from_vg((int)n) : 0;
}

static int step(struct ws_sock *so, struct ws_op *op, uint32_t *bytes)
{
    if (op->kind == WS_OP_RECV)
        return so->tcb ? step_recv_stream(so, op, bytes) : step_recv_dgram(so, op, bytes);
    return so->tcb ? step_send_stream(so, op, bytes) : step_send_dgram(so, op, bytes);
}

int ws_op_try(struct ws_sock *so, struct ws_op *op)
{
    if (op->kind == WS_OP_ACCEPT)
        return ws_op_try_accept(so, op);
    if (op->kind == WS_OP_CONNECT)
        return ws_op_try_connect(so, op);
    uint32_t bytes = 0;
    int e = step(so, op, &bytes);
    if (e == WS_STEP_WAIT)
        return 0;
    ws_op_complete(op, e, bytes, 0);
    return 1;
}

/* ---- The calls. */
/* lpProtocolInfo names an entry of the protocol catalogue, which vigil does not have: only
 * NULL is taken, as are group 0 and any flags (every socket here takes overlapped calls). */
static vg_socket_t wsasocket(int af, int type, int protocol, const void *protocol_info,
                             unsigned int group)
{
    if (protocol_info || group) {
        int e = ws_enter();
        if (e) {
            ws_fail(e);
            return VG_INVALID_SOCKET;
        }
        ws_leave();
        ws_fail(VG_WSAEINVAL);
        return VG_INVALID_SOCKET;
    }
    return vg_ws_socket(af, type, protocol);
}

vg_socket_t vg_ws_wsasocket(int af, int type, int protocol,
                            struct vg_wsaprotocol_infoa *protocol_info, unsigned int group,
                            uint32_t flags)
{
    (void)flags;
    return wsasocket(af, type, protocol, protocol_info, group);
}

vg_socket_t vg_ws_wsasocketw(int af, int type, int protocol,
                             struct vg_wsaprotocol_infow *protocol_info, unsigned int group,
                             uint32_t flags)
{
    (void)flags;
    return wsasocket(af, type, protocol, protocol_info, group);
}

/* The checks every data call makes before moving anything, in Windows' order. */
static int precheck(struct ws_sock *so, const struct vg_wsabuf *bufs, uint32_t nbufs,
                    const void *count, const void *flagsp, int is_recv, uint32_t flags,
                    struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done)
{
    if (!bufs && nbufs)
        return VG_WSAEFAULT;
    if (is_recv && !flagsp)
        return VG_WSAEFAULT;
    if (!count && !ov && !done)   /* lpNumberOf... may be NULL only for an overlapped call */
        return VG_WSAEFAULT;
    for (uint32_t i = 0; i < nbufs; i++)
        if (!bufs[i].buf && bufs[i].len)
            return VG_WSAEFAULT;
    if (!nbufs)
        return VG_WSAEINVAL;
    uint32_t allowed = so->tcb ? (is_recv ? VG_WS_MSG_PARTIAL | VG_WS_MSG_WAITALL | VG_WS_MSG_PEEK
                                          : VG_WS_MSG_DONTROUTE | VG_WS_MSG_PARTIAL)
                               : (is_recv ? VG_WS_MSG_PARTIAL : VG_WS_MSG_DONTROUTE);
    if (flags & ~allowed)
        return VG_WSAEOPNOTSUPP;  /* MSG_OOB, and MSG_PEEK on datagrams, are not provided */
    if (so->tcb) {
        ws_settle_connect(so);
        enum vg_tcp_state st = vg_tcp_state(so->tcb);
        if (st == VG_TCP_LISTEN || st == VG_TCP_SYN_SENT || st == VG_TCP_SYN_RECEIVED ||
            (st == VG_TCP_CLOSED && !vg_tcp_error(so->tcb)))
            return VG_WSAENOTCONN;
    } else if (is_recv) {
        uint16_t lport;
        vg_udp_endpoints(so->udp, NULL, &lport, NULL, NULL);
        if (!lport)
            return VG_WSAEINVAL;  /* bind (or send) first */
    }
    if (is_recv ? so->shut_recv : so->shut_send)
        return VG_WSAESHUTDOWN;
    return 0;
}

static int ready_for(void *ctx)
{
    struct ws_op *op = ctx;
    struct ws_sock *so = ws_sock_find(op->sock);
    if (!so)
        return 1;
    if (so->udp)
        return op->kind == WS_OP_RECV ? vg_udp_has_datagram(so->udp) : 1;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    if (op->kind == WS_OP_RECV)
        return vg_tcp_readable(so->tcb) > 0 || vg_tcp_eof(so->tcb) || st == VG_TCP_CLOSED;
    return vg_tcp_writable(so->tcb) > 0 || (st != VG_TCP_ESTABLISHED && st != VG_TCP_CLOSE_WAIT);
}

/* A non-overlapped call: send/recv semantics (non-blocking sockets WSAEWOULDBLOCK, blocking ones
 * wait, with SO_RCVTIMEO/SO_SNDTIMEO). */
static int run_sync(vg_socket_t s, struct ws_sock *so, struct ws_op *op, uint32_t *bytes)
{
    op->sock = s;
    for (;;) {
        int e = step(so, op, bytes);
        if (e != WS_STEP_WAIT)
            return e;
        if (so->nonblocking) {
            if (op->done) {       /* a partial send on a non-blocking socket */
                *bytes = op->done;
                return 0;
            }
            return VG_WSAEWOULDBLOCK;
        }
        /* A connection's readiness and a datagram's arrival both wake the socket's queue. */
        vg_time dl = ws_deadline_ms(op->kind == WS_OP_RECV ? so->rcvtimeo_ms : so->sndtimeo_ms);
        e = ws_wait_sock(so, ready_for, op, dl);
        so = ws_sock_find(s);
        if (!so)
            return VG_WSAEINTR;
        if (e) {
            *bytes = op->done;
            return op->done && e != VG_WSAEINTR ? 0 : e;
        }
    }
}

static int data_call(vg_socket_t s, enum ws_op_kind kind, struct vg_wsabuf *bufs, uint32_t nbufs,
                     uint32_t *count, uint32_t *flagsp, uint32_t flags, struct vg_sockaddr *addr,
                     int *addrlen, struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    ws_ovl_poll_dgram();
    int is_recv = kind == WS_OP_RECV;
    if (is_recv && flagsp)
        flags = *flagsp;
    e = precheck(so, bufs, nbufs, count, flagsp, is_recv, flags, ov, done);
    if (!e && !is_recv && so->udp && addr) {
        vg_addr raddr;
        uint16_t rport;
        e = ws_dgram_target(so, addr, *addrlen, &raddr, &rport);
    }
    if (!e && is_recv && addr && so->udp && (!addrlen || *addrlen < ws_sockaddr_len(so->family)))
        e = VG_WSAEFAULT;
    struct ws_op *op = NULL;
    if (!e) {
        op = ws_op_new(so, kind, ov, done);
        struct vg_wsabuf *copy = malloc(nbufs * sizeof *copy);
        if (!op || !copy) {
            free(op);
            free(copy);
            e = VG_WSAENOBUFS;
        } else {
            memcpy(copy, bufs, nbufs * sizeof *copy);
            op->bufs = copy;
            op->nbufs = nbufs;
            op->flags = flags;
            if (so->udp) {        /* a stream socket ignores the address, as sendto does */
                op->from = addr;
                op->fromlen = addrlen;
            }
        }
    }
    if (e) {
        ws_leave();
        return ws_fail(e);
    }
    uint32_t bytes = 0;
    if (!ov && !done) {
        e = run_sync(s, so, op, &bytes);
        free(op->bufs);
        free(op);
        ws_leave();
        if (e)
            return ws_fail(e);
        if (count)
            *count = bytes;
        if (flagsp)
            *flagsp = 0;
        return 0;
    }
    /* Overlapped: what can complete now completes now (and is still delivered); the rest waits
     * on the socket's watch. Only a receive waits behind earlier pending ones. */
    struct ws_ovl *o = ws_ovl_of(so);
    if (!o) {
        free(op->bufs);
        free(op);
        ws_leave();
        return ws_fail(VG_WSAENOBUFS);
    }
    e = ws_ovl_has_pending(o, kind) ? WS_STEP_WAIT : step(so, op, &bytes);
    if (e == WS_STEP_WAIT) {
        ws_op_queue(so, o, op);
        ws_leave();
        return ws_fail(VG_WSA_IO_PENDING);
    }
    if (e) {
        /* Failed at once: reported by the call, not as a completion. */
        ov->Internal = ws_ntstatus_of(e);
        free(op->bufs);
        free(op);
        ws_leave();
        return ws_fail(e);
    }
    if (count)
        *count = bytes;
    if (flagsp)
        *flagsp = 0;
    ws_op_complete(op, 0, bytes, 0);
    ws_leave();
    return 0;
}

int vg_ws_wsasend(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs, uint32_t *sent,
                  uint32_t flags, struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done)
{
    return data_call(s, WS_OP_SEND, bufs, nbufs, sent, NULL, flags, NULL, NULL, ov, done);
}

int vg_ws_wsarecv(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs, uint32_t *recvd,
                  uint32_t *flags, struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done)
{
    return data_call(s, WS_OP_RECV, bufs, nbufs, recvd, flags, 0, NULL, NULL, ov, done);
}

int vg_ws_wsasendto(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs, uint32_t *sent,
                    uint32_t flags, const struct vg_sockaddr *to, int tolen,
                    struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done)
{
    /* The step only reads the address; the cast keeps one record for both directions. */
    int len = tolen;
    return data_call(s, WS_OP_SEND, bufs, nbufs, sent, NULL, flags, (struct vg_sockaddr *)to,
                     to ? &len : NULL, ov, done);
}

int vg_ws_wsarecvfrom(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs, uint32_t *recvd,
                      uint32_t *flags, struct vg_sockaddr *from, int *fromlen,
                      struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done)
{
    return data_call(s, WS_OP_RECV, bufs, nbufs, recvd, flags, 0, from, fromlen, ov, done);
}

static int ov_done(void *ctx)
{
    const struct vg_wsaoverlapped *ov = ctx;
    ws_ovl_poll_dgram();
    return ov->Internal != WS_STATUS_PENDING;
}

/* SleepEx's wait while datagram receives are pending: ends when one completed, so that an APC
 * it queued is delivered. */
static int dgram_completed(void *ctx)
{
    (void)ctx;
    return ws_ovl_poll_dgram();
}

int vg_ws_get_overlapped_result(vg_socket_t s, struct vg_wsaoverlapped *ov, uint32_t *transferred,
                                int wait, uint32_t *flags)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e) {
        ws_fail(e);
        return 0;
    }
    if (!ov || !transferred || !flags)
        e = VG_WSAEFAULT;
    else if (ov->Internal == WS_STATUS_PENDING && !wait)
        e = VG_WSA_IO_INCOMPLETE;
    else if (ov->Internal == WS_STATUS_PENDING)
        e = ws_wait_on(ov_done, ov, VG_TIME_NEVER, NULL, 0, 0);
    if (!e) {
        *transferred = (uint32_t)ov->InternalHigh;
        *flags = ov->Offset;
        e = ws_wsa_of_ntstatus((uint32_t)ov->Internal);
    }
    ws_leave();
    if (e) {
        ws_fail(e);
        return 0;
    }
    return 1;
}

uint32_t vg_ws_sleep_ex(uint32_t ms, int alertable)
{
    if (ws_enter_quiet() != 0) {
        /* No network (or called from a hook): an ordinary sleep; no APC can be queued then. */
        struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        return 0;
    }
    vg_time deadline = ms == VG_WS_INFINITE ? VG_TIME_NEVER
                       : ms == 0            ? ws_now(ws_t.net)
                                            : ws_deadline_ms(ms);
    struct ws_waitq *q = ws_apc_waitq(ws_apc_self());
    for (;;) {
        int r = ws_wait_on(ws_ovl_dgram_waiting ? dgram_completed : ws_never_ready, NULL, deadline,
                           &q, 1, alertable);
        if (r == 0 && alertable && ws_apc_pending()) {
            ws_apc_run();
            r = WS_WAIT_APC;
        }
        if (r != 0 || deadline == ws_now(ws_t.net) || !ws_t.net) {
            ws_leave();
            return r == WS_WAIT_APC ? VG_WS_WAIT_IO_COMPLETION : 0;
        }
    }
}
