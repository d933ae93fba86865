/* IPv6 addresses as 32-bit handles. A TCB, a SYN-cache entry and every lookup key hold their
 * addresses as one uint32_t each: an IPv4 address is its own handle; an IPv6 address is
 * interned in the stack's table and named by a handle in 0.0.0.0/8, a block no IPv4 peer may
 * use (the martian filter drops it as a source; the IPv4 calls refuse it). So TCP keys, hashes
 * and compares addresses without knowing their family, an IPv4 connection costs what it did,
 * and the 16 octets of an IPv6 peer are stored once however many connections it has.
 *
 * An entry lives while something holds a reference: the stack holds its own addresses, a
 * connection or SYN-cache entry its peer's, a packet being processed its source's. The table's
 * size is bounded by cfg.max_addr6 (counted in stats.ip6_addr_table_full); its buckets are
 * chosen by SipHash under the stack's secret, so no peer can aim at one. */
#ifndef VG_IP_ADDR6_H
#define VG_IP_ADDR6_H

#include <stdint.h>

struct vg_stack;

#define VG_ADDR6_ANY 1u      /* the handle of ::, held by nothing */
#define VG_ADDR6_FIRST 2u    /* the first table entry's handle */
#define VG_ADDR6_LAST 0x00ffffffu

struct vg_addr6_ent {
    uint8_t a[16];
    uint32_t refs;           /* 0: free, on the free list */
    uint32_t next;           /* bucket chain or free list: the next handle, 0 at the end */
    uint32_t acc;            /* the address's words summed (its pseudo-header part) */
    uint32_t word;           /* a keyed hash of it, standing for it where TCP mixes an address
                              * into a secret function (ISNs, cookies, timestamps, ports): a
                              * handle is reused by other addresses, the word is not */
};

struct vg_addr6_table {
    struct vg_addr6_ent *e;  /* e[h - VG_ADDR6_FIRST] */
    uint32_t *bucket;        /* handles, 0 for none */
    uint32_t cap, nbuckets;  /* nbuckets a power of two, at least cap */
    uint32_t live;
    uint32_t free_head;
};

static inline int vg_addr_is6(uint32_t h) { return h - 1u < VG_ADDR6_LAST; }

/* The handle of a with one reference taken (a new entry when a is not there yet), VG_ADDR6_ANY
 * for ::, or 0 when the table is at cfg.max_addr6 or cannot grow (counted). */
uint32_t vg_addr6_ref(struct vg_stack *s, const uint8_t a[16]);
/* The handle of a, or 0 when the table does not hold it (no reference taken). */
uint32_t vg_addr6_find(const struct vg_stack *s, const uint8_t a[16]);
/* Another reference to the address h names (h an IPv6 handle from vg_addr6_ref). */
void vg_addr6_hold(struct vg_stack *s, uint32_t h);
/* Gives one back; the entry is freed with its last. */
void vg_addr6_unref(struct vg_stack *s, uint32_t h);
/* The 16 octets h names (:: for VG_ADDR6_ANY). */
const uint8_t *vg_addr6_bytes(const struct vg_stack *s, uint32_t h);
void vg_addr6_table_free(struct vg_stack *s);

#endif
