/* What each scenario must do (see scenario_plan.h). The instants follow from three facts:
 *   - probe k after a last receipt R goes out at R + time + k·interval, k < count, and the
 *     connection is dropped at R + time + count·interval (B3); count 0: never (A10);
 *   - a packet takes the one-way latency L, so a probe sent at x is answered at x + 2L;
 *   - the scenario's own changes (heal, reboot) happen before anything else due at the same
 *     instant, and a packet arriving at the abort instant is taken before the timer fires. */
#include "sim/scenario_plan.h"

vg_time scn_abort_instant(vg_time last_rx, vg_time time, vg_time interval, uint32_t count)
{
    return last_rx + time + (vg_time)count * interval;
}

static int abort_error(enum vg_profile p)
{
    return p == VG_PROFILE_LINUX ? VG_ERR_TIMEDOUT : VG_ERR_NETRESET;
}

/* The first probe after last receipt r that is sent no earlier than `from` and whose answer is
 * back by the abort instant; VG_TIME_NEVER if the probes run out first. */
static vg_time first_probe_from(const struct scn_plan_in *in, vg_time r, vg_time from)
{
    vg_time first = r + in->time;
    vg_time abort_at = scn_abort_instant(r, in->time, in->interval, in->count);
    uint64_t k = 0;
    if (from > first)
        k = (from - first + in->interval - 1) / in->interval;
    if (k >= in->count)
        return VG_TIME_NEVER;
    vg_time x = first + k * in->interval;
    return x + 2 * in->latency <= abort_at ? x : VG_TIME_NEVER;
}

static void lives(struct scn_plan *out, vg_time horizon)
{
    out->outcome = VG_SCN_LIVES;
    out->at = VG_TIME_NEVER;
    out->error = 0;
    out->horizon = horizon + VG_SCN_SETTLE;
}

static void ends(struct scn_plan *out, enum vg_scn_outcome o, vg_time at, int err, vg_time horizon)
{
    out->outcome = o;
    out->at = at;
    out->error = err;
    out->horizon = (horizon > at ? horizon : at) + VG_SCN_SETTLE;
}

static vg_time max_time(vg_time a, vg_time b) { return a > b ? a : b; }

/* After a fault at which the client had last heard from the peer at r, with the peer or path
 * back at `back` (a probe sent at or after `probe_from` gets through). */
static void after_fault(const struct scn_plan_in *in, struct scn_plan *out, vg_time probe_from,
                        enum vg_scn_outcome answered)
{
    vg_time r = in->last_rx_before_fault;
    vg_time back = in->recover_at;
    if (in->count == 0) {
        lives(out, max_time(back == VG_TIME_NEVER ? in->fault_at : back, r + 2 * in->time));
        return;
    }
    vg_time abort_at = scn_abort_instant(r, in->time, in->interval, in->count);
    vg_time x = back == VG_TIME_NEVER ? VG_TIME_NEVER : first_probe_from(in, r, probe_from);
    if (x == VG_TIME_NEVER) {
        ends(out, VG_SCN_ABORTED, abort_at, abort_error(in->profile),
             back == VG_TIME_NEVER ? abort_at : back);
        return;
    }
    vg_time answer = x + 2 * in->latency;
    if (answered == VG_SCN_RESET)
        ends(out, VG_SCN_RESET, answer, VG_ERR_CONNRESET, answer);
    else
        lives(out, max_time(answer, abort_at));   /* past the instant it would have died */
}

static void nat_expiry(const struct scn_plan_in *in, struct scn_plan *out)
{
    vg_time r0 = in->idle_from;
    vg_time cycles = 3 * (in->time + 2 * in->latency);
    vg_time long_enough = r0 + max_time(cycles, 2 * in->nat_timeout);
    if (in->count == 0) {
        lives(out, long_enough);
        return;
    }
    /* The first probe finds the flow idle since the NAT last saw the handshake; each later one
     * finds it idle for the keep-alive time plus a latency, the last packet through the NAT
     * being the peer's answer, which reached the client a latency after passing. */
    vg_time first_idle = r0 + in->time - in->nat_last_seen;
    vg_time r;
    if (in->nat_last_seen == VG_TIME_NEVER || first_idle >= in->nat_timeout) {
        r = r0;
    } else if (in->time + in->latency >= in->nat_timeout) {
        /* Answers overlapping later probes would move both the receipt and the NAT's clock. */
        if (in->interval < 2 * in->latency)
            out->known = 0;
        r = r0 + in->time + 2 * in->latency;
    } else {
        lives(out, long_enough);
        return;
    }
    vg_time abort_at = scn_abort_instant(r, in->time, in->interval, in->count);
    ends(out, VG_SCN_ABORTED, abort_at, abort_error(in->profile), abort_at);
}

void scn_plan_make(const struct scn_plan_in *in, struct scn_plan *out)
{
    out->known = !in->random_loss;
    /* When even the first probe's answer cannot come back before the last interval runs out, no
     * peer can save the connection: it is dropped one keep-alive cycle after the handshake. */
    if (in->count && 2 * in->latency > (vg_time)in->count * in->interval) {
        /* Before the handshake has settled, answers to retransmitted SYNs may still be coming,
         * and which one the connection dies after is a matter of the retransmission timer. */
        vg_time r0 = in->idle_from != VG_TIME_NEVER ? in->idle_from : in->last_rx_before_fault;
        vg_time abort_at = scn_abort_instant(r0, in->time, in->interval, in->count);
        ends(out, VG_SCN_ABORTED, abort_at, abort_error(in->profile), abort_at);
        if (in->idle_from == VG_TIME_NEVER)
            out->known = 0;
        return;
    }
    switch (in->scenario) {
    case VG_SCN_PEER_CRASH:
        after_fault(in, out, VG_TIME_NEVER, VG_SCN_LIVES);
        break;
    case VG_SCN_PARTITION:
        /* Both the probe and its answer must be sent after the heal. */
        after_fault(in, out, in->recover_at, VG_SCN_LIVES);
        break;
    case VG_SCN_PEER_REBOOT:
        /* A probe that arrives once the peer is back meets a stack that never heard of it. */
        after_fault(in, out, in->recover_at > in->latency ? in->recover_at - in->latency : 0,
                    VG_SCN_RESET);
        break;
    case VG_SCN_NAT_EXPIRY:
        nat_expiry(in, out);
        break;
    case VG_SCN_LOSSY:
        lives(out, in->idle_from + 10 * (in->time + (vg_time)in->count * in->interval));
        break;
    case VG_SCN_ALIVE:
    default:
        lives(out, in->idle_from + 3 * (in->time + 2 * in->latency));
        break;
    }
}
