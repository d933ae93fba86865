/* vigil sim: plays one keep-alive scenario (src/sim/scenario.h) between two simulated hosts in
 * virtual time and prints its timeline and verdict. Exit status: 0 the client saw what the
 * specification predicts, 1 it did not (or the run failed), 2 bad usage. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_keepalive.h"
#include "commands.h"
#include "sim/scenario.h"
#include "sim_file.h"
#include "sim_report.h"

#define PROG "vigil sim"
/* Virtual time 0 is shown in captures as 2024-01-01 00:00:00 UTC. */
#define PCAP_EPOCH_US (UINT64_C(1704067200) * 1000000u)

struct sim_options {
    struct cli_keepalive ka;
    int have_scenario;
    enum vg_scenario scenario;
    int have_loss;
    double loss;
    uint64_t seed;
    vg_time duration;
    uint64_t latency_ms;
    int have_fault_at, have_heal, have_down, have_nat_timeout;
    vg_time fault_at, heal, down, nat_timeout;
    int json;
    const char *pcap;
    const char *file;            /* --file: a scenario file instead of --scenario */
    char scenario_only[40];      /* the first option given that a scenario file replaces */
};

static void usage(FILE *f)
{
    fputs("usage: vigil sim --scenario S [options]\n"
          "       vigil sim --file S.scn [--json] [--pcap FILE] [--strict]\n"
          "\n"
          "Runs a keep-alive scenario in virtual time: host client (192.0.2.1) connects to host\n"
          "server (192.0.2.2:5001) with keep-alive on, the connection stays idle, and the\n"
          "scenario does something to the peer or the path. Prints the timeline and a verdict\n"
          "comparing what the client saw with the specification. Exit status: 0 as specified,\n"
          "1 not as specified (or the run failed), 2 bad usage.\n"
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
          "               fatal unless count of them in a row go unanswered\n"
          "\n"
          "options:\n"
          "  --scenario S           one of the above (required unless --file)\n"
          "  --file S.scn           run a scenario file instead (docs/scenarios.md): hosts, link,\n"
          "                         timed actions and expectations; exit 0 only when every\n"
          "                         expectation holds. Takes only --json, --pcap and --strict\n"
          "  --loss P               probability each packet after the handshake is lost, in\n"
          "                         [0,1) (default 0; lossy: 0.3)\n"
          "  --seed N               seed of the stacks and of the loss (default 1)\n"
          "  --duration-ms MS       run this long (default: until the scenario has played out,\n"
          "                         plus a second)\n"
          "  --latency-ms MS        one-way link latency, whole ms in [0, 60000] (default 1)\n"
          "  --fault-at-ms MS       peer-crash, partition, peer-reboot: when the server goes down\n"
          "                         or the partition starts (default 60000; not before the\n"
          "                         connection is established)\n"
          "  --heal-ms MS           partition: how long it lasts, from its start (default: it\n"
          "                         heals halfway through the probes)\n"
          "  --down-ms MS           peer-reboot: how long the server is off (default 30000)\n"
          "  --nat-timeout-ms MS    nat-expiry: the NAT's idle timeout (default 300000)\n"
          "  --json                 one JSON object per line: t_ms, host, event, details\n"
          "  --pcap FILE            write every packet to FILE (pcap, raw IPv4); virtual time 0\n"
          "                         is stamped 2024-01-01 00:00:00 UTC\n"
          "  --help                 print this help\n"
          "\n",
          f);
    cli_keepalive_usage(f);
    fputs("  (keep-alive is always on for the client; the server's is off)\n", f);
}

static int bad(const char *opt, const char *what, const char *got)
{
    fprintf(stderr, PROG ": %s must be %s, got '%s'\n", opt, what, got);
    return -1;
}

static int parse_ms(const char *opt, const char *s, uint64_t lo, uint64_t hi, vg_time *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        goto fail;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v < lo || v > hi)
        goto fail;
    *out = VG_MS(v);
    return 0;
fail:;
    char range[96];
    snprintf(range, sizeof range, "a whole number of milliseconds in [%llu, %llu]",
             (unsigned long long)lo, (unsigned long long)hi);
    return bad(opt, range, s);
}

