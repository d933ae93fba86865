/* IPv6 text forms: RFC 4291 §2.2 on the way in, RFC 5952 §4 on the way out, and the two
 * exported constants in6addr_any and in6addr_loopback. */
#include <stdio.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_addr6.h"

const struct vg_in6_addr vg_in6addr_any = {{{0}}};
const struct vg_in6_addr vg_in6addr_loopback = {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "a.b.c.d" up to the end of s, in network order. */
static int dotted_quad(const char *s, uint8_t out[4])
{
    uint32_t a;
    if (ws_parse_dotted(s, &a) != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(a >> (24 - 8 * i));
    return 0;
}

int ws_inet6_parse(const char *s, uint8_t out[16])
{
    uint16_t groups[8];
    int n = 0, gap = -1;          /* gap: the group index where "::" stands */
    uint8_t v4[4];
    int has_v4 = 0;
    if (s[0] == ':') {
        if (s[1] != ':')
            return -1;            /* a lone leading colon */
        gap = 0;
        s += 2;
    }
    while (*s) {
        if (n == 8)
            return -1;
        const char *start = s;
        unsigned v = 0;
        int digits = 0;
        while (hexval(*s) >= 0) {
            if (++digits > 4)
                return -1;
            v = v << 4 | (unsigned)hexval(*s++);
        }
        if (*s == '.') {
            /* The dotted quad takes the last two groups and ends the address. */
            if (n > 6 || dotted_quad(start, v4) != 0)
                return -1;
            has_v4 = 1;
            break;
        }
        if (!digits)
            return -1;            /* ":::" or a character that is not a hex digit */
        groups[n++] = (uint16_t)v;
        if (!*s)
            break;
        if (*s++ != ':')
            return -1;
        if (*s == ':') {
            if (gap >= 0)
                return -1;        /* a second "::" */
            gap = n;
            s++;
        } else if (!*s) {
            return -1;            /* a trailing single colon */
        }
    }
    int total = n + (has_v4 ? 2 : 0);
    if (gap < 0 ? total != 8 : total > 7)
        return -1;                /* "::" stands for at least one zero group */
    memset(out, 0, 16);
    int tail = n - (gap < 0 ? n : gap);
    for (int i = 0; i < n - tail; i++) {
        out[2 * i] = (uint8_t)(groups[i] >> 8);
        out[2 * i + 1] = (uint8_t)groups[i];
    }
    int at = 8 - (has_v4 ? 2 : 0) - tail;
    for (int i = 0; i < tail; i++) {
        out[2 * (at + i)] = (uint8_t)(groups[n - tail + i] >> 8);
        out[2 * (at + i) + 1] = (uint8_t)groups[n - tail + i];
    }
    if (has_v4)
        memcpy(out + 12, v4, 4);
    return 0;
}

size_t ws_inet6_format(const uint8_t a[16], char out[VG_WS_INET6_TEXT_MAX])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0)
        return (size_t)snprintf(out, VG_WS_INET6_TEXT_MAX, "::ffff:%u.%u.%u.%u", a[12], a[13],
                                a[14], a[15]);
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 1;  /* a single zero group stays "0" (RFC 5952 §4.2.2) */
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t o = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            out[o++] = ':';
            if (i == 0)
                out[o++] = ':';
            i += best_len - 1;
            continue;
        }
        o += (size_t)snprintf(out + o, VG_WS_INET6_TEXT_MAX - o, "%x", g[i]);
        if (i < 7)
            out[o++] = ':';
    }
    out[o] = '\0';
    return o;
}

void ws_inet6_v4mapped(uint32_t v4, uint8_t out[16])
{
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    out[12] = (uint8_t)(v4 >> 24);
    out[13] = (uint8_t)(v4 >> 16);
    out[14] = (uint8_t)(v4 >> 8);
    out[15] = (uint8_t)v4;
}
