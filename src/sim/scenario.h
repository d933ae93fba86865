/* Keep-alive scenarios: two hosts on a simulated network, in virtual time. Host "client"
 * (192.0.2.1) connects to host "server" (192.0.2.2, port 5001) with keep-alive on; the connection
 * then stays idle while the scenario does something to the peer or the path, and every event is
 * recorded with its virtual instant (µs since the scenario started). The engine also predicts,
 * from the rules of the specification, what the client should see and when, so a run can say
 * whether the stack did exactly that.
 *
 *   alive        the idle peer answers every probe; the connection never ends
 *   peer-crash   the server goes down silently at fault_at: the client aborts at
 *                last_rx + time + count·interval (B3), or never with count 0 (A10)
 *   partition    the path drops everything from fault_at for heal_after, then heals: a probe sent
 *                after the heal is answered and the connection lives; if the heal comes after
 *                the abort instant, the client has aborted
 *   peer-reboot  the server goes down at fault_at and comes back down_for later with no state: it
 *                answers the next probe with an RST, and the client's connection is reset
 *   nat-expiry   a NAT between them forgets flows idle for nat_timeout and then drops their
 *                packets silently: probing more often keeps the flow, less often loses it
 *   lossy        every packet after the handshake is lost with probability loss: lost probes
 *                are not fatal (B4) unless count of them in a row go unanswered
 */
#ifndef VG_SCENARIO_H
#define VG_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include "sim/simnet.h"
#include "vigil/vigil.h"

struct vg_pcap;

enum vg_scenario {
    VG_SCN_ALIVE = 0,
    VG_SCN_PEER_CRASH,
    VG_SCN_PARTITION,
    VG_SCN_PEER_REBOOT,
    VG_SCN_NAT_EXPIRY,
    VG_SCN_LOSSY,
    VG_SCN_COUNT
};
const char *vg_scenario_name(enum vg_scenario s);            /* "peer-crash", ... */
int vg_scenario_parse(const char *name, enum vg_scenario *out); /* 0 or -1 */

#define VG_SCN_CLIENT_ADDR 0xc0000201u   /* 192.0.2.1 */
#define VG_SCN_SERVER_ADDR 0xc0000202u   /* 192.0.2.2 */
#define VG_SCN_SERVER_PORT 5001
/* With vg_scn_params.ipv6: 2001:db8::1 and 2001:db8::2. */
extern const uint8_t VG_SCN_CLIENT_ADDR6[16], VG_SCN_SERVER_ADDR6[16];
/* The hosts' addresses as text ("192.0.2.1", "2001:db8::1") and the server's with its port
 * ("192.0.2.2:5001", "[2001:db8::2]:5001"), for reports. */
const char *vg_scn_client_text(int ipv6);
const char *vg_scn_server_text(int ipv6);

/* Who an event happened to. */
enum vg_scn_host { VG_SCN_CLIENT = 0, VG_SCN_SERVER, VG_SCN_NET, VG_SCN_NAT };
const char *vg_scn_host_name(enum vg_scn_host h);            /* "client", "server", "net", "nat" */

/* Events of the scenario itself; the stacks' events keep their enum vg_event_type values, which
 * are all below these. */
enum vg_scn_event_type {
    VG_SCN_EV_PEER_DOWN = 100,     /* the server stopped: no sending, receiving or timers */
    VG_SCN_EV_PEER_REBOOTED,       /* the server is back, with a fresh stack and a listener */
    VG_SCN_EV_PARTITION_START,
    VG_SCN_EV_PARTITION_HEAL,
    VG_SCN_EV_NAT_FORGOT_FLOW,     /* arg: the NAT's idle timeout in ms */
    VG_SCN_EV_PACKET_DROPPED,      /* by the NAT or by random loss; see what, from, reason */
    VG_SCN_EV_RST_SENT,            /* a host put an RST on the wire (B7, or a rebooted peer) */
};
/* "connected", "probe_sent", ... (vg_event_name) or "peer_down", "partition_heal", ... */
const char *vg_scn_event_name(int type);

/* What a packet was, told from the wire alone (as Wireshark tells a keep-alive). */
enum vg_scn_segment {
    VG_SCN_SEG_OTHER = 0, VG_SCN_SEG_SYN, VG_SCN_SEG_RST, VG_SCN_SEG_FIN, VG_SCN_SEG_DATA,
    VG_SCN_SEG_PROBE,              /* SEQ = next-1, no more than one octet, ACK only */
    VG_SCN_SEG_ACK,                /* a pure ACK, e.g. the answer to a probe */
};
const char *vg_scn_segment_name(enum vg_scn_segment s);      /* "probe", "ack", ... */
enum vg_scn_drop_reason { VG_SCN_DROP_NONE = 0, VG_SCN_DROP_NAT, VG_SCN_DROP_LOSS };
const char *vg_scn_drop_reason_name(enum vg_scn_drop_reason r);

struct vg_scn_event {
    vg_time t;                 /* µs since the scenario started */
    enum vg_scn_host host;
    int type;                  /* enum vg_event_type or enum vg_scn_event_type */
    int err;                   /* enum vg_err: aborted, closed */
    uint32_t arg;              /* probe_sent: probes now unanswered; probe_acked: how many were */
    vg_time last_rx;           /* client events: the client's last receipt, as the net saw it */
    /* packet_dropped only */
    enum vg_scn_segment what;
    enum vg_scn_host from;
    enum vg_scn_drop_reason reason;
};

/* "Use the default" for the vg_time parameters that have one worked out from the others. */
#define VG_SCN_AUTO VG_TIME_NEVER

