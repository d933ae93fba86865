/* The sender's SACK scoreboard (RFC 6675 §3): which octets above SND.UNA the peer reported
 * holding, as a short sorted list of disjoint ranges. Only the marks live here: the data stays
 * in the send ring until SND.UNA passes it (RFC 2018 §8: a receiver may renege), so a forged or
 * withdrawn SACK can cost at most a retransmission timeout, never data. */
#ifndef VG_SACK_BOARD_H
#define VG_SACK_BOARD_H

#include <stdint.h>

/* Ranges the board records; a block that would need one more is not recorded (counted in
 * tcp_sack_board_full): the data stays unSACKed, which can only make recovery resend more. */
#define VG_SACK_BOARD_RANGES 16u

struct vg_sack_range { uint32_t start, end; };   /* [start, end), sequence space */

struct vg_sack_board {
    uint8_t n;
    struct vg_sack_range r[VG_SACK_BOARD_RANGES];   /* ascending, disjoint, never adjacent */
};

/* Marks [start, end) SACKed. Returns the octets newly marked, or -1 when the board is full and
 * the range touched none already held (nothing recorded). */
int32_t sack_board_add(struct vg_sack_board *b, uint32_t start, uint32_t end);
/* Forgets every mark below una (SND.UNA advanced). */
void sack_board_trim(struct vg_sack_board *b, uint32_t una);
/* 1 when every octet of [start, end) is marked. */
int sack_board_holds(const struct vg_sack_board *b, uint32_t start, uint32_t end);
/* Octets marked at or above seq. */
uint32_t sack_board_above(const struct vg_sack_board *b, uint32_t seq);

#endif
