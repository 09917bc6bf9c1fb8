/* A module's boot around the FOTA commands. A module that has just appeared
 * answers AT and ATI but refuses FOTA commands with ERROR until its boot lines
 * (RDY … +QIND: PB DONE) are over: each method's opening command refused then is
 * waited out (quiet.hop after the last boot line) up to the profile's
 * boot_refusals, and a refusal without boot lines stays a FAIL. A module that
 * boots its old firmware where the updater was awaited (the power was cut before
 * the update took) is read at once instead of after the whole reboot timeout. */
#include "fake_module.h"

#include <stdio.h>
#include <string.h>

#define A06 "RG500QEAAAR11A06M4G"
#define A07 "RG500QEAAAR11A07M4G"

static void boot_urcs(h_t *h)
{
    h_rx(h, "RDY");
    h_rx(h, "+CPIN: READY");
    h_rx(h, "+QUSIM: 1");
    h_rx(h, "+CFUN: 1");
    h_rx(h, "+QIND: SMS DONE");
    h_rx(h, "+QIND: PB DONE");
}

/* One method: the commands before its first FOTA command (a booting module may
 * answer them ERROR too; the method goes on as it always did), the command that
 * is refused, and the verdict when it is refused for good. */
typedef struct {
    const char *family, *model, *from, *to;
    fota_method_t method;
    const char *url;              /* method url */
    const char *before[3];        /* sent first, NULL-terminated ... */
    const char *before_answer;    /* ... and answered this (a booting module's ERROR) */
    const char *refused;          /* the opening FOTA command that answers ERROR */
    fota_error_class_t cls;       /* its FAIL once refused for good */
    const char *fail_text;
} opening_t;

static const opening_t openings[] = {
    {"RG50xQ", "RG500Q", A06, A07, FOTA_METHOD_URL, "http://10.1.2.3/pkg.bin", {NULL}, NULL,
     "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", FOTA_ERR_REJECTED, "AT+QFOTADL rejected: ERROR"},
    {"RG50xQ", "RG500Q", A06, A07, FOTA_METHOD_LOCAL, NULL,
     {"AT+QFLST=\"*\"", "AT+QFLDS=\"UFS\"", NULL}, "ERROR", "AT+QFUPL=\"pkg.bin\",3000,5,1",
     FOTA_ERR_UPLOAD, "AT+QFUPL refused: ERROR"},
    {"EC200T", "EC200T", "EC200TCNTCNMAR02A01M16", "EC200TCNTCNMAR02A02M16", FOTA_METHOD_STREAM,
     NULL, {"AT+QCFG=\"usbifc\",2,2", NULL}, "OK", "AT+QFOTADL=\"FILE:3000\"", FOTA_ERR_REJECTED,
     "AT+QFOTADL rejected: ERROR"},
    {"legacy-GSM", "M95", "M95FAR02A07", "M95FAR02A08", FOTA_METHOD_QFUA, NULL, {NULL}, NULL,
     "AT+IFC=2,2", FOTA_ERR_REJECTED, "flow control refused: ERROR"},
    {"legacy-GSM", "M95", "M95FAR02A07", "M95FAR02A08", FOTA_METHOD_QFAW, NULL, {NULL}, NULL,
     "AT+QFAI", FOTA_ERR_REJECTED, "AT+QFAI rejected: ERROR"},
};

static const char *first_command(const opening_t *o)
{
    return o->before[0] ? o->before[0] : o->refused;
}

static void setup_opening(h_t *h, const opening_t *o, unsigned command_ms)
{
    h_setup(h, o->family, o->method, o->to);
    h->job.timeouts.command_ms = command_ms; /* 0: the profile's */
    h_pkg(h, o->from, o->to, "pkg.bin", o->url, o->url ? 0 : 3000);
    h_start(h);
}

/* The opening commands, the refused one last answered ERROR; first_sent:
 * the first of them is already out (the test waited for it). */
