/* vigil transfer: host A (192.0.2.1) sends N bytes of a keyed stream (cli_stream.h) to host B
 * (192.0.2.2) over a simulated link, and B compares every byte it reads with the stream at its
 * offset. Generating and comparing cost little next to the stacks, so the wall and CPU time the
 * run prints are the stacks' and the simulator's; SHA-256 of both ends, for a user to compare,
 * only with --sha256. The data is generated and checked in chunks as it goes, so N is bounded by
 * time, not memory. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_events.h"
#include "cli_opts.h"
#include "cli_stream.h"
#include "cli_verify.h"
#include "commands.h"
#include "cli_cc.h"
#include "link/pcap.h"
#include "sim/simnet.h"
#include "util/prng.h"
#include "util/sha256.h"
#include "vigil/vigil.h"

#define ADDR_A 0xc0000201u
#define ADDR_B 0xc0000202u
#define PORT_B 5001
/* --ipv6: 2001:db8::1 and 2001:db8::2. */
static const uint8_t ADDR6[2][16] = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1},
                                      {0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
#define CHUNK 65536
/* Give up when no byte arrives for this long: the connection is stuck, not slow. */
#define NO_PROGRESS_LIMIT VG_MS(3600000)
/* A half-open entry's SYN-ACKs back off 1, 2, 4 ... 32 s, then every 60 s: 255 of them keep it
 * alive for over four hours, longer than the watchdog waits, while the client, established by
 * the first SYN-ACK it hears, retransmits its first segment (at most every VG_RTO_MAX) until one
 * completes the handshake. */
#define SYNACK_RETRIES 255

struct options {
    uint64_t bytes;
    struct vg_link_params link;
    double latency_ms, bandwidth_mbps;
    uint64_t seed;
    int json, sha256;
    int no_timestamps, no_sack, no_rack;
    int ipv6;
    const char *pcap;
    int cc;                      /* enum vg_cc_algo, both hosts */
};

/* CLI_RUN, CLI_DONE (--help, --version) or CLI_BAD (a usage error, printed). */
static int parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->latency_ms = 10;
    o->bandwidth_mbps = 100;
    o->seed = 1;
    const struct cli_opt own[] = {
        {OPT_UINT("bytes", &o->bytes, 0, 1000000000000000ull), .required = 1,
         .help = "bytes to send, a whole number in [0, 10^15] (required)"},
        {OPT_PROB("loss", &o->link.loss), .help = "probability a packet is lost, in [0,1) (default 0)"},
        {OPT_PROB("dup", &o->link.dup),
         .help = "probability a packet is duplicated, in [0,1) (default 0)"},
        {OPT_PROB("reorder", &o->link.reorder),
         .help = "probability a packet is held back, in [0,1) (default 0)"},
        {OPT_PROB("corrupt", &o->link.corrupt),
         .help = "probability one bit of a packet flips, in [0,1) (default 0)"},
        {OPT_REAL("latency-ms", &o->latency_ms, 0, 60000), .meta = "MS",
         .help = "one-way latency in ms, in [0, 60000] (default 10)"},
        {OPT_REAL("bandwidth-mbps", &o->bandwidth_mbps, 0, 1000000), .meta = "B",
         .help = "link bandwidth in Mbit/s, in [0, 1000000]; 0 = unlimited\n(default 100)"},
        {OPT_UINT("seed", &o->seed, 0, UINT64_MAX), .env = "VIGIL_SEED",
         .help = "seed of every random choice (default 1)"},
        {OPT_FILE_OUT("pcap", &o->pcap),
         .help = "write every packet put on the wire to FILE (pcapng, raw IP,\n"
                 "virtual-time timestamps; a lost packet carries the comment\n"
                 "\"dropped: random loss\")"},
        {OPT_ENUM("cc", &o->cc, cli_cc_names), .meta = "NAME", .help = CLI_CC_HELP},
        {OPT_FLAG("sha256", &o->sha256),
         .help = "also hash both ends' streams with SHA-256 and print the digests\n"
                 "(slower: the hash costs more than the stacks)"},
        {OPT_FLAG("no-timestamps", &o->no_timestamps),
         .help = "both stacks without RFC 7323 timestamps (the wire before them:\n"
                 "no PAWS, one timed segment per RTT, 12 more octets per segment)"},
        {OPT_FLAG("no-sack", &o->no_sack),
         .help = "neither end offers SACK: loss recovery is NewReno (RFC 6582)"},
        {OPT_FLAG("no-rack", &o->no_rack), .help = CLI_NO_RACK_HELP},
        {OPT_FLAG("ipv6", &o->ipv6),
         .help = "transfer over IPv6 (2001:db8::1 to 2001:db8::2); its headers\n"
                 "are 20 octets longer, so each segment carries 20 fewer"},
        {OPT_FLAG("json", &o->json), .help = "print one JSON object instead of text"},
    };
    const struct cli_group groups[] = {{"options", own, sizeof own / sizeof own[0]}};
    const struct cli_cmd cmd = {
        .name = "transfer",
        .usage = "vigil transfer --bytes N [options]",
        .about = "Sends N bytes from 192.0.2.1 to 192.0.2.2 over a simulated link, in virtual time,\n"
                 "and checks every byte received against the pattern sent (with --sha256, also\n"
                 "with SHA-256) to prove that they arrived unchanged.\n",
        .groups = groups,
        .ngroups = 1,
        .epilog = "The connection retransmits for as long as it takes; the run fails only if no byte\n"
                  "arrives for an hour of virtual time. Exit status: 0 byte-exact, 1 the streams\n"
                  "differ or the connection failed, 2 bad usage.\n",
    };
    int rc = cli_parse(&cmd, argc, argv);
    o->link.latency_us = (uint32_t)llround(o->latency_ms * 1000);
    o->link.bandwidth_bps = (uint64_t)llround(o->bandwidth_mbps * 1e6);
    return rc;
}

