/* The event loop: the default network's clock, running its stack (ws_pump), and the waits of
 * the blocking calls (ws_wait), which drop the lock while they sleep. */
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "api/ws.h"

/* Rounds of (input, timers) a pump runs before it lets the caller look at its socket. */
#define WS_PUMP_ROUNDS 64
/* While a blocking hook is set, a real-time wait returns to call it at least this often. */
#define WS_HOOK_PERIOD_US 10000u
/* A wait on a device wakes at least this often, so the driver notices its link going down. */
#define WS_LINK_PERIOD_US 1000000u

static vg_time monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (vg_time)ts.tv_sec * 1000000u + (vg_time)ts.tv_nsec / 1000u;
}

vg_time ws_now(const struct ws_net *n) { return n->virtual_clock ? n->vnow : monotonic_us(); }

void ws_net_deliver(struct ws_net *n, const uint8_t *pkt, size_t len, vg_time now)
{
    if (ws_g.tab.blackholes && ws_blackholed(pkt, len))
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
        if (!busy)
            return;
    }
}

void ws_kick(struct ws_net *n)
{
    pthread_cond_broadcast(&ws_g.cond);
    if (n->polling) {
        char c = 1;
        ssize_t r = write(n->wake_wr, &c, 1);   /* a full pipe already holds a wake-up */
        (void)r;
    }
}

static struct timespec abs_monotonic(vg_time t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000u), .tv_nsec = (long)(t % 1000000u) * 1000};
    return ts;
}

static int poll_timeout_ms(vg_time until, vg_time now)
{
    if (until == VG_TIME_NEVER)
        return -1;
    if (until <= now)
        return 0;
    vg_time ms = (until - now + 999) / 1000;   /* rounded up: never wake just before it */
    return ms > 3600000u ? 3600000 : (int)ms;
}

/* Sleeps with the lock dropped until `until` (real time), input on the driver's descriptor, or a
 * kick from another thread. */
static void sleep_real(struct ws_net *n, vg_time until)
{
    int fd = n->drv->fd ? n->drv->fd(n) : -1;
    if (fd >= 0 && !n->polling) {
        n->polling = 1;
        pthread_mutex_unlock(&ws_g.lock);
        vg_time now = monotonic_us();
        if (until > now + WS_LINK_PERIOD_US)
            until = now + WS_LINK_PERIOD_US;
        struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = n->wake_rd, .events = POLLIN}};
        int r = poll(fds, 2, poll_timeout_ms(until, now));
        (void)r;                  /* EINTR or a timeout: the caller looks again either way */
        char junk[64];
        while (read(n->wake_rd, junk, sizeof junk) > 0)
            ;
        pthread_mutex_lock(&ws_g.lock);
        n->polling = 0;
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

/* Virtual time: nothing can arrive from outside, so waiting means jumping to the next instant
 * something is due. But other threads come first: one waiting to get in may be about to do what
 * this call waits for, and after a jump the other blocked calls must each look at the new state
 * before time moves again (the jumper holds the lock: without yielding it they never would).
 * With no deadline at all only another thread can help. */
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

int ws_wait(int (*ready)(void *ctx), void *ctx, vg_time deadline)
{
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
        if (!ws_g.net || ws_g.net_gen != gen) {   /* WSACleanup on another thread */
            rc = VG_WSAEINTR;
            break;
        }
    }
    ws_g.waiters--;
    ws_t.blocking = 0;
    ws_t.cancelled = 0;
    return rc;
}
