/* vigil demo: the headline in one command. A connection goes idle, the peer crashes silently,
 * and keep-alive with the untouched defaults (profile windows-vista: 2 hours, then 10 probes a
 * second apart) finds out 2:00:10 after the last packet — in virtual time, so the two hours take
 * milliseconds. Prints the timeline, the verdict, the wall time and where the capture went. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_opts.h"
#include "commands.h"
#include "sim/scenario.h"
#include "sim_report.h"

#define PROG "vigil demo"
#define PCAP_EPOCH_US (UINT64_C(1704067200) * 1000000u)   /* as vigil sim: 2024-01-01 UTC */

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int cmd_demo(int argc, char **argv)
{
    const char *pcap = NULL;
    int json = 0;
    const struct cli_opt own[] = {
        {OPT_FILE_OUT("pcap", &pcap),
         .help = "where to write the capture (default: $TMPDIR/vigil-demo.pcap,\n"
                 "or /tmp/vigil-demo.pcap)"},
        {OPT_FLAG("json", &json), .help = "one JSON object per line, as vigil sim --json"},
    };
    const struct cli_group groups[] = {{"options", own, sizeof own / sizeof own[0]}};
    const struct cli_cmd cmd = {
        .name = "demo",
        .usage = "vigil demo [--pcap FILE] [--json]",
        .about = "Runs the peer-crash scenario with the default profile (windows-vista: keep-alive\n"
                 "time 7,200,000 ms, 10 probes 1,000 ms apart) in virtual time and prints the\n"
                 "timeline, the verdict, the wall time it took and where the capture went. The same\n"
                 "run is vigil sim --scenario peer-crash.\n",
        .groups = groups,
        .ngroups = 1,
        .epilog = "exit status: 0 as specified, 1 not (or the run failed), 2 bad usage.\n",
    };
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != CLI_RUN)
        return cli_exit_status(rc);
    char path[4096];
    if (!pcap) {
        const char *dir = getenv("TMPDIR");
        if (!dir || !*dir)
            dir = "/tmp";
        snprintf(path, sizeof path, "%s/vigil-demo.pcap", dir);
        pcap = path;
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct vg_scn_params p;
    vg_scn_params_default(&p, VG_SCN_PEER_CRASH, VG_PROFILE_WINDOWS_VISTA);
    p.pcap_epoch = PCAP_EPOCH_US;
    if (!json)
        puts("vigil demo: an idle connection, a peer that crashes without a word, and keep-alive\n"
             "with its default settings finding out -- two hours of virtual time.\n");
    uint64_t packets = 0;
    rc = sim_report_run(&p, json, pcap, &packets, PROG);
    double wall = ms_since(&t0);
    if (json) {
        fprintf(stderr, PROG ": wall time %.3f ms; capture %s (%llu packets)\n", wall, pcap,
                (unsigned long long)packets);
        return rc;
    }
    printf("wall time: %.3f ms\n", wall);
    if (packets)
        printf("capture: %s (%llu packets); the probes: tshark -r %s -Y tcp.analysis.keep_alive\n",
               pcap, (unsigned long long)packets, pcap);
    return rc;
}
