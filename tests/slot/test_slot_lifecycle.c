/* The slot's lifecycle on a fake host and a fake clock (fake_host.h): what the
 * operator sees of a module from its links appearing to its verdict (the row, the
 * ports opened and written, the dashboard's words), stage by stage. */
#include <string.h>

#include "fake_host.h"

#define S(fh, k) (&(fh)->slots[k])

/* Four tty interfaces of no USB identity (ptys): every one is a candidate. */
static void plug4(fh_t *fh, int k)
{
    for (int num = 0; num < 4; num++)
        fh_plug(fh, k, num, false);
}

/* One pty link, a module behind it, run until its attempt has a verdict. */
static void run_to_verdict(fh_t *fh, int k, const char *rev, const char *imei)
{
    fh_plug(fh, k, 0, false);
    fh_module(fh, k, 0, rev, imei);
    fh_advance(fh, 10000);
}

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

static void upgrading(fh_t *fh, int k, bool usb, int num)
{
    fh_plug(fh, k, num, usb);
    fh_module(fh, k, num, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, k)->stage, SLOT_ATTEMPT);
    assert_non_null(strstr(fh_tx(fh, k, num), "AT+QFOTADL=\"http://10.1.2.3/a06-a07.zip\""));
}

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

/* ---- links ------------------------------------------------------------------------ */

/* ---- a module pulled, the operator's slot control ------------------------------- */

/* Long enough for any profile's reboot timeout: the module stayed away. */
#define AWAY_MS (30 * 60 * 1000)

/* A module whose attempt runs out of time: FAIL, committed. */
static void run_to_fail(fh_t *fh, int k)
{
    upgrading(fh, k, false, 0);
    fh_advance(fh, 4 * 3600 * 1000);
    fh_row_t *r = fh_row(fh, fh->n_rows - 1);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_FAIL);
    fh_commit(fh, k, fh->n_rows - 1);
    assert_int_equal(S(fh, k)->stage, SLOT_DONE);
    assert_int_equal(S(fh, k)->view.show, SLOT_SHOW_FAIL);
}

/* Pulled: the verdict stays on the row for its reboot timeout (a module that
 * reboots back is the same module), then the row is empty and the log says so; a
 * PASS module plugged back is shown PASS again, not upgraded twice. */
static void pulled_module_empties_its_slot(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_verdict(fh, 0, A07, IMEI_A);
    fh_commit(fh, 0, 0);
    fh_unplug(fh, 0, 0);
    assert_int_equal(S(fh, 0)->stage, SLOT_AWAY);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_PASS);
    fh_advance(fh, AWAY_MS);
    assert_int_equal(S(fh, 0)->stage, SLOT_EMPTY);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_EMPTY);
    assert_string_equal(S(fh, 0)->view.imei, "");
    assert_string_equal(S(fh, 0)->view.result, "");
    assert_true(fh_logged(fh, "m0: module " IMEI_A " removed"));
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A07, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_PASS);
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
}

static void failed_module_plugged_back_is_attempted_again(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_fail(fh, 0);
    fh_unplug(fh, 0, 0);
    fh_advance(fh, AWAY_MS);
    assert_true(fh_logged(fh, "m0: module " IMEI_A " removed"));
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(fh->n_rows, 2);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    fh_free(fh);
}

/* A module that failed reboots back on its old firmware: the same module, no second
 * attempt, its FAIL stays on the row. */
static void failed_module_rebooting_back_is_the_same(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_fail(fh, 0);
    fh_unplug(fh, 0, 0);
    fh_advance(fh, 5000);
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(fh->n_rows, 1);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_FAIL);
    fh_free(fh);
}

static void retry_starts_a_new_attempt_on_a_failed_module(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_fail(fh, 0);
    assert_null(slot_retry(S(fh, 0)));
    assert_int_equal(S(fh, 0)->stage, SLOT_SETTLE);
    assert_true(fh_logged(fh, "m0: retry: a new attempt on the module in the slot"));
    fh_advance(fh, 10000);
    assert_int_equal(fh->n_rows, 2);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    fh_free(fh);
}

