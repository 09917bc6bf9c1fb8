/* A FAIL says what to do, and a log line read at 80 columns keeps what matters: the
 * action of a FAIL, the new revision of a PASS, the slot as the table names it; the
 * pause's banner says what its failures share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "action.h"
#include "dash.h"
#include "log_line.h"
#include "pause_note.h"

/* Every class a FAIL can carry has a built-in action, short enough to lead the
 * result column; NONE has none. */
static void every_class_has_a_builtin_action(void **state)
{
    (void)state;
    assert_string_equal(fota_action_builtin(FOTA_ERR_NONE), "");
    for (int c = FOTA_ERR_NONE + 1; c < FOTA_ERR__COUNT; c++) {
        const char *w = fota_action_builtin((fota_error_class_t)c);
        print_message("%-14s %s\n", fota_error_class_name((fota_error_class_t)c), w);
        assert_true(strlen(w) > 0);
        assert_true(strlen(w) <= FOTA_ACTION_MAX_CHARS);
    }
    assert_string_equal(fota_action_builtin(FOTA_ERR_PACKAGE), "stop the line: package");
    assert_string_equal(fota_action_builtin(FOTA_ERR_PORT), "check the cable");
    assert_string_equal(fota_action_builtin(FOTA_ERR__COUNT), "");
}

/* The profile's rule wins, code first; a family with no rule, or none at all, gets
 * the built-in one. */
static void profile_rule_then_builtin(void **state)
{
    (void)state;
    fota_action_rule_t rules[] = {
        {FOTA_ERR_PACKAGE, 510, 510, "rework bin"},
        {FOTA_ERR_TIMEOUT, 1, 0, "call the line lead"},
    };
    fota_profile_t p = {.family = "RG50xQ", .actions = rules, .n_actions = 2};
    fota_profile_t *v[] = {&p};
    fota_profile_set_t set = {v, 1};
    assert_string_equal(fota_action_for(&set, "RG50xQ", FOTA_ERR_PACKAGE, 510), "rework bin");
    assert_string_equal(fota_action_for(&set, "RG50xQ", FOTA_ERR_PACKAGE, 504),
                        "stop the line: package");
    assert_string_equal(fota_action_for(&set, "RG50xQ", FOTA_ERR_TIMEOUT, 0), "call the line lead");
    assert_string_equal(fota_action_for(&set, "EC200T", FOTA_ERR_TIMEOUT, 0), "retry in place");
    assert_string_equal(fota_action_for(&set, "", FOTA_ERR_UNKNOWN_MODEL, 0), "set aside: model");
    assert_string_equal(fota_action_for(NULL, NULL, FOTA_ERR_PORT, 0), "check the cable");
}

/* Action first, then the module's words; a code of 0 is not shown. */
static void fail_text_action_first_no_zero_code(void **state)
{
    (void)state;
    char b[256];
    fota_action_fail_text(b, sizeof b, "stop the line: package", FOTA_ERR_PACKAGE, 504,
                          "Incorrect zip format");
    assert_string_equal(b, "stop the line: package - package/504 Incorrect zip format");
    fota_action_fail_text(b, sizeof b, "retry in place", FOTA_ERR_TIMEOUT, 0, "stalled at 49%");
    assert_string_equal(b, "retry in place - timeout: stalled at 49%");
    assert_null(strstr(b, "/0"));
    fota_action_wording(b, sizeof b, FOTA_ERR_PORT, 0, NULL);
    assert_string_equal(b, "port");
}

/* The dashboard's log, as it renders an 80-column frame: the line's visible text. */
static void log_at_80(const char *msg, char *visible, size_t cap)
{
    char short_msg[512], line[600];
    fota_log_short_slot(msg, short_msg, sizeof short_msg);
    snprintf(line, sizeof line, "08:16:38 %s", short_msg);
    const char *log[] = {line};
    fota_dash_header_t h = {.batch = "b"};
    fota_dash_frame_t f = {.h = &h, .log = log, .n_log = 1, .width = 80, .height = 24};
    char frame[8192];
    fota_dash_render(frame, sizeof frame, &f);
    const char *at = strstr(frame, "08:16:38 ");
    assert_non_null(at);
    size_t n = strcspn(at, "\n");
    assert_true(n <= 80);
    snprintf(visible, cap, "%.*s", (int)n, at);
}

static void starts_with(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("'%s' does not start with '%s'", s, prefix);
}

