/* DNS messages (RFC 1035 §4): the query the stub resolver sends and the checks its answer must
 * pass before a single address is believed. Every read is bounded by the message's length; a
 * compression pointer must point before the last one followed, so no name can loop. */
#include <stdio.h>
#include <string.h>

#include "api/ws_dns_wire.h"
#include "wire/wire.h"

#define HDR_LEN 12
#define FLAG_QR 0x8000u
#define FLAG_OPCODE 0x7800u
#define FLAG_TC 0x0200u
#define FLAG_RD 0x0100u
#define LABEL_MAX 63
#define WIRE_NAME_MAX 255         /* RFC 1035 §3.1: the encoded name, length octets included */
#define RECORDS_MAX 64            /* answer records remembered for following a CNAME chain */



int vg_dns_name_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

int vg_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        n--;                      /* "example.com." is the same absolute name */
    if (n == 0 || n + 2 > WIRE_NAME_MAX || cap < HDR_LEN + n + 2 + 4)
        return -1;
    memset(buf, 0, HDR_LEN);
    vg_put16(buf, id);
    vg_put16(buf + 2, FLAG_RD);
    vg_put16(buf + 4, 1);
    size_t o = HDR_LEN;
    size_t start = 0;
    while (start <= n) {
        size_t end = start;
        while (end < n && name[end] != '.')
            end++;
        size_t l = end - start;
        if (l == 0 || l > LABEL_MAX)
            return -1;
        buf[o++] = (uint8_t)l;
        memcpy(buf + o, name + start, l);
        o += l;
        start = end + 1;
    }
    buf[o++] = 0;
    vg_put16(buf + o, qtype);
    vg_put16(buf + o + 2, VG_DNS_CLASS_IN);
    return (int)(o + 4);
}

/* Decodes the name at off into out (dotted, no trailing dot; "" for the root). *end: the
 * offset after the name where it is written (not where a pointer led). -1 when malformed. */
static int read_name(const uint8_t *m, size_t len, size_t off, char *out, size_t *end)
{
    size_t o = 0, pos = off, limit = off, wire = 0;
    int jumped = 0;
    for (;;) {
        if (pos >= len)
            return -1;
        uint8_t l = m[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 1 >= len)
                return -1;
            size_t ptr = (size_t)(l & 0x3f) << 8 | m[pos + 1];
            if (!jumped && end)
                *end = pos + 2;
            if (ptr >= limit)     /* forwards, or back into what was read: a loop */
                return -1;
            limit = pos = ptr;
            jumped = 1;
            continue;
        }
        if (l & 0xc0)             /* the reserved label types 01 and 10 */
            return -1;
        wire += 1u + l;
        if (wire > WIRE_NAME_MAX)
            return -1;
        if (l == 0) {
            if (!jumped && end)
                *end = pos + 1;
            out[o] = '\0';
            return 0;
        }
        if (pos + 1 + l > len)
            return -1;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            char c = (char)m[pos + 1 + i];
            if (c == '.' || c == '\0')   /* would make two names compare equal that differ */
                return -1;
            out[o++] = c;
        }
        pos += 1u + l;
    }
}

struct record {
    size_t owner;                 /* offset of the owner name */
    uint16_t type;
    size_t rdata;
    uint16_t rdlen;
};

/* The answer records, bounds-checked; how many were kept (at most RECORDS_MAX), -1 when
 * malformed. */
static int read_records(const uint8_t *m, size_t len, size_t off, unsigned count,
                        struct record *rec)
{
    char scratch[VG_DNS_NAME_MAX + 1];
    int kept = 0;
    for (unsigned i = 0; i < count; i++) {
        size_t after;
        if (read_name(m, len, off, scratch, &after) < 0 || after + 10 > len)
            return -1;
        uint16_t type = vg_get16(m + after), cls = vg_get16(m + after + 2);
        uint16_t rdlen = vg_get16(m + after + 8);
        size_t rdata = after + 10;
        if (rdata + rdlen > len)
            return -1;
        if (cls == VG_DNS_CLASS_IN && kept < RECORDS_MAX) {
            rec[kept].owner = off;
            rec[kept].type = type;
            rec[kept].rdata = rdata;
            rec[kept].rdlen = rdlen;
            kept++;
        }
        off = rdata + rdlen;
    }
    return kept;
}

