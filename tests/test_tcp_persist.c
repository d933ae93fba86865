/* Zero-window probing (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): when the peer's window is zero
 * and data waits, the persist timer sends one new octet at SND.UNA, backs off, never gives up
 * while the peer answers, and the transfer resumes when the window opens — whether the peer
 * opens it with a window update or by taking the probe's octet. A zero-window probe is not a
 * keep-alive probe (SND.NXT-1, spec B2) and the two never stand in for each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080

static uint8_t pattern(uint32_t i) { return (uint8_t)(i * 7u + 3u); }

static void fill(uint8_t *buf, uint32_t off, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(off + (uint32_t)i);
}

/* Established, then the peer acknowledges everything with a zero window. */
static vg_tcb *zero_window(struct rawpeer *rp, uint32_t *una)
{
    vg_tcb *t = rp_open_active(rp, PORT, NULL, 65535);
    uint8_t buf[100];
    fill(buf, 0, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 100);
    const struct rp_seg *d = rp_receive(rp);
    assert_int_equal(d->dlen, 100);
    rp->wnd = 0;
    rp_send_ack(rp);
    *una = rp->ack;
    return t;
}

/* 1000 more octets queued behind the zero window: nothing goes out until the persist timer's
 * first probe, one octet at SND.UNA, which is returned. */
static const struct rp_seg *first_probe(struct rawpeer *rp, vg_tcb *t, uint32_t una)
{
    uint8_t buf[1000];
    fill(buf, 100, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 1000);
    rp_expect_none(rp);                           /* the window is closed: nothing goes out */
    const struct rp_seg *p = rp_wait(rp, rp->now + VG_MS(5000));
    assert_non_null(p);
    assert_int_equal(p->th.seq, una);
    assert_int_equal(p->dlen, 1);
    return p;
}

