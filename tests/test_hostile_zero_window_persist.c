/* A peer that advertises a zero window and goes silent used to be probed forever (48 h, 3,378
 * probes, no abort, even with keep-alive on): every such peer pinned a connection and its
 * send buffer. Now the persist timer gives up, as Linux's tcp_probe_timer does, after the data
 * retransmission limit of consecutive unanswered zero-window probes, or when TCP_MAXRT is set,
 * once the peer has not answered for that long (VG_ERR_TIMEDOUT, tcp_persist_timeouts). A peer
 * that answers may keep its window closed indefinitely (RFC 1122 §4.2.2.17) — unless the
 * connection is an orphan, which nobody waits for. Keep-alive stays silent throughout (B6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

#define PORT 8080

/* Established; the peer took 100 bytes and closed its window; 500 more wait. *closed_at is the
 * instant of the peer's last segment. */
static vg_tcb *zero_window(struct rawpeer *rp, vg_time *closed_at)
{
    vg_tcb *t = rp_open_active(rp, PORT, NULL, 65535);
    uint8_t buf[600];
    memset(buf, 'z', sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, 100, rp->now), 100);
    const struct rp_seg *d = rp_receive(rp);
    assert_int_equal(d->dlen, 100);
    rp->wnd = 0;
    rp_send_ack(rp);
    *closed_at = rp->now;
    assert_int_equal(vg_tcp_send(t, buf, 500, rp->now), 500);
    rp_expect_none(rp);
    return t;
}

/* Runs until the connection ends or limit; counts zero-window probes and keep-alive probes
 * among what was sent; returns the instant of the abort (its RST), or VG_TIME_NEVER. */
static vg_time run_silent(struct rawpeer *rp, vg_tcb *t, vg_time limit, unsigned *zwps,
                          vg_time *first_probe)
{
    const struct rp_seg *g;
    *zwps = 0;
    while ((g = rp_wait(rp, limit)) != NULL) {
        if (g->th.flags & VG_TCP_RST) {
            assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
            return g->at;
        }
        assert_int_equal(g->dlen, 1);             /* only zero-window probes */
        if ((*zwps)++ == 0)
            *first_probe = g->at;
    }
    return VG_TIME_NEVER;
}

static void zero_window_silent_peer_aborts(void **state)
{
    (void)state;
    /* windows-vista (TcpMaxDataRetransmissions 5), with and without keep-alive; linux (15). */
    for (int run = 0; run <= 2; run++) {
        int keepalive = run == 1;
        struct vg_stack_config c;
        rp_config(&c);
        if (run == 2)
            vg_stack_config_default(&c, VG_PROFILE_LINUX);
        c.addr = RP_STACK_ADDR;
        c.seed = 1;
        struct rawpeer *rp = rp_new(&c);
        vg_time closed_at;
        vg_tcb *t = zero_window(rp, &closed_at);
        if (keepalive) {
            /* B6: with data waiting keep-alive must not probe, and must not be needed. */
            assert_int_equal(vg_tcp_set_keepalive_time_ms(t, 1000, rp->now), 0);
            assert_int_equal(vg_tcp_set_keepalive_interval_ms(t, 1000, rp->now), 0);
            assert_int_equal(vg_tcp_set_keepalive(t, 1, rp->now), 0);
        }
        unsigned zwps;
        vg_time first;
        vg_time end = run_silent(rp, t, rp->now + VG_MS(48ull * 3600 * 1000), &zwps, &first);
        assert_true(end != VG_TIME_NEVER);
        print_message("%s, keep-alive %s: silent zero-window peer given up after %u probes, "
                      "%.1f s (virtual) after its last segment\n",
                      run == 2 ? "linux" : "windows-vista", keepalive ? "on" : "off", zwps,
                      (double)(end - closed_at) / 1e6);
        assert_int_equal(zwps, run == 2 ? 15 : 5);   /* the data retransmission limit */
        assert_int_equal(vg_tcp_error(t), VG_ERR_TIMEDOUT);
        assert_int_equal(rp_stats(rp)->tcp_persist_timeouts, 1);
        assert_int_equal(rp_stats(rp)->ka_probes_sent, 0);
        assert_int_equal(rp_stats(rp)->tcp_retransmits, 0);
        const struct rp_event *a = rp_find_event(rp, VG_EV_ABORTED, t, 0);
        assert_non_null(a);
        assert_int_equal(a->ev.err, VG_ERR_TIMEDOUT);
        vg_tcp_close(t, rp->now);
        assert_int_equal(rp_stats(rp)->tcbs_live, 0);
        rp_free(rp);
    }
}

