/* The link delay's queue (src/link/delayq.c) in virtual time: what `--link-delay-ms` relies on to
 * add a real RTT on kernels without tc netem. Datagrams leave no earlier than their release
 * time, in the order they came, and a full queue drops and counts instead of growing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "link/delayq.h"

static void push_byte(struct vg_delayq *q, uint8_t tag, size_t len, vg_time release)
{
    uint8_t buf[256];
    memset(buf, tag, sizeof buf);
    assert_int_equal(vg_delayq_push(q, buf, len, release), 0);
}

/* Pops one datagram due at now and checks it is len bytes of tag. */
static void expect_pop(struct vg_delayq *q, vg_time now, uint8_t tag, size_t len)
{
    const uint8_t *pkt = NULL;
    size_t got = 0;
    assert_int_equal(vg_delayq_pop(q, now, &pkt, &got), 1);
    assert_int_equal(got, len);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(pkt[i], tag);
}

static void expect_nothing(struct vg_delayq *q, vg_time now)
{
    const uint8_t *pkt;
    size_t len;
    assert_int_equal(vg_delayq_pop(q, now, &pkt, &len), 0);
}

static void empty_queue_has_no_release_time(void **state)
{
    (void)state;
    struct vg_delayq *q = vg_delayq_new(4, 1000);
    assert_non_null(q);
    assert_true(vg_delayq_next_release(q) == VG_TIME_NEVER);
    expect_nothing(q, VG_TIME_NEVER - 1);
    assert_int_equal(vg_delayq_count(q), 0);
    vg_delayq_free(q);
}

static void datagram_is_held_until_its_release_time(void **state)
{
    (void)state;
    struct vg_delayq *q = vg_delayq_new(4, 1000);
    push_byte(q, 0xa1, 40, 1000 + 5000);
    assert_true(vg_delayq_next_release(q) == 6000);
    expect_nothing(q, 1000);
    expect_nothing(q, 5999);
    assert_int_equal(vg_delayq_count(q), 1);
    expect_pop(q, 6000, 0xa1, 40);
    assert_int_equal(vg_delayq_count(q), 0);
    assert_true(vg_delayq_next_release(q) == VG_TIME_NEVER);
    vg_delayq_free(q);
}

static void datagrams_leave_in_arrival_order_as_each_falls_due(void **state)
{
    (void)state;
    struct vg_delayq *q = vg_delayq_new(8, 1000);
    push_byte(q, 1, 10, 100);
    push_byte(q, 2, 20, 200);
    push_byte(q, 3, 30, 300);
    expect_pop(q, 150, 1, 10);
    expect_nothing(q, 199);
    assert_true(vg_delayq_next_release(q) == 200);
    /* A late caller gets everything that is due, still in order. */
    expect_pop(q, 1000, 2, 20);
    expect_pop(q, 1000, 3, 30);
    expect_nothing(q, 1000);
    vg_delayq_free(q);
}

static void an_earlier_release_never_overtakes_a_queued_datagram(void **state)
{
    (void)state;
    struct vg_delayq *q = vg_delayq_new(8, 1000);
    push_byte(q, 1, 10, 500);
    push_byte(q, 2, 10, 300);   /* e.g. the delay was shortened: it still waits its turn */
    expect_nothing(q, 300);
    expect_pop(q, 500, 1, 10);
    expect_pop(q, 500, 2, 10);
    vg_delayq_free(q);
}

static void full_queue_drops_and_counts_by_datagrams(void **state)
{
    (void)state;
    struct vg_delayq *q = vg_delayq_new(3, 1000);
    push_byte(q, 1, 10, 100);
    push_byte(q, 2, 10, 100);
    push_byte(q, 3, 10, 100);
    uint8_t x[10] = {4};
    assert_int_equal(vg_delayq_push(q, x, sizeof x, 100), -1);
    assert_int_equal(vg_delayq_dropped(q), 1);
    assert_int_equal(vg_delayq_count(q), 3);
    /* Once one leaves there is room again, and the survivors are the first three. */
    expect_pop(q, 100, 1, 10);
    push_byte(q, 5, 10, 100);
    expect_pop(q, 100, 2, 10);
    expect_pop(q, 100, 3, 10);
    expect_pop(q, 100, 5, 10);
    assert_int_equal(vg_delayq_dropped(q), 1);
    vg_delayq_free(q);
}

static void full_queue_drops_and_counts_by_bytes(void **state)
{
    (void)state;
    struct vg_delayq *q = vg_delayq_new(16, 100);
    push_byte(q, 1, 60, 10);
    uint8_t big[50] = {0};
    assert_int_equal(vg_delayq_push(q, big, sizeof big, 10), -1);
    push_byte(q, 3, 40, 10);    /* exactly fills it */
    assert_int_equal(vg_delayq_push(q, big, 1, 10), -1);
    assert_int_equal(vg_delayq_dropped(q), 2);
    expect_pop(q, 10, 1, 60);
    expect_pop(q, 10, 3, 40);
    vg_delayq_free(q);
}

static void ring_wraps_many_times_without_losing_a_datagram(void **state)
{
    (void)state;
    struct vg_delayq *q = vg_delayq_new(5, 5 * 256);
    vg_time now = 0;
    unsigned pushed = 0, popped = 0;
    for (int step = 0; step < 1000; step++) {
        now += 100;
        /* Two in per step, one out, until full; then the queue lives at its bound. */
        for (int k = 0; k < 2; k++)
            if (vg_delayq_count(q) < 5) {
                push_byte(q, (uint8_t)(pushed & 0xff), 1 + pushed % 200, now + 250);
                pushed++;
            }
        const uint8_t *pkt;
        size_t len;
        if (vg_delayq_pop(q, now, &pkt, &len)) {
            assert_int_equal(pkt[0], (uint8_t)(popped & 0xff));
            assert_int_equal(len, 1 + popped % 200);
            popped++;
        }
    }
    assert_true(popped > 900);
    assert_int_equal(vg_delayq_dropped(q), 0);
    vg_delayq_free(q);   /* still holding datagrams: the sanitizer build checks they are freed */
}

static void zero_bounds_are_refused(void **state)
{
    (void)state;
    assert_null(vg_delayq_new(0, 100));
    assert_null(vg_delayq_new(10, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_queue_has_no_release_time),
        cmocka_unit_test(datagram_is_held_until_its_release_time),
        cmocka_unit_test(datagrams_leave_in_arrival_order_as_each_falls_due),
        cmocka_unit_test(an_earlier_release_never_overtakes_a_queued_datagram),
        cmocka_unit_test(full_queue_drops_and_counts_by_datagrams),
        cmocka_unit_test(full_queue_drops_and_counts_by_bytes),
        cmocka_unit_test(ring_wraps_many_times_without_losing_a_datagram),
        cmocka_unit_test(zero_bounds_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
