/* Test support: two stacks joined by an in-process link that behaves as a NIC with offloads
 * would, and checks the stack's side of the frame contract (include/vigil/vigil.h) on every
 * frame. Header-only (static functions), for tests and throwaway measurement programs; failures
 * are cmocka assertions, so include <cmocka.h> (and its prerequisites) first.
 *
 *   ML_PLAIN  vg_stack_set_output, no offloads: every checksum is the stack's, verified here.
 *   ML_WHOLE  TX_CSUM|TSO, frames delivered whole (a TSO frame arrives as one segment longer
 *             than the MSS, as on Linux's loopback) with VG_RX_CSUM_VALID, the partial checksum
 *             left as it is: the receiver must not verify it. A completed copy is verified.
 *   ML_CUT    TX_CSUM|TSO, the link does what a NIC does: completes the partial checksum over
 *             csum_start.., then cuts a frame with gso_size into pieces of gso_size payload
 *             octets (sequence numbers advanced, PSH and FIN on the last piece only, each with
 *             its own IP header and checksums), and delivers them unvouched (rx_flags 0). */
#ifndef VG_TEST_MEMLINK_H
#define VG_TEST_MEMLINK_H

#include <stdlib.h>
#include <string.h>

#include "vigil/vigil.h"
#include "wire/wire.h"

enum ml_mode { ML_PLAIN, ML_WHOLE, ML_CUT };

struct ml_pkt {
    struct ml_pkt *next;
    size_t len;
    unsigned rx_flags;
    uint8_t data[];
};

struct memlink;
struct ml_end {
    struct memlink *l;
    int idx;                         /* the sending host */
};

struct memlink {
    enum ml_mode mode;
    vg_stack *s[2];
    struct ml_end end[2];
    struct ml_pkt *head[2], *tail[2];   /* [i]: queued for host i */
    vg_time now;
    /* What the link saw, per sending host. */
    uint64_t frames[2], tso_frames[2], pieces[2], partial[2];
    size_t max_payload_in[2];        /* the largest TCP payload delivered to host i */
    uint32_t data_end[2];            /* highest TCP sequence end sent by host i (data only) */
    int data_seen[2];
    uint64_t resent_frames[2];       /* data frames starting below data_end: retransmissions */
    size_t max_resent_payload[2];
    uint16_t mss[2];                 /* gso_size a TSO frame from host i must carry */
    uint64_t drop_tso_frame[2];      /* drop host i's n-th TSO frame (1-based; 0: none) */
};

static inline void ml_enqueue(struct memlink *l, int to, const uint8_t *p, size_t len,
                              unsigned rx_flags)
{
    struct ml_pkt *k = malloc(sizeof *k + len);
    assert_non_null(k);
    k->next = NULL;
    k->len = len;
    k->rx_flags = rx_flags;
    memcpy(k->data, p, len);
    if (l->tail[to])
        l->tail[to]->next = k;
    else
        l->head[to] = k;
    l->tail[to] = k;
}

/* The link's one's-complement sum over [csum_start, len), stored at csum_start+csum_offset. */
static inline void ml_complete_csum(uint8_t *d, size_t len, uint16_t start, uint16_t off,
                                    uint8_t proto)
{
    assert_true((size_t)start + off + 2 <= len);
    uint16_t c = vg_csum_fold(vg_csum_add(0, d + start, len - start));
    if (proto == VG_IPPROTO_UDP && c == 0)
        c = 0xffff;
    vg_put16(d + start + off, c);
}

/* Sequence bookkeeping of a data frame from host i: retransmissions must be single segments. */
static inline void ml_note_data(struct memlink *l, int i, uint32_t seq, size_t dlen,
                                uint16_t gso)
{
    if (!dlen)
        return;
    uint32_t end = seq + (uint32_t)dlen;
    if (l->data_seen[i] && (int32_t)(seq - l->data_end[i]) < 0) {
        l->resent_frames[i]++;
        if (dlen > l->max_resent_payload[i])
            l->max_resent_payload[i] = dlen;
        assert_int_equal(gso, 0);
    }
    if (!l->data_seen[i] || (int32_t)(end - l->data_end[i]) > 0)
        l->data_end[i] = end;
    l->data_seen[i] = 1;
}

