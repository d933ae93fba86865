/* The event schema (see cli_event_table.h). Keep docs/events.md in step: test_cli_event_schema.sh
 * compares the two. */
#include "cli_event_table.h"

#include <string.h>

#include "cli_stats_list.h"

#define S(k) {k, CLI_KEY_STR, 0}
#define Sn(k) {k, CLI_KEY_STR, 1}
#define U(k) {k, CLI_KEY_UINT, 0}
#define Un(k) {k, CLI_KEY_UINT, 1}
#define B(k) {k, CLI_KEY_BOOL, 0}
#define Bn(k) {k, CLI_KEY_BOOL, 1}

/* Connection events of a stack: the peer is null where the command does not know it (sim's
 * server side, a listener). */
static const struct cli_key k_peer[] = {Sn("peer")};
static const struct cli_key k_probe_sent[] = {Sn("peer"), U("probe"), U("count")};
static const struct cli_key k_probe_acked[] = {Sn("peer"), U("probes"), U("unanswered")};
static const struct cli_key k_ended[] = {Sn("peer"), Sn("error")};
static const struct cli_key k_keepalive_verdict[] = {
    Sn("peer"), U("last_rx_t_us"), U("idle_us"), U("expected_idle_us"),
    U("keepalive_time_ms"), U("keepalive_interval_ms"), U("keepalive_count"),
    U("late_us"), U("tolerance_us"), B("as_expected"), S("message"),
};

/* vigil sim and vigil demo */
static const struct cli_key k_scenario[] = {
    S("scenario"), S("profile"), U("keepalive_time_ms"), U("keepalive_interval_ms"),
    U("keepalive_count"), B("garbage_octet"), U("latency_us"), U("seed"), S("client"),
    S("server"), S("description"),
};
static const struct cli_key k_none[] = {{NULL, CLI_KEY_STR, 0}};
static const struct cli_key k_nat_forgot_flow[] = {U("timeout_ms"), U("last_seen_t_us")};
static const struct cli_key k_packet_dropped[] = {S("what"), S("from"), S("reason")};
static const struct cli_key k_capture[] = {S("file"), U("packets")};
static const struct cli_key k_verdict[] = {
    S("scenario"), S("outcome"), Un("outcome_t_us"), Sn("error"), Un("last_rx_t_us"),
    Un("idle_us"), S("expected"), Un("expected_t_us"), Sn("expected_error"), S("checked"),
    Bn("as_expected"), U("probes_sent"), U("probes_answered"), U("probes_lost"),
    U("answers_lost"), U("longest_unanswered"), Un("nat_forgot_t_us"), S("message"),
};
static const struct cli_key k_scenario_file[] = {S("file"), S("hosts"), U("connections"),
                                                 U("latency_us"), U("seed"), U("expectations")};
static const struct cli_key k_expectation[] = {S("file"), U("line"), B("holds"), S("expect"),
                                               S("seen")};

/* vigil transfer */
static const struct cli_key k_transfer[] = {
    U("bytes"), U("bytes_sent"), U("bytes_received"), Sn("sha256_sent"), Sn("sha256_received"),
    B("match"), Sn("error"), Un("first_difference"), U("retransmissions"),
    U("fast_retransmissions"), U("timeouts"), U("packets_sent"), U("packets_duplicated"),
    U("packets_delivered"), U("packets_lost"), U("packets_unroutable"), U("packets_in_flight"),
    U("packets_reordered"), U("packets_corrupted"), U("seed"), U("wall_time_us"),
    U("cpu_time_us"), Un("virtual_bit_per_s"), Un("wall_bit_per_s"), Un("cpu_bit_per_s"),
};

/* vigil serve and vigil connect */
static const struct cli_key k_listening[] = {S("local"), S("mode")};
static const struct cli_key k_conn_end[] = {S("peer"), U("bytes_received"), U("bytes_sent"),
                                            Bn("verified"), Un("mismatch_at"), Sn("error")};
