/* Orphans (Linux tcp_orphan_count / tcp_max_orphans): a connection the application closed
 * while it still had a FIN (and maybe data) to deliver lives on with nobody to tell. Each one
 * is bounded — FIN_WAIT_2 by cfg.orphan_timeout_ms, FIN_WAIT_1/CLOSING/LAST_ACK by the
 * retransmission limit, a zero window by the persist limit — and their number is bounded by
 * cfg.max_orphans, past which a close resets instead of lingering. TIME_WAIT is not an orphan:
 * it holds no buffers and ends by itself after 2·MSL. */
#include "tcp/orphan.h"

int tcp_close_would_orphan(const vg_tcb *t)
{
    return t->state != VG_TCP_CLOSED && t->state != VG_TCP_TIME_WAIT &&
           t->state != VG_TCP_LISTEN && t->state != VG_TCP_SYN_SENT;
}

int tcp_orphans_full(const vg_stack *s) { return s->stats.tcp_orphans >= s->cfg.max_orphans; }

void tcp_orphan_begin(vg_tcb *t)
{
    if (t->orphaned)
        return;
    t->orphaned = 1;
    tcb_stack(t)->stats.tcp_orphans++;
}

void tcp_orphan_end(vg_tcb *t)
{
    if (!t->orphaned)
        return;
    t->orphaned = 0;
    tcb_stack(t)->stats.tcp_orphans--;
}
