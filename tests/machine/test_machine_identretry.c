/* A transient refusal of an identification command (identify.transient_errors):
 * +CME ERROR: 14 (SIM busy) or 3 (operation not allowed), or a plain ERROR while
 * the module's boot lines arrive, is asked again quiet.ident_retry later, at most
 * identify.retries times per command; past that, or for any other code, it is the
 * FAIL it always was. The first identification runs before ATI named the model (no
 * USB hint here): the shipped profiles' rules apply. The verify read after the
 * update's reboot is retried the same way. */
#include "fake_module.h"

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

/* Nothing is sent during the delay; the command goes out again when it is over. */
static void expect_again_after_delay(h_t *h, const char *cmd)
{
    unsigned delay = h->profile->quiet.ident_retry_ms;
    assert_true(delay > 0);
    h_advance(h, delay - 1);
    h_expect_no_tx(h);
    h_advance(h, 1);
    h_expect_tx(h, cmd);
}

static void ate0(h_t *h)
{
    h_wait_tx(h, "ATE0", 1000);
    h_rx(h, "OK");
}

static void sim_busy_to_ati_is_asked_again_then_passes(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    h_cmd(&h, "ATI", "+CME ERROR: 14", NULL);
    assert_false(fota_machine_finished(h.m));
    expect_again_after_delay(&h, "ATI");
    h_rx(&h, "Quectel");
    h_rx(&h, "RG500Q");
    h_rx(&h, "Revision: " A06);
    h_rx(&h, "OK");
    h_cmd(&h, "AT+GSN", H_IMEI, "OK", NULL);
    h_expect_tx(&h, QFOTADL);
    assert_int_equal(h.n_identified, 1);
    assert_string_equal(h_attempt(&h)->imei, H_IMEI);
    assert_true(h_trace_has(&h, "ATI answered +CME ERROR: 14 (transient): asking again in "
                                "2.000 s (1 of 3)"));
    h_teardown(&h);
}

/* +CME ERROR: 3 for ever: asked identify.retries more times, then the FAIL it was,
 * with the module's code; the transcript says how often it was asked. */
static void refusal_past_the_bound_fails_as_before(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    h_cmd(&h, "ATI", "+CME ERROR: 3", NULL);
    uint64_t first = h.now;
    int retries = h.profile->ident_retry.retries;
    assert_true(retries > 0);
    for (int i = 0; i < retries; i++) {
        expect_again_after_delay(&h, "ATI");
        h_rx(&h, "+CME ERROR: 3");
    }
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL, 3);
    assert_int_equal(h.now - first, (uint64_t)retries * h.profile->quiet.ident_retry_ms);
    assert_non_null(strstr(h_attempt(&h)->error_text, "ATI"));
    assert_true(h_trace_has(&h, "ATI still answers +CME ERROR: 3 after 3 retries"));
    assert_int_equal(h.n_identified, 0);
    h_teardown(&h);
}

/* AT+CMEE=2 style: the same codes by their 3GPP TS 27.007 names. */
static void sim_busy_in_text_form_is_asked_again(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    h_cmd(&h, "ATI", "+CME ERROR: SIM busy", NULL);
    expect_again_after_delay(&h, "ATI");
    h_rx(&h, "+CME ERROR: operation not allowed");
    expect_again_after_delay(&h, "ATI");
    h_rx(&h, "+CME ERROR: SIM not inserted"); /* 10: not listed, the module's answer */
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL, 0);
    h_teardown(&h);
}

/* A code the profile does not list (10: SIM not inserted) is the module's answer. */
static void unlisted_code_fails_at_once(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    uint64_t t0 = h.now;
    h_cmd(&h, "ATI", "+CME ERROR: 10", NULL);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL, 10);
    assert_int_equal(h.now, t0);
    assert_false(h_trace_has(&h, "transient"));
    h_teardown(&h);
}

/* AT+GSN answered SIM busy: AT+GSN again (not the AT+CGSN fallback, which is for a
 * firmware without AT+GSN). */
static void sim_busy_to_gsn_asks_gsn_again(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    h_cmd(&h, "ATI", "Quectel", "RG500Q", "Revision: " A06, "OK", NULL);
    h_cmd(&h, "AT+GSN", "+CME ERROR: 14", NULL);
    expect_again_after_delay(&h, "AT+GSN");
    h_rx(&h, H_IMEI);
    h_rx(&h, "OK");
    h_expect_tx(&h, QFOTADL);
    assert_string_equal(h_attempt(&h)->imei, H_IMEI);
    h_teardown(&h);
}

