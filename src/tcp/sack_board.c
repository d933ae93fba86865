/* The SACK scoreboard (sack_board.h). Sequence numbers compare modulo 2^32: every range lies
 * inside SND.UNA..SND.MAX, less than 2^31 wide, so the order is the usual one there. */
#include <string.h>

#include "tcp/sack_board.h"

#define LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)

int32_t sack_board_add(struct vg_sack_board *b, uint32_t start, uint32_t end)
{
    if (!LT(start, end))
        return 0;
    /* i: the first range that ends at or after start (touching counts: ranges merge). */
    uint8_t i = 0;
    while (i < b->n && LT(b->r[i].end, start))
        i++;
    /* j: one past the last range that starts at or before end. */
    uint8_t j = i;
    uint32_t held = 0;
    uint32_t s = start, e = end;
    while (j < b->n && LEQ(b->r[j].start, end)) {
        uint32_t os = LT(b->r[j].start, start) ? start : b->r[j].start;
        uint32_t oe = LT(end, b->r[j].end) ? end : b->r[j].end;
        if (LT(os, oe))
            held += oe - os;
        if (LT(b->r[j].start, s))
            s = b->r[j].start;
        if (LT(e, b->r[j].end))
            e = b->r[j].end;
        j++;
    }
    if (i == j) {
        if (b->n == VG_SACK_BOARD_RANGES)
            return -1;
        memmove(&b->r[i + 1], &b->r[i], (size_t)(b->n - i) * sizeof b->r[0]);
        b->n++;
    } else if (j - i > 1) {
        memmove(&b->r[i + 1], &b->r[j], (size_t)(b->n - j) * sizeof b->r[0]);
        b->n = (uint8_t)(b->n - (j - i) + 1);
    }
    b->r[i].start = s;
    b->r[i].end = e;
    return (int32_t)(end - start - held);
}

void sack_board_trim(struct vg_sack_board *b, uint32_t una)
{
    uint8_t k = 0;
    while (k < b->n && LEQ(b->r[k].end, una))
        k++;
    if (k) {
        memmove(&b->r[0], &b->r[k], (size_t)(b->n - k) * sizeof b->r[0]);
        b->n = (uint8_t)(b->n - k);
    }
    if (b->n && LT(b->r[0].start, una))
        b->r[0].start = una;
}

int sack_board_holds(const struct vg_sack_board *b, uint32_t start, uint32_t end)
{
    for (uint8_t i = 0; i < b->n; i++)
        if (LEQ(b->r[i].start, start) && LEQ(end, b->r[i].end))
            return 1;
    return 0;
}

uint32_t sack_board_above(const struct vg_sack_board *b, uint32_t seq)
{
    uint32_t n = 0;
    for (uint8_t i = b->n; i-- > 0;) {
        if (LEQ(b->r[i].end, seq))
            break;
        n += LT(b->r[i].start, seq) ? b->r[i].end - seq : b->r[i].end - b->r[i].start;
    }
    return n;
}
