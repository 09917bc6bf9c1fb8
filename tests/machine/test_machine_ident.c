/* Identification and the decision before anything is changed on the module:
 * ATI/AT+GSN spellings, bad IMEI, unknown model, already at target, no chain,
 * the station's GO/SKIP, command timeouts with resync. */
#include "fake_module.h"
#include "qfupl_checksum.h"

#include <stdio.h>
#include <string.h>

#define A06 "RG500QEAAAR11A06M4G"
#define A07 "RG500QEAAAR11A07M4G"
#define URL "http://10.1.2.3/a06-a07.zip"
#define QFOTADL "AT+QFOTADL=\"" URL "\""

static void setup_rg(h_t *h)
{
    h_setup(h, "RG50xQ", FOTA_METHOD_URL, A07);
    h_pkg(h, A06, A07, "a06-a07.zip", URL, 0);
}

static void identified_attempt_is_filled_before_go(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h.auto_go = false;
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    assert_int_equal(h.n_identified, 1);
    assert_string_equal(fota_machine_state_name(h.m), "wait-proceed");
    const fota_attempt_t *a = h_attempt(&h);
    assert_string_equal(a->imei, H_IMEI);
    assert_string_equal(a->model, "RG500Q");
    assert_string_equal(a->family, "RG50xQ");
    assert_string_equal(a->from_version, A06);
    assert_string_equal(a->to_version, A07);
    assert_string_equal(a->method, "url");
    assert_string_equal(a->package_names, "a06-a07.zip");
    h_expect_no_tx(&h); /* nothing happens until the station says GO */
    h_advance(&h, 60000);
    h_expect_no_tx(&h);
    fota_machine_proceed(h.m, FOTA_GO, NULL, h.now);
    h_expect_tx(&h, QFOTADL);
    h_teardown(&h);
}

static void quectel_ltd_maker_and_prefixed_model_are_tolerated(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_rx(&h, "OK");
    /* Modules print a "Quectel_Ltd" maker line and a "Quectel_" model prefix */
    h_cmd(&h, "ATI", "Quectel_Ltd", "Quectel_RG500Q-EA", "Revision: " A06, "", "OK", NULL);
    h_cmd(&h, "AT+GSN", H_IMEI, "OK", NULL);
    h_expect_tx(&h, QFOTADL);
    assert_string_equal(h_attempt(&h)->model, "RG500Q-EA");
    assert_string_equal(h_attempt(&h)->family, "RG50xQ");
    h_teardown(&h);
}

/* fota-sim's "garbage" fault: junk bytes on lines of their own, and unrelated
 * URCs (+CREG, +QIND: "csq") between a command's lines and its result. */
static void junk_lines_and_unrelated_urcs_are_skipped(void **state)
{
    (void)state;
    static const char junk1[] = {'\r', '\n', 0x1b, '[', (char)0xfe, '\r', '\n', 0};
    static const char junk2[] = {'\r', '\n', '~', (char)0x80, 0x7e, '\r', '\n', 0};
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_raw(&h, junk1, strlen(junk1));
    h_rx(&h, "OK");
    h_expect_tx(&h, "ATI");
    h_raw(&h, junk2, strlen(junk2));
    h_rx(&h, "Quectel");
    h_raw(&h, junk1, strlen(junk1));
    h_rx(&h, "RG500Q");
    h_rx(&h, "Revision: " A06);
    h_rx(&h, "+CREG: 1");
    h_rx(&h, "OK");
    h_expect_tx(&h, "AT+GSN");
    h_raw(&h, junk2, strlen(junk2));
    h_rx(&h, H_IMEI);
    h_rx(&h, "+QIND: \"csq\",23,99");
    h_rx(&h, "OK");
    h_expect_tx(&h, QFOTADL);
    assert_string_equal(h_attempt(&h)->model, "RG500Q");
    assert_string_equal(h_attempt(&h)->from_version, A06);
    h_teardown(&h);
}

static void gsn_error_falls_back_to_cgsn(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_rx(&h, "OK");
    h_cmd(&h, "ATI", "Quectel", "RG500Q", "Revision: " A06, "OK", NULL);
    h_cmd(&h, "AT+GSN", "+CME ERROR: 4", NULL);
    h_cmd(&h, "AT+CGSN", "+CGSN: \"" H_IMEI "\"", "OK", NULL);
    h_expect_tx(&h, QFOTADL);
    assert_string_equal(h_attempt(&h)->imei, H_IMEI);
    h_teardown(&h);
}

