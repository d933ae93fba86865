/* Receiving out of order (RFC 9293 §3.10.7.4 "segment text", RFC 5681 §4.2): segments ahead of
 * RCV.NXT are held and delivered in order once the gap fills; an out-of-order segment, and the
 * one that fills a gap, are acknowledged at once; duplicates are dropped and acknowledged;
 * overlapping segments contribute only their new octets; data beyond the window is cut off; a
 * FIN ahead of missing data waits for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "util/prng.h"

#define PORT 8080

static uint8_t stream[1 << 17];

static void init_stream(uint64_t seed)
{
    struct vg_prng r;
    vg_prng_seed(&r, seed);
    for (size_t i = 0; i < sizeof stream; i++)
        stream[i] = (uint8_t)vg_prng_next(&r);
}

struct conn {
    struct rawpeer *rp;
    vg_tcb *t;
    uint32_t base;      /* sequence number of stream[0] */
};

static struct conn open_conn(uint32_t rcvbuf)
{
    struct vg_stack_config c;
    rp_config(&c);
    if (rcvbuf)
        c.rcvbuf = rcvbuf;
    struct conn k;
    k.rp = rp_new(&c);
    /* No window scaling: the window fields below are plain byte counts. */
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460};
    k.t = rp_open_active(k.rp, PORT, &o, 65535);
    k.base = k.rp->seq;
    init_stream(42);
    return k;
}

static void close_conn(struct conn *k)
{
    vg_tcp_abort(k->t, k->rp->now);
    rp_free(k->rp);
}

/* The peer sends stream[off, off+len) (with extra flags). */
static void send_at(struct conn *k, uint32_t off, uint32_t len, uint8_t flags)
{
    rp_send(k->rp, VG_TCP_ACK | flags, k->base + off, k->rp->ack, 65535, NULL, stream + off, len);
}

/* Asserts an immediate pure ACK acknowledging stream offset off. */
static void expect_ack(struct conn *k, uint32_t off)
{
    const struct rp_seg *a = rp_take(k->rp);
    if (!a)
        fail_msg("no immediate ACK (expected ACK of offset %u)", off);
    assert_int_equal(a->th.flags & (VG_TCP_ACK | VG_TCP_SYN | VG_TCP_RST | VG_TCP_FIN), VG_TCP_ACK);
    assert_int_equal(a->th.ack, k->base + off);
    rp_expect_none(k->rp);
}

/* Reads everything readable and checks it is stream[from, from+n). */
static void expect_read(struct conn *k, uint32_t from, uint32_t n)
{
    static uint8_t buf[sizeof stream];
    assert_int_equal(vg_tcp_readable(k->t), n);
    long got = vg_tcp_recv(k->t, buf, sizeof buf, k->rp->now);
    if (n == 0) {
        assert_int_equal(got, -VG_ERR_WOULDBLOCK);
        return;
    }
    assert_int_equal(got, (long)n);
    assert_memory_equal(buf, stream + from, n);
}

static void out_of_order_segments_held_then_delivered_in_order(void **state)
{
    (void)state;
    struct conn k = open_conn(0);
    send_at(&k, 1000, 1000, 0);                    /* [1000,2000) */
    expect_ack(&k, 0);                             /* duplicate ACK at once: a hole at 0 */
    send_at(&k, 2000, 1000, 0);
    expect_ack(&k, 0);
    expect_read(&k, 0, 0);                         /* nothing in order yet */
    assert_int_equal(rp_stats(k.rp)->tcp_ooo_segments, 2);
    send_at(&k, 0, 1000, 0);                       /* fills the hole */
    expect_ack(&k, 3000);                          /* at once, covering the islands */
    expect_read(&k, 0, 3000);
    close_conn(&k);
}

static void many_islands_in_any_order_reassemble_exactly(void **state)
{
    (void)state;
    /* 40 segments of 700 bytes sent in a scrambled order, each twice over; whatever the
     * receiver could not hold is resent at the end, as a sender would after its timer. */
    struct conn k = open_conn(0);
    enum { N = 40, L = 700 };
    int order[N];
    for (int i = 0; i < N; i++)
        order[i] = i;
    struct vg_prng r;
    vg_prng_seed(&r, 7);
    for (int i = N - 1; i > 0; i--) {
        int j = (int)vg_prng_below(&r, (uint64_t)i + 1);
        int x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < N; i++)
            send_at(&k, (uint32_t)order[i] * L, L, 0);
    for (int i = 0; i < N; i++)
        send_at(&k, (uint32_t)i * L, L, 0);
    rp_drain(k.rp);
    expect_read(&k, 0, N * L);
    close_conn(&k);
}

