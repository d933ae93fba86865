/* The byte stream that `vigil connect --send-bytes` and the test peers send: byte i is a fixed
 * function of i (and of a key), so a receiver checks any stretch of the stream without the
 * sender's state, and a lost, duplicated or misplaced segment shows up at its offset. Generating
 * and checking cost a 64-bit mix (three multiplications) per 8 bytes; `vigil transfer`'s stream
 * (cli_stream.h) is built from these words and costs less. Plain C, no vigil headers, so a
 * Linux-side peer program can compile it too. */
#ifndef VG_CLI_PATTERN_H
#define VG_CLI_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The stream is little-endian whatever the host: on a little-endian host a word is one copy. */
static inline void cli_store_le64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 8);
#else
    for (int k = 0; k < 8; k++)
        p[k] = (uint8_t)(v >> (8 * k));
#endif
}

static inline uint64_t cli_load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
#endif
}

/* Aligned 8-byte word w of the stream keyed by key, as a little-endian number: splitmix64's
 * finaliser of (w ^ key) * 0x9e3779b97f4a7c15 + 0x632be59bd9b4e019. Byte i is byte i % 8 of word
 * i / 8. Key 0 is the unkeyed stream of cli_pattern_fill (what the wire commands send). */
uint64_t cli_pattern_word(uint64_t key, uint64_t w);

void cli_pattern_fill_keyed(uint64_t key, uint64_t offset, uint8_t *buf, size_t len);
/* The index in buf of the first byte that is not the stream's, or len if all are. */
size_t cli_pattern_check_keyed(uint64_t key, uint64_t offset, const uint8_t *buf, size_t len);

/* The same with key 0. */
void cli_pattern_fill(uint64_t offset, uint8_t *buf, size_t len);
size_t cli_pattern_check(uint64_t offset, const uint8_t *buf, size_t len);

#endif
