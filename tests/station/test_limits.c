/* The line's limits as an operator notices them: no more than max_per_hub modules
 * drawing power from one hub, max_parallel overall, transfer tokens, and the pause
 * after N identical failures in a row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sched.h"
#include "slot_hub_cases.h"

/* The station counts a slot against the hub the reports name for it: one rule. */
static void limits_use_the_one_hub_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < SLOT_HUB_N_CASES; i++) {
        char k[128] = "x";
        fota_slot_hub(slot_hub_cases[i][0], k, sizeof k);
        const char *want = slot_hub_cases[i][1] ? slot_hub_cases[i][1] : "";
        if (strcmp(k, want) != 0)
            fail_msg("%s: hub [%s], want [%s]", slot_hub_cases[i][0], k, want);
    }
}

/* A UART slot is on no hub: max_per_hub never holds ttyS1 back because ttyS0 runs,
 * nor slots whose names hide the hub; max_parallel still counts them all. */
static void slots_without_hub_are_not_per_hub_limited(void **state)
{
    (void)state;
    fota_limits_t lim = {.max_parallel = 4, .max_transfers = 1, .max_per_hub = 1};
    fota_sched_t s;
    fota_sched_init(&s, &lim);
    const char *slots[] = {"ttyS0", "ttyS1", "hub3-port07", "hub3-port08"};
    for (size_t i = 0; i < 4; i++) {
        char hub[128];
        fota_slot_hub(slots[i], hub, sizeof hub);
        const char *why = fota_sched_blocked(&s, hub);
        if (why)
            fail_msg("%s blocked by %s", slots[i], why);
        fota_sched_start(&s, hub);
    }
    assert_string_equal(fota_sched_blocked(&s, ""), "max_parallel");
    fota_sched_done(&s, "");
    assert_null(fota_sched_blocked(&s, ""));
    /* slots of one real hub still count against it */
    char hub[128];
    fota_slot_hub(SH_USB "1.4.2", hub, sizeof hub);
    fota_sched_start(&s, hub);
    fota_slot_hub(SH_USB "1.4.3", hub, sizeof hub);
    assert_string_equal(fota_sched_blocked(&s, hub), "max_parallel");
    fota_sched_done(&s, "");
    assert_string_equal(fota_sched_blocked(&s, hub), "max_per_hub");
    fota_sched_free(&s);
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
        cmocka_unit_test(limits_use_the_one_hub_rule),
        cmocka_unit_test(slots_without_hub_are_not_per_hub_limited),
        cmocka_unit_test(per_hub_and_parallel_limits),
        cmocka_unit_test(same_failures_pause_until_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
