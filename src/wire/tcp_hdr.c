/* TCP header (RFC 9293 §3.1) and its pseudo-header checksum. */
#include <string.h>

#include "wire/hdr_parse.h"
#include "wire/hdr_put.h"

enum vg_wire_err vg_tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                              struct vg_tcp_hdr *h, const uint8_t **data, size_t *dlen)
{
    return vg_tcp_parse_ex(seg, len, src, dst, 0, h, data, dlen);
}

enum vg_wire_err vg_tcp_parse_ex(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                                 int csum_valid, struct vg_tcp_hdr *h, const uint8_t **data,
                                 size_t *dlen)
{
    return vg_tcp_parse_inline(seg, len, src, dst, csum_valid, h, data, dlen);
}

size_t vg_tcp_hdr_write(uint8_t *buf, const struct vg_tcp_hdr *h)
{
    uint64_t unused = 0;
    return vg_tcp_hdr_put(buf, h, &unused);
}

size_t vg_tcp_write(uint8_t *buf, size_t cap, const struct vg_tcp_hdr *h, uint32_t src,
                    uint32_t dst, const uint8_t *data, size_t dlen)
{
    size_t hdr_len = VG_TCP_HDR_LEN + vg_tcp_opts_len(&h->opt);
    if (dlen > 0xffff - hdr_len || cap < hdr_len + dlen)
        return 0;
    size_t len = hdr_len + dlen;
    /* memmove first: the caller may have placed the data in buf already, or just behind where
     * a shorter header would end. */
    if (dlen)
        memmove(buf + hdr_len, data, dlen);
    uint64_t acc = vg_pseudo_acc(src, dst, VG_IPPROTO_TCP, (uint32_t)len);
    vg_tcp_hdr_put(buf, h, &acc);
    if (dlen)
        acc += vg_csum_add(0, buf + hdr_len, dlen);
    vg_put16(buf + 16, vg_csum_fold(vg_csum_fold64(acc)));
    return len;
}
