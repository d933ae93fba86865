/* The DNS stub resolver's wire format (RFC 1035): building a query and reading its answer. Pure
 * functions, no I/O and no state, so the fuzzer (fuzz/fuzz_dns.c) can feed them anything. */
#ifndef VG_WS_DNS_WIRE_H
#define VG_WS_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define VG_DNS_NAME_MAX 255       /* presentation form without the trailing dot, RFC 1035 §2.3.4 */
#define VG_DNS_ADDRS_MAX 16       /* addresses kept from one answer */
#define VG_DNS_UDP_MAX 512        /* a UDP message without EDNS (RFC 1035 §4.2.1) */
#define VG_DNS_CHAIN_MAX 8        /* CNAMEs followed within one answer */

#define VG_DNS_TYPE_A 1
#define VG_DNS_TYPE_CNAME 5
#define VG_DNS_TYPE_PTR 12
#define VG_DNS_TYPE_AAAA 28       /* RFC 3596 */
#define VG_DNS_CLASS_IN 1

#define VG_DNS_RCODE_NOERROR 0
#define VG_DNS_RCODE_FORMERR 1
#define VG_DNS_RCODE_SERVFAIL 2
#define VG_DNS_RCODE_NXDOMAIN 3

/* What vg_dns_parse_answer made of a message. */
enum vg_dns_verdict {
    VG_DNS_ANSWER = 0,            /* our answer: rcode, tc and the records below are valid */
    VG_DNS_NOT_OURS,              /* not a response to our query (ID, QR, question differ) */
    VG_DNS_MALFORMED,             /* ours by ID and question, but unreadable */
};

struct vg_dns_answer {
    int rcode;
    int truncated;                /* TC: the answer did not fit; ask again over TCP */
    char canon[VG_DNS_NAME_MAX + 1];   /* where the CNAME chain ended: the records' owner */
    uint32_t addrs[VG_DNS_ADDRS_MAX];  /* A: host byte order, in the answer's order */
    size_t naddrs;
    uint8_t addrs6[VG_DNS_ADDRS_MAX][16];   /* AAAA: network byte order, in order */
    size_t naddrs6;
    char ptr[VG_DNS_NAME_MAX + 1];     /* a PTR query's first answer, "" if none */
};

/* Writes a query for (name, qtype), recursion desired, into buf; its length, or -1 when the
 * name is not a valid host name (empty label, label over 63 octets, over 255 in all) or buf is
 * too small. */
/* Two names equal under DNS's case folding: ASCII only (RFC 4343), whatever the C library's
 * locale says; the resolver's other sources (localhost, the hosts file) compare the same way. */
int vg_dns_name_eq(const char *a, const char *b);

int vg_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype);

/* Reads msg as the answer to the query (id, name, qtype). Compression pointers must point
 * backwards (no loops); a CNAME chain is followed to the A, AAAA (or PTR) records for name within the
 * answer section, at most VG_DNS_CHAIN_MAX links. */
enum vg_dns_verdict vg_dns_parse_answer(const uint8_t *msg, size_t len, uint16_t id,
                                        const char *name, uint16_t qtype,
                                        struct vg_dns_answer *out);

/* The PTR name for an IPv4 address (host order): "4.3.2.1.in-addr.arpa". */
void vg_dns_ptr_name(uint32_t addr, char out[32]);
/* The PTR name for an IPv6 address (RFC 3596 §2.5): 32 nibbles, lowest first, then
 * "ip6.arpa" (72 characters and the NUL). */
#define VG_DNS_PTR6_LEN 73
void vg_dns_ptr6_name(const uint8_t addr[16], char out[VG_DNS_PTR6_LEN]);

#endif
