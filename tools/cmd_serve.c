/* vigil serve: a listener on a stack on a TUN device. Each connection's bytes are echoed back or
 * discarded; keep-alive applies to every connection accepted. SIGINT/SIGTERM close every
 * connection gracefully and stop; every stack counter is printed at the end. */
#include <stdlib.h>
#include <string.h>

#include "cli_pattern.h"
#include "cli_rt.h"
#include "cli_stats.h"
#include "commands.h"

#define SERVE_CLOSE_GRACE_US 1000000u
#define SERVE_ORPHAN_WAIT_MS 60000u     /* --once: the default orphan_timeout_ms */
/* Connections the listener holds before `serve` accepts them: thousands of clients connecting at
 * once (a test's 10,000 keep-alive connections) must not overflow it, as each connection the
 * queue drops is one the client believes established (a SYN cookie's ACK) and vigil never saw. */
#define SERVE_BACKLOG 1024
#define SERVE_CHUNK 65536

struct serve_conn {
    vg_tcb *tcb;
    uint64_t rx, tx;
    uint64_t mismatch_at;       /* UINT64_MAX: none (or not checked) */
    uint8_t *pend;              /* echo bytes received but not yet queued for sending */
    size_t pend_len;
    char peer[CLI_ENDPOINT_LEN];
};

struct serve_run {
    struct cli_rt rt;
    vg_tcb *listener;
    int echo, verify, once;
    struct serve_conn *conns;
    size_t nconns, cap;
    unsigned served, failed;
    uint8_t buf[SERVE_CHUNK];
};

static void conn_end(struct serve_run *r, size_t i)
{
    struct serve_conn *c = &r->conns[i];
    vg_time now = cli_rt_now(&r->rt);
    int err = vg_tcp_error(c->tcb);
    const char *wsa = cli_wsa_error_name(err);
    struct cli_field f[6];
    size_t n = 0;
    f[n++] = CLI_STR("peer", c->peer);
    f[n++] = CLI_UINT("bytes_received", c->rx);
    f[n++] = CLI_UINT("bytes_sent", c->tx);
    if (r->verify)
        f[n++] = CLI_BOOL("verified", c->mismatch_at == UINT64_MAX);
    if (c->mismatch_at != UINT64_MAX)
        f[n++] = CLI_UINT("mismatch_at", c->mismatch_at);
    if (wsa)
        f[n++] = CLI_STR("error", wsa);
    cli_events_emit(&r->rt.events, now, r->rt.host, "conn_end", f, n);
    if (err || c->mismatch_at != UINT64_MAX)
        r->failed++;
    /* A mismatch is not the peer's orderly close: reset so it learns. */
    if (c->mismatch_at != UINT64_MAX)
        vg_tcp_abort(c->tcb, now);
    else
        vg_tcp_close(c->tcb, now);
    free(c->pend);
    r->conns[i] = r->conns[--r->nconns];
    r->served++;
}

static int add_conn(struct serve_run *r, vg_tcb *t, const struct cli_keepalive *ka)
{
    if (r->nconns == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct serve_conn *c = realloc(r->conns, cap * sizeof *c);
        if (!c)
            return -1;
        r->conns = c;
        r->cap = cap;
    }
    struct serve_conn *c = &r->conns[r->nconns++];
    memset(c, 0, sizeof *c);
    c->tcb = t;
    c->mismatch_at = UINT64_MAX;
    cli_format_peer(t, c->peer);
    int e = cli_keepalive_apply(ka, t, cli_rt_now(&r->rt));
    if (e)
        fprintf(stderr, "vigil serve: keep-alive options refused for %s: %s\n", c->peer, vg_err_name(e));
    return 0;
}

/* Queues as much of the pending echo as the send buffer takes. */
static void flush_pending(struct serve_conn *c, vg_time now)
{
    while (c->pend_len) {
        long k = vg_tcp_send(c->tcb, c->pend, c->pend_len, now);
        if (k <= 0)
            return;
        c->tx += (uint64_t)k;
        c->pend_len -= (size_t)k;
        memmove(c->pend, c->pend + k, c->pend_len);
    }
}

static void free_pending_if_empty(struct serve_conn *c)
{
    if (c->pend && !c->pend_len) {
        free(c->pend);
        c->pend = NULL;
    }
}

