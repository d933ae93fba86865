/* vg_stack_prefetch_input: a driver's hint that a packet will be input soon. With a million
 * connections, the lookup's bucket and the connection it names are each a cache miss; a driver
 * that hints the slot some packets ahead and the connection a little later has both in the
 * cache when the packet comes. The bucket number is remembered (tcb_bucket_of), so the tuple
 * is hashed once for both hints and the lookup. */
#include "tcp/tcb.h"

void vg_stack_prefetch_input(vg_stack *s, const uint8_t *pkt, size_t len,
                             enum vg_prefetch_stage stage)
{
    if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != VG_IPPROTO_TCP)
        return;
    size_t ihl = (size_t)(pkt[0] & 15u) * 4u;
    if (ihl < 20 || len < ihl + 4)
        return;
    /* As the lookup sees the segment: local is the destination. */
    uint32_t src = vg_get32(pkt + 12), dst = vg_get32(pkt + 16);
    uint16_t sport = vg_get16(pkt + ihl), dport = vg_get16(pkt + ihl + 2);
    struct vg_tcb_table *tab = &s->conns;
    size_t h = tcb_bucket_of(s, dst, dport, src, sport, 1);
    if (stage == VG_PREFETCH_SLOT) {
        __builtin_prefetch(&tab->bucket[h]);
        return;
    }
    const vg_tcb *t = tab->bucket[h];
    if (t) {
        /* The timer, tuple and chain; then what the segment's checks, the reply and the
         * keep-alive bookkeeping read (the first three lines of the layout in tcb.h, which
         * a TCB in its slab may straddle). */
        for (size_t off = 0; off < 192 + 64; off += 64)
            __builtin_prefetch((const char *)t + off);
    }
}
