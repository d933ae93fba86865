/* Ephemeral port selection (RFC 6056). A predictable source port is half of what an off-path
 * attacker needs to inject into a connection (with the ISN) or to poison a UDP exchange, so:
 * a bind without a remote end takes a random free port, and a connect takes its port with
 * algorithm 4 "double-hash port selection" (RFC 6056 §3.3.4), which spreads successive connects
 * to different peers over unrelated ports while a peer that sees two connects of its own cannot
 * learn which ports went to anyone else. */
#include <string.h>

#include "stack/stack.h"

/* F and G of RFC 6056 from one SipHash-2-4 output: its two halves are as unrelated to each
 * other as two keyed hashes would be (a PRF's output bits), so one call gives both. The tag
 * octet keeps this input (and every other use of the stack's secret, each of a different
 * length) independent. */
static uint64_t port_hash(const vg_stack *s, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
    /* The 11 octets 'P', laddr, raddr, rport (network order) as two little-endian words, octets
     * 0-7 and 8-10: a byte swap puts a field's network-order octets in a little-endian word. */
    uint64_t ra = __builtin_bswap32(raddr);
    uint64_t a = 'P' | (uint64_t)__builtin_bswap32(laddr) << 8 | (ra & 0xffffff) << 40;
    uint64_t b = ra >> 24 | (uint64_t)__builtin_bswap16(rport) << 8;
    return vg_siphash24_key_u64x2(s->secret, a, b, 11);
}

/* A random number an observer cannot extend: SipHash of a draw counter under the stack's
 * secret. The simulation PRNG (xoshiro256**) is not built to hide its state from someone who
 * sees many outputs, and ports are seen by everyone the stack talks to; still replays with the
 * seed, since the secret then comes from it. */
static uint64_t port_random(vg_stack *s)
{
    uint8_t m[9];
    m[0] = 'R';
    for (int i = 0; i < 8; i++)
        m[1 + i] = (uint8_t)(s->port_draws >> (8 * i));
    s->port_draws++;
    return vg_siphash24(s->secret, m, sizeof m);
}

/* The small step after a connect's port, from a SipHash output taken three bits at a time: 21
 * steps a draw, each bit still the PRF's and used once (Linux's get_random_u32_below draws from
 * a batch of ChaCha output the same way), instead of a SipHash-2-4 per connect. */
#define PORT_STEP_BITS 3u
static uint32_t port_step(vg_stack *s)
{
    if (s->port_step_left < PORT_STEP_BITS) {
        s->port_step_pool = port_random(s);
        s->port_step_left = 64u / PORT_STEP_BITS * PORT_STEP_BITS;
    }
    uint32_t step = (uint32_t)(s->port_step_pool & ((1u << PORT_STEP_BITS) - 1u));
    s->port_step_pool >>= PORT_STEP_BITS;
    s->port_step_left = (uint8_t)(s->port_step_left - PORT_STEP_BITS);
    return step;
}

uint16_t vg_port_ephemeral(vg_stack *s)
{
    /* A random start, then the first free port after it: each bind draws afresh, so one port
     * says nothing about the next while a nearly full range is still searched to the end. */
    uint32_t start = (uint32_t)(port_random(s) % VG_PORT_EPHEMERAL_COUNT);
    for (uint32_t i = 0; i < VG_PORT_EPHEMERAL_COUNT; i++) {
        uint16_t p = (uint16_t)(VG_PORT_EPHEMERAL_MIN + (start + i) % VG_PORT_EPHEMERAL_COUNT);
        if (!vg_port_refs(s, p))
            return p;
    }
    return 0;
}

uint16_t vg_port_ephemeral_connect(vg_stack *s, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
    uint64_t fg = port_hash(s, vg_addr_word(s, laddr), vg_addr_word(s, raddr), rport);
    uint32_t offset = (uint32_t)((fg & 0xffffffffu) % VG_PORT_EPHEMERAL_COUNT);
    uint16_t *counter = &s->port_perturb[(fg >> 32) % VG_PORT_PERTURB_LEN];
    for (uint32_t i = 0; i < VG_PORT_EPHEMERAL_COUNT; i++) {
        uint16_t p = (uint16_t)(VG_PORT_EPHEMERAL_MIN + (offset + *counter) % VG_PORT_EPHEMERAL_COUNT);
        (*counter)++;
        /* A port any socket holds is skipped, not shared: a bound-but-unconnected socket or a
         * listener on it could later collide with this connection's 4-tuple. Every TCB with a
         * local port holds a reference to it (TIME_WAIT included, until it is freed), so a port
         * nobody references is in no 4-tuple either: the table need not be asked (a keyed hash
         * and a walk of a chain of cold TIME_WAIT TCBs per connect). */
        if (!vg_port_refs(s, p)) {
            /* A small random step (as Linux does since 2022) so the counter a peer can watch
             * through its own connects does not advance by exactly one per connect. */
            *counter = (uint16_t)(*counter + port_step(s));
            return p;
        }
    }
    return 0;
}
