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

int cli_parse_size(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int cli_parse_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= INET_ADDRSTRLEN)
        return -1;
    char host[INET_ADDRSTRLEN];
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, host, &in) != 1)
        return -1;
    uint64_t p;
    if (cli_parse_size(colon + 1, &p) != 0 || p == 0 || p > 65535 ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return -1;
    *addr = ntohl(in.s_addr);
    *port = (uint16_t)p;
    return 0;
}

int cli_rt_option(struct cli_rt_options *o, const char *prog, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    if (!strcmp(opt, "--json")) {
        o->json = 1;
        return 1;
    }
    if (!strcmp(opt, "--verbose")) {
        o->verbose = 1;
        return 1;
    }
    if (!strcmp(opt, "--status")) {
        o->status = 1;
        return 1;
    }
    if (!strcmp(opt, "--net") || !strcmp(opt, "--pcap") || !strcmp(opt, "--buffer") ||
        !strcmp(opt, "--link-delay-ms")) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", prog, opt);
            return -1;
        }
        const char *v = argv[++*i];
        if (!strcmp(opt, "--net")) {
            o->net = v;
        } else if (!strcmp(opt, "--pcap")) {
            o->pcap_path = v;
        } else if (!strcmp(opt, "--link-delay-ms")) {
            uint64_t ms;
            if (strspn(v, "0123456789") != strlen(v) || cli_parse_size(v, &ms) != 0 ||
                ms > 60000) {
                fprintf(stderr, "%s: --link-delay-ms wants 0 to 60000 (ms), not '%s'\n", prog, v);
                return -1;
            }
            o->link_delay_ms = (uint32_t)ms;
        } else {
            uint64_t b;
            if (cli_parse_size(v, &b) != 0 || b < 1024 || b > (1u << 30)) {
                fprintf(stderr, "%s: --buffer wants a size from 1K to 1G, not '%s'\n", prog, v);
                return -1;
            }
            o->buffer = (uint32_t)b;
        }
        return 1;
    }
    return cli_keepalive_option(&o->ka, prog, argc, argv, i);
}

void cli_rt_usage(FILE *f)
{
    fputs("common options:\n"
          "  --net tun:IFNAME:ADDR/PREFIX  the TUN device and our address on it (default:\n"
          "                            $VIGIL_NET); the kernel's side is another address of the\n"
          "                            prefix, e.g. scripts/netns-lab sets up tun:vg0:192.0.2.2/24\n"
          "  --pcap FILE               capture every packet in and out (pcapng, real timestamps)\n"
          "  --json                    one JSON object per event line\n"
          "  --verbose                 also the high-volume events (readable, retransmit, ...)\n"
          "  --status                  a table of the connections once a second, like ss -o:\n"
          "                            state, queues, RTT, keep-alive next probe in, unanswered,\n"
          "                            abort in (stderr; with --json \"status\" events); SIGUSR1\n"
          "                            prints one at any time\n"
          "  --buffer SIZE             send and receive buffer per connection (e.g. 1M)\n"
          "  --link-delay-ms MS        a slower wire where tc netem is missing: hold every\n"
          "                            datagram MS ms on its way in from the device and MS ms\n"
          "                            on its way out (the RTT grows by 2*MS; order kept; a\n"
          "                            full queue drops); the capture shows what the stack sees\n",
          f);
    cli_keepalive_usage(f);
}

static void on_stack_event(void *ctx, const struct vg_event *ev)
{
    struct cli_rt *rt = ctx;
    cli_events_stack(&rt->events, rt->host, ev);
    vg_time last_rx;
    if (cli_verdict_is_keepalive_abort(ev, &last_rx)) {
        /* What the options and the system parameters promise, against what the stack did. */
        uint32_t raddr;
        uint16_t rport;
        char peer[22];
        vg_tcp_endpoints(ev->tcb, NULL, NULL, &raddr, &rport);
        cli_format_endpoint(raddr, rport, peer);
        struct cli_ka_verdict v;
        cli_verdict_judge(&rt->ka, last_rx, ev->now, cli_verdict_rt_tolerance(&rt->ka), &v);
        cli_verdict_emit(&rt->events, rt->host, peer, last_rx, ev->now, &rt->ka, &v);
    }
}

int cli_rt_open(struct cli_rt *rt, const char *prog, const struct cli_rt_options *o)
{
    memset(rt, 0, sizeof *rt);
    const char *net = o->net ? o->net : getenv("VIGIL_NET");
    if (!net) {
        fprintf(stderr, "%s: no network: give --net tun:IFNAME:ADDR/PREFIX (or set VIGIL_NET)\n",
                prog);
        return -1;
    }
    char err[512];
    char ifname[16];
    uint8_t prefix;
    if (vg_net_spec_parse_tun(net, ifname, &rt->addr, &prefix, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return -1;
    }
    struct vg_stack_config cfg;
    int cfg_rc = cli_keepalive_stack_config(&o->ka, &cfg, err, sizeof err);
    if (cfg_rc != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return cfg_rc;
    }
    cfg.addr = rt->addr;
    cfg.prefix_len = prefix;
    cli_verdict_settings(cfg.profile, &cfg.sys, o->ka.time_ms, o->ka.interval_ms, o->ka.count,
                         &rt->ka);
    /* A real wire: the secret keying ISNs, ports and SYN cookies and the seed come from the
     * kernel (RFC 6528, RFC 6056); never from time or pid, which an attacker can guess. */
    if (vg_stack_config_randomize(&cfg) != 0) {
        fprintf(stderr, "%s: no randomness from the kernel (getrandom: %s)\n", prog,
                strerror(errno));
        return -1;
    }
    if (o->buffer)
        cfg.sndbuf = cfg.rcvbuf = o->buffer;
    cli_format_addr(rt->addr, rt->host);

    rt->tun = vg_tun_open(ifname, err, sizeof err);
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
    cli_status_poll(&rt->status, &rt->events, rt->host, rt->stack, cli_rt_now(rt));
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
