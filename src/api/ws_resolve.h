/* Name resolution inside the Winsock layer (ws_resolve*.c, ws_dns*.c): the sources a name is
 * looked up in, in order (numeric, localhost, the VIGIL_HOSTS file, DNS through VIGIL_DNS).
 * Every function here runs inside a call (ws_enter done, lock held); the DNS ones drop the lock
 * while they wait. Not a public header. */
#ifndef VG_WS_RESOLVE_H
#define VG_WS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "api/ws_dns_wire.h"

#define VG_WSAHOST_NOT_FOUND 11001
#define VG_WSATRY_AGAIN 11002
#define VG_WSANO_RECOVERY 11003
#define VG_WSANO_DATA 11004
#define VG_WSATYPE_NOT_FOUND 10109
#define VG_WSAESOCKTNOSUPPORT 10044

#define VG_WS_AI_PASSIVE 0x1
#define VG_WS_AI_CANONNAME 0x2
#define VG_WS_AI_NUMERICHOST 0x4
#define VG_WS_AI_NUMERICSERV 0x8
#define VG_WS_AI_ALL 0x100
#define VG_WS_AI_V4MAPPED 0x800
#define VG_WS_AI_FQDN 0x00020000
#define VG_WS_AI_KNOWN 0x000fcd0fu   /* every AI_ flag Windows defines (ws2def.h) */
#define VG_WS_NI_NOFQDN 0x01
#define VG_WS_NI_NUMERICHOST 0x02
#define VG_WS_NI_NAMEREQD 0x04
#define VG_WS_NI_NUMERICSERV 0x08
#define VG_WS_NI_DGRAM 0x10

/* What a forward lookup found: IPv4 addresses in host byte order, IPv6 ones in network byte
 * order, and the canonical name. */
struct ws_res_result {
    char canon[VG_DNS_NAME_MAX + 1];
    uint32_t addrs[VG_DNS_ADDRS_MAX];
    size_t naddrs;
    uint8_t addrs6[VG_DNS_ADDRS_MAX][16];
    size_t naddrs6;
};

/* The families a forward lookup asks for. */
#define WS_RES_V4 1
#define WS_RES_V6 2

/* name (not numeric) through localhost, the hosts file and DNS, for the families in want
 * (WS_RES_V4, WS_RES_V6 or both: DNS asks AAAA first, then A): 0 when an address of either
 * family was found, or WSAHOST_NOT_FOUND, WSATRY_AGAIN, WSANO_RECOVERY, WSANO_DATA,
 * WSA_NOT_ENOUGH_MEMORY, WSAEINTR. */
int ws_resolve_name(const char *name, int want, struct ws_res_result *out);
/* addr's name through the hosts file, 127/8 as localhost, then a DNS PTR query: 0 with name
 * filled in, or an error as above. */
int ws_resolve_addr(uint32_t addr, char *name, size_t cap);
/* The same for an IPv6 address: the hosts file, ::1 as localhost, then PTR in ip6.arpa. */
int ws_resolve_addr6(const uint8_t addr[16], char *name, size_t cap);

/* The hosts file named by VIGIL_HOSTS (none when unset): 1 when it names name with an
 * address of a family in want (or names addr). */
int ws_hosts_by_name(const char *name, int want, struct ws_res_result *out);
int ws_hosts_by_addr(uint32_t addr, char *name, size_t cap);
int ws_hosts_by_addr6(const uint8_t addr[16], char *name, size_t cap);

/* One DNS question to the VIGIL_DNS server, over UDP with retries, over TCP when the answer
 * is truncated: 0 with ans filled in (its rcode not yet judged), or WSAHOST_NOT_FOUND (no
 * server configured, or the name cannot be asked), WSATRY_AGAIN (no answer in time),
 * WSANO_RECOVERY (VIGIL_DNS unusable), WSA_NOT_ENOUGH_MEMORY, WSAEINTR. */
int ws_dns_ask(const char *name, uint16_t qtype, struct vg_dns_answer *ans);

/* gethostname's answer: VIGIL_HOSTNAME, or "vigil". */
const char *ws_hostname(void);

/* Counts of the resolver's work (vg_ws_resolver_stats), lock held. */
struct vg_ws_resolver_stats;
extern struct vg_ws_resolver_stats ws_dns_stats;

#endif
