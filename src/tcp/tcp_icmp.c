/* ICMP errors for TCP connections. An ICMP error is trivially forged by anyone who can guess a
 * 4-tuple, so it is believed only when it quotes a sequence number the connection has sent and
 * not yet seen acknowledged (RFC 5927 §4.1), and even then an unreachable never kills a
 * synchronised connection (RFC 5461: an attacker's cheapest reset). */
#include "tcp/tcp_icmp.h"

int vg_tcp_icmp_error(vg_stack *s, const struct vg_ip_quote *q, int err, uint16_t mtu,
                      vg_time now)
{
    vg_tcb *t = tcb_lookup(s, q->src, q->sport, q->dst, q->dport);
    if (!t || !SEQ_GEQ(q->seq, t->snd_una) || !SEQ_LT(q->seq, t->snd_max))
        return 0;
    if (err == VG_ICMP_TOO_BIG)
        return tcp_pmtu_frag_needed(t, mtu, q->total_len, now);
    s->stats.icmp_soft_errors++;
    if (t->state == VG_TCP_SYN_SENT && err)
        t->soft_err = (uint8_t)err;   /* RFC 1122 §4.2.3.9: report it if the connect fails */
    return 1;
}

int tcp_icmp_timeout_error(const vg_tcb *t)
{
    return t->state == VG_TCP_SYN_SENT && t->soft_err ? t->soft_err : VG_ERR_TIMEDOUT;
}
