/* The counter printer (see cli_stats.h). */
#include "cli_stats.h"

#include <stddef.h>
#include <string.h>

struct stat_name {
    const char *name;
    size_t off;
};

#define STAT(f) {#f, offsetof(struct vg_stack_stats, f)}
/* In the order of struct vg_stack_stats. */
static const struct stat_name stats[] = {
    STAT(ip_in),
    STAT(ip_out),
    STAT(ip_bad),
    STAT(ip_not_ours),
    STAT(tcp_in),
    STAT(tcp_out),
    STAT(tcp_bad),
    STAT(tcp_no_tcb),
    STAT(tcp_rst_sent),
    STAT(tcp_retransmits),
    STAT(tcp_fast_retransmits),
    STAT(tcp_timeouts),
    STAT(tcp_challenge_acks),
    STAT(tcp_challenge_acks_suppressed),
    STAT(tcp_ooo_segments),
    STAT(tcp_dup_segments),
    STAT(ka_probes_sent),
    STAT(ka_probes_acked),
    STAT(ka_aborts),
    STAT(ka_peer_probes_answered),
    STAT(zwp_sent),
    STAT(udp_in),
    STAT(udp_out),
    STAT(udp_bad),
    STAT(icmp_in),
    STAT(icmp_out),
    STAT(tcbs_live),
    STAT(tcb_bytes),
    STAT(timer_arms),
    STAT(timer_cancels),
    STAT(ip_martians),
    STAT(ip_frags_dropped),
    STAT(tcp_bad_flags),
    STAT(tcp_tcb_limit),
    STAT(syncache_added),
    STAT(syncache_evicted),
    STAT(syncache_expired),
    STAT(syncache_live),
    STAT(syncookies_sent),
    STAT(syncookies_ok),
    STAT(syncookies_bad),
    STAT(listen_overflows),
    STAT(tcp_bad_acks),
    STAT(tcp_oow_ratelimited),
    STAT(tcp_persist_timeouts),
    STAT(tcp_orphans),
    STAT(tcp_orphan_timeouts),
    STAT(tcp_orphans_aborted),
    STAT(tcp_orphan_data_resets),
    STAT(mem_bytes),
    STAT(mem_refused),
    STAT(udp_queue_full),
    STAT(icmp_errors_in),
    STAT(icmp_errors_ignored),
    STAT(pmtu_updates),
    STAT(mtu_probe_reductions),
    STAT(icmp_soft_errors),
    STAT(icmp_rate_limited),
    STAT(alloc_failures),
};
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
