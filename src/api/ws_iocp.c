/* I/O completion ports: CreateIoCompletionPort, GetQueuedCompletionStatus(Ex),
 * PostQueuedCompletionStatus and CloseHandle. A port is a FIFO of completion packets behind a
 * HANDLE (WS_H_PORT) with a wait queue; overlapped operations of an associated socket post to it
 * through ws_op_complete. NumberOfConcurrentThreads is kept but does not limit anything: every
 * waiting thread may take a packet. */
#include <stdlib.h>

#include "api/ws_overlapped.h"

#define WS_ERROR_INVALID_HANDLE 6
#define WS_ERROR_NOT_ENOUGH_MEMORY 8
#define WS_ERROR_INVALID_PARAMETER 87

struct packet {
    uintptr_t key;
    uint32_t bytes;
    uint32_t status;
    struct vg_wsaoverlapped *ov;
    struct packet *next;
};

struct ws_port {
    struct packet *head, **tail;
    uint32_t nthreads;
    struct ws_waitq waitq;
};

static struct ws_port *port_get(void *h) { return ws_handle_get(h, WS_H_PORT); }

static void port_destroy(void *obj)
{
    struct ws_port *p = obj;
    while (p->head) {
        struct packet *k = p->head;
        p->head = k->next;
        free(k);
    }
    /* Waiters still registered on it are detached before its memory goes (ws_wait.c). */
    ws_waitq_close(&p->waitq);
    free(p);
}

int ws_port_post(void *port, uintptr_t key, uint32_t bytes, struct vg_wsaoverlapped *ov,
                 uint32_t status)
{
    struct ws_port *p = port_get(port);
    if (!p)
        return -1;                /* closed meanwhile: the packet has nowhere to go */
    struct packet *k = malloc(sizeof *k);
    if (!k)
        return -1;
    *k = (struct packet){.key = key, .bytes = bytes, .status = status, .ov = ov};
    *p->tail = k;
    p->tail = &k->next;
    ws_waitq_wake(&p->waitq);
    return 0;
}

static void *new_port(uint32_t nthreads)
{
    struct ws_port *p = calloc(1, sizeof *p);
    void *h = p ? ws_handle_new(WS_H_PORT, p, port_destroy) : NULL;
    if (!h) {
        free(p);
        return NULL;
    }
    p->tail = &p->head;
    p->nthreads = nthreads;
    return h;
}

vg_ws_handle_t vg_ws_create_io_completion_port(vg_ws_handle_t file, vg_ws_handle_t existing,
                                               uintptr_t key, uint32_t nthreads)
{
    int e = ws_enter_quiet();
    if (e) {
        ws_fail(e);
        return NULL;
    }
    void *h = NULL;
    if (file == VG_INVALID_HANDLE_VALUE) {
        if (existing)
            e = WS_ERROR_INVALID_PARAMETER;
        else if (!(h = new_port(nthreads)))
            e = WS_ERROR_NOT_ENOUGH_MEMORY;
        ws_leave();
        if (e)
            ws_fail(e);
        return h;
    }
    struct ws_sock *so = ws_sock_find((vg_socket_t)(uintptr_t)file);
    struct ws_ovl *o = so ? ws_ovl_of(so) : NULL;
    if (!so || (existing && !port_get(existing)))
        e = WS_ERROR_INVALID_HANDLE;
    else if (!o)
        e = WS_ERROR_NOT_ENOUGH_MEMORY;
    else if (o->port && port_get(o->port))
        e = WS_ERROR_INVALID_PARAMETER;   /* a handle is associated with one port for good */
    else if (existing)
        h = existing;
    else if (!(h = new_port(nthreads)))
        e = WS_ERROR_NOT_ENOUGH_MEMORY;
    if (!e) {
        o->port = h;
        o->key = key;
    }
    ws_leave();
    if (e)
        ws_fail(e);
    return h;
}

static int port_ready(void *ctx)
{
    ws_ovl_poll_dgram();
    struct ws_port *p = port_get(ctx);
    return !p || p->head;
}