static const struct cli_key k_stopped[] = {U("connections"), U("failed")};
static const struct cli_key k_summary[] = {U("bytes_sent"), U("bytes_received"),
                                           S("received_sha256"), Bn("verified"),
                                           Un("mismatch_at"), Sn("error"), S("state")};
static const struct cli_key k_link_down[] = {S("error"), S("reason")};
static const struct cli_key k_loop_failed[] = {S("reason")};
static const struct cli_key k_status[] = {
    S("peer"), S("state"), U("send_queue"), U("recv_queue"), Un("rtt_ms"),
    Un("ka_next_probe_ms"), Un("ka_unanswered"), Un("ka_abort_in_ms"),
};
static const struct cli_key k_link[] = {B("vnet_header"), S("offloads"), Un("txqueuelen"),
                                       Sn("note")};
static const struct cli_key k_link_stats[] = {
    Un("device_tx_dropped"), Un("txqueuelen"), S("offloads"), U("rx_frames"),
    U("rx_gso_frames"), U("rx_csum_partial"), U("rx_csum_valid"), U("rx_bad_header"),
    U("tx_frames"), U("tx_gso_frames"), U("tx_csum_partial"), U("tx_refused"),
    U("delay_dropped"), U("polls_skipped"), U("spin_found"),
};
#define STAT_KEY(f) U(#f),
static const struct cli_key k_stats[] = {CLI_STATS_LIST(STAT_KEY)};
#undef STAT_KEY

#define EV(name, keys) {name, keys, sizeof keys / sizeof keys[0]}
#define EV0(name) {name, k_none, 0}
static const struct cli_event_def defs[] = {
    /* a stack's events (vg_event_name), in every command that runs one */
    EV("connected", k_peer),
    EV("acceptable", k_peer),
    EV("readable", k_peer),
    EV("writable", k_peer),
    EV("peer_fin", k_peer),
    EV("probe_sent", k_probe_sent),
    EV("probe_acked", k_probe_acked),
    EV("peer_probe_answered", k_peer),
    EV("zero_window_probe_sent", k_peer),
    EV("udp_readable", k_peer),
    EV("retransmit", k_peer),
    EV("reset_received", k_peer),
    EV("aborted", k_ended),
    EV("closed", k_ended),
    EV("keepalive_verdict", k_keepalive_verdict),
    /* sim, demo */
    EV("scenario", k_scenario),
    EV0("peer_down"),
    EV0("peer_rebooted"),
    EV0("partition_start"),
    EV0("partition_heal"),
    EV("nat_forgot_flow", k_nat_forgot_flow),
    EV("packet_dropped", k_packet_dropped),
    EV0("rst_sent"),
    EV("capture", k_capture),
    EV("verdict", k_verdict),
    EV("scenario_file", k_scenario_file),
    EV("expectation", k_expectation),
    /* transfer */
    EV("transfer", k_transfer),
    /* serve, connect */
    EV("listening", k_listening),
    EV("conn_end", k_conn_end),
    EV0("interrupted"),
    EV("stopped", k_stopped),
    EV("summary", k_summary),
    EV0("link_up"),
    EV("link_down", k_link_down),
    EV("loop_failed", k_loop_failed),
    EV("status", k_status),
    EV("stats", k_stats),
    EV("link", k_link),
    EV("link_stats", k_link_stats),
};
#undef EV
#undef EV0

const struct cli_event_def *cli_event_defs(size_t *n)
{
    *n = sizeof defs / sizeof defs[0];
    return defs;
}

const struct cli_event_def *cli_event_find(const char *name)
{
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        if (!strcmp(defs[i].name, name))
            return &defs[i];
    return NULL;
}

const char *cli_key_type_name(enum cli_key_type t)
{
    switch (t) {
    case CLI_KEY_STR: return "str";
    case CLI_KEY_UINT: return "uint";
    case CLI_KEY_BOOL: return "bool";
    }
    return "?";
}
