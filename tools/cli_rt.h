/* What `vigil serve` and `vigil connect` share: one stack on a TUN device (--net
 * tun:IFNAME:ADDR/PREFIX), its real-time loop, an optional capture, event lines, and SIGINT/SIGTERM
 * turned into a flag the command's loop checks. */
#ifndef VG_CLI_RT_H
#define VG_CLI_RT_H

#include "cli_events.h"
#include "cli_keepalive.h"
#include "cli_verdict.h"
#include "cli_status.h"
#include "vigil/vigil.h"

struct vg_tun;
struct vg_rtloop;
struct vg_pcap;

struct cli_rt_options {
    const char *net;          /* "tun:IF:ADDR/PREFIX"; NULL: $VIGIL_NET */
    const char *pcap_path;    /* NULL: no capture */
    int json, verbose;
    int status;               /* --status: the connection table once a second (cli_status.h) */
    uint32_t buffer;          /* per-connection send and receive buffer, 0: the stack's default */
    uint32_t link_delay_ms;   /* --link-delay-ms: the loop holds each datagram this long, each way */
    struct cli_keepalive ka;
};

struct cli_rt {
    vg_stack *stack;
    struct vg_tun *tun;
    struct vg_rtloop *loop;
    struct vg_pcap *pcap;
    struct cli_events events;
    char host[16];            /* our address: the host of every event line */
    uint32_t addr;
    int link_reported;        /* the link state last reported in an event line */
    struct cli_ka_expect ka;  /* every connection's effective keep-alive, for the verdict */
    struct cli_status status;
};

void cli_rt_options_init(struct cli_rt_options *o);
/* The options common to serve and connect (--net, --pcap, --json, --verbose, --buffer,
 * --link-delay-ms and the keep-alive ones): as cli_keepalive_option(). */
int cli_rt_option(struct cli_rt_options *o, const char *prog, int argc, char **argv, int *i);
void cli_rt_usage(FILE *f);

/* Opens everything; on failure prints "PROG: reason" and returns -1 with nothing left open, or -2
 * when the options themselves are unusable (a registry export over VG_REG_MAX_BYTES: exit 2). */
int cli_rt_open(struct cli_rt *rt, const char *prog, const struct cli_rt_options *o);
void cli_rt_close(struct cli_rt *rt);

vg_time cli_rt_now(const struct cli_rt *rt);
/* One turn of the loop (see vg_rtloop_run_once); link changes become event lines, and a status
 * table is printed when due (--status, SIGUSR1); the turn ends in time for it. Returns -1
 * once the device is gone (the caller ends: calls would fail with WSAENETDOWN), else 0. */
int cli_rt_step(struct cli_rt *rt, vg_time until);
/* A SIGINT or SIGTERM arrived since cli_rt_open. */
int cli_rt_interrupted(void);

/* "HOST:PORT" with a dotted-quad host. 0 or -1. */
int cli_parse_endpoint(const char *s, uint32_t *addr, uint16_t *port);
/* A byte count with an optional K, M or G suffix (binary multiples). 0 or -1. */
int cli_parse_size(const char *s, uint64_t *out);

#endif
