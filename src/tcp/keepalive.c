/* Keep-alive (spec A4, A8–A13, B1–B7, C1, C4–C6).
 *
 * Nothing here keeps a timer of its own. The next keep-alive instant is a pure function of the
 * TCB: with base = max(last receipt, moment keep-alive was switched on),
 *     probe k (k = 0 .. count-1) goes out at base + time + k·interval, and
 *     the connection is dropped at         base + time + count·interval   (B3)
 * so receiving a segment only stores its time (B1, C5) and the TCB's single wheel entry, when it
 * fires, derives what is due. */
#include "tcp/tcb.h"
#include "tcp/tcb_pool.h"

uint32_t ka_eff_time_ms(const vg_tcb *t)
{
    return t->ka_time_ms != VG_KA_SYSTEM ? t->ka_time_ms : tcb_stack(t)->cfg.sys.keepalive_time_ms;
}

uint32_t ka_eff_intvl_ms(const vg_tcb *t)
{
    return t->ka_intvl_ms != VG_KA_SYSTEM ? t->ka_intvl_ms
                                          : tcb_stack(t)->cfg.sys.keepalive_interval_ms;
}

uint32_t ka_eff_count(const vg_tcb *t)
{
    return t->ka_count != TCB_KA_COUNT_SYSTEM ? t->ka_count : tcb_stack(t)->ka_count_sys;
}

static int ka_state_allows(const vg_tcb *t)
{
    /* B6: synchronised states only, and never while data or a FIN awaits acknowledgement —
     * then the retransmission timer governs liveness. */
    if (t->state != VG_TCP_ESTABLISHED && t->state != VG_TCP_CLOSE_WAIT &&
        t->state != VG_TCP_FIN_WAIT_2)
        return 0;
    return vg_ring_len(t->snd) == 0 && t->snd_una == t->snd_max;
}

static vg_time ka_base(const vg_tcb *t)
{
    return t->last_rx > t->ka_epoch ? t->last_rx : t->ka_epoch;
}

static vg_time ka_abort_at(const vg_tcb *t)
{
    return ka_base(t) + VG_MS(ka_eff_time_ms(t)) + (vg_time)ka_eff_count(t) * VG_MS(ka_eff_intvl_ms(t));
}

vg_time ka_deadline(const vg_tcb *t)
{
    if (!(t->flags & TF_KEEPALIVE) || !ka_state_allows(t))
        return VG_TIME_NEVER;
    uint32_t count = ka_eff_count(t);
    if (count == 0)
        return VG_TIME_NEVER;         /* A10: no probes, never an abort */
    uint32_t k = t->ka_unanswered < count ? t->ka_unanswered : count;
    return ka_base(t) + VG_MS(ka_eff_time_ms(t)) + (vg_time)k * VG_MS(ka_eff_intvl_ms(t));
}

int ka_fire(vg_tcb *t, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    if (t->ka_unanswered >= ka_eff_count(t)) {
        /* B3/B7: count probes went unanswered. Tell a live peer behind a broken path, then
         * record the error the application will see (A13; profile linux: ETIMEDOUT). */
        s->stats.ka_aborts++;
        tcp_send_rst_for(t, now);
        int err = s->cfg.profile == VG_PROFILE_LINUX ? VG_ERR_TIMEDOUT : VG_ERR_NETRESET;
        tcb_drop(t, err, now);
        return 1;
    }
    /* B2: SEG.SEQ = SND.NXT-1 (SND.NXT = SND.MAX here: nothing is outstanding) lies left of the peer's window, so it must answer with an ACK. */
    static const uint8_t garbage = 0;
    int octet = vg_config_garbage_octet(&s->cfg);
    tcp_send_segment(t, t->snd_max - 1, VG_TCP_ACK, octet ? &garbage : NULL, (size_t)octet, now);
    t->ka_unanswered++;
    t->ka_probes_sent++;
    s->stats.ka_probes_sent++;
    vg_stack_emit(s, VG_EV_PROBE_SENT, t, now, 0, t->ka_unanswered);
    return 0;
}

