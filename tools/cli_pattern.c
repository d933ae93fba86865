/* Each aligned 8-byte word of the stream is a 64-bit mix (splitmix64's finaliser) of its index. */
#include "cli_pattern.h"

static uint64_t word(uint64_t index)
{
    uint64_t z = index * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint8_t byte_at(uint64_t i)
{
    return (uint8_t)(word(i >> 3) >> ((i & 7) * 8));
}

void cli_pattern_fill(uint64_t offset, uint8_t *buf, size_t len)
{
    size_t i = 0;
    for (; i < len && ((offset + i) & 7); i++)
        buf[i] = byte_at(offset + i);
    for (; len - i >= 8; i += 8) {
        uint64_t w = word((offset + i) >> 3);
        for (int k = 0; k < 8; k++)
            buf[i + (size_t)k] = (uint8_t)(w >> (8 * k));
    }
    for (; i < len; i++)
        buf[i] = byte_at(offset + i);
}

size_t cli_pattern_check(uint64_t offset, const uint8_t *buf, size_t len)
{
    uint8_t expect[4096];
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof expect ? len - done : sizeof expect;
        cli_pattern_fill(offset + done, expect, n);
        for (size_t k = 0; k < n; k++)
            if (buf[done + k] != expect[k])
                return done + k;
        done += n;
    }
    return len;
}
