/* vg_tcp_info, the accessor behind `vigil serve/connect --status`, in virtual time: queues and
 * the smoothed RTT of a real exchange, and the keep-alive columns ("next probe in",
 * "unanswered", "abort in") at instants across idle, probing and the abort, each compared with
 * the instant the stack then really sends the probe or aborts (B3: last receipt + time +
 * count x interval). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "testnet.h"

#define PORT 7001
#define TIME_MS 10000u
#define INTVL_MS 1000u
#define COUNT 3u
#define LATENCY_US 1000u

struct rig {
    struct tn_pair *p;
    vg_tcb *c, *s;
};

static void rig_up(struct rig *r, int keepalive)
{
    r->p = tn_pair_new(5, NULL, VG_PROFILE_WINDOWS_VISTA);
    assert_non_null(r->p);
    vg_tcb *l = tn_listen(r->p, 1, PORT);
    vg_tcb *c = vg_tcp_open(tn_stack(r->p, 0));
    assert_non_null(c);
    if (keepalive) {
        vg_time now = tn_now(r->p);
        assert_int_equal(vg_tcp_set_keepalive_time_ms(c, TIME_MS, now), 0);
        assert_int_equal(vg_tcp_set_keepalive_interval_ms(c, INTVL_MS, now), 0);
        assert_int_equal(vg_tcp_set_keepalive_count(c, COUNT, now), 0);
        assert_int_equal(vg_tcp_set_keepalive(c, 1, now), 0);
    }
    tn_connect_pair(r->p, 0, c, l, 0, &r->c, &r->s);
}

static struct vg_tcp_info info_at(struct rig *r, vg_tcb *t)
{
    struct vg_tcp_info in;
    assert_int_equal(vg_tcp_info(t, tn_now(r->p), &in), 0);
    return in;
}

static void endpoints_state_queues_and_rtt(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 0);
    struct vg_tcp_info in = info_at(&r, r.c);
    assert_int_equal(in.state, VG_TCP_ESTABLISHED);
    assert_int_equal(in.laddr, TN_ADDR0);
    assert_int_equal(in.raddr, TN_ADDR1);
    assert_int_equal(in.rport, PORT);
    assert_int_equal(in.send_queue, 0);
    assert_int_equal(in.recv_queue, 0);
    /* The handshake's sample on an ideal link: the SYN out and the SYN-ACK back. */
    assert_int_equal(in.srtt, 2 * LATENCY_US);
    assert_true(in.rto >= 200000);
    /* Keep-alive off: nothing to count down. */
    assert_int_equal(in.ka.enabled, 0);
    assert_int_equal(in.ka.next_probe_in, VG_TIME_NEVER);
    assert_int_equal(in.ka.abort_in, VG_TIME_NEVER);

    static const char msg[1000] = "x";
    assert_int_equal(vg_tcp_send(r.c, msg, sizeof msg, tn_now(r.p)), (long)sizeof msg);
    assert_int_equal(info_at(&r, r.c).send_queue, sizeof msg);   /* sent, not yet acknowledged */
    tn_run_for(r.p, VG_MS(300));
    assert_int_equal(info_at(&r, r.c).send_queue, 0);            /* acknowledged */
    assert_int_equal(info_at(&r, r.s).recv_queue, sizeof msg);   /* arrived, not read */
    char buf[400];
    assert_int_equal(vg_tcp_recv(r.s, buf, sizeof buf, tn_now(r.p)), (long)sizeof buf);
    assert_int_equal(info_at(&r, r.s).recv_queue, sizeof msg - sizeof buf);
    tn_pair_free(r.p);
}

