/* Classic libpcap files. Fields are written little-endian whatever the host, so the same run
 * gives the same bytes everywhere; readers detect the byte order from the magic. */
#include "link/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_SNAPLEN 65535u
#define LINKTYPE_RAW 101u

struct vg_pcap {
    FILE *f;
    uint64_t count;
    int failed;          /* a write failed: close reports it */
};

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

struct vg_pcap *vg_pcap_open(const char *path)
{
    struct vg_pcap *p = calloc(1, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    p->f = fopen(path, "wb");
    if (!p->f) {
        int e = errno;
        free(p);
        errno = e;
        return NULL;
    }
    uint8_t h[24];
    put_le32(h, PCAP_MAGIC_US);
    put_le16(h + 4, 2);                 /* version 2.4 */
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);                 /* thiszone: timestamps are UTC */
    put_le32(h + 12, 0);                /* sigfigs */
    put_le32(h + 16, PCAP_SNAPLEN);
    put_le32(h + 20, LINKTYPE_RAW);
    if (fwrite(h, sizeof h, 1, p->f) != 1) {
        int e = errno;
        fclose(p->f);
        free(p);
        errno = e;
        return NULL;
    }
    return p;
}

int vg_pcap_write(struct vg_pcap *p, uint64_t t_us, const uint8_t *pkt, size_t len)
{
    if (!p || (!pkt && len))
        return -1;
    uint32_t incl = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
    uint32_t orig = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint8_t h[16];
    put_le32(h, (uint32_t)(t_us / 1000000u));
    put_le32(h + 4, (uint32_t)(t_us % 1000000u));
    put_le32(h + 8, incl);
    put_le32(h + 12, orig);
    if (fwrite(h, sizeof h, 1, p->f) != 1 || (incl && fwrite(pkt, incl, 1, p->f) != 1)) {
        p->failed = 1;
        return -1;
    }
    p->count++;
    return 0;
}

uint64_t vg_pcap_count(const struct vg_pcap *p) { return p ? p->count : 0; }

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
