/* The receive window as written on the wire (RFC 7323 §2.2, src/tcp/tcp_window.c): the window
 * field of our SYN or SYN-ACK (never scaled) and the field of the segments after it are the
 * same number, so a tool that compares consecutive raw fields (Wireshark) sees no window
 * change where there is none, and labels an idle connection's first keep-alive answer a
 * keep-alive ACK rather than a window update. That holds for the default 65536-octet buffer
 * (offered shift 0) and for buffers that need a shift (the smallest that fits them), on both
 * passive and active opens; scaling is still negotiated whenever the buffer needs it, and no
 * window is ever larger than the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080
#define PEER_WSCALE 7

/* What one opening looked like from the peer's side. */
struct opening {
    vg_tcb *t;
    struct rp_seg syn;           /* our SYN or SYN-ACK */
    struct rp_seg answer;        /* our answer to the peer's first keep-alive probe */
};

static struct rawpeer *stack_with_rcvbuf(uint32_t rcvbuf, uint64_t mem_limit)
{
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.rcvbuf = rcvbuf;
    cfg.mem_limit = mem_limit;
    return rp_new(&cfg);
}

static const struct vg_tcp_opts *peer_opts(int wscale)
{
    static struct vg_tcp_opts with = {.has_mss = 1, .mss = 1460, .has_wscale = 1,
                                      .wscale = PEER_WSCALE};
    static struct vg_tcp_opts without = {.has_mss = 1, .mss = 1460};
    return wscale ? &with : &without;
}

/* The peer probes an idle connection (SEG.SEQ = RCV.NXT - 1 from our side, no data) and takes
 * our answer. */
static struct rp_seg probe_answer(struct rawpeer *rp)
{
    rp_send(rp, VG_TCP_ACK, rp->seq - 1, rp->ack, rp->wnd, NULL, NULL, 0);
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->dlen, 0);
    return *a;
}

/* The peer connects to our listener (window scaling offered or not) and probes at once. */
static struct opening open_passive(struct rawpeer *rp, int wscale)
{
    struct opening o;
    vg_tcb *l = rp_listen(rp, PORT, 4);
    rp->sport = PORT;
    rp->seq = 0x10000000u;
    rp_send(rp, VG_TCP_SYN, rp->seq, 0, 65535, peer_opts(wscale), NULL, 0);
    rp->seq++;
    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    o.syn = *sa;
    rp->ack = sa->th.seq + 1;
    rp->wnd = 65535;
    rp_send_ack(rp);
    o.t = vg_tcp_accept(l);
    assert_non_null(o.t);
    assert_int_equal(vg_tcp_state(o.t), VG_TCP_ESTABLISHED);
    rp_expect_none(rp);
    o.answer = probe_answer(rp);
    return o;
}

/* We connect to the peer, which answers with scaling offered or not; then it probes. */
static struct opening open_active(struct rawpeer *rp, int wscale)
{
    struct opening o;
    o.t = vg_tcp_open(rp->s);
    assert_non_null(o.t);
    assert_int_equal(vg_tcp_bind(o.t, RP_STACK_ADDR, PORT), 0);
    rp->sport = PORT;
    assert_int_equal(vg_tcp_connect(o.t, RP_PEER_ADDR, rp->port, rp->now), 0);
    const struct rp_seg *syn = rp_expect(rp);
    assert_int_equal(syn->th.flags, VG_TCP_SYN);
    o.syn = *syn;
    rp->ack = syn->th.seq + 1;
    rp->seq = 0x20000000u;
    rp->wnd = 65535;
    rp_send(rp, VG_TCP_SYN | VG_TCP_ACK, rp->seq, rp->ack, 65535, peer_opts(wscale), NULL, 0);
    rp->seq++;
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    /* Our first ACK already carries the field every later segment of the idle connection
     * carries. */
    o.answer = *a;
    assert_int_equal(vg_tcp_state(o.t), VG_TCP_ESTABLISHED);
    struct rp_seg again = probe_answer(rp);
    assert_int_equal(again.th.wnd, o.answer.th.wnd);
    return o;
}

