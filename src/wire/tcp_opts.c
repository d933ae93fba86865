/* TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018). */
#include <string.h>

#include "wire/hdr_put.h"

enum {
    OPT_EOL = 0,
    OPT_NOP = 1,
    OPT_MSS = 2,
    OPT_WSCALE = 3,
    OPT_SACK_PERMITTED = 4,
    OPT_SACK = 5,
    OPT_TIMESTAMPS = 8,
};
enum {
    OPT_MSS_LEN = 4,
    OPT_WSCALE_LEN = 3,
    OPT_SACK_PERMITTED_LEN = 2,
    OPT_TIMESTAMPS_LEN = 10,
};

enum vg_wire_err vg_tcp_opts_parse(const uint8_t *p, size_t len, struct vg_tcp_opts *o)
{
    memset(o, 0, sizeof *o);
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == OPT_EOL)
            break;
        if (kind == OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2)
            return VG_WIRE_BAD_OPT;
        uint8_t olen = p[i + 1];
        if (olen < 2 || olen > len - i)
            return VG_WIRE_BAD_OPT;
        const uint8_t *v = p + i + 2;
        /* A known kind with the wrong length is skipped like an unknown one: RFC 9293 §3.1 asks
         * a receiver to tolerate options it cannot use rather than drop the segment. */
        switch (kind) {
        case OPT_MSS:
            if (olen == OPT_MSS_LEN) {
                o->has_mss = 1;
                o->mss = vg_get16(v);
            }
            break;
        case OPT_WSCALE:
            if (olen == OPT_WSCALE_LEN) {
                o->has_wscale = 1;
                o->wscale = v[0];
            }
            break;
        case OPT_SACK_PERMITTED:
            if (olen == OPT_SACK_PERMITTED_LEN)
                o->sack_permitted = 1;
            break;
        case OPT_SACK:
            /* 8·n + 2 octets, 1 ≤ n ≤ 4 (RFC 2018 §3); another length is skipped and flagged
             * for the connection to count, and a second SACK option is ignored. */
            if (olen >= 10 && (olen - 2) % 8 == 0 && (olen - 2) / 8 <= VG_TCP_SACK_MAX) {
                if (!o->nsack) {
                    o->nsack = (uint8_t)((olen - 2) / 8);
                    for (uint8_t b = 0; b < o->nsack; b++) {
                        o->sack[b].start = vg_get32(v + 8 * b);
                        o->sack[b].end = vg_get32(v + 8 * b + 4);
                    }
                }
            } else {
                o->sack_bad = 1;
            }
            break;
        case OPT_TIMESTAMPS:
            if (olen == OPT_TIMESTAMPS_LEN) {
                o->has_ts = 1;
                o->ts_val = vg_get32(v);
                o->ts_ecr = vg_get32(v + 4);
            }
            break;
        default:
            break;
        }
        i += olen;
    }
    return VG_WIRE_OK;
}

/* The layout is the one Linux and Windows send, with NOPs placed before an option so that each
 * multi-byte value starts on a 32-bit boundary:
 *   MSS:                02 04 mm mm
 *   SACK-permitted+TS:  04 02 08 0a vvvv eeee      (TS alone: 01 01 08 0a ...)
 *   SACK-permitted:     01 01 04 02
 *   window scale:       01 03 03 ss
 *   SACK blocks:        01 01 05 ll ssss eeee ...  (after the timestamps, as Linux sends them) */
static size_t base_len(const struct vg_tcp_opts *o)
{
    size_t n = 0;
    if (o->has_mss)
        n += 4;
    if (o->has_ts)
        n += 12;
    else if (o->sack_permitted)
        n += 4;
    if (o->has_wscale)
        n += 4;
    return n;
}

/* The SACK blocks that fit beside the other options in 40 octets: a parsed segment's options
 * (window scale, timestamps and three blocks take 39 octets on the wire) may need more room in
 * this aligned layout than there is, and the header must still say its length in 4 bits. */
static uint8_t sack_fit(const struct vg_tcp_opts *o, size_t base)
{
    if (!o->nsack || base + 12 > VG_TCP_MAX_OPT_LEN)
        return 0;
    size_t n = (VG_TCP_MAX_OPT_LEN - base - 4) / 8;
    return n < o->nsack ? (uint8_t)n : o->nsack;
}

size_t vg_tcp_opts_len(const struct vg_tcp_opts *o)
{
    size_t n = base_len(o);
    uint8_t b = sack_fit(o, n);
    return b ? n + 4 + 8u * b : n;
}

/* The options in vigil's layout, every one on a 32-bit boundary: written and summed as words. */
size_t vg_tcp_opts_put(uint8_t *p, const struct vg_tcp_opts *o, uint64_t *acc)
{
    uint8_t *q = p;
    uint64_t sum = 0;
    uint32_t w;
    if (o->has_mss) {
        w = (uint32_t)(OPT_MSS << 24 | OPT_MSS_LEN << 16) | o->mss;
        vg_store_be32(q, w);
        sum += w;
        q += 4;
    }
    if (o->sack_permitted || o->has_ts) {
        /* SACK-permitted and the timestamps' kind and length share a word; either alone is
         * NOP-padded in front. */
        uint32_t sack = OPT_SACK_PERMITTED << 8 | OPT_SACK_PERMITTED_LEN;
        uint32_t ts = OPT_TIMESTAMPS << 8 | OPT_TIMESTAMPS_LEN;
        uint32_t nops = OPT_NOP << 8 | OPT_NOP;
        if (!o->has_ts)
            w = nops << 16 | sack;
        else
            w = (o->sack_permitted ? sack : nops) << 16 | ts;
        vg_store_be32(q, w);
        sum += w;
        q += 4;
    }
    if (o->has_ts) {
        vg_store_be64(q, o->ts_val, o->ts_ecr);
        sum += (uint64_t)o->ts_val + o->ts_ecr;
        q += 8;
    }
    if (o->has_wscale) {
        w = (uint32_t)(OPT_NOP << 24 | OPT_WSCALE << 16 | OPT_WSCALE_LEN << 8) | o->wscale;
        vg_store_be32(q, w);
        sum += w;
        q += 4;
    }
    uint8_t nsack = sack_fit(o, (size_t)(q - p));
    if (nsack) {
        w = (uint32_t)(OPT_NOP << 24 | OPT_NOP << 16 | OPT_SACK << 8) | (2u + 8u * nsack);
        vg_store_be32(q, w);
        sum += w;
        q += 4;
        for (uint8_t b = 0; b < nsack; b++) {
            vg_store_be64(q, o->sack[b].start, o->sack[b].end);
            sum += (uint64_t)o->sack[b].start + o->sack[b].end;
            q += 8;
        }
    }
    *acc += sum;
    return (size_t)(q - p);
}

size_t vg_tcp_opts_write(uint8_t *p, const struct vg_tcp_opts *o)
{
    uint64_t unused = 0;
    return vg_tcp_opts_put(p, o, &unused);
}