static void keepalive_countdown_across_idle_probes_and_abort(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1);
    struct vg_tcp_info in = info_at(&r, r.c);
    vg_time last_rx = in.ka.last_rx;
    assert_true(last_rx <= tn_now(r.p));
    const vg_time first_probe = last_rx + VG_MS(TIME_MS);
    const vg_time abort_at = first_probe + COUNT * VG_MS(INTVL_MS);

    /* Idle: the countdowns are exact at any instant. */
    for (vg_time t = tn_now(r.p); t < first_probe; t += VG_MS(2345)) {
        tn_run_until(r.p, t);
        in = info_at(&r, r.c);
        assert_int_equal(in.ka.enabled, 1);
        assert_int_equal(in.ka.probes_unanswered, 0);
        assert_int_equal(in.ka.next_probe_in, first_probe - t);
        assert_int_equal(in.ka.abort_in, abort_at - t);
    }

    /* The peer vanishes; its probes go unanswered. */
    vg_simnet_set_host_up(r.p->net, r.p->host[1], 0);
    tn_run_until(r.p, first_probe - 1);
    assert_int_equal(info_at(&r, r.c).ka.next_probe_in, 1);
    assert_int_equal(tn_count_events(r.p, 0, VG_EV_PROBE_SENT, r.c), 0);
    for (uint32_t k = 1; k <= COUNT; k++) {
        vg_time sent = first_probe + (k - 1) * VG_MS(INTVL_MS);
        tn_run_until(r.p, sent + 250000);
        /* The probe went out exactly when the countdown said it would. */
        assert_int_equal(tn_count_events(r.p, 0, VG_EV_PROBE_SENT, r.c), k);
        const struct tn_event *e = tn_find_event(r.p, 0, VG_EV_PROBE_SENT, r.c, 0);
        for (uint32_t j = 1; j < k; j++)
            e = tn_find_event(r.p, 0, VG_EV_PROBE_SENT, r.c, (size_t)(e - r.p->events) + 1);
        assert_int_equal(e->ev.now, sent);
        in = info_at(&r, r.c);
        assert_int_equal(in.state, VG_TCP_ESTABLISHED);
        assert_int_equal(in.ka.probes_unanswered, k);
        /* After the last probe the next thing due is the abort, not a probe. */
        assert_int_equal(in.ka.next_probe_in,
                         k < COUNT ? VG_MS(INTVL_MS) - 250000 : VG_TIME_NEVER);
        assert_int_equal(in.ka.abort_in, abort_at - (sent + 250000));
    }
    tn_run_until(r.p, abort_at - 1);
    assert_int_equal(info_at(&r, r.c).ka.abort_in, 1);
    assert_int_equal(info_at(&r, r.c).state, VG_TCP_ESTABLISHED);
    tn_run_until(r.p, abort_at);
    assert_int_equal(tn_first_event_time(r.p, 0, VG_EV_ABORTED, r.c), abort_at);
    in = info_at(&r, r.c);
    assert_int_equal(in.state, VG_TCP_CLOSED);
    assert_int_equal(in.ka.next_probe_in, VG_TIME_NEVER);
    assert_int_equal(in.ka.abort_in, VG_TIME_NEVER);
    tn_pair_free(r.p);
}

static void no_countdown_while_data_is_outstanding(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1);
    /* B6: with data unacknowledged the retransmission timer governs, not keep-alive. */
    vg_simnet_set_host_up(r.p->net, r.p->host[1], 0);
    static const char msg[10] = "y";
    assert_int_equal(vg_tcp_send(r.c, msg, sizeof msg, tn_now(r.p)), (long)sizeof msg);
    tn_run_for(r.p, VG_MS(100));
    struct vg_tcp_info in = info_at(&r, r.c);
    assert_int_equal(in.send_queue, sizeof msg);
    assert_int_equal(in.ka.enabled, 1);
    assert_int_equal(in.ka.next_probe_in, VG_TIME_NEVER);
    assert_int_equal(in.ka.abort_in, VG_TIME_NEVER);
    tn_pair_free(r.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(endpoints_state_queues_and_rtt),
        cmocka_unit_test(keepalive_countdown_across_idle_probes_and_abort),
        cmocka_unit_test(no_countdown_while_data_is_outstanding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
