/* The content `vigil transfer` sends and checks: a stream keyed by the seed, cheap enough that
 * generating and checking it cost little next to the stacks. Aligned 8-byte word i of the stream,
 * as a little-endian number, is
 *     cli_pattern_word(key, i % CLI_STREAM_ROW) ^ cli_pattern_word(key, CLI_STREAM_ROW + i / CLI_STREAM_ROW)
 * (cli_pattern.h): a row of CLI_STREAM_ROW words computed once, and per row of the stream one
 * more word, so each word costs a load and an XOR; both terms differ for every two offsets of a
 * stream shorter than 2^64 / 8 bytes, so a byte out of place differs (unless it happens to equal
 * the byte it displaces). Plain C, no vigil headers. */
#ifndef VG_CLI_STREAM_H
#define VG_CLI_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define CLI_STREAM_ROW 512   /* words: 4 KiB, in L1 next to the buffers it is compared with */

struct cli_stream {
    uint64_t key;
    uint64_t row[CLI_STREAM_ROW];
};

void cli_stream_init(struct cli_stream *s, uint64_t key);
void cli_stream_fill(const struct cli_stream *s, uint64_t offset, uint8_t *buf, size_t len);
/* The index in buf of the first byte that is not the stream's, or len if all are. */
size_t cli_stream_check(const struct cli_stream *s, uint64_t offset, const uint8_t *buf,
                        size_t len);

#endif
