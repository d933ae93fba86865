/* UDP and ICMP codecs: round trips, the UDP zero-checksum rules, and malformed messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/wire.h"

#define SRC 0xc0000201u
#define DST 0xc6336402u

static uint32_t ref_add(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t ref_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static uint16_t ref_udp_sum(const uint8_t *seg, size_t len)
{
    uint8_t ph[12];
    vg_put32(ph, SRC);
    vg_put32(ph + 4, DST);
    ph[8] = 0;
    ph[9] = VG_IPPROTO_UDP;
    vg_put16(ph + 10, (uint16_t)len);
    return ref_fold(ref_add(ref_add(0, ph, sizeof ph), seg, len));
}

static enum vg_wire_err udp_parse(const uint8_t *seg, size_t len)
{
    struct vg_udp_hdr h;
    const uint8_t *d;
    size_t dlen;
    return vg_udp_parse(seg, len, SRC, DST, &h, &d, &dlen);
}

static void udp_round_trips(void **state)
{
    (void)state;
    static const char *payloads[] = {NULL, "q", "DNS?", "an odd-length datagram"};
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        const char *p = payloads[i];
        size_t plen = p ? strlen(p) : 0;
        uint8_t seg[64];
        size_t n = vg_udp_write(seg, sizeof seg, 5353, 53, SRC, DST, (const uint8_t *)p, plen);
        assert_int_equal(n, VG_UDP_HDR_LEN + plen);
        assert_int_equal(ref_udp_sum(seg, n), 0xffff);
        struct vg_udp_hdr h;
        const uint8_t *d;
        size_t dlen;
        assert_int_equal(vg_udp_parse(seg, n, SRC, DST, &h, &d, &dlen), VG_WIRE_OK);
        assert_int_equal(h.sport, 5353);
        assert_int_equal(h.dport, 53);
        assert_int_equal(h.len, n);
        assert_int_not_equal(h.csum, 0);
        assert_ptr_equal(d, seg + VG_UDP_HDR_LEN);
        assert_int_equal(dlen, plen);
        if (plen)
            assert_memory_equal(d, p, plen);
    }
}

static void udp_zero_checksum_means_none(void **state)
{
    (void)state;
    uint8_t seg[16];
    size_t n = vg_udp_write(seg, sizeof seg, 1, 2, SRC, DST, (const uint8_t *)"abcdefgh", 8);
    seg[6] = seg[7] = 0;
    seg[12] ^= 0x55; /* would fail any checksum */
    assert_int_equal(udp_parse(seg, n), VG_WIRE_OK);
}

static void udp_computed_zero_is_sent_as_ffff(void **state)
{
    (void)state;
    /* With a zero data word the checksum is c; putting c in that word makes the sum all ones,
     * i.e. a computed checksum of zero, which must go out as ffff (RFC 768). */
    uint8_t seg[16];
    uint8_t data[2] = {0, 0};
    assert_int_equal(vg_udp_write(seg, sizeof seg, 7, 9, SRC, DST, data, 2), 10);
    uint16_t c = vg_get16(seg + 6);
    vg_put16(data, c);
    assert_int_equal(vg_udp_write(seg, sizeof seg, 7, 9, SRC, DST, data, 2), 10);
    assert_int_equal(vg_get16(seg + 6), 0xffff);
    assert_int_equal(ref_udp_sum(seg, 10), 0xffff);
    assert_int_equal(udp_parse(seg, 10), VG_WIRE_OK);
}

static void udp_short_and_bad_lengths(void **state)
{
    (void)state;
    uint8_t seg[16];
    size_t n = vg_udp_write(seg, sizeof seg, 1, 2, SRC, DST, (const uint8_t *)"abcd", 4);
    assert_int_equal(udp_parse(seg, VG_UDP_HDR_LEN - 1), VG_WIRE_SHORT);
    assert_int_equal(udp_parse(NULL, 0), VG_WIRE_SHORT);
    assert_int_equal(udp_parse(seg, n - 1), VG_WIRE_BAD_LEN); /* length field past the buffer */
    vg_put16(seg + 4, 7);                                     /* shorter than the header */
    assert_int_equal(udp_parse(seg, n), VG_WIRE_BAD_LEN);
}

static void udp_bytes_after_its_length_are_ignored(void **state)
{
    (void)state;
    uint8_t seg[32];
    memset(seg, 0xaa, sizeof seg);
    size_t n = vg_udp_write(seg, sizeof seg, 1, 2, SRC, DST, (const uint8_t *)"abc", 3);
    struct vg_udp_hdr h;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_udp_parse(seg, sizeof seg, SRC, DST, &h, &d, &dlen), VG_WIRE_OK);
    assert_int_equal(h.len, n);
    assert_int_equal(dlen, 3);
}

