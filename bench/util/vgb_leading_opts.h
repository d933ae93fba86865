/* The runner's options for the benchmarks that measure once and take positional arguments
 * (bench_wheel, bench_ws_wakeups, bench_iocp_echo): scripts/run-benches passes --quick and
 * --runs N to every program, first. Header-only, as these programs link vigil statically. */
#ifndef VGB_LEADING_OPTS_H
#define VGB_LEADING_OPTS_H

#include <string.h>

/* Takes a leading --quick and --runs N (ignored: one measurement) off the arguments; 1 if
 * --quick was among them. */
static inline int vgb_take_leading_opts(int *argc, char ***argv)
{
    int quick = 0;
    while (*argc > 1 && strncmp((*argv)[1], "--", 2) == 0) {
        if (strcmp((*argv)[1], "--quick") == 0) {
            quick = 1;
            (*argc)--, (*argv)++;
        } else if (strcmp((*argv)[1], "--runs") == 0 && *argc > 2) {
            *argc -= 2, *argv += 2;
        } else {
            break;
        }
    }
    return quick;
}

#endif
