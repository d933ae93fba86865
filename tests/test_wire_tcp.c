/* TCP header codec: a hand-built SYN with an independently verified checksum, round trips of
 * every option combination, option parsing rules, and each malformed case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/csum_ref.h"
#include "wire/wire.h"

#define SRC 0xc0000201u /* 192.0.2.1 */
#define DST 0xc6336402u /* 198.51.100.2 */

/* The one's-complement sum of pseudo-header and segment, the obvious way: 0xffff when the
 * checksum in the segment is right. */
static uint16_t ref_tcp_sum(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len)
{
    return ref_sum_acc(seg, len, ref_pseudo(src, dst, VG_IPPROTO_TCP, (uint16_t)len));
}

static void fix_csum(uint8_t *seg, size_t len)
{
    seg[16] = seg[17] = 0;
    vg_put16(seg + 16, (uint16_t)~ref_tcp_sum(SRC, DST, seg, len));
}

/* An ACK segment with the given raw option bytes (length a multiple of 4) and data. */
static size_t build_seg(uint8_t *seg, const uint8_t *opts, size_t optlen, const char *data)
{
    size_t dlen = data ? strlen(data) : 0;
    memset(seg, 0, VG_TCP_HDR_LEN);
    vg_put16(seg, 40000);
    vg_put16(seg + 2, 443);
    vg_put32(seg + 4, 1000);
    vg_put32(seg + 8, 2000);
    seg[12] = (uint8_t)((VG_TCP_HDR_LEN + optlen) / 4 << 4);
    seg[13] = VG_TCP_ACK;
    vg_put16(seg + 14, 8192);
    if (optlen)
        memcpy(seg + VG_TCP_HDR_LEN, opts, optlen);
    if (dlen)
        memcpy(seg + VG_TCP_HDR_LEN + optlen, data, dlen);
    fix_csum(seg, VG_TCP_HDR_LEN + optlen + dlen);
    return VG_TCP_HDR_LEN + optlen + dlen;
}

static enum vg_wire_err parse(const uint8_t *seg, size_t len, struct vg_tcp_hdr *h)
{
    const uint8_t *d;
    size_t dlen;
    return vg_tcp_parse(seg, len, SRC, DST, h, &d, &dlen);
}

/* 192.0.2.1:49152 -> 198.51.100.2:80 SYN as Linux sends it: MSS 1460, SACK-permitted,
 * timestamps, window scale 7. The checksum cee8 was computed by hand; the test checks it with
 * ref_tcp_sum before trusting it. */
static const uint8_t syn[40] = {
    0xc0, 0x00, 0x00, 0x50, 0x9a, 0x3b, 0x1c, 0x2d, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0xce, 0xe8, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x00, 0x0a, 0x1b, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void captured_syn_checksum_verifies(void **state)
{
    (void)state;
    assert_int_equal(ref_tcp_sum(SRC, DST, syn, sizeof syn), 0xffff);
    struct vg_tcp_hdr h;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_tcp_parse(syn, sizeof syn, SRC, DST, &h, &d, &dlen), VG_WIRE_OK);
    assert_int_equal(h.sport, 49152);
    assert_int_equal(h.dport, 80);
    assert_int_equal(h.seq, 0x9a3b1c2d);
    assert_int_equal(h.ack, 0);
    assert_int_equal(h.hdr_len, 40);
    assert_int_equal(h.flags, VG_TCP_SYN);
    assert_int_equal(h.wnd, 64240);
    assert_int_equal(h.csum, 0xcee8);
    assert_int_equal(h.urp, 0);
    assert_true(h.opt.has_mss);
    assert_int_equal(h.opt.mss, 1460);
    assert_true(h.opt.sack_permitted);
    assert_true(h.opt.has_ts);
    assert_int_equal(h.opt.ts_val, 0x000a1b2c);
    assert_int_equal(h.opt.ts_ecr, 0);
    assert_true(h.opt.has_wscale);
    assert_int_equal(h.opt.wscale, 7);
    assert_ptr_equal(d, syn + 40);
    assert_int_equal(dlen, 0);
}

