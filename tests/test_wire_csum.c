/* RFC 1071 checksum helpers against the RFC's worked example and a plain reference sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/prng.h"
#include "wire/wire.h"
#include "support/csum_ref.h"


static void rfc1071_example_sums_to_ddf2(void **state)
{
    (void)state;
    /* RFC 1071 §3: these bytes have the one's-complement sum ddf2. */
    const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(vg_csum_fold(vg_csum_add(0, b, sizeof b)), (uint16_t)~0xddf2u);
    assert_int_equal(ref_sum(b, sizeof b), 0xddf2);
}

static void sum_matches_reference_for_random_buffers(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 1071);
    static uint8_t buf[4100];
    for (int iter = 0; iter < 2000; iter++) {
        size_t off = (size_t)vg_prng_below(&r, 4); /* unaligned starts too */
        size_t n = (size_t)vg_prng_below(&r, sizeof buf - off);
        for (size_t i = 0; i < n; i++)
            buf[off + i] = (uint8_t)vg_prng_next(&r);
        assert_int_equal(vg_csum_fold(vg_csum_add(0, buf + off, n)),
                         (uint16_t)~ref_sum(buf + off, n));
    }
}

static void odd_length_is_padded_with_a_zero_byte(void **state)
{
    (void)state;
    const uint8_t odd[] = {0x12, 0x34, 0xab};
    const uint8_t even[] = {0x12, 0x34, 0xab, 0x00};
    assert_int_equal(vg_csum_fold(vg_csum_add(0, odd, 3)), vg_csum_fold(vg_csum_add(0, even, 4)));
}

static void chained_sum_equals_one_sum(void **state)
{
    (void)state;
    uint8_t b[301];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(i * 37 + 11);
    uint32_t chained = vg_csum_add(vg_csum_add(vg_csum_add(0, b, 4), b + 4, 100), b + 104, 197);
    assert_int_equal(vg_csum_fold(chained), vg_csum_fold(vg_csum_add(0, b, sizeof b)));
}

static void a_correct_checksum_field_verifies_to_zero(void **state)
{
    (void)state;
    uint8_t b[64];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(0xff - i * 3);
    b[10] = b[11] = 0;
    vg_put16(b + 10, vg_csum_fold(vg_csum_add(0, b, sizeof b)));
    assert_int_equal(vg_csum_fold(vg_csum_add(0, b, sizeof b)), 0);
    assert_int_equal(ref_sum(b, sizeof b), 0xffff);
}

static void fold_handles_every_carry(void **state)
{
    (void)state;
    /* 0xffffffff folds through two carries: ffff + ffff = 1fffe -> fffe + 1 = ffff. */
    assert_int_equal(vg_csum_fold(0xffffffffu), 0);
    assert_int_equal(vg_csum_fold(0x0001fffeu), 0);
    assert_int_equal(vg_csum_fold(0), 0xffff);
    /* A large buffer of 0xff bytes stresses the accumulator's carries. */
    static uint8_t ones[70000];
    memset(ones, 0xff, sizeof ones);
    assert_int_equal(vg_csum_fold(vg_csum_add(0, ones, sizeof ones)), (uint16_t)~ref_sum(ones, sizeof ones));
}

static void a_carry_out_of_the_first_fold_is_folded_again(void **state)
{
    (void)state;
    /* ffffffff + ffffffff + 00000001 = 1_ffffffff; folding once gives 1_00000000, which still
     * carries. The 16-bit reference sees the same words. */
    const uint8_t b[8] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};
    uint32_t ref = 0xffff + 0xffff + 0xffff + 0xffff + 0x0000 + 0x0001;
    while (ref >> 16)
        ref = (ref & 0xffff) + (ref >> 16);
    assert_int_equal(vg_csum_fold(vg_csum_add(0xffffffffu, b, sizeof b)), (uint16_t)~ref);
}

static void pseudo_header_is_the_rfc_9293_layout(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 9293);
    for (int iter = 0; iter < 500; iter++) {
        uint32_t src = (uint32_t)vg_prng_next(&r), dst = (uint32_t)vg_prng_next(&r);
        uint8_t proto = (uint8_t)vg_prng_next(&r);
        uint16_t len = (uint16_t)vg_prng_next(&r);
        assert_int_equal(vg_csum_fold(vg_csum_pseudo(src, dst, proto, len)), (uint16_t)~ref_pseudo(src, dst, proto, len));
    }
}

