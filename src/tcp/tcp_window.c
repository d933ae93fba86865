/* How the receive window is written on the wire (RFC 7323 §2): the shift a connection offers
 * in its SYN, the 16-bit field of that SYN (never scaled), and the field of every later
 * segment (scaled).
 *
 * The SYN's field and the later ones are chosen to be the same number whenever that costs
 * little, because analysers compare the raw 16-bit fields of consecutive segments: Wireshark
 * (4.0, tcp_analyze_sequence_number) calls a bare ACK whose field differs from the previous
 * segment's a window update, and the first keep-alive answer of an idle passive connection
 * is compared with its SYN-ACK. Two things make them agree:
 * - no shift when the buffer fits 16 bits, counting 65536 as fitting (65535 advertised for a
 *   65536-octet buffer loses one octet, and keeps the default buffer unscaled);
 * - otherwise the smallest shift that fits the buffer, so the scaled field is at least 32768,
 *   and the SYN carries that same field as octets: at least 32 KiB, more than any initial
 *   window a peer sends (RFC 6928: 10 segments), so the first flight is never held back.
 * A SYN whose scaled field would be below 32768 (the shift fixed for a larger buffer than the
 * window offered now: memory pressure, or a shift chosen for a buffer that grows later)
 * carries its window unscaled instead, as Linux does, and the two fields then differ. */
#include "tcp/tcb.h"
#include "tcp/tcp_window.h"

#define FIELD_MAX VG_WND_FIELD_MAX
#define UNSCALED_MAX 65536u       /* buffers up to this size are offered no shift */
_Static_assert(FIELD_MAX == 0xFFFFu, "tcp_rcv_wscale_for counts bits above a 16-bit field");

uint8_t tcp_rcv_wscale_for(uint32_t space)
{
    if (space <= UNSCALED_MAX)
        return 0;
    /* The smallest shift with space >> shift <= FIELD_MAX, that is space < 2^(16 + shift): the
     * bit width of space >> 16 (at least 1 here), found at once rather than by a loop every
     * SYN runs. */
    unsigned width = 32u - (unsigned)__builtin_clz(space >> 16);
    return (uint8_t)(width < VG_RCV_WSCALE_MAX ? width : VG_RCV_WSCALE_MAX);
}

uint16_t tcp_wnd_field(uint32_t wnd, uint8_t shift)
{
    return wnd_field(wnd, shift);
}

uint16_t tcp_syn_wnd_field(uint32_t wnd, uint8_t shift)
{
    return syn_wnd_field(wnd, shift);
}
