/* Segment output: SYNs, data under the send and congestion windows (Nagle, SWS avoidance),
 * FIN, ACKs and resets. */
#include <string.h>

#include "ip/ip_out.h"
#include "tcp/tcb.h"
#include "tcp/tcp_emit.h"
#include "tcp/tcp_ts.h"
#include "tcp/tcp_window.h"

/* tcp_rcv_window, inline where a segment is built. */
static inline uint32_t rcv_window(const vg_tcb *t)
{
    const vg_stack *s = tcb_stack(t);
    const struct vg_ring *r = t->rcv;
    uint32_t used = vg_ring_len(r);
    uint32_t wnd = t->rcvbuf > used ? t->rcvbuf - used : 0;
    /* Offer only space the buffer budget (cfg.mem_limit) can back, as Linux's tcp_mem pressure
     * shrinks windows: the room the receive ring already holds plus what the budget could still
     * grow it by. Under pressure a window of less than one MSS is offered as 0 (receiver SWS
     * avoidance); the peer's zero-window probes are answered and learn when room returns. Many
     * connections may each be offered the same free budget: one whose data then finds no memory
     * drops it unacknowledged, and the sender retransmits. A budget with room for the whole
     * window and a ring header backs it whatever the ring holds: the usual case, decided at
     * once. */
    uint64_t room = s->cfg.mem_limit > s->stats.mem_bytes ? s->cfg.mem_limit - s->stats.mem_bytes : 0;
    if (room < (uint64_t)wnd + sizeof *r) {
        uint64_t backed = r ? (uint64_t)(r->cap - used) + room
                            : (room > sizeof *r ? room - sizeof *r : 0);
        if (backed < wnd)
            wnd = backed < t->mss ? 0 : (uint32_t)backed;
    }
    /* Never move the right edge left of what was already advertised (RFC 9293 §3.8.6). */
    uint32_t promised = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    return wnd > promised ? wnd : promised;
}

uint32_t tcp_rcv_window(const vg_tcb *t)
{
    return rcv_window(t);
}

uint32_t tcp_data_end(const vg_tcb *t)
{
    uint32_t syn = (t->state == VG_TCP_SYN_SENT || t->state == VG_TCP_SYN_RECEIVED) ? 1 : 0;
    return t->snd_una + syn + vg_ring_len(t->snd);
}

/* A segment of this connection: window, ACK and SYN options filled in here, the payload
 * framed by tcp_emit. */
static void send_payload(vg_tcb *t, uint32_t seq, uint8_t flags, const struct tcp_payload *p,
                         uint16_t gso_size, vg_time now)
{
    vg_stack *s = tcb_stack(t);
    struct vg_tcp_fields h = {.sport = t->lport, .dport = t->rport, .seq = seq, .flags = flags};
    struct vg_tcp_opts opt;
    uint32_t wnd = rcv_window(t);
    if (flags & VG_TCP_SYN) {
        /* A SYN-ACK offers scaling only when the peer's SYN did (RFC 7323 §2.2). */
        int offer = t->state == VG_TCP_SYN_SENT || (t->flags & TF_SYN_WSCALE);
        h.wnd = syn_wnd_field(wnd, offer ? t->rcv_wscale : 0);
        wnd = h.wnd;
        memset(&opt, 0, sizeof opt);
        opt.has_mss = 1;
        opt.mss = vg_ip_mss(s, t->laddr);
        if (offer) {
            opt.has_wscale = 1;
            opt.wscale = t->rcv_wscale;
        }
        /* Timestamps likewise: offered by our SYN, answered only to a SYN that carried them. */
        if (t->state == VG_TCP_SYN_SENT ? !s->cfg.no_timestamps : tcp_ts_on(t)) {
            opt.has_ts = 1;
            opt.ts_val = tcp_ts_val_of(t, now);
            opt.ts_ecr = (flags & VG_TCP_ACK) ? t->ts_recent : 0;
        }
        if (t->state == VG_TCP_SYN_SENT ? !s->cfg.no_sack : (t->flags2 & TF2_SACK) != 0)
            opt.sack_permitted = 1;
        h.opt = &opt;
    } else {
        h.wnd = wnd_field(wnd, t->rcv_wscale);
        wnd = (uint32_t)h.wnd << t->rcv_wscale;
        int has_opt = tcp_ts_opt_fill(t, &opt, flags, now);
        /* SACK blocks go on segments without data, so a data segment's payload never shrinks
         * for them (the islands are reported by the ACKs out-of-order data asks for at once);
         * they take the room the timestamps leave (tcp_sack_room). */
        if (p->len == 0 && !(flags & VG_TCP_RST) && sack_rx_wanted(t)) {
            if (!has_opt)
                memset(&opt, 0, sizeof opt);
            sack_rx_blocks(t, &opt, tcp_sack_room(t));
            has_opt |= opt.nsack != 0;
        }
        if (has_opt)
            h.opt = &opt;
    }
    if (flags & VG_TCP_ACK) {
        h.ack = t->rcv_nxt;
        if (SEQ_GT(t->rcv_nxt + wnd, t->rcv_adv))
            t->rcv_adv = t->rcv_nxt + wnd;
        if (t->x)
            t->x->delack_at = VG_TIME_NEVER;
        /* A data segment carries no SACK blocks: an ACK owed at once (out-of-order data) still
         * goes after it, with them. */
        if (p->len && (t->flags & TF_ACK_NOW) && sack_rx_wanted(t))
            t->flags &= (uint16_t)~TF_DELACK_ONE;
        else
            t->flags &= (uint16_t)~(TF_ACK_NOW | TF_DELACK_ONE);
    }
    tcp_emit_inline(s, &h, t->laddr, t->raddr, p, gso_size, now);
}