/* A window with many holes at once (megabytes in flight on a path that loses 1 %): every island
 * up to the limit (VG_OOO_RANGES) is held, so nothing that arrived must be sent twice; one more
 * is dropped unacknowledged and counted, and taken when it comes again. */
static void every_island_up_to_the_limit_is_held_and_one_more_is_counted(void **state)
{
    (void)state;
    enum { ISLANDS = 64, L = 400 };                 /* VG_OOO_RANGES, as the README has it */
    _Static_assert((2 * ISLANDS + 2) * L <= 65535, "the islands fit the unscaled window");
    struct conn k = open_conn(65535);
    for (uint32_t i = 0; i < ISLANDS; i++) {
        send_at(&k, (2 * i + 1) * L, L, 0);        /* a hole before each */
        expect_ack(&k, 0);
    }
    assert_int_equal(rp_stats(k.rp)->tcp_ooo_segments, ISLANDS);
    assert_int_equal(rp_stats(k.rp)->tcp_ooo_full, 0);
    send_at(&k, (2 * ISLANDS + 1) * L, L, 0);      /* one island more */
    rp_drain(k.rp);
    assert_int_equal(rp_stats(k.rp)->tcp_ooo_segments, ISLANDS);
    assert_int_equal(rp_stats(k.rp)->tcp_ooo_full, 1);
    for (uint32_t i = 0; i <= ISLANDS; i++)         /* the holes fill */
        send_at(&k, 2 * i * L, L, 0);
    rp_drain(k.rp);
    expect_read(&k, 0, (2 * ISLANDS + 1) * L);     /* every island held, up to the dropped one */
    send_at(&k, (2 * ISLANDS + 1) * L, L, 0);      /* which comes again */
    rp_run_for(k.rp, VG_MS(500));                  /* its ACK may be delayed */
    const struct rp_seg *g;
    uint32_t last = 0;
    while ((g = rp_take(k.rp)) != NULL)
        last = g->th.ack;
    assert_int_equal(last, k.base + (2 * ISLANDS + 2) * L);
    expect_read(&k, (2 * ISLANDS + 1) * L, L);
    close_conn(&k);
}

static void duplicate_segment_is_acked_and_dropped(void **state)
{
    (void)state;
    struct conn k = open_conn(0);
    send_at(&k, 0, 500, 0);
    rp_run_for(k.rp, VG_MS(100));
    rp_drain(k.rp);
    expect_read(&k, 0, 500);
    send_at(&k, 0, 500, 0);                        /* entirely old */
    expect_ack(&k, 500);                           /* acknowledged at once, so the sender stops */
    assert_int_equal(rp_stats(k.rp)->tcp_dup_segments, 1);
    expect_read(&k, 500, 0);
    send_at(&k, 100, 200, 0);                      /* old, inside what was delivered */
    expect_ack(&k, 500);
    assert_int_equal(rp_stats(k.rp)->tcp_dup_segments, 2);
    expect_read(&k, 500, 0);
    close_conn(&k);
}

static void overlapping_segment_contributes_only_new_octets(void **state)
{
    (void)state;
    struct conn k = open_conn(0);
    send_at(&k, 0, 1000, 0);
    send_at(&k, 500, 1000, 0);                     /* [500,1500): left half already taken */
    send_at(&k, 1400, 100, 0);                     /* wholly inside the last one */
    send_at(&k, 1499, 2, 0);                       /* straddles RCV.NXT by one */
    rp_run_for(k.rp, VG_MS(100));
    const struct rp_seg *g;
    uint32_t last = 0;
    while ((g = rp_take(k.rp)) != NULL)
        last = g->th.ack;
    assert_int_equal(last, k.base + 1501);
    expect_read(&k, 0, 1501);
    close_conn(&k);
}

static void overlaps_between_islands_merge_exactly(void **state)
{
    (void)state;
    struct conn k = open_conn(0);
    send_at(&k, 2000, 500, 0);                     /* [2000,2500) */
    send_at(&k, 3000, 500, 0);                     /* [3000,3500) */
    send_at(&k, 2400, 700, 0);                     /* [2400,3100): joins both islands */
    send_at(&k, 1000, 1200, 0);                    /* [1000,2200): overlaps the left one */
    send_at(&k, 3400, 300, 0);                     /* [3400,3700): extends the right end */
    rp_drain(k.rp);
    expect_read(&k, 0, 0);
    send_at(&k, 0, 1100, 0);                       /* [0,1100): fills the only hole */
    expect_ack(&k, 3700);
    expect_read(&k, 0, 3700);
    close_conn(&k);
}

