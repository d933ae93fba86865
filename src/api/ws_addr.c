/* The address conversions Winsock offers (inet_addr, inet_ntoa, inet_pton, inet_ntop; IPv6's
 * text forms are ws_addr6.c's); sockaddrs in and out of the calls are ws_sockaddr.c's. */
#include <stdio.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_addr6.h"

int ws_parse_dotted(const char *s, uint32_t *out)
{
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return -1;
        }
        if (digits == 0)
            return -1;
        a = a << 8 | v;
        if (part < 3 && *s++ != '.')
            return -1;
    }
    if (*s)
        return -1;
    *out = a;
    return 0;
}

/* inet_addr also takes the classic shorter forms (a, a.b, a.b.c) and octal or hex parts. */
static int parse_classic(const char *s, uint32_t *out)
{
    uint32_t part[4];
    int n = 0;
    for (;;) {
        if (n == 4)
            return -1;
        uint64_t v = 0;
        int base = 10, digits = 0;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            s += 2;
        } else if (s[0] == '0') {
            base = 8;
        }
        for (;; s++) {
            int d;
            if (*s >= '0' && *s <= '9')
                d = *s - '0';
            else if (base == 16 && *s >= 'a' && *s <= 'f')
                d = *s - 'a' + 10;
            else if (base == 16 && *s >= 'A' && *s <= 'F')
                d = *s - 'A' + 10;
            else
                break;
            if (d >= base)
                return -1;
            v = v * (unsigned)base + (unsigned)d;
            if (v > 0xffffffffu)
                return -1;
            digits++;
        }
        if (digits == 0 && base != 8)
            return -1;
        part[n++] = (uint32_t)v;
        if (*s == '.') {
            s++;
            continue;
        }
        break;
    }
    if (*s && *s != ' ')
        return -1;
    uint32_t a;
    switch (n) {
    case 1: a = part[0]; break;
    case 2:
        if (part[0] > 255 || part[1] > 0xffffff)
            return -1;
        a = part[0] << 24 | part[1];
        break;
    case 3:
        if (part[0] > 255 || part[1] > 255 || part[2] > 0xffff)
            return -1;
        a = part[0] << 24 | part[1] << 16 | part[2];
        break;
    default:
        for (int i = 0; i < 4; i++)
            if (part[i] > 255)
                return -1;
        a = part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3];
        break;
    }
    *out = a;
    return 0;
}

uint32_t vg_ws_inet_addr(const char *cp)
{
    uint32_t a;
    if (!cp || parse_classic(cp, &a) != 0)
        return VG_WS_INADDR_NONE;
    return vg_htonl(a);
}

char *vg_ws_inet_ntoa(struct vg_in_addr in)
{
    static _Thread_local char buf[16];
    uint32_t a = vg_ntohl(in.S_un.S_addr);
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}

int vg_ws_inet_pton(int af, const char *src, void *dst)
{
    if (af != VG_WS_AF_INET && af != VG_WS_AF_INET6) {
        ws_t.last_error = VG_WSAEAFNOSUPPORT;
        return -1;
    }
    if (!src || !dst) {
        ws_t.last_error = VG_WSAEFAULT;
        return -1;
    }
    if (af == VG_WS_AF_INET6) {
        uint8_t a6[16];
        if (ws_inet6_parse(src, a6) != 0)
            return 0;
        memcpy(dst, a6, sizeof a6);
        return 1;
    }
    uint32_t a;
    if (ws_parse_dotted(src, &a) != 0)
        return 0;
    a = vg_htonl(a);
    memcpy(dst, &a, sizeof a);
    return 1;
}

const char *vg_ws_inet_ntop(int af, const void *src, char *dst, size_t size)
{
    if (af != VG_WS_AF_INET && af != VG_WS_AF_INET6) {
        ws_t.last_error = VG_WSAEAFNOSUPPORT;
        return NULL;
    }
    /* Windows: a NULL or too small output buffer is ERROR_INVALID_PARAMETER (87), not a WSA
     * code (learn.microsoft.com, nf-ws2tcpip-inetntopw). */
    if (!dst) {
        ws_t.last_error = VG_WSA_INVALID_PARAMETER;
        return NULL;
    }
    if (!src) {
        ws_t.last_error = VG_WSAEFAULT;
        return NULL;
    }
    char buf[VG_WS_INET6_TEXT_MAX];
    int n;
    if (af == VG_WS_AF_INET6) {
        uint8_t a6[16];
        memcpy(a6, src, sizeof a6);
        n = (int)ws_inet6_format(a6, buf);
    } else {
        uint32_t a;
        memcpy(&a, src, sizeof a);
        a = vg_ntohl(a);
        n = snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                     a & 255);
    }
    if ((size_t)n >= size) {
        ws_t.last_error = VG_WSA_INVALID_PARAMETER;
        return NULL;
    }
    memcpy(dst, buf, (size_t)n + 1);
    return dst;
}