enum vg_dns_verdict vg_dns_parse_answer(const uint8_t *m, size_t len, uint16_t id,
                                        const char *name, uint16_t qtype,
                                        struct vg_dns_answer *out)
{
    memset(out, 0, sizeof *out);
    if (len < HDR_LEN || vg_get16(m) != id)
        return VG_DNS_NOT_OURS;
    uint16_t flags = vg_get16(m + 2);
    if (!(flags & FLAG_QR) || (flags & FLAG_OPCODE) || vg_get16(m + 4) != 1)
        return VG_DNS_NOT_OURS;
    /* The question must be ours, echoed: anything else is an answer to some other query. */
    char qname[VG_DNS_NAME_MAX + 1], want[VG_DNS_NAME_MAX + 1];
    size_t off;
    if (read_name(m, len, HDR_LEN, qname, &off) < 0 || off + 4 > len)
        return VG_DNS_NOT_OURS;
    size_t wl = strlen(name);
    if (wl && name[wl - 1] == '.')
        wl--;
    if (wl > VG_DNS_NAME_MAX)
        return VG_DNS_NOT_OURS;
    memcpy(want, name, wl);
    want[wl] = '\0';
    if (!vg_dns_name_eq(qname, want) || vg_get16(m + off) != qtype ||
        vg_get16(m + off + 2) != VG_DNS_CLASS_IN)
        return VG_DNS_NOT_OURS;
    off += 4;
    out->rcode = flags & 0x000f;
    out->truncated = (flags & FLAG_TC) != 0;
    memcpy(out->canon, want, wl + 1);
    if (out->truncated || out->rcode != VG_DNS_RCODE_NOERROR)
        return VG_DNS_ANSWER;
    struct record rec[RECORDS_MAX];
    int n = read_records(m, len, off, vg_get16(m + 6), rec);
    if (n < 0)
        return VG_DNS_MALFORMED;
    /* Follow the chain from the question's name: its records of qtype, or its CNAME. */
    char owner[VG_DNS_NAME_MAX + 1], target[VG_DNS_NAME_MAX + 1];
    memcpy(target, want, wl + 1);
    for (int hop = 0; hop <= VG_DNS_CHAIN_MAX; hop++) {
        const struct record *cname = NULL;
        for (int i = 0; i < n; i++) {
            if (read_name(m, len, rec[i].owner, owner, NULL) < 0)
                return VG_DNS_MALFORMED;
            if (!vg_dns_name_eq(owner, target))
                continue;
            if (rec[i].type == qtype && qtype == VG_DNS_TYPE_A) {
                if (rec[i].rdlen != 4)
                    return VG_DNS_MALFORMED;
                const uint8_t *a = m + rec[i].rdata;
                if (out->naddrs < VG_DNS_ADDRS_MAX)
                    out->addrs[out->naddrs++] =
                        (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
            } else if (rec[i].type == qtype && qtype == VG_DNS_TYPE_AAAA) {
                if (rec[i].rdlen != 16)
                    return VG_DNS_MALFORMED;
                if (out->naddrs6 < VG_DNS_ADDRS_MAX)
                    memcpy(out->addrs6[out->naddrs6++], m + rec[i].rdata, 16);
            } else if (rec[i].type == qtype && qtype == VG_DNS_TYPE_PTR && !out->ptr[0]) {
                size_t end;
                if (read_name(m, len, rec[i].rdata, out->ptr, &end) < 0 ||
                    end != rec[i].rdata + rec[i].rdlen)
                    return VG_DNS_MALFORMED;
            } else if (rec[i].type == VG_DNS_TYPE_CNAME && !cname) {
                cname = &rec[i];
            }
        }
        if (out->naddrs || out->naddrs6 || out->ptr[0] || !cname)
            break;
        size_t end;
        if (read_name(m, len, cname->rdata, target, &end) < 0 ||
            end != cname->rdata + cname->rdlen)
            return VG_DNS_MALFORMED;
        memcpy(out->canon, target, strlen(target) + 1);
    }
    return VG_DNS_ANSWER;
}

void vg_dns_ptr_name(uint32_t addr, char out[32])
{
    snprintf(out, 32, "%u.%u.%u.%u.in-addr.arpa", (unsigned)(addr & 0xff),
             (unsigned)(addr >> 8 & 0xff), (unsigned)(addr >> 16 & 0xff), (unsigned)(addr >> 24));
}

void vg_dns_ptr6_name(const uint8_t addr[16], char out[VG_DNS_PTR6_LEN])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 15; i >= 0; i--) {
        out[o++] = hex[addr[i] & 0xf];
        out[o++] = '.';
        out[o++] = hex[addr[i] >> 4];
        out[o++] = '.';
    }
    memcpy(out + o, "ip6.arpa", sizeof "ip6.arpa");
}
