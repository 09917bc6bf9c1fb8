/* The slot's lifecycle on a fake host and a fake clock (fake_host.h), continued:
 * a module pulled and plugged back, the operator's slot control (retry, out of
 * service), draining, and hub-port power cycling. */
#include "slot_steps.h"

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
