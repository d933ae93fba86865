/* A peer that answers a connection attempt halfway and then goes silent must not hold a TCB for
 * ever. Found by fuzz/fuzz_stack: with TCP_MAXRT set, a connection still in SYN_SENT or
 * SYN_RECEIVED retransmitted its SYN (or SYN-ACK) without end, because TCP_MAXRT's time limit
 * only covers synchronised connections and it switched the retransmission count off; an
 * application that closed such a connection left an orphan that lived for ever. The SYN's
 * retransmissions are now always counted (as Linux's tcp_syn_retries applies whatever
 * TCP_USER_TIMEOUT says). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"

static size_t count_syns(struct rawpeer *rp)
{
    size_t n = 0;
    const struct rp_seg *g;
    while ((g = rp_take(rp)) != NULL)
        n += g->is_tcp && (g->th.flags & VG_TCP_SYN);
    return n;
}

static void connect_with_maxrt_to_a_silent_peer_times_out(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_non_null(t);
    vg_tcp_set_maxrt_ms(t, 5000);
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, RP_PEER_PORT, rp->now), 0);
    rp_run_for(rp, VG_MS(3600 * 1000));
    assert_int_equal(vg_tcp_state(t), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_error(t), VG_ERR_TIMEDOUT);
    assert_true(count_syns(rp) <= 1 + 5);   /* the SYN and the profile's retransmissions */
    vg_tcp_close(t, rp->now);
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    rp_free(rp);
}

static void orphan_of_a_simultaneous_open_with_maxrt_is_freed(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = vg_tcp_open(rp->s);
    assert_non_null(t);
    assert_int_equal(vg_tcp_bind(t, RP_STACK_ADDR, 3000), 0);
    vg_tcp_set_maxrt_ms(t, 5000);
    assert_int_equal(vg_tcp_connect(t, RP_PEER_ADDR, RP_PEER_PORT, rp->now), 0);
    rp->sport = 3000;
    rp_expect(rp);                            /* our SYN */
    /* The peer's own SYN crosses ours (simultaneous open), then the peer is gone. */
    struct vg_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_mss = 1;
    o.mss = 1460;
    rp_send(rp, VG_TCP_SYN, 0x30000000u, 0, 65535, &o, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_SYN_RECEIVED);
    vg_tcp_close(t, rp->now);
    rp_run_for(rp, VG_MS(3600 * 1000));
    assert_int_equal(rp_stats(rp)->tcbs_live, 0);
    assert_true(count_syns(rp) <= 1 + 5);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connect_with_maxrt_to_a_silent_peer_times_out),
        cmocka_unit_test(orphan_of_a_simultaneous_open_with_maxrt_is_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
