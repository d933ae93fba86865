/* vigil sim --file S.scn: reads a scenario file (docs/scenarios.md), runs it on the simulated
 * network (src/sim/scnfile.h) and prints every event and then every expectation with what
 * happened, as text or JSON lines (cli_events.h). */
#ifndef VG_SIM_FILE_H
#define VG_SIM_FILE_H

/* The exit status: 0 every expectation holds, 1 one does not or the run failed, 2 the file (or
 * a registry export it names) is bad: "PROG: FILE:LINE: reason" on stderr. strict: registry
 * warnings are errors (--strict). */
int sim_file_run(const char *path, int json, const char *pcap_path, const char *svg_path,
                 int strict, const char *prog);

#endif
