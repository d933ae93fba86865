/* libFuzzer entry point for the DNS stub resolver's answer parser (src/api/ws_dns_wire.c).
 *
 * The input is an answer to one of two queries, chosen by the first byte's low bit: an A query
 * for "www.example.test" or a PTR query for "1.2.0.192.in-addr.arpa", both with ID 0x2b3c (the
 * seeds in fuzz/corpus/fuzz_dns/ answer them, with CNAME chains, compression and truncation).
 * Beyond "does not crash or read out of bounds", on every input: the verdict is one of the three;
 * an accepted answer has at most VG_DNS_ADDRS_MAX addresses, NUL-terminated names of at most 255
 * characters, and an A query never yields a PTR name nor a PTR query an address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/ws_dns_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int ptr = data[0] & 1;
    const char *name = ptr ? "1.2.0.192.in-addr.arpa" : "www.example.test";
    uint16_t qtype = ptr ? VG_DNS_TYPE_PTR : VG_DNS_TYPE_A;
    struct vg_dns_answer a;
    enum vg_dns_verdict v = vg_dns_parse_answer(data + 1, size - 1, 0x2b3c, name, qtype, &a);
    if (v != VG_DNS_ANSWER && v != VG_DNS_NOT_OURS && v != VG_DNS_MALFORMED)
        abort();
    if (v != VG_DNS_ANSWER)
        return 0;
    if (a.naddrs > VG_DNS_ADDRS_MAX || memchr(a.canon, 0, sizeof a.canon) == NULL ||
        memchr(a.ptr, 0, sizeof a.ptr) == NULL)
        abort();
    if ((ptr && a.naddrs) || (!ptr && a.ptr[0]))
        abort();
    /* The query the parser checked the answer against must itself be buildable. */
    uint8_t q[VG_DNS_UDP_MAX];
    if (vg_dns_build_query(q, sizeof q, 0x2b3c, name, qtype) <= 0)
        abort();
    return 0;
}
