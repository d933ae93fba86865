/* What `vigil serve` and `vigil connect` share: one stack on a TUN device (--net
 * tun:IFNAME:ADDR/PREFIX), its real-time loop, an optional capture, event lines, and SIGINT/SIGTERM
 * turned into a flag the command's loop checks. */
#ifndef VG_CLI_RT_H
#define VG_CLI_RT_H

#include "cli_events.h"
#include "cli_keepalive.h"
#include "cli_link.h"
#include "cli_verdict.h"
#include "cli_status.h"
#include "vigil/vigil.h"

struct vg_tun;
struct vg_rtloop;
struct vg_pcap;

/* --net tun:IFNAME:ADDR/PREFIX, parsed. */
struct cli_net {
    const char *spec;
    char ifname[16];
    uint32_t addr;               /* 0: IPv6 only */
    uint8_t prefix;
    uint8_t has_addr6;
    uint8_t addr6[16];
    uint8_t prefix6;
};

#define CLI_RT_NOPTS 13

struct cli_rt_options {
    struct cli_net net;       /* --net, or $VIGIL_NET */
    int net_given;
    int create;               /* --create: make the TUN device if it does not exist */
    const char *pcap_path;    /* NULL: no capture */
    int json, verbose;
    int status;               /* --status: the connection table once a second (cli_status.h) */
    uint64_t buffer;          /* per-connection send and receive buffer, 0: the stack's default */
    uint64_t link_delay_ms;   /* --link-delay-ms: the loop holds each datagram this long, each way */
    uint64_t seed;            /* --seed, $VIGIL_SEED: a fixed seed and secret instead of getrandom */
    int seed_given;
    uint64_t txqueuelen;      /* --txqueuelen: the device's queue, exactly; 0: at least the default */
    int no_offload;           /* --no-offload: the stack checksums and segments everything itself */
    int cc;                   /* --cc: enum vg_cc_algo (cli_cc.h) */
    int no_rack;              /* --no-rack: losses by DupThresh, no tail loss probe */
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
    struct cli_link link;
};

void cli_rt_options_init(struct cli_rt_options *o);
/* The options common to serve and connect (--net, --create, --pcap, --json, --verbose,
 * --buffer, --link-delay-ms, --seed, --txqueuelen, --no-offload, --cc) as a table writing into o; returns how many. The
 * keep-alive ones are cli_keepalive_options(&o->ka, ...). */
size_t cli_rt_options(struct cli_rt_options *o, struct cli_opt out[CLI_RT_NOPTS]);
/* After cli_parse(): the checks that span options, the device's existence (unless --create)
 * and the keep-alive ones (cli_keepalive_check). CLI_RUN or CLI_BAD (usage error printed). */
int cli_rt_check(struct cli_rt_options *o, const struct cli_cmd *cmd);

/* Opens everything; on failure prints "vigil CMD: reason" and returns -1 with nothing left
 * open (a runtime failure: exit 1). */
int cli_rt_open(struct cli_rt *rt, const char *cmd, const struct cli_rt_options *o);
void cli_rt_close(struct cli_rt *rt);

vg_time cli_rt_now(const struct cli_rt *rt);
/* One turn of the loop (see vg_rtloop_run_once); link changes become event lines, and a status
 * table is printed when due (--status, SIGUSR1); the turn ends in time for it. Returns -1
 * once the device is gone (the caller ends: calls would fail with WSAENETDOWN), else 0. */
int cli_rt_step(struct cli_rt *rt, vg_time until);
/* A SIGINT or SIGTERM arrived since cli_rt_open. */
int cli_rt_interrupted(void);

#endif
