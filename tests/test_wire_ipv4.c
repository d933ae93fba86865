/* IPv4 header codec: a known header, round trips, and each way a header can be malformed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/prng.h"
#include "wire/wire.h"
#include "support/csum_ref.h"


/* Recomputes the header checksum of a hand-edited header so that only the edit is tested. */
static void fix_csum(uint8_t *p, size_t hdr_len)
{
    p[10] = p[11] = 0;
    vg_put16(p + 10, (uint16_t)~ref_sum(p, hdr_len));
}

/* A 20-byte header for a datagram of total_len bytes (UDP, DF), checksum valid. */
static void make_hdr(uint8_t *p, uint16_t total_len)
{
    const struct vg_ipv4_hdr h = {.tos = 0, .id = 0x1234, .frag = 0x4000, .ttl = 64,
                                  .proto = VG_IPPROTO_UDP, .src = 0xc0000201, .dst = 0xc6336402};
    assert_int_equal(vg_ipv4_write(p, VG_IPV4_HDR_LEN, &h, (size_t)total_len - VG_IPV4_HDR_LEN), 20);
}

static enum vg_wire_err parse(const uint8_t *p, size_t len)
{
    struct vg_ipv4_hdr h;
    const uint8_t *pl;
    size_t plen;
    return vg_ipv4_parse(p, len, &h, &pl, &plen);
}

static void known_header_parses_and_rewrites_identically(void **state)
{
    (void)state;
    /* A widely published example header (192.168.0.1 -> 192.168.0.199, UDP, DF) whose checksum
     * is b861; ref_sum confirms it independently of the code under test. */
    const uint8_t known[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                               0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    assert_int_equal(ref_sum(known, 20), 0xffff);
    uint8_t pkt[0x73] = {0};
    memcpy(pkt, known, 20);
    struct vg_ipv4_hdr h;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv4_parse(pkt, sizeof pkt, &h, &pl, &plen), VG_WIRE_OK);
    assert_int_equal(h.hdr_len, 20);
    assert_int_equal(h.total_len, 0x73);
    assert_int_equal(h.frag, 0x4000);
    assert_int_equal(h.ttl, 64);
    assert_int_equal(h.proto, VG_IPPROTO_UDP);
    assert_int_equal(h.csum, 0xb861);
    assert_int_equal(h.src, 0xc0a80001);
    assert_int_equal(h.dst, 0xc0a800c7);
    assert_ptr_equal(pl, pkt + 20);
    assert_int_equal(plen, 0x73 - 20);

    uint8_t out[20];
    assert_int_equal(vg_ipv4_write(out, sizeof out, &h, plen), 20);
    assert_memory_equal(out, known, 20);
}

static void random_headers_round_trip(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 791);
    static uint8_t pkt[2000];
    for (int iter = 0; iter < 3000; iter++) {
        struct vg_ipv4_hdr in = {
            .tos = (uint8_t)vg_prng_next(&r),
            .id = (uint16_t)vg_prng_next(&r),
            .frag = vg_prng_below(&r, 2) ? 0x4000 : 0,
            .ttl = (uint8_t)vg_prng_next(&r),
            .proto = (uint8_t)vg_prng_next(&r),
            .src = (uint32_t)vg_prng_next(&r),
            .dst = (uint32_t)vg_prng_next(&r),
        };
        size_t payload = (size_t)vg_prng_below(&r, sizeof pkt - 20);
        assert_int_equal(vg_ipv4_write(pkt, sizeof pkt, &in, payload), 20);
        assert_int_equal(ref_sum(pkt, 20), 0xffff);
        struct vg_ipv4_hdr out;
        const uint8_t *pl;
        size_t plen;
        assert_int_equal(vg_ipv4_parse(pkt, 20 + payload, &out, &pl, &plen), VG_WIRE_OK);
        assert_int_equal(out.hdr_len, 20);
        assert_int_equal(out.total_len, 20 + payload);
        assert_int_equal(out.tos, in.tos);
        assert_int_equal(out.id, in.id);
        assert_int_equal(out.frag, in.frag);
        assert_int_equal(out.ttl, in.ttl);
        assert_int_equal(out.proto, in.proto);
        assert_int_equal(out.src, in.src);
        assert_int_equal(out.dst, in.dst);
        assert_ptr_equal(pl, pkt + 20);
        assert_int_equal(plen, payload);
    }
}

static void write_refuses_small_buffer_and_oversized_datagram(void **state)
{
    (void)state;
    uint8_t buf[20];
    const struct vg_ipv4_hdr h = {.ttl = 64, .proto = VG_IPPROTO_TCP};
    assert_int_equal(vg_ipv4_write(buf, 19, &h, 0), 0);
    assert_int_equal(vg_ipv4_write(buf, 20, &h, 65535 - 20), 20);
    assert_int_equal(vg_ipv4_write(buf, 20, &h, 65535 - 19), 0);
}

static void short_buffer_is_short(void **state)
{
    (void)state;
    uint8_t p[20];
    make_hdr(p, 20);
    assert_int_equal(parse(p, 20), VG_WIRE_OK);
    assert_int_equal(parse(p, 19), VG_WIRE_SHORT);
    assert_int_equal(parse(NULL, 0), VG_WIRE_SHORT);
}

static void version_other_than_4_is_rejected(void **state)
{
    (void)state;
    uint8_t p[20];
    make_hdr(p, 20);
    p[0] = 0x65;
    fix_csum(p, 20);
    assert_int_equal(parse(p, 20), VG_WIRE_BAD_VERSION);
}

