/* The waits of the blocking calls (see ws.h, ws_wait_on). Every waiting thread sleeps on its own
 * condition variable, registered on the wait queues it named; a queue's wake signals only
 * those threads. One waiter at a time, the leader, keeps time: it sleeps until the stack's next
 * deadline, in the device's poll() with the lock dropped when the network has a device, and
 * runs the stack when it wakes, which wakes the followers whose sockets the stack changed. A
 * follower sleeps until its own deadline, so one whose socket became ready takes the lock at
 * once instead of waiting behind the poller. When the leader's wait ends it hands the role to
 * another waiter. Under virtual time there is no sleeping for time: the clock jumps to the
 * earliest deadline of all waiters and timers once every waiter sleeps. */
#include <stdlib.h>
#include <time.h>

#include "api/ws.h"
#include "link/rtloop.h"

/* While a blocking hook is set, a real-time wait returns to call it at least this often. */
#define WS_HOOK_PERIOD_US 10000u
/* Registrations a wait keeps on its stack; more (select, WSAPoll) are allocated. */
#define WS_INLINE_LINKS 4

struct ws_sleeper {
    pthread_cond_t cond;
    uint8_t cond_ready;
    uint8_t woken;                /* signalled, not yet looked again (counted in n->runnable) */
    uint8_t any;                  /* waits for any change */
    vg_time deadline;             /* its call's own, for virtual time's jumps */
    struct ws_sleeper *next, *prev;
};

static _Thread_local struct ws_sleeper me_sl;
static _Thread_local uint64_t my_wakeups;   /* vg_ws_thread_wakeups */

struct ws_waitq *const ws_no_queues[1];

static struct ws_sleeper *self(void)
{
    if (!me_sl.cond_ready) {
        /* Timed waits take absolute CLOCK_MONOTONIC deadlines, the clock the stack runs on. */
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&me_sl.cond, &ca);
        pthread_condattr_destroy(&ca);
        me_sl.cond_ready = 1;
    }
    return &me_sl;
}

static vg_time monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (vg_time)ts.tv_sec * 1000000u + (vg_time)ts.tv_nsec / 1000u;
}

static void wake(struct ws_net *n, struct ws_sleeper *sl)
{
    if (sl->woken)
        return;
    sl->woken = 1;
    n->runnable++;
    if (sl == n->leader && n->polling)
        vg_rtloop_wake(n->drv->rtloop(n));
    pthread_cond_signal(&sl->cond);
}

void ws_kick(struct ws_net *n)
{
    for (struct ws_sleeper *sl = n->sleepers; sl; sl = sl->next)
        wake(n, sl);
    if (n->polling)
        vg_rtloop_wake(n->drv->rtloop(n));
}

void ws_wake_any(struct ws_net *n)
{
    for (struct ws_sleeper *sl = n->sleepers; sl; sl = sl->next)
        if (sl->any)
            wake(n, sl);
}

void ws_waitq_wake(struct ws_waitq *q)
{
    struct ws_net *n = ws_t.net;
    if (!n)
        return;
    for (struct ws_waiter *w = q->head; w; w = w->next)
        wake(n, w->who);
    if (n->any_waiters)
        ws_wake_any(n);
}

void ws_waitq_close(struct ws_waitq *q)
{
    ws_waitq_wake(q);
    for (struct ws_waiter *w = q->head; w; w = w->next)
        w->q = NULL;
    q->head = NULL;
}

static void link_on(struct ws_waiter *w, struct ws_sleeper *sl, struct ws_waitq *q)
{
    w->who = sl;
    w->q = q;
    w->prev = NULL;
    w->next = q->head;
    if (q->head)
        q->head->prev = w;
    q->head = w;
}

static void unlink_from(struct ws_waiter *w)
{
    if (!w->q)
        return;                   /* the queue was closed under the wait */
    if (w->prev)
        w->prev->next = w->next;
    else
        w->q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->q = NULL;
}

static struct timespec abs_monotonic(vg_time t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000u), .tv_nsec = (long)(t % 1000000u) * 1000};
    return ts;
}

static void sleep_until(struct ws_sleeper *me, vg_time until)
{
    if (until == VG_TIME_NEVER) {
        pthread_cond_wait(&me->cond, &ws_t.net->lock);
    } else {
        struct timespec ts = abs_monotonic(until);
        pthread_cond_timedwait(&me->cond, &ws_t.net->lock, &ts);
    }
}