static void udp_corruption_and_wrong_addresses_fail_checksum(void **state)
{
    (void)state;
    uint8_t seg[24];
    size_t n = vg_udp_write(seg, sizeof seg, 4000, 4001, SRC, DST, (const uint8_t *)"datagram!", 9);
    for (size_t byte = 0; byte < n; byte++) {
        if (byte == 4 || byte == 5)
            continue; /* the length field fails the length check first */
        uint8_t q[24];
        memcpy(q, seg, n);
        q[byte] ^= 0x80;
        if (vg_get16(q + 6) == 0)
            continue; /* flipping the checksum to zero turns checking off, by design */
        assert_int_equal(udp_parse(q, n), VG_WIRE_BAD_CSUM);
    }
    struct vg_udp_hdr h;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_udp_parse(seg, n, SRC, DST + 1, &h, &d, &dlen), VG_WIRE_BAD_CSUM);
}

static void udp_write_needs_room(void **state)
{
    (void)state;
    uint8_t seg[16];
    assert_int_equal(vg_udp_write(seg, 11, 1, 2, SRC, DST, (const uint8_t *)"abcd", 4), 0);
    assert_int_equal(vg_udp_write(seg, 12, 1, 2, SRC, DST, (const uint8_t *)"abcd", 4), 12);
    assert_int_equal(vg_udp_write(seg, 7, 1, 2, SRC, DST, NULL, 0), 0);
}

static void icmp_echo_round_trips(void **state)
{
    (void)state;
    static const char *payloads[] = {NULL, "p", "ping payload", "odd ping payload"};
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        const char *p = payloads[i];
        size_t plen = p ? strlen(p) : 0;
        const struct vg_icmp_hdr in = {.type = 8, .code = 0, .id = 0xbeef, .seq = (uint16_t)i};
        uint8_t msg[64];
        size_t n = vg_icmp_write(msg, sizeof msg, &in, (const uint8_t *)p, plen);
        assert_int_equal(n, 8 + plen);
        assert_int_equal(ref_fold(ref_add(0, msg, n)), 0xffff);
        struct vg_icmp_hdr out;
        const uint8_t *d;
        size_t dlen;
        assert_int_equal(vg_icmp_parse(msg, n, &out, &d, &dlen), VG_WIRE_OK);
        assert_int_equal(out.type, 8);
        assert_int_equal(out.code, 0);
        assert_int_equal(out.id, 0xbeef);
        assert_int_equal(out.seq, i);
        assert_int_equal(out.csum, vg_get16(msg + 2));
        assert_ptr_equal(d, msg + 8);
        assert_int_equal(dlen, plen);
        if (plen)
            assert_memory_equal(d, p, plen);
    }
}

static void icmp_checksum_covers_the_whole_message(void **state)
{
    (void)state;
    const struct vg_icmp_hdr in = {.type = 0, .id = 1, .seq = 2};
    uint8_t msg[32];
    size_t n = vg_icmp_write(msg, sizeof msg, &in, (const uint8_t *)"0123456789abcdef", 16);
    struct vg_icmp_hdr out;
    const uint8_t *d;
    size_t dlen;
    for (size_t byte = 0; byte < n; byte++) {
        uint8_t q[32];
        memcpy(q, msg, n);
        q[byte] ^= 0x01;
        assert_int_equal(vg_icmp_parse(q, n, &out, &d, &dlen), VG_WIRE_BAD_CSUM);
    }
    /* Truncating by a non-zero word changes the sum as well. */
    assert_int_equal(vg_icmp_parse(msg, n - 2, &out, &d, &dlen), VG_WIRE_BAD_CSUM);
}

static void icmp_short_and_small_buffer(void **state)
{
    (void)state;
    uint8_t msg[16] = {0};
    struct vg_icmp_hdr out;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_icmp_parse(msg, 7, &out, &d, &dlen), VG_WIRE_SHORT);
    assert_int_equal(vg_icmp_parse(NULL, 0, &out, &d, &dlen), VG_WIRE_SHORT);
    const struct vg_icmp_hdr in = {.type = 8};
    assert_int_equal(vg_icmp_write(msg, 7, &in, NULL, 0), 0);
    assert_int_equal(vg_icmp_write(msg, 11, &in, (const uint8_t *)"abcd", 4), 0);
    assert_int_equal(vg_icmp_write(msg, 12, &in, (const uint8_t *)"abcd", 4), 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_round_trips),
        cmocka_unit_test(udp_zero_checksum_means_none),
        cmocka_unit_test(udp_computed_zero_is_sent_as_ffff),
        cmocka_unit_test(udp_short_and_bad_lengths),
        cmocka_unit_test(udp_bytes_after_its_length_are_ignored),
        cmocka_unit_test(udp_corruption_and_wrong_addresses_fail_checksum),
        cmocka_unit_test(udp_write_needs_room),
        cmocka_unit_test(icmp_echo_round_trips),
        cmocka_unit_test(icmp_checksum_covers_the_whole_message),
        cmocka_unit_test(icmp_short_and_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
