/* The stack's seeded PRNG (xoshiro256**, seeded through splitmix64): one per stack or network,
 * so a simulation with the same seed replays exactly. Not for cryptography. */
#ifndef VG_PRNG_H
#define VG_PRNG_H

#include <stdint.h>

struct vg_prng { uint64_t s[4]; };

static inline uint64_t vg_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void vg_prng_seed(struct vg_prng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = vg_splitmix64(&seed);
}

static inline uint64_t vg_rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t vg_prng_next(struct vg_prng *r)
{
    uint64_t *s = r->s;
    uint64_t result = vg_rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = vg_rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static inline double vg_prng_unit(struct vg_prng *r)
{
    return (double)(vg_prng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n), n > 0; the bias for n far below 2^64 is negligible here. */
static inline uint64_t vg_prng_below(struct vg_prng *r, uint64_t n) { return vg_prng_next(r) % n; }

#endif
