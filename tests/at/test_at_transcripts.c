/* Every AT example of the four Quectel notes (tests/at/transcripts/) through framer, chat and
 * URC parser: fed whole, byte by byte, and cut at every byte boundary (nghttp2's
 * feed sequences); each run must report exactly the events
 * the transcript lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "at_script.h"
#include "at_test_profile.h"
#include "profile.h"

static void run_all_plans(const char *name, const fota_profile_t *p)
{
    char path[1024], err[256];
    snprintf(path, sizeof(path), "%s/tests/at/transcripts/%s", FOTA_SOURCE_DIR, name);
    at_script_t *s = at_script_load(path, err, sizeof(err));
    if (!s)
        fail_msg("%s", err);
    assert_true(at_script_expected(s)[0] != '\0'); /* expecting nothing tests nothing */
    char *msg = at_script_check(s, p);
    if (msg) {
        print_error("%s: %s\n", name, msg);
        free(msg);
        at_script_free(s);
        fail();
    }
    at_script_free(s);
}

static void rg50xq_note(void **state)
{
    (void)state;
    run_all_plans("rg50xq_fota_note.txt", at_test_profile());
}

static void eg06xk_note(void **state)
{
    (void)state;
    run_all_plans("eg06xk_dfota_note.txt", at_test_profile());
}

static void ec200t_note(void **state)
{
    (void)state;
    run_all_plans("ec200t_fota_guide.txt", at_test_profile());
}

static void legacy_gsm_note(void **state)
{
    (void)state;
    run_all_plans("legacy_gsm_fota_note.txt", at_test_profile());
}

/* The same transcripts against the shipped YAML profile of each family: the
 * real phase tables must read every spelling its note prints. */
static void run_with_real_profile(const char *transcript, const char *yaml)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/profiles/%s", FOTA_SOURCE_DIR, yaml);
    fota_profile_t *p = NULL;
    fota_load_error_t err;
    if (fota_profile_load_file(path, &p, &err) != 0) {
        char msg[600];
        fota_load_error_format(&err, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    run_all_plans(transcript, p);
    fota_profile_free(p);
}

static void rg50xq_note_real_profile(void **state)
{
    (void)state;
    run_with_real_profile("rg50xq_fota_note.txt", "rg50xq.yaml");
}

static void eg06xk_note_real_profile(void **state)
{
    (void)state;
    run_with_real_profile("eg06xk_dfota_note.txt", "eg06xk.yaml");
}

static void ec200t_note_real_profile(void **state)
{
    (void)state;
    run_with_real_profile("ec200t_fota_guide.txt", "ec200t.yaml");
}

static void legacy_gsm_note_real_profile(void **state)
{
    (void)state;
    run_with_real_profile("legacy_gsm_fota_note.txt", "legacy-gsm.yaml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rg50xq_note),
        cmocka_unit_test(eg06xk_note),
        cmocka_unit_test(ec200t_note),
        cmocka_unit_test(legacy_gsm_note),
        cmocka_unit_test(rg50xq_note_real_profile),
        cmocka_unit_test(eg06xk_note_real_profile),
        cmocka_unit_test(ec200t_note_real_profile),
        cmocka_unit_test(legacy_gsm_note_real_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
