/* VIGIL_NET=tun:IFNAME:ADDR/PREFIX: the default stack behind a Linux TUN device, answering as
 * ADDR on the device's subnet. Datagrams are read without blocking whenever the stack runs; a
 * blocking call sleeps in poll() on the device (ws_net.c). When the interface goes down or away
 * the stack's link goes down, and calls fail with WSAENETDOWN (A6.3). */
#include <stdlib.h>

#include "api/ws.h"
#include "link/tun.h"

#define TUN_MAX_DATAGRAM 65536
#define TUN_READ_BATCH 256
/* How often the interface's state is read back while the stack runs. */
#define TUN_LINK_CHECK_US 1000000u

struct tun_link {
    struct vg_tun *dev;
    vg_time link_checked;
    uint8_t buf[TUN_MAX_DATAGRAM];
};

static int tun_open(struct ws_net *n, const char *spec, struct vg_stack_config *cfg, char *err,
                    size_t errlen)
{
    char ifname[16];
    uint32_t addr;
    uint8_t prefix;
    if (vg_net_spec_parse_tun(spec, ifname, &addr, &prefix, err, errlen) != 0)
        return -1;
    struct tun_link *tl = calloc(1, sizeof *tl);
    if (!tl)
        return -1;
    tl->dev = vg_tun_open(ifname, err, errlen);
    if (!tl->dev) {
        free(tl);
        return -1;
    }
    n->drv_state = tl;
    cfg->addr = addr;
    cfg->prefix_len = prefix;
    cfg->accept_subnet = 0;
    return 0;
}

static void tun_output(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    (void)now;
    struct ws_net *n = ctx;
    struct tun_link *tl = n->drv_state;
    if (vg_tun_write(tl->dev, pkt, len) != 0)
        vg_stack_set_link_up(n->stack, 0);
}

static void tun_attach(struct ws_net *n)
{
    struct tun_link *tl = n->drv_state;
    vg_stack_set_output(n->stack, tun_output, n);
    vg_stack_set_link_up(n->stack, vg_tun_link_up(tl->dev));
    tl->link_checked = ws_now(n);
}

static int tun_input(struct ws_net *n, vg_time now)
{
    struct tun_link *tl = n->drv_state;
    int any = 0;
    for (int i = 0; i < TUN_READ_BATCH; i++) {
        long len = vg_tun_read(tl->dev, tl->buf, sizeof tl->buf);
        if (len < 0) {
            vg_stack_set_link_up(n->stack, 0);
            break;
        }
        if (len == 0)
            break;
        ws_net_deliver(n, tl->buf, (size_t)len, now);
        any = 1;
    }
    if (now - tl->link_checked >= TUN_LINK_CHECK_US) {
        tl->link_checked = now;
        vg_stack_set_link_up(n->stack, vg_tun_link_up(tl->dev));
    }
    return any;
}

static int tun_pending(const struct ws_net *n)
{
    (void)n;
    return 0;
}

static int tun_fd(const struct ws_net *n)
{
    const struct tun_link *tl = n->drv_state;
    return vg_tun_fd(tl->dev);
}

static void tun_close(struct ws_net *n)
{
    struct tun_link *tl = n->drv_state;
    if (!tl)
        return;
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
    .fd = tun_fd,
    .close = tun_close,
};
