/* The sender's SACK scoreboard: ranges merge, count only new octets, forget what SND.UNA
 * passed, stay bounded (a full board records nothing new and says so), and all of it across
 * the 2^32 wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp/sack_board.h"

static const uint32_t bases[] = {0u, 1000u, 0xfffff000u, 0x7ffffff0u};

static void ranges_merge_and_count_new_octets(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof bases / sizeof bases[0]; k++) {
        uint32_t b0 = bases[k];
        struct vg_sack_board b = {0};
        assert_int_equal(sack_board_add(&b, b0 + 100, b0 + 200), 100);
        assert_int_equal(sack_board_add(&b, b0 + 300, b0 + 400), 100);
        assert_int_equal(b.n, 2);
        assert_int_equal(sack_board_add(&b, b0 + 150, b0 + 200), 0);     /* held already */
        assert_int_equal(sack_board_add(&b, b0 + 200, b0 + 300), 100);   /* joins both */
        assert_int_equal(b.n, 1);
        assert_int_equal(b.r[0].start, b0 + 100);
        assert_int_equal(b.r[0].end, b0 + 400);
        assert_int_equal(sack_board_add(&b, b0 + 50, b0 + 450), 100);    /* covers it */
        assert_int_equal(b.n, 1);
        assert_int_equal(sack_board_add(&b, b0 + 10, b0 + 10), 0);       /* empty */
        assert_int_equal(sack_board_add(&b, b0 + 20, b0 + 10), 0);       /* backwards */
        assert_true(sack_board_holds(&b, b0 + 50, b0 + 450));
        assert_false(sack_board_holds(&b, b0 + 49, b0 + 60));
        assert_int_equal(sack_board_above(&b, b0), 400);
        assert_int_equal(sack_board_above(&b, b0 + 400), 50);
        assert_int_equal(sack_board_above(&b, b0 + 450), 0);
    }
}

static void trim_forgets_what_snd_una_passed(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof bases / sizeof bases[0]; k++) {
        uint32_t b0 = bases[k];
        struct vg_sack_board b = {0};
        sack_board_add(&b, b0 + 100, b0 + 200);
        sack_board_add(&b, b0 + 300, b0 + 400);
        sack_board_add(&b, b0 + 500, b0 + 600);
        sack_board_trim(&b, b0 + 350);
        assert_int_equal(b.n, 2);
        assert_int_equal(b.r[0].start, b0 + 350);
        assert_int_equal(b.r[1].start, b0 + 500);
        sack_board_trim(&b, b0 + 600);
        assert_int_equal(b.n, 0);
    }
}

static void a_full_board_records_nothing_new(void **state)
{
    (void)state;
    struct vg_sack_board b = {0};
    for (uint32_t i = 0; i < VG_SACK_BOARD_RANGES; i++)
        assert_int_equal(sack_board_add(&b, 100 * i + 10, 100 * i + 20), 10);
    assert_int_equal(b.n, VG_SACK_BOARD_RANGES);
    assert_int_equal(sack_board_add(&b, 5000, 5010), -1);             /* a 17th range */
    assert_int_equal(b.n, VG_SACK_BOARD_RANGES);
    assert_false(sack_board_holds(&b, 5000, 5010));
    assert_int_equal(sack_board_add(&b, 15, 30), 10);                /* growing one still works */
    assert_int_equal(sack_board_add(&b, 20, 110), 80);               /* and merging frees one */
    assert_int_equal(b.n, VG_SACK_BOARD_RANGES - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranges_merge_and_count_new_octets),
        cmocka_unit_test(trim_forgets_what_snd_una_passed),
        cmocka_unit_test(a_full_board_records_nothing_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