static void refuse(h_t *h, const opening_t *o, bool first_sent)
{
    size_t i = 0;
    for (; o->before[i]; i++) {
        if (i || !first_sent)
            h_expect_tx(h, o->before[i]);
        h_rx(h, o->before_answer);
    }
    if (i || !first_sent)
        h_expect_tx(h, o->refused);
    h_rx(h, "ERROR");
}

static void refused_while_booting_is_waited_out_then_fails_as_before(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof openings / sizeof *openings; k++) {
        const opening_t *o = &openings[k];
        h_t h;
        setup_opening(&h, o, 0);
        h_rx(&h, "RDY");
        h_ident(&h, o->model, o->from, H_IMEI);
        h_rx(&h, "+CPIN: READY");
        int limit = h.profile->boot_refusals;
        assert_true(limit >= 1);
        unsigned hop = h.profile->quiet.hop_ms;
        for (int i = 0; i < limit; i++) {
            refuse(&h, o, i > 0);
            /* not a verdict: nothing more is sent while the module boots */
            assert_false(fota_machine_finished(h.m));
            h_expect_no_tx(&h);
            h_advance(&h, 1000);
            h_rx(&h, "+CFUN: 1"); /* still booting (a boot line of every family) */
            uint64_t last = h.now;
            h_advance(&h, hop - 1);
            h_expect_no_tx(&h);
            h_wait_tx(&h, first_command(o), hop);
            assert_int_equal(h.now, last + hop); /* quiet.hop after its last boot line */
        }
        char want[192];
        snprintf(want, sizeof want, "%s while the module boots: again once its boot lines "
                                    "are quiet (%d of %d)", o->fail_text, limit, limit);
        assert_true(h_trace_has(&h, want));
        /* One more than the profile allows: the verdict it always was. */
        refuse(&h, o, true);
        h_expect_result(&h, FOTA_RESULT_FAIL, o->cls, 0);
        assert_string_equal(h_attempt(&h)->error_text, o->fail_text);
        h_teardown(&h);
    }
}

/* A module that has finished booting and says ERROR means it: the FAIL it always
 * was, whether no boot line came at all or the last one is older than
 * quiet.give_up; nothing is sent again. It is recorded quiet.give_up after the
 * refusal: a boot line then would have shown a module still booting. */
static void refused_without_boot_activity_fails_as_before(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof openings / sizeof *openings; k++) {
        for (int old_boot = 0; old_boot < 2; old_boot++) {
            const opening_t *o = &openings[k];
            h_t h;
            setup_opening(&h, o, 60000); /* the answer may take its time */
            if (old_boot)
                boot_urcs(&h);
            h_ident(&h, o->model, o->from, H_IMEI);
            if (old_boot) {
                h_expect_tx(&h, first_command(o));
                h_advance(&h, h.profile->quiet.give_up_ms + 1);
            }
            refuse(&h, o, old_boot);
            uint64_t refused = h.now;
            h_advance(&h, h.profile->quiet.give_up_ms);
            h_expect_no_tx(&h);
            h_expect_result(&h, FOTA_RESULT_FAIL, o->cls, 0);
            assert_int_equal(h.now, refused + h.profile->quiet.give_up_ms);
            assert_string_equal(h_attempt(&h)->error_text, o->fail_text);
            assert_false(h_trace_has(&h, "while the module boots"));
            h_teardown(&h);
        }
    }
}

/* Waiting out a refusal is not a tight loop: a module that prints no more boot
 * lines is asked again quiet.hop after its refusal, not at once. */
static void refusal_after_the_last_boot_line_waits_from_the_refusal(void **state)
{
    (void)state;
    const opening_t *o = &openings[0];
    h_t h;
    setup_opening(&h, o, 0);
    boot_urcs(&h);
    h_ident(&h, o->model, o->from, H_IMEI);
    h_advance(&h, 3000); /* within quiet.give_up of PB DONE, past quiet.hop */
    refuse(&h, o, false);
    uint64_t refused = h.now;
    h_wait_tx(&h, o->refused, 10000);
    assert_int_equal(h.now, refused + h.profile->quiet.hop_ms);
    h_teardown(&h);
}

