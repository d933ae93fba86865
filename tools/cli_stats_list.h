/* Every vg_stack_stats counter, in the order of the struct: cli_stats.c prints them and the
 * event table (cli_event_table.c) lists them as the keys of the "stats" event. */
#ifndef VG_CLI_STATS_LIST_H
#define VG_CLI_STATS_LIST_H

#define CLI_STATS_LIST(X) \
    X(ip_in) \
    X(ip_out) \
    X(ip_bad) \
    X(ip_not_ours) \
    X(tcp_in) \
    X(tcp_out) \
    X(tcp_bad) \
    X(tcp_no_tcb) \
    X(tcp_rst_sent) \
    X(tcp_retransmits) \
    X(tcp_fast_retransmits) \
    X(tcp_timeouts) \
    X(tcp_challenge_acks) \
    X(tcp_challenge_acks_suppressed) \
    X(tcp_ooo_segments) \
    X(tcp_dup_segments) \
    X(ka_probes_sent) \
    X(ka_probes_acked) \
    X(ka_aborts) \
    X(ka_peer_probes_answered) \
    X(zwp_sent) \
    X(udp_in) \
    X(udp_out) \
    X(udp_bad) \
    X(icmp_in) \
    X(icmp_out) \
    X(tcbs_live) \
    X(tcb_bytes) \
    X(timer_arms) \
    X(timer_cancels) \
    X(ip_martians) \
    X(ip_frags_dropped) \
    X(tcp_bad_flags) \
    X(tcp_tcb_limit) \
    X(syncache_added) \
    X(syncache_evicted) \
    X(syncache_expired) \
    X(syncache_live) \
    X(syncookies_sent) \
    X(syncookies_ok) \
    X(syncookies_bad) \
    X(listen_overflows) \
    X(tcp_bad_acks) \
    X(tcp_oow_ratelimited) \
    X(tcp_persist_timeouts) \
    X(tcp_orphans) \
    X(tcp_orphan_timeouts) \
    X(tcp_orphans_aborted) \
    X(tcp_orphan_data_resets) \
    X(mem_bytes) \
    X(mem_refused) \
    X(udp_queue_full) \
    X(icmp_errors_in) \
    X(icmp_errors_ignored) \
    X(pmtu_updates) \
    X(mtu_probe_reductions) \
    X(icmp_soft_errors) \
    X(icmp_rate_limited) \
    X(alloc_failures) \
    X(tcp_tso_frames_out) \
    X(rx_csum_trusted) \
    X(mem_spare_bytes) \
    X(tcp_xfer_live) \
    X(tcp_xfer_spares) \
    X(tcp_xfer_failed) \
    X(tcp_xfer_rx_drops) \
    X(slab_chunk_bytes) \
    X(tcp_acks_held) \
    X(tcp_ack_batch_full)

#endif
