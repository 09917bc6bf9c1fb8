/* A broken profile lists every independent mistake at once, each at its
 * file:line:column, in file order; a mistake that makes another check meaningless
 * is reported once; a syntax error ends the list; the list is bounded. The
 * profile is refused as a whole whatever the number of errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../job/loader_test.h"

#define TIMEOUTS "timeouts: {command: 5, reboot: 90, download: 900, stall: 120, total: 1800}\n"
#define ERRORS "errors:\n  err:\n    - {code: 0, class: none, meaning: ok}\n"

static const char three_mistakes[] =
    "family: X\n"
    "models: [A1]\n"
    "identify: {model: ATI, imei: AT+GSN}\n"
    "module_retries: many\n"
    "colour: red\n"
    "text_patterns:\n"
    "  - {pattern: RDY, phase: boot}\n"
    "methods:\n"
    "  url:\n"
    "    command: 'AT+QFOTADL=\"{arg}\"'\n"
    "    max_url_len: 100\n"
    "    schemes: [http, gopher]\n"
    "    reboot_after_download: true\n"
    "    reboot_after_end: true\n" TIMEOUTS ERRORS;

static void three_mistakes_three_located_errors(void **state)
{
    (void)state;
    fota_load_errors_t l = {.n = 0};
    fota_profile_t *p = (fota_profile_t *)1;
    assert_int_equal(fota_profile_load_buffer_all("t.yaml", three_mistakes,
                                                  strlen(three_mistakes), &p, &l),
                     FOTA_E_PARSE);
    assert_null(p); /* refused as a whole */
    static const char *const want[] = {
        "t.yaml:4:17: module_retries: expected an integer, found 'many'",
        "t.yaml:5:1: profile: unknown key 'colour'",
        "t.yaml:12:21: methods.url.schemes: unknown scheme 'gopher'",
    };
    assert_int_equal(expect_errors(&l, want, 3), 0);
    assert_int_equal(l.more, 0);
    /* The single-error API keeps the first in the file. */
    fota_load_error_t e;
    assert_int_equal(fota_profile_load_buffer("t.yaml", three_mistakes, strlen(three_mistakes),
                                              &p, &e),
                     FOTA_E_PARSE);
    assert_int_equal(e.line, 4);
    assert_int_equal(e.column, 17);
}

/* A missing section is one error (not also "expected a mapping"), and a rule that
 * needs a value found wrong (qfua's require_flow) is not reported on top of it. */
static void dependent_errors_are_not_repeated(void **state)
{
    (void)state;
    static const char text[] =
        "family: X\n"
        "models: [A1]\n"
        "module_retries: 5\n"
        "text_patterns:\n"
        "  - {pattern: RDY, phase: boot}\n"
        "methods:\n"
        "  qfua:\n"
        "    command: AT+QFUA\n"
        "    reboot_after_download: false\n"
        "    reboot_after_end: true\n"
        "    guard_ms: 100\n"
        "    require_flow: maybe\n" TIMEOUTS ERRORS;
    fota_load_errors_t l = {.n = 0};
    fota_profile_t *p;
    assert_int_equal(fota_profile_load_buffer_all("t.yaml", text, strlen(text), &p, &l),
                     FOTA_E_PARSE);
    static const char *const want[] = {
        "t.yaml:1:1: profile: missing required key 'identify'",
        "t.yaml:12:19: methods.qfua.require_flow: expected true or false, found 'maybe'",
    };
    assert_int_equal(expect_errors(&l, want, 2), 0);
}

static void syntax_error_is_the_only_error(void **state)
{
    (void)state;
    /* A wrong key before the syntax error: libyaml builds nothing, so it is not seen. */
    static const char text[] = "family: X\ncolour: red\nmodels: [A1\nidentify: {\n";
    fota_load_errors_t l = {.n = 0};
    fota_profile_t *p;
    assert_int_equal(fota_profile_load_buffer_all("t.yaml", text, strlen(text), &p, &l),
                     FOTA_E_PARSE);
    assert_int_equal(l.n, 1);
    assert_non_null(strstr(l.v[0].message, "YAML syntax error"));
    assert_non_null(strstr(l.v[0].message, "nothing after this point was checked"));
    assert_true(l.v[0].line >= 3);
}

/* 25 wrong rows: 20 listed, 5 counted; the load still ends. */
static void the_list_is_bounded(void **state)
{
    (void)state;
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\n"
                                "module_retries: 5\ntext_patterns:\n"
                                "  - {pattern: RDY, phase: boot}\n"
                                "methods:\n  qfaw: {init_command: A, write_command: 'B{hex}', "
                                "commit_command: C, max_chunk_bytes: 225, "
                                "reboot_after_download: false, reboot_after_end: true}\n"
                                TIMEOUTS "errors:\n  err:\n");
    for (int i = 1; i <= 25; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "    - {code: %d, class: nope, meaning: m}\n", i);
    fota_load_errors_t l = {.n = 0};
    fota_profile_t *p;
    assert_int_equal(fota_profile_load_buffer_all("t.yaml", text, n, &p, &l), FOTA_E_PARSE);
    assert_int_equal(l.n, FOTA_LOAD_ERRORS_MAX);
    assert_int_equal(l.more, 25 - FOTA_LOAD_ERRORS_MAX);
    assert_non_null(strstr(l.v[0].message, "errors.class: unknown class 'nope'"));
    assert_int_equal(l.v[0].line, 12);
}

/* A folder with two broken profiles names both, and loads nothing. */
static void every_broken_file_of_a_folder_is_listed(void **state)
{
    (void)state;
    mkdir("pdir_all", 0755);
    write_file("pdir_all/a.yaml", "family: A\ncolour: red\n");
    write_file("pdir_all/b.yaml", "family: [B\n");
    fota_load_errors_t l = {.n = 0};
    fota_profile_set_t s;
    assert_int_equal(fota_profile_set_load_dir_all("pdir_all", &s, &l), FOTA_E_PARSE);
    assert_int_equal(s.n, 0);
    assert_null(s.v);
    static const char *const want[] = {
        "pdir_all/a.yaml:1:1: profile: missing required key 'models'",
        "pdir_all/a.yaml:1:1: profile: missing required key 'identify'",
        "pdir_all/a.yaml:1:1: profile: missing required key 'module_retries'",
        "pdir_all/a.yaml:1:1: profile: missing required key 'methods'",
        "pdir_all/a.yaml:1:1: profile: missing required key 'timeouts'",
        "pdir_all/a.yaml:1:1: profile: missing required key 'errors'",
        "pdir_all/a.yaml:1:1: profile: needs phase_names or text_patterns",
        "pdir_all/a.yaml:2:1: profile: unknown key 'colour'",
        "pdir_all/b.yaml:2:1: YAML syntax error",
    };
    assert_int_equal(expect_errors(&l, want, sizeof want / sizeof want[0]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_mistakes_three_located_errors),
        cmocka_unit_test(dependent_errors_are_not_repeated),
        cmocka_unit_test(syntax_error_is_the_only_error),
        cmocka_unit_test(the_list_is_bounded),
        cmocka_unit_test(every_broken_file_of_a_folder_is_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
