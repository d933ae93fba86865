/* Blind injection with a bad acknowledgement number (RFC 5961 §5): an off-path attacker who
 * guessed a sequence number inside our receive window must also get SEG.ACK inside
 * SND.UNA - MAX.SND.WND .. SND.MAX, or the segment is dropped (its data never delivered) and
 * answered with a rate-limited challenge ACK; and no ACK older than SND.UNA may set the send
 * window (RFC 9293 §3.10.7.4), so a forged zero window cannot freeze the sender. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080

static vg_tcb *established(struct rawpeer *rp)
{
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    vg_tcp_close(l, rp->now);
    return t;
}

/* The one segment the stack answers with: a bare ACK of RCV.NXT at SND.MAX. */
static void expect_challenge(struct rawpeer *rp)
{
    const struct rp_seg *a = rp_expect(rp);
    assert_int_equal(a->th.flags, VG_TCP_ACK);
    assert_int_equal(a->dlen, 0);
    assert_int_equal(a->th.ack, rp->seq);
    assert_int_equal(a->th.seq, rp->ack);
    rp_expect_none(rp);
}

static void blind_data_with_old_ack_is_dropped_and_challenged(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    /* The sequence number is right (the attacker guessed it); the ACK is a quarter of the
     * sequence space behind SND.UNA, far outside any window the peer could have seen. */
    rp_send(rp, VG_TCP_ACK | VG_TCP_PSH, rp->seq, rp->ack - (1u << 30), 65535, NULL, "EVIL", 4);
    assert_int_equal(vg_tcp_readable(t), 0);
    assert_int_equal(rp_count_events(rp, VG_EV_READABLE, t), 0);
    assert_int_equal(rp_stats(rp)->tcp_bad_acks, 1);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks, 1);
    expect_challenge(rp);

    /* The real peer's data at the same sequence number is taken, not the forgery. */
    rp_send_data(rp, "good", 4);
    char buf[8];
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 4);
    assert_memory_equal(buf, "good", 4);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void old_ack_with_zero_window_does_not_freeze_sender(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    /* Forged pure ACKs inside the receive window (so SEG.SEQ > SND.WL1 and RFC 793's rule
     * alone would take their window), advertising zero: one far too old (challenged), one
     * only a little older than SND.UNA (acceptable, but its window is not the newest). */
    rp_send(rp, VG_TCP_ACK, rp->seq + 1000, rp->ack - (1u << 30), 0, NULL, NULL, 0);
    rp_drain(rp);
    rp_send(rp, VG_TCP_ACK, rp->seq + 2000, rp->ack - 10, 0, NULL, NULL, 0);
    rp_drain(rp);

    /* The application sends: the data goes out at once, not as a zero-window probe later. */
    uint8_t data[1000];
    memset(data, 'x', sizeof data);
    assert_int_equal(vg_tcp_send(t, data, sizeof data, rp->now), 1000);
    const struct rp_seg *d = rp_take(rp);
    assert_non_null(d);
    assert_int_equal(d->dlen, 1000);
    assert_int_equal(d->th.seq, rp->ack);
    assert_int_equal(rp_stats(rp)->zwp_sent, 0);
    assert_int_equal(rp_stats(rp)->tcp_bad_acks, 1);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void ack_beyond_snd_max_is_dropped_and_challenged(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    /* Data acknowledging bytes never sent: dropped and challenged. */
    rp_send(rp, VG_TCP_ACK | VG_TCP_PSH, rp->seq, rp->ack + 1000, 65535, NULL, "EVIL", 4);
    assert_int_equal(vg_tcp_readable(t), 0);
    expect_challenge(rp);
    /* A flood of them gets no more answers until the per-connection gap has passed
     * (cfg.oow_ratelimit_ms, 500 ms by default): no ACK war with a desynchronised peer. */
    for (int i = 0; i < 10; i++)
        rp_send(rp, VG_TCP_ACK, rp->seq, rp->ack + 1000 + (uint32_t)i, 65535, NULL, NULL, 0);
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcp_bad_acks, 11);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks, 1);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks_suppressed, 10);
    rp_run_for(rp, VG_MS(499));
    rp_send(rp, VG_TCP_ACK, rp->seq, rp->ack + 5000, 65535, NULL, NULL, 0);
    rp_expect_none(rp);
    rp_run_for(rp, VG_MS(1));
    rp_send(rp, VG_TCP_ACK, rp->seq, rp->ack + 5000, 65535, NULL, NULL, 0);
    expect_challenge(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(vg_tcp_readable(t), 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blind_data_with_old_ack_is_dropped_and_challenged),
        cmocka_unit_test(old_ack_with_zero_window_does_not_freeze_sender),
        cmocka_unit_test(ack_beyond_snd_max_is_dropped_and_challenged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