void tcp_send_segment(vg_tcb *t, uint32_t seq, uint8_t flags, const uint8_t *data, size_t len,
                      vg_time now)
{
    struct tcp_payload p = {.data = data, .len = (uint32_t)len};
    send_payload(t, seq, flags, &p, 0, now);
}

void tcp_send_ack(vg_tcb *t, vg_time now)
{
    /* SND.MAX, not SND.NXT: after a retransmission timeout pulls SND.NXT back, an ACK carrying
     * it would fall left of the peer's window and be dropped, and both ends could stall. But
     * never past the window's right edge (as Linux's tcp_acceptable_seq): a zero-window probe's
     * octet puts SND.MAX one past a window that may stay shut, and a peer drops a segment beyond
     * its window unread, ACK field and all — one blocked on sending to us would wait forever. */
    uint32_t edge = t->snd_una + t->snd_wnd;
    tcp_send_segment(t, SEQ_GT(t->snd_max, edge) ? edge : t->snd_max, VG_TCP_ACK, NULL, 0, now);
}

void tcp_send_syn(vg_tcb *t, vg_time now)
{
    /* vg_tcp_connect took the block the SYN's timing and retransmission need. */
    struct vg_tcb_xfer *x = t->x;
    uint8_t flags = t->state == VG_TCP_SYN_RECEIVED ? VG_TCP_SYN | VG_TCP_ACK : VG_TCP_SYN;
    tcp_send_segment(t, t->iss, flags, NULL, 0, now);
    if (t->snd_nxt == t->iss) {
        t->snd_nxt = t->iss + 1;
        t->flags |= TF_RTT_TIMING;    /* the handshake gives the first RTT sample */
        x->rtt_seq = t->iss;
        x->rtt_start = now;
    }
    if (SEQ_GT(t->snd_nxt, t->snd_max))
        t->snd_max = t->snd_nxt;
    if (x->rtx_at == VG_TIME_NEVER)
        tcp_arm_rtx(t, now);
}

void tcp_send_rst_for(vg_tcb *t, vg_time now)
{
    tcb_stack(t)->stats.tcp_rst_sent++;
    tcp_send_segment(t, t->snd_max, VG_TCP_RST | VG_TCP_ACK, NULL, 0, now);
}

void tcp_send_reset_reply(vg_stack *s, const struct vg_ip_pkt *ip, const struct vg_tcp_hdr *th,
                          size_t dlen, vg_time now)
{
    if (th->flags & VG_TCP_RST)
        return;
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = th->dport;
    h.dport = th->sport;
    if (th->flags & VG_TCP_ACK) {
        h.seq = th->ack;
        h.flags = VG_TCP_RST;
    } else {
        h.ack = th->seq + (uint32_t)dlen + ((th->flags & VG_TCP_SYN) ? 1 : 0) +
                ((th->flags & VG_TCP_FIN) ? 1 : 0);
        h.flags = VG_TCP_RST | VG_TCP_ACK;
    }
    s->stats.tcp_rst_sent++;
    tcp_emit(s, &h, ip->dst, ip->src, NULL, 0, now);
}

