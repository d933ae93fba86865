/* Scenario files (docs/scenarios.md): a line language describing hosts, a link, timed actions
 * and expectations, parsed without I/O (scnfile_parse.c, fuzzed by fuzz/fuzz_scnfile.c) and run
 * on the simulated network in virtual time (scnfile_run.c).
 *
 *   host client profile windows-vista
 *   host server
 *   connect client -> server:5001 keepalive on
 *   at 60s crash server
 *   expect 7210002ms ±0 client aborted error=WSAENETRESET
 *
 * The parser fills a struct scnf; what it cannot check without reading files (a registry export)
 * is left to the caller, which hands the runner one stack configuration per host. */
#ifndef VG_SCNFILE_H
#define VG_SCNFILE_H

#include <stddef.h>
#include <stdint.h>
#include "sim/simnet.h"
#include "vigil/vigil.h"

struct vg_pcap;

#define SCNF_LINE_MAX 512        /* bytes per line, newline excluded */
#define SCNF_NAME_MAX 15         /* characters of a host name */
#define SCNF_PATH_MAX 255
#define SCNF_MAX_HOSTS 8
#define SCNF_MAX_CONNS 8
#define SCNF_MAX_LISTENS 8
#define SCNF_MAX_ACTIONS 256
#define SCNF_MAX_EXPECTS 256
#define SCNF_TIME_MAX VG_MS(366ull * 24 * 3600 * 1000)   /* a year of virtual time */

/* Event hosts that are not hosts of the file. */
#define SCNF_HOST_NET (-2)       /* the path: partitions, random loss */
#define SCNF_HOST_NAT (-3)

/* Keep-alive settings of one socket, as SO_KEEPALIVE, SIO_KEEPALIVE_VALS and TCP_KEEP* set
 * them. A field is applied only when its has_ flag is set; VG_KA_SYSTEM returns the setting to
 * the system value. */
struct scnf_ka {
    int has_on, on;
    int has_time, has_interval, has_count;
    uint32_t time_ms, interval_ms, count;
};

struct scnf_host {
    char name[SCNF_NAME_MAX + 1];
    int line;
    uint32_t addr;                     /* default 192.0.2.(index + 1) */
    enum vg_profile profile;
    char reg[SCNF_PATH_MAX + 1];       /* as written, relative to the file; "" for none */
    int garbage_octet;                 /* B2: enum vg_garbage_octet; default the profile's */
    /* System parameters given in the file (A11), applied over the profile and the registry. */
    int has_sys_time, has_sys_interval, has_sys_retrans;
    uint32_t sys_time_ms, sys_interval_ms, sys_retrans;
};

struct scnf_listen {
    int host, line;
    uint16_t port;
    struct scnf_ka ka;                 /* accepted connections inherit it */
};

struct scnf_conn {
    int from, to, line;
    uint16_t port;
    struct scnf_ka ka;                 /* applied before connect */
};

enum scnf_action_kind {
    SCNF_CRASH = 1,    /* host goes down silently: no sending, receiving or timers */
    SCNF_REBOOT,       /* host comes back (or restarts) with a fresh stack, listening again */
    SCNF_PARTITION,    /* every packet between host and host2 is dropped ... */
    SCNF_HEAL,         /* ... until this */
    SCNF_SEND,         /* host's application sends bytes on each of its connections */
    SCNF_SET,          /* host's application changes keep-alive on each of its connections */
    SCNF_CLOSE,        /* host's application closes each of its connections */
};

struct scnf_action {
    vg_time at;
    int line;
    enum scnf_action_kind kind;
    int host, host2;
    uint64_t bytes;
    struct scnf_ka ka;
};

enum scnf_expect_kind {
    SCNF_EXPECT_AT = 1,   /* a matching event at `at` ± tol */
    SCNF_EXPECT_NONE,     /* no matching event in from..to */
    SCNF_EXPECT_COUNT,    /* exactly `count` matching events in from..to */
};

/* Which events an expectation is about: a host and event name, and key=value constraints. */
struct scnf_match {
    int host;                          /* index, SCNF_HOST_NET or SCNF_HOST_NAT */
    int type;                          /* enum vg_event_type or enum vg_scn_event_type */
    int has_error, error;              /* error=WSAENETRESET (enum vg_err), error=none */
    int has_arg;                       /* probe=N (probe_sent), unanswered_before=N (probe_acked) */
    uint32_t arg;
    int has_what, what;                /* packet_dropped: what=probe (enum vg_scn_segment) */
    int has_from, from;                /* packet_dropped: from=HOST */
    int has_reason, reason;            /* packet_dropped: reason=nat_no_flow|random_loss */
};

