/* Per-transfer state: what a connection needs only while data moves, kept out of the TCB.
 *
 * A million idle keep-alive connections pay for every octet of struct vg_tcb, but an idle
 * connection (nothing in flight or queued, no out-of-order data, no ACK owed) never reads the
 * retransmission, persist and delayed-ACK deadlines, the RTT measurement in progress, the
 * duplicate-ACK and retransmission counts or the out-of-order islands: their values are dead
 * until the next transfer sets them afresh. They live here, in a block a connection holds only
 * while it transfers: taken before the first thing that needs it (a send, a SYN, a FIN, data out
 * of order, a delayed ACK) and given back by tcp_timer_update once the connection is idle again.
 * A keep-alive probe, its answer and a lost answer never need it. Path state that must outlive
 * an idle period (srtt, rttvar, rto, cwnd, ssthresh, windows, scaling, MSS) stays in the TCB.
 *
 * The rule for what belongs here: state whose value is dead whenever the connection is idle, so
 * that a fresh block means exactly what the old one did. Later per-transfer mechanisms (a SACK
 * scoreboard, RACK's reordering window, a CUBIC epoch) belong here too; state that must survive
 * idle time (timestamps' TS.Recent for PAWS) does not.
 *
 * Blocks come from vg_alloc and are counted (stats.tcp_xfer_live); up to VG_XFER_SPARES emptied
 * ones are kept per stack for the next connection that needs one (stats.tcp_xfer_spares), so a
 * request-response exchange does not call malloc per message. When no block can be had
 * (stats.tcp_xfer_failed): a send, shutdown or connect fails with VG_ERR_NOBUFS, a close resets
 * instead of sending FIN, out-of-order data (or FIN) is dropped unacknowledged for the peer to
 * resend (stats.tcp_xfer_rx_drops), and a delayed ACK is sent at once. */
#ifndef VG_TCB_XFER_H
#define VG_TCB_XFER_H

#include "stack/stack.h"
#include "tcp/cc.h"

/* Emptied blocks a stack keeps for reuse (a few KiB at most), beyond which they are freed. */
#define VG_XFER_SPARES 32u

struct vg_ooo_range;
struct vg_sack_board;
struct vg_rack;

struct vg_tcb_xfer {
    vg_time rtx_at, persist_at, delack_at;   /* VG_TIME_NEVER when not pending */
    vg_time rtt_start;           /* TF_RTT_TIMING: when the timed segment (rtt_seq) went out */
    vg_time unacked_since;       /* C7: when the oldest unacknowledged data started waiting */
    /* Receive autotuning (tcp_autotune.c): the epoch under way, the receiver's RTT measurement,
     * and how long the measurement keeps the block once data stops (VG_TIME_NEVER: none). */
    vg_time rcv_epoch_at, rcv_rtt_at, rcv_hold_until;
    union {
        struct vg_ooo_range *ooo;        /* allocated while out-of-order data is held */
        struct vg_tcb_xfer *next_spare;  /* on the stack's spare list */
    };
    uint32_t rtt_seq;
    uint32_t recover;            /* NewReno's recovery point (RFC 6582); the ISS: none yet */
    uint32_t fin_seq;            /* the peer's FIN, when TF_OOO_FIN */
    uint32_t last_ack_sent;      /* RFC 7323 Last.ACK.sent (TS.Recent's rule): while no ACK is
                                  * owed it is RCV.NXT, so an idle connection needs none */
    uint32_t ts_offset;          /* the TSval clock's offset (tcp_ts.h), once ts_offset_set: a
                                  * keyed hash of the address pair, taken once per transfer */
    uint32_t rcv_epoch_seq;      /* where the application had read up to when the epoch began */
    uint32_t rcv_space;          /* octets read in the last epoch that grew (0: none yet) */
    uint32_t rcv_rtt_seq;        /* the receiver's RTT sample ends when RCV.NXT reaches it */
    uint32_t rcv_rtt_us;         /* its estimate: the least time a window took (0: none) */
    uint8_t dupacks, rtx_count;
    uint8_t persist_shift;       /* the persist timer's backoff */
    uint8_t persist_probes;      /* zero-window probes since the last answer (an orphan's: since
                                  * the window closed, answered or not) */
    uint8_t nooo;                /* islands in ooo */
    uint8_t ts_offset_set;

    /* SACK, receiving (sack_rx.c): what the next ACK's blocks report. */
    uint8_t nsack_recent;        /* entries in sack_recent */
    uint8_t dsack_pending;       /* dsack_start..dsack_end arrived twice: the next ACK says so */
    uint32_t sack_recent[4];     /* a sequence number of each latest out-of-order arrival, newest
                                  * first: RFC 2018 §4's order of the blocks */
    uint32_t dsack_start, dsack_end;

    /* SACK, sending (sack_recovery.c): the scoreboard and RFC 6675 / RFC 6937 state. */
    struct vg_sack_board *sack;  /* allocated on the first SACK block, freed with the block */
    struct vg_rack *rack;        /* RACK-TLP's send log and state (rack.h): taken at a SACK
                                  * transfer's first send, kept with the block on the spares */
    uint32_t high_rxt;           /* HighRxt: the end of the highest octet resent in recovery */
    uint32_t prr_delivered, prr_out, recover_fs;   /* RFC 6937 */
    uint32_t prr_mark;           /* SND.MAX when PRR last allowed new data: what went since is
                                  * counted in prr_out at the next ACK */
    uint32_t undo_cwnd, undo_ssthresh;   /* before the recovery, for a D-SACK undo */
    uint16_t undo_rtx;           /* retransmissions of this recovery not yet D-SACKed */
    uint8_t undo_ok;             /* no RTO and no retransmission of unknown fate since entry */
    struct vg_cc_state cc;       /* the congestion-control algorithm's epoch (cc.h) */
};

/* tcb_xfer_get(t) (tcb.h, inline): the connection's block, taken (from the spares, else
 * allocated) if it has none; NULL when none can be had (counted in tcp_xfer_failed). A new block
 * holds no deadline and no count, and the recovery point the connection had when it went idle.
 * tcb_xfer_new is its slow path, for a connection without one. */
struct vg_tcb_xfer *tcb_xfer_new(vg_tcb *t);
/* tcb_xfer_put_if_idle(t) (tcb.h, inline): gives the block back when the connection no longer
 * needs it (nothing in flight, queued, out of order, timed or owed). tcp_timer_update calls it,
 * so every path that ends in a timer update releases an idle block. tcb_xfer_release_if_idle
 * is its slow path, for a connection holding one (and what a closed connection calls: its
 * sequence numbers no longer matter). */
void tcb_xfer_release_if_idle(vg_tcb *t);
/* Gives the block back whatever it holds (the TCB is being freed). */
void tcb_xfer_free(vg_tcb *t);
/* Frees the stack's spare blocks (vg_tcp_free_all). */
void tcb_xfer_spares_free(vg_stack *s);

#endif
