/* TIME_WAIT's timers on their own FIFO (src/timer/fifo.h, tcp_timer.c): the list keeps arrival
 * order through removals, and through the stack every TIME_WAIT still ends at exactly its own
 * 2·MSL, the stack's next deadline names it, and a TIME_WAIT that cannot keep the FIFO's order
 * (a shorter MSL set after longer ones) ends at its own instant on the wheel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp/tcb.h"
#include "testnet.h"
#include "timer/fifo.h"

#define PORT 8080
#define MSL_MS 5000u
#define CONNS 6

static void fifo_keeps_arrival_order_through_removal(void **state)
{
    (void)state;
    struct vg_timer_fifo f;
    struct vg_timer t[5];
    vg_fifo_init(&f);
    for (int i = 0; i < 5; i++) {
        vg_timer_init(&t[i]);
        vg_timer_set_kind(&t[i], 2);
        assert_true(vg_fifo_accepts(&f, 100u + 10u * (unsigned)i));
        vg_fifo_push(&f, &t[i], 100u + 10u * (unsigned)i);
        assert_true(vg_timer_armed(&t[i]));
    }
    assert_false(vg_fifo_accepts(&f, 139));     /* earlier than the tail: the wheel's */
    assert_true(vg_fifo_accepts(&f, 140));
    vg_fifo_remove(&f, &t[2]);                  /* the middle */
    vg_fifo_remove(&f, &t[4]);                  /* the tail */
    assert_false(vg_timer_armed(&t[2]));
    assert_int_equal(vg_timer_kind(&t[2]), 2);  /* the owner's bits survive */
    assert_int_equal(f.count, 3);
    assert_true(vg_fifo_accepts(&f, 130));      /* t[3] is the tail now */
    vg_fifo_push(&f, &t[4], 135);
    assert_int_equal(vg_fifo_next(&f), 100);
    assert_null(vg_fifo_pop_due(&f, 99));
    const int order[] = {0, 1, 3, 4};
    for (int k = 0; k < 4; k++) {
        struct vg_timer *p = vg_fifo_pop_due(&f, 1000);
        assert_ptr_equal(p, &t[order[k]]);
        assert_false(vg_timer_armed(p));
    }
    assert_null(vg_fifo_pop_due(&f, 1000));
    assert_int_equal(vg_fifo_next(&f), UINT64_MAX);
    assert_int_equal(f.count, 0);
    vg_fifo_push(&f, &t[0], 5);                 /* an emptied list takes any expiry */
    vg_fifo_remove(&f, &t[0]);                  /* the head, which is the tail */
    assert_null(f.head);
    assert_null(f.tail);
}

static struct tn_pair *new_pair(void)
{
    struct vg_stack_config c[2];
    tn_pair_configs(c, VG_PROFILE_WINDOWS_VISTA, 40);
    c[0].msl_ms = c[1].msl_ms = MSL_MS;
    return tn_pair_new_cfg(7, NULL, &c[0], &c[1]);
}

/* One connection from host 0, closed by host 0 first; returns when host 0 is in TIME_WAIT, the
 * instant it entered it in *entered. Host 1's end is released. */
static vg_tcb *time_wait_connection(struct tn_pair *p, vg_tcb *l, vg_time *entered)
{
    vg_tcb *a, *b;
    tn_connect_pair(p, 0, NULL, l, 0, &a, &b);
    assert_int_equal(vg_tcp_shutdown_send(a, tn_now(p)), 0);
    assert_true(tn_run_until_state(p, b, VG_TCP_CLOSE_WAIT, tn_now(p) + VG_MS(1000)));
    vg_tcp_close(b, tn_now(p));
    assert_true(tn_run_until_state(p, a, VG_TCP_TIME_WAIT, tn_now(p) + VG_MS(1000)));
    *entered = tn_now(p);
    return a;
}

