/* lwIP's side of the peer benchmarks (vgb_lwip.h). Includes lwIP headers only. */
#include "vgb_lwip.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/ip.h"

#include "../util/vgb_fifo.h"

#define PORT 5001u
#define FIFO_BYTES (4u << 20)

static u32_t vnow_ms;                 /* the virtual clock lwIP reads through sys_now */
static struct netif nif[2];           /* 0: 192.0.2.1 (clients), 1: 192.0.2.2 (servers) */
static struct vgb_fifo wire[2];       /* frames sent by nif[i], to be delivered to the other */
static uint64_t rx_drops;
static uint8_t appbuf[65536];         /* the application's send and receive buffer */

u32_t sys_now(void) { return vnow_ms; }

/* Each side leaves by its own netif (both share one /24, and one stack). */
struct netif *vgb_lwip_route(const ip4_addr_t *src, const ip4_addr_t *dest)
{
    if (src && !ip4_addr_isany(src))
        return ip4_addr_eq(src, netif_ip4_addr(&nif[0])) ? &nif[0] : &nif[1];
    return ip4_addr_eq(dest, netif_ip4_addr(&nif[0])) ? &nif[1] : &nif[0];
}

static err_t link_output(struct netif *n, struct pbuf *p, const ip4_addr_t *to)
{
    (void)to;
    struct vgb_fifo *q = &wire[n == &nif[1]];
    uint8_t *d = vgb_fifo_reserve(q, p->tot_len);
    if (!d)
        return ERR_OK;   /* dropped, as a full device queue drops */
    pbuf_copy_partial(p, d, p->tot_len, 0);
    vgb_fifo_commit(q, p->tot_len);
    return ERR_OK;
}

static err_t link_netif_init(struct netif *n)
{
    n->output = link_output;
    n->mtu = 1500;
    n->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP;
    n->name[0] = 'v';
    n->name[1] = (char)('0' + (n == &nif[1]));
    return ERR_OK;
}

static void deliver(void *ctx, int to, const uint8_t *frame, size_t len)
{
    (void)ctx;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) {
        rx_drops++;
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    if (nif[to].input(p, &nif[to]) != ERR_OK)
        pbuf_free(p);
}

/* Delivers queued frames both ways until the link is quiet; returns how many. */
static long pump(void)
{
    return vgb_fifo_pump(wire, deliver, NULL);
}

/* Moves the clock to lwIP's next timeout (at least 1 ms) and runs it. */
static void advance(void)
{
    u32_t sleep = sys_timeouts_sleeptime();
    vnow_ms += sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE || sleep == 0 ? 1 : sleep;
    sys_check_timeouts();
}

int vgb_lwip_init(void)
{
    static int done;
    if (done)
        return 0;
    lwip_init();
    for (int i = 0; i < 2; i++) {
        ip4_addr_t a, mask, gw;
        IP4_ADDR(&a, 192, 0, 2, i + 1);
        IP4_ADDR(&mask, 255, 255, 255, 0);
        ip4_addr_set_zero(&gw);
        if (vgb_fifo_init(&wire[i], FIFO_BYTES) != 0 || !netif_add(&nif[i], &a, &mask, &gw, NULL, link_netif_init, ip_input))
            return -1;
        netif_set_up(&nif[i]);
        netif_set_link_up(&nif[i]);
    }
    done = 1;
    return 0;
}

/* ---- Bulk: one connection, the client writes, the server reads into the application buffer. */
struct bulk {
    struct tcp_pcb *client, *server;
    uint64_t received;
    int connected;
};
static struct bulk bulk;

static err_t bulk_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (!p)
        return ERR_OK;
    for (u16_t off = 0; off < p->tot_len;) {
        u16_t n = pbuf_copy_partial(p, appbuf, sizeof appbuf < p->tot_len - off ? sizeof appbuf : (u16_t)(p->tot_len - off), off);
        off = (u16_t)(off + n);
    }
    bulk.received += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t bulk_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    bulk.server = pcb;
    tcp_recv(pcb, bulk_recv);
    return ERR_OK;
}

static err_t bulk_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    bulk.connected = err == ERR_OK;
    return ERR_OK;
}

static struct tcp_pcb *listen_on(u16_t port, tcp_accept_fn fn)
{
    struct tcp_pcb *l = tcp_new();
    if (!l || tcp_bind(l, netif_ip_addr4(&nif[1]), port) != ERR_OK)
        return NULL;
    l = tcp_listen(l);
    if (l)
        tcp_accept(l, fn);
    return l;
}

int vgb_lwip_bulk(uint64_t total)
{
    memset(&bulk, 0, sizeof bulk);
    struct tcp_pcb *l = listen_on(PORT, bulk_accept);
    struct tcp_pcb *c = tcp_new();
    if (!l || !c || tcp_connect(c, netif_ip_addr4(&nif[1]), PORT, bulk_connected) != ERR_OK)
        return -1;
    bulk.client = c;
    for (int i = 0; i < 1000 && !(bulk.connected && bulk.server); i++)
        if (pump() == 0)
            advance();
    if (!bulk.connected || !bulk.server)
        return -1;
    uint64_t sent = 0;
    int idle = 0;
    while (bulk.received < total) {
        uint64_t before = bulk.received;
        while (sent < total) {
            u16_t room = tcp_sndbuf(c);
            uint64_t want = total - sent < room ? total - sent : room;
            if (want > sizeof appbuf)
                want = sizeof appbuf;
            if (want == 0 || tcp_write(c, appbuf, (u16_t)want, TCP_WRITE_FLAG_COPY) != ERR_OK)
                break;
            sent += want;
        }
        tcp_output(c);
        if (pump() == 0 && bulk.received == before) {
            advance();
            if (++idle > 100000)
                return -1;
        }
    }
    tcp_arg(bulk.server, NULL);
    tcp_recv(bulk.server, NULL);
    tcp_abort(c);
    tcp_abort(bulk.server);
    tcp_close(l);
    pump();
    return 0;
}

