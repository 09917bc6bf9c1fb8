/* Port health's rules: which failures count, and when a slot goes out of service. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "port_health.h"

static void hardware_classes_count(void **state)
{
    (void)state;
    assert_true(fota_port_health_hw(FOTA_RESULT_FAIL, FOTA_ERR_PORT));
    assert_true(fota_port_health_hw(FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT));
    assert_true(fota_port_health_hw(FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL));
    assert_false(fota_port_health_hw(FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE));
    assert_false(fota_port_health_hw(FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD));
    assert_false(fota_port_health_hw(FOTA_RESULT_INTERRUPTED, FOTA_ERR_PORT));
}

static void three_in_a_row_once(void **state)
{
    (void)state;
    unsigned n = 0;
    assert_false(fota_port_health_note(&n, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 3));
    assert_false(fota_port_health_note(&n, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 3));
    assert_false(fota_port_health_note(&n, FOTA_RESULT_INTERRUPTED, FOTA_ERR_NONE, 3));
    assert_true(fota_port_health_note(&n, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 3));
    assert_false(fota_port_health_note(&n, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 3)); /* said once */
    n = 0;
    assert_false(fota_port_health_note(&n, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 3));
    assert_false(fota_port_health_note(&n, FOTA_RESULT_PASS, FOTA_ERR_NONE, 3));
    assert_int_equal(n, 0);
    assert_false(fota_port_health_note(&n, FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE, 3));
    assert_int_equal(n, 0);
    for (int i = 0; i < 10; i++) /* 0: off */
        assert_false(fota_port_health_note(&n, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hardware_classes_count),
        cmocka_unit_test(three_in_a_row_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
