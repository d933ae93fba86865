/* pcapng files (draft-ietf-opsawg-pcapng): a Section Header Block, one Interface Description
 * Block, then an Enhanced Packet Block per packet. Fields are written little-endian whatever the
 * host, so the same run gives the same bytes everywhere; readers detect the byte order from the
 * section's magic. The interface keeps the default timestamp resolution, microseconds. */
#include "link/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define SNAPLEN 65535u
#define LINKTYPE_RAW 101u
/* An option's value is at most 65535 bytes; a comment is cut there. */
#define OPT_MAX 65532u

struct vg_pcap {
    FILE *f;
    uint64_t count, commented;
    int failed;          /* a write failed: close reports it */
};

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static size_t pad4(size_t n) { return (n + 3u) & ~(size_t)3u; }

/* A string option (code, length, value padded to 32 bits) at p; returns its size. */
static size_t put_opt(uint8_t *p, uint16_t code, const char *s, size_t len)
{
    put_le16(p, code);
    put_le16(p + 2, (uint16_t)len);
    memcpy(p + 4, s, len);
    memset(p + 4 + len, 0, pad4(len) - len);
    return 4 + pad4(len);
}

static int put(struct vg_pcap *p, const void *b, size_t n)
{
    if (n && fwrite(b, n, 1, p->f) != 1) {
        p->failed = 1;
        return -1;
    }
    return 0;
}

static int write_headers(struct vg_pcap *p)
{
    static const char appl[] = "vigil";
    static const char ifname[] = "vigil";
    uint8_t shb[64], idb[48];
    size_t n = 8;
    put_le32(shb, BT_SHB);
    put_le32(shb + n, BYTE_ORDER_MAGIC);
    put_le16(shb + n + 4, 1);                  /* version 1.0 */
    put_le16(shb + n + 6, 0);
    put_le32(shb + n + 8, 0xffffffffu);        /* section length: not given */
    put_le32(shb + n + 12, 0xffffffffu);
    n += 16;
    n += put_opt(shb + n, SHB_USERAPPL, appl, sizeof appl - 1);
    n += put_opt(shb + n, OPT_END, "", 0);
    put_le32(shb + 4, (uint32_t)(n + 4));
    put_le32(shb + n, (uint32_t)(n + 4));
    n += 4;
    size_t m = 8;
    put_le32(idb, BT_IDB);
    put_le16(idb + m, LINKTYPE_RAW);
    put_le16(idb + m + 2, 0);
    put_le32(idb + m + 4, SNAPLEN);
    m += 8;
    m += put_opt(idb + m, IF_NAME, ifname, sizeof ifname - 1);
    m += put_opt(idb + m, OPT_END, "", 0);
    put_le32(idb + 4, (uint32_t)(m + 4));
    put_le32(idb + m, (uint32_t)(m + 4));
    m += 4;
    return put(p, shb, n) || put(p, idb, m) ? -1 : 0;
}

struct vg_pcap *vg_pcap_open(const char *path)
{
    struct vg_pcap *p = calloc(1, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    p->f = fopen(path, "wb");
    if (!p->f || write_headers(p) != 0) {
        int e = errno;
        if (p->f)
            fclose(p->f);
        free(p);
        errno = e;
        return NULL;
    }
    return p;
}

int vg_pcap_write_comment(struct vg_pcap *p, uint64_t t_us, const uint8_t *pkt, size_t len,
                          const char *comment)
{
    if (!p || (!pkt && len))
        return -1;
    uint32_t incl = len > SNAPLEN ? SNAPLEN : (uint32_t)len;
    uint32_t orig = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    size_t clen = comment ? strlen(comment) : 0;
    if (clen > OPT_MAX)
        clen = OPT_MAX;
    size_t opts = clen ? 4 + pad4(clen) + 4 : 0;
    size_t total = 28 + pad4(incl) + opts + 4;
    uint8_t h[28], tail[4];
    put_le32(h, BT_EPB);
    put_le32(h + 4, (uint32_t)total);
    put_le32(h + 8, 0);                          /* interface 0 */
    put_le32(h + 12, (uint32_t)(t_us >> 32));
    put_le32(h + 16, (uint32_t)t_us);
    put_le32(h + 20, incl);
    put_le32(h + 24, orig);
    static const uint8_t zero[4];
    if (put(p, h, sizeof h) || put(p, pkt, incl) || put(p, zero, pad4(incl) - incl))
        return -1;
    if (clen) {
        uint8_t oh[4], end[4];
        put_le16(oh, OPT_COMMENT);
        put_le16(oh + 2, (uint16_t)clen);
        put_le16(end, OPT_END);
        put_le16(end + 2, 0);
        if (put(p, oh, 4) || put(p, comment, clen) || put(p, zero, pad4(clen) - clen) ||
            put(p, end, 4))
            return -1;
        p->commented++;
    }
    put_le32(tail, (uint32_t)total);
    if (put(p, tail, 4))
        return -1;
    p->count++;
    return 0;
}

int vg_pcap_write(struct vg_pcap *p, uint64_t t_us, const uint8_t *pkt, size_t len)
{
    return vg_pcap_write_comment(p, t_us, pkt, len, NULL);
}

uint64_t vg_pcap_count(const struct vg_pcap *p) { return p ? p->count : 0; }

uint64_t vg_pcap_commented(const struct vg_pcap *p) { return p ? p->commented : 0; }

int vg_pcap_close(struct vg_pcap *p)
{
    if (!p)
        return 0;
    int rc = p->failed ? -1 : 0;
    if (fclose(p->f) != 0)
        rc = -1;
    free(p);
    return rc;
}
