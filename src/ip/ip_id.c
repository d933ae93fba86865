/* Per-destination IP ID counters (RFC 6864 §4.1, as Linux's ip_idents). */
#include "ip/ip_id.h"

#include "util/siphash.h"

#define IP_ID_SLOTS (sizeof ((vg_stack *)0)->ip_id_ctr / sizeof ((vg_stack *)0)->ip_id_ctr[0])

uint16_t vg_ip_id_next(vg_stack *s, uint32_t src, uint32_t dst, uint8_t proto)
{
    uint8_t m[9];
    vg_put32(m, src);
    vg_put32(m + 4, dst);
    m[8] = proto;
    uint64_t h = vg_siphash24(s->ip_id_key, m, sizeof m);
    uint16_t *ctr = &s->ip_id_ctr[h % IP_ID_SLOTS];
    return (uint16_t)((uint16_t)(h >> 32) + (*ctr)++);
}
