/* --rework: the newest verdict and the module's own revision decide together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rework_decide.h"

#define A06 "RG500QEAAAR11A06M4G"
#define A07 "RG500QEAAAR11A07M4G"

static fota_attempt_t module(const char *from, const char *to)
{
    fota_attempt_t a;
    memset(&a, 0, sizeof a);
    strcpy(a.from_version, from);
    strcpy(a.to_version, to);
    return a;
}

static void passed_and_at_target_is_skipped(void **state)
{
    (void)state;
    char note[128];
    fota_attempt_t a = module(A07, A07);
    assert_string_equal(fota_rework_decide(1, FOTA_RESULT_PASS, &a, false, note, sizeof note),
                        "already passed");
    assert_string_equal(note, "");
    /* AT+QGMR's longer spelling of the same revision */
    a = module(A07 "_01.001.01.001", A07);
    assert_string_equal(fota_rework_decide(1, FOTA_RESULT_PASS, &a, false, note, sizeof note),
                        "already passed");
}

static void passed_but_old_revision_is_upgraded_with_a_note(void **state)
{
    (void)state;
    char note[128];
    fota_attempt_t a = module(A06, A07);
    assert_null(fota_rework_decide(1, FOTA_RESULT_PASS, &a, false, note, sizeof note));
    assert_non_null(strstr(note, "passed before"));
    assert_non_null(strstr(note, A06));
    assert_non_null(strstr(note, A07));
}

static void passed_and_no_target_is_skipped(void **state)
{
    (void)state;
    char note[128];
    fota_attempt_t a = module(A06, "");
    assert_string_equal(fota_rework_decide(1, FOTA_RESULT_PASS, &a, false, note, sizeof note),
                        "already passed");
}

static void failed_or_new_as_before(void **state)
{
    (void)state;
    char note[128];
    fota_attempt_t a = module(A06, A07);
    assert_null(fota_rework_decide(1, FOTA_RESULT_FAIL, &a, false, note, sizeof note));
    assert_string_equal(note, "");
    assert_string_equal(fota_rework_decide(0, FOTA_RESULT_PASS, &a, false, note, sizeof note),
                        "not in database");
    assert_null(fota_rework_decide(0, FOTA_RESULT_PASS, &a, true, note, sizeof note));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passed_and_at_target_is_skipped),
        cmocka_unit_test(passed_but_old_revision_is_upgraded_with_a_note),
        cmocka_unit_test(passed_and_no_target_is_skipped),
        cmocka_unit_test(failed_or_new_as_before),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
