/* Each word is computed from its index alone, so consecutive words have no dependency between
 * them and the CPU overlaps their multiplications; the check compares whole words and looks at
 * single bytes only in the word where the first difference is. */
#include "cli_pattern.h"

#include <string.h>

uint64_t cli_pattern_word(uint64_t key, uint64_t w)
{
    uint64_t z = (w ^ key) * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint8_t byte_at(uint64_t key, uint64_t i)
{
    return (uint8_t)(cli_pattern_word(key, i >> 3) >> ((i & 7) * 8));
}

void cli_pattern_fill_keyed(uint64_t key, uint64_t offset, uint8_t *buf, size_t len)
{
    size_t i = 0;
    for (; i < len && ((offset + i) & 7); i++)
        buf[i] = byte_at(key, offset + i);
    uint64_t w = (offset + i) >> 3;
    for (; len - i >= 8; i += 8, w++)
        cli_store_le64(buf + i, cli_pattern_word(key, w));
    for (; i < len; i++)
        buf[i] = byte_at(key, offset + i);
}

size_t cli_pattern_check_keyed(uint64_t key, uint64_t offset, const uint8_t *buf, size_t len)
{
    size_t i = 0;
    for (; i < len && ((offset + i) & 7); i++)
        if (buf[i] != byte_at(key, offset + i))
            return i;
    uint64_t w = (offset + i) >> 3;
    /* Four words per branch; a difference in them drops to the word loop, which stops at the
     * differing word, and the byte loop finds the byte in it. */
    for (; len - i >= 32; i += 32, w += 4) {
        uint64_t d = (cli_load_le64(buf + i) ^ cli_pattern_word(key, w)) |
                     (cli_load_le64(buf + i + 8) ^ cli_pattern_word(key, w + 1)) |
                     (cli_load_le64(buf + i + 16) ^ cli_pattern_word(key, w + 2)) |
                     (cli_load_le64(buf + i + 24) ^ cli_pattern_word(key, w + 3));
        if (d)
            break;
    }
    for (; len - i >= 8; i += 8, w++)
        if (cli_load_le64(buf + i) != cli_pattern_word(key, w))
            break;
    for (; i < len; i++)
        if (buf[i] != byte_at(key, offset + i))
            return i;
    return len;
}

void cli_pattern_fill(uint64_t offset, uint8_t *buf, size_t len)
{
    cli_pattern_fill_keyed(0, offset, buf, len);
}

size_t cli_pattern_check(uint64_t offset, const uint8_t *buf, size_t len)
{
    return cli_pattern_check_keyed(0, offset, buf, len);
}
