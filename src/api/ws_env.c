/* The default network WSAStartup attaches to, chosen from the environment:
 *   VIGIL_NET     loopback (default) | tun:IFNAME:ADDR/PREFIX
 *   VIGIL_CLOCK   real (default, CLOCK_MONOTONIC) | virtual (a wait jumps to the next deadline)
 *   VIGIL_PROFILE windows-vista (default) | windows-2000 | linux
 *   VIGIL_REG     a registry export whose Tcpip\Parameters values become the system parameters
 *   VIGIL_SEED    a number: the stack's PRNG seed, and its secret derived from it, so a run
 *                 replays exactly (ISNs, ports, every random choice). Unset: seed and secret
 *                 come from getrandom() under either clock, so an off-path attacker cannot
 *                 predict ISNs or ports (RFC 6528, RFC 6056); set it only for reproducible tests.
 * Each network is a link driver (ws_loopback.c, ws_tun.c) in front of one stack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"

static const struct ws_driver *const drivers[] = {&ws_loopback_driver, &ws_tun_driver};

static const char *env(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static void on_event(void *ctx, const struct vg_event *ev)
{
    (void)ctx;
    struct ws_sock *so = ev->tcb ? vg_tcp_user(ev->tcb) : ev->udp ? vg_udp_user(ev->udp) : NULL;
    if (so && (ev->tcb ? so->tcb != ev->tcb : so->udp != ev->udp))
        so = NULL;
    if (so && ev->type == VG_EV_ABORTED) {
        so->abort_epoch++;
        so->so_error = ws_err_from_vg(ev->err);
    }
    if (so)
        ws_sock_changed(so, ev);
    /* The program's hook runs inside the call that is running the stack: a Winsock call from it
     * finds in_call set and fails with WSAEINPROGRESS (A6.2). */
    if (ws_g.ev_hook)
        ws_g.ev_hook(ws_g.ev_ctx, so ? so->handle : VG_INVALID_SOCKET, ev);
}

/* A program has no other channel for what VIGIL_REG ignores; each WSAStartup reloads the file,
 * but saying it once is enough (ws_net_open runs under the process mutex). */
static int reg_warned;

static void reg_warning(void *ctx, const char *msg)
{
    if (!reg_warned)
        fprintf(stderr, "vigil: VIGIL_REG=%s: %s\n", (const char *)ctx, msg);
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
    if (virtual_clock && drv->rtloop != NULL) {
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
        if (vg_sysparams_load_reg_ex(&cfg.sys, reg, 0, reg_warning, (void *)reg, why,
                                     sizeof why) != 0) {
            snprintf(err, errlen, "VIGIL_REG=%s: %s", reg, why);
            return -1;
        }
        reg_warned = 1;
    }
    if (seed) {
        char *end;
        errno = 0;
        cfg.seed = strtoull(seed, &end, 0);
        if (*end || errno) {
            snprintf(err, errlen, "VIGIL_SEED=%s is not a number", seed);
            return -1;
        }
    } else if (vg_stack_config_randomize(&cfg) != 0) {
        /* Never fall back to time and pid: that is exactly what an attacker can guess. */
        snprintf(err, errlen, "no randomness from the kernel (getrandom: %s): set VIGIL_SEED "
                 "for a deterministic stack", strerror(errno));
        return -1;
    }

    struct ws_net *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&n->lock, NULL);
    atomic_init(&n->refs, 1);
    /* The tables' generations go on from the last network's, so a SOCKET or HANDLE kept across
     * WSACleanup and WSAStartup is refused. */
    n->tab.gen_base = ws_g.gen_base;
    n->handles.gen_base = (uint16_t)(ws_g.gen_base << 7);
    ws_g.gen_base = (uint16_t)(ws_g.gen_base + 7);
    n->drv = drv;
    n->virtual_clock = virtual_clock;
    if (drv->open(n, spec, &cfg, err, errlen) != 0) {
        ws_net_unref(n);
        return -1;
    }
    n->stack = vg_stack_new(&cfg);
    if (!n->stack) {
        snprintf(err, errlen, "out of memory");
        ws_net_close(n);
        ws_net_unref(n);
        return -1;
    }
    vg_stack_set_event(n->stack, on_event, n);
    drv->attach(n);
    *out = n;
    return 0;
}

void ws_net_close(struct ws_net *n)
{
    /* A thread asleep in poll() holds no lock but still uses the descriptors, and every waiter
     * deregisters from the network when it wakes: wait for them all. */
    ws_net_quiesce(n);
    /* The driver lets go of the stack (a real-time loop hands back its output) before it goes. */
    if (n->stack) {
        vg_stack_set_event(n->stack, NULL, NULL);
        vg_stack_set_output(n->stack, NULL, NULL);
    }
    n->drv->close(n);
    if (n->stack)
        vg_stack_free(n->stack);
    n->stack = NULL;
}