struct scnf_expect {
    enum scnf_expect_kind kind;
    int line;
    struct scnf_match m;
    vg_time at, tol;                   /* AT */
    vg_time from, to;                  /* NONE, COUNT: inclusive */
    uint64_t count;                    /* COUNT */
    char text[SCNF_LINE_MAX + 1];      /* the statement as written, comment and blanks trimmed */
};

struct scnf {
    int nhosts, nlistens, nconns, nactions, nexpects;
    struct scnf_host hosts[SCNF_MAX_HOSTS];
    struct scnf_listen listens[SCNF_MAX_LISTENS];
    struct scnf_conn conns[SCNF_MAX_CONNS];
    struct scnf_action actions[SCNF_MAX_ACTIONS];   /* in time order (the file's order) */
    struct scnf_expect expects[SCNF_MAX_EXPECTS];
    /* The link between every pair of hosts. */
    uint32_t latency_us;               /* default 1 ms */
    uint64_t bandwidth_bps;            /* 0: infinite */
    double loss;
    int loss_from_start;               /* 0: only once every connection is established */
    vg_time nat_timeout;               /* 0: no NAT */
    uint64_t seed;                     /* default 1 */
    vg_time duration;                  /* VG_TIME_NEVER: worked out, see scnf_end */
    int lines;                         /* lines in the file */
};

/* Parses a whole file held in memory. 0, or -1 with *line the line at fault (the last line when
 * something required is missing) and err "reason" (no file name, no line number). */
int scnf_parse(const char *data, size_t len, struct scnf *out, int *line, char *err,
               size_t errlen);

/* When a run of the scenario stops: the duration if given, otherwise a second after the last
 * instant the file names (an action, an expected event plus its tolerance, an interval's end). */
vg_time scnf_end(const struct scnf *s);

/* Names: an event host ("client", "net", "nat"), an event type, a core error as Winsock names
 * it ("WSAENETRESET"), and the reverse lookups (0, or -1 if unknown). */
const char *scnf_host_name(const struct scnf *s, int host);
int scnf_event_parse(const char *name, int *type);
const char *scnf_wsa_name(int err);
int scnf_wsa_parse(const char *name, int *err);

/* One thing that happened, as the runner reports it. */
struct scnf_event {
    vg_time t;
    int host;                          /* index, SCNF_HOST_NET or SCNF_HOST_NAT */
    int type;                          /* enum vg_event_type or enum vg_scn_event_type */
    int err;                           /* enum vg_err: aborted, closed */
    uint32_t arg;                      /* probe_sent: unanswered now; probe_acked: before */
    uint32_t count;                    /* probe_sent, aborted: the connection's probe count */
    uint32_t time_ms, interval_ms;     /* aborted: the connection's keep-alive time, interval */
    vg_time idle;                      /* aborted by keep-alive: since the last receipt, else NEVER */
    int what, from, reason;            /* packet_dropped */
    uint32_t peer_addr;                /* connection events: the other end (0: none) */
    uint16_t peer_port;
    uint32_t timeout_ms;               /* nat_forgot_flow */
    vg_time last_seen;                 /* nat_forgot_flow */
};

/* How each expectation came out. */
struct scnf_outcome {
    int holds;
    uint64_t matched;                  /* matching events in the window (AT: within tolerance) */
    vg_time first, last;               /* of those; AT: the nearest match anywhere; NEVER if none */
};

struct scnf_run_params {
    const struct scnf *scn;
    const struct vg_stack_config *cfg; /* one per host: profile, system parameters, garbage octet;
                                          address and seed are the runner's */
    struct vg_pcap *pcap;              /* every packet put on the wire, NULL for none */
    vg_time pcap_epoch;
    /* Also told of every packet and its fate (a picture, sim_svg.h), NULL for none. */
    vg_simnet_tap_fn tap;
    void *tap_ctx;
    void (*on_event)(void *ctx, const struct scnf_event *ev);
    void *ctx;
};

/* Runs the scenario until scnf_end, calling on_event for each event in time order, and fills
 * out[i] for expectation i. Returns the number of expectations that do not hold, or -1 if the
 * network could not be built (out of memory, a keep-alive setting the stack refuses, a port in
 * use): then err says why. *end receives the instant the run stopped. */
int scnf_run(const struct scnf_run_params *p, struct scnf_outcome *out, vg_time *end, char *err,
             size_t errlen);

/* "aborted at 7210002 ms", "none", "3 at 7200002..7202002 ms": what happened, for expectation e. */
void scnf_seen(const struct scnf *s, const struct scnf_expect *e, const struct scnf_outcome *o,
               char *buf, size_t len);

#endif
