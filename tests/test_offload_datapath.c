/* The data path with and without link offloads (vg_stack_set_frame_output): bulk transfers
 * byte-exact both ways over an in-process link (support/memlink.h) that delivers TSO frames
 * whole or cuts them as a NIC would, partial checksums completed by the link, lost TSO data
 * resent one MSS at a time, TSO under Nagle, coalesced segments ACKed at once, and
 * VG_RX_CSUM_VALID skipping only the transport checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "memlink.h"
#include "rawpeer.h"
#include "tcp/ring.h"

#define A 0xc0000201u   /* 192.0.2.1 */
#define B 0xc0000202u   /* 192.0.2.2 */
#define PORT 5001
#define MSS 1460u

/* The byte at offset off of direction d's stream. */
static uint8_t pattern(int d, uint64_t off)
{
    uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(d + 1) * 0xc2b2ae3d27d4eb4full;
    x ^= x >> 29;
    return (uint8_t)(x * 0xbf58476d1ce4e5b9ull >> 56);
}

struct side {
    vg_tcb *t;
    uint64_t total, sent, received;
    int shut, eof;
    uint64_t mismatch;             /* first wrong offset received, UINT64_MAX if none */
};

static vg_stack *new_stack(uint32_t addr, uint64_t seed, uint32_t bufsz)
{
    struct vg_stack_config c;
    vg_stack_config_default(&c, VG_PROFILE_WINDOWS_VISTA);
    c.addr = addr;
    c.seed = seed;
    c.sndbuf = c.rcvbuf = bufsz;
    vg_stack *s = vg_stack_new(&c);
    assert_non_null(s);
    return s;
}

/* Sends what the send buffer takes; reads and checks what arrived. Returns 1 if anything moved. */
static int pump(struct side *me, struct side *peer, int d, vg_time now)
{
    static uint8_t buf[65536];
    int busy = 0;
    while (me->sent < me->total) {
        size_t n = me->total - me->sent < sizeof buf ? (size_t)(me->total - me->sent) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(d, me->sent + i);
        long k = vg_tcp_send(me->t, buf, n, now);
        if (k <= 0)
            break;
        me->sent += (uint64_t)k;
        busy = 1;
    }
    if (me->sent == me->total && !me->shut) {
        assert_int_equal(vg_tcp_shutdown_send(me->t, now), 0);
        me->shut = 1;
        busy = 1;
    }
    for (;;) {
        long k = vg_tcp_recv(me->t, buf, sizeof buf, now);
        if (k == 0) {
            me->eof = 1;
            break;
        }
        if (k < 0)
            break;
        for (long i = 0; i < k; i++)
            if (buf[i] != pattern(1 - d, me->received + (uint64_t)i) && me->mismatch == UINT64_MAX)
                me->mismatch = me->received + (uint64_t)i;
        me->received += (uint64_t)k;
        busy = 1;
    }
    (void)peer;
    return busy;
}

/* Connects A to B over l, then moves bytes[0] from A to B and bytes[1] from B to A at once, each
 * side shutting down when done; asserts both arrive byte-exact with EOF within limit. */
static void transfer(struct memlink *l, const uint64_t bytes[2], vg_time limit)
{
    vg_tcb *lis = vg_tcp_open(l->s[1]);
    assert_int_equal(vg_tcp_bind(lis, B, PORT), 0);
    assert_int_equal(vg_tcp_listen(lis, 4), 0);
    struct side side[2];
    memset(side, 0, sizeof side);
    side[0].t = vg_tcp_open(l->s[0]);
    assert_int_equal(vg_tcp_connect(side[0].t, B, PORT, l->now), 0);
    while (!(side[1].t = vg_tcp_accept(lis))) {
        ml_step(l, 0);
        assert_true(l->now < limit);
    }
    for (int d = 0; d < 2; d++) {
        side[d].total = bytes[d];
        side[d].mismatch = UINT64_MAX;
    }
    while (!(side[0].eof && side[1].eof && side[0].received == bytes[1] &&
             side[1].received == bytes[0])) {
        int busy = pump(&side[0], &side[1], 0, l->now);
        busy |= pump(&side[1], &side[0], 1, l->now);
        ml_step(l, busy);
        assert_true(l->now < limit);
    }
    for (int d = 0; d < 2; d++) {
        assert_int_equal(side[d].mismatch, UINT64_MAX);
        assert_int_equal(vg_tcp_error(side[d].t), 0);
    }
    assert_int_equal(side[1].received, bytes[0]);
    assert_int_equal(side[0].received, bytes[1]);
    vg_tcp_close(side[0].t, l->now);
    vg_tcp_close(side[1].t, l->now);
    vg_tcp_close(lis, l->now);
    ml_deliver(l);
}