static void zero_window_silent_peer_aborts_at_tcp_maxrt(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_time closed_at;
    vg_tcb *t = zero_window(rp, &closed_at);
    vg_tcp_set_maxrt_ms(t, 30000);
    unsigned zwps;
    vg_time first = 0;
    vg_time end = run_silent(rp, t, rp->now + VG_MS(48ull * 3600 * 1000), &zwps, &first);
    print_message("TCP_MAXRT 30 s: silent zero-window peer given up after %u probes, %.3f s "
                  "(virtual) after its last segment, %.3f s after the first probe\n", zwps,
                  (double)(end - closed_at) / 1e6, (double)(end - first) / 1e6);
    assert_int_equal(end, first + VG_MS(30000));   /* exact: 30 s unanswered */
    assert_int_equal(vg_tcp_error(t), VG_ERR_TIMEDOUT);
    assert_int_equal(rp_stats(rp)->tcp_persist_timeouts, 1);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

/* Answers every zero-window probe with the window still closed, for `hours`. */
static void answer_probes(struct rawpeer *rp, vg_tcb *t, vg_time until, unsigned *zwps)
{
    const struct rp_seg *g;
    while ((g = rp_wait(rp, until)) != NULL) {
        if (g->th.flags & VG_TCP_RST)
            fail_msg("gave up on a peer that answers (t=%llu us)", (unsigned long long)g->at);
        assert_int_equal(g->dlen, 1);
        (*zwps)++;
        rp_send_ack(rp);                          /* ACK = SND.UNA, window 0 */
    }
    (void)t;
}

static void zero_window_answering_peer_keeps_connection(void **state)
{
    (void)state;
    for (int maxrt = 0; maxrt <= 1; maxrt++) {
        struct rawpeer *rp = rp_new(NULL);
        vg_time closed_at;
        vg_tcb *t = zero_window(rp, &closed_at);
        if (maxrt)
            vg_tcp_set_maxrt_ms(t, 30000);
        unsigned zwps = 0;
        answer_probes(rp, t, closed_at + VG_MS(3600ull * 1000), &zwps);
        assert_true(zwps > 50);
        assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
        assert_int_equal(rp_stats(rp)->tcp_persist_timeouts, 0);
        /* The window opens: the data goes, and the connection is as good as new. */
        rp->wnd = 65535;
        rp_send_ack(rp);
        const struct rp_seg *d = rp_take(rp);
        assert_non_null(d);
        assert_int_equal(d->dlen, 500);
        vg_tcp_abort(t, rp->now);
        rp_free(rp);
    }
}

static void zero_window_orphan_answering_peer_ends(void **state)
{
    (void)state;
    /* The application closed with 500 bytes unsent; the peer answers every probe and keeps its
     * window shut. An orphan gives up after the retransmission limit of probes, answered or not. */
    struct rawpeer *rp = rp_new(NULL);
    vg_time closed_at;
    vg_tcb *t = zero_window(rp, &closed_at);
    vg_tcp_close(t, rp->now);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 1);
    unsigned zwps = 0;
    const struct rp_seg *g;
    vg_time end = VG_TIME_NEVER;
    while ((g = rp_wait(rp, rp->now + VG_MS(3600ull * 1000))) != NULL) {
        if (g->th.flags & VG_TCP_RST) {
            end = g->at;
            break;
        }
        assert_int_equal(g->dlen, 1);
        zwps++;
        rp_send_ack(rp);
    }
    assert_true(end != VG_TIME_NEVER);
    print_message("orphan held by an answering zero-window peer ended after %u probes, %.1f s\n",
                  zwps, (double)(end - closed_at) / 1e6);
    assert_int_equal(zwps, 5);
    assert_int_equal(rp_stats(rp)->tcp_persist_timeouts, 1);
    assert_int_equal(rp_stats(rp)->tcp_orphans, 0);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void zero_window_orphan_slow_reader_ends(void **state)
{
    (void)state;
    /* A slow-read attack on an orphan: the peer takes each probe's octet and shuts its window
     * again, so every probe makes one octet of progress. A connection the application holds
     * may be drained that slowly (RFC 1122); an orphan ends after the retransmission limit. */
    struct rawpeer *rp = rp_new(NULL);
    vg_time closed_at;
    vg_tcb *t = zero_window(rp, &closed_at);
    vg_tcp_close(t, rp->now);
    unsigned zwps = 0;
    const struct rp_seg *g;
    while ((g = rp_wait(rp, rp->now + VG_MS(3600ull * 1000))) != NULL) {
        if (g->th.flags & VG_TCP_RST)
            break;
        assert_int_equal(g->dlen, 1);
        assert_int_equal(g->th.seq, rp->ack);
        zwps++;
        rp->ack++;                                /* took the octet; window still 0 */
        rp_send_ack(rp);
    }
    assert_non_null(g);
    assert_int_equal(zwps, 5);
    assert_int_equal(rp_stats(rp)->tcp_persist_timeouts, 1);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_window_silent_peer_aborts),
        cmocka_unit_test(zero_window_silent_peer_aborts_at_tcp_maxrt),
        cmocka_unit_test(zero_window_answering_peer_keeps_connection),
        cmocka_unit_test(zero_window_orphan_answering_peer_ends),
        cmocka_unit_test(zero_window_orphan_slow_reader_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
