/* vigil connect: one connection from a stack on a TUN device to HOST:PORT. It optionally sends a
 * known byte stream, then holds the connection open, receiving, until the connection ends or the
 * command is interrupted; events are printed as they happen. */
#include <stdlib.h>
#include <string.h>

#include "cli_pattern.h"
#include "cli_rt.h"
#include "commands.h"
#include "util/sha256.h"

/* After an interrupt, how long the FIN exchange may take before the command stops waiting. */
#define CONNECT_CLOSE_GRACE_US 1000000u
#define CONNECT_CHUNK 65536

struct connect_run {
    struct cli_rt rt;
    vg_tcb *tcb;
    uint64_t send_bytes;      /* UINT64_MAX: send nothing, do not half-close */
    int verify;
    uint64_t sent, received;
    uint64_t mismatch_at;     /* UINT64_MAX: none */
    struct vg_sha256 rx_hash;
    int ka_applied, shut, eof, connected;
    uint8_t buf[CONNECT_CHUNK];
};

static void send_more(struct connect_run *r, vg_time now)
{
    if (r->send_bytes == UINT64_MAX)
        return;
    while (r->sent < r->send_bytes && vg_tcp_writable(r->tcb) > 0) {
        uint64_t left = r->send_bytes - r->sent;
        size_t n = left < sizeof r->buf ? (size_t)left : sizeof r->buf;
        cli_pattern_fill(r->sent, r->buf, n);
        long k = vg_tcp_send(r->tcb, r->buf, n, now);
        if (k <= 0)
            break;
        r->sent += (uint64_t)k;
    }
    if (r->sent == r->send_bytes && !r->shut) {
        vg_tcp_shutdown_send(r->tcb, now);
        r->shut = 1;
    }
}

static void receive(struct connect_run *r, vg_time now)
{
    for (;;) {
        long n = vg_tcp_recv(r->tcb, r->buf, sizeof r->buf, now);
        if (n == 0) {
            r->eof = 1;
            return;
        }
        if (n < 0)
            return;
        if (r->verify && r->mismatch_at == UINT64_MAX) {
            size_t bad = cli_pattern_check(r->received, r->buf, (size_t)n);
            if (bad < (size_t)n)
                r->mismatch_at = r->received + bad;
        }
        vg_sha256_update(&r->rx_hash, r->buf, (size_t)n);
        r->received += (uint64_t)n;
    }
}

/* The connection has reached an end we report: 1 done, 0 keep going. */
static int finished(struct connect_run *r)
{
    enum vg_tcp_state st = vg_tcp_state(r->tcb);
    if (vg_tcp_error(r->tcb) || st == VG_TCP_CLOSED) {
        /* What arrived before the end is still the application's to read, as on Linux: a peer
         * that closed and then answered a late duplicate with an RST took none of it back. */
        receive(r, cli_rt_now(&r->rt));
        return 1;
    }
    if (r->mismatch_at != UINT64_MAX)
        return 1;
    /* The peer closed its side and ours has nothing left to say (or never had anything). */
    return r->eof && (r->send_bytes == UINT64_MAX || (r->shut && vg_tcp_unacked(r->tcb) == 0));
}

/* After an interrupt: our FIN goes out and the command waits (briefly) for the exchange. */
static void close_gracefully(struct connect_run *r)
{
    vg_time now = cli_rt_now(&r->rt);
    vg_tcp_shutdown_send(r->tcb, now);
    vg_time until = now + CONNECT_CLOSE_GRACE_US;
    while (cli_rt_now(&r->rt) < until) {
        enum vg_tcp_state st = vg_tcp_state(r->tcb);
        if (st == VG_TCP_CLOSED || st == VG_TCP_TIME_WAIT ||
            (st == VG_TCP_FIN_WAIT_2 && vg_tcp_unacked(r->tcb) == 0))
            break;
        receive(r, cli_rt_now(&r->rt));
        if (cli_rt_step(&r->rt, until) < 0)
            break;
    }
}