/* Waits for a packet (lock held); 0, or the Win32 error for the program. */
static int wait_packet(void *h, uint32_t ms, int alertable)
{
    struct ws_port *p = port_get(h);
    if (!p)
        return WS_ERROR_INVALID_HANDLE;
    if (!p->head) {
        vg_time deadline = ms == VG_WS_INFINITE ? VG_TIME_NEVER
                           : ms == 0            ? ws_now(ws_t.net)
                                                : ws_deadline_ms(ms);
        struct ws_waitq *qs[2] = {&p->waitq, ws_apc_waitq(ws_apc_self())};
        int r = ws_wait_on(port_ready, h, deadline, qs, 2, alertable);
        if (r == WS_WAIT_APC)
            return VG_WS_WAIT_IO_COMPLETION;
        p = port_get(h);
        if (!p)
            return VG_WS_ERROR_ABANDONED_WAIT_0;   /* CloseHandle while we waited */
        if (!p->head)
            return r == VG_WSAENETDOWN || r == VG_WSAEINTR ? r : VG_WS_WAIT_TIMEOUT;
    }
    return 0;
}

static struct packet *take(void *h)
{
    struct ws_port *p = port_get(h);
    struct packet *k = p->head;
    p->head = k->next;
    if (!p->head)
        p->tail = &p->head;
    return k;
}

int vg_ws_get_queued_completion_status(vg_ws_handle_t port, uint32_t *bytes, uintptr_t *key,
                                       struct vg_wsaoverlapped **ov, uint32_t ms)
{
    int e = ws_enter_quiet();
    if (e)
        return ws_fail(e), 0;
    if (!bytes || !key || !ov) {
        ws_leave();
        return ws_fail(WS_ERROR_INVALID_PARAMETER), 0;
    }
    e = wait_packet(port, ms, 0);
    if (e) {
        *ov = NULL;
        ws_leave();
        return ws_fail(e), 0;
    }
    struct packet *k = take(port);
    *bytes = k->bytes;
    *key = k->key;
    *ov = k->ov;
    uint32_t status = k->status;
    free(k);
    ws_leave();
    if (status)
        return ws_fail(ws_win32_of_ntstatus(status)), 0;
    return 1;
}

int vg_ws_get_queued_completion_status_ex(vg_ws_handle_t port, struct vg_overlapped_entry *entries,
                                          uint32_t count, uint32_t *removed, uint32_t ms,
                                          int alertable)
{
    int e = ws_enter_quiet();
    if (e)
        return ws_fail(e), 0;
    if (!entries || !count || !removed) {
        ws_leave();
        return ws_fail(WS_ERROR_INVALID_PARAMETER), 0;
    }
    *removed = 0;
    e = wait_packet(port, ms, alertable);
    if (e) {
        ws_leave();
        return ws_fail(e), 0;
    }
    uint32_t n = 0;
    while (n < count && port_get(port)->head) {
        struct packet *k = take(port);
        entries[n++] = (struct vg_overlapped_entry){.lpCompletionKey = k->key,
                                                    .lpOverlapped = k->ov,
                                                    .Internal = k->status,
                                                    .dwNumberOfBytesTransferred = k->bytes};
        free(k);
    }
    *removed = n;
    ws_leave();
    return 1;
}

int vg_ws_post_queued_completion_status(vg_ws_handle_t port, uint32_t bytes, uintptr_t key,
                                        struct vg_wsaoverlapped *ov)
{
    int e = ws_enter_quiet();
    if (e)
        return ws_fail(e), 0;
    if (!port_get(port))
        e = WS_ERROR_INVALID_HANDLE;
    else if (ws_port_post(port, key, bytes, ov, 0) != 0)
        e = WS_ERROR_NOT_ENOUGH_MEMORY;
    ws_leave();
    if (e)
        return ws_fail(e), 0;
    return 1;
}

int vg_ws_close_handle(vg_ws_handle_t h)
{
    int e = ws_enter_quiet();
    if (e)
        return ws_fail(e), 0;
    struct ws_port *p = port_get(h);
    struct ws_event *ev = p ? NULL : ws_event_get(h);
    if (p) {
        ws_handle_free(h);
        port_destroy(p);              /* its waiters return ERROR_ABANDONED_WAIT_0 */
    } else if (ev) {
        ws_handle_free(h);
        ws_waitq_close(&ev->waitq);
        free(ev);
    } else {
        e = WS_ERROR_INVALID_HANDLE;
    }
    ws_leave();
    if (e)
        return ws_fail(e), 0;
    return 1;
}
