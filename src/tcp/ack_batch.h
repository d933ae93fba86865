/* ACKs held to the end of a batch of input (vg_stack_batch_begin in vigil.h; ack_batch.c). */
#ifndef VG_ACK_BATCH_H
#define VG_ACK_BATCH_H

#include "tcp/tcb.h"

/* t owes an ACK that the delayed-ACK timer sends at the latest (TF_DELACK_ONE, delack_at armed;
 * a segment t sends before then carries it): 1, or 0 when no per-transfer block can time the
 * wait and the ACK must go now. */
int tcp_ack_owe(vg_tcb *t, vg_time now);
/* In-order data on t calls for an ACK at once: 1 when a batch is open and holds it (t then owes
 * it: TF_DELACK_ONE, with the delayed-ACK timer armed), 0 when the ACK must go now. */
int tcp_ack_hold(vg_tcb *t, vg_time now);
/* t is being freed: a batch must not hold it any longer. */
void tcp_ack_batch_forget(vg_tcb *t);

#endif
