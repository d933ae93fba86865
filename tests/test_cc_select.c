/* Choosing the congestion control: CUBIC unless vg_stack_config.cc says otherwise, a socket's
 * own choice with vg_tcp_set_cc (accepted connections take the listener's), unknown values
 * refused, and the choice felt where it matters: a NewReno connection halves its flight on a
 * loss where a CUBIC one keeps seven tenths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/cc.h"
#include "tcp/tcb.h"
#include "testnet.h"

#define PORT 8080
#define MSS 536u
#define SEGS 20u

static void names_and_values(void **state)
{
    (void)state;
    assert_string_equal(vg_cc_name(VG_CC_CUBIC), "cubic");
    assert_string_equal(vg_cc_name(VG_CC_NEWRENO), "newreno");
    assert_null(vg_cc_name((enum vg_cc_algo)2));
    assert_int_equal(vg_cc_by_name("cubic"), VG_CC_CUBIC);
    assert_int_equal(vg_cc_by_name("newreno"), VG_CC_NEWRENO);
    assert_int_equal(vg_cc_by_name("bbr"), -VG_ERR_INVAL);
    assert_int_equal(vg_cc_by_name(NULL), -VG_ERR_INVAL);
}

static void the_stack_default_is_cubic_and_config_selects_newreno(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    tn_pair_configs(c, VG_PROFILE_WINDOWS_VISTA, 3);
    assert_int_equal(c[0].cc, VG_CC_CUBIC);          /* vg_stack_config_default */
    c[1].cc = VG_CC_NEWRENO;
    struct tn_pair *p = tn_pair_new_cfg(3, NULL, &c[0], &c[1]);
    vg_tcb *a, *b;
    /* Host 0 connects to host 1 (NewReno), and host 1 to host 0 (CUBIC). */
    tn_connect_pair(p, 0, NULL, tn_listen(p, 1, PORT), 0, &a, &b);
    assert_int_equal(vg_tcp_cc(a), VG_CC_CUBIC);
    assert_int_equal(vg_tcp_cc(b), VG_CC_NEWRENO);
    vg_tcb *c2, *d;
    tn_connect_pair(p, 1, NULL, tn_listen(p, 0, PORT + 1), 0, &c2, &d);
    assert_int_equal(vg_tcp_cc(c2), VG_CC_NEWRENO);
    assert_int_equal(vg_tcp_cc(d), VG_CC_CUBIC);
    tn_pair_free(p);

    /* A value vigil has no algorithm for is refused, not taken for some default. */
    c[0].cc = 2;
    assert_null(vg_stack_new(&c[0]));
    c[0].cc = 255;
    assert_null(vg_stack_new(&c[0]));
}

static void per_socket_choice_and_inheritance(void **state)
{
    (void)state;
    struct tn_pair *p = tn_pair_new(5, NULL, VG_PROFILE_WINDOWS_VISTA);
    vg_tcb *l = tn_listen(p, 1, PORT);
    assert_int_equal(vg_tcp_cc(l), VG_CC_CUBIC);
    assert_int_equal(vg_tcp_set_cc(l, VG_CC_NEWRENO), 0);
    vg_tcb *client = vg_tcp_open(tn_stack(p, 0));
    assert_int_equal(vg_tcp_set_cc(client, 2), -VG_ERR_INVAL);
    assert_int_equal(vg_tcp_set_cc(client, -1), -VG_ERR_INVAL);
    assert_int_equal(vg_tcp_cc(client), VG_CC_CUBIC);   /* a refused value changes nothing */
    assert_int_equal(vg_tcp_set_cc(client, VG_CC_NEWRENO), 0);
    vg_tcb *a, *b;
    tn_connect_pair(p, 0, client, l, 0, &a, &b);
    assert_int_equal(vg_tcp_cc(a), VG_CC_NEWRENO);
    assert_int_equal(vg_tcp_cc(b), VG_CC_NEWRENO);      /* the listener's */
    /* Established: the switch is taken at once, and the connection still moves its bytes. */
    assert_int_equal(vg_tcp_set_cc(a, VG_CC_CUBIC), 0);
    assert_int_equal(vg_tcp_cc(a), VG_CC_CUBIC);
    const uint64_t bytes[2] = {300000, 0};
    struct tn_transfer_result r;
    tn_transfer(p, a, b, bytes, 9, 0, VG_MS(600000), &r);
    tn_assert_transfer_exact(&r);
    tn_pair_free(p);
}

/* The ssthresh a fast retransmit leaves on a connection of the given algorithm, with SEGS
 * segments in flight and cwnd equal to them. */
static uint32_t ssthresh_after_fast_retransmit(int algo)
{
    struct vg_stack_config c;
    rp_config(&c);
    struct rawpeer *rp = rp_new(&c);
    struct vg_tcp_opts o = {.has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7};
    vg_tcb *t = rp_open_active(rp, PORT, &o, 65535);
    rp_send_ack(rp);
    assert_int_equal(vg_tcp_set_cc(t, algo), 0);
    t->cwnd = SEGS * MSS;
    uint8_t buf[SEGS * MSS];
    memset(buf, 7, sizeof buf);
    assert_int_equal(vg_tcp_send(t, buf, sizeof buf, rp->now), (long)sizeof buf);
    const struct rp_seg *first = rp_expect(rp);
    uint32_t lost = first->th.seq;
    rp_drain(rp);
    for (int i = 0; i < 3; i++) {
        rp_run_for(rp, VG_MS(1));
        rp_send(rp, VG_TCP_ACK, rp->seq, lost, rp->wnd, NULL, NULL, 0);
    }
    assert_int_equal(rp_stats(rp)->tcp_fast_retransmits, 1);
    uint32_t ss = t->ssthresh;
    rp_free(rp);
    return ss;
}

static void newreno_halves_where_cubic_keeps_seven_tenths(void **state)
{
    (void)state;
    assert_int_equal(ssthresh_after_fast_retransmit(VG_CC_NEWRENO), SEGS * MSS / 2);
    assert_int_equal(ssthresh_after_fast_retransmit(VG_CC_CUBIC), SEGS * MSS * 7 / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_values),
        cmocka_unit_test(the_stack_default_is_cubic_and_config_selects_newreno),
        cmocka_unit_test(per_socket_choice_and_inheritance),
        cmocka_unit_test(newreno_halves_where_cubic_keeps_seven_tenths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
