/* WSAWaitForMultipleEvents (learn.microsoft.com, nf-winsock2-wsawaitformultipleevents): waits
 * on 1 to WSA_MAXIMUM_WAIT_EVENTS event objects for one (the lowest index that is signalled)
 * or all of them, for a time in ms or WSA_INFINITE; an alertable wait returns
 * WSA_WAIT_IO_COMPLETION once the thread's queued completion routines have run. Event objects
 * made by WSACreateEvent are manual-reset, so a wait leaves them signalled. */
#include "api/ws.h"

struct wait_set {
    uint32_t count;
    const vg_ws_event_t *handles;
    int wait_all;
    uint32_t index;               /* wait-any: the lowest signalled one */
    int closed;                   /* a handle was closed while waiting */
};

/* An auto-reset event lets one waiter through: the wait that is satisfied resets it. */
static void consume(struct ws_event *e)
{
    if (!e->manual_reset)
        ws_event_reset(e);
}

static int signalled(void *ctx)
{
    struct wait_set *w = ctx;
    uint32_t set = 0;
    for (uint32_t i = 0; i < w->count; i++) {
        struct ws_event *e = ws_event_get(w->handles[i]);
        if (!e) {
            w->closed = 1;
            return 1;
        }
        if (!e->signaled)
            continue;
        if (!w->wait_all) {
            w->index = i;
            consume(e);
            return 1;
        }
        set++;
    }
    if (!w->wait_all || set < w->count)
        return 0;
    for (uint32_t i = 0; i < w->count; i++)
        consume(ws_event_get(w->handles[i]));
    w->index = 0;
    return 1;
}

static uint32_t failed(int err)
{
    ws_fail(err);
    return VG_WSA_WAIT_FAILED;
}

uint32_t vg_ws_wait_for_multiple_events(uint32_t count, const vg_ws_event_t *events,
                                        int wait_all, uint32_t timeout_ms, int alertable)
{
    int e = ws_enter_quiet();
    if (e)
        return failed(e);
    if (count == 0 || count > VG_WSA_MAXIMUM_WAIT_EVENTS || !events) {
        ws_leave();
        return failed(VG_WSA_INVALID_PARAMETER);
    }
    struct ws_waitq *queues[VG_WSA_MAXIMUM_WAIT_EVENTS];
    for (uint32_t i = 0; i < count; i++) {
        struct ws_event *ev = ws_event_get(events[i]);
        if (!ev) {
            ws_leave();
            return failed(VG_WSA_INVALID_HANDLE);
        }
        queues[i] = &ev->waitq;
    }
    struct wait_set w = {.count = count, .handles = events, .wait_all = wait_all != 0};
    vg_time deadline = timeout_ms == VG_WSA_INFINITE
                           ? VG_TIME_NEVER
                           : ws_now(ws_t.net) + VG_MS((vg_time)timeout_ms);
    int r = ws_wait_on(signalled, &w, deadline, queues, count, alertable != 0);
    ws_leave();
    if (r == WS_WAIT_APC)
        return VG_WSA_WAIT_IO_COMPLETION;
    if (r == VG_WSAETIMEDOUT)
        return VG_WSA_WAIT_TIMEOUT;
    if (r)
        return failed(r);
    if (w.closed)
        return failed(VG_WSA_INVALID_HANDLE);
    return VG_WSA_WAIT_EVENT_0 + w.index;
}
