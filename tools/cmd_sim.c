/* vigil sim: plays one keep-alive scenario (src/sim/scenario.h) between two simulated hosts in
 * virtual time and prints its timeline and verdict. Exit status: 0 the client saw what the
 * specification predicts, 1 it did not (or the run failed), 2 bad usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_keepalive.h"
#include "commands.h"
#include "sim/scenario.h"
#include "sim_file.h"
#include "sim_report.h"
#include "sim_svg_scn.h"

#define PROG "vigil sim"
/* Virtual time 0 is shown in captures as 2024-01-01 00:00:00 UTC. */
#define PCAP_EPOCH_US (UINT64_C(1704067200) * 1000000u)

/* A year of virtual time is more than any keep-alive setting needs (2^32 ms is 49 days). */
#define YEAR_MS (366ull * 24 * 3600 * 1000)

struct sim_options {
    struct cli_keepalive ka;
    enum vg_scenario scenario;
    int have_loss;
    double loss;
    uint64_t seed;
    int have_duration;
    uint64_t duration_ms;
    vg_time duration;
    double latency_ms;
    int have_fault_at, have_heal, have_down, have_nat_timeout;
    uint64_t fault_at_ms, heal_ms, down_ms, nat_timeout_ms;
    vg_time fault_at, heal, down, nat_timeout;
    int json;
    int ipv6;
    const char *pcap;
    const char *svg;
    const char *file;            /* --file: a scenario file instead of --scenario */
    int have_scenario, have_file;
};

static const char about[] =
    "Runs a keep-alive scenario in virtual time: host client (192.0.2.1) connects to host\n"
    "server (192.0.2.2:5001) with keep-alive on, the connection stays idle, and the\n"
    "scenario does something to the peer or the path. Prints the timeline and a verdict\n"
    "comparing what the client saw with the specification.\n"
    "\n"
    "scenarios:\n"
    "  alive        the idle server answers every probe\n"
    "  peer-crash   the server goes down silently: the client aborts at\n"
    "               last receipt + time + count x interval (never with count 0)\n"
    "  partition    the path drops everything for a while, then heals: a probe after the\n"
    "               heal is answered, unless the client has aborted by then\n"
    "  peer-reboot  the server goes down and comes back with no state: it answers the next\n"
    "               probe with an RST and the client's connection is reset\n"
    "  nat-expiry   a NAT between them forgets a flow idle for its timeout and then drops\n"
    "               its packets silently: probing more often than that keeps the flow\n"
    "  lossy        packets after the handshake are lost at random: a lost probe is not\n"
    "               fatal unless count of them in a row go unanswered\n";

static int parse_scenario(const char *v, void *dst)
{
    return vg_scenario_parse(v, dst);
}

/* An option that only one scenario understands, given to another, is a mistake worth naming. */
static int check_scenario_options(const struct sim_options *o, const struct cli_cmd *cmd)
{
    static const struct {
        const char *opt;
        size_t have;      /* offset of the option's have_ flag */
        int fault;        /* for every fault scenario */
        enum vg_scenario only;
    } rules[] = {
        {"--fault-at-ms", offsetof(struct sim_options, have_fault_at), 1, VG_SCN_COUNT},
        {"--heal-ms", offsetof(struct sim_options, have_heal), 0, VG_SCN_PARTITION},
        {"--down-ms", offsetof(struct sim_options, have_down), 0, VG_SCN_PEER_REBOOT},
        {"--nat-timeout-ms", offsetof(struct sim_options, have_nat_timeout), 0, VG_SCN_NAT_EXPIRY},
    };
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
        if (!*(const int *)((const char *)o + rules[k].have))
            continue;
        enum vg_scenario s = o->scenario;
        int fits = rules[k].fault ? (s == VG_SCN_PEER_CRASH || s == VG_SCN_PARTITION ||
                                     s == VG_SCN_PEER_REBOOT)
                                  : s == rules[k].only;
        if (!fits) {
            return cli_fail(cmd, "%s does not apply to scenario %s (it is for %s)", rules[k].opt,
                            vg_scenario_name(s),
                            rules[k].fault ? "peer-crash, partition and peer-reboot"
                                           : vg_scenario_name(rules[k].only));
        }
    }
    return CLI_RUN;
}

