/* TS.Recent poisoning (RFC 7323 §5.3): a forged segment carrying a TSval far in the future would,
 * once taken as TS.Recent, make PAWS drop every real segment of the peer until its clock caught
 * up (or for 24 days). R2 comes before R3: a segment must pass the sequence check (and here the
 * RFC 5961 ACK check too) before its TSval is looked at, and R3 takes it only when SEG.SEQ <=
 * Last.ACK.sent, so an out-of-order segment, however acceptable, cannot set it either. Each
 * forgery below leaves TS.Recent where the real peer put it, and the peer's next segment is
 * delivered, not dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"

#define PORT 8080
#define FUTURE 0x7fffff00u                /* as far ahead of 100 as a TSval can be */

static void send_ts(struct rawpeer *rp, uint8_t flags, uint32_t seq, uint32_t ack, const void *data,
                    size_t dlen, uint32_t tsval)
{
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_ts = 1;
    o.ts_val = tsval;
    rp_send(rp, flags, seq, ack, rp->wnd, &o, data, dlen);
}

/* An accepted connection whose peer's SYN carried TSval 100. */
static vg_tcb *established(struct rawpeer *rp)
{
    vg_tcb *l = rp_listen(rp, PORT, 4);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 7,
                            .has_ts = 1, .ts_val = 100};
    vg_tcb *t = rp_open_passive(rp, l, PORT, &o, 65535);
    assert_true(t->flags2 & TF2_TS);
    assert_int_equal(t->ts_recent, 100);
    return t;
}

/* The real peer's next segment, TSval 101: delivered, TS.Recent 101, no PAWS drop. */
static void real_segment_gets_through(struct rawpeer *rp, vg_tcb *t)
{
    rp_drain(rp);
    send_ts(rp, VG_TCP_ACK | VG_TCP_PSH, rp->seq, rp->ack, "real", 4, 101);
    rp->seq += 4;
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 0);
    assert_int_equal(t->ts_recent, 101);
    char out[16];
    assert_int_equal(vg_tcp_recv(t, out, sizeof out, rp->now), 4);
    assert_memory_equal(out, "real", 4);
}

static void out_of_window_forgery_fails_the_sequence_check_first(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    send_ts(rp, VG_TCP_ACK, rp->seq + 0x40000000u, rp->ack, "evil", 4, FUTURE);
    send_ts(rp, VG_TCP_ACK, rp->seq - 100000u, rp->ack, NULL, 0, FUTURE);
    assert_int_equal(t->ts_recent, 100);
    real_segment_gets_through(rp, t);
    rp_free(rp);
}

static void in_window_forgery_with_an_impossible_ack_is_dropped_first(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    send_ts(rp, VG_TCP_ACK, rp->seq, rp->ack + 100000u, "evil", 4, FUTURE);   /* RFC 5961 §5.2 */
    assert_int_equal(rp_stats(rp)->tcp_bad_acks, 1);
    assert_int_equal(t->ts_recent, 100);
    real_segment_gets_through(rp, t);
    rp_free(rp);
}

static void in_window_rst_not_at_rcv_nxt_leaves_ts_recent(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    send_ts(rp, VG_TCP_RST, rp->seq + 10, 0, NULL, 0, FUTURE);   /* a challenge ACK, no reset */
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(t->ts_recent, 100);
    real_segment_gets_through(rp, t);
    rp_free(rp);
}

/* R3's SEG.SEQ <= Last.ACK.sent: an acceptable segment ahead of RCV.NXT (out of order) is kept
 * as data, but its TSval is not taken. */
static void out_of_order_segment_is_not_taken_as_ts_recent(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    send_ts(rp, VG_TCP_ACK, rp->seq + 4, rp->ack, "late", 4, FUTURE);
    assert_int_equal(t->ts_recent, 100);
    rp_drain(rp);
    send_ts(rp, VG_TCP_ACK | VG_TCP_PSH, rp->seq, rp->ack, "real", 4, 101);
    rp->seq += 8;
    assert_int_equal(rp_stats(rp)->tcp_paws_drops, 0);
    assert_int_equal(t->ts_recent, 101);
    char out[16];
    assert_int_equal(vg_tcp_recv(t, out, sizeof out, rp->now), 8);
    assert_memory_equal(out, "reallate", 8);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_of_window_forgery_fails_the_sequence_check_first),
        cmocka_unit_test(in_window_forgery_with_an_impossible_ack_is_dropped_first),
        cmocka_unit_test(in_window_rst_not_at_rcv_nxt_leaves_ts_recent),
        cmocka_unit_test(out_of_order_segment_is_not_taken_as_ts_recent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