static void captured_syn_is_rewritten_byte_for_byte(void **state)
{
    (void)state;
    struct vg_tcp_hdr h;
    assert_int_equal(parse(syn, sizeof syn, &h), VG_WIRE_OK);
    uint8_t out[60];
    h.csum = 0x1234; /* ignored by the writer */
    h.hdr_len = 0;
    assert_int_equal(vg_tcp_write(out, sizeof out, &h, SRC, DST, NULL, 0), sizeof syn);
    assert_memory_equal(out, syn, sizeof syn);
}

static void syn_from_other_addresses_fails_checksum(void **state)
{
    (void)state;
    /* The pseudo-header binds the segment to its addresses. */
    struct vg_tcp_hdr h;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_tcp_parse(syn, sizeof syn, SRC + 1, DST, &h, &d, &dlen), VG_WIRE_BAD_CSUM);
    assert_int_equal(vg_tcp_parse(syn, sizeof syn, SRC, DST ^ 0x100, &h, &d, &dlen), VG_WIRE_BAD_CSUM);
}

/* Walks the option bytes the writer produced and checks order and padding. */
static void check_layout(const uint8_t *o, size_t len, const struct vg_tcp_opts *want)
{
    uint8_t expect[4];
    size_t n = 0;
    if (want->has_mss)
        expect[n++] = 2;
    if (want->sack_permitted)
        expect[n++] = 4;
    if (want->has_ts)
        expect[n++] = 8;
    if (want->has_wscale)
        expect[n++] = 3;
    size_t seen = 0, i = 0;
    while (i < len) {
        if (o[i] == 1) {
            i++;
            continue;
        }
        assert_true(i + 1 < len);
        assert_true(seen < n);
        assert_int_equal(o[i], expect[seen]);
        if (o[i] == 8)
            assert_int_equal((VG_TCP_HDR_LEN + i + 2) % 4, 0); /* timestamps 32-bit aligned */
        seen++;
        assert_true(o[i + 1] >= 2);
        i += o[i + 1];
    }
    assert_int_equal(i, len);
    assert_int_equal(seen, n);
}

/* Field by field: struct padding is not guaranteed to match. */
static void assert_opts_equal(const struct vg_tcp_opts *a, const struct vg_tcp_opts *b)
{
    assert_int_equal(a->has_mss, b->has_mss);
    assert_int_equal(a->mss, b->mss);
    assert_int_equal(a->has_wscale, b->has_wscale);
    assert_int_equal(a->wscale, b->wscale);
    assert_int_equal(a->sack_permitted, b->sack_permitted);
    assert_int_equal(a->has_ts, b->has_ts);
    assert_int_equal(a->ts_val, b->ts_val);
    assert_int_equal(a->ts_ecr, b->ts_ecr);
}