/* A scenario file describes the whole run: of the other options only those about the output go
 * with it. Values never start with "--" (cli_parse refuses them), so every "--name" in argv is
 * an option the user gave; environment defaults (VIGIL_SEED, ...) are ignored for a file. */
static int check_file_options(const struct cli_cmd *cmd, int argc, char **argv)
{
    static const char *const with_file[] = {"file", "json", "pcap", "svg", "strict"};
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (strncmp(argv[i], "--", 2))
            continue;
        const char *name = argv[i] + 2;
        size_t len = strcspn(name, "=");
        int ok = 0;
        for (size_t k = 0; k < sizeof with_file / sizeof with_file[0]; k++)
            ok |= strlen(with_file[k]) == len && !strncmp(name, with_file[k], len);
        if (!ok)
            return cli_fail(cmd, "--file conflicts with --%.*s: a scenario file describes the "
                                 "whole run (only --json, --pcap, --svg and --strict go with it)",
                            (int)len, name);
    }
    return CLI_RUN;
}

/* CLI_RUN, CLI_DONE (--help, --version) or CLI_BAD (a usage error, printed). */
static int parse(int argc, char **argv, struct sim_options *o)
{
    memset(o, 0, sizeof *o);
    cli_keepalive_init(&o->ka);
    o->seed = 1;
    o->latency_ms = 1;
    const struct cli_opt own[] = {
        {OPT_CUSTOM("scenario", &o->scenario, parse_scenario,
                    "one of alive, peer-crash, partition, peer-reboot, nat-expiry, lossy"),
         .meta = "S", .given = &o->have_scenario, .help = "one of the above (or --file)"},
        {OPT_FILE_IN("file", &o->file), .meta = "S.scn", .given = &o->have_file,
         .help = "run a scenario file instead (docs/scenarios.md): hosts, link,\n"
                 "timed actions and expectations; exit 0 only when every\n"
                 "expectation holds. Takes only --json, --pcap, --svg and --strict"},
        {OPT_PROB("loss", &o->loss), .given = &o->have_loss,
         .help = "probability each packet after the handshake is lost, in\n"
                 "[0,1) (default 0; lossy: 0.3)"},
        {OPT_UINT("seed", &o->seed, 0, UINT64_MAX), .env = "VIGIL_SEED",
         .help = "seed of the stacks and of the loss (default 1)"},
        {OPT_MS("duration-ms", &o->duration_ms, 1, YEAR_MS), .given = &o->have_duration,
         .help = "run this long (default: until the scenario has played out,\nplus a second)"},
        {OPT_REAL("latency-ms", &o->latency_ms, 0, 60000), .meta = "MS",
         .help = "one-way link latency in ms, in [0, 60000] (default 1)"},
        {OPT_MS("fault-at-ms", &o->fault_at_ms, 0, YEAR_MS), .given = &o->have_fault_at,
         .help = "peer-crash, partition, peer-reboot: when the server goes down\n"
                 "or the partition starts (default 60000; not before the\n"
                 "connection is established)"},
        {OPT_MS("heal-ms", &o->heal_ms, 0, YEAR_MS), .given = &o->have_heal,
         .help = "partition: how long it lasts, from its start (default: it\n"
                 "heals halfway through the probes)"},
        {OPT_MS("down-ms", &o->down_ms, 0, YEAR_MS), .given = &o->have_down,
         .help = "peer-reboot: how long the server is off (default 30000)"},
        {OPT_MS("nat-timeout-ms", &o->nat_timeout_ms, 1, YEAR_MS), .given = &o->have_nat_timeout,
         .help = "nat-expiry: the NAT's idle timeout (default 300000)"},
        {OPT_FLAG("ipv6", &o->ipv6),
         .help = "run the connection over IPv6: client 2001:db8::1, server\n"
                 "[2001:db8::2]:5001 (the same keep-alive instants)"},
        {OPT_FLAG("json", &o->json), .help = "one JSON object per line: v, t_us, host, event, details"},
        {OPT_FILE_OUT("pcap", &o->pcap),
         .help = "write every packet to FILE (pcapng, raw IP); virtual time 0\n"
                 "is stamped 2024-01-01 00:00:00 UTC; a packet the simulator\n"
                 "dropped carries a comment saying why"},
        {OPT_FILE_OUT("svg", &o->svg),
         .help = "draw the run's timeline to FILE (SVG): a lane per host,\n"
                 "packets as arrows, drops crossed out, the abort's formula"},
    };
    struct cli_opt ka[CLI_KEEPALIVE_NOPTS];
    const struct cli_group groups[] = {
        {"options", own, sizeof own / sizeof own[0]},
        {"keep-alive options (sim, serve, connect; keep-alive is always on for the client, the\n"
         "server's is off)", ka, cli_keepalive_options(&o->ka, ka)},
    };
    const struct cli_cmd cmd = {
        .name = "sim",
        .usage = "vigil sim --scenario S [options]\n"
                 "       vigil sim --file S.scn [--json] [--pcap FILE] [--svg FILE] [--strict]",
        .about = about,
        .groups = groups,
        .ngroups = sizeof groups / sizeof groups[0],
        .epilog = "exit status: 0 as specified, 1 not as specified (or the run failed), 2 bad usage.\n",
    };
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != CLI_RUN)
        return rc;
    if (o->have_file)
        return check_file_options(&cmd, argc, argv);
    if (!o->have_scenario)
        return cli_fail(&cmd, "--scenario is required (alive, peer-crash, partition, peer-reboot, "
                              "nat-expiry or lossy), or --file S.scn");
    o->duration = o->have_duration ? VG_MS(o->duration_ms) : VG_SCN_AUTO;
    o->fault_at = VG_MS(o->fault_at_ms);
    o->heal = VG_MS(o->heal_ms);
    o->down = VG_MS(o->down_ms);
    o->nat_timeout = VG_MS(o->nat_timeout_ms);
    rc = check_scenario_options(o, &cmd);
    if (rc == CLI_RUN)
        rc = cli_keepalive_check(&o->ka, &cmd);
    return rc;
}

