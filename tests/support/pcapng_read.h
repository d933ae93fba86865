/* A pcapng reader for the tests, strict where vigil's writer is: little-endian, one section,
 * interfaces before packets, every block's two length fields equal. */
#ifndef VG_TEST_PCAPNG_READ_H
#define VG_TEST_PCAPNG_READ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pcapng_rec {
    uint64_t t_us;                /* the interface's default resolution: microseconds */
    uint32_t incl, orig;
    const uint8_t *data;
    const char *comment;          /* NULL when none; not NUL-terminated */
    size_t comment_len;
};

static inline uint32_t pcapng_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint16_t pcapng_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

/* The block at *off: its type and total length, checked; 0 at the end, -1 when malformed. */
static inline int pcapng_block(const uint8_t *b, size_t len, size_t off, uint32_t *type,
                               uint32_t *total)
{
    if (off == len)
        return 0;
    if (off + 12 > len)
        return -1;
    *type = pcapng_le32(b + off);
    *total = pcapng_le32(b + off + 4);
    if (*total < 12 || *total % 4 || off + *total > len ||
        pcapng_le32(b + off + *total - 4) != *total)
        return -1;
    return 1;
}

/* Checks the section header and the interface (LINKTYPE_RAW, snaplen 65535); returns the offset
 * of the first packet block, or 0 when the header is not what vigil writes. */
static inline size_t pcapng_header(const uint8_t *b, size_t len)
{
    uint32_t type, total;
    if (pcapng_block(b, len, 0, &type, &total) != 1 || type != 0x0a0d0d0au || total < 28 ||
        pcapng_le32(b + 8) != 0x1a2b3c4du || pcapng_le16(b + 12) != 1 || pcapng_le16(b + 14) != 0)
        return 0;
    size_t off = total;
    if (pcapng_block(b, len, off, &type, &total) != 1 || type != 1 || total < 20 ||
        pcapng_le16(b + off + 8) != 101 || pcapng_le32(b + off + 12) != 65535)
        return 0;
    return off + total;
}

/* The next Enhanced Packet Block from *off: 1 and *r, 0 at the end of the file, -1 if bad. */
static inline int pcapng_next(const uint8_t *b, size_t len, size_t *off, struct pcapng_rec *r)
{
    uint32_t type, total;
    int k = pcapng_block(b, len, *off, &type, &total);
    if (k <= 0)
        return k;
    const uint8_t *p = b + *off;
    if (type != 6 || total < 32)
        return -1;
    memset(r, 0, sizeof *r);
    if (pcapng_le32(p + 8) != 0)
        return -1;
    r->t_us = ((uint64_t)pcapng_le32(p + 12) << 32) | pcapng_le32(p + 16);
    r->incl = pcapng_le32(p + 20);
    r->orig = pcapng_le32(p + 24);
    size_t data_end = 28 + (((size_t)r->incl + 3) & ~(size_t)3);
    if (data_end + 4 > total)
        return -1;
    r->data = p + 28;
    size_t o = data_end;
    while (o + 4 <= total - 4) {
        uint16_t code = pcapng_le16(p + o), olen = pcapng_le16(p + o + 2);
        if (code == 0)
            break;
        if (o + 4 + olen > total - 4)
            return -1;
        if (code == 1) {
            r->comment = (const char *)(p + o + 4);
            r->comment_len = olen;
        }
        o += 4 + (((size_t)olen + 3) & ~(size_t)3);
    }
    *off += total;
    return 1;
}

#endif
