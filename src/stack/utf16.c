/* UTF-16LE to UTF-8 (RFC 2781 for the surrogates, RFC 3629 for the encoding). */
#include "stack/utf16.h"

#include <stdlib.h>

#define REPLACEMENT_CHAR 0xfffdu

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

int vg_utf16le_to_utf8(const uint8_t *in, size_t len, char **out, size_t *outlen)
{
    if (len % 2 != 0)
        return -1;
    size_t units = len / 2;
    /* One unit never needs more than 3 bytes; a surrogate pair is two units and 4 bytes. */
    if (units > (SIZE_MAX - 1) / 3)
        return -1;
    char *buf = malloc(units * 3 + 1);
    if (!buf)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;
        if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
            uint32_t lo = (uint32_t)in[2 * i + 2] | (uint32_t)in[2 * i + 3] << 8;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                i++;
            } else {
                u = REPLACEMENT_CHAR;
            }
        } else if (u >= 0xd800 && u <= 0xdfff) {
            u = REPLACEMENT_CHAR;
        }
        n += put_utf8(buf + n, u);
    }
    *out = buf;
    *outlen = n;
    return 0;
}