/* Sends bytes [seq, seq+len) from the send queue, with FIN when they end the stream: copied
 * once, from the ring into the frame. More than one MSS goes as one TSO frame the link cuts
 * (PSH and FIN then stay on its last piece, as GSO leaves them). */
static inline void send_data(vg_tcb *t, uint32_t seq, uint32_t len, int fin, vg_time now)
{
    uint8_t flags = VG_TCP_ACK;
    if (fin)
        flags |= VG_TCP_FIN;
    if (len && seq + len == tcp_data_end(t))
        flags |= VG_TCP_PSH;
    struct tcp_payload p = {.ring = len ? t->snd : NULL, .off = seq - t->snd_una, .len = len};
    send_payload(t, seq, flags, &p, len > t->mss ? (uint16_t)t->mss : 0, now);
    if (t->flags2 & TF2_SACK)
        rack_sent(t, seq, len + (fin ? 1u : 0u), now);
}

/* The payload one frame may carry: one MSS, or with TSO as much as an IPv4 datagram holds.
 * Bytes sent before (going back after a timeout) go again one MSS at a time, as every
 * retransmission does. */
static uint32_t frame_payload_max(const vg_tcb *t)
{
    if (!ip_tso(tcb_stack(t)) || SEQ_LT(t->snd_nxt, t->snd_max))
        return t->mss;
    return VG_IP_L4_MAX - VG_TCP_HDR_LEN - tcp_ts_opt_len(t);
}

static int fin_may_be_sent(const vg_tcb *t)
{
    if (!(t->flags & TF_FIN_QUEUED))
        return 0;
    switch (t->state) {
    case VG_TCP_ESTABLISHED: case VG_TCP_CLOSE_WAIT: case VG_TCP_FIN_WAIT_1:
    case VG_TCP_CLOSING: case VG_TCP_LAST_ACK:
        return 1;
    default:
        return 0;
    }
}

void tcp_retransmit_first(vg_tcb *t, vg_time now)
{
    if (t->state == VG_TCP_SYN_SENT || t->state == VG_TCP_SYN_RECEIVED) {
        tcp_send_syn(t, now);
    } else {
        uint32_t end = tcp_data_end(t);
        uint32_t len = SEQ_GT(end, t->snd_una) ? end - t->snd_una : 0;
        if (len > t->mss)
            len = t->mss;
        /* Bytes already sent may go again whatever the window; new ones only inside it. */
        uint32_t sent = t->snd_max - t->snd_una;
        uint32_t room = t->snd_wnd > sent ? t->snd_wnd : sent;
        if (len > room)
            len = room;
        int fin = (t->flags & TF_FIN_SENT) && t->snd_una + len == end;
        if (!len && !fin)
            return;
        send_data(t, t->snd_una, len, fin, now);
        /* A full-sized resend may carry bytes never sent before: they are in flight now, and the
         * peer's ACK of them must be acceptable. */
        uint32_t sent_end = t->snd_una + len + (fin ? 1u : 0u);
        if (SEQ_GT(sent_end, t->snd_max))
            t->snd_max = sent_end;
    }
    tcb_stack(t)->stats.tcp_retransmits++;
    vg_stack_emit(tcb_stack(t), VG_EV_RETRANSMIT, t, now, 0, 0);
}

uint32_t tcp_resend_range(vg_tcb *t, uint32_t seq, uint32_t len, vg_time now)
{
    uint32_t end = tcp_data_end(t);
    uint32_t data = SEQ_GT(end, seq) ? end - seq : 0;
    if (len > data)
        len = data;
    if (len > t->mss)
        len = t->mss;
    int fin = (t->flags & TF_FIN_SENT) && seq + len == end;
    if (!len && !fin)
        return 0;
    send_data(t, seq, len, fin, now);
    tcb_stack(t)->stats.tcp_retransmits++;
    vg_stack_emit(tcb_stack(t), VG_EV_RETRANSMIT, t, now, 0, 0);
    return len + (fin ? 1u : 0u);
}

