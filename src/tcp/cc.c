/* Dispatch of the congestion-control operations to the connection's algorithm (cc.h). */
#include "tcp/cc.h"

#include <string.h>

#include "tcp/tcb.h"

static const struct vg_cc_ops *const algos[] = {
    [VG_CC_CUBIC] = &vg_cc_cubic_ops,
    [VG_CC_NEWRENO] = &vg_cc_newreno_ops,
};
#define NALGOS (sizeof algos / sizeof algos[0])

const struct vg_cc_ops *cc_ops_for(enum vg_cc_algo a)
{
    return (unsigned)a < NALGOS ? algos[a] : NULL;
}

int cc_algo_by_name(const char *name)
{
    for (unsigned i = 0; i < NALGOS; i++)
        if (name && !strcmp(algos[i]->name, name))
            return (int)i;
    return -1;
}

const char *vg_cc_name(enum vg_cc_algo a)
{
    const struct vg_cc_ops *o = cc_ops_for(a);
    return o ? o->name : NULL;
}

int vg_cc_by_name(const char *name)
{
    int a = cc_algo_by_name(name);
    return a < 0 ? -VG_ERR_INVAL : a;
}

const struct vg_cc_ops *cc_ops(const vg_tcb *t)
{
    /* vg_tcp_set_cc and the stack's configuration accept only values with a table. */
    return algos[((unsigned)t->flags2 & TF2_CC_MASK) >> TF2_CC_SHIFT];
}

uint32_t cc_ssthresh_on_loss(vg_tcb *t)
{
    return cc_ops(t)->ssthresh_on_loss(t);
}

/* An empty flight: if the next send finds it still so, the connection sat idle since now. */
static void note_flight(vg_tcb *t, vg_time now)
{
    if (t->snd_una == t->snd_max) {
        t->x->cc.idle_at = now;
        t->x->cc.idle_on = 1;
    }
}

void cc_on_ack(vg_tcb *t, uint32_t acked, vg_time now)
{
    /* First, so that the algorithm's call is a tail call: no on_ack reads idle_at or idle_on
     * (only on_tx_start does), and none moves SND.UNA or SND.MAX. */
    note_flight(t, now);
    cc_ops(t)->on_ack(t, acked, now);
}

void cc_on_recovery_exit(vg_tcb *t, vg_time now)
{
    const struct vg_cc_ops *o = cc_ops(t);
    if (o->on_recovery_exit)
        o->on_recovery_exit(t, now);
    note_flight(t, now);
}

void cc_on_rtt_sample(vg_tcb *t, uint32_t rtt_us)
{
    const struct vg_cc_ops *o = cc_ops(t);
    if (t->x && o->on_rtt_sample)
        o->on_rtt_sample(t, rtt_us);
}

void cc_on_tx_start(vg_tcb *t, vg_time now)
{
    struct vg_tcb_xfer *x = t->x;
    if (!x->cc.idle_on)
        return;
    const struct vg_cc_ops *o = cc_ops(t);
    if (o->on_tx_start)
        o->on_tx_start(t, now);
    x->cc.idle_on = 0;
}
