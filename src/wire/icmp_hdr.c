/* ICMP header (RFC 792); the id/seq words are those of echo request and reply. */
#include <string.h>

#include "wire/wire.h"

#define ICMP_HDR_LEN 8

enum vg_wire_err vg_icmp_parse(const uint8_t *msg, size_t len, struct vg_icmp_hdr *h,
                               const uint8_t **data, size_t *dlen)
{
    if (len < ICMP_HDR_LEN)
        return VG_WIRE_SHORT;
    if (vg_csum_fold(vg_csum_add(0, msg, len)) != 0)
        return VG_WIRE_BAD_CSUM;
    h->type = msg[0];
    h->code = msg[1];
    h->csum = vg_get16(msg + 2);
    h->id = vg_get16(msg + 4);
    h->seq = vg_get16(msg + 6);
    *data = msg + ICMP_HDR_LEN;
    *dlen = len - ICMP_HDR_LEN;
    return VG_WIRE_OK;
}

size_t vg_icmp_write(uint8_t *buf, size_t cap, const struct vg_icmp_hdr *h, const uint8_t *data,
                     size_t dlen)
{
    if (cap < ICMP_HDR_LEN || dlen > cap - ICMP_HDR_LEN)
        return 0;
    if (dlen)
        memmove(buf + ICMP_HDR_LEN, data, dlen);
    buf[0] = h->type;
    buf[1] = h->code;
    vg_put16(buf + 2, 0);
    vg_put16(buf + 4, h->id);
    vg_put16(buf + 6, h->seq);
    vg_put16(buf + 2, vg_csum_fold(vg_csum_add(0, buf, ICMP_HDR_LEN + dlen)));
    return ICMP_HDR_LEN + dlen;
}
