/* Per-destination IP ID counters (RFC 6864 §4.1, as Linux's ip_idents). */
#include "ip/ip_id.h"

#include "util/siphash.h"

#define IP_ID_SLOTS (sizeof ((vg_stack *)0)->ip_id_ctr / sizeof ((vg_stack *)0)->ip_id_ctr[0])

/* The hash key, derived on first use from the stack's secret (cfg.secret in real mode, the
 * seed in a simulation, so a run replays): a key of its own, so IDs say nothing of ISNs. */
static void ip_id_key_init(vg_stack *s)
{
    for (size_t half = 0; half < 2; half++) {
        const uint8_t tag[8] = {'v', 'g', 'i', 'p', 'i', 'd', 0, (uint8_t)half};
        uint64_t w = vg_siphash24(s->secret, tag, sizeof tag);
        for (size_t j = 0; j < 8; j++)
            s->ip_id_key[8 * half + j] = (uint8_t)(w >> (8 * j));
    }
    s->ip_id_keyed = 1;
}

uint16_t vg_ip_id_next(vg_stack *s, uint32_t src, uint32_t dst, uint8_t proto)
{
    if (!s->ip_id_keyed)
        ip_id_key_init(s);
    uint8_t m[9];
    vg_put32(m, src);
    vg_put32(m + 4, dst);
    m[8] = proto;
    uint64_t h = vg_siphash24(s->ip_id_key, m, sizeof m);
    uint16_t *ctr = &s->ip_id_ctr[h % IP_ID_SLOTS];
    return (uint16_t)((uint16_t)(h >> 32) + (*ctr)++);
}