/* The station's probe may have read a module's first boot lines before the visit
 * began: a refusal with none seen yet waits quiet.give_up for one, and a boot
 * line then makes it a refusal while booting, waited out like the others. */
static void boot_line_after_the_refusal_makes_it_a_boot_refusal(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof openings / sizeof *openings; k++) {
        const opening_t *o = &openings[k];
        h_t h;
        setup_opening(&h, o, 0);
        h_ident(&h, o->model, o->from, H_IMEI);
        refuse(&h, o, false);
        h_advance(&h, h.profile->quiet.give_up_ms - 1);
        h_rx(&h, "+CFUN: 1");
        uint64_t line = h.now;
        h_wait_tx(&h, first_command(o), 10000);
        assert_int_equal(h.now, line + h.profile->quiet.hop_ms);
        assert_false(fota_machine_finished(h.m));
        h_teardown(&h);
    }
}

/* The whole visit: refused while booting, accepted once booted, PASS. */
static void url_refused_while_booting_passes(void **state)
{
    (void)state;
    const opening_t *o = &openings[0];
    h_t h;
    setup_opening(&h, o, 0);
    h_rx(&h, "RDY");
    h_ident(&h, o->model, o->from, H_IMEI);
    h_cmd(&h, o->refused, "+CME ERROR: 3", NULL);
    h_rx(&h, "+QIND: PB DONE");
    h_wait_tx(&h, o->refused, 10000);
    h_rx(&h, "OK");
    h_rx(&h, "+QIND: \"FOTA\",\"HTTPSTART\"");
    h_rx(&h, "+QIND: \"FOTA\",\"HTTPEND\",0");
    h_gone(&h);
    h_advance(&h, 10000);
    h_back(&h);
    h_rx(&h, "+QIND: \"FOTA\",\"START\"");
    h_updating(&h, 50, 100, 50);
    h_rx(&h, "+QIND: \"FOTA\",\"END\",0");
    h_gone(&h);
    h_advance(&h, 20000);
    h_back(&h);
    boot_urcs(&h);
    h_verify(&h, o->model, A07, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_true(h_trace_has(&h, "AT+QFOTADL rejected: +CME ERROR: 3 while the module boots"));
    h_teardown(&h);
}

/* ---- a normal boot where the updater was awaited -------------------------------- */

/* Where the power is cut: during the module's download (the drop reads as the
 * reboot into the updater), or mid-update. */
typedef enum { CUT_DOWNLOAD, CUT_UPDATE } cut_t;

static void power_cut(h_t *h, cut_t where)
{
    h_setup(h, "RG50xQ", FOTA_METHOD_URL, A07);
    h_pkg(h, A06, A07, "pkg.bin", "http://10.1.2.3/pkg.bin", 0);
    h_start(h);
    h_ident(h, "RG500Q", A06, H_IMEI);
    h_cmd(h, "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", "OK", NULL);
    h_rx(h, "+QIND: \"FOTA\",\"HTTPSTART\"");
    if (where == CUT_UPDATE) {
        h_rx(h, "+QIND: \"FOTA\",\"HTTPEND\",0");
        h_gone(h);
        h_advance(h, 10000);
        h_back(h);
        h_rx(h, "+QIND: \"FOTA\",\"START\"");
        h_updating(h, 10, 40, 10);
    }
    h_gone(h); /* the power goes */
    h_advance(h, 12000);
    h_back(h);
}

/* Back on the old firmware: FAIL quiet.hop after its last boot line, with words,
 * not "no FOTA URC" after the 90 s reboot timeout. */
static void old_firmware_boot_fails_at_once(void **state)
{
    (void)state;
    for (cut_t where = CUT_DOWNLOAD; where <= CUT_UPDATE; where++) {
        h_t h;
        power_cut(&h, where);
        boot_urcs(&h);
        uint64_t booted = h.now;
        h_verify(&h, "RG500Q", A06, H_IMEI);
        h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 0);
        assert_int_equal(h.now, booted + h.profile->quiet.hop_ms);
        assert_string_equal(h_attempt(&h)->error_text,
                            "module rebooted on its old firmware " A06 " without updating");
        assert_string_equal(h_attempt(&h)->final_version, A06);
        assert_true(h_trace_has(&h, "the module booted (boot lines, no FOTA URC)"));
        h_teardown(&h);
    }
}