static void run_bulk(enum ml_mode mode, struct memlink *l, vg_stack **s)
{
    s[0] = new_stack(A, 11, 256 * 1024);
    s[1] = new_stack(B, 12, 256 * 1024);
    ml_init(l, mode, s[0], s[1]);
    const uint64_t bytes[2] = {6u << 20, (3u << 20) + 777};
    transfer(l, bytes, VG_MS(600000));
    for (int i = 0; i < 2; i++)
        assert_int_equal(vg_stack_stats(s[i])->tcp_bad, 0);
}

static void done_bulk(struct memlink *l, vg_stack **s)
{
    ml_free(l);
    vg_stack_free(s[0]);
    vg_stack_free(s[1]);
}

static void bulk_without_offloads_is_exact_and_all_software(void **state)
{
    (void)state;
    struct memlink l;
    vg_stack *s[2];
    run_bulk(ML_PLAIN, &l, s);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(vg_stack_offloads(s[i]), 0);
        assert_int_equal(l.tso_frames[i], 0);
        assert_int_equal(l.partial[i], 0);
        assert_true(l.max_payload_in[i] <= MSS);
        assert_int_equal(vg_stack_stats(s[i])->tcp_tso_frames_out, 0);
        assert_int_equal(vg_stack_stats(s[i])->rx_csum_trusted, 0);
    }
    done_bulk(&l, s);
}

/* An allocation hook that fails nothing and counts ring-sized allocations. */
static int count_ring_allocs(void *ctx, size_t size)
{
    if (size >= sizeof(struct vg_ring) + VG_RING_MIN_CAP)
        ++*(size_t *)ctx;
    return 0;
}

static void emptied_rings_are_kept_as_at_most_two_spares(void **state)
{
    (void)state;
    struct memlink l;
    vg_stack *s[2];
    run_bulk(ML_WHOLE, &l, s);
    for (int i = 0; i < 2; i++) {
        const struct vg_stack_stats *st = vg_stack_stats(s[i]);
        /* Every ring was released (closed, both directions drained); the spares are bounded
         * and outside the budget. */
        assert_int_equal(st->mem_bytes, 0);
        assert_true(st->mem_spare_bytes > 0);
        assert_true(st->mem_spare_bytes <= 2 * (sizeof(struct vg_ring) + 256 * 1024));
    }
    /* A new connection's rings are spares: no buffer is allocated for them. */
    size_t big_allocs = 0;
    for (int i = 0; i < 2; i++)
        vg_stack_set_alloc_fail(s[i], count_ring_allocs, &big_allocs);
    const uint64_t bytes[2] = {100, 5000};
    transfer(&l, bytes, l.now + VG_MS(600000));
    assert_int_equal(big_allocs, 0);
    assert_int_equal(vg_stack_stats(s[0])->mem_bytes, 0);
    done_bulk(&l, s);
}

static void bulk_with_tso_delivered_whole_is_exact(void **state)
{
    (void)state;
    struct memlink l;
    vg_stack *s[2];
    run_bulk(ML_WHOLE, &l, s);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(vg_stack_offloads(s[i]), VG_OFFLOAD_TX_CSUM | VG_OFFLOAD_TSO);
        assert_true(l.tso_frames[i] > 0);
        assert_int_equal(vg_stack_stats(s[i])->tcp_tso_frames_out, l.tso_frames[i]);
        assert_true(l.partial[i] > 0);
        /* The receiver took segments longer than its MSS, and vouched-for checksums (left
         * partial on the wire) were not verified. */
        assert_true(l.max_payload_in[i] > 2 * MSS);
        assert_true(vg_stack_stats(s[i])->rx_csum_trusted > 0);
        assert_int_equal(l.resent_frames[i], 0);
    }
    done_bulk(&l, s);
}

static void bulk_with_tso_cut_by_the_link_is_exact(void **state)
{
    (void)state;
    struct memlink l;
    vg_stack *s[2];
    run_bulk(ML_CUT, &l, s);
    for (int i = 0; i < 2; i++) {
        assert_true(l.tso_frames[i] > 0);
        assert_true(l.pieces[i] > 2 * l.tso_frames[i]);
        assert_true(l.max_payload_in[i] <= MSS);
        assert_int_equal(vg_stack_stats(s[i])->rx_csum_trusted, 0);
        /* Every piece repeats the frame's header, its timestamps option included: none
         * arrives without one, and none is taken for an old duplicate. */
        assert_int_equal(l.mss[i], MSS - 12);
        assert_int_equal(vg_stack_stats(s[i])->tcp_ts_missing, 0);
        assert_int_equal(vg_stack_stats(s[i])->tcp_paws_drops, 0);
    }
    done_bulk(&l, s);
}

