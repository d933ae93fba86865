/* The receiving end of `vigil transfer`: checks a stream read in pieces of any size against the
 * keyed stream (cli_stream.h) and remembers where it first differs. A flipped, lost,
 * duplicated or misplaced byte makes the stream differ at (or, when the displaced bytes happen
 * to be equal, a few bytes after) its offset; a byte past the expected length differs at that
 * length. */
#ifndef VG_CLI_VERIFY_H
#define VG_CLI_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "cli_stream.h"

#define CLI_VERIFY_NONE UINT64_MAX

struct cli_verify {
    struct cli_stream stream;
    uint64_t expected;     /* the stream's length */
    uint64_t offset;       /* bytes fed so far */
    uint64_t first_diff;   /* offset of the first byte that differs, or CLI_VERIFY_NONE */
};

void cli_verify_init(struct cli_verify *v, uint64_t key, uint64_t expected);
/* The next len bytes of the stream. Returns 0 while every byte fed agrees, -1 once one has
 * differed; bytes after the first difference are counted but not checked. */
int cli_verify_feed(struct cli_verify *v, const uint8_t *buf, size_t len);

#endif
