/* The clocks the benchmarks measure with, in seconds. Header-only: the programs that link vigil
 * statically (bench_paths, bench_keepalive, ...) cannot link vgb_util, which brings the shared
 * library. */
#ifndef VGB_CLOCK_H
#define VGB_CLOCK_H

#include <time.h>

static inline double vgb_clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process (every thread), user + system. */
static inline double vgb_cpu_seconds(void) { return vgb_clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

static inline double vgb_wall_seconds(void) { return vgb_clock_seconds(CLOCK_MONOTONIC); }

#endif
