/* ICMP errors for TCP connections. An ICMP error is trivially forged by anyone who can guess a
 * 4-tuple, so it is believed only when it quotes a sequence number the connection has sent and
 * not yet seen acknowledged (RFC 5927 §4.1), and even then an unreachable never kills a
 * synchronised connection (RFC 5461: an attacker's cheapest reset). */
#include "tcp/tcp_icmp.h"

/* The Winsock error a connect that timed out after this ICMP error reports, or 0. */
static int soft_error_reason(uint8_t type, uint8_t code)
{
    if (type == VG_ICMP_TIME_EXCEEDED)
        return VG_ERR_HOSTUNREACH;    /* a routing loop or a path too long, as Linux says */
    if (type != VG_ICMP_DEST_UNREACH)
        return 0;                     /* parameter problem: no error says more than a timeout */
    switch (code) {
    case 0: case 6: case 9: case 11:  /* net unreachable, unknown, prohibited, for TOS */
        return VG_ERR_NETUNREACH;
    case 2: case 3:                   /* protocol or port unreachable: nobody listens */
        return VG_ERR_CONNREFUSED;
    default:                          /* host unreachable, unknown, prohibited, ... */
        return VG_ERR_HOSTUNREACH;
    }
}

int vg_tcp_icmp_error(vg_stack *s, uint8_t type, uint8_t code, uint16_t mtu,
                      const struct vg_icmp_quote *q, vg_time now)
{
    if (type == VG_ICMP_DEST_UNREACH && code > 15)
        return 0;                     /* no such code (RFC 1812 §5.2.7.1 lists 0-15) */
    vg_tcb *t = tcb_lookup(s, q->src, q->sport, q->dst, q->dport);
    if (!t || !SEQ_GEQ(q->seq, t->snd_una) || !SEQ_LT(q->seq, t->snd_max))
        return 0;
    if (type == VG_ICMP_DEST_UNREACH && code == VG_ICMP_FRAG_NEEDED)
        return tcp_pmtu_frag_needed(t, mtu, q->total_len, now);
    s->stats.icmp_soft_errors++;
    int err = soft_error_reason(type, code);
    if (t->state == VG_TCP_SYN_SENT && err)
        t->soft_err = (uint8_t)err;   /* RFC 1122 §4.2.3.9: report it if the connect fails */
    return 1;
}

int tcp_icmp_timeout_error(const vg_tcb *t)
{
    return t->state == VG_TCP_SYN_SENT && t->soft_err ? t->soft_err : VG_ERR_TIMEDOUT;
}
