/* RACK-TLP loss detection (RFC 8985) for connections that run SACK, unless cfg.no_rack.
 *
 * RACK needs the instant each outstanding segment last went out. The send log keeps it per
 * transmission rather than per segment: one record for each run of octets sent together (a
 * tcp_output burst at one instant is one record, however many segments it holds), in the order
 * they went, a resend moving its octets from their old record to a new one at the end. What
 * RACK marks lost is a flag of the record; the SACK scoreboard still says which octets arrived.
 * The log, RACK's state and the two deadlines (the reordering timer and TLP's probe timeout)
 * live in one allocation the transfer block points to: taken when data first goes out with
 * nothing in flight, kept with the block on the stack's spare list, so a connection pays for it
 * only while it transfers and a request-response exchange not at all after the first.
 *
 * Loss marking is RACK's; what recovery resends and when stays RFC 6675 with PRR's
 * (sack_recovery.c), as RFC 8985 §9.3 has it: a hole is lost when RACK says so, not after
 * DupThresh duplicates. */
#ifndef VG_RACK_H
#define VG_RACK_H

#include <stdint.h>

#include "stack/stack.h"

struct vg_tcb_xfer;

/* Transmissions the log holds (2.5 KiB). Beyond them the two oldest neighbouring ones merge (with
 * the later instant: a loss inside can only be found later, never early) and
 * tcp_rack_log_merges counts it. An ACK-clocked flight of a lossy path needs a few dozen; slow
 * start's on a long fat path more, whose merges cost only precision. */
#define VG_RACK_LOG_RECORDS 128u
/* TLP's allowance for a delayed ACK when one segment is in flight (RFC 8985 §7.2,
 * WCDelAckT). */
#define VG_TLP_MAX_ACK_DELAY_US 200000u

enum { RACK_RETRANS = 1u << 0, RACK_LOST = 1u << 1, RACK_DELIVERED = 1u << 2 };

struct vg_rack_seg {
    uint32_t start, end;         /* [start, end) of sequence space, FIN included */
    uint32_t ts;                 /* when it went: the low 32 bits of the instant in µs */
    uint32_t order;              /* the log's count of records at the time: which of those sent
                                  * in one microsecond went first (a resend goes before the new
                                  * data after it, whatever their sequence numbers) */
    uint32_t flags;              /* RACK_* */
};

struct vg_rack {
    vg_time reo_at;              /* the reordering timer (RFC 8985 §6.2 step 5); VG_TIME_NEVER */
    vg_time pto_at;              /* TLP's probe timeout (§7.2); VG_TIME_NEVER */
    uint32_t xmit_ts, end_seq;   /* RACK.xmit_ts, RACK.end_seq: the latest-sent delivered */
    uint32_t xmit_order;         /* and its record's order */
    uint32_t next_order;
    uint32_t rtt;                /* RACK.rtt, µs */
    uint32_t min_rtt;            /* RACK.min_RTT over the transfer, µs (0: none yet) */
    uint32_t fack;               /* RACK.fack: the highest octet delivered */
    uint32_t dsack_round;        /* reo_wnd grows once per round with a D-SACK */
    uint32_t tlp_start, tlp_end_seq;   /* the probe's octets; TLP.end_seq, while tlp_on */
    uint16_t n;                  /* records in log, oldest first */
    uint8_t live;                /* the log describes the transfer under way */
    uint8_t has_xmit;            /* xmit_ts and end_seq hold a delivery */
    uint8_t reord;               /* RACK.reordering_seen */
    uint8_t reo_wnd_mult, reo_wnd_persist, dsack_round_on;
    uint8_t tlp_on, tlp_is_retrans;
    uint8_t tlp_dsack;           /* this ACK D-SACKed the probe */
    uint8_t pto_rearm;           /* an ACK moved SND.UNA: tcp_output arms the probe again */
    struct vg_rack_seg log[VG_RACK_LOG_RECORDS];
};

/* [seq, seq+len) of sequence space went out at now (tcp_output's every send); a new transfer's
 * first send takes the log. */
void rack_sent(vg_tcb *t, uint32_t seq, uint32_t len, vg_time now);
/* An ACK took SACK blocks and moved SND.UNA by acked: RACK's update, its loss marking and the
 * reordering timer (RFC 8985 §6.2). Returns 1 when some octets are now marked lost. */
int rack_on_ack(vg_tcb *t, uint32_t acked, vg_time now);
/* A D-SACK block [start, end) arrived (RFC 8985 §6.2 step 4; §7.4's probe). */
void rack_on_dsack(vg_tcb *t, uint32_t start, uint32_t end);
/* tlp.c: TLP's part of every acceptable ACK (§7.4): did the probe repair a loss? pure_dup: an ACK at
 * SND.UNA with no data, SACK or window change. */
void rack_tlp_on_ack(vg_tcb *t, uint32_t ack, int pure_dup, vg_time now);
/* A recovery ended (the reordering window's persistence counts them). */
void rack_on_recovery_exit(vg_tcb *t);
/* The retransmission timer fired: marks and the probe episode go. */
void rack_on_rto(vg_tcb *t);
/* tlp.c: tcp_output's end: arm the probe timeout when new data went or an ACK asked for it. */
void rack_arm_pto(vg_tcb *t, int sent_new, vg_time now);
/* tlp.c: the probe timeout fired (§7.3): one new segment if the peer's window takes it, else
 * the last one again. */
void tlp_send_probe(vg_tcb *t, vg_time now);
/* The reordering timer or the probe timeout is due. Returns 1 when RACK marked octets lost
 * (recovery is to resend them). */
int rack_timer_fire(vg_tcb *t, vg_time now);
/* An RTT sample for RACK.min_RTT. */
void rack_rtt_sample(vg_tcb *t, uint32_t rtt_us);

/* For recovery (sack_recovery.c): octets marked lost and not yet resent, above SND.UNA and not
 * SACKed; and the lowest such run, at most one MSS, in *seq and *len (0: none). */
uint32_t rack_lost_octets(const vg_tcb *t);
int rack_next_lost(const vg_tcb *t, uint32_t *seq, uint32_t *len);

/* Frees a transfer block's log (the block itself is going). */
void rack_free(struct vg_tcb_xfer *x);
/* Clears the log for the next transfer (the block goes idle or to the spares). */
void rack_reset(struct vg_rack *r);

#endif
