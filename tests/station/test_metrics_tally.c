/* What the metrics count from verdicts: attempts by result and class, the upgrade
 * histogram (only PASS attempts that did work), and per-hub yields with the
 * batch_summary rules (a module is an IMEI; first and latest verdict; SKIP none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "metrics_tally.h"

static fota_attempt_t verdict(const char *slot, const char *imei, fota_result_t r,
                              fota_error_class_t c)
{
    fota_attempt_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.slot, sizeof a.slot, "%s", slot);
    snprintf(a.imei, sizeof a.imei, "%s", imei);
    a.result = r;
    a.error_class = c;
    a.duration_ms = 300000;
    return a;
}

static const fota_tally_hub_t *hub(const fota_tally_t *t, const char *name)
{
    for (size_t i = 0; i < t->n_hubs; i++)
        if (strcmp(t->hubs[i].hub, name) == 0)
            return &t->hubs[i];
    fail_msg("no hub %s", name);
    return NULL;
}

#define HUB_A "pci-0000:00:14.0-usb-0:1.4"
#define HUB_B "pci-0000:00:14.0-usb-0:1.5"

static void counts_by_result_and_class(void **state)
{
    (void)state;
    fota_tally_t t;
    fota_tally_init(&t);
    fota_attempt_t a = verdict(HUB_A ".1", "864032052000018", FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT);
    fota_tally_verdict(&t, &a, true);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".2", "864032052000026", FOTA_RESULT_SKIP, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".3", "864032052000034", FOTA_RESULT_PASS, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, false); /* NOT RECORDED: no row, not an attempt */
    assert_int_equal(t.attempts[FOTA_RESULT_FAIL][FOTA_ERR_TIMEOUT], 2);
    assert_int_equal(t.attempts[FOTA_RESULT_SKIP][FOTA_ERR_NONE], 1);
    assert_int_equal(t.attempts[FOTA_RESULT_PASS][FOTA_ERR_NONE], 0);
    assert_int_equal(t.not_recorded, 1);
    fota_tally_free(&t);
}

static void histogram_counts_only_upgrades(void **state)
{
    (void)state;
    fota_tally_t t;
    fota_tally_init(&t);
    fota_attempt_t a = verdict(HUB_A ".1", "864032052000018", FOTA_RESULT_PASS, FOTA_ERR_NONE);
    a.duration_ms = 60000; /* on a bound: in that bucket (le is "at most") */
    fota_tally_verdict(&t, &a, true);
    a.duration_ms = 4000000; /* above the last bound: +Inf */
    fota_tally_verdict(&t, &a, true);
    a.noop = true; /* already at the target: no upgrade time */
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".2", "864032052000026", FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD);
    fota_tally_verdict(&t, &a, true);
    assert_int_equal(t.upgrade_counts[1], 1); /* le 60 */
    assert_int_equal(t.upgrade_counts[FOTA_TALLY_UPGRADE_BOUNDS], 1);
    uint64_t n = 0;
    for (size_t i = 0; i <= FOTA_TALLY_UPGRADE_BOUNDS; i++)
        n += t.upgrade_counts[i];
    assert_int_equal(n, 2);
    assert_true(t.upgrade_sum_s == 4060.0);
    fota_tally_free(&t);
}

static void yields_per_hub_follow_first_and_latest(void **state)
{
    (void)state;
    fota_tally_t t;
    fota_tally_init(&t);
    /* hub A: module 1 fails then passes in rework, module 2 passes, module 3 passes
     * then fails (its latest), module 4 only SKIP (not a module) */
    fota_attempt_t a = verdict(HUB_A ".1", "864032052000018", FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".2", "864032052000018", FOTA_RESULT_PASS, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".1", "864032052000026", FOTA_RESULT_PASS, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".3", "864032052000034", FOTA_RESULT_PASS, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".3", "864032052000034", FOTA_RESULT_INTERRUPTED, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_A ".4", "864032052000042", FOTA_RESULT_SKIP, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, true);
    /* hub B: two attempts that never read an IMEI are two modules; the IMEI of hub
     * A's module 1 is a module of hub B too */
    a = verdict(HUB_B ".1", "", FOTA_RESULT_FAIL, FOTA_ERR_PORT);
    fota_tally_verdict(&t, &a, true);
    fota_tally_verdict(&t, &a, true);
    a = verdict(HUB_B ".2", "864032052000018", FOTA_RESULT_PASS, FOTA_ERR_NONE);
    fota_tally_verdict(&t, &a, true);
    const fota_tally_hub_t *ha = hub(&t, HUB_A);
    assert_int_equal(ha->modules, 3);
    assert_int_equal(ha->first_pass, 2);
    assert_int_equal(ha->final_pass, 2);
    const fota_tally_hub_t *hb = hub(&t, HUB_B);
    assert_int_equal(hb->modules, 3);
    assert_int_equal(hb->first_pass, 1);
    assert_int_equal(hb->final_pass, 1);
    fota_tally_free(&t);
}

static void many_modules_grow_the_table(void **state)
{
    (void)state;
    fota_tally_t t;
    fota_tally_init(&t);
    char imei[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5000; i++) {
            snprintf(imei, sizeof imei, "86403205%07d", i);
            /* first round all FAIL, second all PASS: first 0, final everything */
            fota_attempt_t a = verdict(HUB_A ".1", imei,
                                       round ? FOTA_RESULT_PASS : FOTA_RESULT_FAIL,
                                       round ? FOTA_ERR_NONE : FOTA_ERR_VERIFY);
            fota_tally_verdict(&t, &a, true);
        }
    const fota_tally_hub_t *ha = hub(&t, HUB_A);
    assert_int_equal(ha->modules, 5000);
    assert_int_equal(ha->first_pass, 0);
    assert_int_equal(ha->final_pass, 5000);
    fota_tally_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_by_result_and_class),
        cmocka_unit_test(histogram_counts_only_upgrades),
        cmocka_unit_test(yields_per_hub_follow_first_and_latest),
        cmocka_unit_test(many_modules_grow_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
