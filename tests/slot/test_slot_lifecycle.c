/* The slot's lifecycle on a fake host and a fake clock (fake_host.h): what the
 * operator sees of a module from its links appearing to its verdict (the row, the
 * ports opened and written, the dashboard's words), stage by stage. */
#include <string.h>

#include "slot_steps.h"

/* ---- settle and the AT port ----------------------------------------------------- */

static void settle_then_lowest_answering_interface(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    plug4(fh, 0);
    fh_module(fh, 0, 3, A06, IMEI_A);
    fh_module(fh, 0, 2, A06, IMEI_A);
    assert_int_equal(S(fh, 0)->stage, SLOT_SETTLE);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_PROBING);
    fh_advance(fh, 2999); /* the interfaces settle: nothing asked yet */
    for (int num = 0; num < 4; num++)
        assert_string_equal(fh_tx(fh, 0, num), "");
    fh->row_id_next = -1;
    fh->line.stopping = false;
    fh_advance(fh, 1);
    /* interfaces 2 and 3 answered at once, 0 and 1 may still: the round decides */
    assert_int_equal(S(fh, 0)->stage, SLOT_CHOOSE);
    for (int num = 0; num < 4; num++)
        assert_string_equal(fh_tx(fh, 0, num), "AT\r");
    fh_advance(fh, SLOT_ROUND_MS);
    assert_int_equal(S(fh, 0)->ifs[S(fh, 0)->at].num, 2);
    assert_int_equal(fh->port[0][fh_if(fh, 0, 3)].closes, 1); /* never written again */
    assert_false(fh->port[0][fh_if(fh, 0, 0)].open);
    assert_true(fh_logged(fh, "m0: AT port /dev/fake0.2 (interface 2 of 4)"));
    assert_int_equal(fh->n_rows, 1); /* the attempt runs on interface 2 */
    fh_free(fh);
}

static void lowest_answer_decides_at_once(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    plug4(fh, 0);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_module(fh, 0, 1, A06, IMEI_A);
    fh_advance(fh, 3000);
    /* no lower interface is pending: chosen without waiting for the round */
    assert_int_equal(S(fh, 0)->ifs[S(fh, 0)->at].num, 0);
    assert_int_equal(fh_row(fh, 0)->begin.result, FOTA_RESULT_INTERRUPTED);
    assert_string_equal(fh_row(fh, 0)->begin.port, "/dev/fake0.0");
    fh_free(fh);
}

static void first_round_asks_the_last_at_interface_alone(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    plug4(fh, 0);
    fh_module(fh, 0, 2, A07, IMEI_A); /* at target: PASS without a transfer */
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    fh_commit(fh, 0, 0);
    /* swapped for another module: all four links come back */
    for (int num = 0; num < 4; num++)
        fh_unplug(fh, 0, num);
    plug4(fh, 0);
    fh_module(fh, 0, 2, A07, IMEI_B);
    for (int num = 0; num < 4; num++)
        fh_tx(fh, 0, num);
    fh_advance(fh, 3000);
    assert_string_equal(fh_tx(fh, 0, 0), "");
    assert_string_equal(fh_tx(fh, 0, 1), "");
    assert_string_equal(fh_tx(fh, 0, 3), "");
    assert_int_equal(S(fh, 0)->ifs[S(fh, 0)->at].num, 2);
    assert_int_equal(fh->n_rows, 2);
    fh_free(fh);
}

static void silent_last_interface_then_all_are_asked(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    S(fh, 0)->last_at_num = 3;
    plug4(fh, 0);
    fh_module(fh, 0, 1, A06, IMEI_A);
    fh_advance(fh, 3000);
    assert_string_equal(fh_tx(fh, 0, 1), "");
    assert_string_equal(fh_tx(fh, 0, 3), "AT\r");
    fh_advance(fh, SLOT_ROUND_MS); /* round 1: every candidate; 0 is silent */
    assert_string_equal(fh_tx(fh, 0, 0), "AT\r");
    assert_int_equal(S(fh, 0)->at, -1); /* interface 0 may still answer */
    fh_advance(fh, SLOT_ROUND_MS);
    assert_int_equal(S(fh, 0)->ifs[S(fh, 0)->at].num, 1);
    fh_free(fh);
}

