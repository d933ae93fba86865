/* Setting up and driving a real-time stack for the CLI (see cli_rt.h). */
#include "cli_rt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_cc.h"
#include "link/pcap.h"
#include "link/rtloop.h"
#include "link/tun.h"

static volatile sig_atomic_t interrupted;
static struct vg_rtloop *signal_loop;   /* woken by the handler; set while a loop is open */

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
    if (signal_loop)
        vg_rtloop_wake(signal_loop);
}

int cli_rt_interrupted(void)
{
    return interrupted != 0;
}

void cli_rt_options_init(struct cli_rt_options *o)
{
    memset(o, 0, sizeof *o);
    cli_keepalive_init(&o->ka);
}

/* --net's value: the spec, parsed (vg_net_spec_parse_tun says why it is not one). */
static int parse_net(const char *v, void *dst)
{
    struct cli_net *n = dst;
    char err[256];
    struct vg_net_spec spec;
    if (vg_net_spec_parse(v, &spec, err, sizeof err) != 0)
        return -1;
    memcpy(n->ifname, spec.ifname, sizeof n->ifname);
    n->addr = spec.addr;
    n->prefix = spec.prefix;
    n->has_addr6 = spec.has_addr6;
    memcpy(n->addr6, spec.addr6, 16);
    n->prefix6 = spec.prefix6;
    n->spec = v;
    return 0;
}

size_t cli_rt_options(struct cli_rt_options *o, struct cli_opt out[CLI_RT_NOPTS])
{
    const struct cli_opt opts[CLI_RT_NOPTS] = {
        {OPT_CUSTOM("net", &o->net, parse_net,
                    "tun:IFNAME:ADDR/PREFIX with an interface name of 1 to 15 characters, an "
                    "IPv4 address and a prefix length in [1, 30], e.g. tun:vg0:192.0.2.2/24, "
                    "or an IPv6 address with its prefix, or both: "
                    "tun:vg0:192.0.2.2/24,2001:db8::2/64"),
         .meta = "tun:IFNAME:ADDR/PREFIX", .env = "VIGIL_NET", .given = &o->net_given,
         .required = 1,
         .help = "the TUN device and our address on it; the kernel's side is\n"
                 "another address of the prefix, e.g. scripts/netns-lab sets up\n"
                 "tun:vg0:192.0.2.2/24. An IPv6 address may follow or stand\n"
                 "alone: tun:vg0:192.0.2.2/24,2001:db8::2/64. The device must\n"
                 "exist (ip tuntap add dev IFNAME mode tun) unless --create"},
        {OPT_FLAG("create", &o->create),
         .help = "create the TUN device if it does not exist (it goes away\n"
                 "when vigil exits; give the kernel's side an address and\n"
                 "bring it up: ip addr add ... dev IFNAME; ip link set IFNAME up)"},
        {OPT_FILE_OUT("pcap", &o->pcap_path),
         .help = "capture every packet in and out (pcapng, real timestamps)"},
        {OPT_FLAG("json", &o->json), .help = "one JSON object per event line"},
        {OPT_FLAG("verbose", &o->verbose),
         .help = "also the high-volume events (readable, retransmit, ...)"},
        {OPT_FLAG("status", &o->status),
         .help = "a table of the connections once a second, like ss -o:\n"
                 "state, queues, RTT, keep-alive next probe in, unanswered,\n"
                 "abort in (stderr; with --json \"status\" events); SIGUSR1\n"
                 "prints one at any time"},
        {OPT_SIZE("buffer", &o->buffer, 1024, 1u << 30),
         .help = "fixed send and receive buffer per connection (e.g. 1M);\n"
                 "without it they autotune"},
        {OPT_MS("link-delay-ms", &o->link_delay_ms, 0, 60000),
         .help = "a slower wire where tc netem is missing: hold every\n"
                 "datagram MS ms on its way in from the device and MS ms\n"
                 "on its way out (the RTT grows by 2*MS; order kept; a\n"
                 "full queue drops); the capture shows what the stack sees"},
        {OPT_UINT("seed", &o->seed, 0, UINT64_MAX), .env = "VIGIL_SEED", .given = &o->seed_given,
         .help = "a fixed seed, and the secret keying ISNs and ports derived\n"
                 "from it, instead of getrandom(): runs replay, and ISNs and\n"
                 "ports are predictable (for tests only)"},
        {OPT_UINT("txqueuelen", &o->txqueuelen, 1, 1u << 20),
         .help = "packets the TUN device queues on their way to vigil\n"
                 "(ip link set IFNAME txqueuelen N); by default vigil raises\n"
                 "a shorter queue to 32768, so that a burst (e.g. thousands\n"
                 "of keep-alive probes in lockstep) is not dropped; drops\n"
                 "show as device_tx_dropped in link_stats"},
        {OPT_FLAG("no-offload", &o->no_offload),
         .help = "no checksum or segmentation offload on the device: the\n"
                 "stack checksums every segment and sends and takes one MSS\n"
                 "at a time (for comparison)"},
        {OPT_ENUM("cc", &o->cc, cli_cc_names), .meta = "NAME", .help = CLI_CC_HELP},
        {OPT_FLAG("no-rack", &o->no_rack), .help = CLI_NO_RACK_HELP},
    };
    memcpy(out, opts, sizeof opts);
    return CLI_RT_NOPTS;
}

