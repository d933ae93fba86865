/* Overlapped operations (see ws_overlapped.h): the per-socket record and its watch, the one
 * place a completion is delivered (port, routine or event), and the status codes Windows keeps
 * in OVERLAPPED.Internal. */
#include <stdlib.h>

#include "api/ws_overlapped.h"

/* ---- NTSTATUS values Windows stores for the errors an overlapped socket call completes with,
 * and the Win32 error GetQueuedCompletionStatus makes of each (RtlNtStatusToDosError). */
static const struct {
    int wsa;
    uint32_t ntstatus;
    int win32;
} statuses[] = {
    {VG_WSA_OPERATION_ABORTED, 0xC0000120u, 995},   /* STATUS_CANCELLED, ERROR_OPERATION_ABORTED */
    {VG_WSAECONNRESET, 0xC000020Du, 64},            /* STATUS_CONNECTION_RESET, ERROR_NETNAME_DELETED */
    {VG_WSAECONNREFUSED, 0xC0000236u, 1225},        /* STATUS_CONNECTION_REFUSED, ERROR_CONNECTION_REFUSED */
    {VG_WSAETIMEDOUT, 0xC00000B5u, 121},            /* STATUS_IO_TIMEOUT, ERROR_SEM_TIMEOUT */
    {VG_WSAECONNABORTED, 0xC0000241u, 1236},        /* STATUS_CONNECTION_ABORTED, ERROR_CONNECTION_ABORTED */
    {VG_WSAENETUNREACH, 0xC000023Cu, 1231},         /* STATUS_NETWORK_UNREACHABLE */
    {VG_WSAEHOSTUNREACH, 0xC000023Du, 1232},        /* STATUS_HOST_UNREACHABLE */
};
/* Errors with no NTSTATUS of their own (WSAENETRESET among them) are kept as a customer code
 * (severity error, customer bit) that carries the WSA error itself. */
#define WS_STATUS_CUSTOM 0xE0000000u

uint32_t ws_ntstatus_of(int wsa)
{
    if (wsa == 0)
        return 0;
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].wsa == wsa)
            return statuses[i].ntstatus;
    return WS_STATUS_CUSTOM | (uint32_t)wsa;
}

int ws_wsa_of_ntstatus(uint32_t st)
{
    if (st == 0)
        return 0;
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].ntstatus == st)
            return statuses[i].wsa;
    if ((st & 0xFFFF0000u) == WS_STATUS_CUSTOM)
        return (int)(st & 0xFFFFu);
    return VG_WSAEINVAL;
}

int ws_win32_of_ntstatus(uint32_t st)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].ntstatus == st)
            return statuses[i].win32;
    return ws_wsa_of_ntstatus(st);
}

/* ---- The per-socket record. */
static void ovl_fn(struct ws_watch *w, struct ws_sock *so, const struct vg_event *ev);
static void ovl_run(struct ws_watch *w, struct ws_sock *so);

struct ws_ovl *ws_ovl_find(struct ws_sock *so)
{
    for (struct ws_watch *w = so->watches; w; w = w->next)
        if (w->fn == ovl_fn)
            return (struct ws_ovl *)w;    /* the watch is the record's first member */
    return NULL;
}

struct ws_ovl *ws_ovl_of(struct ws_sock *so)
{
    struct ws_ovl *o = ws_ovl_find(so);
    if (o)
        return o;
    o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->watch.fn = ovl_fn;
    o->watch.run = ovl_run;
    for (int k = 0; k < WS_OP_KINDS; k++)
        o->tail[k] = &o->head[k];
    ws_watch_add(so, &o->watch);
    return o;
}

struct ws_op *ws_op_new(struct ws_sock *so, enum ws_op_kind kind, struct vg_wsaoverlapped *ov,
                        vg_wsa_completion_fn routine)
{
    struct ws_op *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    struct ws_ovl *o = ws_ovl_find(so);
    op->kind = kind;
    op->ov = ov;
    op->routine = routine;
    op->apcq = ws_apc_self();
    op->port = o ? o->port : NULL;
    op->key = o ? o->key : 0;
    op->epoch0 = so->abort_epoch;
    if (ov) {
        ov->Internal = WS_STATUS_PENDING;
        ov->InternalHigh = 0;
    }
    return op;
}

size_t ws_ovl_dgram_waiting;

int ws_ovl_poll_dgram(void)
{
    if (!ws_ovl_dgram_waiting)
        return 0;
    size_t before = ws_ovl_dgram_waiting;
    for (size_t i = 0; i < ws_table_cap() && ws_ovl_dgram_waiting; i++) {
        struct ws_sock *so = ws_sock_at(i);
        if (so && so->udp && vg_udp_has_datagram(so->udp))
            ws_ovl_progress(so);
    }
    return ws_ovl_dgram_waiting != before;
}