/* Moves the connection's bytes along; 1 when it has ended and can be let go. */
static int service(struct serve_run *r, struct serve_conn *c, vg_time now)
{
    if (vg_tcp_error(c->tcb) || vg_tcp_state(c->tcb) == VG_TCP_CLOSED)
        return 1;
    if (r->echo) {
        flush_pending(c, now);
        free_pending_if_empty(c);
    }
    while (!c->pend_len) {
        size_t room = sizeof r->buf;
        if (r->echo) {
            size_t w = vg_tcp_writable(c->tcb);
            room = w < room ? w : room;
            if (!room)
                break;
        }
        /* A plain discard never looks at the bytes: taken from the buffer, not copied out. */
        long n = r->echo || r->verify ? vg_tcp_recv(c->tcb, r->buf, room, now)
                                      : vg_tcp_skip(c->tcb, room, now);
        if (n <= 0)
            break;
        if (r->verify && c->mismatch_at == UINT64_MAX) {
            size_t bad = cli_pattern_check(c->rx, r->buf, (size_t)n);
            if (bad < (size_t)n)
                c->mismatch_at = c->rx + bad;
        }
        c->rx += (uint64_t)n;
        if (c->mismatch_at != UINT64_MAX)
            return 1;
        if (!r->echo)
            continue;
        long k = vg_tcp_send(c->tcb, r->buf, (size_t)n, now);
        size_t queued = k > 0 ? (size_t)k : 0;
        c->tx += queued;
        if (queued < (size_t)n) {
            c->pend = malloc((size_t)n - queued);
            if (!c->pend)
                return 1;
            c->pend_len = (size_t)n - queued;
            memcpy(c->pend, r->buf + queued, c->pend_len);
        }
    }
    /* The peer is done and so are we: the close sends our FIN after the queued echo. */
    return vg_tcp_eof(c->tcb) && !c->pend_len;
}

/* SIGINT/SIGTERM: no new connections; FINs out on the others, a short wait for the exchange. */
static void shut_down(struct serve_run *r)
{
    vg_time now = cli_rt_now(&r->rt);
    cli_events_emit(&r->rt.events, now, r->rt.host, "interrupted", NULL, 0);
    vg_tcp_close(r->listener, now);
    r->listener = NULL;
    for (size_t i = 0; i < r->nconns; i++)
        vg_tcp_shutdown_send(r->conns[i].tcb, now);
    vg_time until = now + SERVE_CLOSE_GRACE_US;
    while (cli_rt_now(&r->rt) < until) {
        size_t open = 0;
        for (size_t i = 0; i < r->nconns; i++) {
            enum vg_tcp_state st = vg_tcp_state(r->conns[i].tcb);
            if (st != VG_TCP_CLOSED && st != VG_TCP_TIME_WAIT && st != VG_TCP_FIN_WAIT_2)
                open++;
        }
        if (!open || cli_rt_step(&r->rt, until) < 0)
            break;
    }
    while (r->nconns)
        conn_end(r, r->nconns - 1);
}

/* --once: closing the connection leaves an orphan still sending the tail of the echo and the
 * FIN (or holding them in --link-delay-ms's queue); exiting under it would leave the peer
 * waiting for bytes that never come. Bounded, as an orphan's own life is (orphan_timeout_ms). */
static void wait_for_orphans(struct serve_run *r)
{
    vg_time until = cli_rt_now(&r->rt) + VG_MS(SERVE_ORPHAN_WAIT_MS);
    while (vg_stack_stats(r->rt.stack)->tcp_orphans && !cli_rt_interrupted() &&
           cli_rt_now(&r->rt) < until)
        if (cli_rt_step(&r->rt, until) < 0)
            break;
}

