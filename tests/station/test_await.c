/* The wait for a module that went away before its attempt ended (await.h): which
 * reboot timeout it gets, and until when. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "await.h"

static fota_profile_t with_reboot(unsigned reboot_ms)
{
    fota_profile_t p;
    memset(&p, 0, sizeof p);
    p.timeouts.reboot_ms = reboot_ms;
    return p;
}

static void reboot_timeout_of_family_job_or_largest(void **state)
{
    (void)state;
    fota_profile_t a = with_reboot(90000), b = with_reboot(120000), c = with_reboot(0);
    fota_profile_t *v[] = {&a, &b, &c};
    fota_profile_set_t set = {v, 3};
    fota_timeouts_t none, job;
    memset(&none, 0, sizeof none);
    memset(&job, 0, sizeof job);
    job.reboot_ms = 15000;
    /* the family the module's USB IDs (or its row) name */
    assert_int_equal(fota_await_reboot_ms(&set, &a, &none), 90000);
    assert_int_equal(fota_await_reboot_ms(&set, &b, NULL), 120000);
    /* the job's override wins, known module or not */
    assert_int_equal(fota_await_reboot_ms(&set, &b, &job), 15000);
    assert_int_equal(fota_await_reboot_ms(&set, NULL, &job), 15000);
    /* an unknown module (a pty, a UART): the largest of the loaded profiles */
    assert_int_equal(fota_await_reboot_ms(&set, NULL, &none), 120000);
    /* a profile without one: the built-in default (90 s) */
    assert_int_equal(fota_await_reboot_ms(&set, &c, &none), 90000);
    fota_profile_set_t empty = {NULL, 0};
    assert_int_equal(fota_await_reboot_ms(&empty, NULL, &none), 90000);
}

static void deadline_counts_from_now_while_the_reboot_may_last(void **state)
{
    (void)state;
    /* gone now (a blip): a whole reboot timeout from now */
    assert_int_equal(fota_await_deadline(1000, 1000, 30000), 31000);
    /* heard 10 s before a restart: still a whole timeout from the restart */
    assert_int_equal(fota_await_deadline(1000, 11000, 30000), 41000);
    /* heard as long ago as its reboot timeout, or longer: not waited for */
    assert_int_equal(fota_await_deadline(1000, 31000, 30000), 0);
    assert_int_equal(fota_await_deadline(1000, 500000, 30000), 0);
    /* a last-heard time in the future (the clock was set back) counts as now */
    assert_int_equal(fota_await_deadline(900000, 1000, 30000), 31000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reboot_timeout_of_family_job_or_largest),
        cmocka_unit_test(deadline_counts_from_now_while_the_reboot_may_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
