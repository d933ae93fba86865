/* Orphans: connections the application closed that are still finishing (orphan.c). */
#ifndef VG_ORPHAN_H
#define VG_ORPHAN_H

#include "tcp/tcb.h"

/* 1 when closing t now would leave it finishing on its own (it is neither CLOSED nor in
 * TIME_WAIT, which needs nobody). */
int tcp_close_would_orphan(const vg_tcb *t);
/* The stack already holds cfg.max_orphans orphans: a close must reset instead. */
int tcp_orphans_full(const vg_stack *s);
/* t is now an orphan (counted in tcp_orphans) / no longer one (CLOSED or TIME_WAIT). */
void tcp_orphan_begin(vg_tcb *t);
void tcp_orphan_end(vg_tcb *t);

#endif