static void bad_imei_fails_protocol(void **state)
{
    (void)state;
    static const char *const bad[] = {"49015420323751", "4901542032375180", "ABCDEF", "0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        h_t h;
        setup_rg(&h);
        h_start(&h);
        h_wait_tx(&h, "ATE0", 0);
        h_rx(&h, "OK");
        h_cmd(&h, "ATI", "Quectel", "RG500Q", "Revision: " A06, "OK", NULL);
        h_cmd(&h, "AT+GSN", bad[i], "OK", NULL);
        h_expect_no_tx(&h);
        h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL, 0);
        assert_int_equal(h.n_identified, 0); /* no identity to record */
        assert_non_null(strstr(h_attempt(&h)->error_text, "IMEI"));
        h_teardown(&h);
    }
}

/* 15 digits with a wrong check digit, or all zeros, are what the module reports:
 * identified with that IMEI (the row carries it); the station refuses it. */
static void unusable_imei_is_identified_then_refused(void **state)
{
    (void)state;
    static const char *const odd[] = {"490154203237519", "000000000000000"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        h_t h;
        setup_rg(&h);
        h.auto_go = false;
        h_start(&h);
        h_wait_tx(&h, "ATE0", 0);
        h_rx(&h, "OK");
        h_cmd(&h, "ATI", "Quectel", "RG500Q", "Revision: " A06, "OK", NULL);
        h_cmd(&h, "AT+GSN", odd[i], "OK", NULL);
        assert_int_equal(h.n_identified, 1);
        assert_string_equal(h_attempt(&h)->imei, odd[i]);
        fota_machine_proceed(h.m, FOTA_REFUSE_IMEI, "IMEI blank", h.now);
        h_expect_no_tx(&h);
        h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_IMEI, 0);
        assert_string_equal(h_attempt(&h)->error_text, "IMEI blank");
        assert_string_equal(h_attempt(&h)->imei, odd[i]);
        h_teardown(&h);
    }
}

static void garbage_instead_of_ati_fails_protocol(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_rx(&h, "OK");
    h_cmd(&h, "ATI", "ERROR", NULL);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL, 0);
    h_teardown(&h);
}

static void unknown_model_fails_unknown_model(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_ident(&h, "XY9000Z", "XY9000ZR01A01", H_IMEI);
    assert_int_equal(h.n_identified, 1);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_UNKNOWN_MODEL, 0);
    assert_non_null(strstr(h_attempt(&h)->error_text, "XY9000Z"));
    h_teardown(&h);
}

static void model_without_target_in_job_fails_unknown_model(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_ident(&h, "EC200T", "EC200TCNTCNMAR02A01M16", H_IMEI); /* known family, no target */
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_UNKNOWN_MODEL, 0);
    assert_string_equal(h_attempt(&h)->family, "EC200T");
    h_teardown(&h);
}

static void already_at_target_is_noop_pass(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_ident(&h, "RG500Q", A07, H_IMEI);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    const fota_attempt_t *a = h_attempt(&h);
    assert_true(a->noop);
    assert_int_equal(a->hops, 0);
    assert_string_equal(a->final_version, A07);
    h_teardown(&h);
}

/* AT+QGMR adds "_01.001.01.001" (observed on real modules): the same revision for the chain. */
static void qgmr_revision_with_suffix_matches_target(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    if (!h.profile->revision_command) {
        h_teardown(&h);
        skip();
    }
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_rx(&h, "OK");
    h_cmd(&h, "ATI", "Quectel", "RG500Q", "OK", NULL); /* no Revision line */
    h_cmd(&h, "AT+GSN", H_IMEI, "OK", NULL);
    h_cmd(&h, h.profile->revision_command, A07 "_01.001.01.001", "OK", NULL);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_true(h_attempt(&h)->noop);
    h_teardown(&h);
}

static void no_chain_fails_no_package(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_ident(&h, "RG500Q", "RG500QEAAAR11A03M4G", H_IMEI);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_NO_PACKAGE, 0);
    assert_non_null(strstr(h_attempt(&h)->error_text, "RG500QEAAAR11A03M4G"));
    h_teardown(&h);
}

static void station_skip_records_reason(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h.auto_go = false;
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    fota_machine_proceed(h.m, FOTA_SKIP, "already passed", h.now);
    h_expect_result(&h, FOTA_RESULT_SKIP, FOTA_ERR_NONE, 0);
    assert_string_equal(h_attempt(&h)->error_text, "already passed");
    h_expect_no_tx(&h);
    h_teardown(&h);
}