/* A module left in an AT+QFUPL upload takes every AT as data: every fifth round
 * is a silence longer than the upload's own timeout. */
static void every_fifth_round_is_a_silence(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->job->timeouts.probe_ms = 120000;
    fh_plug(fh, 0, 0, false);
    fh_advance(fh, 3000);
    int64_t at[7];
    int n = 0;
    for (int64_t t = 0; t < 60000 && n < 7; t += 100) {
        if (strcmp(fh_tx(fh, 0, 0), "AT\r") == 0)
            at[n++] = fh->now;
        fh_advance(fh, 100);
    }
    assert_int_equal(n, 7);
    for (int r = 1; r < 5; r++)
        assert_int_equal(at[r] - at[r - 1], SLOT_ROUND_MS);
    assert_true(at[5] - at[4] > 5000); /* round 4: the silence */
    assert_int_equal(at[6] - at[5], SLOT_ROUND_MS);
    fh_free(fh);
}

static void no_answer_is_not_a_module(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh_plug(fh, 0, 0, false);
    fh_advance(fh, 120000);
    assert_int_equal(S(fh, 0)->stage, SLOT_IGNORED);
    assert_string_equal(S(fh, 0)->view.result, "no answer to AT: not a module port");
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_IDLE);
    assert_false(fh->port[0][0].open);
    assert_int_equal(fh->n_rows, 0);
    assert_false(slot_busy(S(fh, 0)));
    fh_free(fh);
}

static void unknown_usb_device_is_never_opened(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    slot_usb_t id = {true, 0x0403, 0x6001}; /* an FTDI adapter */
    slot_link(S(fh, 0), "if0", 0, "/dev/ttyUSB9", &id);
    fh_after(fh);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 0)->stage, SLOT_IGNORED);
    assert_string_equal(S(fh, 0)->view.result, "USB 0403:6001: not a known module");
    assert_int_equal(fh->port[0][0].opens, 0);
    fh_free(fh);
}

/* A device in a wrong USB mode: one FAIL usb_mode row at once with the serial, the
 * words on the slot once committed, no port opened; a link appearing afterwards
 * (the unknown composition's tty) never starts the AT search ("not a module
 * port"); the same device is not recorded twice, the next one is. */
static void wrong_usb_mode_is_one_fail_row(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    const char *words = "unexpected USB composition 2c7c:0999 (config 1)";
    slot_usb_mode(S(fh, 0), words, "UNK0003", "2c7c:0999 UNK0003");
    fh_after(fh);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    assert_int_equal(fh->n_rows, 1);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_FAIL);
    assert_int_equal(r->finish.error_class, FOTA_ERR_USB_MODE);
    assert_string_equal(r->finish.error_text, "unexpected USB composition 2c7c:0999 (config 1); "
                                              "USB serial UNK0003");
    assert_string_equal(r->finish.imei, "");
    fh_commit(fh, 0, 0);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_FAIL);
    assert_non_null(strstr(S(fh, 0)->view.result, words));
    slot_usb_t id = {true, 0x2c7c, 0x0999};
    slot_link(S(fh, 0), "if0", 0, "/dev/ttyUSB0", &id);
    fh_after(fh);
    fh_advance(fh, 120000);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    assert_int_equal(fh->port[0][0].opens, 0);
    assert_false(fh_logged(fh, "not a module port"));
    assert_non_null(strstr(S(fh, 0)->view.result, words));
    slot_usb_mode(S(fh, 0), words, "UNK0003", "2c7c:0999 UNK0003"); /* the next scan */
    assert_int_equal(fh->n_rows, 1);
    slot_usb_mode(S(fh, 0), NULL, NULL, NULL); /* gone */
    slot_usb_mode(S(fh, 0), "emergency download mode: needs a full flash", "", "05c6:9008 ");
    fh_after(fh);
    assert_int_equal(fh->n_rows, 2);
    assert_string_equal(fh_row(fh, 1)->finish.error_text,
                        "emergency download mode: needs a full flash; USB serial none");
    fh_free(fh);
}

