/* The inner loops run over one row at a time with the row's word fixed: a load, an XOR and a
 * store (or an OR into a difference), which the compiler turns into vector code. */
#include "cli_stream.h"

#include <string.h>

#include "cli_pattern.h"

void cli_stream_init(struct cli_stream *s, uint64_t key)
{
    s->key = key;
    for (uint64_t j = 0; j < CLI_STREAM_ROW; j++)
        s->row[j] = cli_pattern_word(key, j);
}

static uint64_t word_at(const struct cli_stream *s, uint64_t w)
{
    return s->row[w % CLI_STREAM_ROW] ^ cli_pattern_word(s->key, CLI_STREAM_ROW + w / CLI_STREAM_ROW);
}

/* Bytes [i, i + n) of the stream, all in one word (the ends of an unaligned buffer). */
static void fill_part(const struct cli_stream *s, uint64_t i, uint8_t *p, size_t n)
{
    uint64_t v = word_at(s, i >> 3) >> ((i & 7) * 8);
    for (size_t k = 0; k < n; k++, v >>= 8)
        p[k] = (uint8_t)v;
}

/* The index of the first of those n bytes that differs, or n. */
static size_t check_part(const struct cli_stream *s, uint64_t i, const uint8_t *p, size_t n)
{
    uint64_t v = word_at(s, i >> 3) >> ((i & 7) * 8);
    size_t k = 0;
    for (; k < n && p[k] == (uint8_t)v; k++, v >>= 8)
        ;
    return k;
}

/* How many bytes from offset on, at most len, lie in offset's word. */
static size_t in_word(uint64_t offset, size_t len)
{
    size_t n = 8 - (size_t)(offset & 7);
    return n < len ? n : len;
}

/* Loops of a fixed BLOCK words with restrict pointers are what compilers vectorize at -O2. */
#define BLOCK 8

static void fill_block(uint8_t *restrict p, const uint64_t *restrict row, uint64_t r)
{
    for (size_t k = 0; k < BLOCK; k++)
        cli_store_le64(p + 8 * k, row[k] ^ r);
}

static uint64_t block_diff(const uint8_t *restrict p, const uint64_t *restrict row, uint64_t r)
{
    uint64_t d = 0;
    for (size_t k = 0; k < BLOCK; k++)
        d |= cli_load_le64(p + 8 * k) ^ row[k] ^ r;
    return d;
}

/* Whole words from word w on, n of them, all in w's row. */
static void fill_row(const struct cli_stream *s, uint64_t w, uint8_t *p, size_t n)
{
    const uint64_t *row = s->row + w % CLI_STREAM_ROW;
    uint64_t r = cli_pattern_word(s->key, CLI_STREAM_ROW + w / CLI_STREAM_ROW);
    size_t k = 0;
    for (; n - k >= BLOCK; k += BLOCK)
        fill_block(p + 8 * k, row + k, r);
    for (; k < n; k++)
        cli_store_le64(p + 8 * k, row[k] ^ r);
}

static int row_differs(const struct cli_stream *s, uint64_t w, const uint8_t *p, size_t n)
{
    const uint64_t *row = s->row + w % CLI_STREAM_ROW;
    uint64_t r = cli_pattern_word(s->key, CLI_STREAM_ROW + w / CLI_STREAM_ROW), d = 0;
    size_t k = 0;
    for (; n - k >= BLOCK; k += BLOCK)
        d |= block_diff(p + 8 * k, row + k, r);
    for (; k < n; k++)
        d |= cli_load_le64(p + 8 * k) ^ row[k] ^ r;
    return d != 0;
}

/* Words from w on that fit in len bytes and in w's row, at most 64 (a difference is found
 * within 512 bytes of it). */
static size_t run_of(uint64_t w, size_t len, size_t most)
{
    size_t n = len / 8, left = CLI_STREAM_ROW - (size_t)(w % CLI_STREAM_ROW);
    n = n < left ? n : left;
    return n < most ? n : most;
}

void cli_stream_fill(const struct cli_stream *s, uint64_t offset, uint8_t *buf, size_t len)
{
    size_t i = 0;
    if (offset & 7) {
        i = in_word(offset, len);
        fill_part(s, offset, buf, i);
    }
    for (size_t n; (n = run_of((offset + i) >> 3, len - i, CLI_STREAM_ROW)) > 0; i += 8 * n)
        fill_row(s, (offset + i) >> 3, buf + i, n);
    if (i < len)
        fill_part(s, offset + i, buf + i, len - i);
}

size_t cli_stream_check(const struct cli_stream *s, uint64_t offset, const uint8_t *buf,
                        size_t len)
{
    size_t i = 0;
    if (offset & 7) {
        size_t n = in_word(offset, len), k = check_part(s, offset, buf, n);
        if (k < n)
            return k;
        i = n;
    }
    for (size_t n; (n = run_of((offset + i) >> 3, len - i, 64)) > 0; i += 8 * n)
        if (row_differs(s, (offset + i) >> 3, buf + i, n))
            break;
    /* The first word that differs, or the tail, one word at a time. */
    while (i < len) {
        size_t n = in_word(offset + i, len - i), k = check_part(s, offset + i, buf + i, n);
        if (k < n)
            return i + k;
        i += n;
    }
    return len;
}