static void every_option_combination_round_trips(void **state)
{
    (void)state;
    static const char *payloads[] = {NULL, "x", "odd-len", "an even length!!"};
    uint8_t seg[128];
    for (unsigned combo = 0; combo < 16; combo++) {
        for (size_t pi = 0; pi < sizeof payloads / sizeof payloads[0]; pi++) {
            struct vg_tcp_hdr in = {.sport = 1024 + (uint16_t)combo, .dport = 22, .seq = 0xfffffff0u + combo,
                                    .ack = 0x80000000u, .flags = VG_TCP_ACK | VG_TCP_PSH,
                                    .wnd = 65535, .urp = 7};
            in.opt.has_mss = combo & 1;
            in.opt.mss = in.opt.has_mss ? 536 + (uint16_t)combo : 0;
            in.opt.sack_permitted = (combo >> 1) & 1;
            in.opt.has_ts = (combo >> 2) & 1;
            in.opt.ts_val = in.opt.has_ts ? 0xdeadbeef : 0;
            in.opt.ts_ecr = in.opt.has_ts ? 0x01020304 : 0;
            in.opt.has_wscale = (combo >> 3) & 1;
            in.opt.wscale = in.opt.has_wscale ? 14 : 0;
            const char *p = payloads[pi];
            size_t dlen = p ? strlen(p) : 0;
            size_t olen = vg_tcp_opts_len(&in.opt);
            assert_int_equal(olen % 4, 0);
            assert_true(olen <= VG_TCP_MAX_OPT_LEN);

            size_t n = vg_tcp_write(seg, sizeof seg, &in, SRC, DST, (const uint8_t *)p, dlen);
            assert_int_equal(n, VG_TCP_HDR_LEN + olen + dlen);
            assert_int_equal(ref_tcp_sum(SRC, DST, seg, n), 0xffff);
            check_layout(seg + VG_TCP_HDR_LEN, olen, &in.opt);

            struct vg_tcp_hdr out;
            const uint8_t *d;
            size_t got;
            assert_int_equal(vg_tcp_parse(seg, n, SRC, DST, &out, &d, &got), VG_WIRE_OK);
            assert_int_equal(out.sport, in.sport);
            assert_int_equal(out.dport, in.dport);
            assert_int_equal(out.seq, in.seq);
            assert_int_equal(out.ack, in.ack);
            assert_int_equal(out.flags, in.flags);
            assert_int_equal(out.wnd, in.wnd);
            assert_int_equal(out.urp, in.urp);
            assert_int_equal(out.hdr_len, VG_TCP_HDR_LEN + olen);
            assert_opts_equal(&out.opt, &in.opt);
            assert_ptr_equal(d, seg + out.hdr_len);
            assert_int_equal(got, dlen);
            if (dlen)
                assert_memory_equal(d, p, dlen);
        }
    }
}

static void window_scale_is_reported_as_sent(void **state)
{
    (void)state;
    /* Clamping to 14 (RFC 7323 §2.3) is the TCP layer's decision, not the codec's. */
    struct vg_tcp_hdr in = {.flags = VG_TCP_SYN, .opt = {.has_wscale = 1, .wscale = 200}};
    uint8_t seg[60];
    size_t n = vg_tcp_write(seg, sizeof seg, &in, SRC, DST, NULL, 0);
    struct vg_tcp_hdr out;
    assert_int_equal(parse(seg, n, &out), VG_WIRE_OK);
    assert_true(out.opt.has_wscale);
    assert_int_equal(out.opt.wscale, 200);
}

static void write_needs_room_for_the_whole_segment(void **state)
{
    (void)state;
    struct vg_tcp_hdr h = {.flags = VG_TCP_ACK, .opt = {.has_ts = 1}};
    const uint8_t data[5] = {'h', 'e', 'l', 'l', 'o'};
    size_t need = VG_TCP_HDR_LEN + 12 + sizeof data;
    uint8_t *exact = malloc(need); /* exact size: ASan catches a write past it */
    assert_non_null(exact);
    assert_int_equal(vg_tcp_write(exact, need - 1, &h, SRC, DST, data, sizeof data), 0);
    assert_int_equal(vg_tcp_write(exact, need, &h, SRC, DST, data, sizeof data), need);
    struct vg_tcp_hdr out;
    assert_int_equal(parse(exact, need, &out), VG_WIRE_OK);
    free(exact);
}

static void data_already_in_place_is_kept(void **state)
{
    (void)state;
    /* Callers may build the payload in the output buffer first and write the header around it. */
    struct vg_tcp_hdr h = {.flags = VG_TCP_ACK, .opt = {.has_ts = 1, .ts_val = 5}};
    uint8_t seg[64];
    memcpy(seg + 32, "in place", 8);
    size_t n = vg_tcp_write(seg, sizeof seg, &h, SRC, DST, seg + 32, 8);
    assert_int_equal(n, 40);
    struct vg_tcp_hdr out;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_tcp_parse(seg, n, SRC, DST, &out, &d, &dlen), VG_WIRE_OK);
    assert_int_equal(dlen, 8);
    assert_memory_equal(d, "in place", 8);
}