/* Another module in the socket after the cut: the old attempt ends swapped with
 * the first module's IMEI on its row (the station then starts on the new one). */
static void other_imei_after_the_cut_fails_swapped(void **state)
{
    (void)state;
    h_t h;
    power_cut(&h, CUT_UPDATE);
    boot_urcs(&h);
    h_verify(&h, "RG500Q", A06, H_IMEI2);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_SWAPPED, 0);
    assert_string_equal(h_attempt(&h)->imei, H_IMEI);
    assert_non_null(strstr(h_attempt(&h)->error_text, H_IMEI2));
    h_teardown(&h);
}

/* Boot lines, then the updater after all (a module that prints both): the read
 * is cancelled by the URC and the update goes on to PASS. */
static void updater_urc_after_boot_lines_cancels_the_read(void **state)
{
    (void)state;
    h_t h;
    power_cut(&h, CUT_DOWNLOAD);
    boot_urcs(&h);
    h_wait_tx(&h, "AT", h.profile->quiet.hop_ms);
    h_rx(&h, "+QIND: \"FOTA\",\"START\"");
    h_updating(&h, 10, 100, 30);
    h_rx(&h, "+QIND: \"FOTA\",\"END\",0");
    h_advance(&h, 100);
    h_expect_no_tx(&h);
    h_gone(&h);
    h_advance(&h, 20000);
    h_back(&h);
    boot_urcs(&h);
    h_verify(&h, "RG500Q", A07, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_int_equal(h.max_update_percent, 100);
    h_teardown(&h);
}

/* The port drops during the read (the module goes on into its updater): the wait
 * for the updater's first URC starts again. */
static void port_drop_during_the_read_waits_again(void **state)
{
    (void)state;
    h_t h;
    power_cut(&h, CUT_UPDATE);
    boot_urcs(&h);
    h_wait_tx(&h, "AT", h.profile->quiet.hop_ms);
    h_gone(&h);
    h_advance(&h, 5000);
    h_back(&h);
    h_rx(&h, "+QIND: \"FOTA\",\"UPDATING\",45");
    h_updating(&h, 50, 100, 50);
    h_rx(&h, "+QIND: \"FOTA\",\"END\",0");
    h_gone(&h);
    h_advance(&h, 20000);
    h_back(&h);
    boot_urcs(&h);
    h_verify(&h, "RG500Q", A07, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

/* A late boot line of the old firmware before the port dropped into the updater
 * means nothing: the module is not read while it has not rebooted. */
static void boot_line_before_the_reboot_is_not_a_boot(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, A07);
    h_pkg(&h, A06, A07, "pkg.bin", "http://10.1.2.3/pkg.bin", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", "OK", NULL);
    h_rx(&h, "+QIND: \"FOTA\",\"HTTPSTART\"");
    h_rx(&h, "+QIND: \"FOTA\",\"HTTPEND\",0");
    h_rx(&h, "+QIND: PB DONE");
    h_advance(&h, 5000);
    h_expect_no_tx(&h);
    assert_false(fota_machine_finished(h.m));
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused_while_booting_is_waited_out_then_fails_as_before),
        cmocka_unit_test(refused_without_boot_activity_fails_as_before),
        cmocka_unit_test(refusal_after_the_last_boot_line_waits_from_the_refusal),
        cmocka_unit_test(boot_line_after_the_refusal_makes_it_a_boot_refusal),
        cmocka_unit_test(url_refused_while_booting_passes),
        cmocka_unit_test(old_firmware_boot_fails_at_once),
        cmocka_unit_test(other_imei_after_the_cut_fails_swapped),
        cmocka_unit_test(updater_urc_after_boot_lines_cancels_the_read),
        cmocka_unit_test(port_drop_during_the_read_waits_again),
        cmocka_unit_test(boot_line_before_the_reboot_is_not_a_boot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