struct run {
    vg_simnet *net;
    vg_tcb *tx, *rx, *listener;
    uint64_t sent, received;
    int eof, shut;
    struct cli_stream content;   /* what A sends, keyed by the seed */
    struct cli_verify verify;    /* B's check of what it reads against the same stream */
    int sha256;
    int ipv6;
    struct vg_sha256 sha_tx, sha_rx;
    uint8_t *stage, *buf;
    size_t stage_off, stage_len;
    const char *failure;
};

static void pump_send(struct run *r, uint64_t total, vg_time now)
{
    while (r->sent < total || r->stage_off < r->stage_len) {
        if (r->stage_off == r->stage_len) {
            uint64_t left = total - r->sent;
            r->stage_len = left < CHUNK ? (size_t)left : CHUNK;
            r->stage_off = 0;
            cli_stream_fill(&r->content, r->sent, r->stage, r->stage_len);
        }
        long n = vg_tcp_send(r->tx, r->stage + r->stage_off, r->stage_len - r->stage_off, now);
        if (n <= 0)
            return;
        if (r->sha256)
            vg_sha256_update(&r->sha_tx, r->stage + r->stage_off, (size_t)n);
        r->stage_off += (size_t)n;
        r->sent += (uint64_t)n;
    }
    if (!r->shut && vg_tcp_shutdown_send(r->tx, now) == 0)
        r->shut = 1;
}

static void pump_receive(struct run *r, vg_time now)
{
    for (;;) {
        long n = vg_tcp_recv(r->rx, r->buf, CHUNK, now);
        if (n == 0)
            r->eof = 1;
        if (n <= 0)
            return;
        if (r->sha256)
            vg_sha256_update(&r->sha_rx, r->buf, (size_t)n);
        cli_verify_feed(&r->verify, r->buf, (size_t)n);
        r->received += (uint64_t)n;
    }
}

