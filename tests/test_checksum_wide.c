/* The 64-bit checksum (vg_csum_add), its copying form (vg_csum_copy), chaining of odd pieces
 * (vg_csum_block_add) and the send ring's copy-and-sum across its wrap (vg_ring_peek_csum),
 * each against a plain 16-bit reference over random data of every length 0..300, every start
 * alignment, and large buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"
#include "tcp/ring.h"
#include "util/prng.h"
#include "wire/wire.h"
#include "support/csum_ref.h"


/* A 32-bit partial sum, folded (0 and 0xffff are the same one's-complement number). */
static uint16_t folded(uint32_t sum)
{
    uint16_t f = (uint16_t)~vg_csum_fold(sum);
    return f == 0xffff ? 0 : f;
}
static uint16_t norm(uint16_t v) { return v == 0xffff ? 0 : v; }

static void fill(struct vg_prng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)vg_prng_next(r);
}

static void every_length_and_alignment_matches_the_reference(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 64);
    static uint8_t buf[300 + 16], dst[300 + 16];
    for (int round = 0; round < 8; round++) {
        fill(&r, buf, sizeof buf);
        for (size_t len = 0; len <= 300; len++)
            for (size_t off = 0; off < 16; off++) {
                uint16_t want = norm(ref_sum(buf + off, len));
                assert_int_equal(folded(vg_csum_add(0, buf + off, len)), want);
                /* the copy: same sum, same bytes, at another alignment */
                size_t doff = (off * 5 + 3) % 16;
                memset(dst, 0xa5, sizeof dst);
                assert_int_equal(folded(vg_csum_copy(dst + doff, buf + off, len, 0)), want);
                assert_memory_equal(dst + doff, buf + off, len);
                if (doff + len < sizeof dst)
                    assert_int_equal(dst[doff + len], 0xa5);   /* nothing written past */
            }
    }
}

static void an_initial_sum_is_carried_in(void **state)
{
    (void)state;
    const uint8_t b[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x01};
    for (uint32_t init = 0; init < 0xffffffffu - 0x10000000u; init += 0x0fedcba9u) {
        uint64_t s = init;
        s += ref_sum(b, sizeof b);
        while (s >> 16)
            s = (s & 0xffff) + (s >> 16);
        assert_int_equal(folded(vg_csum_add(init, b, sizeof b)), norm((uint16_t)s));
        uint8_t d[sizeof b];
        assert_int_equal(folded(vg_csum_copy(d, b, sizeof b, init)), norm((uint16_t)s));
    }
}

static void odd_pieces_chain_with_block_add(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 1071);
    static uint8_t buf[2048];
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = (size_t)vg_prng_below(&r, sizeof buf);
        fill(&r, buf, n);
        /* Cut into random pieces, odd ones included, summed separately and chained. */
        uint32_t sum = 0;
        size_t at = 0;
        while (at < n) {
            size_t k = 1 + (size_t)vg_prng_below(&r, 97);
            if (k > n - at)
                k = n - at;
            sum = vg_csum_block_add(sum, vg_csum_add(0, buf + at, k), at);
            at += k;
        }
        assert_int_equal(folded(sum), norm(ref_sum(buf, n)));
    }
}

static void large_buffers_match_the_reference(void **state)
{
    (void)state;
    struct vg_prng r;
    vg_prng_seed(&r, 9);
    size_t n = (1u << 20) + 13;
    uint8_t *buf = malloc(n + 8), *dst = malloc(n + 8);
    assert_non_null(buf);
    assert_non_null(dst);
    fill(&r, buf, n + 8);
    for (size_t off = 0; off < 8; off++) {
        uint16_t want = norm(ref_sum(buf + off, n - off));
        assert_int_equal(folded(vg_csum_add(0, buf + off, n - off)), want);
        assert_int_equal(folded(vg_csum_copy(dst, buf + off, n - off, 0)), want);
    }
    /* All ones: every add carries. */
    memset(buf, 0xff, n);
    assert_int_equal(folded(vg_csum_add(0, buf, n)), norm(ref_sum(buf, n)));
    assert_int_equal(folded(vg_csum_add(0xffffffffu, buf, 65536)), 0);
    free(buf);
    free(dst);
}

static void ring_copy_and_sum_crosses_the_wrap(void **state)
{
    (void)state;
    struct vg_stack_config c;
    vg_stack_config_default(&c, VG_PROFILE_WINDOWS_VISTA);
    vg_stack *s = vg_stack_new(&c);
    assert_non_null(s);
    struct vg_prng r;
    vg_prng_seed(&r, 4096);
    static uint8_t in[VG_RING_MIN_CAP], out[VG_RING_MIN_CAP];
    struct vg_ring *ring = NULL;
    /* The ring never grows past one VG_RING_MIN_CAP here: consuming an odd amount moves its
     * head to every position, so pieces wrap at odd and even offsets alike. */
    for (int iter = 0; iter < 400; iter++) {
        size_t want = 1 + (size_t)vg_prng_below(&r, VG_RING_MIN_CAP - 1);
        size_t have = vg_ring_len(ring);
        if (want > have) {
            fill(&r, in, want - have);
            assert_int_equal(vg_ring_append(s, &ring, VG_RING_MIN_CAP, in, want - have),
                             want - have);
        }
        uint32_t len = vg_ring_len(ring);
        uint32_t off = (uint32_t)vg_prng_below(&r, len);
        size_t n = (size_t)vg_prng_below(&r, len - off + 1);
        uint8_t plain[VG_RING_MIN_CAP];
        vg_ring_peek(ring, off, plain, n);
        memset(out, 0, sizeof out);
        uint16_t got = folded(vg_ring_peek_csum(ring, off, out, n, 0));
        assert_memory_equal(out, plain, n);
        assert_int_equal(got, norm(ref_sum(plain, n)));
        vg_ring_consume(s, &ring, (uint32_t)vg_prng_below(&r, len) | 1u, 0);
    }
    assert_int_equal(ring->cap, VG_RING_MIN_CAP);
    vg_ring_free(s, &ring);
    vg_stack_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_length_and_alignment_matches_the_reference),
        cmocka_unit_test(an_initial_sum_is_carried_in),
        cmocka_unit_test(odd_pieces_chain_with_block_add),
        cmocka_unit_test(large_buffers_match_the_reference),
        cmocka_unit_test(ring_copy_and_sum_crosses_the_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
