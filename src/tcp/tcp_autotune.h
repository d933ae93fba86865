/* Buffers that fit the path: the receive buffer grows toward twice what the application takes
 * in a round trip (dynamic right-sizing, as Linux's tcp_rcv_space_adjust), the send buffer
 * toward twice the window the connection may have in flight (as Linux's tcp_sndbuf_expand).
 *
 * Both only grow, from cfg.rcvbuf / cfg.sndbuf up to cfg.rcvbuf_max / cfg.sndbuf_max, and only
 * as far as the buffer budget (cfg.mem_limit) could back the whole buffer: a connection that
 * does not move data fast never grows, and a grown one that goes idle keeps its size (a TCB
 * field) but no memory, since its rings are freed when empty. A size the application fixed
 * (SO_RCVBUF / SO_SNDBUF: TF2_RCVBUF_SET / TF2_SNDBUF_SET) is never changed here.
 *
 * The measurement in progress (where the epoch began, the receiver's own RTT estimate) is
 * per-transfer state in the xfer block: a block taken afresh starts a new epoch. */
#ifndef VG_TCP_AUTOTUNE_H
#define VG_TCP_AUTOTUNE_H

#include "tcp/tcb.h"

/* The largest receive buffer the connection may come to have: what the SYN's window scale
 * must be able to offer (the fixed size when the application set one or autotuning is off). */
uint32_t tcp_rcvbuf_limit(const vg_tcb *t);

/* len octets arrived in order (tcp_input.c): times the receiver's RTT estimate, starts an epoch. */
void tcp_autotune_rcv_data(vg_tcb *t, uint32_t len, vg_time now);
/* The application took bytes (tcp_user.c): once per RTT, grows the receive buffer. */
void tcp_autotune_rcv_taken(vg_tcb *t, vg_time now);
/* No data for two round trips (the timer, at x->rcv_hold_until): the measurement ends, and
 * with it its claim on the block. */
void tcp_autotune_rcv_quiet(vg_tcb *t);
/* New data was acknowledged and the congestion window moved (tcp_input.c): grows the send
 * buffer toward twice the window in flight. */
void tcp_autotune_snd(vg_tcb *t);

#endif
