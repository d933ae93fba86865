/* The event loop: the default network's clock and running its stack (ws_pump). The waits of the
 * blocking calls are ws_wait.c's. */
#include <time.h>

#include "api/ws.h"

/* Rounds of (input, timers) a pump runs before it lets the caller look at its socket. */
#define WS_PUMP_ROUNDS 64

static vg_time monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (vg_time)ts.tv_sec * 1000000u + (vg_time)ts.tv_nsec / 1000u;
}

vg_time ws_now(const struct ws_net *n) { return n->virtual_clock ? n->vnow : monotonic_us(); }

int ws_net_filter(void *ctx, const uint8_t *pkt, size_t len)
{
    const struct ws_net *n = ctx;
    return n->tab.blackholes && ws_blackholed(pkt, len);
}

void ws_net_deliver(struct ws_net *n, const uint8_t *pkt, size_t len, vg_time now)
{
    ws_net_deliver_ex(n, pkt, len, 0, now);
}

void ws_net_deliver_ex(struct ws_net *n, const uint8_t *pkt, size_t len, unsigned rx_flags,
                       vg_time now)
{
    if (ws_net_filter(n, pkt, len))
        return;
    vg_stack_input_ex(n->stack, pkt, len, rx_flags, now);
}

void ws_pump(struct ws_net *n)
{
    int arrived = 0;
    for (int round = 0; round < WS_PUMP_ROUNDS; round++) {
        vg_time now = ws_now(n);
        int busy = n->drv->input(n, now);
        arrived |= busy;
        if (vg_stack_next_deadline(n->stack) <= now) {
            vg_stack_poll(n->stack, now);
            busy = 1;
        }
        busy |= ws_watch_run_deferred();
        if (!busy)
            break;
    }
    /* A datagram has no stack event naming its socket: the waiters that cannot name what they
     * wait on look again whenever anything arrived. */
    if (arrived && n->any_waiters)
        ws_wake_any(n);
}