static int parse_value(struct sim_options *o, const char *name, const char *val)
{
    if (!strcmp(name, "--file")) {
        if (!*val) {
            fprintf(stderr, PROG ": --file needs a scenario file name\n");
            return -1;
        }
        o->file = val;
        return 0;
    }
    if (strcmp(name, "--pcap") && !o->scenario_only[0])
        snprintf(o->scenario_only, sizeof o->scenario_only, "%s", name);
    /* A year of virtual time is more than any keep-alive setting needs (2^32 ms is 49 days). */
    const uint64_t year_ms = 366ull * 24 * 3600 * 1000;
    if (!strcmp(name, "--scenario")) {
        if (vg_scenario_parse(val, &o->scenario) != 0)
            return bad(name, "one of alive, peer-crash, partition, peer-reboot, nat-expiry, lossy",
                       val);
        o->have_scenario = 1;
        return 0;
    }
    if (!strcmp(name, "--loss")) {
        char *end;
        errno = 0;
        double v = strtod(val, &end);
        if (!*val || *end || errno || !isfinite(v) || v < 0 || v >= 1)
            return bad(name, "a probability in [0,1)", val);
        o->loss = v;
        o->have_loss = 1;
        return 0;
    }
    if (!strcmp(name, "--seed")) {
        char *end;
        errno = 0;
        if (*val < '0' || *val > '9')
            return bad(name, "an unsigned 64-bit integer", val);
        unsigned long long v = strtoull(val, &end, 10);
        if (*end || errno)
            return bad(name, "an unsigned 64-bit integer", val);
        o->seed = v;
        return 0;
    }
    if (!strcmp(name, "--duration-ms"))
        return parse_ms(name, val, 1, year_ms, &o->duration);
    if (!strcmp(name, "--latency-ms")) {
        vg_time l;
        if (parse_ms(name, val, 0, 60000, &l))
            return -1;
        o->latency_ms = l / 1000u;
        return 0;
    }
    if (!strcmp(name, "--fault-at-ms")) {
        o->have_fault_at = 1;
        return parse_ms(name, val, 0, year_ms, &o->fault_at);
    }
    if (!strcmp(name, "--heal-ms")) {
        o->have_heal = 1;
        return parse_ms(name, val, 0, year_ms, &o->heal);
    }
    if (!strcmp(name, "--down-ms")) {
        o->have_down = 1;
        return parse_ms(name, val, 0, year_ms, &o->down);
    }
    if (!strcmp(name, "--nat-timeout-ms")) {
        o->have_nat_timeout = 1;
        return parse_ms(name, val, 1, year_ms, &o->nat_timeout);
    }
    if (!strcmp(name, "--pcap")) {
        if (!*val) {
            fprintf(stderr, PROG ": --pcap needs a file name\n");
            return -1;
        }
        o->pcap = val;
        return 0;
    }
    fprintf(stderr, PROG ": unknown option '%s' (see vigil sim --help)\n", name);
    return -1;
}

static int takes_value(const char *name)
{
    static const char *const valued[] = {"--scenario", "--loss", "--seed", "--duration-ms",
                                         "--latency-ms", "--fault-at-ms", "--heal-ms",
                                         "--down-ms", "--nat-timeout-ms", "--pcap", "--file"};
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        if (!strcmp(name, valued[k]))
            return 1;
    return 0;
}

/* An option that only one scenario understands, given to another, is a mistake worth naming. */
static int check_scenario_options(const struct sim_options *o)
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
            fprintf(stderr, PROG ": %s does not apply to scenario %s (it is for %s)\n",
                    rules[k].opt, vg_scenario_name(s),
                    rules[k].fault ? "peer-crash, partition and peer-reboot"
                                   : vg_scenario_name(rules[k].only));
            return -1;
        }
    }
    return 0;
}

static int check_keepalive(const struct cli_keepalive *ka)
{
    if (ka->time_ms == 0 || ka->interval_ms == 0) {
        fprintf(stderr, PROG ": --keepalive-%s must be at least 1 ms\n",
                ka->time_ms == 0 ? "time" : "interval");
        return -1;
    }
    if (ka->count != VG_KA_SYSTEM && ka->count > 255) {
        fprintf(stderr, PROG ": --keepalive-count must be in [0, 255], got %u\n", ka->count);
        return -1;
    }
    return 0;
}

