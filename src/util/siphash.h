/* SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012): the keyed PRF
 * behind everything an off-path attacker must not predict — ISNs (RFC 6528), ephemeral ports
 * (RFC 6056), SYN cookies, IP IDs. A 128-bit key and a 64-bit output. */
#ifndef VG_SIPHASH_H
#define VG_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define VG_SIPHASH_KEY_LEN 16

/* The key is 16 octets read as two little-endian 64-bit words, as in the paper. */
uint64_t vg_siphash24(const uint8_t key[VG_SIPHASH_KEY_LEN], const void *data, size_t len);
/* SipHash-1-3: one SipRound per word and three at the end, as Linux's hsiphash on 64-bit
 * machines. Not a PRF to hide secrets behind (ISNs, cookies stay on SipHash-2-4); the keyed hash
 * of a table an attacker would flood with colliding keys, where each lookup pays for it. */
uint64_t vg_siphash13(const uint8_t key[VG_SIPHASH_KEY_LEN], const void *data, size_t len);
/* vg_siphash13 of a message of len octets, 8 <= len <= 15, given as its words as below: one
 * compression fewer than 16 octets take, for a table's key that fits in 15. */
uint64_t vg_siphash13_key_u64x2_len(const uint8_t key[VG_SIPHASH_KEY_LEN], uint64_t a, uint64_t b,
                                    size_t len);
/* vg_siphash24 of a message of len octets, 8 <= len <= 15, given as its words: the first eight
 * octets a (little-endian) and the other len - 8 in the low octets of b (the rest 0). The ISN's
 * and the ephemeral port's short inputs, without a buffer to fill and read back. */
uint64_t vg_siphash24_key_u64x2(const uint8_t key[VG_SIPHASH_KEY_LEN], uint64_t a, uint64_t b,
                                size_t len);

#endif