/* A plain ERROR counts only while the module's boot lines arrive; without one it is
 * the module's answer (a FAIL at once, as ever). */
static void plain_error_is_transient_only_while_booting(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    h_rx(&h, "RDY");
    h_rx(&h, "+CPIN: READY");
    h_cmd(&h, "ATI", "ERROR", NULL);
    expect_again_after_delay(&h, "ATI");
    h_rx(&h, "Quectel");
    h_rx(&h, "RG500Q");
    h_rx(&h, "Revision: " A06);
    h_rx(&h, "OK");
    h_cmd(&h, "AT+GSN", H_IMEI, "OK", NULL);
    h_expect_tx(&h, QFOTADL);
    h_teardown(&h);

    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    h_cmd(&h, "ATI", "ERROR", NULL);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL, 0);
    h_teardown(&h);
}

/* A profile that lists nothing (transient_errors: []) keeps the old verdict. */
static void a_profile_may_turn_it_off(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    fota_profile_t *p = (fota_profile_t *)h.profile;
    for (size_t i = 0; i < h.profiles.n; i++) /* before ATI any profile may say so */
        h.profiles.v[i]->ident_retry.n_codes = 0;
    assert_int_equal(p->ident_retry.n_codes, 0);
    h_start(&h);
    ate0(&h);
    h_cmd(&h, "ATI", "+CME ERROR: 14", NULL);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PROTOCOL, 14);
    h_teardown(&h);
}

static void rx_fota(h_t *h, const char *rest)
{
    char line[128];
    snprintf(line, sizeof line, "+QIND: \"FOTA\",%s", rest);
    h_rx(h, line);
}

/* After END,0 and the reboot into the new firmware, the verify read meets a module
 * whose SIM is still busy: asked again, the hop is verified, PASS. */
static void verify_read_after_reboot_is_asked_again(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, QFOTADL, "OK", NULL);
    rx_fota(&h, "\"HTTPSTART\"");
    h_advance(&h, 2000);
    rx_fota(&h, "\"HTTPEND\",0");
    h_gone(&h);
    h_advance(&h, 20000);
    h_back(&h);
    rx_fota(&h, "\"START\"");
    h_updating(&h, 1, 100, 33);
    rx_fota(&h, "\"UPDATING\",100");
    rx_fota(&h, "\"END\",0");
    h_gone(&h);
    h_advance(&h, 30000);
    h_back(&h);
    h_rx(&h, "RDY");
    h_wait_tx(&h, "AT", 200000);
    h_rx(&h, "OK");
    ate0(&h);
    h_cmd(&h, "ATI", "+CME ERROR: 14", NULL);
    assert_false(fota_machine_finished(h.m));
    expect_again_after_delay(&h, "ATI");
    h_rx(&h, "Quectel");
    h_rx(&h, "RG500Q");
    h_rx(&h, "Revision: " A07);
    h_rx(&h, "OK");
    h_cmd(&h, "AT+GSN", H_IMEI, "OK", NULL);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_string_equal(h_attempt(&h)->final_version, A07);
    h_teardown(&h);
}

/* The port drops during the delay (the module reboots): nothing is sent into the
 * void, and the identification starts over when it is back. */
static void port_lost_during_the_delay_starts_over(void **state)
{
    (void)state;
    h_t h;
    setup_rg(&h);
    h_start(&h);
    ate0(&h);
    h_cmd(&h, "ATI", "+CME ERROR: 14", NULL);
    h_gone(&h);
    h_advance(&h, 10000);
    h_expect_no_tx(&h);
    h_back(&h);
    h_verify(&h, "RG500Q", A06, H_IMEI);
    h_expect_tx(&h, QFOTADL);
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_busy_to_ati_is_asked_again_then_passes),
        cmocka_unit_test(refusal_past_the_bound_fails_as_before),
        cmocka_unit_test(unlisted_code_fails_at_once),
        cmocka_unit_test(sim_busy_in_text_form_is_asked_again),
        cmocka_unit_test(sim_busy_to_gsn_asks_gsn_again),
        cmocka_unit_test(plain_error_is_transient_only_while_booting),
        cmocka_unit_test(a_profile_may_turn_it_off),
        cmocka_unit_test(verify_read_after_reboot_is_asked_again),
        cmocka_unit_test(port_lost_during_the_delay_starts_over),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