static void short_segment_is_short(void **state)
{
    (void)state;
    uint8_t seg[20];
    size_t n = build_seg(seg, NULL, 0, NULL);
    struct vg_tcp_hdr h;
    assert_int_equal(parse(seg, n, &h), VG_WIRE_OK);
    assert_int_equal(parse(seg, 19, &h), VG_WIRE_SHORT);
    assert_int_equal(parse(NULL, 0, &h), VG_WIRE_SHORT);
}

static void data_offset_below_5_or_past_segment_is_bad_doff(void **state)
{
    (void)state;
    uint8_t seg[40];
    size_t n = build_seg(seg, (const uint8_t *)"\x01\x01\x01\x00", 4, NULL);
    struct vg_tcp_hdr h;
    seg[12] = 4 << 4;
    fix_csum(seg, n);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_DOFF);
    seg[12] = 7 << 4; /* 28 bytes claimed, 24 present */
    fix_csum(seg, n);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_DOFF);
}

static void any_corruption_fails_checksum(void **state)
{
    (void)state;
    uint8_t seg[64];
    size_t n = build_seg(seg, (const uint8_t *)"\x02\x04\x05\xb4", 4, "some data");
    struct vg_tcp_hdr h;
    for (size_t byte = 0; byte < n; byte++) {
        if (byte == 12)
            continue; /* the data offset fails its own check first */
        uint8_t q[64];
        memcpy(q, seg, n);
        q[byte] ^= 0x04;
        assert_int_equal(parse(q, n, &h), VG_WIRE_BAD_CSUM);
    }
}

static void oversized_segment_is_bad_len(void **state)
{
    (void)state;
    /* The pseudo-header length field is 16 bits; no IPv4 datagram carries more. */
    size_t n = 65536;
    uint8_t *seg = calloc(1, n);
    assert_non_null(seg);
    seg[12] = 5 << 4;
    struct vg_tcp_hdr h;
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_LEN);
    free(seg);
}

static void option_length_below_2_is_bad_opt(void **state)
{
    (void)state;
    uint8_t seg[40];
    struct vg_tcp_hdr h;
    size_t n = build_seg(seg, (const uint8_t *)"\x1e\x00\x01\x01", 4, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_OPT);
    n = build_seg(seg, (const uint8_t *)"\x1e\x01\x01\x01", 4, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_OPT);
    n = build_seg(seg, (const uint8_t *)"\x02\x01\x01\x01", 4, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_OPT);
}

static void option_running_past_header_is_bad_opt(void **state)
{
    (void)state;
    uint8_t seg[60];
    struct vg_tcp_hdr h;
    /* Timestamps claiming 10 bytes in an 8-byte option area, with data right behind: the
     * option must not be read from the payload. */
    size_t n = build_seg(seg, (const uint8_t *)"\x01\x01\x08\x0a\x00\x00\x00\x01", 8, "payload!");
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_OPT);
    /* A kind in the last option byte with no room for its length byte. */
    n = build_seg(seg, (const uint8_t *)"\x01\x01\x01\x02", 4, "xx");
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_OPT);
    n = build_seg(seg, (const uint8_t *)"\x01\x01\x01\xfe", 4, "xx");
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_OPT);
    /* One byte too long is as bad as many. */
    n = build_seg(seg, (const uint8_t *)"\x01\x01\x1e\x03", 4, "xx");
    assert_int_equal(parse(seg, n, &h), VG_WIRE_BAD_OPT);
}

static void unknown_options_are_skipped_by_length(void **state)
{
    (void)state;
    uint8_t seg[60];
    struct vg_tcp_hdr h;
    /* Experimental kind 253 (6 bytes) and kind 30 (4 bytes) before an MSS. */
    const uint8_t opts[16] = {0xfd, 0x06, 0xaa, 0xbb, 0xcc, 0xdd, 0x1e, 0x04,
                              0x00, 0x00, 0x02, 0x04, 0x02, 0x18, 0x01, 0x01};
    size_t n = build_seg(seg, opts, sizeof opts, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_OK);
    assert_true(h.opt.has_mss);
    assert_int_equal(h.opt.mss, 536);
    assert_false(h.opt.has_ts);
    assert_false(h.opt.has_wscale);
    assert_false(h.opt.sack_permitted);
}