int cli_rt_check(struct cli_rt_options *o, const struct cli_cmd *cmd)
{
    /* What the command line names comes first (the registry export), then the device: a
     * missing device is a usage error too, since TUNSETIFF would make a device of a mistyped
     * name (vg_tun_open checks again, closing the race). */
    int rc = cli_keepalive_check(&o->ka, cmd);
    if (rc == CLI_RUN && !o->create && !vg_tun_exists(o->net.ifname))
        rc = cli_fail(cmd, "%s names TUN device %s, which does not exist: create it with 'ip "
                           "tuntap add dev %s mode tun' (as root), or add --create",
                      o->net_given == CLI_FROM_ENV ? "VIGIL_NET" : "--net", o->net.ifname,
                      o->net.ifname);
    return rc;
}

static void on_stack_event(void *ctx, const struct vg_event *ev)
{
    struct cli_rt *rt = ctx;
    cli_events_stack(&rt->events, rt->host, ev);
    vg_time last_rx;
    if (cli_verdict_is_keepalive_abort(ev, &last_rx)) {
        /* What the options and the system parameters promise, against what the stack did. */
        char peer[CLI_ENDPOINT_LEN];
        cli_format_peer(ev->tcb, peer);
        struct cli_ka_verdict v;
        cli_verdict_judge(&rt->ka, last_rx, ev->now, cli_verdict_rt_tolerance(&rt->ka), &v);
        cli_verdict_emit(&rt->events, rt->host, peer, last_rx, ev->now, &rt->ka, &v);
    }
}

/* "vigil CMD" for notes, in storage that outlives the call. */
static const char *prog_name(const char *cmd)
{
    static char name[32];
    snprintf(name, sizeof name, "vigil %s", cmd);
    return name;
}

