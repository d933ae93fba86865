/* The segment size as the path allows it: lowered by ICMP frag-needed (RFC 1191 Path MTU
 * Discovery) and, where ICMP is filtered and frag-needed never comes, by repeated timeouts of
 * full-sized segments (RFC 4821 §7.2, as Linux with tcp_mtu_probing=1). The MSS only ever goes
 * down; vigil does not probe upwards again. Data segments carry no TCP options but timestamps
 * (tcp_ts.h), so a path MTU of M fits segments of M - 40 octets over IPv4 (M - 60 over IPv6),
 * 12 fewer with timestamps. */
#include "tcp/tcp_icmp.h"
#include "tcp/tcp_ts.h"

/* The IP and TCP headers of t's segments, options apart. */
static uint32_t ip_tcp_hdrs(const vg_tcb *t) { return vg_ip_hdr_len(t->laddr) + VG_TCP_HDR_LEN; }

/* RFC 1191 §7: the MTU plateaus, for a router that says frag-needed without the next-hop MTU. */
static uint16_t plateau_below(uint16_t len)
{
    static const uint16_t plateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (size_t i = 0; i < sizeof plateaus / sizeof plateaus[0]; i++)
        if (plateaus[i] < len)
            return plateaus[i];
    return 68;
}

/* The least MSS either mechanism may set: a forged frag-needed must not make a connection send
 * 28-octet segments (CVE-2004-0790's cousin), so cfg.min_pmtu bounds it as Linux's min_pmtu. */
static uint16_t mss_floor(const vg_tcb *t)
{
    uint32_t min_pmtu = tcb_stack(t)->cfg.min_pmtu, hdrs = ip_tcp_hdrs(t);
    return (uint16_t)(min_pmtu > hdrs + 64 ? min_pmtu - hdrs : 64);
}

/* Go back to SND.UNA and send again in segments of the new size, at once (RFC 1191 §6.5: not
 * after a timeout). Not a congestion signal: cwnd and ssthresh are left alone. Behind a zero
 * window the persist timer owns what is sent (B6), and the new size waits for the window. */
static void resend_unacked(vg_tcb *t, vg_time now)
{
    if (t->snd_una == t->snd_max || t->snd_wnd == 0 || t->x->persist_at != VG_TIME_NEVER)
        return;
    t->flags &= (uint16_t)~TF_RTT_TIMING;   /* Karn: a resent segment gives no RTT sample */
    t->snd_nxt = t->snd_una;
    tcp_arm_rtx(t, now);
    tcp_output(t, now);
}

int tcp_pmtu_frag_needed(vg_tcb *t, uint16_t mtu, uint16_t quoted_len, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    /* Without PMTUD our datagrams carry no DF and may be fragmented: a frag-needed is forged.
     * Before the handshake ends our SYN (44 octets) is all there is. */
    if (s->cfg.no_pmtu_discovery || !tcp_synchronized(t))
        return 0;
    if (!mtu)
        mtu = plateau_below(quoted_len);
    uint32_t hdrs = ip_tcp_hdrs(t) + tcp_ts_opt_len(t);
    if (mtu >= t->mss + hdrs)
        return 0;                     /* says nothing new (RFC 1191 §6.3: never raise) */
    uint16_t floor = mss_floor(t);
    uint16_t mss = mtu > floor + hdrs ? (uint16_t)(mtu - hdrs) : floor;
    if (mss >= t->mss)
        return 1;                     /* already at the floor */
    t->mss = mss;
    s->stats.pmtu_updates++;
    resend_unacked(t, now);
    return 1;
}

void tcp_mtu_blackhole_on_rto(vg_tcb *t)
{
    vg_stack *s = tcb_stack(t);
    if (s->cfg.no_mtu_probing || !tcp_synchronized(t) || t->x->rtx_count < 2)
        return;
    /* Only a full-sized segment can be too big for the path; a short one lost twice is loss. */
    uint32_t inflight = t->snd_max - t->snd_una;
    uint16_t floor = mss_floor(t);
    if (inflight < t->mss || t->mss <= floor)
        return;
    uint16_t mss = t->mss > s->cfg.base_mss ? s->cfg.base_mss : (uint16_t)(t->mss / 2);
    if (mss < floor)
        mss = floor;
    t->mss = mss;
    s->stats.mtu_probe_reductions++;
}