/* Cuts a verified TCP frame into gso pieces, each checked with vg_tcp_parse, into the queue. */
static inline void ml_cut(struct memlink *l, int to, const struct vg_ipv4_hdr *ip,
                          const struct vg_tcp_hdr *th, const uint8_t *seg, const uint8_t *data,
                          size_t dlen, uint16_t gso)
{
    static uint8_t piece[65536];
    size_t hl = th->hdr_len;
    for (size_t off = 0; off < dlen; off += gso) {
        size_t n = dlen - off < gso ? dlen - off : gso;
        int last = off + n == dlen;
        if (!last)
            assert_int_equal(n, gso);
        uint8_t *t = piece + VG_IPV4_HDR_LEN;
        memcpy(t, seg, hl);
        memcpy(t + hl, data + off, n);
        vg_put32(t + 4, th->seq + (uint32_t)off);
        if (!last)
            t[13] = (uint8_t)(t[13] & ~(VG_TCP_FIN | VG_TCP_PSH));
        vg_put16(t + 16, 0);
        uint32_t ps = vg_csum_pseudo(ip->src, ip->dst, VG_IPPROTO_TCP, (uint16_t)(hl + n));
        vg_put16(t + 16, vg_csum_fold(vg_csum_add(ps, t, hl + n)));
        struct vg_ipv4_hdr pip = *ip;
        assert_int_equal(vg_ipv4_write(piece, sizeof piece, &pip, hl + n), VG_IPV4_HDR_LEN);
        struct vg_tcp_hdr ph;
        const uint8_t *pd;
        size_t pdl;
        assert_int_equal(vg_tcp_parse(t, hl + n, ip->src, ip->dst, &ph, &pd, &pdl), VG_WIRE_OK);
        assert_int_equal(pdl, n);
        assert_int_equal(ph.seq, th->seq + (uint32_t)off);
        ml_enqueue(l, to, piece, VG_IPV4_HDR_LEN + hl + n, 0);
        if (n > l->max_payload_in[to])
            l->max_payload_in[to] = n;
        l->pieces[1 - to]++;
    }
}

static inline void ml_frame(void *ctx, struct vg_frame *f, vg_time now)
{
    (void)now;
    struct ml_end *e = ctx;
    struct memlink *l = e->l;
    int i = e->idx, to = 1 - i;
    static uint8_t copy[65536];
    l->frames[i]++;
    assert_true(f->len <= sizeof copy);
    memcpy(copy, f->data, f->len);
    struct vg_ipv4_hdr ip;
    const uint8_t *l4;
    size_t l4len;
    assert_int_equal(vg_ipv4_parse(copy, f->len, &ip, &l4, &l4len), VG_WIRE_OK);
    assert_int_equal(ip.proto, f->l4_proto);
    if (f->flags & VG_FRAME_CSUM_PARTIAL) {
        /* The contract: the field holds the folded pseudo-header sum; csum_start is the
         * transport header's offset in data. */
        assert_int_equal(f->csum_start, ip.hdr_len);
        assert_int_equal(f->csum_offset, ip.proto == VG_IPPROTO_TCP ? 16 : 6);
        uint32_t ps = vg_csum_pseudo(ip.src, ip.dst, ip.proto, (uint16_t)l4len);
        assert_int_equal(vg_get16(copy + f->csum_start + f->csum_offset),
                         (uint16_t)~vg_csum_fold(ps));
        ml_complete_csum(copy, f->len, f->csum_start, f->csum_offset, ip.proto);
        l->partial[i]++;
    }
    if (ip.proto != VG_IPPROTO_TCP) {
        if (ip.proto == VG_IPPROTO_UDP) {
            struct vg_udp_hdr uh;
            const uint8_t *d;
            size_t dl;
            assert_int_equal(vg_udp_parse(l4, l4len, ip.src, ip.dst, &uh, &d, &dl), VG_WIRE_OK);
        }
        ml_enqueue(l, to, l->mode == ML_WHOLE ? f->data : copy, f->len,
                   l->mode == ML_WHOLE ? VG_RX_CSUM_VALID : 0);
        return;
    }
    struct vg_tcp_hdr th;
    const uint8_t *data;
    size_t dlen;
    assert_int_equal(vg_tcp_parse(l4, l4len, ip.src, ip.dst, &th, &data, &dlen), VG_WIRE_OK);
    if (f->gso_size) {
        assert_int_equal(f->gso_size, l->mss[i]);
        assert_true(dlen > f->gso_size);
        l->tso_frames[i]++;
        if (l->drop_tso_frame[i] && l->tso_frames[i] == l->drop_tso_frame[i]) {
            ml_note_data(l, i, th.seq, dlen, f->gso_size);
            return;
        }
    } else {
        assert_true(dlen <= l->mss[i]);
    }
    ml_note_data(l, i, th.seq, dlen, f->gso_size);
    if (l->mode == ML_CUT && f->gso_size) {
        ml_cut(l, to, &ip, &th, l4, data, dlen, f->gso_size);
        return;
    }
    if (dlen > l->max_payload_in[to])
        l->max_payload_in[to] = dlen;
    if (l->mode == ML_WHOLE)
        ml_enqueue(l, to, f->data, f->len, VG_RX_CSUM_VALID);
    else
        ml_enqueue(l, to, copy, f->len, 0);
}

