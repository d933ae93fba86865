/* The patterns the CLI sends and the checker vigil transfer's receiver runs (tools/cli_pattern.c,
 * tools/cli_stream.c, tools/cli_verify.c): the word-at-a-time fill and check give exactly the
 * bytes of the documented formulas at any offset and across rows, and a flipped, missing,
 * duplicated, swapped, reordered or stale byte, or one past the end, is reported at the offset
 * where the stream first differs, whatever sizes the stream is read in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli_pattern.h"
#include "cli_stream.h"
#include "cli_verify.h"
#include "util/prng.h"

#define KEY 0x5eed5eed12345678ull
#define N 100000

/* The formulas of cli_pattern.h and cli_stream.h, byte by byte, independently of the code. */
static uint64_t word_formula(uint64_t key, uint64_t w)
{
    uint64_t z = (w ^ key) * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint8_t formula(uint64_t key, uint64_t i)
{
    return (uint8_t)(word_formula(key, i >> 3) >> ((i & 7) * 8));
}

static uint8_t stream_formula(uint64_t key, uint64_t i)
{
    uint64_t w = i >> 3;
    uint64_t z = word_formula(key, w % 512) ^ word_formula(key, 512 + w / 512);
    return (uint8_t)(z >> ((i & 7) * 8));
}

static void stream_is_the_formula_at_any_offset(void **state)
{
    (void)state;
    static uint8_t buf[10000];
    static struct cli_stream st;
    const uint64_t keys[] = {0, KEY};
    const uint64_t base[] = {0, 4090, 65530, (1ull << 40) - 7};
    for (size_t k = 0; k < 2; k++) {
        cli_stream_init(&st, keys[k]);
        for (size_t b = 0; b < sizeof base / sizeof base[0]; b++)
            for (uint64_t off = base[b]; off < base[b] + 12; off++)
                for (size_t len = 0; len <= 9000; len = len < 40 ? len + 1 : len * 3 + 1) {
                    memset(buf, 0xa5, sizeof buf);
                    cli_stream_fill(&st, off, buf, len);
                    for (size_t i = 0; i < len; i++)
                        assert_int_equal(buf[i], stream_formula(keys[k], off + i));
                    for (size_t i = len; i < sizeof buf; i++)
                        assert_int_equal(buf[i], 0xa5);
                    assert_int_equal(cli_stream_check(&st, off, buf, len), len);
                }
    }
    /* Every byte flipped, in turn, across a row boundary (4096 bytes), is found where it is. */
    cli_stream_init(&st, KEY);
    for (uint64_t off = 4090; off < 4099; off++)
        for (size_t p = 0; p < 1200; p++) {
            cli_stream_fill(&st, off, buf, 1200);
            buf[p] ^= 0x80;
            assert_int_equal(cli_stream_check(&st, off, buf, 1200), p);
        }
}

static void fill_is_the_formula_at_any_offset(void **state)
{
    (void)state;
    uint8_t buf[5000];
    const uint64_t keys[] = {0, KEY};
    for (size_t k = 0; k < 2; k++)
        for (uint64_t off = 0; off < 20; off++)
            for (size_t len = 0; len <= sizeof buf; len = len < 40 ? len + 1 : len * 3) {
                uint64_t o = off + (len > 1000 ? (1ull << 40) : 0);
                memset(buf, 0xa5, sizeof buf);
                cli_pattern_fill_keyed(keys[k], o, buf, len);
                for (size_t i = 0; i < len; i++)
                    assert_int_equal(buf[i], formula(keys[k], o + i));
                for (size_t i = len; i < sizeof buf; i++)
                    assert_int_equal(buf[i], 0xa5);   /* nothing written past len */
                assert_int_equal(cli_pattern_check_keyed(keys[k], o, buf, len), len);
            }
    /* Key 0 is the unkeyed stream the wire commands and the Linux peer send. */
    uint8_t a[77], b[77];
    cli_pattern_fill(13, a, sizeof a);
    cli_pattern_fill_keyed(0, 13, b, sizeof b);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(cli_pattern_check(13, a, sizeof a), sizeof a);
    /* Another key is another stream. */
    cli_pattern_fill_keyed(KEY, 13, b, sizeof b);
    assert_true(cli_pattern_check(13, b, sizeof b) < 8);
}

static void check_finds_every_flipped_byte(void **state)
{
    (void)state;
    uint8_t buf[300];
    for (uint64_t off = 0; off < 10; off++)
        for (size_t p = 0; p < sizeof buf; p++) {
            cli_pattern_fill_keyed(KEY, off, buf, sizeof buf);
            buf[p] ^= 0x10;
            assert_int_equal(cli_pattern_check_keyed(KEY, off, buf, sizeof buf), p);
        }
}

/* The stream as received, with one defect at p. */
enum defect { FLIPPED, MISSING, DUPLICATED, SWAPPED, SEGMENTS_SWAPPED, STALE_SEGMENT };

static void make_stream(uint8_t *rx, const uint8_t *pat, enum defect d, size_t p)
{
    memcpy(rx, pat, N);
    switch (d) {
    case FLIPPED:
        rx[p] ^= 0x01;
        break;
    case MISSING:   /* byte p never arrived: everything after it comes one early */
        memmove(rx + p, pat + p + 1, N - p);
        break;
    case DUPLICATED:   /* byte p arrived twice */
        memcpy(rx + p + 1, pat + p, N - p - 1);
        break;
    case SWAPPED:
        rx[p] = pat[p + 1];
        rx[p + 1] = pat[p];
        break;
    case SEGMENTS_SWAPPED:   /* two 1460-byte segments in the wrong order (p + 2920 <= N) */
        memcpy(rx + p, pat + p + 1460, 1460);
        memcpy(rx + p + 1460, pat + p, 1460);
        break;
    case STALE_SEGMENT:   /* a segment's worth of what was there 64 KiB earlier (a ring bug) */
        memcpy(rx + p, pat + p - 65536, 1460);
        break;
    }
}

/* What a byte-by-byte comparison with the pattern says. */
static uint64_t first_difference(const uint8_t *rx, const uint8_t *pat)
{
    for (size_t i = 0; i < N; i++)
        if (rx[i] != pat[i])
            return i;
    return CLI_VERIFY_NONE;
}

static uint64_t verify_in_pieces(const uint8_t *rx, size_t len, uint64_t expected,
                                 struct vg_prng *prng)
{
    struct cli_verify v;
    cli_verify_init(&v, KEY, expected);
    int rc = 0;
    for (size_t done = 0; done < len;) {
        size_t n = 1 + (size_t)vg_prng_below(prng, 3000);
        n = n < len - done ? n : len - done;
        int r = cli_verify_feed(&v, rx + done, n);
        if (rc)
            assert_int_equal(r, -1);   /* once different, always different */
        rc = r;
        done += n;
    }
    assert_int_equal(v.offset, len);
    assert_int_equal(rc, v.first_diff == CLI_VERIFY_NONE ? 0 : -1);
    return v.first_diff;
}

static void verify_reports_each_defect_at_its_offset(void **state)
{
    (void)state;
    uint8_t *pat = malloc(N + 1), *rx = malloc(N + 1);
    struct cli_stream *st = malloc(sizeof *st);
    assert_non_null(pat);
    assert_non_null(rx);
    assert_non_null(st);
    cli_stream_init(st, KEY);
    cli_stream_fill(st, 0, pat, N + 1);
    free(st);
    struct vg_prng prng;
    vg_prng_seed(&prng, 42);

    memcpy(rx, pat, N);
    assert_int_equal(verify_in_pieces(rx, N, N, &prng), CLI_VERIFY_NONE);

    const size_t at[] = {65536, 65537, 65543, 65544, 70000, 70001, 97000};
    for (int d = FLIPPED; d <= STALE_SEGMENT; d++)
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            size_t p = at[k];
            make_stream(rx, pat, (enum defect)d, p);
            uint64_t want = first_difference(rx, pat);
            assert_int_not_equal(want, CLI_VERIFY_NONE);
            /* Where the displaced byte equals the one it displaces the stream only differs a
             * little later: the same for any checker. */
            assert_true(want >= p && want < p + 8);
            assert_int_equal(verify_in_pieces(rx, N, N, &prng), want);
        }
    /* The cases where the defect is at its byte exactly (the bytes around it differ here). */
    size_t p = 70001;
    assert_int_not_equal(pat[p], pat[p + 1]);
    const enum defect exact[] = {FLIPPED, MISSING, SWAPPED, SEGMENTS_SWAPPED, STALE_SEGMENT};
    for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++) {
        make_stream(rx, pat, exact[k], p);
        assert_int_equal(verify_in_pieces(rx, N, N, &prng), p);
    }
    make_stream(rx, pat, DUPLICATED, p);
    assert_int_equal(verify_in_pieces(rx, N, N, &prng), p + 1);

    /* One byte more than was sent differs where the stream should have ended. */
    memcpy(rx, pat, N + 1);
    assert_int_equal(verify_in_pieces(rx, N + 1, N, &prng), N);
    free(pat);
    free(rx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fill_is_the_formula_at_any_offset),
        cmocka_unit_test(check_finds_every_flipped_byte),
        cmocka_unit_test(stream_is_the_formula_at_any_offset),
        cmocka_unit_test(verify_reports_each_defect_at_its_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
