/* SipHash-c-d from the paper's description: four 64-bit words of state initialised from the
 * key and the constants "somepseudorandomlygeneratedbytes", c SipRounds per 8-octet
 * little-endian message word, the last word carrying the message length mod 256 in its top
 * octet, then 0xff into v2 and d SipRounds. SipHash-2-4 is the PRF; SipHash-1-3 the cheaper
 * variant for hash tables. */
#include "util/siphash.h"

#include <string.h>

static inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    if (first == 1)
        return v;   /* a little-endian host: the load is the word */
    v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The last 0..7 octets as the low octets of a little-endian word: in pieces of 4, 2 and 1, not
 * octet by octet (every table and ISN hash is short, so mostly tail). */
static inline uint64_t load_le_tail(const uint8_t *p, size_t n)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    if (first != 1) {
        uint64_t v = 0;
        for (size_t i = n; i-- > 0;)
            v = v << 8 | p[i];
        return v;
    }
    uint64_t v = 0;
    size_t at = 0;
    if (n & 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        v = w;
        at = 4;
    }
    if (n & 2) {
        uint16_t w;
        memcpy(&w, p + at, 2);
        v |= (uint64_t)w << (8 * at);
        at += 2;
    }
    if (n & 1)
        v |= (uint64_t)p[at] << (8 * at);
    return v;
}

struct sip { uint64_t v0, v1, v2, v3; };

static inline void sipround(struct sip *s)
{
    s->v0 += s->v1; s->v1 = rotl(s->v1, 13); s->v1 ^= s->v0; s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3; s->v3 = rotl(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = rotl(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = rotl(s->v1, 17); s->v1 ^= s->v2; s->v2 = rotl(s->v2, 32);
}

static inline void compress(struct sip *s, uint64_t m, int rounds)
{
    s->v3 ^= m;
    for (int i = 0; i < rounds; i++)
        sipround(s);
    s->v0 ^= m;
}

static inline struct sip sip_init(const uint8_t key[VG_SIPHASH_KEY_LEN])
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    struct sip s = {
        .v0 = k0 ^ 0x736f6d6570736575ull,
        .v1 = k1 ^ 0x646f72616e646f6dull,
        .v2 = k0 ^ 0x6c7967656e657261ull,
        .v3 = k1 ^ 0x7465646279746573ull,
    };
    return s;
}

static inline uint64_t sip_finish(struct sip *s, int d)
{
    s->v2 ^= 0xff;
    for (int i = 0; i < d; i++)
        sipround(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static inline uint64_t siphash_cd(const uint8_t key[VG_SIPHASH_KEY_LEN], const void *data,
                                  size_t len, int c, int d)
{
    const uint8_t *p = data;
    struct sip s = sip_init(key);
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8)
        compress(&s, load_le64(p + i), c);
    compress(&s, (uint64_t)(len & 0xff) << 56 | load_le_tail(p + whole, len & 7), c);
    return sip_finish(&s, d);
}

/* siphash_cd of an 8..15-octet message given as its two words (siphash.h). */
static inline uint64_t siphash_cd_words(const uint8_t key[VG_SIPHASH_KEY_LEN], uint64_t a,
                                        uint64_t b, size_t len, int c, int d)
{
    struct sip s = sip_init(key);
    compress(&s, a, c);
    compress(&s, (uint64_t)(len & 0xff) << 56 | b, c);
    return sip_finish(&s, d);
}

uint64_t vg_siphash24(const uint8_t key[VG_SIPHASH_KEY_LEN], const void *data, size_t len)
{
    return siphash_cd(key, data, len, 2, 4);
}

uint64_t vg_siphash13(const uint8_t key[VG_SIPHASH_KEY_LEN], const void *data, size_t len)
{
    return siphash_cd(key, data, len, 1, 3);
}

uint64_t vg_siphash24_key_u64x2(const uint8_t key[VG_SIPHASH_KEY_LEN], uint64_t a, uint64_t b,
                                size_t len)
{
    return siphash_cd_words(key, a, b, len, 2, 4);
}

uint64_t vg_siphash13_key_u64x2_len(const uint8_t key[VG_SIPHASH_KEY_LEN], uint64_t a, uint64_t b,
                                    size_t len)
{
    return siphash_cd_words(key, a, b, len, 1, 3);
}
