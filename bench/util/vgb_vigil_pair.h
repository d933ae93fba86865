/* Two vigil stacks (192.0.2.1 and 192.0.2.2) joined by an in-process link written for the
 * benchmarks, in virtual time: each frame the stack hands out is copied into the other side's
 * queue (as a NIC's DMA would) and given to the other stack with the link's receive flags. */
#ifndef VGB_VIGIL_PAIR_H
#define VGB_VIGIL_PAIR_H
#include <vigil/vigil.h>

#include "vgb_fifo.h"

#define VGB_ADDR_A 0xc0000201u
#define VGB_ADDR_B 0xc0000202u

struct vgb_pair;
struct vgb_side {
    struct vgb_pair *pair;
    int index;
};
struct vgb_pair {
    vg_stack *s[2];
    struct vgb_fifo wire[2];     /* frames sent by s[i], for the other */
    struct vgb_side side[2];
    unsigned rx_flags;           /* what the link vouches for on delivery (enum vg_rx_flag) */
    vg_time now;
};
/* offloads: what the link declares (enum vg_offload); rx_flags: what it vouches for. */
int vgb_pair_init(struct vgb_pair *p, unsigned offloads, unsigned rx_flags, uint32_t max_tcbs);
void vgb_pair_free(struct vgb_pair *p);
/* Delivers queued frames both ways until the link is quiet; returns how many. */
long vgb_pair_pump(struct vgb_pair *p);
/* Nothing moved: jumps the clock to the earlier stack deadline (at least 1 µs) and runs timers. */
void vgb_pair_advance(struct vgb_pair *p);
/* Moves the clock by us and runs the timers due. */
void vgb_pair_tick(struct vgb_pair *p, vg_time us);
#endif