/* Real time. until: the call's own deadline (shortened for a blocking hook). */
static void sleep_real(struct ws_net *n, struct ws_sleeper *me, vg_time until)
{
    if (!n->leader)
        n->leader = me;
    if (n->leader != me) {
        sleep_until(me, until);
        return;
    }
    vg_time timers = vg_stack_next_deadline(n->stack);
    if (timers < until)
        until = timers;
    n->leader_until = until;
    struct vg_rtloop *l = n->drv->rtloop ? n->drv->rtloop(n) : NULL;
    if (l) {
        struct vg_rtloop_wait w;
        vg_rtloop_wait_prepare(l, until, &w);
        n->polling = 1;
        pthread_mutex_unlock(&n->lock);
        (void)vg_rtloop_wait(&w);   /* EINTR or a timeout: the caller looks again either way */
        ws_net_lock(n);
        n->polling = 0;
        int what = vg_rtloop_wait_done(l, &w, until);
        if (what & VG_RTLOOP_LINK)
            ws_kick(n);           /* A6.3: every waiter's call fails with WSAENETDOWN */
        else if ((what & VG_RTLOOP_INPUT) && n->any_waiters)
            ws_wake_any(n);
    } else {
        sleep_until(me, until);
    }
    n->leader_until = VG_TIME_NEVER;
}

static void park_virtual(struct ws_sleeper *me, int hooked)
{
    /* The hook must keep running while virtual time stands still: wake for it in real time. */
    sleep_until(me, hooked ? monotonic_us() + WS_HOOK_PERIOD_US : VG_TIME_NEVER);
}

/* Virtual time moves only when no thread is about to run: none wants the lock, and no waiter
 * that was woken has looked again yet. Then it jumps to the earliest deadline of every waiter
 * and of the stack, and the waiters whose deadline that is are woken. */
static void sleep_virtual(struct ws_net *n, struct ws_sleeper *me, int hooked)
{
    if (atomic_load(&n->lock_wanted) > 0 || n->runnable > 0) {
        n->vjump_deferred = 1;
        park_virtual(me, hooked);
        return;
    }
    vg_time target = vg_stack_next_deadline(n->stack);
    for (struct ws_sleeper *sl = n->sleepers; sl; sl = sl->next)
        if (sl->deadline < target)
            target = sl->deadline;
    if (target == VG_TIME_NEVER) {
        n->vjump_never = 1;
        park_virtual(me, hooked);
        return;
    }
    if (target > n->vnow)
        n->vnow = target;
    for (struct ws_sleeper *sl = n->sleepers; sl; sl = sl->next)
        if (sl != me && sl->deadline <= n->vnow)
            wake(n, sl);
}

void ws_net_leave(struct ws_net *n)
{
    /* What the call sent on the loopback network arrives now, and wakes its sockets' waiters. */
    for (int i = 0; i < 8 && (n->drv->pending(n) || ws_watch_run_deferred()); i++)
        ws_pump(n);
    if (!n->waiters)
        return;
    vg_time timers = vg_stack_next_deadline(n->stack);
    if (n->leader && timers < n->leader_until)
        wake(n, n->leader);       /* the call armed a timer the leader would sleep through */
    if (n->any_waiters)
        ws_wake_any(n);
    if (n->virtual_clock && !n->runnable &&
        (n->vjump_deferred || (n->vjump_never && timers != VG_TIME_NEVER))) {
        n->vjump_deferred = n->vjump_never = 0;
        wake(n, n->sleepers);
    }
}

void ws_net_quiesce(struct ws_net *n)
{
    n->closer = self();
    while (n->waiters) {
        ws_kick(n);
        pthread_cond_wait(&n->closer->cond, &n->lock);
    }
    n->closer = NULL;
}

int ws_never_ready(void *ctx)
{
    (void)ctx;
    return 0;
}

int ws_wait(int (*ready)(void *ctx), void *ctx, vg_time deadline)
{
    return ws_wait_on(ready, ctx, deadline, NULL, 0, 0);
}

int ws_wait_sock(struct ws_sock *so, int (*ready)(void *ctx), void *ctx, vg_time deadline)
{
    struct ws_waitq *q = &so->waitq;
    return ws_wait_on(ready, ctx, deadline, &q, 1, 0);
}