static void known_option_with_wrong_length_is_ignored(void **state)
{
    (void)state;
    uint8_t seg[60];
    struct vg_tcp_hdr h;
    /* MSS of length 6, SACK-permitted of length 3, timestamps of length 6, window scale of
     * length 4: each is skipped by its length and none is understood. */
    const uint8_t wrong[20] = {0x02, 0x06, 0x05, 0xb4, 0x00, 0x00, 0x04, 0x03, 0x00, 0x08,
                               0x06, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x07, 0x00, 0x00};
    size_t n = build_seg(seg, wrong, sizeof wrong, "data");
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_tcp_parse(seg, n, SRC, DST, &h, &d, &dlen), VG_WIRE_OK);
    assert_false(h.opt.has_mss);
    assert_false(h.opt.sack_permitted);
    assert_false(h.opt.has_ts);
    assert_false(h.opt.has_wscale);
    assert_int_equal(dlen, 4);
    /* Parsing goes on after a skipped option: a good window scale behind a long MSS counts. */
    const uint8_t then_good[12] = {0x02, 0x05, 0x05, 0xb4, 0x00, 0x01, 0x03, 0x03, 0x09, 0x00, 0x00, 0x00};
    n = build_seg(seg, then_good, sizeof then_good, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_OK);
    assert_false(h.opt.has_mss);
    assert_true(h.opt.has_wscale);
    assert_int_equal(h.opt.wscale, 9);
}

static void end_of_option_list_stops_parsing(void **state)
{
    (void)state;
    uint8_t seg[60];
    struct vg_tcp_hdr h;
    /* Window scale, EOL, then bytes that would be a malformed option and an MSS: both unread. */
    const uint8_t opts[12] = {0x01, 0x03, 0x03, 0x05, 0x00, 0x02, 0x00, 0x00,
                              0x02, 0x04, 0x05, 0xb4};
    size_t n = build_seg(seg, opts, sizeof opts, "data");
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_tcp_parse(seg, n, SRC, DST, &h, &d, &dlen), VG_WIRE_OK);
    assert_true(h.opt.has_wscale);
    assert_int_equal(h.opt.wscale, 5);
    assert_false(h.opt.has_mss);
    assert_int_equal(h.hdr_len, 32);
    assert_int_equal(dlen, 4);
}

static void nop_only_options_parse_to_nothing(void **state)
{
    (void)state;
    uint8_t seg[60];
    struct vg_tcp_hdr h;
    uint8_t opts[40];
    memset(opts, 0x01, sizeof opts);
    size_t n = build_seg(seg, opts, sizeof opts, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_OK);
    assert_int_equal(h.hdr_len, 60);
    assert_false(h.opt.has_mss || h.opt.has_ts || h.opt.has_wscale || h.opt.sack_permitted);
}

/* SACK blocks (RFC 2018 §3): 8·n + 2 octets for 1 to 4 blocks, read as sent and written back
 * byte for byte in Linux's layout (NOP NOP 05 len); any other length is skipped and flagged. */
