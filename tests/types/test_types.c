/* The words stored in the database and printed in reports round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fota_types.h"

static void method_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < FOTA_METHOD__COUNT; i++) {
        fota_method_t m;
        assert_int_equal(fota_method_from_name(fota_method_name((fota_method_t)i), &m), 0);
        assert_int_equal(m, i);
    }
    fota_method_t m;
    assert_int_equal(fota_method_from_name("carrier-pigeon", &m), -1);
}

static void error_classes_round_trip(void **state)
{
    (void)state;
    for (int i = 1; i < FOTA_ERR__COUNT; i++) {
        fota_error_class_t c;
        assert_int_equal(fota_error_class_from_name(fota_error_class_name((fota_error_class_t)i), &c), 0);
        assert_int_equal(c, i);
    }
    fota_error_class_t c;
    assert_int_equal(fota_error_class_from_name("", &c), -1);
    assert_string_equal(fota_result_name(FOTA_RESULT_INTERRUPTED), "INTERRUPTED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(method_names_round_trip),
        cmocka_unit_test(error_classes_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