static void join(struct ws_net *n, struct ws_sleeper *me)
{
    me->prev = NULL;
    me->next = n->sleepers;
    if (n->sleepers)
        n->sleepers->prev = me;
    n->sleepers = me;
    n->waiters++;
    n->any_waiters += me->any;
}

static void leave(struct ws_net *n, struct ws_sleeper *me)
{
    if (me->woken) {
        me->woken = 0;
        n->runnable--;
    }
    if (me->prev)
        me->prev->next = me->next;
    else
        n->sleepers = me->next;
    if (me->next)
        me->next->prev = me->prev;
    me->next = me->prev = NULL;
    n->waiters--;
    n->any_waiters -= me->any;
    if (n->leader == me) {
        n->leader = NULL;
        n->leader_until = VG_TIME_NEVER;
        if (n->sleepers && !n->virtual_clock)
            wake(n, n->sleepers);     /* the next leader */
    }
    if (n->closer && !n->waiters)
        pthread_cond_signal(&n->closer->cond);
}

int ws_wait_on(int (*ready)(void *ctx), void *ctx, vg_time deadline, struct ws_waitq *const *qs,
               size_t nq, int alertable)
{
    struct ws_net *n = ws_t.net;
    struct ws_sleeper *me = self();
    struct ws_waiter inline_links[WS_INLINE_LINKS], *links = inline_links;
    size_t nlinks = nq + (alertable ? 1u : 0u);
    me->any = qs == NULL && nq == 0;
    if (nlinks > WS_INLINE_LINKS) {
        links = malloc(nlinks * sizeof *links);
        if (!links) {             /* out of memory: the wait still works, woken by anything */
            links = inline_links;
            nlinks = 0;
            me->any = 1;
        }
    }
    if (nlinks) {
        for (size_t i = 0; i < nq; i++)
            link_on(&links[i], me, qs[i]);
        if (alertable)
            link_on(&links[nq], me, ws_apc_waitq(ws_apc_self()));
    }
    me->deadline = deadline;
    me->woken = 0;
    join(n, me);
    int rc, joined = 1;
    ws_t.blocking = 1;
    for (;;) {
        if (me->woken) {
            me->woken = 0;
            n->runnable--;
        }
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
        if (n->drv->pending(n) || me->woken)
            continue;             /* more to run, or woken by its own pump: look again */
        vg_time until = deadline;
        vg_ws_farproc hook = ws_thread_hook();
        if (hook) {
            /* Winsock 1.1: the hook runs while the call waits; it may only cancel the call or
             * ask WSAIsBlocking (any other call fails WSAEINPROGRESS, A6.2). Another thread's
             * WSACleanup may free the network meanwhile, so the thread is not its waiter while
             * the hook runs (its queues are closed under it then, which it survives). */
            leave(n, me);
            ws_t.locked = 0;
            pthread_mutex_unlock(&n->lock);
            ((int (*)(void))hook)();
            ws_net_lock(n);       /* the call's reference keeps n, closed or not */
            ws_t.net = n;
            ws_t.locked = 1;
            if (n->closed) {
                rc = VG_WSAEINTR;
                joined = 0;
                break;
            }
            join(n, me);
            if (ws_t.cancelled || me->woken)
                continue;
            if (!n->virtual_clock && (until == VG_TIME_NEVER || until > now + WS_HOOK_PERIOD_US))
                until = now + WS_HOOK_PERIOD_US;
        }
        if (n->virtual_clock)
            sleep_virtual(n, me, hook != NULL);
        else
            sleep_real(n, me, until);
        atomic_fetch_add(&n->wakeups, 1);
        my_wakeups++;
        if (n->closed) {          /* WSACleanup on another thread */
            rc = VG_WSAEINTR;
            break;
        }
    }
    for (size_t i = 0; i < nlinks; i++)
        unlink_from(&links[i]);
    if (links != inline_links)
        free(links);
    if (joined)
        leave(n, me);
    ws_t.blocking = 0;
    ws_t.cancelled = 0;
    if (rc == WS_WAIT_APC)
        ws_apc_run();
    return rc;
}

uint64_t vg_ws_thread_wakeups(void) { return my_wakeups; }

uint64_t vg_ws_wakeups(void)
{
    struct ws_net *n = ws_net_ref();
    uint64_t w = n ? atomic_load(&n->wakeups) : 0;
    if (n)
        ws_net_unref(n);
    return w;
}