struct vg_scn_params {
    enum vg_scenario scenario;
    /* Both hosts' stack configuration: profile, system parameters, garbage-octet probes.
     * Address and seed are the engine's. Keep-alive runs on the client only. */
    struct vg_stack_config cfg;
    /* The client connection's own keep-alive settings; VG_KA_SYSTEM: the system value. */
    uint32_t ka_time_ms, ka_interval_ms, ka_count;
    uint32_t latency_us;        /* one-way (1 ms) */
    double loss;                /* probability each packet after the handshake is lost
                                   (0; lossy: 0.3) */
    uint64_t seed;              /* stacks and loss (1) */
    vg_time duration;           /* VG_SCN_AUTO: until the scenario has played out, see below */
    vg_time fault_at;           /* crash, partition start, reboot's power-off (60 s); not
                                   before the connection is established */
    vg_time heal_after;         /* partition: how long it lasts; VG_SCN_AUTO: until halfway
                                   through the probes */
    vg_time down_for;           /* peer-reboot: how long the server is off (30 s) */
    vg_time nat_timeout;        /* nat-expiry: the NAT's idle timeout (300 s) */
    int ipv6;                   /* run the connection over IPv6 (0: IPv4) */
    struct vg_pcap *pcap;       /* every packet put on the wire, NULL for none; a packet the
                                   net or the NAT dropped carries a comment saying why */
    vg_time pcap_epoch;         /* added to the capture's timestamps (µs since 1970) */
    /* Called as each event happens, in time order. */
    void (*on_event)(void *ctx, const struct vg_scn_event *ev);
    void *ctx;
    /* Also told of every event, after on_event (a picture of the run, say); NULL for none. */
    void (*observer)(void *ctx, const struct vg_scn_event *ev);
    void *observer_ctx;
    /* A tap on the network (simnet.h): the client is simnet host 0, the server host 1, and the
     * tap's times are the events' times. NULL for none. */
    vg_simnet_tap_fn tap;
    void *tap_ctx;
    int keep_events;            /* keep them in the result too (1); a caller that only prints
                                   them can save the memory of a long run with short probes */
};
/* The defaults for a scenario under a profile (windows-vista is the stack's default). */
void vg_scn_params_default(struct vg_scn_params *p, enum vg_scenario s, enum vg_profile profile);

enum vg_scn_outcome {
    VG_SCN_LIVES = 0,       /* the client's connection was still established at the end */
    VG_SCN_ABORTED,         /* keep-alive declared the peer dead (B3) */
    VG_SCN_RESET,           /* the peer's RST ended it */
    VG_SCN_OTHER_END,       /* it ended some other way */
    VG_SCN_NO_CONNECTION,   /* the handshake did not complete */
};
const char *vg_scn_outcome_name(enum vg_scn_outcome o);    /* "lives", "aborted", ... */

struct vg_scn_result {
    struct vg_scn_event *events;   /* owned (vg_scn_result_free); none without keep_events */
    size_t nevents;
    uint32_t time_ms, interval_ms, count;   /* the client connection's effective keep-alive */
    vg_time connected_at;          /* the client's handshake completed */
    vg_time idle_from;             /* its last receipt once the handshake had settled */
    vg_time fault_at, recover_at;  /* the scenario's own instants, VG_TIME_NEVER if none */
    vg_time last_rx_before_fault;  /* the client's last receipt before the fault */
    vg_time last_rx;               /* the client's last receipt before the outcome (or the end) */
    enum vg_scn_outcome outcome;
    vg_time outcome_at;            /* abort or reset instant, VG_TIME_NEVER if it lives */
    int error;                     /* enum vg_err the connection ended with, 0 if none */
    /* The prediction: outcome and instant (VG_TIME_NEVER when it lives). expect_known is 0 when
     * random loss decides, when the connection ended before the handshake had settled, or when
     * the run stopped before that: then only B3's instant is checked (vg_scn_as_expected). */
    int expect_known;
    enum vg_scn_outcome expect;
    vg_time expect_at;
    int expect_error;              /* enum vg_err, 0 when it lives */
    vg_time nat_forgot_at;         /* the NAT first forgot the flow, VG_TIME_NEVER if never */
    uint32_t probes_sent, probes_answered;
    uint32_t probes_lost, answers_lost;     /* dropped by the NAT or random loss */
    uint32_t longest_unanswered;   /* most probes outstanding at once */
    vg_time end;                   /* the instant the run stopped */
};

/* Runs a scenario. 0, or -1 if it could not be set up (out of memory, or a per-connection
 * keep-alive setting the stack refuses). With duration VG_SCN_AUTO the run lasts until the
 * predicted outcome plus a second (for a connection that lives: past the instant it would have
 * been dropped, or three keep-alive cycles); when random loss decides, it stops a second after
 * the client's connection ends. The scenario's own changes (fault, heal, reboot, the NAT
 * forgetting) happen before anything else due at the same instant. */
int vg_scn_run(const struct vg_scn_params *p, struct vg_scn_result *r);
void vg_scn_result_free(struct vg_scn_result *r);
/* 1 when the run did what the specification predicts (always, when it was not predictable). */
int vg_scn_as_expected(const struct vg_scn_result *r);

/* Events of a result: the first at or after index start matching host (-1: any) and type,
 * NULL if none; and how many match. */
const struct vg_scn_event *vg_scn_find(const struct vg_scn_result *r, int host, int type,
                                       size_t start);
size_t vg_scn_count(const struct vg_scn_result *r, int host, int type);

#endif
