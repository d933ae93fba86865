/* SHA-256 (FIPS 180-4), incremental: the transfer checks hash streams far larger than memory
 * chunk by chunk. Used to prove a transfer byte-exact, not for security. */
#ifndef VG_SHA256_H
#define VG_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define VG_SHA256_LEN 32
#define VG_SHA256_HEX_LEN 65          /* 64 hex digits and the terminating NUL */

struct vg_sha256 {
    uint32_t h[8];
    uint64_t total;                   /* bytes hashed so far */
    uint8_t block[64];
    size_t fill;                      /* bytes waiting in block */
};

void vg_sha256_init(struct vg_sha256 *c);
void vg_sha256_update(struct vg_sha256 *c, const void *data, size_t len);
/* Writes the digest; the context must be initialised again before reuse. */
void vg_sha256_final(struct vg_sha256 *c, uint8_t out[VG_SHA256_LEN]);
void vg_sha256(const void *data, size_t len, uint8_t out[VG_SHA256_LEN]);
/* Lower-case hex of a digest into out. */
void vg_sha256_hex(const uint8_t digest[VG_SHA256_LEN], char out[VG_SHA256_HEX_LEN]);

#endif
