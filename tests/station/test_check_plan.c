/* `check`'s plan: the chains a job builds, and the warnings for the mistakes that
 * load cleanly but strand modules on the line (a typo in a middle revision). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "check_plan.h"

#define R(x) "RG500QEAAAR11" x "M4G"

/* Prints the plan of a job given as text; returns the warnings, *text the output. */
static size_t plan_of(const char *yaml, char **text)
{
    fota_job_t *j;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_buffer("job.yaml", "/jobs", yaml, strlen(yaml), &j, &e), 0);
    size_t len;
    FILE *f = open_memstream(text, &len);
    assert_non_null(f);
    size_t w = fota_check_plan_print(f, j);
    fclose(f);
    printf("%s", *text);
    fota_job_free(j);
    return w;
}

static const char good[] =
    "name: good\n"
    "targets:\n"
    "  - models: [RG500Q]\n"
    "    to: " R("A07") "\n"
    "    method: local\n"
    "    packages:\n"
    "      - {from: " R("A04") ", to: " R("A05") ", file: a04-a05.zip}\n"
    "      - {from: " R("A05") ", to: " R("A06") ", file: a05-a06.zip}\n"
    "      - {from: " R("A06") ", file: a06-a07.zip}\n";

static void good_job_prints_every_chain(void **state)
{
    (void)state;
    char *t;
    assert_int_equal(plan_of(good, &t), 0);
    assert_non_null(strstr(t, R("A04") " -> " R("A05") " -> " R("A06") " -> " R("A07")
                              "  [3 packages: a04-a05.zip a05-a06.zip a06-a07.zip]"));
    assert_non_null(strstr(t, R("A05") " -> " R("A06") " -> " R("A07")));
    assert_non_null(strstr(t, "from-revisions covered: " R("A04") " " R("A05") " " R("A06")
                              "\n"));
    assert_non_null(strstr(t, "any other revision: no package (FAIL no_package)"));
    assert_null(strstr(t, "warning"));
    free(t);
}

/* A6 for A06 in the middle package: A04 and A05 modules have no path, and the
 * package itself leads nowhere. */
static void typo_in_middle_revision_is_flagged(void **state)
{
    (void)state;
    static const char typo[] =
        "name: typo\n"
        "targets:\n"
        "  - models: [RG500Q]\n"
        "    to: " R("A07") "\n"
        "    method: local\n"
        "    packages:\n"
        "      - {from: " R("A04") ", to: " R("A05") ", file: a04-a05.zip}\n"
        "      - {from: " R("A05") ", to: " R("A6") ", file: a05-a06.zip}\n"
        "      - {from: " R("A06") ", file: a06-a07.zip}\n";
    char *t;
    assert_int_equal(plan_of(typo, &t), 3);
    assert_non_null(strstr(t, "warning: job.yaml:7:9: modules at " R("A04") " have no path"));
    assert_non_null(strstr(t, "warning: job.yaml:8:9: modules at " R("A05") " have no path"));
    assert_non_null(strstr(t, "warning: job.yaml:8:9: package a05-a06.zip (" R("A05") " -> " R("A6")
                              ") leads nowhere"));
    assert_non_null(strstr(t, "from-revisions covered: " R("A06") "\n"));
    free(t);
}

/* A full image covers every other revision; a delta from its revision follows it. */
static void full_image_then_delta(void **state)
{
    (void)state;
    static const char full[] =
        "name: full\n"
        "targets:\n"
        "  - family: EG06xK\n"
        "    to: EG060KEAAAR01A02M4G\n"
        "    method: local\n"
        "    packages:\n"
        "      - {to: EG060KEAAAR01A01M4G, file: full-a01.zip}\n"
        "      - {from: EG060KEAAAR01A01M4G, file: a01-a02.zip}\n";
    char *t;
    assert_int_equal(plan_of(full, &t), 0);
    assert_non_null(strstr(t, "any other revision: (full image full-a01.zip) -> EG060KEAAAR01A01M4G"
                              " -> EG060KEAAAR01A02M4G"));
    assert_non_null(strstr(t, "; any other by the full image"));
    free(t);
}

static void overlapping_targets_are_flagged(void **state)
{
    (void)state;
    static const char twice[] =
        "name: twice\n"
        "targets:\n"
        "  - family: EC200T\n"
        "    to: EC200TCNTCNMAR02A02M16\n"
        "    method: url\n"
        "    url: http://h/a.bin\n"
        "  - models: [RG500Q, RM500Q]\n"
        "    to: " R("A07") "\n"
        "    method: url\n"
        "    url: http://h/b.bin\n"
        "  - family: ec200t\n"
        "    to: EC200TCNTCNMAR02A03M16\n"
        "    method: url\n"
        "    url: http://h/c.bin\n"
        "  - models: [RM500Q]\n"
        "    to: " R("A08") "\n"
        "    method: url\n"
        "    url: http://h/d.bin\n";
    char *t;
    assert_int_equal(plan_of(twice, &t), 2);
    assert_non_null(strstr(t, "warning: job.yaml:11:5: target overlaps the one at line 3: both are "
                              "for family ec200t"));
    assert_non_null(strstr(t, "warning: job.yaml:15:5: target overlaps the one at line 7: both "
                              "list model RM500Q"));
    free(t);
}

/* Every package starts at the target itself: no module below it can get there. */
static void models_with_no_path(void **state)
{
    (void)state;
    static const char none[] =
        "name: none\n"
        "targets:\n"
        "  - models: [RG500Q]\n"
        "    to: " R("A07") "\n"
        "    method: local\n"
        "    packages:\n"
        "      - {from: " R("A07") ", file: a07-a07.zip}\n";
    char *t;
    assert_int_equal(plan_of(none, &t), 1);
    assert_non_null(strstr(t, "warning: job.yaml:3:5: no revision of these modules has a path to "
                              R("A07")));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_job_prints_every_chain),
        cmocka_unit_test(typo_in_middle_revision_is_flagged),
        cmocka_unit_test(full_image_then_delta),
        cmocka_unit_test(overlapping_targets_are_flagged),
        cmocka_unit_test(models_with_no_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