/* ---- ModemManager --------------------------------------------------------------- */

static void modem_manager_defer_then_answer(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->mm_answered = false;
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    assert_int_equal(fh->mm_holds, 1);
    fh_advance(fh, 3000 + 500); /* settled, ModemManager not answered: no AT yet */
    assert_int_equal(S(fh, 0)->stage, SLOT_SETTLE);
    assert_int_equal(fh->port[0][0].opens, 0);
    fh->mm_answered = true;
    slot_mm_answer(S(fh, 0));
    fh_after(fh);
    assert_int_equal(fh->port[0][0].opens, 1); /* asked at once */
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
}

static void modem_manager_late_answer_does_not_hold_the_module(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->mm_answered = false;
    fh_plug(fh, 0, 0, false);
    fh_advance(fh, 3000 + SLOT_MM_WAIT_MS - 1);
    assert_int_equal(fh->port[0][0].opens, 0);
    fh_advance(fh, 1);
    assert_int_equal(fh->port[0][0].opens, 1);
    slot_mm_answer(S(fh, 0)); /* the late answer changes nothing */
    fh_after(fh);
    assert_int_equal(S(fh, 0)->stage, SLOT_CHOOSE);
    assert_int_equal(fh->port[0][0].opens, 1);
    fh_free(fh);
}

/* ---- which module ----------------------------------------------------------------- */

static void at_target_passes_and_shows_once_committed(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_verdict(fh, 0, A07, IMEI_A);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_PASS);
    assert_string_equal(r->finish.imei, IMEI_A);
    assert_string_equal(r->finish.slot, "m0");
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_RUNNING); /* recording… */
    assert_string_equal(S(fh, 0)->view.phase, "recording…");
    fh_commit(fh, 0, 0);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_PASS);
    assert_string_equal(S(fh, 0)->view.result, A07 " (already)");
    assert_false(fh->port[0][0].open); /* let go until swapped */
    fh_free(fh);
}

static void same_imei_shows_the_last_verdict(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_verdict(fh, 0, A07, IMEI_A);
    fh_commit(fh, 0, 0);
    fh_replug(fh, 0, 0); /* the module re-enumerates after its final reboot */
    fh_module(fh, 0, 0, A07, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    assert_int_equal(fh->n_rows, 1); /* not upgraded twice */
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_PASS);
    assert_true(fh_logged(fh, "m0: same module " IMEI_A " still in the slot; swap it to go on"));
    fh_free(fh);
}

static void another_slots_imei_is_an_alias(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT); /* upgrading */
    fh_plug(fh, 1, 0, false); /* the same module's second AT port, another link */
    fh_module(fh, 1, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 1)->stage, SLOT_ALIAS);
    assert_int_equal(fh->n_rows, 1);
    assert_false(fh->port[1][0].open);
    assert_string_equal(S(fh, 1)->view.result, "another port of " IMEI_A " in m0");
    fh_free(fh);
}

static void imei_read_late_is_skipped(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    fh_plug(fh, 1, 0, false);
    fh_module(fh, 1, 0, A06, IMEI_A)->gsn_silent = 2; /* the probe reads no IMEI */
    fh_advance(fh, 20000);
    assert_int_equal(fh->n_rows, 2); /* an attempt began: the machine reads the IMEI */
    fh_row_t *r = fh_row(fh, 1);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_SKIP);
    assert_string_equal(r->finish.imei, IMEI_A);
    assert_non_null(strstr(r->finish.error_text, "another port of " IMEI_A));
    assert_null(strstr(fh_tx(fh, 1, 0), "QFOTADL")); /* nothing written to the module */
    fh_free(fh);
}