static void retry_refused_for_a_pass_or_a_running_slot(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_verdict(fh, 0, A07, IMEI_A);
    assert_string_equal(slot_retry(S(fh, 0)), "its verdict is being recorded");
    fh_commit(fh, 0, 0);
    assert_string_equal(slot_retry(S(fh, 0)), "its module passed");
    assert_string_equal(slot_retry(S(fh, 2)), "no module to retry");
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
    fh = fh_new();
    upgrading(fh, 0, false, 0);
    assert_string_equal(slot_retry(S(fh, 0)), "busy");
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
}

static void ignored_slot_is_retried(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh_plug(fh, 0, 0, false); /* nothing answers: ignored */
    fh_advance(fh, 120000);
    assert_int_equal(S(fh, 0)->stage, SLOT_IGNORED);
    fh_module(fh, 0, 0, A06, IMEI_A); /* it answers now */
    assert_null(slot_retry(S(fh, 0)));
    fh_advance(fh, 10000);
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
}

/* Out of service: a module plugged in is never touched (no port opened, no AT, no
 * row); put back, it starts. */
static void out_of_service_opens_no_port(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    slot_service(S(fh, 0), false, NULL);
    assert_int_equal(S(fh, 0)->stage, SLOT_OFF);
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 60000);
    assert_int_equal(S(fh, 0)->stage, SLOT_OFF);
    assert_int_equal(fh->port[0][0].opens, 0);
    assert_int_equal(fh->n_rows, 0);
    assert_string_equal(S(fh, 0)->view.result, "out of service");
    assert_true(fh_logged(fh, "m0: out of service"));
    assert_string_equal(slot_retry(S(fh, 0)), "out of service (x puts it back)");
    slot_service(S(fh, 0), true, NULL);
    fh_advance(fh, 10000);
    assert_int_equal(fh->n_rows, 1);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    fh_free(fh);
}

/* Taken out of service while probing: its ports are let go at once. */
/* A failed module in a slot put back in service is judged as one just plugged in:
 * the links were not followed while it was out of service. */
static void back_in_service_attempts_a_failed_module_again(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    run_to_fail(fh, 0);
    slot_service(S(fh, 0), false, NULL);
    assert_int_equal(S(fh, 0)->stage, SLOT_OFF);
    slot_service(S(fh, 0), true, NULL);
    fh_advance(fh, 10000);
    assert_int_equal(fh->n_rows, 2);
    fh_free(fh);
}

static void out_of_service_while_probing_lets_go(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    plug4(fh, 0);
    fh_advance(fh, 3000);
    assert_int_equal(S(fh, 0)->stage, SLOT_CHOOSE);
    slot_service(S(fh, 0), false, "3 hardware failures in a row");
    for (int num = 0; num < 4; num++)
        assert_false(fh->port[0][fh_if(fh, 0, num)].open);
    assert_string_equal(S(fh, 0)->view.result, "out of service: 3 hardware failures in a row");
    assert_true(fh_logged(fh, "m0: out of service: 3 hardware failures in a row"));
    fh_free(fh);
}

/* An attempt that runs ends first; the slot goes out of service after its verdict. */
static void out_of_service_waits_for_the_attempt(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, false, 0);
    slot_service(S(fh, 0), false, NULL);
    assert_int_equal(S(fh, 0)->stage, SLOT_ATTEMPT);
    fh_advance(fh, 4 * 3600 * 1000);
    assert_true(fh_row(fh, 0)->finished);
    assert_int_equal(S(fh, 0)->stage, SLOT_OFF);
    fh_free(fh);
}

static void draining_starts_nothing_new(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh->line.draining = true;
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A);
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 0)->stage, SLOT_EMPTY);
    assert_int_equal(fh->port[0][0].opens, 0);
    assert_int_equal(fh->n_rows, 0);
    fh_free(fh);
}

/* --expect reached while a module was being asked for its IMEI: no attempt. */
static void expect_reached_while_probing_starts_no_attempt(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    fh_plug(fh, 0, 0, false);
    fh_module(fh, 0, 0, A06, IMEI_A)->gsn_silent = 1;
    fh_advance(fh, 3000);
    assert_int_equal(S(fh, 0)->stage, SLOT_IDENTIFY);
    fh->line.draining = true;
    fh_advance(fh, 10000);
    assert_int_equal(S(fh, 0)->stage, SLOT_IGNORED);
    assert_int_equal(fh->n_rows, 0);
    assert_false(fh->port[0][0].open);
    fh_free(fh);
}