/* The octets a segment's window field grants under shift. */
static uint32_t octets(const struct rp_seg *g, unsigned shift)
{
    return (uint32_t)g->th.wnd << shift;
}

static void default_buffer_passive_open_agrees_unscaled(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);            /* rcvbuf 65536 */
    struct opening o = open_passive(rp, 1);
    /* Scaling is still agreed (the peer may scale its own window), with shift 0 for ours. */
    assert_true(o.syn.th.opt.has_wscale);
    assert_int_equal(o.syn.th.opt.wscale, 0);
    assert_int_equal(o.syn.th.wnd, 65535);
    assert_int_equal(o.answer.th.wnd, o.syn.th.wnd);
    vg_tcp_abort(o.t, rp->now);
    rp_free(rp);
}

static void default_buffer_active_open_agrees_unscaled(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    struct opening o = open_active(rp, 1);
    assert_true(o.syn.th.opt.has_wscale);
    assert_int_equal(o.syn.th.opt.wscale, 0);
    assert_int_equal(o.syn.th.wnd, 65535);
    assert_int_equal(o.answer.th.wnd, o.syn.th.wnd);
    vg_tcp_abort(o.t, rp->now);
    rp_free(rp);
}

/* The peer's window is scaled by the shift it offered, although ours is 0: 730 << 7 octets
 * (two segments of 1460 at least) may be in flight, not 730. */
static void peer_scales_its_window_while_ours_is_unscaled(void **state)
{
    (void)state;
    static uint8_t data[20000];
    struct rawpeer *rp = rp_new(NULL);
    struct opening o = open_active(rp, 1);
    rp->wnd = 730;
    rp_send_ack(rp);
    rp_drain(rp);
    vg_tcp_set_nodelay(o.t, 1);
    assert_int_equal(vg_tcp_send(o.t, data, sizeof data, rp->now), (long)sizeof data);
    uint32_t end = rp->ack;
    const struct rp_seg *g;
    while ((g = rp_take(rp)) != NULL)
        end = g->th.seq + (uint32_t)g->dlen;
    assert_true(end - rp->ack > 730u);
    assert_true(end - rp->ack <= 730u << PEER_WSCALE);
    vg_tcp_abort(o.t, rp->now);
    rp_free(rp);
}

/* Buffers larger than 16 bits get the smallest shift that fits them (7 at most: the largest
 * SO_RCVBUF is 65535 << 7); the SYN's field, the first ACK's and the probe answer's agree, and
 * the window offered is the whole buffer to within the shift's rounding, never more. */
static void large_buffers_negotiate_the_smallest_shift_and_agree(void **state)
{
    (void)state;
    static const struct { uint32_t rcvbuf; unsigned shift; } cases[] = {
        {65537, 1}, {131070, 1}, {131071, 1}, {131072, 2}, {262143, 2}, {262144, 3},
        {1u << 20, 5}, {65535u << 7, 7}, {(65535u << 7) + 1, 7}, {16u << 20, 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int passive = 0; passive < 2; passive++) {
            uint32_t rcvbuf = cases[i].rcvbuf;
            unsigned shift = cases[i].shift;
            struct rawpeer *rp = stack_with_rcvbuf(rcvbuf, 0);
            struct opening o = passive ? open_passive(rp, 1) : open_active(rp, 1);
            assert_true(o.syn.th.opt.has_wscale);
            assert_int_equal(o.syn.th.opt.wscale, shift);
            assert_int_equal(o.answer.th.wnd, o.syn.th.wnd);
            /* The SYN's field counts octets, at least 32 KiB of them: no first flight waits. */
            assert_true(o.syn.th.wnd >= 32768);
            assert_true(octets(&o.answer, shift) <= rcvbuf);
            uint32_t whole = rcvbuf < (65535u << 7) ? rcvbuf : 65535u << 7;
            assert_true(octets(&o.answer, shift) > whole - (1u << shift));
            vg_tcp_abort(o.t, rp->now);
            rp_free(rp);
        }
    }
}