static void zero_window_probe_is_one_new_octet_at_snd_una(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    const struct rp_seg *p = first_probe(rp, t, una);
    assert_int_equal(p->data[0], pattern(100));   /* the next octet of the stream */
    assert_true(p->th.flags & VG_TCP_ACK);
    assert_int_equal(rp_stats(rp)->zwp_sent, 1);
    assert_int_equal(rp_count_events(rp, VG_EV_ZWP_SENT, t), 1);
    /* Not a keep-alive probe, and not a retransmission. */
    assert_int_equal(rp_stats(rp)->ka_probes_sent, 0);
    assert_int_equal(rp_count_events(rp, VG_EV_PROBE_SENT, NULL), 0);
    assert_int_equal(rp_count_events(rp, VG_EV_RETRANSMIT, NULL), 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void probes_back_off(uint64_t seed)
{
    struct vg_stack_config c;
    rp_config(&c);
    c.seed = seed;
    struct rawpeer *rp = rp_new(&c);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    uint8_t buf[500];
    fill(buf, 100, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 500);

    vg_time prev_at = rp->now, prev_gap = 0;
    int capped = 0;
    for (int i = 0; i < 20; i++) {
        const struct rp_seg *p = rp_wait(rp, rp->now + VG_MS(120000));
        assert_non_null(p);
        assert_int_equal(p->th.seq, una);
        assert_int_equal(p->dlen, 1);
        vg_time gap = p->at - prev_at;
        if (i >= 1) {
            /* Each wait doubles until it reaches its ceiling, which it then keeps. */
            if (gap == prev_gap)
                capped = 1;
            else
                assert_int_equal(gap, 2 * prev_gap);
            if (capped)
                assert_int_equal(gap, prev_gap);
        }
        assert_true(gap <= VG_MS(60000));
        prev_gap = gap;
        prev_at = p->at;
        rp_send_ack(rp);                          /* still zero */
    }
    assert_true(capped);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(vg_tcp_error(t), 0);
    assert_int_equal(rp_stats(rp)->zwp_sent, 20);
    assert_int_equal(rp_stats(rp)->tcp_timeouts, 0);
    assert_int_equal(rp_stats(rp)->tcp_retransmits, 0);
    assert_int_equal(rp_stats(rp)->tcp_fast_retransmits, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void zero_window_probes_back_off_and_never_give_up_while_answered(void **state)
{
    (void)state;
    /* Several seeds: the answers must never be taken for duplicate ACKs, wherever the ISN
     * lies, or a fast retransmit would push a full segment into the closed window. */
    for (uint64_t seed = 1; seed <= 8; seed++)
        probes_back_off(seed);
}

/* Receives everything the stack sends until limit, acknowledging as it goes; the bytes land
 * in out at their stream offsets (from base). Returns the bytes received in order. */
static uint32_t sink(struct rawpeer *rp, uint32_t base, uint8_t *out, uint32_t cap, vg_time limit)
{
    const struct rp_seg *g;
    while ((g = rp_wait(rp, limit)) != NULL) {
        if (!g->is_tcp)
            continue;
        uint32_t before = rp->ack;
        if (g->dlen && g->th.seq == rp->ack) {
            uint32_t off = g->th.seq - base;
            assert_true(off + g->dlen <= cap);
            memcpy(out + off, g->data, g->dlen);
            rp->ack += (uint32_t)g->dlen;
        }
        if (g->dlen || rp->ack != before)
            rp_send_ack(rp);
    }
    return rp->ack - base;
}

/* The ACKs we send while the peer's window stays shut must be acceptable to it: at its RCV.NXT
 * (SND.UNA), where a zero window accepts a segment (RFC 9293 §3.10.7.4), not one past it for the
 * probe's octet. Linux drops a segment beyond its window unread, ACK field and all: a peer whose
 * application is blocked sending to us, waiting for our ACKs to free its buffer, would never see
 * them, and both ends would wait forever (seen over TUN: vigil connect against a Linux echo
 * server that had stopped reading). */
static void acks_behind_a_refused_probe_stay_inside_the_zero_window(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    first_probe(rp, t, una);
    rp_send_ack(rp);                              /* refused: the window is still zero */
    rp_expect_none(rp);
    uint8_t data[300];
    memset(data, 0x5a, sizeof data);
    rp_send_data(rp, data, sizeof data);          /* the peer sends; we must acknowledge it */
    rp_run_for(rp, VG_MS(500));
    const struct rp_seg *a;
    int acks = 0;
    while ((a = rp_take(rp)) != NULL) {
        if (a->dlen)
            continue;                             /* a later probe, at SND.UNA as ever */
        assert_int_equal(a->th.ack, rp->seq);
        assert_int_equal(a->th.seq, una);         /* inside the peer's zero window */
        acks++;
    }
    assert_true(acks >= 1);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void zero_window_transfer_resumes_after_window_update(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    uint8_t buf[6000], got[6000];
    fill(buf, 100, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 6000);
    const struct rp_seg *p = rp_wait(rp, rp->now + VG_MS(5000));
    assert_non_null(p);
    assert_int_equal(p->dlen, 1);
    rp_send_ack(rp);                              /* refused: still zero */

    /* The receiver's application read: a pure window update, ACK unchanged. */
    rp->wnd = 65535;
    rp_send_ack(rp);
    const struct rp_seg *d = rp_take(rp);
    assert_non_null(d);                           /* data follows at once, not at the next probe */
    assert_int_equal(d->th.seq, una);
    assert_true(d->dlen > 1);
    assert_memory_equal(d->data, buf, d->dlen);
    rp->ack = una + (uint32_t)d->dlen;
    rp_send_ack(rp);
    memcpy(got, d->data, d->dlen);
    uint32_t n = sink(rp, una, got, sizeof got, rp->now + VG_MS(10000));
    assert_int_equal(n, 6000);
    assert_memory_equal(got, buf, sizeof buf);
    assert_int_equal(vg_tcp_unacked(t), 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void zero_window_transfer_resumes_when_peer_takes_the_probe_octet(void **state)
{
    (void)state;
    /* A receiver whose window has reopened accepts the probe's octet and acknowledges it
     * (SND.UNA+1) together with the open window. That octet is then acknowledged data, and the
     * rest of the stream follows it. */
    struct rawpeer *rp = rp_new(NULL);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    uint8_t buf[6000], got[6000];
    fill(buf, 100, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 6000);
    const struct rp_seg *p = rp_wait(rp, rp->now + VG_MS(5000));
    assert_non_null(p);
    assert_int_equal(p->th.seq, una);
    assert_int_equal(p->dlen, 1);
    got[0] = p->data[0];
    rp->ack = una + 1;
    rp->wnd = 65535;
    rp_send_ack(rp);
    uint32_t n = sink(rp, una, got, sizeof got, rp->now + VG_MS(10000));
    assert_int_equal(n, 6000);
    assert_memory_equal(got, buf, sizeof buf);
    assert_int_equal(vg_tcp_unacked(t), 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void zero_window_probe_octet_taken_while_window_stays_zero(void **state)
{
    (void)state;
    /* The receiver had one octet of room: it takes the probe's octet and advertises zero
     * again. Probing continues with the following octet. */
    struct rawpeer *rp = rp_new(NULL);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    uint8_t buf[100];
    fill(buf, 100, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 100);
    for (uint32_t i = 0; i < 3; i++) {
        const struct rp_seg *p = rp_wait(rp, rp->now + VG_MS(120000));
        assert_non_null(p);
        assert_int_equal(p->th.seq, una + i);
        assert_int_equal(p->dlen, 1);
        assert_int_equal(p->data[0], pattern(100 + i));
        rp->ack = una + i + 1;
        rp_send_ack(rp);                          /* taken, window zero again */
        assert_int_equal(vg_tcp_unacked(t), 100 - i - 1);
    }
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void zero_window_probe_and_keepalive_probe_are_distinct(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    assert_int_equal(vg_tcp_set_keepalive_time_ms(t, 2000, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive_interval_ms(t, 1000, rp->now), 0);
    assert_int_equal(vg_tcp_set_keepalive(t, 1, rp->now), 0);
    uint8_t buf[10];
    fill(buf, 100, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), 10);

    /* With data waiting, only the persist timer probes (spec B6), even though the peer stays
     * silent for far longer than the keep-alive time (not as long as the persist limit). */
    vg_time start = rp->now;
    const struct rp_seg *p;
    while ((p = rp_wait(rp, start + VG_MS(10000))) != NULL) {
        assert_int_equal(p->th.seq, una);
        assert_int_equal(p->dlen, 1);
        assert_int_equal(p->data[0], pattern(100));
    }
    assert_true(rp_stats(rp)->zwp_sent >= 3);
    assert_int_equal(rp_stats(rp)->ka_probes_sent, 0);
    assert_int_equal(rp_count_events(rp, VG_EV_PROBE_SENT, t), 0);

    /* The window opens, the data is delivered and acknowledged; idle now, keep-alive probes
     * at SND.NXT-1 with no new data (the windows-vista profile's one garbage octet, B2, lies
     * below SND.NXT: already acknowledged), and the persist timer is silent. */
    rp->wnd = 65535;
    rp_send_ack(rp);
    const struct rp_seg *d = rp_take(rp);
    assert_non_null(d);
    assert_int_equal(d->th.seq, una);
    assert_int_equal(d->dlen, 10);
    rp->ack = una + 10;
    rp_send_ack(rp);
    uint64_t zwp = rp_stats(rp)->zwp_sent;
    const struct rp_seg *k = rp_wait(rp, rp->now + VG_MS(10000));
    assert_non_null(k);
    assert_int_equal(k->th.seq, una + 10 - 1);
    assert_int_equal(k->dlen, 1);
    assert_int_equal(rp_stats(rp)->ka_probes_sent, 1);
    assert_int_equal(rp_count_events(rp, VG_EV_PROBE_SENT, t), 1);
    assert_int_equal(rp_stats(rp)->zwp_sent, zwp);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

/* Established; the peer sends 40,000 octets of the pattern and its FIN, all acknowledged, none
 * read yet. */
#define PEER_DATA 40000u
static vg_tcb *peer_sent_data_and_fin(struct rawpeer *rp)
{
    vg_tcb *t = rp_open_active(rp, PORT, NULL, 65535);
    uint8_t buf[1000];
    for (uint32_t off = 0; off < PEER_DATA; off += sizeof buf) {
        fill(buf, off, sizeof buf);
        rp_send_data(rp, buf, sizeof buf);
    }
    rp_send(rp, VG_TCP_FIN | VG_TCP_ACK, rp->seq, rp->ack, rp->wnd, NULL, NULL, 0);
    rp->seq++;
    rp_run_for(rp, VG_MS(500));
    rp_drain(rp);
    return t;
}

/* Reading opens the window, but after the peer's FIN no window update goes (as Linux): the peer
 * sends nothing more, and one that has closed since would answer the update with an RST that
 * throws away what the application has not read yet. */
static void no_window_update_after_the_peers_fin(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = peer_sent_data_and_fin(rp);
    uint8_t buf[1000];
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSE_WAIT);
    static uint8_t all[40000];        /* one read: the window opens by 40,000 at once */
    assert_int_equal(vg_tcp_recv(t, all, sizeof all, rp->now), 40000);
    fill(buf, 39000, sizeof buf);
    assert_memory_equal(all + 39000, buf, sizeof buf);
    rp_expect_none(rp);
    rp_free(rp);
}

/* A peer that sent its data and FIN and then resets (Linux answering a segment for a socket it
 * has closed): what arrived before the RST is still the application's to read. */
static void data_before_a_reset_in_close_wait_stays_readable(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = peer_sent_data_and_fin(rp);
    uint8_t buf[1000];
    static uint8_t part[10000];
    assert_int_equal(vg_tcp_recv(t, part, sizeof part, rp->now), 10000);
    rp_send(rp, VG_TCP_RST, rp->seq, 0, 0, NULL, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    static uint8_t rest[30000];
    assert_int_equal(vg_tcp_recv(t, rest, sizeof rest, rp->now), 30000);
    fill(buf, 39000, sizeof buf);
    assert_memory_equal(rest + 29000, buf, sizeof buf);
    rp_free(rp);
}

static void window_of_zero_with_nothing_to_send_sends_no_probe(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    uint32_t una;
    vg_tcb *t = zero_window(rp, &una);
    rp_run_for(rp, VG_MS(600000));
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->zwp_sent, 0);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_window_probe_is_one_new_octet_at_snd_una),
        cmocka_unit_test(zero_window_probes_back_off_and_never_give_up_while_answered),
        cmocka_unit_test(acks_behind_a_refused_probe_stay_inside_the_zero_window),
        cmocka_unit_test(zero_window_transfer_resumes_after_window_update),
        cmocka_unit_test(zero_window_transfer_resumes_when_peer_takes_the_probe_octet),
        cmocka_unit_test(zero_window_probe_octet_taken_while_window_stays_zero),
        cmocka_unit_test(zero_window_probe_and_keepalive_probe_are_distinct),
        cmocka_unit_test(no_window_update_after_the_peers_fin),
        cmocka_unit_test(data_before_a_reset_in_close_wait_stays_readable),
        cmocka_unit_test(window_of_zero_with_nothing_to_send_sends_no_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
