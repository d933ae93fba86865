/* The window fields of tcp_window.c as inline code, for the segment builder (tcp_output.c),
 * which writes one on every segment; tcp_window.c explains the choices. */
#ifndef VG_TCP_WINDOW_H
#define VG_TCP_WINDOW_H

#include <stdint.h>

#define VG_WND_FIELD_MAX 65535u
#define VG_WND_SYN_AGREE_MIN 32768u   /* below this, a SYN carries its window unscaled */

static inline uint16_t wnd_field(uint32_t wnd, uint8_t shift)
{
    uint32_t field = wnd >> shift;
    return (uint16_t)(field > VG_WND_FIELD_MAX ? VG_WND_FIELD_MAX : field);
}

static inline uint16_t syn_wnd_field(uint32_t wnd, uint8_t shift)
{
    uint16_t later = wnd_field(wnd, shift);
    if (later >= VG_WND_SYN_AGREE_MIN)
        return later;
    return (uint16_t)(wnd > VG_WND_FIELD_MAX ? VG_WND_FIELD_MAX : wnd);
}

#endif
