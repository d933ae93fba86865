/* UTF-16LE to UTF-8, for registry exports that regedit writes in UTF-16 (spec C3). */
#ifndef VG_STACK_UTF16_H
#define VG_STACK_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* Decodes len bytes (len even; no byte-order mark expected) into a malloc'd UTF-8 buffer of
 * *outlen bytes (not NUL-terminated). Unpaired surrogates become U+FFFD: they can only occur in
 * data the loader ignores, and rejecting a whole export for them would be unhelpful.
 * Returns 0, or -1 when memory runs out or len is odd. */
int vg_utf16le_to_utf8(const uint8_t *in, size_t len, char **out, size_t *outlen);

#endif
