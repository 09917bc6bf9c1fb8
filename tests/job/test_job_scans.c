/* The job's scans section (docs/profiles.md, "scans"): patterns compiled at load as
 * POSIX extended regular expressions, each mistake named at file:line:column, and
 * which kind a scanned line sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "job.h"
#include "loader_test.h"

#define HEAD "name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: url\n" \
             "    url: http://h/b.bin\n"

static fota_job_t *load_ok(const char *text)
{
    fota_job_t *j = NULL;
    fota_load_errors_t l = {.n = 0};
    int rc = fota_job_load_buffer_all("j.yaml", ".", text, strlen(text), &j, &l);
    expect_errors(&l, NULL, 0);
    assert_int_equal(rc, 0);
    return j;
}

static void scans_set_operator_and_batch(void **state)
{
    (void)state;
    fota_job_t *j = load_ok(HEAD "scans:\n  operator: '^OP[0-9]+$'\n  batch: '^WO-'\n");
    assert_string_equal(j->scans[FOTA_SCAN_OPERATOR].pattern, "^OP[0-9]+$");
    assert_string_equal(j->scans[FOTA_SCAN_BATCH].pattern, "^WO-");
    assert_int_equal(fota_job_scan_match(j, "OP17"), FOTA_SCAN_OPERATOR);
    assert_int_equal(fota_job_scan_match(j, "WO-778"), FOTA_SCAN_BATCH);
    assert_int_equal(fota_job_scan_match(j, "OP17X"), FOTA_SCAN_N);
    assert_int_equal(fota_job_scan_match(j, "XYZ"), FOTA_SCAN_N);
    fota_job_free(j);
}

static void no_scans_match_nothing(void **state)
{
    (void)state;
    fota_job_t *j = load_ok(HEAD);
    assert_null(j->scans[FOTA_SCAN_OPERATOR].pattern);
    assert_int_equal(fota_job_scan_match(j, "OP17"), FOTA_SCAN_N);
    fota_job_free(j);
    /* one kind only */
    j = load_ok(HEAD "scans: {batch: '^WO-'}\n");
    assert_int_equal(fota_job_scan_match(j, "WO-1"), FOTA_SCAN_BATCH);
    assert_int_equal(fota_job_scan_match(j, "OP1"), FOTA_SCAN_N);
    fota_job_free(j);
}

static void bad_scans_name_the_place(void **state)
{
    (void)state;
    fota_job_t *j = NULL;
    fota_load_errors_t l = {.n = 0};
    static const char text[] = HEAD "scans:\n"
                                    "  operator: '^OP[0-9+$'\n"
                                    "  batch: '^WO-\\d+$'\n"
                                    "  shift: '^S'\n";
    assert_int_equal(fota_job_load_buffer_all("j.yaml", ".", text, strlen(text), &j, &l),
                     FOTA_E_PARSE);
    assert_null(j);
    static const char *const want[] = {
        "j.yaml:8:13: scans.operator: '^OP[0-9+$' is not a POSIX extended regular expression: ",
        "j.yaml:9:10: scans.batch: '^WO-\\d+$': \\d is not POSIX extended regular expression "
        "syntax (write [0-9])",
        "j.yaml:10:3: scans: unknown key 'shift'",
    };
    assert_int_equal(expect_errors(&l, want, 3), 0);
    /* not a mapping; an empty pattern */
    fota_load_errors_t l2 = {.n = 0};
    static const char text2[] = HEAD "scans: ['^OP']\n";
    assert_int_equal(fota_job_load_buffer_all("j.yaml", ".", text2, strlen(text2), &j, &l2),
                     FOTA_E_PARSE);
    assert_int_equal(l2.n, 1);
    assert_int_equal(l2.v[0].line, 7);
    assert_int_equal(l2.v[0].column, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scans_set_operator_and_batch),
        cmocka_unit_test(no_scans_match_nothing),
        cmocka_unit_test(bad_scans_name_the_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