/* ---- reboots ---------------------------------------------------------------------- */

static void usb_reboot_waits_for_a_new_link(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, true, 2);
    size_t i = fh_if(fh, 0, 2);
    fh_gone(fh, 0, 2); /* the module reboots into its updater */
    assert_int_equal(S(fh, 0)->stage, SLOT_REBOOT);
    fh_advance(fh, 10000); /* the old tty is never reopened */
    assert_int_equal(fh->port[0][i].opens, 1);
    fh_replug(fh, 0, 2);
    assert_int_equal(fh->port[0][i].opens, 2);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
}

static void uart_reopens_the_same_link(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, false, 0);
    fh_gone(fh, 0, 0);
    fh_advance(fh, SLOT_SAME_LINK_MS - 1);
    assert_int_equal(fh->port[0][0].opens, 1);
    fh_advance(fh, 1);
    assert_int_equal(fh->port[0][0].opens, 2);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    fh_free(fh);
}

static void reopen_retries_a_tty_not_ready_yet(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, true, 2);
    size_t i = fh_if(fh, 0, 2);
    fh_gone(fh, 0, 2);
    fh->port[0][i].open_rc = FOTA_E_NOENT;
    fh_replug(fh, 0, 2);
    assert_int_equal(S(fh, 0)->stage, SLOT_REBOOT);
    fh->port[0][i].open_rc = 0;
    fh_advance(fh, SLOT_REOPEN_DELAY_MS);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    fh_free(fh);
}

static void probe_cut_by_a_reboot_is_asked_again(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A)->gsn_silent = 1;
    fh_advance(fh, 3000); /* AT answered, AT+GSN not yet */
    assert_int_equal(S(fh, 0)->stage, SLOT_IDENTIFY);
    fh_gone(fh, 0, 0);
    assert_int_equal(S(fh, 0)->stage, SLOT_RETRY);
    assert_true(slot_busy(S(fh, 0))); /* --until-idle waits for it */
    fh_advance(fh, SLOT_SAME_LINK_MS);
    assert_int_equal(S(fh, 0)->stage, SLOT_SETTLE);
    fh_advance(fh, 10000);
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
}

/* Another module in the slot after a reboot: the old attempt ends swapped and the
 * new module is started on at once, with a row of its own. */
static void swapped_at_finish_starts_the_new_module(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, true, 2);
    fh_gone(fh, 0, 2);
    fh_module(fh, 0, 2, A06, IMEI_B); /* the operator swapped the module meanwhile */
    fh_replug(fh, 0, 2);
    static const char boot[] = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QIND: PB DONE\r\n";
    slot_port_data(S(fh, 0), fh_if(fh, 0, 2), (const uint8_t *)boot, sizeof boot - 1);
    fh_after(fh);
    fh_advance(fh, 60000);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_FAIL);
    assert_int_equal(r->finish.error_class, FOTA_ERR_SWAPPED);
    assert_string_equal(r->finish.imei, IMEI_A); /* the row stays the first module's */
    assert_int_equal(fh->n_rows, 2);
    assert_string_equal(fh_row(fh, 1)->identify.imei, IMEI_B);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    fh_free(fh);
}

/* ---- abort in every stage --------------------------------------------------------- */

static void abort_before_a_module_answers_leaves_no_row(void **state)
{
    (void)state;
    static const int64_t when[] = {100, 3000 + 100, 3000 + 1}; /* settle, choose, identify */
    static const slot_stage_t stage[] = {SLOT_SETTLE, SLOT_CHOOSE, SLOT_IDENTIFY};
    for (int c = 0; c < 3; c++) {
        fh_t *fh = fh_new();
        fh_plug(fh, 0, 0, false);
        fh_plug(fh, 0, 1, false);
        if (c == 2)
            fh_module(fh, 0, 0, A06, IMEI_A)->gsn_silent = 2;
        fh_advance(fh, when[c]);
        assert_int_equal(S(fh, 0)->stage, stage[c]);
        fh->line.stopping = true;
        slot_abort(S(fh, 0), "SIGTERM");
        fh_after(fh);
        assert_int_equal(S(fh, 0)->stage, SLOT_EMPTY);
        assert_false(slot_busy(S(fh, 0)));
        assert_false(fh->port[0][0].open);
        assert_false(fh->port[0][1].open);
        assert_int_equal(fh->n_rows, 0);
        assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_IDLE);
        fh_free(fh);
    }
}

