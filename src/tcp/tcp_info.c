/* vg_tcp_info: one connection's state, queues, RTT and keep-alive timing, as `ss -o` shows a
 * kernel socket, and the walk over a stack's connections that such a table needs. Read-only,
 * and derived from the TCB at the instant given. */
#include <string.h>

#include "tcp/tcb.h"
#include "tcp/tcb_pool.h"

int vg_tcp_info(const vg_tcb *t, vg_time now, struct vg_tcp_info *out)
{
    memset(out, 0, sizeof *out);
    out->state = vg_tcp_state(t);
    vg_tcp_endpoints(t, &out->laddr, &out->lport, &out->raddr, &out->rport);
    out->send_queue = vg_tcp_unacked(t);
    out->recv_queue = vg_tcp_readable(t);
    out->srtt = t->srtt_us ? (vg_time)t->srtt_us : VG_TIME_NEVER;
    out->rto = t->rto_us;
    return vg_tcp_keepalive_info(t, now, &out->ka);
}

vg_tcb *vg_stack_next_tcb(const vg_stack *s, const vg_tcb *prev)
{
    return tcb_pool_next(s, prev);
}
