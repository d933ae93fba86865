/* VIGIL_NET=tun:IFNAME:ADDR/PREFIX: the default stack behind a Linux TUN device, answering as
 * ADDR on the device's subnet, on the same real-time loop as `vigil serve` (src/link/rtloop):
 * datagrams are read without blocking whenever the stack runs, and a blocking call sleeps in
 * the loop's poll() with the lock dropped (ws_loop.c). When the interface goes down or away the
 * stack's link goes down, and calls fail with WSAENETDOWN (A6.3). The device must exist (e.g.
 * `ip tuntap add dev IFNAME mode tun`): as the CLI without --create, the library never creates
 * an interface, so a mistyped name fails WSAStartup instead of making a device. The device's
 * transmit queue is raised to VG_TUN_TXQUEUELEN_DEFAULT packets when shorter, or set to
 * VIGIL_TXQUEUELEN (as `vigil serve --txqueuelen`); a queue that cannot be resized is a warning on
 * stderr naming the `ip link` command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"
#include "link/rtloop.h"
#include "link/tun.h"

struct tun_link {
    struct vg_tun *dev;
    struct vg_rtloop *loop;       /* made once the stack exists (attach) */
    char err[256];
};

static int tun_open(struct ws_net *n, const char *spec, struct vg_stack_config *cfg, char *err,
                    size_t errlen)
{
    struct vg_net_spec ns;
    if (vg_net_spec_parse(spec, &ns, err, errlen) != 0)
        return -1;
    struct tun_link *tl = calloc(1, sizeof *tl);
    if (!tl)
        return -1;
    tl->dev = vg_tun_open(ns.ifname, 0, err, errlen);
    if (!tl->dev) {
        free(tl);
        return -1;
    }
    n->drv_state = tl;
    cfg->addr = ns.addr;
    cfg->prefix_len = ns.prefix;
    cfg->has_addr6 = ns.has_addr6;
    memcpy(cfg->addr6, ns.addr6, 16);
    cfg->prefix6_len = ns.prefix6;
    cfg->accept_subnet = 0;
    return 0;
}

/* VIGIL_TXQUEUELEN=N (1 to 2^20): exactly that queue; unset: at least the default. */
static void size_queue(struct vg_tun *dev)
{
    unsigned want = VG_TUN_TXQUEUELEN_DEFAULT;
    int exact = 0;
    const char *v = getenv("VIGIL_TXQUEUELEN");
    if (v && *v) {
        char *end;
        errno = 0;
        unsigned long q = strtoul(v, &end, 10);
        if (*end || errno || q < 1 || q > (1ul << 20) || *v < '0' || *v > '9') {
            fprintf(stderr, "vigil: VIGIL_TXQUEUELEN must be a number of packets from 1 to "
                            "1048576; keeping at least %u\n", want);
        } else {
            want = (unsigned)q;
            exact = 1;
        }
    }
    char note[256];
    if (vg_tun_size_queue(dev, want, exact, note, sizeof note) != 0)
        fprintf(stderr, "vigil: warning: %s\n", note);
}

static void tun_attach(struct ws_net *n)
{
    struct tun_link *tl = n->drv_state;
    tl->loop = vg_rtloop_new(n->stack, tl->dev, tl->err, sizeof tl->err);
    if (!tl->loop) {
        /* No loop (no memory for its pipe): nothing can reach the device, so the link is down. */
        vg_stack_set_link_up(n->stack, 0);
        return;
    }
    vg_rtloop_set_input_filter(tl->loop, ws_net_filter, n);
    size_queue(tl->dev);
}

static int tun_input(struct ws_net *n, vg_time now)
{
    (void)now;                    /* the loop reads the same clock itself */
    struct tun_link *tl = n->drv_state;
    return tl->loop ? vg_rtloop_input(tl->loop) : 0;
}

static int tun_pending(const struct ws_net *n)
{
    (void)n;
    return 0;
}

static struct vg_rtloop *tun_rtloop(const struct ws_net *n)
{
    const struct tun_link *tl = n->drv_state;
    return tl->loop;
}

static void tun_close(struct ws_net *n)
{
    struct tun_link *tl = n->drv_state;
    if (!tl)
        return;
    vg_rtloop_free(tl->loop);
    vg_tun_close(tl->dev);
    free(tl);
    n->drv_state = NULL;
}

const struct ws_driver ws_tun_driver = {
    .name = "tun",
    .open = tun_open,
    .attach = tun_attach,
    .input = tun_input,
    .pending = tun_pending,
    .rtloop = tun_rtloop,
    .close = tun_close,
};