static void abort_while_upgrading_is_interrupted(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, false, 0);
    fh->line.stopping = true;
    slot_abort(S(fh, 0), "SIGTERM");
    fh_after(fh);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_INTERRUPTED);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    assert_false(slot_busy(S(fh, 0)));
    fh_free(fh);
}

/* A scan (a new operator badge, a new work order) during an upgrade changes the
 * modules identified after it: the one already upgrading keeps its own. */
static void scan_during_an_upgrade_keeps_the_modules_batch_and_operator(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->line.operator_id = "OP1";
    upgrading(fh, 0, false, 0);
    fh->line.batch = "WO-2";
    fh->line.operator_id = "OP2";
    fh->line.stopping = true;
    slot_abort(S(fh, 0), "SIGTERM");
    fh_after(fh);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_string_equal(r->finish.batch, "test-batch");
    assert_string_equal(r->finish.operator_id, "OP1");
    fh_free(fh);
}

static void abort_during_a_reboot_is_interrupted(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, true, 2);
    fh_gone(fh, 0, 2);
    assert_int_equal(S(fh, 0)->stage, SLOT_REBOOT);
    fh->line.stopping = true;
    slot_abort(S(fh, 0), "SIGTERM");
    fh_after(fh);
    assert_int_equal(fh_row(fh, 0)->finish.result, FOTA_RESULT_INTERRUPTED);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    fh_free(fh);
}

static void abort_at_rest_changes_nothing(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_verdict(fh, 0, A07, IMEI_A);
    fh_commit(fh, 0, 0);
    slot_abort(S(fh, 0), "SIGTERM");
    fh_after(fh);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_PASS);
    fh_free(fh);
}

/* ---- rework ----------------------------------------------------------------------- */

static void rework_local_pass_is_skipped(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->line.rework = true;
    fh->rework_rc = 1;
    fh->rework_result = FOTA_RESULT_PASS;
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A07, IMEI_A);
    fh_advance(fh, 10000);
    fh_row_t *r = fh_row(fh, 0);
    assert_int_equal(r->finish.result, FOTA_RESULT_SKIP);
    assert_string_equal(r->finish.error_text, "already passed");
    assert_int_equal(r->identifies, 1); /* the row names the module before its verdict */
    fh_free(fh);
}

static void rework_central_answer_pending_then_never_seen(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->line.rework = true;
    fh->rework_rc = FOTA_E_STATE; /* the central database has not answered */
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 60000);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    assert_false(slot_queued(S(fh, 0)));
    assert_int_equal(fh_row(fh, 0)->identifies, 0);
    assert_false(fh_row(fh, 0)->finished);
    fh->rework_rc = 0; /* never seen anywhere; --allow-new not given */
    slot_rework_ready(S(fh, 0));
    fh_after(fh);
    assert_int_equal(fh_row(fh, 0)->finish.result, FOTA_RESULT_SKIP);
    assert_string_equal(fh_row(fh, 0)->finish.error_text, "not in database");
    fh_free(fh);
}

static void rework_offline_refuse_holds_the_module(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->line.rework = true;
    fh->rework_rc = FOTA_E_STATE;
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    int calls = fh->rework_calls;
    for (int t = 0; t < 20; t++) { /* asked again on every tick, never decided on a guess */
        slot_rework_ready(S(fh, 0));
        fh_after(fh);
        fh_advance(fh, 250);
    }
    assert_int_equal(fh->rework_calls, calls + 20);
    assert_false(fh_row(fh, 0)->finished);
    assert_null(strstr(fh_tx(fh, 0, 0), "QFOTADL"));
    fh->line.allow_new = true;
    fh->rework_rc = 0;
    slot_rework_ready(S(fh, 0));
    fh_after(fh);
    assert_non_null(strstr(fh_tx(fh, 0, 0), "QFOTADL")); /* new module allowed: upgraded */
    fh_free(fh);
}