static int run(struct connect_run *r, const vg_addr *raddr, uint16_t rport,
               const struct cli_rt_options *o)
{
    vg_time now = cli_rt_now(&r->rt);
    r->tcb = vg_tcp_open(r->rt.stack);
    if (!r->tcb) {
        fprintf(stderr, "vigil connect: out of memory\n");
        return 1;
    }
    int rc = vg_tcp_connect_addr(r->tcb, raddr, rport, now);
    if (rc) {
        const char *wsa = cli_wsa_error_name(rc);
        fprintf(stderr, "vigil connect: cannot start the connection: %s\n", wsa ? wsa : vg_err_name(rc));
        vg_tcp_close(r->tcb, now);
        return 1;
    }
    int gone = 0;
    while (!finished(r)) {
        if (cli_rt_interrupted()) {
            cli_events_emit(&r->rt.events, cli_rt_now(&r->rt), r->rt.host, "interrupted", NULL, 0);
            close_gracefully(r);
            break;
        }
        now = cli_rt_now(&r->rt);
        if (!r->connected && vg_tcp_state(r->tcb) >= VG_TCP_ESTABLISHED)
            r->connected = 1;
        if (r->connected && !r->ka_applied) {
            int e = cli_keepalive_apply(&o->ka, r->tcb, now);
            if (e)
                fprintf(stderr, "vigil connect: keep-alive options refused: %s\n", vg_err_name(e));
            r->ka_applied = 1;
        }
        if (r->connected) {
            receive(r, now);
            send_more(r, now);
            if (finished(r))
                break;
        }
        if (cli_rt_step(&r->rt, VG_TIME_NEVER) < 0) {
            gone = 1;
            break;
        }
    }
    now = cli_rt_now(&r->rt);
    int err = gone ? VG_ERR_NETDOWN : vg_tcp_error(r->tcb);
    const char *wsa = cli_wsa_error_name(err);
    uint8_t digest[VG_SHA256_LEN];
    char hex[VG_SHA256_HEX_LEN];
    vg_sha256_final(&r->rx_hash, digest);
    vg_sha256_hex(digest, hex);
    struct cli_field f[7];
    size_t n = 0;
    f[n++] = CLI_UINT("bytes_sent", r->sent);
    f[n++] = CLI_UINT("bytes_received", r->received);
    f[n++] = CLI_STR("received_sha256", hex);
    if (r->verify) {
        int ok = r->mismatch_at == UINT64_MAX && r->send_bytes != UINT64_MAX &&
                 r->received == r->send_bytes;
        f[n++] = CLI_BOOL("verified", ok);
        if (r->mismatch_at != UINT64_MAX)
            f[n++] = CLI_UINT("mismatch_at", r->mismatch_at);
        if (!ok)
            err = err ? err : VG_ERR_INVAL;
    }
    if (wsa)
        f[n++] = CLI_STR("error", wsa);
    f[n++] = CLI_STR("state", vg_tcp_state_name(vg_tcp_state(r->tcb)));
    cli_events_emit(&r->rt.events, now, r->rt.host, "summary", f, n);
    /* The handle is released; the stack would finish the close on its own were it kept running. */
    vg_tcp_close(r->tcb, now);
    return err ? 1 : 0;
}

struct connect_options {
    struct cli_rt_options rt;
    struct cli_endpoint peer;
    uint64_t send_bytes;
    int send_given, verify;
};

/* CLI_RUN, CLI_DONE (--help, --version) or CLI_BAD (a usage error, printed). */
static int parse(int argc, char **argv, struct connect_options *o)
{
    memset(o, 0, sizeof *o);
    cli_rt_options_init(&o->rt);
    const struct cli_opt own[] = {
        {OPT_ENDPOINT("HOST:PORT", &o->peer), .operand = 1, .required = 1,
         .help = "the peer to connect to, e.g. 192.0.2.1:7000 or\n"
                 "[2001:db8::1]:7000"},
        {OPT_SIZE("send-bytes", &o->send_bytes, 0, UINT64_MAX - 1), .meta = "N",
         .given = &o->send_given,
         .help = "send N bytes of vigil's test pattern (K/M/G suffixes), then\nhalf-close"},
        {OPT_FLAG("verify", &o->verify),
         .help = "check that the bytes received are that pattern from offset 0\n"
                 "(an echo server's answer); exit 1 on the first difference"},
    };
    struct cli_opt common[CLI_RT_NOPTS], ka[CLI_KEEPALIVE_NOPTS];
    const struct cli_group groups[] = {
        {"options", own, sizeof own / sizeof own[0]},
        {"common options (serve, connect)", common, cli_rt_options(&o->rt, common)},
        {"keep-alive options (sim, serve, connect)", ka, cli_keepalive_options(&o->rt.ka, ka)},
    };
    const struct cli_cmd cmd = {
        .name = "connect",
        .usage = "vigil connect --net tun:IFNAME:ADDR/PREFIX HOST:PORT [--send-bytes N] [--verify]\n"
                 "                     [options]",
        .about = "Connects to HOST:PORT and holds the connection open, receiving, until it ends or\n"
                 "the command is interrupted (SIGINT/SIGTERM close it gracefully).\n",
        .groups = groups,
        .ngroups = sizeof groups / sizeof groups[0],
        .epilog = "exit status: 0 when the connection ended normally (or was interrupted) and any\n"
                  "check passed, 1 when it failed (refused, reset, timed out, keep-alive, link\n"
                  "gone, mismatch), 2 for a usage error.\n",
    };
    int rc = cli_parse(&cmd, argc, argv);
    if (rc == CLI_RUN && o->verify && !o->send_given)
        rc = cli_fail(&cmd, "--verify checks an echo of --send-bytes: give --send-bytes N too");
    if (rc == CLI_RUN)
        rc = cli_rt_check(&o->rt, &cmd);
    return rc;
}

int cmd_connect(int argc, char **argv)
{
    struct connect_options o;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_RUN)
        return cli_exit_status(rc);
    struct connect_run *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "vigil connect: out of memory\n");
        return 1;
    }
    r->send_bytes = o.send_given ? o.send_bytes : UINT64_MAX;
    r->verify = o.verify;
    r->mismatch_at = UINT64_MAX;
    vg_sha256_init(&r->rx_hash);
    int status = 1;
    if (cli_rt_open(&r->rt, "connect", &o.rt) == 0) {
        status = run(r, &o.peer.where, o.peer.port, &o.rt);
        cli_rt_close(&r->rt);
    }
    free(r);
    return status;
}