/* Scenario parameters from the (checked) options. */
static void make_params(const struct sim_options *o, struct vg_scn_params *p)
{
    vg_scn_params_default(p, o->scenario, o->ka.profile);
    char err[320];
    cli_keepalive_stack_config(&o->ka, &p->cfg, err, sizeof err);
    p->ka_time_ms = o->ka.time_ms;
    p->ka_interval_ms = o->ka.interval_ms;
    p->ka_count = o->ka.count;
    if (o->have_loss)
        p->loss = o->loss;
    p->seed = o->seed;
    p->duration = o->duration;
    p->latency_us = (uint32_t)llround(o->latency_ms * 1000);
    if (o->have_fault_at)
        p->fault_at = o->fault_at;
    if (o->have_heal)
        p->heal_after = o->heal;
    if (o->have_down)
        p->down_for = o->down;
    if (o->have_nat_timeout)
        p->nat_timeout = o->nat_timeout;
    p->pcap_epoch = PCAP_EPOCH_US;
    p->ipv6 = o->ipv6;
}

int cmd_sim(int argc, char **argv)
{
    struct sim_options o;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_RUN)
        return cli_exit_status(rc);
    if (o.file)
        return sim_file_run(o.file, o.json, o.pcap, o.svg, o.ka.reg_strict, PROG);
    struct vg_scn_params p;
    make_params(&o, &p);
    struct sim_svg_scn *svg = NULL;
    if (o.svg && !(svg = sim_svg_scn_start(&p, o.svg, PROG)))
        return 1;
    uint64_t packets = UINT64_MAX;
    rc = sim_report_run(&p, o.json, o.pcap, &packets, PROG);
    /* packets stays UINT64_MAX when the capture could not be written: no line claims one. */
    if (o.pcap && !o.json && packets != UINT64_MAX)
        printf("capture: %s (%llu packets)\n", o.pcap, (unsigned long long)packets);
    if (svg) {
        uint64_t arrows = 0;
        if (sim_svg_scn_finish(svg, &arrows) != 0)
            rc = 1;
        else if (!o.json)
            printf("picture: %s (%llu packets)\n", o.svg, (unsigned long long)arrows);
    }
    return rc;
}
