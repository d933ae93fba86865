/* The VGBENCH output convention (README "Performance"), the options every comparison benchmark
 * takes, and the clocks they measure with. */
#ifndef VGB_REPORT_H
#define VGB_REPORT_H

#include "vgb_clock.h"

struct vgb_args {
    int runs;     /* --runs N, default 5 */
    int quick;    /* --quick: one short run of everything (a smoke test; figures mean nothing) */
    const char *only;  /* --only IMPL: measure that implementation alone (for a profiler); NULL */
    long chunk;   /* --chunk N: units per turn where the implementations take turns; 0: the default */
};
/* Whether impl ("vigil", "lwip", "linux") is measured in this run. */
int vgb_wants(const struct vgb_args *a, const char *impl);
/* Parses --runs N, --quick, --only IMPL and --chunk N; prints usage and exits 2 on anything else. */
void vgb_parse_args(int argc, char **argv, struct vgb_args *a, const char *prog);


/* One measurement: VGBENCH {"suite":...}. n is the scale (connections), 0 when there is none. */
void vgb_emit(const char *suite, const char *impl, const char *variant, long n, const char *metric,
              const char *unit, double value, const char *better, int run);
/* A peer that cannot run here: VGBENCH-SKIP {"suite":...,"why":...}. */
void vgb_skip(const char *suite, const char *impl, const char *variant, const char *why);
#endif