void tcp_output(vg_tcb *t, vg_time now)
{
    if (!tcp_synchronized(t) || t->state == VG_TCP_TIME_WAIT) {
        if ((t->flags & TF_ACK_NOW) && t->state == VG_TCP_TIME_WAIT)
            tcp_send_ack(t, now);
        return;
    }
    uint32_t end = tcp_data_end(t);
    uint32_t max0 = t->snd_max;
    /* Queued data or a queued FIN holds the block (vg_tcp_send, vg_tcp_shutdown_send): without
     * one there is nothing to send. */
    struct vg_tcb_xfer *x = t->x;
    while (x) {
        uint32_t unsent = SEQ_GT(end, t->snd_nxt) ? end - t->snd_nxt : 0;
        /* Nothing queued (an ACK's call, or the data just sent was all): no window to look at. */
        if (!unsent && !(t->flags & TF_FIN_QUEUED))
            break;
        uint32_t inflight = t->snd_nxt - t->snd_una;
        uint32_t wnd = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;
        uint32_t usable = wnd > inflight ? wnd - inflight : 0;
        uint32_t max = frame_payload_max(t);
        uint32_t len = unsent < max ? unsent : max;
        if (len > usable)
            len = usable;
        int fin = fin_may_be_sent(t) && SEQ_LEQ(t->snd_nxt, end) && t->snd_nxt + len == end;
        if (!len && !fin)
            break;
        if (len > t->mss && len % t->mss && !fin &&
            (!(t->flags & TF_NODELAY) || len < unsent)) {
            /* A TSO frame's short last piece under Nagle as if it went alone: the full pieces
             * before it are in flight, so it waits unless it is all there is and Nagle is off. */
            len -= len % t->mss;
        }
        if (len && len < t->mss && !fin) {
            /* Nagle (RFC 896) and sender-side SWS avoidance: hold a small segment while
             * anything is in flight, unless it is all we have and Nagle is off. */
            if (inflight && (!(t->flags & TF_NODELAY) || len < unsent))
                break;
        }
        uint32_t seq = t->snd_nxt;
        send_data(t, seq, len, fin, now);
        if (len && !tcp_ts_on(t) && !(t->flags & TF_RTT_TIMING) && SEQ_GEQ(seq, t->snd_max)) {
            t->flags |= TF_RTT_TIMING;
            x->rtt_seq = seq;
            x->rtt_start = now;
        }
        if (t->snd_una == t->snd_max) {
            x->unacked_since = now;
            if (x->cc.idle_on)        /* the hook has work only after an ACK emptied the flight */
                cc_on_tx_start(t, now);
        }
        t->snd_nxt = seq + len + (fin ? 1 : 0);
        if (SEQ_GT(t->snd_nxt, t->snd_max))
            t->snd_max = t->snd_nxt;
        if (fin) {
            t->flags |= TF_FIN_SENT;
            if (t->state == VG_TCP_ESTABLISHED)
                t->state = VG_TCP_FIN_WAIT_1;
            else if (t->state == VG_TCP_CLOSE_WAIT)
                t->state = VG_TCP_LAST_ACK;
        }
        if (x->rtx_at == VG_TIME_NEVER)
            tcp_arm_rtx(t, now);
        x->persist_at = VG_TIME_NEVER;
        if (fin)
            break;
    }
    uint32_t unsent = SEQ_GT(end, t->snd_nxt) ? end - t->snd_nxt : 0;
    if (unsent && x && t->snd_wnd == 0 && t->snd_una == t->snd_max &&
        x->persist_at == VG_TIME_NEVER) {
        /* Zero window with nothing in flight: the persist timer, not retransmission, probes. */
        x->rtx_at = VG_TIME_NEVER;
        x->persist_shift = 0;
        x->persist_at = now + (t->rto_us < VG_RTO_MIN_US ? VG_RTO_MIN_US : t->rto_us);
    }
    if (t->flags & TF_ACK_NOW)
        tcp_send_ack(t, now);
    if (tcb_rack_live(t))
        rack_arm_pto(t, SEQ_GT(t->snd_max, max0), now);
    tcp_timer_update(t, now);
}