static int run(struct serve_run *r, uint16_t port, int backlog, const struct cli_rt_options *o)
{
    r->listener = vg_tcp_open(r->rt.stack);
    int rc = r->listener ? 0 : -VG_ERR_NOBUFS;
    if (!rc && o->net.has_addr6) {
        /* Both families on one dual-stack listener (IPV6_V6ONLY off), as on :: with Windows. */
        static const uint8_t any6[16];
        vg_addr any = vg_addr_v6(any6);
        rc = vg_tcp_set_v6only(r->listener, 0);
        if (!rc)
            rc = vg_tcp_bind_addr(r->listener, &any, port);
    } else if (!rc) {
        rc = vg_tcp_bind(r->listener, r->rt.addr, port);
    }
    if (!rc)
        rc = vg_tcp_listen(r->listener, backlog);
    if (rc) {
        const char *wsa = cli_wsa_error_name(rc);
        fprintf(stderr, "vigil serve: cannot listen on port %u: %s\n", (unsigned)port,
                wsa ? wsa : vg_err_name(rc));
        if (r->listener)
            vg_tcp_close(r->listener, cli_rt_now(&r->rt));
        return 1;
    }
    char local[22];
    cli_format_endpoint(r->rt.addr, port, local);
    cli_events_emit(&r->rt.events, cli_rt_now(&r->rt), r->rt.host, "listening",
                    (struct cli_field[]){CLI_STR("local", local),
                                         CLI_STR("mode", r->echo ? "echo" : "discard")},
                    2);
    int gone = 0;
    for (;;) {
        if (cli_rt_interrupted()) {
            shut_down(r);
            break;
        }
        vg_tcb *t;
        while ((t = vg_tcp_accept(r->listener)))
            if (add_conn(r, t, &o->ka) != 0)
                vg_tcp_abort(t, cli_rt_now(&r->rt));
        vg_time now = cli_rt_now(&r->rt);
        for (size_t i = r->nconns; i-- > 0;) {
            if (service(r, &r->conns[i], now))
                conn_end(r, i);
        }
        if (r->once && r->served) {
            wait_for_orphans(r);
            break;
        }
        if (cli_rt_step(&r->rt, VG_TIME_NEVER) < 0) {
            gone = 1;
            break;
        }
    }
    vg_time now = cli_rt_now(&r->rt);
    while (r->nconns)
        conn_end(r, r->nconns - 1);
    if (r->listener)
        vg_tcp_close(r->listener, now);
    cli_events_emit(&r->rt.events, now, r->rt.host, "stopped",
                    (struct cli_field[]){CLI_UINT("connections", r->served),
                                         CLI_UINT("failed", r->failed)},
                    2);
    cli_stats_print(&r->rt.events, now, r->rt.host, vg_stack_stats(r->rt.stack));
    return gone || r->failed ? 1 : 0;
}

struct serve_options {
    struct cli_rt_options rt;
    uint64_t port;
    uint64_t backlog;
    int echo, discard, verify, once;
};

/* CLI_RUN, CLI_DONE (--help, --version) or CLI_BAD (a usage error, printed). */
static int parse(int argc, char **argv, struct serve_options *o)
{
    memset(o, 0, sizeof *o);
    cli_rt_options_init(&o->rt);
    const struct cli_opt own[] = {
        {OPT_UINT("port", &o->port, 1, 65535), .required = 1, .help = "the port to listen on"},
        {OPT_FLAG("echo", &o->echo), .conflict = 1,
         .help = "send every byte received back (default: --discard)"},
        {OPT_FLAG("discard", &o->discard), .conflict = 1, .help = "read every byte and drop it"},
        {OPT_FLAG("verify", &o->verify),
         .help = "check that each connection's bytes are vigil's test pattern\n"
                 "(as sent by `vigil connect --send-bytes`); a difference\n"
                 "ends that connection"},
        {OPT_UINT("backlog", &o->backlog, 1, 65535),
         .help = "connections waiting to be accepted (default 1024; the\n"
                 "stack clamps it to its max_backlog)"},
        {OPT_FLAG("once", &o->once),
         .help = "stop after the first connection ends and its last bytes are\n"
                 "acknowledged (at most 60 s); exit 1 if it failed"},
    };
    struct cli_opt common[CLI_RT_NOPTS], ka[CLI_KEEPALIVE_NOPTS];
    const struct cli_group groups[] = {
        {"options", own, sizeof own / sizeof own[0]},
        {"common options (serve, connect)", common, cli_rt_options(&o->rt, common)},
        {"keep-alive options (sim, serve, connect)", ka, cli_keepalive_options(&o->rt.ka, ka)},
    };
    const struct cli_cmd cmd = {
        .name = "serve",
        .usage = "vigil serve --net tun:IFNAME:ADDR/PREFIX --port P [--echo|--discard] [--verify]\n"
                 "                   [--once] [options]",
        .about = "Accepts connections on port P until interrupted (SIGINT/SIGTERM close them\n"
                 "gracefully); then prints every stack counter (a \"stats\" event: one JSON object\n"
                 "with --json).\n",
        .groups = groups,
        .ngroups = sizeof groups / sizeof groups[0],
        .epilog = "exit status: 0 when every connection ended normally, 1 when one failed or the\n"
                  "device went away (or the stack could not start), 2 for a usage error.\n",
    };
    int rc = cli_parse(&cmd, argc, argv);
    if (rc == CLI_RUN)
        rc = cli_rt_check(&o->rt, &cmd);
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    struct serve_options o;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_RUN)
        return cli_exit_status(rc);
    struct serve_run *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "vigil serve: out of memory\n");
        return 1;
    }
    r->echo = o.echo;
    r->verify = o.verify;
    r->once = o.once;
    int status = 1;
    if (cli_rt_open(&r->rt, "serve", &o.rt) == 0) {
        status = run(r, (uint16_t)o.port, o.backlog ? (int)o.backlog : SERVE_BACKLOG, &o.rt);
        cli_rt_close(&r->rt);
    }
    free(r->conns);
    free(r);
    return status;
}