static vg_simnet *make_net(const struct options *o)
{
    vg_simnet *n = vg_simnet_new(o->seed, &o->link);
    if (!n)
        return NULL;
    uint64_t x = o->seed;
    uint32_t addr[2] = {ADDR_A, ADDR_B};
    for (int i = 0; i < 2; i++) {
        struct vg_stack_config cfg;
        vg_stack_config_default(&cfg, VG_PROFILE_WINDOWS_VISTA);
        cfg.addr = addr[i];
        cfg.prefix_len = 24;
        cfg.seed = vg_splitmix64(&x);
        /* The point is the bytes, at any loss below 1: the handshake, too, retries for as long
         * as it takes. The core always caps SYN and SYN-ACK retransmissions by count: the SYN's
         * count is unbounded here, the SYN-ACK's keeps the half-open entry past the watchdog's
         * hour (see SYNACK_RETRIES); the data transfer has no retransmission limit at all. */
        cfg.max_retransmissions = UINT32_MAX;
        cfg.synack_retries = SYNACK_RETRIES;
        cfg.no_timestamps = (uint8_t)o->no_timestamps;
        cfg.no_sack = (uint8_t)o->no_sack;
        cfg.no_rack = (uint8_t)o->no_rack;
        cfg.cc = (uint8_t)o->cc;
        cfg.has_addr6 = (uint8_t)o->ipv6;
        memcpy(cfg.addr6, ADDR6[i], 16);
        cfg.prefix6_len = 64;
        if (vg_simnet_add_host(n, &cfg) != i) {
            vg_simnet_free(n);
            return NULL;
        }
    }
    return n;
}

static int connect_hosts(struct run *r)
{
    vg_stack *a = vg_simnet_stack(r->net, 0), *b = vg_simnet_stack(r->net, 1);
    vg_tcb *l = vg_tcp_open(b);
    vg_addr to = r->ipv6 ? vg_addr_v6(ADDR6[1]) : vg_addr_v4(ADDR_B);
    if (!l || vg_tcp_bind_addr(l, &to, PORT_B) || vg_tcp_listen(l, 1)) {
        r->failure = "could not listen on the receiving host";
        return -1;
    }
    r->tx = vg_tcp_open(a);
    if (!r->tx || vg_tcp_connect_addr(r->tx, &to, PORT_B, vg_simnet_now(r->net))) {
        r->failure = "could not start the connection";
        return -1;
    }
    /* Only the client is waited for: the passive end is accepted in transfer(). At high loss
     * the segment that completes its handshake is the client's first data or FIN, which the
     * client retransmits for as long as it takes; the listener's SYN-ACK backoff alone could
     * leave gaps longer than the watchdog's hour. */
    r->listener = l;
    vg_time limit = vg_simnet_now(r->net) + NO_PROGRESS_LIMIT;
    while (vg_tcp_state(r->tx) != VG_TCP_ESTABLISHED) {
        if (vg_tcp_error(r->tx)) {
            r->failure = vg_err_name(vg_tcp_error(r->tx));
            return -1;
        }
        if (!vg_simnet_step(r->net, limit)) {
            r->failure = "the handshake did not complete";
            return -1;
        }
    }
    /* No retransmission limit: the no-progress watchdog in transfer() decides when to stop. */
    vg_tcp_set_maxrt_ms(r->tx, VG_MAXRT_FOREVER);
    return 0;
}

static void accept_receiver(struct run *r)
{
    if (r->rx || !(r->rx = vg_tcp_accept(r->listener)))
        return;
    vg_tcp_close(r->listener, vg_simnet_now(r->net));
    r->listener = NULL;
    vg_tcp_set_maxrt_ms(r->rx, VG_MAXRT_FOREVER);
}

