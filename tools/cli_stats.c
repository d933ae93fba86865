/* The counter printer (see cli_stats.h). */
#include "cli_stats.h"
#include "cli_stats_list.h"

#include <stddef.h>
#include <string.h>

struct stat_name {
    const char *name;
    size_t off;
};

#define STAT(f) {#f, offsetof(struct vg_stack_stats, f)},
static const struct stat_name stats[] = {CLI_STATS_LIST(STAT)};
#undef STAT
#define NSTATS (sizeof stats / sizeof stats[0])

/* Every counter is a uint64_t: a counter added to vigil.h and not here stops the build. */
_Static_assert(NSTATS * sizeof(uint64_t) == sizeof(struct vg_stack_stats),
               "a vg_stack_stats counter is missing from tools/cli_stats.c");

static uint64_t value_of(const struct vg_stack_stats *st, size_t i)
{
    uint64_t v;
    memcpy(&v, (const char *)st + stats[i].off, sizeof v);
    return v;
}

void cli_stats_print(struct cli_events *e, vg_time now, const char *host,
                     const struct vg_stack_stats *st)
{
    if (e->json) {
        struct cli_field f[NSTATS];
        for (size_t i = 0; i < NSTATS; i++)
            f[i] = CLI_UINT(stats[i].name, value_of(st, i));
        cli_events_emit(e, now, host, "stats", f, NSTATS);
        return;
    }
    cli_events_emit(e, now, host, "stats", NULL, 0);
    for (size_t i = 0; i < NSTATS; i++)
        fprintf(e->out, "    %-30s %llu\n", stats[i].name, (unsigned long long)value_of(st, i));
    fflush(e->out);
}