static void data_beyond_the_window_is_cut_off(void **state)
{
    (void)state;
    struct conn k = open_conn(2000);
    send_at(&k, 0, 1460, 0);
    send_at(&k, 1460, 1460, 0);                    /* only 540 of it fits */
    rp_run_for(k.rp, VG_MS(100));
    const struct rp_seg *g, *last = NULL;
    while ((g = rp_take(k.rp)) != NULL)
        last = g;
    assert_non_null(last);
    assert_int_equal(last->th.ack, k.base + 2000);
    assert_int_equal(last->th.wnd, 0);             /* and the window is closed */
    expect_read(&k, 0, 2000);
    /* After the application read, the rest is taken. */
    rp_drain(k.rp);
    send_at(&k, 2000, 920, 0);
    rp_run_for(k.rp, VG_MS(100));
    rp_drain(k.rp);
    expect_read(&k, 2000, 920);
    close_conn(&k);
}

static void out_of_window_segment_is_acked_not_taken(void **state)
{
    (void)state;
    struct conn k = open_conn(4000);
    send_at(&k, 5000, 100, 0);                     /* entirely right of the window */
    expect_ack(&k, 0);
    assert_int_equal(rp_stats(k.rp)->tcp_ooo_segments, 0);
    send_at(&k, 0, 5100, 0);                       /* the hole and more: cut at the window */
    rp_run_for(k.rp, VG_MS(100));
    rp_drain(k.rp);
    expect_read(&k, 0, 4000);
    close_conn(&k);
}

static void fin_ahead_of_missing_data_waits_for_it(void **state)
{
    (void)state;
    struct conn k = open_conn(0);
    send_at(&k, 1000, 500, VG_TCP_FIN);            /* data and FIN, but [0,1000) is missing */
    expect_ack(&k, 0);
    assert_int_equal(vg_tcp_state(k.t), VG_TCP_ESTABLISHED);
    assert_false(vg_tcp_eof(k.t));
    assert_int_equal(rp_count_events(k.rp, VG_EV_PEER_FIN, k.t), 0);
    send_at(&k, 0, 1000, 0);
    expect_ack(&k, 1501);                          /* the data and the FIN */
    assert_int_equal(vg_tcp_state(k.t), VG_TCP_CLOSE_WAIT);
    assert_int_equal(rp_count_events(k.rp, VG_EV_PEER_FIN, k.t), 1);
    expect_read(&k, 0, 1500);
    char c;
    assert_int_equal(vg_tcp_recv(k.t, &c, 1, k.rp->now), 0);
    assert_true(vg_tcp_eof(k.t));
    close_conn(&k);
}

static void fin_with_data_cut_by_the_window_is_not_taken(void **state)
{
    (void)state;
    /* The FIN follows the last octet; when that octet does not fit, neither does the FIN. */
    struct conn k = open_conn(1000);
    send_at(&k, 0, 1200, VG_TCP_FIN);
    rp_run_for(k.rp, VG_MS(100));
    rp_drain(k.rp);
    assert_int_equal(vg_tcp_state(k.t), VG_TCP_ESTABLISHED);
    expect_read(&k, 0, 1000);
    send_at(&k, 1000, 200, VG_TCP_FIN);
    rp_run_for(k.rp, VG_MS(100));
    rp_drain(k.rp);
    assert_int_equal(vg_tcp_state(k.t), VG_TCP_CLOSE_WAIT);
    expect_read(&k, 1000, 200);
    close_conn(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_of_order_segments_held_then_delivered_in_order),
        cmocka_unit_test(many_islands_in_any_order_reassemble_exactly),
        cmocka_unit_test(every_island_up_to_the_limit_is_held_and_one_more_is_counted),
        cmocka_unit_test(duplicate_segment_is_acked_and_dropped),
        cmocka_unit_test(overlapping_segment_contributes_only_new_octets),
        cmocka_unit_test(overlaps_between_islands_merge_exactly),
        cmocka_unit_test(data_beyond_the_window_is_cut_off),
        cmocka_unit_test(out_of_window_segment_is_acked_not_taken),
        cmocka_unit_test(fin_ahead_of_missing_data_waits_for_it),
        cmocka_unit_test(fin_with_data_cut_by_the_window_is_not_taken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