/* ---- power cycling (the job's power:) ------------------------------------------ */

#define POWER_JOB "power:\n  max_cycles: 2\n  off: 2\n"

/* Settle, then timeouts.probe of AT rounds: stops at the stage that follows. */
static void probe_out(fh_t *fh, int k)
{
    for (int t = 0; t < 400 && (S(fh, k)->stage == SLOT_SETTLE || S(fh, k)->stage == SLOT_CHOOSE);
         t++)
        fh_advance(fh, 100);
}

/* A USB module (its AT interface, 2) whose AT interpreter hangs: it never answers until power-cycled. */
static fh_module_t *hung(fh_t *fh, int k, const char *rev)
{
    fh_plug(fh, k, 2, true);
    fh_module_t *m = fh_module(fh, k, 2, rev, IMEI_A);
    m->silent = true;
    probe_out(fh, k);
    return m;
}

/* The hub drops the module's links while its port has no power and makes them
 * again (a new tty) once it has. */
static void power_cycle_links(fh_t *fh, int k, fh_module_t *m, bool cured)
{
    assert_int_equal(S(fh, k)->stage, SLOT_POWER);
    fh_unplug(fh, k, 2);
    assert_int_equal(S(fh, k)->stage, SLOT_POWER); /* links vanish: expected */
    fh_advance(fh, 2000);                          /* the job's power.off */
    m->silent = !cured;
    fh_replug(fh, k, 2);
    assert_int_equal(S(fh, k)->stage, SLOT_SETTLE);
}

static void silent_module_is_power_cycled_then_passes(void **state)
{
    (void)state;
    fh_t *fh = fh_new_job(POWER_JOB);
    fh_module_t *m = hung(fh, 0, A07);
    assert_string_equal(fh->power, "1"); /* off, not on yet */
    assert_int_equal(fh->n_rows, 0);
    assert_true(fh_logged(fh, "m0: power off (cycle 1 of 2): no answer to AT"));
    assert_true(slot_busy(S(fh, 0)));
    power_cycle_links(fh, 0, m, true);
    assert_string_equal(fh->power, "10");
    fh_advance(fh, 10000);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_PASS);
    assert_int_equal(r->finish.power_cycles, 1);
    assert_string_equal(fh->power, "10"); /* nothing more */
    fh_free(fh);
}

static void module_hung_for_ever_fails_after_max_cycles(void **state)
{
    (void)state;
    fh_t *fh = fh_new_job(POWER_JOB);
    fh_module_t *m = hung(fh, 0, A06);
    power_cycle_links(fh, 0, m, false);
    probe_out(fh, 0);
    power_cycle_links(fh, 0, m, false);
    probe_out(fh, 0);
    assert_string_equal(fh->power, "1010"); /* two cycles, no third */
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_FAIL);
    assert_int_equal(r->finish.power_cycles, 2);
    assert_string_equal(r->finish.error_text, "no answer to AT after 2 power cycles");
    assert_string_equal(r->finish.slot, "m0");
    fh_commit(fh, 0, 0);
    assert_int_equal(S(fh, 0)->view.show, SLOT_SHOW_FAIL);
    assert_non_null(strstr(S(fh, 0)->view.result, "no answer to AT after 2 power cycles"));
    fh_advance(fh, 600000);
    assert_string_equal(fh->power, "1010");
    assert_int_equal(fh->n_rows, 1);
    fh_free(fh);
}

static void job_without_power_never_cycles(void **state)
{
    (void)state;
    const char *jobs[] = {"", "power:\n  enabled: false\n"};
    for (size_t j = 0; j < 2; j++) {
        fh_t *fh = fh_new_job(jobs[j]);
        hung(fh, 0, A06);
        fh_advance(fh, 600000);
        assert_int_equal(S(fh, 0)->stage, SLOT_IGNORED);
        assert_string_equal(S(fh, 0)->view.result, "no answer to AT: not a module port");
        assert_int_equal(fh->power_n, 0);
        assert_int_equal(fh->n_rows, 0);
        fh_free(fh);
    }
}