static void verdicts_keep_what_matters_at_80_columns(void **state)
{
    (void)state;
    const char *slot = "pci-0000:00:14.0-usb-0:1.4.2";
    fota_attempt_t a = {.result = FOTA_RESULT_PASS, .imei = "864032000000131",
                        .from_version = "RG500QEAAAR11A06M4G",
                        .final_version = "RG500QEAAAR11A07M4G"};
    char v[512], msg[700], seen[128];
    fota_log_verdict(v, sizeof v, &a, "RG500QEAAAR11A07M4G");
    snprintf(msg, sizeof msg, "%s: %s", slot, v);
    starts_with(v, "PASS RG500QEAAAR11A07M4G (from RG500QEAAAR11A06M4G)");
    log_at_80(msg, seen, sizeof seen);
    print_message("%s\n", seen);
    starts_with(seen, "08:16:38 1.4.2: PASS RG500QEAAAR11A07M4G (from ");

    a.result = FOTA_RESULT_FAIL;
    a.error_class = FOTA_ERR_PACKAGE;
    a.error_code = 504;
    char res[300];
    fota_action_fail_text(res, sizeof res, fota_action_for(NULL, NULL, a.error_class, 504),
                          a.error_class, 504, "Incorrect zip format");
    fota_log_verdict(v, sizeof v, &a, res);
    snprintf(msg, sizeof msg, "%s: %s", slot, v);
    log_at_80(msg, seen, sizeof seen);
    print_message("%s\n", seen);
    starts_with(seen, "08:16:38 1.4.2: FAIL stop the line: package - package/504 "
                                   "Incorrect zip");

    /* a module's long text never pushes the action out */
    a.error_class = FOTA_ERR_PORT;
    a.error_code = 0;
    fota_action_fail_text(res, sizeof res, "check the cable", a.error_class, 0,
                          "port vanished during the update and did not come back");
    fota_log_verdict(v, sizeof v, &a, res);
    snprintf(msg, sizeof msg, "%s: %s", slot, v);
    log_at_80(msg, seen, sizeof seen);
    print_message("%s\n", seen);
    starts_with(seen, "08:16:38 1.4.2: FAIL check the cable - port: port vanished");
}

static void only_a_leading_hub_port_is_shortened(void **state)
{
    (void)state;
    char o[256];
    fota_log_short_slot("pci-0000:00:14.0-usb-0:1.4.2: upgrading (3 in flight)", o, sizeof o);
    assert_string_equal(o, "1.4.2: upgrading (3 in flight)");
    fota_log_short_slot("slot07: upgrading", o, sizeof o); /* no USB shape: whole */
    assert_string_equal(o, "slot07: upgrading");
    fota_log_short_slot("job j.yaml: 1 target(s), ports pci-0000:00:14.0-usb-0:1", o, sizeof o);
    assert_string_equal(o, "job j.yaml: 1 target(s), ports pci-0000:00:14.0-usb-0:1");
    fota_log_short_slot("loop: longest gap", o, sizeof o);
    assert_string_equal(o, "loop: longest gap");
}

static void pause_banner_names_what_the_failures_share(void **state)
{
    (void)state;
    fota_pause_note_t p = {0};
    char b[512];
    fota_pause_note_add(&p, 1, "a06-a07.zip", "1.1", "RG500Q-EA");
    fota_pause_note_add(&p, 2, "a06-a07.zip", "1.3", "RG500Q-EA");
    fota_pause_note_add(&p, 3, "a06-a07.zip", "1.2", "RG500Q-EA");
    fota_pause_banner(b, sizeof b, &p, 3, FOTA_ERR_PACKAGE, 504, "stop the line: package");
    print_message("%s\n", b);
    assert_string_equal(b, "PAUSED: 3 FAILs package/504, all with package a06-a07.zip, all "
                           "RG500Q-EA: stop the line: package; press a (or send SIGUSR1) to "
                           "resume");
    /* a new streak forgets the old one; the same hub is named */
    fota_pause_note_add(&p, 1, "", "1.4", "EC200T");
    fota_pause_note_add(&p, 2, "", "1.4", "RG500Q-EA");
    fota_pause_banner(b, sizeof b, &p, 2, FOTA_ERR_TIMEOUT, 0, "retry in place");
    assert_string_equal(b, "PAUSED: 2 FAILs timeout, all on hub 1.4: retry in place; press a "
                           "(or send SIGUSR1) to resume");
    /* nothing in common but the error: it says so */
    fota_pause_note_add(&p, 1, "x.zip", "1.1", "EC200T");
    fota_pause_note_add(&p, 2, "y.zip", "1.2", "RG500Q-EA");
    fota_pause_banner(b, sizeof b, &p, 2, FOTA_ERR_DOWNLOAD, 601, "check server, retry");
    assert_non_null(strstr(b, "PAUSED: 2 FAILs download/601, nothing else in common"));
    assert_null(strstr(b, "check the line"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_class_has_a_builtin_action),
        cmocka_unit_test(profile_rule_then_builtin),
        cmocka_unit_test(fail_text_action_first_no_zero_code),
        cmocka_unit_test(verdicts_keep_what_matters_at_80_columns),
        cmocka_unit_test(only_a_leading_hub_port_is_shortened),
        cmocka_unit_test(pause_banner_names_what_the_failures_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