void ka_on_receive(vg_tcb *t, vg_time now)
{
    t->last_rx = now;
    if (t->ka_unanswered) {
        uint32_t n = t->ka_unanswered;
        t->ka_unanswered = 0;
        tcb_stack(t)->stats.ka_probes_acked++;
        vg_stack_emit(tcb_stack(t), VG_EV_PROBE_ACKED, t, now, 0, n);
    }
}

int vg_tcp_set_keepalive(vg_tcb *t, int on, vg_time now)
{
    if (on && !(t->flags & TF_KEEPALIVE)) {
        t->flags |= TF_KEEPALIVE;
        t->ka_epoch = now;            /* idle time counts from the switch-on at the earliest */
        t->ka_unanswered = 0;
    } else if (!on) {
        t->flags &= (uint16_t)~TF_KEEPALIVE;
        t->ka_unanswered = 0;         /* A4: switching off stops probing in progress */
    }
    tcp_timer_update(t, now);
    return 0;
}

int vg_tcp_keepalive(const vg_tcb *t) { return (t->flags & TF_KEEPALIVE) != 0; }

/* A changed setting may make the next keep-alive instant earlier than the armed entry. */
static int set_ka_ms(vg_tcb *t, uint32_t *field, uint32_t ms, vg_time now)
{
    if (ms == 0)
        return -VG_ERR_INVAL;
    *field = ms;
    tcp_timer_update(t, now);
    return 0;
}

int vg_tcp_set_keepalive_time_ms(vg_tcb *t, uint32_t ms, vg_time now)
{
    return set_ka_ms(t, &t->ka_time_ms, ms, now);
}

int vg_tcp_set_keepalive_interval_ms(vg_tcb *t, uint32_t ms, vg_time now)
{
    return set_ka_ms(t, &t->ka_intvl_ms, ms, now);
}

int vg_tcp_set_keepalive_count(vg_tcb *t, uint32_t count, vg_time now)
{
    if (count > 255 && count != VG_KA_SYSTEM)
        return -VG_ERR_INVAL;
    t->ka_count = count == VG_KA_SYSTEM ? TCB_KA_COUNT_SYSTEM : (uint16_t)count;
    tcp_timer_update(t, now);
    return 0;
}

int vg_tcp_keepalive_info(const vg_tcb *t, vg_time now, struct vg_keepalive_info *out)
{
    out->enabled = vg_tcp_keepalive(t);
    out->time_ms = ka_eff_time_ms(t);
    out->interval_ms = ka_eff_intvl_ms(t);
    out->count = ka_eff_count(t);
    out->time_is_system = t->ka_time_ms == VG_KA_SYSTEM;
    out->interval_is_system = t->ka_intvl_ms == VG_KA_SYSTEM;
    out->count_is_system = t->ka_count == TCB_KA_COUNT_SYSTEM;
    out->probes_sent = t->ka_probes_sent;
    out->probes_unanswered = t->ka_unanswered;
    out->last_rx = t->last_rx;
    out->next_probe_in = VG_TIME_NEVER;
    out->abort_in = VG_TIME_NEVER;
    vg_time d = ka_deadline(t);
    if (d == VG_TIME_NEVER)
        return 0;
    vg_time abort_at = ka_abort_at(t);
    out->abort_in = abort_at > now ? abort_at - now : 0;
    if (t->ka_unanswered < out->count)
        out->next_probe_in = d > now ? d - now : 0;
    return 0;
}

void vg_stack_set_sysparams(vg_stack *s, const struct vg_sysparams *sp)
{
    s->cfg.sys = *sp;
    s->ka_count_sys = vg_sysparams_keepalive_count(s->cfg.profile, sp);
    /* A11: connections without overrides follow at once; a shorter time may be due earlier. */
    for (vg_tcb *t = tcb_pool_next(s, NULL); t; t = tcb_pool_next(s, t))
        if (t->flags & TF_KEEPALIVE)
            tcp_timer_update(t, s->wheel.now);
}
