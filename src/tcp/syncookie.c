/* SYN cookies, as Linux encodes them (see syncookie.h). */
#include "tcp/syncookie.h"

#include <string.h>

#include "util/siphash.h"

#define COOKIE_BITS 24
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1u)
#define COOKIE_MAX_AGE 2u                 /* minute counters: at most two minutes old */
#define COOKIE_MINUTE_US 60000000ull

/* Linux's table: the common MSS values, so two bits carry the peer's MSS closely enough. */
static const uint16_t mss_table[] = {536, 1300, 1440, 1460};
#define MSS_INDEXES (sizeof mss_table / sizeof mss_table[0])

static uint32_t cookie_hash(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                            uint16_t rport, uint32_t count, uint8_t which)
{
    uint8_t msg[17];
    uint32_t w[4] = {vg_addr_word(s, raddr), vg_addr_word(s, laddr), (uint32_t)rport << 16 | lport,
                     count};
    for (int i = 0; i < 4; i++)
        vg_put32(msg + 4 * i, w[i]);
    msg[16] = which;                      /* Linux keys H0 and H1 apart; a domain octet here */
    return (uint32_t)vg_siphash24(s->syn_key, msg, sizeof msg);
}

static uint32_t minute_of(vg_time now) { return (uint32_t)(now / COOKIE_MINUTE_US); }

uint32_t syncookie_make(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                        uint16_t rport, uint32_t irs, uint16_t peer_mss, vg_time now,
                        uint16_t *mss)
{
    uint16_t want = peer_mss ? peer_mss : 536;
    uint32_t idx = MSS_INDEXES - 1;
    while (idx && want < mss_table[idx])
        idx--;
    *mss = mss_table[idx];
    uint32_t count = minute_of(now);
    return cookie_hash(s, laddr, lport, raddr, rport, 0, 0) + irs + (count << COOKIE_BITS) +
           ((cookie_hash(s, laddr, lport, raddr, rport, count, 1) + idx) & COOKIE_MASK);
}

int syncookie_check(vg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
                    uint32_t irs, uint32_t cookie, vg_time now, uint16_t *mss)
{
    uint32_t count = minute_of(now);
    uint32_t c = cookie - (cookie_hash(s, laddr, lport, raddr, rport, 0, 0) + irs);
    uint32_t age = (count - (c >> COOKIE_BITS)) & (0xffffffffu >> COOKIE_BITS);
    if (age >= COOKIE_MAX_AGE)
        return -1;
    uint32_t idx = (c - cookie_hash(s, laddr, lport, raddr, rport, count - age, 1)) & COOKIE_MASK;
    if (idx >= MSS_INDEXES)
        return -1;
    *mss = mss_table[idx];
    return 0;
}
