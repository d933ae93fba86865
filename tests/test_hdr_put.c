/* Headers written with sums taken from their field values (wire/hdr_put.h, what every segment
 * vigil sends goes through): the octets are those of a plain field-by-field encoder, the
 * checksum is the RFC 1071 word-by-word one over what was written, and a sum whose residue is
 * 0 gives the field 0x0000 (a word-by-word sum's 0xffff complemented), never 0xffff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/prng.h"
#include "wire/hdr_put.h"
#include "support/csum_ref.h"

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

/* The IPv4 header RFC 791 draws, octet by octet, checksum field 0. */
static void ref_ipv4(uint8_t *b, const struct vg_ipv4_hdr *h, uint16_t total)
{
    b[0] = 0x45;
    b[1] = h->tos;
    put16(b + 2, total);
    put16(b + 4, h->id);
    put16(b + 6, h->frag);
    b[8] = h->ttl;
    b[9] = h->proto;
    put16(b + 10, 0);
    put32(b + 12, h->src);
    put32(b + 16, h->dst);
}

static void random_ipv4(struct vg_prng *r, struct vg_ipv4_hdr *h)
{
    memset(h, 0, sizeof *h);
    h->tos = (uint8_t)vg_prng_next(r);
    h->id = (uint16_t)vg_prng_next(r);
    h->frag = (uint16_t)vg_prng_next(r);
    h->ttl = (uint8_t)vg_prng_next(r);
    h->proto = (uint8_t)(1 + vg_prng_below(r, 255));
    h->src = (uint32_t)vg_prng_next(r);
    h->dst = (uint32_t)vg_prng_next(r);
}

static void ipv4_header_is_the_plain_encoding_with_its_checksum(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 791);
    for (int i = 0; i < 20000; i++) {
        struct vg_ipv4_hdr h;
        random_ipv4(&r, &h);
        uint16_t total = (uint16_t)(20 + vg_prng_below(&r, 65516));
        uint8_t got[20], want[20];
        vg_ipv4_hdr_put(got, &h, total);
        ref_ipv4(want, &h, total);
        put16(want + 10, (uint16_t)~ref_sum(want, 20));
        assert_memory_equal(got, want, 20);
        assert_int_equal(ref_sum(got, 20), 0xffff);   /* it verifies */
    }
}

static void ipv4_sum_of_residue_zero_gives_field_0000(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 1624);
    int hits = 0;
    for (int i = 0; i < 2000; i++) {
        struct vg_ipv4_hdr h;
        random_ipv4(&r, &h);
        h.id = 0;
        uint8_t b[20];
        ref_ipv4(b, &h, 40);
        /* The ID that makes every word but the checksum sum to 0xffff. */
        uint16_t rest = ref_sum(b, 20);
        if (rest == 0xffff)
            continue;
        h.id = (uint16_t)(0xffff - rest);
        vg_ipv4_hdr_put(b, &h, 40);
        assert_int_equal(vg_get16(b + 10), 0x0000);
        assert_int_equal(ref_sum(b, 20), 0xffff);
        hits++;
    }
    assert_true(hits > 1900);
}

/* The TCP header RFC 9293 draws, with vigil's option layout, checksum field 0. */
static size_t ref_tcp(uint8_t *b, const struct vg_tcp_hdr *h)
{
    uint8_t o[40];
    size_t n = 0;
    if (h->opt.has_mss) {
        o[n++] = 2, o[n++] = 4;
        put16(o + n, h->opt.mss), n += 2;
    }
    if (h->opt.sack_permitted && !h->opt.has_ts)
        o[n++] = 1, o[n++] = 1;
    if (h->opt.sack_permitted)
        o[n++] = 4, o[n++] = 2;
    else if (h->opt.has_ts)
        o[n++] = 1, o[n++] = 1;
    if (h->opt.has_ts) {
        o[n++] = 8, o[n++] = 10;
        put32(o + n, h->opt.ts_val), n += 4;
        put32(o + n, h->opt.ts_ecr), n += 4;
    }
    if (h->opt.has_wscale)
        o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = h->opt.wscale;
    put16(b, h->sport);
    put16(b + 2, h->dport);
    put32(b + 4, h->seq);
    put32(b + 8, h->ack);
    b[12] = (uint8_t)((20 + n) / 4 << 4);
    b[13] = h->flags;
    put16(b + 14, h->wnd);
    put16(b + 16, 0);
    put16(b + 18, h->urp);
    memcpy(b + 20, o, n);
    return 20 + n;
}

