/* The line's limits as an operator notices them: no more than max_per_hub modules
 * drawing power from one hub, max_parallel overall, transfer tokens, and the pause
 * after N identical failures in a row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "line_limits.h"

static void hub_key_drops_last_port(void **state)
{
    (void)state;
    char k[128];
    fota_hub_key("pci-0000:00:14.0-usb-0:1.4.2:1.2", k, sizeof k);
    assert_string_equal(k, "pci-0000:00:14.0-usb-0:1.4");
    fota_hub_key("pci-0000:00:14.0-usb-0:1.4.3:1.2", k, sizeof k);
    assert_string_equal(k, "pci-0000:00:14.0-usb-0:1.4");
    fota_hub_key("pci-0000:00:14.0-usb-0:1.5.3:1.2", k, sizeof k);
    assert_string_equal(k, "pci-0000:00:14.0-usb-0:1.5");
    fota_hub_key("hub3-port07", k, sizeof k);
    assert_string_equal(k, "hub3-port");
    fota_hub_key("slot", k, sizeof k);
    assert_string_equal(k, "slot");
}

static void per_hub_and_parallel_limits(void **state)
{
    (void)state;
    fota_limits_t lim = {.max_parallel = 3, .max_transfers = 1, .max_per_hub = 2,
                         .stop_after_same_failures = 0};
    fota_sched_t s;
    fota_sched_init(&s, &lim);
    assert_null(fota_sched_blocked(&s, "hubA"));
    fota_sched_start(&s, "hubA");
    fota_sched_start(&s, "hubA");
    assert_string_equal(fota_sched_blocked(&s, "hubA"), "max_per_hub");
    assert_null(fota_sched_blocked(&s, "hubB"));
    fota_sched_start(&s, "hubB");
    assert_string_equal(fota_sched_blocked(&s, "hubB"), "max_parallel");
    fota_sched_done(&s, "hubA");
    assert_null(fota_sched_blocked(&s, "hubA"));
    assert_true(fota_sched_take_transfer(&s));
    assert_false(fota_sched_take_transfer(&s));
    fota_sched_release_transfer(&s);
    assert_true(fota_sched_take_transfer(&s));
    fota_sched_free(&s);
}

static void same_failures_pause_until_ack(void **state)
{
    (void)state;
    fota_limits_t lim = {.max_parallel = 8, .max_transfers = 8, .max_per_hub = 0,
                         .stop_after_same_failures = 3};
    fota_sched_t s;
    fota_sched_init(&s, &lim);
    assert_false(fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601));
    assert_false(fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601));
    /* a different failure restarts the count */
    assert_false(fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE, 504));
    assert_false(fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601));
    assert_false(fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601));
    /* SKIP in between does not break the streak; the third one pauses */
    assert_false(fota_sched_result(&s, FOTA_RESULT_SKIP, FOTA_ERR_NONE, 0));
    assert_true(fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601));
    assert_string_equal(fota_sched_blocked(&s, "h"), "paused");
    assert_int_equal(s.streak_n, 3);
    fota_sched_ack(&s);
    assert_null(fota_sched_blocked(&s, "h"));
    /* a PASS resets */
    fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601);
    fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601);
    fota_sched_result(&s, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_false(fota_sched_result(&s, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601));
    fota_sched_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hub_key_drops_last_port),
        cmocka_unit_test(per_hub_and_parallel_limits),
        cmocka_unit_test(same_failures_pause_until_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