static void ihl_below_5_or_past_the_buffer_is_rejected(void **state)
{
    (void)state;
    uint8_t p[40] = {0};
    make_hdr(p, 20);
    p[0] = 0x44;
    assert_int_equal(parse(p, 20), VG_WIRE_BAD_IHL);
    p[0] = 0x46; /* 24-byte header in a 20-byte buffer */
    assert_int_equal(parse(p, 20), VG_WIRE_BAD_IHL);
    p[0] = 0x4f; /* 60 bytes claimed, 40 present */
    assert_int_equal(parse(p, 40), VG_WIRE_BAD_IHL);
}

static void total_length_inconsistent_is_bad_len(void **state)
{
    (void)state;
    uint8_t p[40] = {0};
    make_hdr(p, 40);
    assert_int_equal(parse(p, 40), VG_WIRE_OK);
    assert_int_equal(parse(p, 39), VG_WIRE_BAD_LEN); /* total_len past the buffer */
    vg_put16(p + 2, 19);                              /* total_len inside the header */
    fix_csum(p, 20);
    assert_int_equal(parse(p, 40), VG_WIRE_BAD_LEN);
    p[0] = 0x46;
    vg_put16(p + 2, 22); /* shorter than a 24-byte header with options */
    fix_csum(p, 24);
    assert_int_equal(parse(p, 40), VG_WIRE_BAD_LEN);
}

static void corrupted_header_fails_checksum(void **state)
{
    (void)state;
    uint8_t p[28] = {0};
    make_hdr(p, 28);
    for (size_t byte = 0; byte < 20; byte++) {
        if (byte == 0 || byte == 2 || byte == 3)
            continue; /* those fail the earlier length and version checks instead */
        uint8_t q[28];
        memcpy(q, p, sizeof q);
        q[byte] ^= 0x10;
        assert_int_equal(parse(q, sizeof q), VG_WIRE_BAD_CSUM);
    }
    /* The payload is not covered by the IP checksum. */
    p[25] ^= 0xff;
    assert_int_equal(parse(p, sizeof p), VG_WIRE_OK);
}

static void fragments_are_rejected(void **state)
{
    (void)state;
    uint8_t p[28] = {0};
    make_hdr(p, 28);
    vg_put16(p + 6, 0x2000); /* first fragment: MF */
    fix_csum(p, 20);
    assert_int_equal(parse(p, 28), VG_WIRE_FRAGMENT);
    vg_put16(p + 6, 0x0001); /* last fragment: offset 8 bytes */
    fix_csum(p, 20);
    assert_int_equal(parse(p, 28), VG_WIRE_FRAGMENT);
    vg_put16(p + 6, 0x4000); /* DF alone is an unfragmented datagram */
    fix_csum(p, 20);
    assert_int_equal(parse(p, 28), VG_WIRE_OK);
}

static void options_are_skipped_and_reported_in_hdr_len(void **state)
{
    (void)state;
    /* 28-byte header: NOPs, then a record-route-like unknown option, then EOL. */
    uint8_t p[36] = {0};
    make_hdr(p, 20);
    p[0] = 0x47;
    vg_put16(p + 2, 36);
    const uint8_t opts[8] = {0x01, 0x01, 0x07, 0x03, 0x04, 0x00, 0x00, 0x00};
    memcpy(p + 20, opts, sizeof opts);
    memcpy(p + 28, "payload!", 8);
    fix_csum(p, 28);
    struct vg_ipv4_hdr h;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv4_parse(p, sizeof p, &h, &pl, &plen), VG_WIRE_OK);
    assert_int_equal(h.hdr_len, 28);
    assert_ptr_equal(pl, p + 28);
    assert_int_equal(plen, 8);
    assert_memory_equal(pl, "payload!", 8);
    /* The options are covered by the checksum. */
    p[22] ^= 1;
    assert_int_equal(vg_ipv4_parse(p, sizeof p, &h, &pl, &plen), VG_WIRE_BAD_CSUM);
}

static void link_padding_after_total_length_is_ignored(void **state)
{
    (void)state;
    /* A 28-byte datagram in a minimum-size Ethernet payload of 46 bytes. */
    uint8_t frame[46];
    memset(frame, 0xee, sizeof frame);
    make_hdr(frame, 28);
    struct vg_ipv4_hdr h;
    const uint8_t *pl;
    size_t plen;
    assert_int_equal(vg_ipv4_parse(frame, sizeof frame, &h, &pl, &plen), VG_WIRE_OK);
    assert_int_equal(h.total_len, 28);
    assert_ptr_equal(pl, frame + 20);
    assert_int_equal(plen, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_header_parses_and_rewrites_identically),
        cmocka_unit_test(random_headers_round_trip),
        cmocka_unit_test(write_refuses_small_buffer_and_oversized_datagram),
        cmocka_unit_test(short_buffer_is_short),
        cmocka_unit_test(version_other_than_4_is_rejected),
        cmocka_unit_test(ihl_below_5_or_past_the_buffer_is_rejected),
        cmocka_unit_test(total_length_inconsistent_is_bad_len),
        cmocka_unit_test(corrupted_header_fails_checksum),
        cmocka_unit_test(fragments_are_rejected),
        cmocka_unit_test(options_are_skipped_and_reported_in_hdr_len),
        cmocka_unit_test(link_padding_after_total_length_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