static void random_tcp(struct vg_prng *r, struct vg_tcp_hdr *h)
{
    memset(h, 0, sizeof *h);
    h->sport = (uint16_t)vg_prng_next(r);
    h->dport = (uint16_t)vg_prng_next(r);
    h->seq = (uint32_t)vg_prng_next(r);
    h->ack = (uint32_t)vg_prng_next(r);
    h->flags = (uint8_t)vg_prng_next(r);
    h->wnd = (uint16_t)vg_prng_next(r);
    h->urp = (uint16_t)vg_prng_next(r);
    uint64_t o = vg_prng_next(r);
    if (o & 0x10) {         /* options in about half of them, as on SYNs */
        h->opt.has_mss = o & 1;
        h->opt.has_wscale = (o >> 1) & 1;
        h->opt.sack_permitted = (o >> 2) & 1;
        h->opt.has_ts = (o >> 3) & 1;
        h->opt.mss = (uint16_t)(o >> 16);
        h->opt.wscale = (uint8_t)(o >> 32) % 15;
        h->opt.ts_val = (uint32_t)vg_prng_next(r);
        h->opt.ts_ecr = (uint32_t)vg_prng_next(r);
    }
}

static void tcp_segment_is_the_plain_encoding_with_its_checksum(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 9293);
    static uint8_t data[1500], got[1600], want[1600];
    for (int i = 0; i < 20000; i++) {
        struct vg_tcp_hdr h;
        random_tcp(&r, &h);
        uint32_t src = (uint32_t)vg_prng_next(&r), dst = (uint32_t)vg_prng_next(&r);
        size_t dlen = (size_t)vg_prng_below(&r, i % 4 ? 8 : sizeof data);   /* odd ones too */
        for (size_t k = 0; k < dlen; k++)
            data[k] = (uint8_t)vg_prng_next(&r);
        size_t len = vg_tcp_write(got, sizeof got, &h, src, dst, data, dlen);
        size_t hl = ref_tcp(want, &h);
        memcpy(want + hl, data, dlen);
        assert_int_equal(len, hl + dlen);
        put16(want + 16, (uint16_t)~ref_sum_acc(want, len, ref_pseudo(src, dst, VG_IPPROTO_TCP, (uint16_t)len)));
        assert_memory_equal(got, want, len);
        /* vg_tcp_hdr_write: the same header, its checksum field left 0 */
        memset(got, 0xa5, sizeof got);
        assert_int_equal(vg_tcp_hdr_write(got, &h), hl);
        put16(want + 16, 0);
        assert_memory_equal(got, want, hl);
    }
}

static void tcp_sum_of_residue_zero_gives_field_0000(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 1071);
    int hits = 0;
    for (int i = 0; i < 2000; i++) {
        struct vg_tcp_hdr h;
        random_tcp(&r, &h);
        h.urp = 0;
        uint32_t src = (uint32_t)vg_prng_next(&r), dst = (uint32_t)vg_prng_next(&r);
        uint8_t b[64];
        size_t hl = ref_tcp(b, &h);
        uint16_t rest = ref_sum_acc(b, hl, ref_pseudo(src, dst, VG_IPPROTO_TCP, (uint16_t)hl));
        if (rest == 0xffff)
            continue;
        h.urp = (uint16_t)(0xffff - rest);    /* the urgent pointer that completes 0xffff */
        assert_int_equal(vg_tcp_write(b, sizeof b, &h, src, dst, NULL, 0), hl);
        assert_int_equal(vg_get16(b + 16), 0x0000);
        hits++;
    }
    assert_true(hits > 1900);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv4_header_is_the_plain_encoding_with_its_checksum),
        cmocka_unit_test(ipv4_sum_of_residue_zero_gives_field_0000),
        cmocka_unit_test(tcp_segment_is_the_plain_encoding_with_its_checksum),
        cmocka_unit_test(tcp_sum_of_residue_zero_gives_field_0000),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