void ws_op_queue(struct ws_sock *so, struct ws_ovl *o, struct ws_op *op)
{
    if (so->udp && op->kind == WS_OP_RECV && !op->dgram_wait) {
        op->dgram_wait = 1;
        ws_ovl_dgram_waiting++;
    }
    op->next = NULL;
    *o->tail[op->kind] = op;
    o->tail[op->kind] = &op->next;
}

struct routine_call {
    vg_wsa_completion_fn fn;
    uint32_t err, bytes, flags;
    struct vg_wsaoverlapped *ov;
};

static void call_routine(void *arg)
{
    struct routine_call *c = arg;
    c->fn(c->err, c->bytes, c->ov, c->flags);
    free(c);
}

void ws_op_complete(struct ws_op *op, int err, uint32_t bytes, uint32_t flags)
{
    struct vg_wsaoverlapped *ov = op->ov;
    uint32_t status = ws_ntstatus_of(err);
    if (ov) {
        ov->InternalHigh = bytes;
        ov->Offset = flags;       /* where WSAGetOverlappedResult finds the flags */
        ov->Internal = status;
    }
    /* A port gets every completion of its sockets' operations, unless the program set the low
     * bit of hEvent to keep this one off it (Windows' rule); the event is still signalled. */
    int to_port = op->port && !(ov && ((uintptr_t)ov->hEvent & 1u));
    if (to_port) {
        ws_port_post(op->port, op->key, bytes, ov, status);
    } else if (op->routine) {
        struct routine_call *c = malloc(sizeof *c);
        if (c) {
            *c = (struct routine_call){op->routine, (uint32_t)err, bytes, flags, ov};
            if (ws_apc_post(op->apcq, call_routine, c) != 0)
                free(c);
        }
    }
    /* With a routine, hEvent is the program's to use (Windows ignores it). */
    if (ov && ov->hEvent && !op->routine) {
        struct ws_event *e = ws_event_get((void *)((uintptr_t)ov->hEvent & ~(uintptr_t)1));
        if (e)
            ws_event_set(e);
    }
    if (op->dgram_wait)
        ws_ovl_dgram_waiting--;
    free(op->bufs);
    free(op);
    /* WSAGetOverlappedResult(..., TRUE) waits on the socket or the event. */
    if (ws_t.net)
        ws_kick(ws_t.net);
}

/* Moves the pending operations forward: each kind's queue in order, as far as its oldest
 * operation completes. */
void ws_ovl_progress(struct ws_sock *so)
{
    struct ws_ovl *o = ws_ovl_find(so);
    if (!o)
        return;
    for (int k = 0; k < WS_OP_KINDS; k++) {
        while (o->head[k]) {
            struct ws_op *op = o->head[k];
            /* Off the queue while it is tried: ws_op_try frees a completed operation, and an
             * AcceptEx waiting for its first data moves to the accept socket's queue. */
            o->head[k] = op->next;
            if (!o->head[k])
                o->tail[k] = &o->head[k];
            int accepted_before = op->accepted;
            if (ws_op_try(so, op))
                continue;
            if (op->accepted && !accepted_before)
                continue;
            op->next = o->head[k];
            o->head[k] = op;
            if (!op->next)
                o->tail[k] = &op->next;
            break;
        }
    }
}

int ws_ovl_has_pending(const struct ws_ovl *o, enum ws_op_kind kind) { return o->head[kind] != NULL; }

static void abort_all(struct ws_ovl *o)
{
    for (int k = 0; k < WS_OP_KINDS; k++) {
        while (o->head[k]) {
            struct ws_op *op = o->head[k];
            o->head[k] = op->next;
            ws_op_complete(op, VG_WSA_OPERATION_ABORTED, op->done, 0);
        }
        o->tail[k] = &o->head[k];
    }
}

static void ovl_fn(struct ws_watch *w, struct ws_sock *so, const struct vg_event *ev)
{
    (void)ev;
    struct ws_ovl *o = (struct ws_ovl *)w;
    if (so->closing) {
        /* closesocket (or WSACleanup): what is pending ends WSA_OPERATION_ABORTED. */
        abort_all(o);
        ws_watch_remove(so, w);
        free(o);
        return;
    }
    for (int k = 0; k < WS_OP_KINDS; k++)
        if (o->head[k]) {
            ws_watch_defer(so, w);
            return;
        }
}

static void ovl_run(struct ws_watch *w, struct ws_sock *so)
{
    (void)w;
    ws_ovl_progress(so);
}