static void abort_is_interrupted(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, QFOTADL, "OK", NULL);
    fota_machine_abort(h.m, "station shutdown", h.now);
    h_expect_result(&h, FOTA_RESULT_INTERRUPTED, FOTA_ERR_NONE, 0);
    assert_int_equal(fota_machine_deadline(h.m), UINT64_MAX);
    /* stopped after the module was told to download: its revision was never read
     * back, so none is recorded (not the from_version copied) */
    assert_string_equal(h_attempt(&h)->final_version, "");
    h_teardown(&h);
}

/* A command that times out: plain AT until OK, a quiet window, then the command
 * again; the late reply to the first ATI must not be taken for anything. */
static void late_reply_after_timeout_is_never_taken(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_rx(&h, "OK");
    h_expect_tx(&h, "ATI");
    h_advance(&h, h.profile->timeouts.command_ms); /* no answer */
    h_expect_tx(&h, "AT");
    /* the old ATI's answer arrives now, then the AT's own OK */
    h_rx(&h, "Quectel");
    h_rx(&h, "RG500Q");
    h_rx(&h, "Revision: RG500QEAAAR11A01M4G");
    h_rx(&h, "OK");
    h_rx(&h, "OK");
    h_wait_tx(&h, "ATI", 5000);
    h_rx(&h, "Quectel");
    h_rx(&h, "RG500Q");
    h_rx(&h, "Revision: " A06);
    h_rx(&h, "OK");
    h_cmd(&h, "AT+GSN", H_IMEI, "OK", NULL);
    h_expect_tx(&h, QFOTADL);
    assert_string_equal(h_attempt(&h)->from_version, A06);
    h_teardown(&h);
}

static void silent_module_fails_timeout_after_tries(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_advance(&h, 10 * 60 * 1000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    assert_non_null(strstr(h_attempt(&h)->error_text, "ATE0"));
    /* it tried, resynced, and gave up long before the total timeout */
    assert_true(h_attempt(&h)->duration_ms < 60000);
    h_teardown(&h);
}

static void port_lost_while_identifying_restarts_identification(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_rx(&h, "OK");
    h_expect_tx(&h, "ATI");
    h_gone(&h);
    h_advance(&h, 5000);
    h_back(&h);
    h_verify(&h, "RG500Q", A06, H_IMEI);
    h_expect_tx(&h, QFOTADL);
    assert_int_equal(h.n_identified, 1);
    h_teardown(&h);
}

static void port_gone_for_good_fails_port(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_wait_tx(&h, "ATE0", 0);
    h_gone(&h);
    h_advance(&h, 200000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 0);
    h_teardown(&h);
}

/* Waiting for the station (GO held back by max_parallel, a transfer token held
 * back by max_transfers) is not the module's time: the total timeout runs from GO
 * and pauses while the machine waits for its token. */
static void station_queueing_does_not_count_against_total(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_LOCAL, A07);
    h.job.timeouts.total_ms = 30000; /* shorter than the 90 s reboot timeout */
    h.ack_block = 1024;
    fota_package_t *p = h_pkg(&h, A06, A07, "a06-a07.zip", NULL, 100);
    h.auto_go = false;
    h.auto_grant = false;
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_advance(&h, 100000);
    assert_false(fota_machine_finished(h.m));
    fota_machine_proceed(h.m, FOTA_GO, NULL, h.now);
    h_pump(&h);
    assert_int_equal(h.n_transfer_begin, 1);
    h_expect_no_tx(&h);
    h_advance(&h, 100000);
    assert_false(fota_machine_finished(h.m));
    fota_machine_transfer_granted(h.m, h.now);
    h.n_grants++;
    h_cmd(&h, "AT+QFLST=\"*\"", "OK", NULL);
    h_cmd(&h, "AT+QFLDS=\"UFS\"", "+QFLDS: 100000,200000", "OK", NULL);
    h_cmd(&h, "AT+QFUPL=\"a06-a07.zip\",100,5,1", "CONNECT", NULL);
    char line[64];
    snprintf(line, sizeof line, "+QFUPL: 100,%x", (unsigned)fota_qfupl_checksum(p->data, 100));
    h_rx(&h, line);
    h_rx(&h, "OK");
    h_cmd(&h, "AT+QFOTADL=\"/cache/ufs/a06-a07.zip\"", "OK", NULL);
    h_advance(&h, 60000); /* the module never comes back: the total (30 s) ends it */
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    assert_non_null(strstr(h_attempt(&h)->error_text, "total"));
    /* ended 30 s after the grant: 100 s waiting for GO + 100 s for the token are the
     * line's (queued_ms); the module's own time is the rest */
    assert_int_equal(h_attempt(&h)->queued_ms, 200000);
    int64_t d = h_attempt(&h)->duration_ms;
    assert_true(d >= 29000 && d <= 31000);
    h_teardown(&h);
}