/* ---- Connect, one byte each way, close (the client first). */
struct cc {
    struct tcp_pcb *server;
    int connected, server_got, client_got, server_fin;
};
static struct cc cc;

static err_t cc_server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (!p) {
        cc.server_fin = 1;
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_close(pcb);
        return ERR_OK;
    }
    pbuf_copy_partial(p, appbuf, p->tot_len, 0);
    cc.server_got += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    tcp_write(pcb, "s", 1, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    return ERR_OK;
}

static err_t cc_client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (!p)
        return ERR_OK;
    pbuf_copy_partial(p, appbuf, p->tot_len, 0);
    cc.client_got += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t cc_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    cc.server = pcb;
    tcp_recv(pcb, cc_server_recv);
    return ERR_OK;
}

static err_t cc_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    cc.connected = err == ERR_OK;
    return ERR_OK;
}

static int wait_for(const int *flag)
{
    for (int i = 0; i < 10000 && !*flag; i++)
        if (pump() == 0)
            advance();
    return *flag;
}

/* The listener stays open between calls, as vigil's does between chunks (bench_connect). */
long vgb_lwip_connect_close(long n)
{
    static struct tcp_pcb *l;
    if (!l && !(l = listen_on(PORT + 1, cc_accept)))
        return 0;
    long done = 0;
    for (; done < n; done++) {
        memset(&cc, 0, sizeof cc);
        struct tcp_pcb *c = tcp_new();
        if (!c)
            break;
        tcp_recv(c, cc_client_recv);
        if (tcp_connect(c, netif_ip_addr4(&nif[1]), PORT + 1, cc_connected) != ERR_OK) {
            tcp_abort(c);
            break;
        }
        if (!wait_for(&cc.connected) || tcp_write(c, "c", 1, TCP_WRITE_FLAG_COPY) != ERR_OK) {
            tcp_abort(c);
            break;
        }
        tcp_output(c);
        if (!wait_for(&cc.client_got)) {
            tcp_abort(c);
            break;
        }
        tcp_recv(c, NULL);
        tcp_close(c);
        if (!wait_for(&cc.server_fin))
            break;
        pump();
        /* 10 ms of virtual time per connection, as the vigil side does, so TIME_WAIT ages. */
        vnow_ms += 10;
        sys_check_timeouts();
    }
    return done;
}

/* ---- Idle keep-alive connections. */
static struct tcp_pcb **idle_clients, **idle_servers;
static long idle_n, idle_accepted;
static struct tcp_pcb *idle_listener;

static err_t idle_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb || idle_accepted >= idle_n)
        return ERR_VAL;
    idle_servers[idle_accepted++] = pcb;
    return ERR_OK;
}

int vgb_lwip_idle_open(long n, unsigned ka_ms)
{
    idle_clients = calloc((size_t)n, sizeof *idle_clients);
    idle_servers = calloc((size_t)n, sizeof *idle_servers);
    idle_n = n;
    idle_accepted = 0;
    idle_listener = listen_on(PORT + 2, idle_accept);
    if (!idle_clients || !idle_servers || !idle_listener)
        return -1;
    for (long i = 0; i < n; i++) {
        struct tcp_pcb *c = tcp_new();
        if (!c)
            return -1;
        c->keep_idle = ka_ms;
        c->keep_intvl = ka_ms;
        c->keep_cnt = 9;
        ip_set_option(c, SOF_KEEPALIVE);
        if (tcp_connect(c, netif_ip_addr4(&nif[1]), PORT + 2, NULL) != ERR_OK)
            return -1;
        idle_clients[i] = c;
        if (i % 64 == 63)
            pump();
    }
    pump();
    return idle_accepted == n && vgb_lwip_idle_alive() == n ? 0 : -1;
}

size_t vgb_lwip_mem_in_use(void)
{
    size_t total = lwip_stats.mem.used;
    for (int i = 0; i < MEMP_MAX; i++)
        total += (size_t)memp_pools[i]->stats->used * memp_pools[i]->size;
    return total;
}

void vgb_lwip_idle_run(unsigned ms, uint64_t *probes, uint64_t *answers)
{
    uint64_t p0 = wire[0].frames_total, a0 = wire[1].frames_total;
    for (unsigned t = 0; t < ms; t += 10) {
        vnow_ms += 10;
        sys_check_timeouts();
        pump();
    }
    *probes = wire[0].frames_total - p0;
    *answers = wire[1].frames_total - a0;
}

long vgb_lwip_idle_alive(void)
{
    long alive = 0;
    for (long i = 0; i < idle_n; i++)
        alive += idle_clients[i] && idle_clients[i]->state == ESTABLISHED;
    return alive;
}

void vgb_lwip_idle_close(void)
{
    for (long i = 0; i < idle_n; i++) {
        if (idle_clients[i])
            tcp_abort(idle_clients[i]);
        if (i < idle_accepted && idle_servers[i])
            tcp_abort(idle_servers[i]);
    }
    pump();
    if (idle_listener)
        tcp_close(idle_listener);
    free(idle_clients);
    free(idle_servers);
    idle_clients = idle_servers = NULL;
    idle_n = idle_accepted = 0;
}
