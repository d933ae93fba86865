/* Event objects: WSACreateEvent, WSASetEvent, WSAResetEvent, WSACloseEvent (see ws.h). They are
 * manual-reset, as Winsock's are: signalled until reset, and every waiter sees it. */
#include <stdlib.h>

#include "api/ws.h"

struct ws_event *ws_event_get(void *h) { return ws_handle_get(h, WS_H_EVENT); }

void ws_event_set(struct ws_event *e)
{
    e->signaled = 1;
    ws_waitq_wake(&e->waitq);
}

void ws_event_reset(struct ws_event *e) { e->signaled = 0; }

/* The last WSACleanup frees an event still open: a thread still waiting on it lets go first. */
static void destroy_event(void *obj)
{
    struct ws_event *ev = obj;
    ws_waitq_close(&ev->waitq);
    free(ev);
}

vg_ws_event_t vg_ws_create_event(void)
{
    int e = ws_enter_quiet();
    if (e) {
        ws_fail(e);
        return VG_WSA_INVALID_EVENT;
    }
    struct ws_event *ev = calloc(1, sizeof *ev);
    void *h = ev ? ws_handle_new(WS_H_EVENT, ev, destroy_event) : NULL;
    if (!h) {
        free(ev);
        ws_leave();
        ws_fail(VG_WSA_NOT_ENOUGH_MEMORY);
        return VG_WSA_INVALID_EVENT;
    }
    ev->manual_reset = 1;
    ws_leave();
    return h;
}

/* Steps 1 and 2 of A6, then the event: the lock held on success. */
static struct ws_event *enter_event(vg_ws_event_t h)
{
    int e = ws_enter_quiet();
    if (e) {
        ws_fail(e);
        return NULL;
    }
    struct ws_event *ev = ws_event_get(h);
    if (!ev) {
        ws_leave();
        ws_fail(VG_WSA_INVALID_HANDLE);
    }
    return ev;
}

int vg_ws_set_event(vg_ws_event_t h)
{
    struct ws_event *ev = enter_event(h);
    if (!ev)
        return 0;
    ws_event_set(ev);
    ws_leave();
    return 1;
}

int vg_ws_reset_event(vg_ws_event_t h)
{
    struct ws_event *ev = enter_event(h);
    if (!ev)
        return 0;
    ws_event_reset(ev);
    ws_leave();
    return 1;
}

int vg_ws_close_event(vg_ws_event_t h)
{
    struct ws_event *ev = enter_event(h);
    if (!ev)
        return 0;
    ws_handle_free(h);
    /* A thread still waiting on it looks again and finds the handle gone. */
    ws_waitq_close(&ev->waitq);
    free(ev);
    ws_leave();
    return 1;
}