/* The input path verifies with vg_csum_l4_ok (a native-order sum, no byte swap): it must accept
 * exactly what the RFC 1071 sum with the pseudo-header accepts, for every length (the inline
 * sum up to VG_CSUM_INLINE_MAX, the long loop past it, odd ones), and a checksum that is right
 * must stop verifying when any one bit of the segment or of an address changes. The same for
 * vg_csum_l4_ok_hdr20, the form the TCP parser uses. */
static void l4_verify_accepts_exactly_what_the_reference_accepts(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 5961);
    static uint8_t buf[300];
    for (int iter = 0; iter < 3000; iter++) {
        uint32_t src = (uint32_t)vg_prng_next(&r), dst = (uint32_t)vg_prng_next(&r);
        uint8_t proto = iter & 1 ? VG_IPPROTO_TCP : VG_IPPROTO_UDP;
        uint16_t n = (uint16_t)(18 + vg_prng_below(&r, sizeof buf - 18));
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)vg_prng_next(&r);
        int ref_ok = ref_sum_acc(buf, n, ref_pseudo(src, dst, proto, n)) == 0xffff;
        assert_int_equal(vg_csum_l4_ok(src, dst, proto, buf, n), ref_ok);
        if (n >= 20)                  /* the input path's form, for a segment with a header */
            assert_int_equal(vg_csum_l4_ok_hdr20(src, dst, proto, buf, n), ref_ok);
        /* Now a correct checksum field at offset 16 (TCP's). */
        buf[16] = buf[17] = 0;
        vg_put16(buf + 16, (uint16_t)~ref_sum_acc(buf, n, ref_pseudo(src, dst, proto, n)));
        assert_true(vg_csum_l4_ok(src, dst, proto, buf, n));
        size_t bit = (size_t)vg_prng_below(&r, (uint32_t)n * 8);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(vg_csum_l4_ok(src, dst, proto, buf, n));
        if (n >= 20)
            assert_false(vg_csum_l4_ok_hdr20(src, dst, proto, buf, n));
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(vg_csum_l4_ok(src ^ (1u << (iter % 32)), dst, proto, buf, n));
        assert_false(vg_csum_l4_ok(src, dst ^ (1u << (iter % 31)), proto, buf, n));
    }
}

/* vg_csum_acc_ok folds a native-order accumulator: all ones, and only all ones, is valid, from
 * any accumulator the sums build (a carry in every fold included). */
static void acc_ok_is_all_ones_after_every_fold(void **state)
{
    (void)state;
    assert_true(vg_csum_acc_ok(0xffffu));
    assert_false(vg_csum_acc_ok(0));             /* all-zero octets never verify */
    assert_true(vg_csum_acc_ok(0xfffeu + 1u * 0x10000u));        /* 0xfffe + carry 1 */
    assert_true(vg_csum_acc_ok(0xffffffffu));    /* 0xffff + 0xffff -> 0x1fffe -> 0xffff */
    assert_true(vg_csum_acc_ok(0xffffffffffffull));
    assert_false(vg_csum_acc_ok(0xfffffffffffeull));
    assert_true(vg_csum_acc_ok((uint64_t)0xffff << 40));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc1071_example_sums_to_ddf2),
        cmocka_unit_test(sum_matches_reference_for_random_buffers),
        cmocka_unit_test(odd_length_is_padded_with_a_zero_byte),
        cmocka_unit_test(chained_sum_equals_one_sum),
        cmocka_unit_test(a_correct_checksum_field_verifies_to_zero),
        cmocka_unit_test(fold_handles_every_carry),
        cmocka_unit_test(a_carry_out_of_the_first_fold_is_folded_again),
        cmocka_unit_test(pseudo_header_is_the_rfc_9293_layout),
        cmocka_unit_test(l4_verify_accepts_exactly_what_the_reference_accepts),
        cmocka_unit_test(acc_ok_is_all_ones_after_every_fold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
