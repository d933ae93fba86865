/* Event selection: WSAEventSelect and WSAEnumNetworkEvents, as the WSAEventSelect documentation
 * describes them (learn.microsoft.com, nf-winsock2-wsaeventselect):
 *   - the call makes the socket non-blocking, cancels the previous selection and clears the
 *     record; lNetworkEvents 0 only cancels;
 *   - a network event is recorded once, and its recording is enabled again by the call that
 *     consumes it: FD_READ by recv/recvfrom, FD_WRITE by a send that would block, FD_ACCEPT by
 *     accept; FD_CONNECT and FD_CLOSE are recorded once only;
 *   - what is already true when the selection is made or a recording re-enabled is recorded at
 *     once (data waiting, room to send, a connection to accept);
 *   - FD_CLOSE for a graceful close comes once the data before the peer's FIN has been read;
 *     for an abortive one at once, with the cause (WSAECONNRESET, keep-alive's WSAENETRESET).
 * A selection is a watch on the socket (ws.h): the stack's events reach it inside the stack's
 * callback, where it only notes what the event says and defers its look at the socket; calls
 * that change the socket (ws_sock_changed with no event) make it look at once.
 * FD_OOB is accepted and never recorded: the stack delivers no urgent data apart. */
#include <stdlib.h>

#include "api/ws.h"

struct selection {
    struct ws_watch w;            /* first: the watch is the selection */
    vg_ws_event_t event;
    int32_t mask;                 /* what the program selected */
    int32_t enabled;              /* events whose recording is enabled */
    int32_t recorded;             /* what WSAEnumNetworkEvents reports next */
    int err[VG_FD_MAX_EVENTS];
    uint8_t in_connect;           /* a connect is under way: FD_CONNECT when it ends */
    uint8_t was_connected;        /* the connection was up, so its end is an FD_CLOSE */
};

static void selection_fn(struct ws_watch *w, struct ws_sock *so, const struct vg_event *ev);

static struct selection *selection_of(struct ws_sock *so)
{
    for (struct ws_watch *w = so->watches; w; w = w->next)
        if (w->fn == selection_fn)
            return (struct selection *)(void *)w;
    return NULL;
}

/* Records the event of bit (once: its recording stays off until a call re-enables it) and
 * signals the selection's event object. */
static void maybe_record(struct selection *sel, int bit, int err)
{
    int32_t b = (int32_t)1 << bit;
    if (!(sel->mask & sel->enabled & b))
        return;
    sel->enabled &= ~b;
    sel->recorded |= b;
    sel->err[bit] = err;
    struct ws_event *e = ws_event_get(sel->event);
    if (e)                        /* the program may have closed it: nothing to signal then */
        ws_event_set(e);
}

static int handshaking(enum vg_tcp_state st)
{
    return st == VG_TCP_SYN_SENT || st == VG_TCP_SYN_RECEIVED;
}

static void look_at_stream(struct selection *sel, struct ws_sock *so)
{
    vg_tcb *t = so->tcb;
    enum vg_tcp_state st = vg_tcp_state(t);
    if (st == VG_TCP_LISTEN) {
        if (ws_fill_pending(so))
            maybe_record(sel, VG_FD_ACCEPT_BIT, 0);
        return;
    }
    if (handshaking(st)) {
        if (so->connecting)
            sel->in_connect = 1;
        return;
    }
    if (st != VG_TCP_CLOSED)
        sel->was_connected = 1;
    int cause = vg_tcp_error(t);
    if (sel->in_connect) {
        sel->in_connect = 0;
        int e = 0;
        if (!sel->was_connected)
            e = cause ? ws_err_from_vg(cause) : VG_WSAECONNREFUSED;
        maybe_record(sel, VG_FD_CONNECT_BIT, e);
    }
    size_t unread = vg_tcp_readable(t);
    if (unread > 0)
        maybe_record(sel, VG_FD_READ_BIT, 0);
    if (st != VG_TCP_CLOSED && !so->shut_send && vg_tcp_writable(t) > 0)
        maybe_record(sel, VG_FD_WRITE_BIT, 0);
    if (!sel->was_connected)
        return;
    if (st == VG_TCP_CLOSED && cause)
        maybe_record(sel, VG_FD_CLOSE_BIT, ws_err_from_vg(cause));
    else if ((vg_tcp_eof(t) || st == VG_TCP_CLOSED) && unread == 0)
        maybe_record(sel, VG_FD_CLOSE_BIT, 0);
}

