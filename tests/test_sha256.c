/* SHA-256 against the FIPS 180-4 / NIST example vectors, padding boundaries, and incremental
 * hashing in arbitrary pieces (the transfer check hashes streams chunk by chunk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/prng.h"
#include "util/sha256.h"

static void assert_hex(const uint8_t d[VG_SHA256_LEN], const char *want)
{
    char hex[VG_SHA256_HEX_LEN];
    vg_sha256_hex(d, hex);
    assert_string_equal(hex, want);
}

static void nist_abc(void **state)
{
    (void)state;
    uint8_t d[VG_SHA256_LEN];
    vg_sha256("abc", 3, d);
    assert_hex(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void nist_448_bit_message(void **state)
{
    (void)state;
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    uint8_t d[VG_SHA256_LEN];
    assert_int_equal(strlen(m) * 8, 448);
    vg_sha256(m, strlen(m), d);
    assert_hex(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void nist_896_bit_message(void **state)
{
    (void)state;
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                    "klmnopqrlmnopqrsmnopqrstnopqrstu";
    uint8_t d[VG_SHA256_LEN];
    vg_sha256(m, strlen(m), d);
    assert_hex(d, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void nist_one_million_a(void **state)
{
    (void)state;
    /* Fed 1000 'a's at a time, as a stream would arrive. */
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct vg_sha256 c;
    vg_sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        vg_sha256_update(&c, chunk, sizeof chunk);
    uint8_t d[VG_SHA256_LEN];
    vg_sha256_final(&c, d);
    assert_hex(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the 55/56 and 64-byte padding edges, where the length field spills into a
 * second block (reference digests from an independent implementation). */
static void padding_boundaries(void **state)
{
    (void)state;
    static const struct { size_t n; const char *hex; } v[] = {
        {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char a[128];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t d[VG_SHA256_LEN];
        vg_sha256(a, v[i].n, d);
        assert_hex(d, v[i].hex);
    }
}

static void incremental_pieces_equal_one_shot(void **state)
{
    (void)state;
    enum { N = 5000 };
    uint8_t *buf = malloc(N);
    assert_non_null(buf);
    struct vg_prng r;
    vg_prng_seed(&r, 42);
    for (size_t i = 0; i < N; i++)
        buf[i] = (uint8_t)vg_prng_next(&r);
    uint8_t want[VG_SHA256_LEN];
    vg_sha256(buf, N, want);
    for (int trial = 0; trial < 200; trial++) {
        struct vg_sha256 c;
        vg_sha256_init(&c);
        size_t off = 0;
        while (off < N) {
            size_t take = (size_t)vg_prng_below(&r, 150);
            if (take > N - off)
                take = N - off;
            vg_sha256_update(&c, buf + off, take);
            off += take;
        }
        uint8_t got[VG_SHA256_LEN];
        vg_sha256_final(&c, got);
        assert_memory_equal(got, want, VG_SHA256_LEN);
    }
    free(buf);
}

static void one_bit_changes_the_digest(void **state)
{
    (void)state;
    uint8_t m[100] = {0}, d1[VG_SHA256_LEN], d2[VG_SHA256_LEN];
    vg_sha256(m, sizeof m, d1);
    m[73] ^= 0x10;
    vg_sha256(m, sizeof m, d2);
    assert_memory_not_equal(d1, d2, VG_SHA256_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nist_abc),
        cmocka_unit_test(nist_448_bit_message),
        cmocka_unit_test(nist_896_bit_message),
        cmocka_unit_test(nist_one_million_a),
        cmocka_unit_test(padding_boundaries),
        cmocka_unit_test(incremental_pieces_equal_one_shot),
        cmocka_unit_test(one_bit_changes_the_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