static void time_waits_end_at_their_own_instants(void **state)
{
    (void)state;
    struct tn_pair *p = new_pair();
    vg_stack *s0 = tn_stack(p, 0);
    vg_tcb *l = tn_listen(p, 1, PORT), *t[CONNS];
    vg_time entered[CONNS];
    const vg_time two_msl = VG_MS(2 * MSL_MS);
    for (int i = 0; i < CONNS; i++) {
        t[i] = time_wait_connection(p, l, &entered[i]);
        tn_run_for(p, VG_MS(333) + (vg_time)i * 17);   /* instants apart, not on a slot grid */
    }
    assert_int_equal(s0->time_wait.count, CONNS);     /* all of them wait on the FIFO */
    for (int i = 0; i < CONNS; i++) {
        /* The stale retransmission timers of FIN_WAIT_1 have fired or gone: the earliest
         * deadline host 0 has is this TIME_WAIT's end, to the microsecond. */
        tn_run_until(p, entered[i] + two_msl - 1);
        assert_int_equal(vg_stack_next_deadline(s0), entered[i] + two_msl);
        assert_int_equal(vg_tcp_state(t[i]), VG_TCP_TIME_WAIT);
        tn_run_until(p, entered[i] + two_msl);
        assert_int_equal(vg_tcp_state(t[i]), VG_TCP_CLOSED);
        assert_int_equal(tn_first_event_time(p, 0, VG_EV_CLOSED, t[i]), entered[i] + two_msl);
        if (i + 1 < CONNS)
            assert_int_equal(vg_tcp_state(t[i + 1]), VG_TCP_TIME_WAIT);
    }
    assert_int_equal(s0->time_wait.count, 0);
    for (int i = 0; i < CONNS; i++)
        vg_tcp_close(t[i], tn_now(p));
    vg_tcp_close(l, tn_now(p));
    assert_int_equal(vg_stack_stats(s0)->tcbs_live, 0);
    tn_pair_free(p);
}

static void shorter_msl_after_longer_ones_ends_on_its_own_instant(void **state)
{
    (void)state;
    struct tn_pair *p = new_pair();
    vg_stack *s0 = tn_stack(p, 0);
    vg_tcb *l = tn_listen(p, 1, PORT);
    vg_time long_at, short_at;
    vg_tcb *a = time_wait_connection(p, l, &long_at);
    s0->cfg.msl_ms = MSL_MS / 10;                 /* a changed MSL: the FIFO's order would break */
    tn_run_for(p, VG_MS(10));
    vg_tcb *b = time_wait_connection(p, l, &short_at);
    assert_int_equal(s0->time_wait.count, 1);     /* b's end is earlier than a's: on the wheel */
    vg_time b_end = short_at + VG_MS(2 * MSL_MS / 10), a_end = long_at + VG_MS(2 * MSL_MS);
    assert_true(b_end < a_end);
    tn_run_until(p, b_end - 1);
    assert_int_equal(vg_stack_next_deadline(s0), b_end);
    assert_int_equal(vg_tcp_state(b), VG_TCP_TIME_WAIT);
    tn_run_until(p, b_end);
    assert_int_equal(vg_tcp_state(b), VG_TCP_CLOSED);
    assert_int_equal(vg_tcp_state(a), VG_TCP_TIME_WAIT);
    tn_run_until(p, a_end - 1);
    assert_int_equal(vg_stack_next_deadline(s0), a_end);
    tn_run_until(p, a_end);
    assert_int_equal(vg_tcp_state(a), VG_TCP_CLOSED);
    vg_tcp_close(a, tn_now(p));
    vg_tcp_close(b, tn_now(p));
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);
}

/* The stack freed with TIME_WAITs on the FIFO, one of them released by the application: every
 * one is taken off the list (ASan and valgrind see any use after the free). */
static void stack_freed_with_time_waits_pending(void **state)
{
    (void)state;
    struct tn_pair *p = new_pair();
    vg_tcb *l = tn_listen(p, 1, PORT);
    vg_time at;
    time_wait_connection(p, l, &at);
    vg_tcb *b = time_wait_connection(p, l, &at);
    vg_tcp_close(b, tn_now(p));                   /* released: the stack owns it till 2·MSL */
    assert_int_equal(tn_stack(p, 0)->time_wait.count, 2);
    tn_pair_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_keeps_arrival_order_through_removal),
        cmocka_unit_test(time_waits_end_at_their_own_instants),
        cmocka_unit_test(shorter_msl_after_longer_ones_ends_on_its_own_instant),
        cmocka_unit_test(stack_freed_with_time_waits_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