static void sack_blocks_parse_write_and_reject_bad_lengths(void **state)
{
    (void)state;
    uint8_t seg[60];
    struct vg_tcp_hdr h;
    const uint8_t two[20] = {0x01, 0x01, 0x05, 0x12, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
                             0x20, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00};
    size_t n = build_seg(seg, two, sizeof two, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_OK);
    assert_int_equal(h.opt.nsack, 2);
    assert_false(h.opt.sack_bad);
    assert_int_equal(h.opt.sack[0].start, 0x1000);
    assert_int_equal(h.opt.sack[0].end, 0x2000);
    assert_int_equal(h.opt.sack[1].start, 0xffffff00u);   /* a block across the wrap */
    assert_int_equal(h.opt.sack[1].end, 0x100);
    assert_int_equal(vg_tcp_opts_len(&h.opt), sizeof two);
    uint8_t out[60];
    struct vg_tcp_hdr w = h;
    size_t len = vg_tcp_write(out, sizeof out, &w, SRC, DST, NULL, 0);
    assert_int_equal(len, n);
    assert_memory_equal(out, seg, n);                     /* the same octets, checksum too */
    /* Four blocks fill the option space; five cannot be, nor 8·n + 2 ± 1, nor an empty one. */
    uint8_t four[36] = {0x01, 0x01, 0x05, 0x22};
    n = build_seg(seg, four, sizeof four, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_OK);
    assert_int_equal(h.opt.nsack, 4);
    /* Window scale, timestamps and three blocks: 39 octets as sent, 44 in the aligned layout,
     * so the writer keeps the blocks that fit (two: 36 octets) and the header within 60. */
    const uint8_t packed[40] = {0x03, 0x03, 0x07, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2,
                                0x05, 0x1a, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
                                0, 0, 0, 5, 0, 0, 0, 6, 0x00};
    n = build_seg(seg, packed, sizeof packed, NULL);
    assert_int_equal(parse(seg, n, &h), VG_WIRE_OK);
    assert_int_equal(h.opt.nsack, 3);
    assert_true(h.opt.has_ts && h.opt.has_wscale);
    assert_int_equal(vg_tcp_opts_len(&h.opt), 36);
    w = h;
    len = vg_tcp_write(out, sizeof out, &w, SRC, DST, NULL, 0);
    assert_int_equal(len, 56);
    struct vg_tcp_hdr again;
    assert_int_equal(parse(out, len, &again), VG_WIRE_OK);
    assert_int_equal(again.opt.nsack, 2);
    assert_int_equal(again.opt.sack[1].end, 4);
    const uint8_t bad_lens[] = {2, 9, 11, 42};
    for (size_t k = 0; k < sizeof bad_lens; k++) {
        uint8_t o[40];
        memset(o, 0x01, sizeof o);
        o[0] = 0x05;
        o[1] = bad_lens[k];
        n = build_seg(seg, o, bad_lens[k] > 40 ? 40 : (bad_lens[k] + 3u) / 4 * 4, NULL);
        enum vg_wire_err e = parse(seg, n, &h);
        if (bad_lens[k] > 40) {
            assert_int_equal(e, VG_WIRE_BAD_OPT);         /* runs past the header */
            continue;
        }
        assert_int_equal(e, VG_WIRE_OK);
        assert_int_equal(h.opt.nsack, 0);
        assert_true(h.opt.sack_bad);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(captured_syn_checksum_verifies),
        cmocka_unit_test(captured_syn_is_rewritten_byte_for_byte),
        cmocka_unit_test(syn_from_other_addresses_fails_checksum),
        cmocka_unit_test(every_option_combination_round_trips),
        cmocka_unit_test(window_scale_is_reported_as_sent),
        cmocka_unit_test(write_needs_room_for_the_whole_segment),
        cmocka_unit_test(data_already_in_place_is_kept),
        cmocka_unit_test(short_segment_is_short),
        cmocka_unit_test(data_offset_below_5_or_past_segment_is_bad_doff),
        cmocka_unit_test(any_corruption_fails_checksum),
        cmocka_unit_test(oversized_segment_is_bad_len),
        cmocka_unit_test(option_length_below_2_is_bad_opt),
        cmocka_unit_test(option_running_past_header_is_bad_opt),
        cmocka_unit_test(unknown_options_are_skipped_by_length),
        cmocka_unit_test(known_option_with_wrong_length_is_ignored),
        cmocka_unit_test(end_of_option_list_stops_parsing),
        cmocka_unit_test(nop_only_options_parse_to_nothing),
        cmocka_unit_test(sack_blocks_parse_write_and_reject_bad_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