static void look(struct selection *sel, struct ws_sock *so)
{
    if (so->tcb) {
        look_at_stream(sel, so);
        return;
    }
    if (vg_udp_has_datagram(so->udp))
        maybe_record(sel, VG_FD_READ_BIT, 0);
    if (!so->shut_send)
        maybe_record(sel, VG_FD_WRITE_BIT, 0);
}

static void release(struct ws_sock *so, struct selection *sel)
{
    ws_watch_remove(so, &sel->w);
    free(sel);
}

static void selection_fn(struct ws_watch *w, struct ws_sock *so, const struct vg_event *ev)
{
    struct selection *sel = (struct selection *)(void *)w;
    if (so->closing) {
        release(so, sel);
        return;
    }
    if (!ev) {
        look(sel, so);
        return;
    }
    /* A connection may come up and be dropped within one datagram or timer round: the look
     * that follows sees it closed, and must still call that an FD_CLOSE. */
    if (ev->type == VG_EV_CONNECTED)
        sel->was_connected = 1;
    ws_watch_defer(so, w);
}

static void selection_run(struct ws_watch *w, struct ws_sock *so)
{
    look((struct selection *)(void *)w, so);
}

/* (Re)selects: the record cleared, every recording enabled, what is true now recorded. */
static int select_events(struct ws_sock *so, vg_ws_event_t event, int32_t mask)
{
    struct selection *sel = selection_of(so);
    if (!sel) {
        sel = calloc(1, sizeof *sel);
        if (!sel)
            return VG_WSAENOBUFS;
        sel->w.fn = selection_fn;
        sel->w.run = selection_run;
        ws_watch_add(so, &sel->w);
    }
    sel->event = event;
    sel->mask = mask;
    sel->enabled = VG_FD_ALL_EVENTS;
    sel->recorded = 0;
    for (int i = 0; i < VG_FD_MAX_EVENTS; i++)
        sel->err[i] = 0;
    look(sel, so);
    return 0;
}

int vg_ws_event_select(vg_socket_t s, vg_ws_event_t event, int32_t lNetworkEvents)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    if (lNetworkEvents == 0) {
        struct selection *sel = selection_of(so);
        if (sel)
            release(so, sel);
    } else if (!ws_event_get(event)) {
        e = VG_WSAEINVAL;
    } else {
        e = select_events(so, event, lNetworkEvents);
    }
    if (!e)
        so->nonblocking = 1;      /* whatever lNetworkEvents is, as Windows does */
    ws_leave();
    return e ? ws_fail(e) : 0;
}

int vg_ws_enum_network_events(vg_socket_t s, vg_ws_event_t event,
                              struct vg_wsanetworkevents *network_events)
{
    struct ws_sock *so;
    int e = ws_enter_sock(s, &so);
    if (e)
        return ws_fail(e);
    struct ws_event *ev = NULL;
    if (!network_events)
        e = VG_WSAEFAULT;
    else if (event && !(ev = ws_event_get(event)))
        e = VG_WSAEINVAL;
    if (e) {
        ws_leave();
        return ws_fail(e);
    }
    struct selection *sel = selection_of(so);
    network_events->lNetworkEvents = sel ? sel->recorded : 0;
    for (int i = 0; i < VG_FD_MAX_EVENTS; i++) {
        network_events->iErrorCode[i] = sel && (sel->recorded & (1 << i)) ? sel->err[i] : 0;
        if (sel)
            sel->err[i] = 0;
    }
    if (sel)
        sel->recorded = 0;
    if (ev)
        ws_event_reset(ev);
    ws_leave();
    return 0;
}

void ws_sock_rearm(struct ws_sock *so, int32_t fd_bits)
{
    struct selection *sel = selection_of(so);
    if (sel)
        sel->enabled |= fd_bits;
    ws_sock_changed(so, NULL);
}

void ws_eventselect_inherit(struct ws_sock *listener, struct ws_sock *accepted)
{
    struct selection *sel = selection_of(listener);
    if (sel && select_events(accepted, sel->event, sel->mask) == 0)
        accepted->nonblocking = 1;
}

int ws_eventselect_active(struct ws_sock *so) { return selection_of(so) != NULL; }
