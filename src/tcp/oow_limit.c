/* How often a connection may answer segments it must reject.
 *
 * Two limits, as Linux has them since its fixes for ACK loops (2015) and CVE-2016-5696:
 * - per connection, at most one reply (a duplicate ACK to an out-of-window segment, or a
 *   challenge ACK) per cfg.oow_ratelimit_ms (Linux tcp_invalid_ratelimit), so two ends that
 *   disagree about the sequence space stop ACKing each other after one exchange;
 * - stack-wide, a budget of challenge ACKs per second (RFC 5961 §7) drawn at random each second
 *   around cfg.challenge_ack_limit, so an off-path attacker who exhausts it from connections of
 *   its own cannot count how much a victim connection used (the CVE-2016-5696 side channel). */
#include "tcp/oow_limit.h"

/* The clock in ms, plus one so that 0 can mean "never replied". Wraps after 49 days, when at
 * worst one reply inside the gap is held back: harmless, and what Linux accepts too. */
static uint32_t stamp_ms(vg_time now) { return (uint32_t)(now / 1000u) + 1u; }

int tcp_oow_limited_stamp(vg_stack *s, uint32_t *last_ms, vg_time now)
{
    uint32_t cur = stamp_ms(now);
    if (*last_ms) {
        int32_t elapsed = (int32_t)(cur - *last_ms);
        if (elapsed >= 0 && (uint32_t)elapsed < s->cfg.oow_ratelimit_ms)
            return 1;
    }
    *last_ms = cur;
    return 0;
}

int tcp_oow_limited(vg_tcb *t, vg_time now)
{
    return tcp_oow_limited_stamp(tcb_stack(t), &t->oow_last_ms, now);
}

int tcp_challenge_budget_take(vg_stack *s, vg_time now)
{
    if (vg_second_roll(&s->challenges, now)) {
        /* A new second: limit/2 + [0, limit), as Linux draws it. */
        uint64_t limit = s->cfg.challenge_ack_limit;
        uint64_t budget = (limit + 1u) / 2u + vg_prng_below(&s->prng, limit);
        s->challenge_budget = budget > UINT32_MAX ? UINT32_MAX : (uint32_t)budget;
    }
    if (s->challenges.used >= s->challenge_budget)
        return 0;
    s->challenges.used++;
    return 1;
}
