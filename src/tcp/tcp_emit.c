/* TCP segment framing in one copy (see tcp_emit.h). */
#include "tcp/tcp_emit.h"

int tcp_emit(vg_stack *s, const struct vg_tcp_hdr *h, uint32_t src, uint32_t dst,
             const struct tcp_payload *p, uint16_t gso_size, vg_time now)
{
    struct vg_tcp_fields f = vg_tcp_fields_of(h);
    return tcp_emit_inline(s, &f, src, dst, p, gso_size, now);
}
