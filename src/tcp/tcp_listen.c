/* Passive open: a SYN arriving at a listener creates a connection in SYN_RECEIVED. */
#include "tcp/tcb.h"

/* The peer's SYN options decide our segment size and whether window scaling is in effect
 * (RFC 9293 §3.7.1, RFC 7323 §2.2). */
void tcp_apply_syn_options(vg_tcb *t, const struct vg_tcp_hdr *th)
{
    uint16_t ours = (uint16_t)(t->stack->cfg.mtu - 40);
    uint16_t peer = th->opt.has_mss ? th->opt.mss : 536;
    if (peer < 64)
        peer = 64;
    t->mss = peer < ours ? peer : ours;
    if (th->opt.has_wscale) {
        t->flags |= TF_SYN_WSCALE | TF_PEER_WSCALE;
        t->snd_wscale = th->opt.wscale > 14 ? 14 : th->opt.wscale;
        t->rcv_wscale = VG_RCV_WSCALE;
    } else {
        t->snd_wscale = 0;
        t->rcv_wscale = 0;
    }
}

static void inherit(vg_tcb *c, const vg_tcb *l)
{
    /* Accepted sockets take the listening socket's options, keep-alive included. */
    c->flags |= l->flags & (TF_NODELAY | TF_KEEPALIVE);
    c->ka_time_ms = l->ka_time_ms;
    c->ka_intvl_ms = l->ka_intvl_ms;
    c->ka_count = l->ka_count;
    c->maxrt_ms = l->maxrt_ms;
    c->sndbuf = l->sndbuf;
    c->rcvbuf = l->rcvbuf;
}

void tcp_listen_input(vg_tcb *l, const struct vg_ipv4_hdr *ip, const struct vg_tcp_hdr *th,
                      size_t dlen, vg_time now)
{
    vg_stack *s = l->stack;
    if (th->flags & VG_TCP_RST)
        return;
    if (th->flags & VG_TCP_ACK) {
        tcp_send_reset_reply(s, ip, th, dlen, now);
        return;
    }
    if (!(th->flags & VG_TCP_SYN))
        return;
    if (l->lq->queued + l->lq->embryonic >= l->lq->backlog)
        return;                       /* backlog full: the peer's SYN retransmission retries */
    vg_tcb *c = tcb_alloc(s);
    if (!c)
        return;
    if (vg_port_ref(s, th->dport)) {
        tcb_free(c);
        return;
    }
    c->laddr = ip->dst;
    c->lport = th->dport;
    c->raddr = ip->src;
    c->rport = th->sport;
    inherit(c, l);
    c->parent = l;
    l->lq->embryonic++;
    tcp_apply_syn_options(c, th);
    tcb_init_connection(c, now);
    c->ka_epoch = now;
    c->irs = th->seq;
    c->rcv_nxt = th->seq + 1;
    c->rcv_adv = c->rcv_nxt;
    c->snd_wnd = th->wnd;             /* never scaled in a SYN */
    c->snd_wl1 = th->seq;
    c->state = VG_TCP_SYN_RECEIVED;
    tcb_table_insert(s, c);
    tcp_send_syn(c, now);
    tcp_timer_update(c, now);
}