static void lost_tso_frame_is_resent_one_mss_at_a_time(void **state)
{
    (void)state;
    struct memlink l;
    vg_stack *s[2];
    s[0] = new_stack(A, 21, 256 * 1024);
    s[1] = new_stack(B, 22, 256 * 1024);
    ml_init(&l, ML_CUT, s[0], s[1]);
    l.drop_tso_frame[0] = 3;
    const uint64_t bytes[2] = {2u << 20, 1000};
    transfer(&l, bytes, VG_MS(600000));
    assert_true(l.resent_frames[0] > 0);
    assert_true(l.max_resent_payload[0] <= MSS);   /* and never with gso_size (memlink.h) */
    assert_true(vg_stack_stats(s[0])->tcp_retransmits + vg_stack_stats(s[0])->tcp_fast_retransmits > 0);
    done_bulk(&l, s);
}

static void partial_udp_checksum_completed_by_the_link_verifies(void **state)
{
    (void)state;
    struct memlink l;
    vg_stack *s[2] = {new_stack(A, 31, 0), new_stack(B, 32, 0)};
    ml_init(&l, ML_CUT, s[0], s[1]);
    vg_udp *rx = vg_udp_open(s[1]);
    assert_int_equal(vg_udp_bind(rx, B, 53), 0);
    vg_udp *tx = vg_udp_open(s[0]);
    const char msg[] = "a datagram of odd length";
    assert_int_equal(vg_udp_sendto(tx, msg, sizeof msg, B, 53, l.now), (long)sizeof msg);
    assert_int_equal(l.partial[0], 1);              /* memlink completed and verified it */
    ml_deliver(&l);
    char got[64];
    uint32_t ra;
    uint16_t rport;
    assert_int_equal(vg_udp_recvfrom(rx, got, sizeof got, &ra, &rport), (long)sizeof msg);
    assert_memory_equal(got, msg, sizeof msg);
    assert_int_equal(vg_stack_stats(s[1])->udp_bad, 0);
    vg_udp_close(tx);
    vg_udp_close(rx);
    done_bulk(&l, s);
}

/* Frames a stack with TSO hands over, recorded for tests driven through a rawpeer. */
struct capture {
    size_t n;
    struct {
        uint16_t gso;
        size_t dlen;
        uint8_t flags;
    } f[16];
};

static void capture_frame(void *ctx, struct vg_frame *f, vg_time now)
{
    (void)now;
    struct capture *c = ctx;
    assert_true(c->n < 16);
    struct vg_ipv4_hdr ip;
    const uint8_t *l4;
    size_t l4len;
    assert_int_equal(vg_ipv4_parse(f->data, f->len, &ip, &l4, &l4len), VG_WIRE_OK);
    ml_complete_csum(f->data, f->len, f->csum_start, f->csum_offset, ip.proto);
    struct vg_tcp_hdr th;
    const uint8_t *d;
    size_t dlen;
    assert_int_equal(vg_tcp_parse(l4, l4len, ip.src, ip.dst, &th, &d, &dlen), VG_WIRE_OK);
    c->f[c->n].gso = f->gso_size;
    c->f[c->n].dlen = dlen;
    c->f[c->n].flags = th.flags;
    c->n++;
}

static void tso_frame_keeps_its_short_tail_under_nagle(void **state)
{
    (void)state;
    static uint8_t data[3 * MSS];
    for (int nodelay = 0; nodelay < 2; nodelay++) {
        struct rawpeer *rp = rp_new(NULL);
        vg_tcb *t = rp_open_active(rp, PORT, NULL, 65535);
        vg_tcp_set_nodelay(t, nodelay);
        struct capture c = {0};
        vg_stack_set_frame_output(rp->s, capture_frame, &c, VG_OFFLOAD_TSO);
        /* Two and a half segments with nothing in flight, inside the initial window. */
        size_t n = 2 * MSS + MSS / 2;
        assert_int_equal(vg_tcp_send(t, data, n, rp->now), (long)n);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.f[0].gso, MSS);
        if (nodelay) {
            /* Nagle off: the whole of it, PSH on the frame (GSO leaves it on the last piece). */
            assert_int_equal(c.f[0].dlen, n);
            assert_true(c.f[0].flags & VG_TCP_PSH);
        } else {
            /* Nagle: the two full pieces go, the short one waits for their ACK. */
            assert_int_equal(c.f[0].dlen, 2 * MSS);
            assert_false(c.f[0].flags & VG_TCP_PSH);
            rp->ack += 2 * MSS;
            rp_send_ack(rp);
            assert_int_equal(c.n, 2);
            assert_int_equal(c.f[1].dlen, MSS / 2);
            assert_int_equal(c.f[1].gso, 0);
            assert_true(c.f[1].flags & VG_TCP_PSH);
        }
        rp_free(rp);
    }
}