/* Once GO is given the module may be downloading or writing its flash: a module
 * that stalls there is left to the machine's own timeouts, never power-cycled. */
static void module_stalled_in_its_update_is_never_cycled(void **state)
{
    (void)state;
    fh_t *fh = fh_new_job(POWER_JOB);
    upgrading(fh, 0, true, 2);
    static const char start[] = "\r\n+QIND: \"FOTA\",\"START\"\r\n"
                                "\r\n+QIND: \"FOTA\",\"UPDATING\",10\r\n";
    slot_port_data(S(fh, 0), fh_if(fh, 0, 2), (const uint8_t *)start, sizeof start - 1);
    fh_after(fh);
    fh->port[0][fh_if(fh, 0, 2)].mod.silent = true;
    fh_advance(fh, 3600000);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_FAIL);
    assert_int_equal(r->finish.error_class, FOTA_ERR_TIMEOUT);
    assert_int_equal(r->finish.power_cycles, 0);
    assert_int_equal(fh->power_n, 0);
    assert_int_equal(S(fh, 0)->stage, SLOT_DONE);
    fh_free(fh);
}

/* The profile's power.retry_on: identification that timed out before any FOTA
 * command is cured by a power cycle; the new attempt is a row of its own. */
static void identification_timeout_is_cycled_and_tried_again(void **state)
{
    (void)state;
    fh_t *fh = fh_new_job(POWER_JOB);
    fh_plug(fh, 0, 2, true);
    fh_module_t *m = fh_module(fh, 0, 2, A07, IMEI_A);
    m->gsn_silent = 1000; /* answers AT, never its IMEI */
    for (int t = 0; t < 1200 && S(fh, 0)->stage != SLOT_POWER; t++)
        fh_advance(fh, 100);
    fh_row_t *r = fh_row(fh, 0);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_FAIL);
    assert_int_equal(r->finish.power_cycles, 0);
    assert_string_equal(fh->power, "1");
    m->gsn_silent = 0;
    power_cycle_links(fh, 0, m, true);
    fh_advance(fh, 10000);
    r = fh_row(fh, 1);
    assert_true(r->finished);
    assert_int_equal(r->finish.result, FOTA_RESULT_PASS);
    assert_int_equal(r->finish.power_cycles, 1);
    fh_free(fh);
}

/* The operator's power cycle: not while an attempt runs. */
static void operator_power_cycle_only_without_an_attempt(void **state)
{
    (void)state;
    fh_t *fh = fh_new();
    upgrading(fh, 0, true, 2);
    assert_false(slot_power_request(S(fh, 0)));
    assert_int_equal(fh->power_n, 0);
    hung(fh, 1, A06);
    assert_int_equal(S(fh, 1)->stage, SLOT_IGNORED);
    assert_true(slot_power_request(S(fh, 1)));
    assert_string_equal(fh->power, "1");
    assert_int_equal(S(fh, 1)->stage, SLOT_POWER);
    fh_free(fh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(silent_module_is_power_cycled_then_passes),
        cmocka_unit_test(module_hung_for_ever_fails_after_max_cycles),
        cmocka_unit_test(job_without_power_never_cycles),
        cmocka_unit_test(module_stalled_in_its_update_is_never_cycled),
        cmocka_unit_test(identification_timeout_is_cycled_and_tried_again),
        cmocka_unit_test(operator_power_cycle_only_without_an_attempt),
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
        cmocka_unit_test(pulled_module_empties_its_slot),
        cmocka_unit_test(failed_module_plugged_back_is_attempted_again),
        cmocka_unit_test(failed_module_rebooting_back_is_the_same),
        cmocka_unit_test(retry_starts_a_new_attempt_on_a_failed_module),
        cmocka_unit_test(retry_refused_for_a_pass_or_a_running_slot),
        cmocka_unit_test(ignored_slot_is_retried),
        cmocka_unit_test(out_of_service_opens_no_port),
        cmocka_unit_test(out_of_service_while_probing_lets_go),
        cmocka_unit_test(back_in_service_attempts_a_failed_module_again),
        cmocka_unit_test(out_of_service_waits_for_the_attempt),
        cmocka_unit_test(draining_starts_nothing_new),
        cmocka_unit_test(expect_reached_while_probing_starts_no_attempt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
