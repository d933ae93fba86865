/* Congestion-control algorithms behind one table of operations (as Linux's tcp_congestion_ops
 * and FreeBSD's cc_algo): CUBIC (RFC 9438) with HyStart++ (RFC 9406), the default, and NewReno
 * (RFC 5681 growth, RFC 6582's halving).
 *
 * The split with loss recovery: an algorithm decides how the window grows outside recovery,
 * what ssthresh becomes when a loss is detected, what an RTO leaves and what it does when
 * recovery ends. Loss recovery (congestion.c's RFC 6582 fast recovery, and SACK recovery)
 * decides when recovery starts and ends, what is resent and how cwnd moves meanwhile; it calls
 * the functions below, which dispatch on the connection's TF2_CC bits (enum vg_cc_algo, copied
 * from vg_stack_config.cc when the connection is opened, or set by vg_tcp_set_cc).
 *
 * An algorithm's per-connection state lives in the transfer block (struct vg_cc_state in
 * struct vg_tcb_xfer): it is per-transfer, and a connection that went idle long enough to give
 * its block back starts the next transfer with a fresh epoch from the cwnd and ssthresh it kept
 * in the TCB (RFC 9438 §5.8 allows it: W_max is forgotten, so the window cannot jump). */
#ifndef VG_TCP_CC_H
#define VG_TCP_CC_H

#include <stdint.h>

#include "vigil/vigil.h"

struct vg_tcb_xfer;

/* ssthresh before any loss: "arbitrarily high" (RFC 5681 §3.1); HyStart++ runs while it holds. */
#define VG_CC_INITIAL_SSTHRESH (UINT32_MAX / 2)

/* RFC 9406 HyStart++ phases (the initial slow start only). */
enum vg_hystart_phase {
    VG_HS_SLOW_START = 0,        /* standard slow start, watching each round's least RTT */
    VG_HS_CSS,                   /* Conservative Slow Start: an RTT rise was seen */
    VG_HS_DONE,                  /* left: congestion avoidance, a loss, or not the first */
};

/* What CUBIC and HyStart++ keep while data moves. All zero is "no epoch, no history". */
struct vg_cc_state {
    vg_time epoch_start;         /* CUBIC: when the avoidance epoch began (epoch_on) */
    vg_time idle_at;             /* when the last ACK emptied the flight (idle_on) */
    uint32_t w_max;              /* bytes: the window at the last loss (fast-converged) */
    uint32_t cwnd_prior;         /* bytes: cwnd when the last loss was detected */
    uint32_t origin;             /* bytes: W_cubic's plateau for this epoch */
    uint32_t k_ticks;            /* K in 2^-10 s */
    uint32_t w_est;              /* bytes: the Reno-friendly estimate (RFC 9438 §4.3) */
    uint64_t est_acc;            /* remainder of W_est's growth, in mss*acked*alpha units */
    uint64_t cubic_acc;          /* remainder of cwnd's growth toward the target, bytes*bytes */
    /* HyStart++ (RFC 9406 §4.2), RTTs in microseconds; 0 is "none yet" for the minima. */
    uint32_t round_end;          /* windowEnd: the round ends when SND.UNA passes it */
    uint32_t last_round_min_rtt, cur_round_min_rtt, css_baseline_min_rtt;
    /* The most that was in flight this round (CUBIC's cwnd-limited test). */
    uint32_t used_max, used_round_end;
    uint8_t used_round_on;
    uint8_t rtt_samples;         /* this round's samples, up to N_RTT_SAMPLE */
    uint8_t css_rounds;
    uint8_t hs_phase;            /* enum vg_hystart_phase */
    uint8_t round_on, epoch_on, idle_on;
};

/* Makes c mean what all zero means, writing only what is read before it is set: the epoch's
 * values (epoch_start, origin, k_ticks, w_est and the remainders) wait for epoch_on, idle_at for
 * idle_on, round_end for round_on, used_max and used_round_end for used_round_on, and
 * css_baseline_min_rtt for the entry into CSS, each set with its flag. */
static inline void cc_state_fresh(struct vg_cc_state *c)
{
    c->w_max = c->cwnd_prior = 0;
    c->last_round_min_rtt = c->cur_round_min_rtt = 0;
    c->used_round_on = c->rtt_samples = c->css_rounds = c->hs_phase = 0;
    c->round_on = c->epoch_on = c->idle_on = 0;
}

/* One algorithm. Every operation may assume t->x (data is or was just in flight). */
struct vg_cc_ops {
    const char *name;                                   /* "cubic", "newreno" */
    uint32_t (*ssthresh_on_loss)(vg_tcb *t);
    void (*on_ack)(vg_tcb *t, uint32_t acked, vg_time now);
    void (*on_recovery_exit)(vg_tcb *t, vg_time now);
    void (*on_timeout)(vg_tcb *t, vg_time now);         /* sets ssthresh and cwnd */
    void (*on_rtt_sample)(vg_tcb *t, uint32_t rtt_us);  /* NULL: not wanted */
    void (*on_tx_start)(vg_tcb *t, vg_time now);        /* sending after an idle flight */
};

extern const struct vg_cc_ops vg_cc_newreno_ops, vg_cc_cubic_ops;

/* The connection's algorithm (never NULL). */
const struct vg_cc_ops *cc_ops(const vg_tcb *t);
/* The table for an algorithm, NULL for a value out of range; and a name's value, -1 if none. */
const struct vg_cc_ops *cc_ops_for(enum vg_cc_algo a);
int cc_algo_by_name(const char *name);

/* The contract loss recovery calls (dispatch, cc.c). */
uint32_t cc_ssthresh_on_loss(vg_tcb *t);                 /* the new ssthresh, not yet set */
void cc_on_ack(vg_tcb *t, uint32_t acked, vg_time now);  /* growth, outside recovery */
void cc_on_recovery_exit(vg_tcb *t, vg_time now);        /* after recovery set its own cwnd */
void cc_on_timeout(vg_tcb *t, vg_time now);              /* RTO: ssthresh, cwnd and recovery */
/* Hooks from the transmission path: an RTT sample (tcp_rtt_sample) and new data sent with
 * nothing in flight (tcp_output). */
void cc_on_rtt_sample(vg_tcb *t, uint32_t rtt_us);
void cc_on_tx_start(vg_tcb *t, vg_time now);

/* cc_cubic.c, exposed for tests: W_cubic(t) in bytes for an epoch with plateau origin and K
 * (2^-10 s), t in 2^-10 s since the epoch began; and K for a distance below the plateau. */
uint32_t cc_cubic_window(uint32_t origin, uint32_t k_ticks, uint64_t t_ticks, uint32_t mss);
uint32_t cc_cubic_k_ticks(uint32_t below_bytes, uint32_t mss);
uint32_t cc_icbrt64(uint64_t v);

/* cc_hystart.c (used by CUBIC's slow start). */
void hystart_on_rtt_sample(vg_tcb *t, uint32_t rtt_us);
/* Slow-start growth for acked bytes with HyStart++'s rounds and CSS; may end slow start by
 * setting ssthresh to cwnd. */
void hystart_slow_start(vg_tcb *t, uint32_t acked);
/* A loss or an RTO ends HyStart++ for the connection's life (RFC 9406 §4.2: it is for the
 * initial slow start only). */
void hystart_end(vg_tcb *t);

#endif