int cli_rt_open(struct cli_rt *rt, const char *cmd, const struct cli_rt_options *o)
{
    memset(rt, 0, sizeof *rt);
    char prog[32];
    snprintf(prog, sizeof prog, "vigil %s", cmd);
    char err[512];
    const char *ifname = o->net.ifname;
    rt->addr = o->net.addr;
    struct vg_stack_config cfg;
    cli_keepalive_stack_config(&o->ka, &cfg, err, sizeof err);
    cfg.addr = rt->addr;
    cfg.prefix_len = o->net.prefix;
    cfg.has_addr6 = o->net.has_addr6;
    memcpy(cfg.addr6, o->net.addr6, 16);
    cfg.prefix6_len = o->net.prefix6;
    cli_verdict_settings(cfg.profile, &cfg.sys, o->ka.time_ms, o->ka.interval_ms, o->ka.count,
                         &rt->ka);
    /* A real wire: the secret keying ISNs, ports and SYN cookies and the seed come from the
     * kernel (RFC 6528, RFC 6056); never from time or pid, which an attacker can guess. A
     * test asks for a fixed seed (the secret is then derived from it). */
    if (o->seed_given) {
        cfg.seed = o->seed;
    } else if (vg_stack_config_randomize(&cfg) != 0) {
        fprintf(stderr, "%s: no randomness from the kernel (getrandom: %s)\n", prog,
                strerror(errno));
        return -1;
    }
    if (o->buffer)
        cfg.sndbuf = cfg.rcvbuf = cfg.sndbuf_max = cfg.rcvbuf_max = (uint32_t)o->buffer;
    cfg.cc = (uint8_t)o->cc;
    cfg.no_rack = (uint8_t)o->no_rack;
    cli_format_addr(rt->addr, rt->host);

    rt->tun = vg_tun_open(ifname, o->create, err, sizeof err);
    if (!rt->tun) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return -1;
    }
    rt->stack = vg_stack_new(&cfg);
    if (!rt->stack) {
        fprintf(stderr, "%s: cannot create the stack\n", prog);
        cli_rt_close(rt);
        return -1;
    }
    rt->loop = vg_rtloop_new(rt->stack, rt->tun, err, sizeof err);
    if (!rt->loop) {
        fprintf(stderr, "%s: %s\n", prog, err);
        cli_rt_close(rt);
        return -1;
    }
    if (o->link_delay_ms &&
        vg_rtloop_set_link_delay(rt->loop, (vg_time)o->link_delay_ms * 1000u, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", prog, err);
        cli_rt_close(rt);
        return -1;
    }
    if (o->pcap_path) {
        rt->pcap = vg_pcap_open(o->pcap_path);
        if (!rt->pcap) {
            fprintf(stderr, "%s: cannot write %s: %s\n", prog, o->pcap_path, strerror(errno));
            cli_rt_close(rt);
            return -1;
        }
        vg_rtloop_set_pcap(rt->loop, rt->pcap);
    }
    cli_events_init(&rt->events, stdout, o->json, vg_rtloop_start(rt->loop));
    rt->events.verbose = o->verbose;
    cli_link_open(&rt->link, prog_name(cmd), rt->tun, rt->loop, o->txqueuelen, !o->no_offload);
    if (o->verbose)
        cli_link_describe(&rt->link, &rt->events, vg_rtloop_now(rt->loop), rt->host);
    vg_stack_set_event(rt->stack, on_stack_event, rt);

    signal_loop = rt->loop;
    cli_status_start(&rt->status, rt->loop, o->status, vg_rtloop_start(rt->loop));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rt->link_reported = VG_RTLOOP_LINK_UP;
    if (vg_rtloop_link_state(rt->loop) != VG_RTLOOP_LINK_UP) {
        rt->link_reported = VG_RTLOOP_LINK_DOWN;
        fprintf(stderr,
                "%s: note: interface %s is down; the kernel's side needs an address and the link "
                "up, e.g.: ip addr add 192.0.2.1/24 dev %s && ip link set %s up\n",
                prog, ifname, ifname, ifname);
    }
    return 0;
}

void cli_rt_close(struct cli_rt *rt)
{
    if (rt->loop)
        cli_link_report(&rt->link, &rt->events, cli_rt_now(rt), rt->host);
    if (rt->loop && vg_rtloop_delay_dropped(rt->loop))
        fprintf(stderr, "vigil: note: the link delay's full queues dropped %llu datagrams\n",
                (unsigned long long)vg_rtloop_delay_dropped(rt->loop));
    if (rt->loop) {
        cli_status_stop(&rt->status);
        signal_loop = NULL;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    vg_rtloop_free(rt->loop);
    vg_stack_free(rt->stack);
    vg_tun_close(rt->tun);
    if (rt->pcap)
        vg_pcap_close(rt->pcap);
    memset(rt, 0, sizeof *rt);
}

vg_time cli_rt_now(const struct cli_rt *rt)
{
    return vg_rtloop_now(rt->loop);
}

int cli_rt_step(struct cli_rt *rt, vg_time until)
{
    vg_time status_at = cli_status_deadline(&rt->status);
    if (status_at < until)
        until = status_at;
    int ran = vg_rtloop_run_once(rt->loop, until);
    int err = errno;
    if (cli_status_poll(&rt->status, &rt->events, rt->host, rt->stack, cli_rt_now(rt)))
        cli_link_report(&rt->link, &rt->events, cli_rt_now(rt), rt->host);
    errno = err;
    if (ran < 0 && errno != EINTR) {
        /* poll() itself failing leaves nothing to wait with. */
        cli_events_emit(&rt->events, cli_rt_now(rt), rt->host, "loop_failed",
                        (struct cli_field[]){CLI_STR("reason", strerror(errno))}, 1);
        return -1;
    }
    int state = (int)vg_rtloop_link_state(rt->loop);
    if (state != rt->link_reported) {
        rt->link_reported = state;
        if (state == VG_RTLOOP_LINK_UP)
            cli_events_emit(&rt->events, cli_rt_now(rt), rt->host, "link_up", NULL, 0);
        else
            cli_events_emit(&rt->events, cli_rt_now(rt), rt->host, "link_down",
                            (struct cli_field[]){
                                CLI_STR("error", "WSAENETDOWN"),
                                CLI_STR("reason", state == VG_RTLOOP_LINK_GONE
                                                      ? "interface deleted"
                                                      : "interface down")},
                            2);
    }
    return state == VG_RTLOOP_LINK_GONE ? -1 : 0;
}
