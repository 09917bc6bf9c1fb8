/* A profile's `actions:` section: what the operator does with a FAIL, per class and
 * optionally per code. Read as written, looked up code first, and every mistake
 * listed at its file:line:column like the rest of the profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "profile.h"
#include "../job/loader_test.h"

#define BASE "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\n" \
             "module_retries: 5\ntext_patterns:\n  - {pattern: RDY, phase: boot}\n" \
             "methods:\n  url:\n    command: 'AT+QFOTADL=\"{arg}\"'\n" \
             "    max_url_len: 100\n    schemes: [http]\n" \
             "    reboot_after_download: true\n    reboot_after_end: true\n" \
             "timeouts: {command: 5, reboot: 90, download: 900, stall: 120, total: 1800}\n" \
             "errors:\n  err:\n    - {code: 0, class: none, meaning: ok}\n"
/* BASE is 17 lines: `actions:` is line 18, its first item line 19. */

static fota_profile_t *load_ok(const char *text)
{
    fota_profile_t *p = NULL;
    fota_load_errors_t l = {.n = 0};
    int rc = fota_profile_load_buffer_all("t.yaml", text, strlen(text), &p, &l);
    expect_errors(&l, NULL, 0);
    assert_int_equal(rc, 0);
    return p;
}

static void rules_are_looked_up_code_first(void **state)
{
    (void)state;
    fota_profile_t *p = load_ok(BASE "actions:\n"
                                "  - {class: package, action: \"stop the line: package\"}\n"
                                "  - {class: package, code: 510, action: rework bin}\n"
                                "  - {class: transient, code: 520-530, action: retry in place}\n"
                                "  - {class: timeout, action: \"Nacharbeit \xc3\xa4\xc3\xb6\"}\n");
    assert_int_equal(p->n_actions, 4);
    assert_string_equal(fota_profile_action(p, FOTA_ERR_PACKAGE, 504), "stop the line: package");
    assert_string_equal(fota_profile_action(p, FOTA_ERR_PACKAGE, 510), "rework bin");
    assert_string_equal(fota_profile_action(p, FOTA_ERR_TRANSIENT, 525), "retry in place");
    assert_null(fota_profile_action(p, FOTA_ERR_TRANSIENT, 502)); /* no rule for 502 */
    assert_null(fota_profile_action(p, FOTA_ERR_PORT, 0));         /* no rule: the built-in */
    assert_string_equal(fota_profile_action(p, FOTA_ERR_TIMEOUT, 0), "Nacharbeit \xc3\xa4\xc3\xb6");
    fota_profile_free(p);
    /* Without the section: nothing from the profile, the station's own apply. */
    p = load_ok(BASE);
    assert_int_equal(p->n_actions, 0);
    assert_null(fota_profile_action(p, FOTA_ERR_PACKAGE, 504));
    fota_profile_free(p);
    assert_null(fota_profile_action(NULL, FOTA_ERR_PACKAGE, 504));
}

static void mistakes_are_listed_at_their_place(void **state)
{
    (void)state;
    fota_profile_t *p = (fota_profile_t *)1;
    fota_load_errors_t l = {.n = 0};
    static const char text[] =
        BASE "actions:\n"
        "  - {class: packge, action: rework bin}\n"                       /* 19 */
        "  - {class: package, code: 5x, action: rework bin}\n"            /* 20 */
        "  - {class: port, action: \"check the cable and the hub's power\"}\n" /* 21 */
        "  - {class: port, action: check the cable}\n"                    /* 22 */
        "  - {class: port, action: again}\n"                              /* 23 */
        "  - {class: verify, code: 1-9, action: a}\n"                     /* 24 */
        "  - {class: verify, code: 5, action: b}\n"                       /* 25 */
        "  - {class: none, action: a}\n"                                  /* 26 */
        "  - {class: space, action: \"two\\nlines\"}\n"                   /* 27 */
        "  - {class: space, actoin: x}\n"                                 /* 28 */
        "  - {class: space, code: 9-1, action: x}\n";                     /* 29 */
    int rc = fota_profile_load_buffer_all("t.yaml", text, strlen(text), &p, &l);
    static const char *const want[] = {
        "t.yaml:19:13: actions[].class: unknown class 'packge' (expected one of: download, "
        "package, space, transient, fatal, timeout, port, rejected, config, upload, "
        "no_package, unknown_model, verify, swapped, protocol, internal, imei, usb_mode)",
        "t.yaml:20:28: actions[].code: expected a code or a range like 520-530, found '5x'",
        "t.yaml:21:27: actions[].action: 35 characters, at most 24",
        "t.yaml:23:13: actions[]: class port without a code is listed twice",
        "t.yaml:25:27: actions[]: class verify code 5 is listed twice",
        "t.yaml:26:13: actions[].class: unknown class 'none'",
        "t.yaml:27:28: actions[].action: control character 0x0a",
        "t.yaml:28:5: actions[]: missing required key 'action'",
        "t.yaml:28:20: actions[]: unknown key 'actoin'",
        "t.yaml:29:26: actions[].code: range 9-1 ends before it starts",
    };
    int bad = expect_errors(&l, want, sizeof want / sizeof want[0]);
    assert_int_equal(rc, FOTA_E_PARSE);
    assert_null(p);
    assert_int_equal(bad, 0);
}

static void not_a_list(void **state)
{
    (void)state;
    fota_profile_t *p = (fota_profile_t *)1;
    fota_load_errors_t l = {.n = 0};
    static const char text[] = BASE "actions: {package: rework bin}\n";
    int rc = fota_profile_load_buffer_all("t.yaml", text, strlen(text), &p, &l);
    assert_int_equal(rc, FOTA_E_PARSE);
    assert_non_null(find_error(&l, "t.yaml:18:10", "actions: expected a sequence"));
}

/* The shipped profiles load with their sections (a code-specific rule in rg50xq). */
static void shipped_profile_has_its_rule(void **state)
{
    (void)state;
    fota_profile_t *p;
    fota_load_error_t e;
    int rc = fota_profile_load_file(FOTA_SOURCE_DIR "/profiles/rg50xq.yaml", &p, &e);
    if (rc) {
        char m[600];
        fota_load_error_format(&e, m, sizeof m);
        fail_msg("%s", m);
    }
    assert_string_equal(fota_profile_action(p, FOTA_ERR_PACKAGE, 510), "rework bin");
    assert_null(fota_profile_action(p, FOTA_ERR_PACKAGE, 504));
    fota_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rules_are_looked_up_code_first),
        cmocka_unit_test(mistakes_are_listed_at_their_place),
        cmocka_unit_test(not_a_list),
        cmocka_unit_test(shipped_profile_has_its_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