static inline void ml_plain_output(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    struct vg_frame f = {.data = (uint8_t *)(uintptr_t)pkt, .len = len,
                         .l4_proto = len > 9 ? pkt[9] : 0};
    ml_frame(ctx, &f, now);
}

static inline void ml_init(struct memlink *l, enum ml_mode mode, vg_stack *s0, vg_stack *s1)
{
    memset(l, 0, sizeof *l);
    l->mode = mode;
    l->s[0] = s0;
    l->s[1] = s1;
    for (int i = 0; i < 2; i++) {
        l->end[i].l = l;
        l->end[i].idx = i;
        /* Two vigil stacks negotiate timestamps unless both are told not to: 12 octets of
         * every segment go to the option then. */
        const struct vg_stack_config *c0 = vg_stack_config(s0), *c1 = vg_stack_config(s1);
        int ts = !c0->no_timestamps && !c1->no_timestamps;
        l->mss[i] = (uint16_t)(vg_stack_config(l->s[i])->mtu - 40 - (ts ? 12 : 0));
        if (mode == ML_PLAIN)
            vg_stack_set_output(l->s[i], ml_plain_output, &l->end[i]);
        else
            vg_stack_set_frame_output(l->s[i], ml_frame, &l->end[i],
                                      VG_OFFLOAD_TX_CSUM | VG_OFFLOAD_TSO);
    }
}

/* Delivers everything queued (and what that queues in turn); returns the packets delivered. */
static inline size_t ml_deliver(struct memlink *l)
{
    size_t n = 0;
    for (;;) {
        int any = 0;
        for (int i = 0; i < 2; i++) {
            struct ml_pkt *k = l->head[i];
            if (!k)
                continue;
            l->head[i] = k->next;
            if (!l->head[i])
                l->tail[i] = NULL;
            vg_stack_input_ex(l->s[i], k->data, k->len, k->rx_flags, l->now);
            free(k);
            any = 1;
            n++;
        }
        if (!any)
            return n;
    }
}

/* Runs timers due now; when nothing happened, moves the clock to the next deadline. */
static inline int ml_step(struct memlink *l, int busy)
{
    for (int i = 0; i < 2; i++)
        if (vg_stack_next_deadline(l->s[i]) <= l->now) {
            vg_stack_poll(l->s[i], l->now);
            busy = 1;
        }
    busy |= ml_deliver(l) != 0;
    if (!busy) {
        vg_time a = vg_stack_next_deadline(l->s[0]), b = vg_stack_next_deadline(l->s[1]);
        vg_time next = a < b ? a : b;
        l->now = next == VG_TIME_NEVER ? l->now + VG_MS(1) : next;
    }
    return busy;
}

static inline void ml_free(struct memlink *l)
{
    for (int i = 0; i < 2; i++)
        while (l->head[i]) {
            struct ml_pkt *k = l->head[i];
            l->head[i] = k->next;
            free(k);
        }
}

#endif
