/* Addresses of either family at the API (vg_addr) and as the handles the stack keeps
 * (ip/addr6.h), and which of them are ours. */
#include <string.h>

#include "ip/martian.h"
#include "stack/stack.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

vg_addr vg_addr_v4(uint32_t a)
{
    vg_addr x;
    memset(&x, 0, sizeof x);
    x.family = VG_AF_INET;
    x.v4 = a;
    return x;
}

vg_addr vg_addr_v6(const uint8_t a[16])
{
    vg_addr x;
    memset(&x, 0, sizeof x);
    x.family = VG_AF_INET6;
    memcpy(x.v6, a, 16);
    return x;
}

int vg_addr_equal(const vg_addr *a, const vg_addr *b)
{
    if (a->family != b->family)
        return 0;
    return a->family == VG_AF_INET ? a->v4 == b->v4 : memcmp(a->v6, b->v6, 16) == 0;
}

int vg_addr_is_unspecified(const vg_addr *a)
{
    static const uint8_t zero[16];
    return a->family == VG_AF_INET ? a->v4 == 0 : memcmp(a->v6, zero, sizeof zero) == 0;
}

int vg_addr_v4_mapped(const vg_addr *a, uint32_t *v4)
{
    if (a->family != VG_AF_INET6 || memcmp(a->v6, v4_mapped_prefix, 12) != 0)
        return 0;
    *v4 = vg_get32(a->v6 + 12);
    return 1;
}

int vg_cfg_ip6_is_local(const struct vg_stack_config *c, const uint8_t a[16])
{
    if (!c->has_addr6)
        return 0;
    if (memcmp(a, c->addr6, 16) == 0)
        return 1;
    if (!c->accept_subnet)
        return 0;
    unsigned bits = c->prefix6_len > 128 ? 128 : c->prefix6_len;
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, c->addr6, whole) != 0)
        return 0;
    return !rest || ((a[whole] ^ c->addr6[whole]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

int vg_ip6_is_local(const vg_stack *s, const uint8_t a[16]) { return vg_cfg_ip6_is_local(&s->cfg, a); }

int vg_stack_is_local(const vg_stack *s, uint32_t addr)
{
    if (vg_addr_is6(addr))
        return addr != VG_ADDR6_ANY && vg_ip6_is_local(s, vg_addr6_bytes(s, addr));
    return vg_ip_is_local_masked(s, addr, vg_ip_prefix_mask(s->cfg.prefix_len));
}

int vg_addr_handle(vg_stack *s, const vg_addr *a, uint32_t *h)
{
    if (a->family == VG_AF_INET) {
        /* 0.0.0.0/8 names IPv6 addresses inside the stack; as IPv4 it is "this network", which
         * no packet may come from or go to (RFC 1122 §3.2.1.3) anyway. */
        if (a->v4 && a->v4 >> 24 == 0)
            return -VG_ERR_INVAL;
        *h = a->v4;
        return 0;
    }
    if (a->family != VG_AF_INET6)
        return -VG_ERR_INVAL;
    /* A v4-mapped address is the IPv4 peer of a dual-stack socket. */
    uint32_t mapped;
    if (vg_addr_v4_mapped(a, &mapped)) {
        vg_addr v4 = vg_addr_v4(mapped);
        return vg_addr_handle(s, &v4, h);
    }
    uint32_t x = vg_addr6_ref(s, a->v6);
    if (!x)
        return -VG_ERR_NOBUFS;
    *h = x;
    return 0;
}

vg_addr vg_addr_of_handle(const vg_stack *s, uint32_t h)
{
    return vg_addr_is6(h) ? vg_addr_v6(vg_addr6_bytes(s, h)) : vg_addr_v4(h);
}
