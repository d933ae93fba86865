/* The event loop: the default network's clock, running its stack (ws_pump), and the waits of
 * the blocking calls (ws_wait), which drop the lock while they sleep. A device's waits are the
 * real-time loop's own (src/link/rtloop), taken in pieces so the lock is dropped around poll(). */
#include <time.h>

#include "api/ws.h"
#include "link/rtloop.h"

/* Rounds of (input, timers) a pump runs before it lets the caller look at its socket. */
#define WS_PUMP_ROUNDS 64
/* While a blocking hook is set, a real-time wait returns to call it at least this often. */
#define WS_HOOK_PERIOD_US 10000u

static vg_time monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (vg_time)ts.tv_sec * 1000000u + (vg_time)ts.tv_nsec / 1000u;
}

vg_time ws_now(const struct ws_net *n) { return n->virtual_clock ? n->vnow : monotonic_us(); }

int ws_net_filter(void *ctx, const uint8_t *pkt, size_t len)
{
    (void)ctx;
    return ws_g.tab.blackholes && ws_blackholed(pkt, len);
}

void ws_net_deliver(struct ws_net *n, const uint8_t *pkt, size_t len, vg_time now)
{
    if (ws_net_filter(NULL, pkt, len))
        return;
    vg_stack_input(n->stack, pkt, len, now);
}

void ws_pump(struct ws_net *n)
{
    for (int round = 0; round < WS_PUMP_ROUNDS; round++) {
        vg_time now = ws_now(n);
        int busy = n->drv->input(n, now);
        if (vg_stack_next_deadline(n->stack) <= now) {
            vg_stack_poll(n->stack, now);
            busy = 1;
        }
        busy |= ws_watch_run_deferred();
        if (!busy)
            return;
    }
}

void ws_kick(struct ws_net *n)
{
    pthread_cond_broadcast(&ws_g.cond);
    if (n->polling)
        vg_rtloop_wake(n->drv->rtloop(n));
}

static struct timespec abs_monotonic(vg_time t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000u), .tv_nsec = (long)(t % 1000000u) * 1000};
    return ts;
}

/* Sleeps with the lock dropped until `until` (real time), input on the device, a change of its
 * link, or a kick from another thread. Only one thread sleeps in the device's loop; the others
 * wait for it on the condition variable. */
static void sleep_real(struct ws_net *n, vg_time until)
{
    struct vg_rtloop *l = n->drv->rtloop ? n->drv->rtloop(n) : NULL;
    if (l && !n->polling) {
        struct vg_rtloop_wait w;
        vg_rtloop_wait_prepare(l, until, &w);
        n->polling = 1;
        pthread_mutex_unlock(&ws_g.lock);
        int r = vg_rtloop_wait(&w);
        (void)r;                  /* EINTR or a timeout: the caller looks again either way */
        pthread_mutex_lock(&ws_g.lock);
        n->polling = 0;
        vg_rtloop_wait_done(l, &w, until);
        pthread_cond_broadcast(&ws_g.cond);
        return;
    }
    if (until == VG_TIME_NEVER) {
        pthread_cond_wait(&ws_g.cond, &ws_g.lock);
    } else {
        struct timespec ts = abs_monotonic(until);
        pthread_cond_timedwait(&ws_g.cond, &ws_g.lock, &ts);
    }
}

static void sleep_virtual(struct ws_net *n, vg_time until, int hooked)
{
    if (atomic_load(&ws_g.lock_wanted) > 0) {
        pthread_cond_wait(&ws_g.cond, &ws_g.lock);
        return;
    }
    if (until != VG_TIME_NEVER) {
        if (until > n->vnow)
            n->vnow = until;
        pthread_cond_broadcast(&ws_g.cond);
        if (ws_g.waiters > 1)
            pthread_cond_wait(&ws_g.cond, &ws_g.lock);
        return;
    }
    if (hooked) {
        struct timespec ts = abs_monotonic(monotonic_us() + WS_HOOK_PERIOD_US);
        pthread_cond_timedwait(&ws_g.cond, &ws_g.lock, &ts);
    } else {
        pthread_cond_wait(&ws_g.cond, &ws_g.lock);
    }
}

int ws_never_ready(void *ctx)
{
    (void)ctx;
    return 0;
}

void ws_waitq_wake(struct ws_waitq *q)
{
    /* First form: every waiter looks again (the queue says who, for a later, targeted form). */
    (void)q;
    if (ws_g.net)
        ws_kick(ws_g.net);
}

int ws_wait(int (*ready)(void *ctx), void *ctx, vg_time deadline)
{
    return ws_wait_on(ready, ctx, deadline, NULL, 0, 0);
}

int ws_wait_on(int (*ready)(void *ctx), void *ctx, vg_time deadline, struct ws_waitq *const *qs,
               size_t nq, int alertable)
{
    (void)qs;
    (void)nq;
    struct ws_net *n = ws_g.net;
    uint32_t gen = ws_g.net_gen;
    int rc;
    ws_t.blocking = 1;
    ws_g.waiters++;
    for (;;) {
        if (ws_t.cancelled) {
            rc = VG_WSAEINTR;
            break;
        }
        ws_pump(n);
        /* An alertable wait delivers queued APCs before it looks at what it waits for, as
         * Windows does. */
        if (alertable && ws_apc_pending()) {
            rc = WS_WAIT_APC;
            break;
        }
        if (ready(ctx)) {
            rc = 0;
            break;
        }
        if (ready != ws_never_ready && !vg_stack_link_up(n->stack)) {   /* A6.3 under the call */
            rc = VG_WSAENETDOWN;
            break;
        }
        vg_time now = ws_now(n);
        if (deadline != VG_TIME_NEVER && now >= deadline) {
            rc = VG_WSAETIMEDOUT;
            break;
        }
        if (n->drv->pending(n))
            continue;
        vg_time until = vg_stack_next_deadline(n->stack);
        if (deadline < until)
            until = deadline;
        vg_ws_farproc hook = ws_thread_hook();
        if (hook) {
            /* Winsock 1.1: the hook runs while the call waits; it may only cancel the call or
             * ask WSAIsBlocking (any other call fails WSAEINPROGRESS, A6.2). */
            ws_t.locked = 0;
            pthread_mutex_unlock(&ws_g.lock);
            ((int (*)(void))hook)();
            ws_lock();
            ws_t.locked = 1;
            if (!ws_g.net || ws_g.net_gen != gen) {
                rc = VG_WSAEINTR;
                break;
            }
            if (ws_t.cancelled)
                continue;
            if (!n->virtual_clock && (until == VG_TIME_NEVER || until > now + WS_HOOK_PERIOD_US))
                until = now + WS_HOOK_PERIOD_US;
        }
        if (n->virtual_clock)
            sleep_virtual(n, until, hook != NULL);
        else
            sleep_real(n, until);
        atomic_fetch_add(&n->wakeups, 1);
        if (!ws_g.net || ws_g.net_gen != gen) {   /* WSACleanup on another thread */
            rc = VG_WSAEINTR;
            break;
        }
    }
    ws_g.waiters--;
    ws_t.blocking = 0;
    ws_t.cancelled = 0;
    if (rc == WS_WAIT_APC)
        ws_apc_run();
    return rc;
}

uint64_t vg_ws_wakeups(void)
{
    ws_lock();
    uint64_t w = ws_g.net ? atomic_load(&ws_g.net->wakeups) : 0;
    pthread_mutex_unlock(&ws_g.lock);
    return w;
}