/* 0 to run, 1 after --help, -1 on bad usage (message printed). Accepts "--opt value" and
 * "--opt=value". */
static int parse(int argc, char **argv, struct sim_options *o)
{
    memset(o, 0, sizeof *o);
    cli_keepalive_init(&o->ka);
    o->seed = 1;
    o->duration = VG_SCN_AUTO;
    o->latency_ms = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(arg, "--json")) {
            o->json = 1;
            continue;
        }
        const char *eq = strchr(arg, '=');
        char name[40];
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (eq && nlen < sizeof name) {
            /* Hand the keep-alive options over in the two-argument form they expect. */
            memcpy(name, arg, nlen);
            name[nlen] = '\0';
            char *pair[2] = {name, (char *)(eq + 1)};
            int j = 0;
            int rc = cli_keepalive_option(&o->ka, PROG, 2, pair, &j);
            if (rc < 0)
                return -1;
            if (rc > 0) {
                if (strcmp(name, "--strict") && !o->scenario_only[0])
                    snprintf(o->scenario_only, sizeof o->scenario_only, "%s", name);
                if (j != 1) {
                    fprintf(stderr, PROG ": %s takes no value\n", name);
                    return -1;
                }
                continue;
            }
            if (!takes_value(name)) {
                fprintf(stderr, PROG ": unknown option '%s' (see vigil sim --help)\n", name);
                return -1;
            }
            if (parse_value(o, name, eq + 1))
                return -1;
            continue;
        }
        int rc = cli_keepalive_option(&o->ka, PROG, argc, argv, &i);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            if (strcmp(arg, "--strict") && !o->scenario_only[0])
                snprintf(o->scenario_only, sizeof o->scenario_only, "%s", arg);
            continue;
        }
        if (!takes_value(arg)) {
            fprintf(stderr, PROG ": unknown option '%s' (see vigil sim --help)\n", arg);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": %s needs a value\n", arg);
            return -1;
        }
        if (parse_value(o, arg, argv[++i]))
            return -1;
    }
    if (o->file && o->scenario_only[0]) {
        fprintf(stderr, PROG ": --file conflicts with %s: a scenario file describes the whole "
                        "run (only --json, --pcap and --strict go with it)\n", o->scenario_only);
        return -1;
    }
    if (o->file)
        return 0;
    if (!o->have_scenario) {
        fprintf(stderr, PROG ": --scenario is required: alive, peer-crash, partition, "
                        "peer-reboot, nat-expiry or lossy (see vigil sim --help)\n");
        return -1;
    }
    if (check_scenario_options(o) || check_keepalive(&o->ka))
        return -1;
    return 0;
}

/* Scenario parameters from the options; -1 (message printed) if the registry file is bad. */
static int make_params(const struct sim_options *o, struct vg_scn_params *p)
{
    vg_scn_params_default(p, o->scenario, o->ka.profile);
    char err[320];
    if (cli_keepalive_stack_config(&o->ka, &p->cfg, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    p->ka_time_ms = o->ka.time_ms;
    p->ka_interval_ms = o->ka.interval_ms;
    p->ka_count = o->ka.count;
    if (o->have_loss)
        p->loss = o->loss;
    p->seed = o->seed;
    p->duration = o->duration;
    p->latency_us = (uint32_t)(o->latency_ms * 1000u);
    if (o->have_fault_at)
        p->fault_at = o->fault_at;
    if (o->have_heal)
        p->heal_after = o->heal;
    if (o->have_down)
        p->down_for = o->down;
    if (o->have_nat_timeout)
        p->nat_timeout = o->nat_timeout;
    p->pcap_epoch = PCAP_EPOCH_US;
    return 0;
}

int cmd_sim(int argc, char **argv)
{
    struct sim_options o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (o.file)
        return sim_file_run(o.file, o.json, o.pcap, o.ka.reg_strict, PROG);
    struct vg_scn_params p;
    if (make_params(&o, &p))
        return 2;
    uint64_t packets = 0;
    rc = sim_report_run(&p, o.json, o.pcap, &packets, PROG);
    if (o.pcap && !o.json)
        printf("capture: %s (%llu packets)\n", o.pcap, (unsigned long long)packets);
    return rc;
}
