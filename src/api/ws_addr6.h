/* IPv6 addresses as text, both ways (RFC 4291 §2.2 in, RFC 5952 out), for inet_pton,
 * inet_ntop, getaddrinfo, getnameinfo and the hosts file. Pure functions. Not a public header. */
#ifndef VG_WS_ADDR6_H
#define VG_WS_ADDR6_H

#include <stddef.h>
#include <stdint.h>

/* The longest text ws_inet6_format writes, NUL included:
 * "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45 characters. */
#define VG_WS_INET6_TEXT_MAX 46

/* The whole of s as an IPv6 address (hex groups, one "::", an optional dotted quad last):
 * 0 with out[] in network order, -1 if s is anything else (a "%zone" suffix included). */
int ws_inet6_parse(const char *s, uint8_t out[16]);

/* a in RFC 5952's form: lowercase, no leading zeros, the longest run of two or more zero
 * groups (the first of equals) as "::", and ::ffff:a.b.c.d for a v4-mapped address. Writes at
 * most VG_WS_INET6_TEXT_MAX octets into out; returns the length without the NUL. */
size_t ws_inet6_format(const uint8_t a[16], char out[VG_WS_INET6_TEXT_MAX]);

/* Dotted decimal "a.b.c.d" only, the whole of s (what inet_pton accepts, and the last 32 bits
 * of an IPv6 text form): 0 with *out in host order, or -1. */
int ws_parse_dotted(const char *s, uint32_t *out);

/* ::ffff:a.b.c.d for the IPv4 address v4 (host order). */
void ws_inet6_v4mapped(uint32_t v4, uint8_t out[16]);

#endif
