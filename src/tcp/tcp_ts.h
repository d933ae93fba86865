/* RFC 7323 timestamps: the TSval clock, the option on every segment of a connection that
 * negotiated it, TS.Recent, PAWS and RTT measurement from TSecr (README "Timestamps").
 *
 * Negotiation: our SYN offers the option unless cfg.no_timestamps; a SYN-ACK answers with it
 * only when the peer's SYN carried it; both SYNs carrying it set TF2_TS, and from then on every
 * segment but an RST carries it (§3.2). SYN cookies go without timestamps (syncookie.h). */
#ifndef VG_TCP_TS_H
#define VG_TCP_TS_H

#include "tcp/tcb.h"

#define VG_TS_OPT_LEN 12u                 /* NOP NOP kind len TSval TSecr */
/* RFC 7323 §5.5: after 24 days without a segment TS.Recent is no longer valid (the peer's 1 ms
 * clock may have wrapped half its space since). */
#define VG_PAWS_IDLE_US (24ull * 24 * 3600 * 1000000)
/* RFC 7323 §4: an echo older than this is no RTT of this connection (an echo from before it, or
 * forged): the RTO never exceeds 60 s, so no segment in flight was sent longer ago. */
#define VG_TS_RTT_MAX_MS 60000u

static inline int tcp_ts_on(const vg_tcb *t) { return (t->flags2 & TF2_TS) != 0; }

/* The octets the timestamps option takes in every non-SYN segment of t (0 without TF2_TS). */
static inline uint32_t tcp_ts_opt_len(const vg_tcb *t) { return tcp_ts_on(t) ? VG_TS_OPT_LEN : 0; }

/* RFC 7323 §7.1: the connection's offset to the millisecond clock, a keyed hash of its address
 * pair (as Linux's secure_tcp_ts_off), so TSvals reveal neither the host's uptime nor the clock
 * seen by another host; one pair's connections share a clock, so PAWS works across a tuple's
 * incarnations and TSvals keep growing from one connection to the next (RFC 6191). */
uint32_t tcp_ts_offset(vg_stack *s, uint32_t laddr, uint32_t raddr);
/* Our TSval for a segment of the tuple at now: milliseconds of the time argument plus the
 * offset (the core has no clock of its own). */
uint32_t tcp_ts_val(vg_stack *s, uint32_t laddr, uint32_t raddr, vg_time now);
/* The connection's offset, hashed and kept in its transfer block when it has one. */
uint32_t tcp_ts_offset_of(vg_tcb *t);
/* The same for a connection: the offset hashed once per transfer block (an idle connection,
 * whose probes and answers are rare, hashes it each time). */
static inline uint32_t tcp_ts_val_of(vg_tcb *t, vg_time now)
{
    const struct vg_tcb_xfer *x = t->x;
    return (uint32_t)(now / 1000u) + (x && x->ts_offset_set ? x->ts_offset : tcp_ts_offset_of(t));
}

/* The peer's SYN (or SYN-ACK) options: TF2_TS and TS.Recent when it carried timestamps and we
 * use them, TF2_TS cleared otherwise. Returns the octets each segment's payload gives up. */
uint32_t tcp_ts_syn_negotiate(vg_tcb *t, const struct vg_tcp_hdr *syn);

/* Fills o with the timestamps option for a non-SYN segment of t (no RST); 0 when it carries
 * none. Records Last.ACK.sent for the TS.Recent rule when the segment carries an ACK. */
int tcp_ts_opt_fill(vg_tcb *t, struct vg_tcp_opts *o, uint8_t flags, vg_time now);

/* RFC 7323 §5.3 R1 (PAWS), before the sequence check: 1 when a non-RST segment carries a TSval
 * older than a valid TS.Recent and must be dropped (counted tcp_paws_drops; the caller ACKs).
 * prev_rx is when the previous segment arrived (§5.5's idle rule). A segment without the
 * option on a timestamps connection is accepted, as Linux does (counted tcp_ts_missing). */
int tcp_ts_paws_reject(vg_tcb *t, const struct vg_tcp_hdr *th, vg_time prev_rx, vg_time now);

/* RFC 7323 §5.3 R3 with §4.3: for a segment that passed the sequence and ACK checks, TS.Recent
 * takes its TSval when SEG.TSval >= TS.Recent (or TS.Recent is no longer valid) and SEG.SEQ <=
 * Last.ACK.sent. */
void tcp_ts_recent_update(vg_tcb *t, const struct vg_tcp_hdr *th, size_t dlen, vg_time prev_rx,
                          vg_time now);

/* RFC 7323 §4 (RTTM): an ACK that advanced SND.UNA and echoes one of our TSvals gives an RTT
 * sample, whatever was retransmitted (Karn's rule is for timed segments). Returns 1 when it
 * gave one. */
int tcp_ts_rtt(vg_tcb *t, const struct vg_tcp_hdr *th, vg_time now);

#endif