static void transfer(struct run *r, uint64_t total)
{
    vg_time last_progress = vg_simnet_now(r->net);
    uint64_t last_received = 0;
    for (;;) {
        vg_time now = vg_simnet_now(r->net);
        accept_receiver(r);
        pump_send(r, total, now);
        if (r->rx)
            pump_receive(r, now);
        if (r->eof)
            return;
        if (r->received != last_received) {
            last_received = r->received;
            last_progress = now;
        }
        int err = vg_tcp_error(r->tx) ? vg_tcp_error(r->tx) : r->rx ? vg_tcp_error(r->rx) : 0;
        if (err) {
            r->failure = vg_err_name(err);
            return;
        }
        if (!vg_simnet_step(r->net, last_progress + NO_PROGRESS_LIMIT)) {
            r->failure = "no progress for an hour of virtual time";
            return;
        }
    }
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How long the run took, three ways, and what that makes of the bytes received. */
struct timing {
    double virt, wall, cpu;   /* seconds */
};

/* A throughput of no time at all (an unlimited link with no latency takes no virtual time) is
 * not a number: JSON null, and the text says so. */
static struct cli_field rate_field(const char *key, uint64_t bytes, double seconds)
{
    return seconds > 0 ? CLI_UINT(key, (uint64_t)llround((double)bytes * 8 / seconds))
                       : CLI_NULL(key);
}

static void print_time(const char *label, double seconds, int decimals, uint64_t bytes,
                       const char *per)
{
    printf("%-18s%.*f s", label, decimals, seconds);
    if (seconds > 0)
        printf(" (%.4g Gbit/s%s)\n", (double)bytes * 8 / seconds / 1e9, per);
    else
        printf(" (no time passed: no throughput)\n");
}

/* Every packet put on the wire, and every duplicate the wire made, is delivered, lost, sent to
 * no host, or still on the wire when the run ends (no host goes down, no filter, no partition
 * here; a packet the simulator could not allocate would break the sum). */
static int packets_add_up(const struct vg_simnet_stats *ns, uint64_t in_flight)
{
    return ns->sent + ns->duplicated ==
           ns->delivered + ns->lost + ns->unroutable + ns->filtered + ns->partitioned +
               ns->host_down + in_flight;
}

static void report(const struct options *o, const struct run *r, const uint8_t dtx[VG_SHA256_LEN],
                   const uint8_t drx[VG_SHA256_LEN], int match, const struct timing *t)
{
    char htx[VG_SHA256_HEX_LEN], hrx[VG_SHA256_HEX_LEN];
    vg_sha256_hex(dtx, htx);
    vg_sha256_hex(drx, hrx);
    const struct vg_stack_stats *st = vg_simnet_stack(r->net, 0)
                                          ? vg_stack_stats(vg_simnet_stack(r->net, 0)) : NULL;
    uint64_t rtx = st ? st->tcp_retransmits : 0, fast = st ? st->tcp_fast_retransmits : 0,
             tmo = st ? st->tcp_timeouts : 0;
    const struct vg_simnet_stats *ns = vg_simnet_stats(r->net);
    uint64_t in_flight = vg_simnet_in_flight(r->net);
    vg_time now = vg_simnet_now(r->net);
    uint64_t diff = r->verify.first_diff;
    if (o->json) {
        struct cli_events ev;
        cli_events_init(&ev, stdout, 1, 0);
        struct cli_field f[] = {
            CLI_UINT("bytes", o->bytes),
            CLI_UINT("bytes_sent", r->sent),
            CLI_UINT("bytes_received", r->received),
            r->sha256 ? CLI_STR("sha256_sent", htx) : CLI_NULL("sha256_sent"),
            r->sha256 ? CLI_STR("sha256_received", hrx) : CLI_NULL("sha256_received"),
            CLI_BOOL("match", match),
            r->failure ? CLI_STR("error", r->failure) : CLI_NULL("error"),
            diff != CLI_VERIFY_NONE ? CLI_UINT("first_difference", diff)
                                    : CLI_NULL("first_difference"),
            CLI_UINT("retransmissions", rtx),
            CLI_UINT("fast_retransmissions", fast),
            CLI_UINT("timeouts", tmo),
            CLI_UINT("packets_sent", ns->sent),
            CLI_UINT("packets_duplicated", ns->duplicated),
            CLI_UINT("packets_delivered", ns->delivered),
            CLI_UINT("packets_lost", ns->lost),
            CLI_UINT("packets_unroutable", ns->unroutable),
            CLI_UINT("packets_in_flight", in_flight),
            CLI_UINT("packets_reordered", ns->reordered),
            CLI_UINT("packets_corrupted", ns->corrupted),
            CLI_UINT("seed", o->seed),
            CLI_UINT("wall_time_us", (uint64_t)llround(t->wall * 1e6)),
            CLI_UINT("cpu_time_us", (uint64_t)llround(t->cpu * 1e6)),
            rate_field("virtual_bit_per_s", r->received, t->virt),
            rate_field("wall_bit_per_s", r->received, t->wall),
            rate_field("cpu_bit_per_s", r->received, t->cpu),
        };
        cli_events_emit(&ev, now, "sim", "transfer", f, sizeof f / sizeof f[0]);
        return;
    }
    printf("bytes sent:       %llu\n", (unsigned long long)r->sent);
    printf("bytes received:   %llu\n", (unsigned long long)r->received);
    if (r->sha256) {
        printf("sha256 sent:      %s\n", htx);
        printf("sha256 received:  %s\n", hrx);
    }
    printf("match:            %s\n", match ? "yes" : "NO");
    if (diff != CLI_VERIFY_NONE)
        printf("first difference: byte %llu\n", (unsigned long long)diff);
    if (r->failure)
        printf("error:            %s\n", r->failure);
    printf("retransmissions:  %llu (fast %llu, timeouts %llu)\n", (unsigned long long)rtx,
           (unsigned long long)fast, (unsigned long long)tmo);
    printf("packets:          %llu sent + %llu duplicated = %llu delivered + %llu lost + %llu "
           "unroutable + %llu in flight%s\n",
           (unsigned long long)ns->sent, (unsigned long long)ns->duplicated,
           (unsigned long long)ns->delivered, (unsigned long long)ns->lost,
           (unsigned long long)ns->unroutable, (unsigned long long)in_flight,
           packets_add_up(ns, in_flight) ? "" : " (does NOT add up)");
    printf("                  (%llu reordered, %llu corrupted among them)\n",
           (unsigned long long)ns->reordered, (unsigned long long)ns->corrupted);
    print_time("virtual time:", t->virt, 6, r->received, "");
    print_time("wall time:", t->wall, 3, r->received, "");
    print_time("cpu time:", t->cpu, 3, r->received, " per CPU-second");
}

int cmd_transfer(int argc, char **argv)
{
    struct options o;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_RUN)
        return cli_exit_status(rc);

    struct vg_pcap *cap = NULL;
    if (o.pcap && !(cap = vg_pcap_open(o.pcap))) {
        fprintf(stderr, "vigil transfer: cannot write %s: %s\n", o.pcap, strerror(errno));
        return 1;
    }
    double wall0 = clock_seconds(CLOCK_MONOTONIC), cpu0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    struct run r;
    memset(&r, 0, sizeof r);
    r.stage = malloc(CHUNK);
    r.buf = malloc(CHUNK);
    r.net = make_net(&o);
    if (!r.stage || !r.buf || !r.net) {
        fprintf(stderr, "vigil transfer: out of memory\n");
        free(r.stage), free(r.buf);
        vg_simnet_free(r.net);
        vg_pcap_close(cap);
        return 1;
    }
    vg_simnet_set_pcap(r.net, cap);
    uint64_t x = o.seed ^ 0x7472616e73666572ull;   /* the content's own key, apart from the net's */
    uint64_t key = vg_splitmix64(&x);
    cli_stream_init(&r.content, key);
    cli_verify_init(&r.verify, key, o.bytes);
    r.sha256 = o.sha256;
    r.ipv6 = o.ipv6;
    vg_sha256_init(&r.sha_tx);
    vg_sha256_init(&r.sha_rx);

    if (connect_hosts(&r) == 0)
        transfer(&r, o.bytes);

    uint8_t dtx[VG_SHA256_LEN], drx[VG_SHA256_LEN];
    vg_sha256_final(&r.sha_tx, dtx);
    vg_sha256_final(&r.sha_rx, drx);
    int match = !r.failure && r.eof && r.sent == o.bytes && r.received == r.sent &&
                r.verify.first_diff == CLI_VERIFY_NONE && !memcmp(dtx, drx, sizeof dtx);
    struct timing t = {
        .virt = (double)vg_simnet_now(r.net) / 1e6,
        .wall = clock_seconds(CLOCK_MONOTONIC) - wall0,
        .cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0,
    };
    report(&o, &r, dtx, drx, match, &t);

    vg_simnet_set_pcap(r.net, NULL);
    int cap_rc = vg_pcap_close(cap);
    if (cap_rc)
        fprintf(stderr, "vigil transfer: --pcap: writing '%s' failed\n", o.pcap);
    vg_simnet_free(r.net);
    free(r.stage);
    free(r.buf);
    return match && !cap_rc ? 0 : 1;
}
