/* ACKs held to the end of a batch of input. A held connection is marked as owing an ACK the way
 * a delayed ACK is (TF_DELACK_ONE, delack_at armed), so every segment it sends before the batch
 * ends carries the ACK and clears the mark (send_payload), the delayed-ACK timer bounds the wait
 * whatever the driver does, and the batch's end sends only what is still owed. */
#include "tcp/ack_batch.h"
#include "tcp/tcb_xfer.h"

static int held_at(const struct vg_ack_batch *b, const vg_tcb *t)
{
    for (int i = 0; i < b->n; i++)
        if (b->held[i] == t)
            return i;
    return -1;
}

void vg_stack_batch_begin(vg_stack *s)
{
    s->acks.open = 1;
}

int tcp_ack_owe(vg_tcb *t, vg_time now)
{
    if (!tcb_xfer_get(t))
        return 0;
    t->flags |= TF_DELACK_ONE;
    if (t->x->delack_at == VG_TIME_NEVER)
        t->x->delack_at = now + VG_DELACK_US;
    return 1;
}

int tcp_ack_hold(vg_tcb *t, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    struct vg_ack_batch *b = &s->acks;
    if (!b->open)
        return 0;
    int held = held_at(b, t) >= 0;
    if (!held && b->n == VG_ACK_BATCH_MAX) {
        s->stats.tcp_ack_batch_full++;
        return 0;
    }
    if (!tcp_ack_owe(t, now))
        return 0;
    if (!held)
        b->held[b->n++] = t;
    s->stats.tcp_acks_held++;
    return 1;
}

void tcp_ack_batch_forget(vg_tcb *t)
{
    struct vg_ack_batch *b = &tcb_stack(t)->acks;
    int i = b->n ? held_at(b, t) : -1;
    if (i >= 0)
        b->held[i] = b->held[--b->n];
}

void vg_stack_batch_end(vg_stack *s, vg_time now)
{
    struct vg_ack_batch *b = &s->acks;
    b->open = 0;
    /* From the end: whatever tcp_output sets off (an event callback closing a connection) may
     * only remove entries still to be visited, which tcp_ack_batch_forget swaps from below n. */
    while (b->n) {
        vg_tcb *t = b->held[--b->n];
        if (t->flags & TF_DELACK_ONE) {
            t->flags |= TF_ACK_NOW;
            tcp_output(t, now);
        }
    }
}
