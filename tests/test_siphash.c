/* SipHash-2-4 against the reference implementation's 64 test vectors (key 00..0f, message
 * 00..(n-1) for n = 0..63; the paper's Appendix A example is n = 15), and the property the
 * stack relies on: a different key gives an unrelated output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/siphash.h"

/* vectors.h of the reference implementation (github.com/veorq/SipHash), as 64-bit words. */
static const uint64_t reference[64] = {
    0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
    0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
    0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
    0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
    0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
    0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
    0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
    0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
    0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
    0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
    0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
    0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
    0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
    0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
    0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
    0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

static void reference_vectors_all_64_lengths(void **state)
{
    (void)state;
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    for (size_t n = 0; n < 64; n++) {
        uint64_t got = vg_siphash24(key, msg, n);
        if (got != reference[n])
            fail_msg("length %zu: got %016llx, want %016llx", n, (unsigned long long)got,
                     (unsigned long long)reference[n]);
    }
}

/* Linux's lib/siphash_kunit.c test_vectors_hsiphash for 64-bit machines: hsiphash there is
 * SipHash-1-3 returning the low 32 bits of the output; same key and messages as above. */
static const uint32_t reference13_low32[16] = {
    0x050fc4dcu, 0x7d57ca93u, 0x4dc7d44du, 0xe7ddf7fbu, 0x88d38328u, 0x49533b67u,
    0xc59f22a7u, 0x9bb11140u, 0x8d299a8eu, 0x6c063de4u, 0x92ff097fu, 0xf94dc352u,
    0x57b4d9a2u, 0x1229ffa7u, 0xc0f95d34u, 0x2a519956u,
};

static void siphash13_reference_vectors(void **state)
{
    (void)state;
    uint8_t key[16], msg[16];
    for (int i = 0; i < 16; i++)
        key[i] = msg[i] = (uint8_t)i;
    for (size_t n = 0; n < 16; n++) {
        uint32_t got = (uint32_t)vg_siphash13(key, msg, n);
        if (got != reference13_low32[n])
            fail_msg("length %zu: got %08x, want %08x", n, got, reference13_low32[n]);
    }
    /* Not SipHash-2-4 by another name. */
    assert_true(vg_siphash13(key, msg, 12) != vg_siphash24(key, msg, 12));
}

static void short_words_equal_the_bytes(void **state)
{
    (void)state;
    uint8_t key[16], msg[16];
    for (int trial = 0; trial < 64; trial++) {
        for (int i = 0; i < 16; i++) {
            key[i] = (uint8_t)(trial * 29 + i * 13);
            msg[i] = (uint8_t)(trial * 97 + i * 5 + 1);
        }
        for (size_t len = 8; len <= 15; len++) {
            uint64_t a = 0, b = 0;
            for (int i = 7; i >= 0; i--)
                a = a << 8 | msg[i];
            for (size_t i = len; i-- > 8;)
                b = b << 8 | msg[i];
            if (vg_siphash24_key_u64x2(key, a, b, len) != vg_siphash24(key, msg, len))
                fail_msg("trial %d, length %zu: the words' hash differs from the octets'", trial, len);
            if (vg_siphash13_key_u64x2_len(key, a, b, len) != vg_siphash13(key, msg, len))
                fail_msg("trial %d, length %zu: the words' SipHash-1-3 differs from the octets'",
                         trial, len);
        }
    }
}

static void paper_appendix_example(void **state)
{
    (void)state;
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    assert_true(vg_siphash24(key, msg, sizeof msg) == 0xa129ca6149be45e5ull);
}

static void one_key_bit_changes_the_output(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, msg[12] = {192, 0, 2, 2, 0xc0, 0x00, 198, 51, 100, 7, 0x00, 0x50};
    uint64_t base = vg_siphash24(key, msg, sizeof msg);
    for (int bit = 0; bit < 128; bit++) {
        key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_true(vg_siphash24(key, msg, sizeof msg) != base);
        key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_vectors_all_64_lengths),
        cmocka_unit_test(paper_appendix_example),
        cmocka_unit_test(siphash13_reference_vectors),
        cmocka_unit_test(short_words_equal_the_bytes),
        cmocka_unit_test(one_key_bit_changes_the_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
