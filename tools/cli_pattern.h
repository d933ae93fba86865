/* The byte stream that `vigil connect --send-bytes` and the test peers send: byte i is a fixed
 * function of i, so a receiver checks any stretch of the stream without the sender's state, and
 * a lost, duplicated or misplaced segment shows up at its offset. Plain C, no vigil headers, so a
 * Linux-side peer program can compile it too. */
#ifndef VG_CLI_PATTERN_H
#define VG_CLI_PATTERN_H

#include <stddef.h>
#include <stdint.h>

void cli_pattern_fill(uint64_t offset, uint8_t *buf, size_t len);
/* The index in buf of the first byte that is not the pattern's, or len if all are. */
size_t cli_pattern_check(uint64_t offset, const uint8_t *buf, size_t len);

#endif
