/* Readable names for codec errors: logs and counters show them, so each must be distinct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/wire.h"

static void every_error_has_a_distinct_name(void **state)
{
    (void)state;
    const enum vg_wire_err all[] = {VG_WIRE_OK,      VG_WIRE_SHORT,    VG_WIRE_BAD_VERSION,
                                    VG_WIRE_BAD_IHL, VG_WIRE_BAD_LEN,  VG_WIRE_BAD_CSUM,
                                    VG_WIRE_FRAGMENT, VG_WIRE_BAD_DOFF, VG_WIRE_BAD_OPT};
    const size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        const char *a = vg_wire_err_name(all[i]);
        assert_non_null(a);
        assert_true(strlen(a) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(a, vg_wire_err_name(all[j]));
    }
}

static void names_say_what_went_wrong(void **state)
{
    (void)state;
    assert_string_equal(vg_wire_err_name(VG_WIRE_SHORT), "short");
    assert_string_equal(vg_wire_err_name(VG_WIRE_BAD_CSUM), "bad checksum");
    assert_string_equal(vg_wire_err_name(VG_WIRE_FRAGMENT), "fragment");
}

static void an_out_of_range_value_still_gets_a_string(void **state)
{
    (void)state;
    assert_non_null(vg_wire_err_name((enum vg_wire_err)1000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_error_has_a_distinct_name),
        cmocka_unit_test(names_say_what_went_wrong),
        cmocka_unit_test(an_out_of_range_value_still_gets_a_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
