/* Rate limits on the replies a connection sends to segments it rejects (oow_limit.c). */
#ifndef VG_OOW_LIMIT_H
#define VG_OOW_LIMIT_H

#include "tcp/tcb.h"

/* Per connection: 1 when a reply was sent less than cfg.oow_ratelimit_ms ago (send nothing);
 * otherwise 0, and the reply about to be sent is recorded. */
int tcp_oow_limited(vg_tcb *t, vg_time now);
/* The same on any holder of a last-reply stamp (a half-open SYN-cache entry has one too). */
int tcp_oow_limited_stamp(vg_stack *s, uint32_t *last_ms, vg_time now);
/* Stack-wide: 1 and one challenge ACK taken from this second's randomised budget, or 0 when it
 * is spent. */
int tcp_challenge_budget_take(vg_stack *s, vg_time now);

#endif
