/* The default network WSAStartup attaches to, chosen from the environment:
 *   VIGIL_NET     loopback (default) | tun:IFNAME:ADDR/PREFIX
 *   VIGIL_CLOCK   real (default, CLOCK_MONOTONIC) | virtual (a wait jumps to the next deadline)
 *   VIGIL_PROFILE windows-vista (default) | windows-2000 | linux
 *   VIGIL_REG     a registry export whose Tcpip\Parameters values become the system parameters
 *   VIGIL_SEED    the stack's PRNG seed (default: fixed under the virtual clock, else varying)
 * and its event loop: running the stack, and the blocking calls' waits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/ws.h"

/* Rounds of (input, timers) a pump runs before it lets the caller look at its socket. */
#define WS_PUMP_ROUNDS 64
/* While a blocking hook is set, a real-time wait returns to call it at least this often. */
#define WS_HOOK_PERIOD_US 10000u
/* A wait on a device wakes at least this often, so the driver notices its link going down. */
#define WS_LINK_PERIOD_US 1000000u

static const struct ws_driver *const drivers[] = {&ws_loopback_driver, &ws_tun_driver};

static vg_time monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (vg_time)ts.tv_sec * 1000000u + (vg_time)ts.tv_nsec / 1000u;
}

vg_time ws_now(const struct ws_net *n) { return n->virtual_clock ? n->vnow : monotonic_us(); }

static const char *env(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static void on_event(void *ctx, const struct vg_event *ev)
{
    (void)ctx;
    struct ws_sock *so = ev->tcb ? vg_tcp_user(ev->tcb) : NULL;
    if (so && so->tcb != ev->tcb)
        so = NULL;
    if (so && ev->type == VG_EV_ABORTED) {
        so->abort_epoch++;
        so->so_error = ws_err_from_vg(ev->err);
    }
    /* The program's hook runs inside the call that is running the stack: a Winsock call from it
     * finds in_call set and fails with WSAEINPROGRESS (A6.2). */
    if (ws_g.ev_hook)
        ws_g.ev_hook(ws_g.ev_ctx, so ? so->handle : VG_INVALID_SOCKET, ev);
}

static const struct ws_driver *driver_for(const char *spec)
{
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
        size_t len = strlen(drivers[i]->name);
        if (strncmp(spec, drivers[i]->name, len) == 0 && (spec[len] == '\0' || spec[len] == ':'))
            return drivers[i];
    }
    return NULL;
}

static uint64_t default_seed(int virtual_clock)
{
    if (virtual_clock)
        return 1;                 /* a virtual-time run replays exactly */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
}

static int make_wake_pipe(struct ws_net *n, char *err, size_t errlen)
{
    int p[2];
    if (pipe(p) != 0) {
        snprintf(err, errlen, "cannot make a wake-up pipe: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
        fcntl(p[i], F_SETFD, FD_CLOEXEC);
    }
    n->wake_rd = p[0];
    n->wake_wr = p[1];
    return 0;
}

int ws_net_open(struct ws_net **out, char *err, size_t errlen)
{
    const char *spec = env("VIGIL_NET", "loopback");
    const char *clock = env("VIGIL_CLOCK", "real");
    const char *profile_name = env("VIGIL_PROFILE", "windows-vista");
    const char *reg = env("VIGIL_REG", NULL);
    const char *seed = env("VIGIL_SEED", NULL);

    const struct ws_driver *drv = driver_for(spec);
    if (!drv) {
        snprintf(err, errlen, "VIGIL_NET=%s is not a network vigil knows: use loopback or "
                 "tun:IFNAME:ADDR/PREFIX", spec);
        return -1;
    }
    int virtual_clock;
    if (strcmp(clock, "real") == 0) {
        virtual_clock = 0;
    } else if (strcmp(clock, "virtual") == 0) {
        virtual_clock = 1;
    } else {
        snprintf(err, errlen, "VIGIL_CLOCK=%s is not a clock vigil knows: use real or virtual",
                 clock);
        return -1;
    }
    if (virtual_clock && drv->fd != NULL) {
        snprintf(err, errlen, "VIGIL_CLOCK=virtual cannot drive VIGIL_NET=%s: the other side of "
                 "the device lives in real time; use VIGIL_CLOCK=real", spec);
        return -1;
    }
    enum vg_profile profile;
    if (vg_profile_parse(profile_name, &profile) != 0) {
        snprintf(err, errlen, "VIGIL_PROFILE=%s is not a profile vigil knows: use windows-vista, "
                 "windows-2000 or linux", profile_name);
        return -1;
    }
    struct vg_stack_config cfg;
    vg_stack_config_default(&cfg, profile);
    if (reg) {
        char why[256];
        if (vg_sysparams_load_reg(&cfg.sys, reg, why, sizeof why) != 0) {
            snprintf(err, errlen, "VIGIL_REG=%s: %s", reg, why);
            return -1;
        }
    }
    if (seed) {
        char *end;
        errno = 0;
        cfg.seed = strtoull(seed, &end, 0);
        if (*end || errno) {
            snprintf(err, errlen, "VIGIL_SEED=%s is not a number", seed);
            return -1;
        }
    } else {
        cfg.seed = default_seed(virtual_clock);
    }

    struct ws_net *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n->drv = drv;
    n->virtual_clock = virtual_clock;
    n->wake_rd = n->wake_wr = -1;
    if (drv->open(n, spec, &cfg, err, errlen) != 0) {
        free(n);
        return -1;
    }
    if (drv->fd && make_wake_pipe(n, err, errlen) != 0) {
        drv->close(n);
        free(n);
        return -1;
    }
    n->stack = vg_stack_new(&cfg);
    if (!n->stack) {
        snprintf(err, errlen, "out of memory");
        ws_net_close(n);
        return -1;
    }
    vg_stack_set_event(n->stack, on_event, n);
    drv->attach(n);
    *out = n;
    return 0;
}

void ws_net_close(struct ws_net *n)
{
    /* A thread asleep in poll() holds no lock but still uses the descriptors: wait for it. */
    while (n->polling) {
        ws_kick(n);
        pthread_cond_wait(&ws_g.cond, &ws_g.lock);
    }
    if (n->stack) {
        vg_stack_set_event(n->stack, NULL, NULL);
        vg_stack_free(n->stack);
    }
    n->drv->close(n);
    if (n->wake_rd >= 0) {
        close(n->wake_rd);
        close(n->wake_wr);
    }
    free(n);
}

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
 * something is due. With no deadline at all only another thread can help. */
static void sleep_virtual(struct ws_net *n, vg_time until, int hooked)
{
    if (until != VG_TIME_NEVER) {
        if (until > n->vnow)
            n->vnow = until;
        pthread_cond_broadcast(&ws_g.cond);
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
        vg_ws_farproc hook = ws_t.hook;
        if (hook) {
            /* Winsock 1.1: the hook runs while the call waits; it may only cancel the call or
             * ask WSAIsBlocking (any other call fails WSAEINPROGRESS, A6.2). */
            ws_t.locked = 0;
            pthread_mutex_unlock(&ws_g.lock);
            ((int (*)(void))hook)();
            pthread_mutex_lock(&ws_g.lock);
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
    ws_t.blocking = 0;
    ws_t.cancelled = 0;
    return rc;
}