static void coalesced_64k_segment_is_acked_at_once(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    static uint8_t big[44 * MSS];           /* 64,240 octets: what GRO makes of 44 segments */
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    uint32_t seq = rp->seq;
    rp_send_data(rp, big, sizeof big);
    /* One ACK for the coalesced segment, at once (no delayed-ACK wait), covering all of it. */
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->at, rp->now);
    assert_int_equal(a->th.ack, seq + (uint32_t)sizeof big);
    assert_int_equal(a->dlen, 0);
    rp_expect_none(rp);
    assert_int_equal(vg_tcp_readable(t), sizeof big);
    static uint8_t got[sizeof big];
    assert_int_equal(vg_tcp_recv(t, got, sizeof got, rp->now), (long)sizeof big);
    assert_memory_equal(got, big, sizeof big);
    rp_free(rp);
}

static void one_segment_still_waits_for_the_delayed_ack(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    rp_open_passive(rp, l, PORT, NULL, 65535);
    static uint8_t seg[2 * MSS - 1];
    vg_time sent = rp->now;
    rp_send_data(rp, seg, sizeof seg);     /* coalesced, but less than two full segments */
    rp_expect_none(rp);
    const struct rp_seg *a = rp_wait(rp, rp->now + VG_MS(1000));
    assert_non_null(a);
    assert_int_equal(a->at, sent + VG_MS(40));   /* the stack's delayed-ACK time */
    assert_int_equal(a->th.ack, rp->seq);
    rp_free(rp);
}

/* A data segment from the peer, its TCP checksum or IP header checksum made wrong. */
static size_t bad_segment(struct rawpeer *rp, uint8_t *pkt, size_t cap, int bad_ip)
{
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = rp->port;
    h.dport = rp->sport;
    h.seq = rp->seq;
    h.ack = rp->ack;
    h.flags = VG_TCP_ACK | VG_TCP_PSH;
    h.wnd = rp->wnd;
    size_t n = rp_build(pkt, cap, RP_PEER_ADDR, RP_STACK_ADDR, &h, "hello", 5);
    if (bad_ip)
        pkt[10] ^= 0x40;                   /* the IPv4 header checksum */
    else
        pkt[VG_IPV4_HDR_LEN + 16] ^= 0x40; /* the TCP checksum */
    return n;
}

static void rx_csum_valid_skips_only_the_transport_checksum(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    uint8_t pkt[128];
    size_t n = bad_segment(rp, pkt, sizeof pkt, 0);
    vg_stack_input(rp->s, pkt, n, rp->now);            /* unvouched: verified, rejected */
    assert_int_equal(rp_stats(rp)->tcp_bad, 1);
    assert_int_equal(vg_tcp_readable(t), 0);
    n = bad_segment(rp, pkt, sizeof pkt, 1);
    vg_stack_input_ex(rp->s, pkt, n, VG_RX_CSUM_VALID, rp->now);   /* IP header still checked */
    assert_int_equal(rp_stats(rp)->ip_bad, 1);
    assert_int_equal(vg_tcp_readable(t), 0);
    n = bad_segment(rp, pkt, sizeof pkt, 0);
    vg_stack_input_ex(rp->s, pkt, n, VG_RX_CSUM_VALID, rp->now);   /* the link vouched */
    assert_int_equal(vg_tcp_readable(t), 5);
    assert_int_equal(rp_stats(rp)->rx_csum_trusted, 1);
    assert_int_equal(rp_stats(rp)->tcp_bad, 1);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bulk_without_offloads_is_exact_and_all_software),
        cmocka_unit_test(bulk_with_tso_delivered_whole_is_exact),
        cmocka_unit_test(emptied_rings_are_kept_as_at_most_two_spares),
        cmocka_unit_test(bulk_with_tso_cut_by_the_link_is_exact),
        cmocka_unit_test(lost_tso_frame_is_resent_one_mss_at_a_time),
        cmocka_unit_test(partial_udp_checksum_completed_by_the_link_verifies),
        cmocka_unit_test(tso_frame_keeps_its_short_tail_under_nagle),
        cmocka_unit_test(coalesced_64k_segment_is_acked_at_once),
        cmocka_unit_test(one_segment_still_waits_for_the_delayed_ack),
        cmocka_unit_test(rx_csum_valid_skips_only_the_transport_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