/* A module whose plan is already its verdict (no profile, no package chain, already
 * at the target) needs none of the line's limits: the machine says so at
 * IDENTIFIED, and GO then finishes at once with nothing queued. A module with work
 * to do is not final. */
static void plan_verdict_is_known_at_identification(void **state)
{
    (void)state;
    static const struct {
        const char *model, *revision;
        bool final;
        fota_result_t result;
        fota_error_class_t cls;
    } cases[] = {
        {"RG500Q", A06, false, FOTA_RESULT_PASS, FOTA_ERR_NONE},
        {"XY123Z", A06, true, FOTA_RESULT_FAIL, FOTA_ERR_UNKNOWN_MODEL},
        {"RG500Q", "RG500QEAAAR11A03M4G", true, FOTA_RESULT_FAIL, FOTA_ERR_NO_PACKAGE},
        {"RG500Q", A07, true, FOTA_RESULT_PASS, FOTA_ERR_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_t h;
        setup_rg(&h);
        h.auto_go = false;
        h_start(&h);
        h_ident(&h, cases[i].model, cases[i].revision, H_IMEI);
        assert_int_equal(h.n_identified, 1);
        assert_int_equal(fota_machine_plan_final(h.m), cases[i].final);
        if (cases[i].final) {
            h_advance(&h, 3); /* the station's own moment before its GO */
            fota_machine_proceed(h.m, FOTA_GO, NULL, h.now);
            h_expect_result(&h, cases[i].result, cases[i].cls, 0);
            assert_int_equal(h_attempt(&h)->queued_ms, 0);
            h_expect_no_tx(&h);
        }
        h_teardown(&h);
    }
}

/* Queued time is measured from IDENTIFIED to GO, however the wait ends: a module
 * the station stops while it waits (abort) was queued until then, and its own
 * time is its identification alone. */
static void queued_until_go_or_the_end(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h.auto_go = false;
    uint64_t start = h.now;
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_advance(&h, 45000);
    fota_machine_proceed(h.m, FOTA_GO, NULL, h.now);
    h_cmd(&h, QFOTADL, "OK", NULL);
    h_advance(&h, 7000);
    fota_machine_abort(h.m, "station shutdown", h.now);
    h_expect_result(&h, FOTA_RESULT_INTERRUPTED, FOTA_ERR_NONE, 0);
    assert_int_equal(h_attempt(&h)->queued_ms, 45000);
    assert_int_equal(h_attempt(&h)->duration_ms, (int64_t)(h.now - start - 45000));
    h_teardown(&h);

    setup_rg(&h);
    h.auto_go = false;
    start = h.now;
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    uint64_t ident_ms = h.now;
    h_advance(&h, 20000);
    fota_machine_abort(h.m, "station shutdown", h.now);
    h_expect_result(&h, FOTA_RESULT_INTERRUPTED, FOTA_ERR_NONE, 0);
    assert_int_equal(h_attempt(&h)->queued_ms, 20000);
    assert_int_equal(h_attempt(&h)->duration_ms, (int64_t)(ident_ms - start));
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identified_attempt_is_filled_before_go),
        cmocka_unit_test(quectel_ltd_maker_and_prefixed_model_are_tolerated),
        cmocka_unit_test(junk_lines_and_unrelated_urcs_are_skipped),
        cmocka_unit_test(gsn_error_falls_back_to_cgsn),
        cmocka_unit_test(bad_imei_fails_protocol),
        cmocka_unit_test(unusable_imei_is_identified_then_refused),
        cmocka_unit_test(garbage_instead_of_ati_fails_protocol),
        cmocka_unit_test(unknown_model_fails_unknown_model),
        cmocka_unit_test(model_without_target_in_job_fails_unknown_model),
        cmocka_unit_test(already_at_target_is_noop_pass),
        cmocka_unit_test(qgmr_revision_with_suffix_matches_target),
        cmocka_unit_test(no_chain_fails_no_package),
        cmocka_unit_test(plan_verdict_is_known_at_identification),
        cmocka_unit_test(queued_until_go_or_the_end),
        cmocka_unit_test(station_skip_records_reason),
        cmocka_unit_test(abort_is_interrupted),
        cmocka_unit_test(late_reply_after_timeout_is_never_taken),
        cmocka_unit_test(silent_module_fails_timeout_after_tries),
        cmocka_unit_test(port_lost_while_identifying_restarts_identification),
        cmocka_unit_test(port_gone_for_good_fails_port),
        cmocka_unit_test(station_queueing_does_not_count_against_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