/* Without the peer's option neither side scales: a large buffer is offered as 65535, in the
 * SYN-ACK and afterwards alike. An active open has offered its shift before it knows, with the
 * field that shift gives (32768 for 1 MiB); after the refusal it advertises 65535. The peer can
 * send nothing before our ACK, which carries 65535, and Wireshark compares no later segment
 * with a SYN, whose ACK field (0) no later segment repeats. */
static void no_scaling_without_the_peers_option(void **state)
{
    (void)state;
    for (int passive = 0; passive < 2; passive++) {
        struct rawpeer *rp = stack_with_rcvbuf(1u << 20, 0);
        struct opening o = passive ? open_passive(rp, 0) : open_active(rp, 0);
        if (passive) {
            assert_false(o.syn.th.opt.has_wscale);
            assert_int_equal(o.syn.th.wnd, 65535);
        } else {
            assert_true(o.syn.th.opt.has_wscale);      /* offered, then refused */
            assert_int_equal(o.syn.th.opt.wscale, 5);
            assert_int_equal(o.syn.th.wnd, 32768);
            assert_int_equal(o.syn.th.ack, 0);
        }
        assert_int_equal(o.answer.th.wnd, 65535);
        vg_tcp_abort(o.t, rp->now);
        rp_free(rp);
    }
}

/* The window still follows the free buffer: unread data shrinks it, under the shift. */
static void unread_data_shrinks_the_scaled_window(void **state)
{
    (void)state;
    static uint8_t data[1000];
    for (int big = 0; big < 2; big++) {
        uint32_t rcvbuf = big ? 1u << 20 : 65536;
        unsigned shift = big ? 5 : 0;
        struct rawpeer *rp = stack_with_rcvbuf(rcvbuf, 0);
        struct opening o = open_passive(rp, 1);
        rp_send_data(rp, data, sizeof data);
        rp_run_for(rp, VG_MS(500));
        const struct rp_seg *a = rp_expect(rp);
        assert_int_equal(a->th.ack, rp->seq);
        assert_true(octets(a, shift) <= rcvbuf - sizeof data);
        assert_true(octets(a, shift) > rcvbuf - sizeof data - (1u << shift) - 1);
        vg_tcp_abort(o.t, rp->now);
        rp_free(rp);
    }
}

/* When the memory budget backs less than 32768 << shift octets, the scaled field is below
 * 32768: the SYN then offers its window unscaled (at most 65535) rather than hold the peer's
 * first flight to that field's value in octets. The two fields differ, and neither offers more
 * than the budget backs. */
static void syn_under_memory_pressure_offers_its_window_unscaled(void **state)
{
    (void)state;
    const uint64_t budget = 256u * 1024u;
    struct rawpeer *rp = stack_with_rcvbuf(1u << 20, budget);
    struct opening o = open_active(rp, 1);
    assert_int_equal(o.syn.th.opt.wscale, 5);
    assert_int_equal(o.syn.th.wnd, 65535);
    assert_true(o.answer.th.wnd < 32768);
    assert_true(octets(&o.answer, 5) <= budget);
    vg_tcp_abort(o.t, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_buffer_passive_open_agrees_unscaled),
        cmocka_unit_test(default_buffer_active_open_agrees_unscaled),
        cmocka_unit_test(peer_scales_its_window_while_ours_is_unscaled),
        cmocka_unit_test(large_buffers_negotiate_the_smallest_shift_and_agree),
        cmocka_unit_test(no_scaling_without_the_peers_option),
        cmocka_unit_test(unread_data_shrinks_the_scaled_window),
        cmocka_unit_test(syn_under_memory_pressure_offers_its_window_unscaled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