/* ---- the database ----------------------------------------------------------------- */

static void database_busy_holds_the_queue_until_the_row_names_the_module(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->row_pending = true;
    fh->row_id_next = -1;
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_true(fh_logged(fh, "m0: module found on /dev/fake0.0, attempt row queued"));
    assert_int_equal(fh_row(fh, 0)->identifies, 1);
    assert_false(slot_queued(S(fh, 0)));
    assert_null(strstr(fh_tx(fh, 0, 0), "QFOTADL"));
    fh->row_pending = false;
    slot_row_named(S(fh, 0), fh_row(fh, 0));
    fh_after(fh);
    assert_non_null(strstr(fh_tx(fh, 0, 0), "QFOTADL"));
    assert_true(fh_logged(fh, "m0: upgrading (1 in flight)"));
    fh_free(fh);
}

static void failing_database_starts_nothing_new(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->rows_failing = true;
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_true(slot_queued(S(fh, 0)));
    assert_string_equal(S(fh, 0)->a->queue_reason, "results database failing");
    assert_null(strstr(fh_tx(fh, 0, 0), "QFOTADL"));
    fh_free(fh);
}

static void verdict_not_recorded_is_shown_so(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_verdict(fh, 0, A07, IMEI_A);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(slot_committed(S(fh, 0), r, &r->finish, "disk full"));
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_NOT_RECORDED);
    assert_non_null(strstr(S(fh, 0)->view.result, "disk full"));
    fh_free(fh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(settle_then_lowest_answering_interface),
        cmocka_unit_test(lowest_answer_decides_at_once),
        cmocka_unit_test(first_round_asks_the_last_at_interface_alone),
        cmocka_unit_test(silent_last_interface_then_all_are_asked),
        cmocka_unit_test(every_fifth_round_is_a_silence),
        cmocka_unit_test(no_answer_is_not_a_module),
        cmocka_unit_test(wrong_usb_mode_is_one_fail_row),
        cmocka_unit_test(unknown_usb_device_is_never_opened),
        cmocka_unit_test(modem_manager_defer_then_answer),
        cmocka_unit_test(modem_manager_late_answer_does_not_hold_the_module),
        cmocka_unit_test(at_target_passes_and_shows_once_committed),
        cmocka_unit_test(same_imei_shows_the_last_verdict),
        cmocka_unit_test(another_slots_imei_is_an_alias),
        cmocka_unit_test(imei_read_late_is_skipped),
        cmocka_unit_test(usb_reboot_waits_for_a_new_link),
        cmocka_unit_test(uart_reopens_the_same_link),
        cmocka_unit_test(reopen_retries_a_tty_not_ready_yet),
        cmocka_unit_test(probe_cut_by_a_reboot_is_asked_again),
        cmocka_unit_test(swapped_at_finish_starts_the_new_module),
        cmocka_unit_test(abort_before_a_module_answers_leaves_no_row),
        cmocka_unit_test(abort_while_upgrading_is_interrupted),
        cmocka_unit_test(scan_during_an_upgrade_keeps_the_modules_batch_and_operator),
        cmocka_unit_test(abort_during_a_reboot_is_interrupted),
        cmocka_unit_test(abort_at_rest_changes_nothing),
        cmocka_unit_test(rework_local_pass_is_skipped),
        cmocka_unit_test(rework_central_answer_pending_then_never_seen),
        cmocka_unit_test(rework_offline_refuse_holds_the_module),
        cmocka_unit_test(database_busy_holds_the_queue_until_the_row_names_the_module),
        cmocka_unit_test(failing_database_starts_nothing_new),
        cmocka_unit_test(verdict_not_recorded_is_shown_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
