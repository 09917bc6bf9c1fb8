/* The report on a line of USB hubs: yield per hub and per hub port in every
 * format, every model in the HTML yield chart (the 0 % ones first), the
 * traceability header, --until, and a rework row that says a transient code
 * ended in FAIL because the module gave up after its retries.
 *
 * Fixture (batch L1, one attempt per minute from FX_T0; USB = "…-usb-0:"):
 *   hub 1.3: ports 1.3.1 (PASS, PASS), 1.3.2 (FAIL, FAIL, PASS) -> 3/5
 *   hub 1.4: port 1.4.1 (INTERRUPTED, SKIP)                     -> 0/1
 *   root hub: port 4 (PASS)                                      -> 1/1
 *   a UART "platform-serial8250-tty" (FAIL): its own slot, no hub -> 0/1
 *   12 models M01..M12: M11 and M12 pass nothing (the demo's two 0 % models).
 *   The second 1.3.2 FAIL: transient 522, module_retries 7, hops 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "report.h"
#include "report_fixture.h"
#include "report_model.h"
#include "store.h"
#include "store_runs.h"

#define DB "slots.db"
#define MANY "models.db"
#define OUT "slots.out"
#define USB "pci-0000:00:14.0-usb-0:"

typedef struct {
    const char *slot, *model;
    fota_result_t result;
    fota_error_class_t cls;
    int code, retries, hops;
} row_t;

static const row_t rows[] = {
    {USB "1.3.1", "M01", FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, 0, 1},
    {USB "1.3.2", "M02", FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 601, 0, 1},
    {USB "1.3.2", "M03", FOTA_RESULT_FAIL, FOTA_ERR_TRANSIENT, 522, 7, 2},
    {USB "1.3.1", "M04", FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, 0, 1},
    {USB "1.3.2", "M05", FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, 0, 1},
    {USB "1.4.1", "M06", FOTA_RESULT_INTERRUPTED, FOTA_ERR_NONE, 0, 0, 0},
    {USB "1.4.1", "M07", FOTA_RESULT_SKIP, FOTA_ERR_NONE, 0, 0, 0},
    {USB "4", "M08", FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, 0, 1},
    {"platform-serial8250-tty", "M09", FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0, 0, 0},
    {USB "1.3.1", "M10", FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, 0, 1},
    {USB "1.3.1", "M11", FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE, 552, 0, 1},
    {USB "1.3.1", "M12", FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE, 552, 0, 1},
};

static void add_row(fota_store_t *s, int k, const char *slot, const char *model, fota_result_t res,
                    fota_error_class_t cls, int code, int retries, int hops)
{
    fota_attempt_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.batch, sizeof a.batch, "L1");
    snprintf(a.station, sizeof a.station, "line3-st07");
    snprintf(a.imei, sizeof a.imei, "86%013d", k);
    snprintf(a.slot, sizeof a.slot, "%s", slot);
    snprintf(a.model, sizeof a.model, "%s", model);
    a.started_at_ms = FX_T0 + (int64_t)k * 60000;
    int64_t id;
    if (fota_store_attempt_begin(s, &a, &id) != 0)
        abort();
    a.result = res;
    a.error_class = cls;
    a.error_code = code;
    a.module_retries = retries;
    a.hops = hops;
    a.duration_ms = 1000;
    a.finished_at_ms = a.started_at_ms + 1000;
    if (fota_store_attempt_finish(s, id, &a) != 0)
        abort();
}

static int setup(void **state)
{
    (void)state;
    unlink(DB);
    fota_store_t *s;
    if (fota_store_open(DB, &s, NULL, 0) != 0)
        return -1;
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        add_row(s, (int)k + 1, rows[k].slot, rows[k].model, rows[k].result, rows[k].cls,
                rows[k].code, rows[k].retries, rows[k].hops);
    fota_store_close(s);
    /* The run behind them, as the station records it at start. */
    FILE *f = fopen("slots-job.yaml", "w");
    fputs("name: L1\n", f);
    fclose(f);
    fota_package_t pk = {.from = "A06", .to = "A08", .name = "a06-a08.zip", .sha256 = "ab12cd"};
    fota_target_t tg = {.packages = &pk, .n_packages = 1};
    fota_job_t job = {.source = "slots-job.yaml", .name = "L1", .station = "line3-st07",
                      .targets = &tg, .n_targets = 1};
    char err[256];
    if (fota_store_run_record(DB, &job, NULL, "op42", err, sizeof err) != 0)
        return -1;
    /* Older than every attempt, so the header keeps it. */
    sqlite3 *w;
    sqlite3_open(DB, &w);
    int rc = sqlite3_exec(w, "UPDATE runs SET started_at = '2025-11-23T12:00:00.000Z'", NULL, NULL,
                          NULL);
    sqlite3_close(w);
    return rc == SQLITE_OK ? 0 : -1;
}

static char *report(const char *format)
{
    if (fx_report("--db", DB, "--format", format, "-o", OUT, NULL) != 0)
        fail_msg("report --format %s failed", format);
    return fx_slurp(OUT);
}

static void load_groups_worst_first(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(DB, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    fota_report_sel_t sel = {NULL, NULL, NULL};
    fota_report_t *r;
    char err[256];
    assert_int_equal(fota_report_load(db, &sel, &r, err, sizeof err), 0);
    /* Hubs: 1.4 (0/1) and no hub (0/1), then 1.3 (4 PASS of 8 verdicts: 1.3.1
     * has the two package FAILs too), then the root hub (1/1). */
    assert_int_equal(r->n_hub, 4);
    assert_string_equal(r->by_hub[0].key, USB "1.4"); /* 0/1, 2 attempts */
    assert_string_equal(r->by_hub[1].key, "");        /* the UART, 0/1 */
    assert_string_equal(r->by_hub[2].key, USB "1.3");
    assert_int_equal(r->by_hub[2].n[FOTA_R_PASS], 4);
    assert_int_equal(fota_report_verdicts(&r->by_hub[2]), 8);
    assert_string_equal(r->by_hub[3].key, "pci-0000:00:14.0-usb-0");
    assert_int_equal(r->n_slot, 5);
    assert_string_equal(r->by_slot[0].key, USB "1.4.1");
    assert_string_equal(r->by_slot[2].key, USB "1.3.2"); /* 1/3 */
    assert_string_equal(r->by_slot[3].key, USB "1.3.1"); /* 3/5 */
    /* The rework row of the transient FAIL carries the module's own retries. */
    int found = 0;
    for (size_t i = 0; i < r->n_failed; i++)
        if (r->failed[i].error_code == 522) {
            found = 1;
            assert_int_equal(r->failed[i].module_retries, 7);
            assert_int_equal(r->failed[i].hops, 2);
        }
    assert_true(found);
    /* The same counts as the file's view an MES reads. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT pass, pass + fail + interrupted FROM hub_summary"
                                            " WHERE hub = '" USB "1.3'", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), r->by_hub[2].n[FOTA_R_PASS]);
    assert_int_equal(sqlite3_column_int64(st, 1), fota_report_verdicts(&r->by_hub[2]));
    sqlite3_finalize(st);
    fota_report_free(r);
    sqlite3_close(db);
}

static void text_has_hub_slot_trace_and_retries(void **state)
{
    (void)state;
    char *t = report("text");
    fx_has(t, "Selection: batch (all), since (all time), until (now) (times UTC)\n");
    fx_has(t, "  1 run started 2025-11-23T12:00:00.000Z\n");
    fx_has(t, "    stations    line3-st07\n");
    fx_has(t, "    operators   op42\n");
    fx_has(t, "    job         L1\n");
    /* sha256("name: L1\n") */
    fx_has(t, "    job sha256  310fe67ad03929c243315873f71289b003e7f1c8650a412aa3d8d931b5ce6a76");
    fx_has(t, "    software    fota-station ");
    fx_has(t, "    packages    ab12cd  a06-a08.zip (A06 -> A08)\n");
    fx_has(t, "By hub (worst first)\n");
    fx_has(t, "  1.4             2       0       0       1       1   0.0% (0/1)  " USB "1.4\n"
           "  (no hub)        1       0       1       0       0   0.0% (0/1)\n"
           "  1.3             8       4       4       0       0  50.0% (4/8)  " USB "1.3\n"
           "  root 0          1       1       0       0       0 100.0% (1/1)  pci-0000:00:14.0-usb-0\n");
    fx_has(t, "By slot (hub port; worst first)\n");
    fx_has(t, "  1.3.2                          3       1       2       0       0  33.3% (1/3)  " USB "1.3.2\n");
    fx_has(t, "  platform-serial8250-tty        1       0       1       0       0   0.0% (0/1)\n");
    /* The Pareto says it too, where the code's meaning is "retries". */
    fx_has(t, "transient         522       1  20.0% 100.0%  in a FAIL row: the module gave up after "
           "its own retries (module_retries)\n");
    /* A transient code that ended in FAIL: the module gave up, in words. */
    fx_has(t, "the module gave up after 7 retries of its own (module_retries = 7)");
    fx_has(t, "hops retries retests  attempt  reason");
    free(t);
}

static void json_and_csv_have_hubs(void **state)
{
    (void)state;
    char *t = report("json");
    fx_has(t, "\"by_hub\": [");
    fx_has(t, "{\"hub\": \"" USB "1.3\", \"label\": \"1.3\", \"attempts\": 8, \"pass\": 4, \"fail\": 4,");
    fx_has(t, "{\"slot\": \"" USB "1.3.2\", \"hub\": \"" USB "1.3\", \"label\": \"1.3.2\", \"attempts\": 3,");
    fx_has(t, "{\"slot\": \"platform-serial8250-tty\", \"hub\": null,");
    fx_has(t, "\"job_name\": \"L1\"");
    fx_has(t, "\"operator\": \"op42\"");
    fx_has(t, "\"hops\": 2, \"module_retries\": 7, \"reason_note\": \"the module gave up after 7 retries");
    fx_has(t, "\"transcript_sql\": \"SELECT t_ms, dir, text FROM events WHERE attempt_id = 3 ORDER BY rowid\"");
    free(t);
    t = report("csv");
    fx_has(t, ",duration_ms,hub,job_sha256,software_version\r\n");
    fx_has(t, "," USB "1.3.2,");
    /* Each row names its run's job file and software (the traceability header). */
#define RUN_SHA "310fe67ad03929c243315873f71289b003e7f1c8650a412aa3d8d931b5ce6a76"
    fx_has(t, ",1000," USB "1.3," RUN_SHA ",fota-station ");
    fx_has(t, ",1000,pci-0000:00:14.0-usb-0," RUN_SHA ",fota-station "); /* the root port */
    fx_has(t, ",1000,," RUN_SHA ",fota-station ");                      /* the UART: no hub */
    free(t);
}

static void html_lists_every_model_and_the_hubs(void **state)
{
    (void)state;
    char *t = report("html");
    const char *chart = strstr(t, "aria-label=\"Yield\"");
    assert_non_null(chart);
    const char *end = strstr(chart, "</svg>");
    char *svg = strndup(chart, (size_t)(end - chart));
    /* All twelve models, the two that passed nothing among them. */
    for (int m = 1; m <= 12; m++) {
        char name[32];
        snprintf(name, sizeof name, "<title>M%02d</title>", m);
        fx_has(svg, name);
    }
    fx_has(svg, "0.0% (0/1)");
    fx_lacks(svg, "more (see the table)");
    free(svg);
    fx_has(t, "aria-label=\"Yield by hub\"");
    fx_has(t, "<table class=\"grid\" aria-label=\"Yield by hub and port\">");
    /* A 0 % hub: that chart's axis starts at 0. */
    fx_has(t, "pass rate, % (axis from 0%)");
    fx_has(t, "<h2>By hub (worst first)</h2>");
    fx_has(t, "<span title=\"" USB "1.3.2\">1.3.2</span>");
    fx_has(t, "<td class=\"mono nw\">860000000000003</td>"); /* the IMEI on one line */
    fx_has(t, "title=\"SELECT t_ms, dir, text FROM events WHERE attempt_id = 3 ORDER BY rowid\">events #3");
    fx_has(t, "<b>the module gave up after 7 retries of its own (module_retries = 7)</b>");
    /* The folded run header: one row for the one run. */
    fx_has(t, "<td class=\"mono\">310fe67ad03929c243315873f71289b003e7f1c8650a412aa3d8d931b5ce6a76</td>");
    fx_lacks(t, "<script");
    fx_lacks(t, "http://");
    fx_lacks(t, "https://");
    free(t);
}

/* More models than the chart takes: the worst 30 are drawn, the rest named as a count. */
static void html_chart_caps_with_and_more(void **state)
{
    (void)state;
    unlink(MANY);
    fota_store_t *s;
    assert_int_equal(fota_store_open(MANY, &s, NULL, 0), 0);
    for (int k = 1; k <= 40; k++) {
        char model[16];
        snprintf(model, sizeof model, "X%02d", k);
        add_row(s, k, USB "1.1", model, k == 40 ? FOTA_RESULT_FAIL : FOTA_RESULT_PASS,
                k == 40 ? FOTA_ERR_DOWNLOAD : FOTA_ERR_NONE, k == 40 ? 601 : 0, 0, 1);
    }
    fota_store_close(s);
    assert_int_equal(fx_report("--db", MANY, "--format", "html", "-o", OUT, NULL), 0);
    char *t = fx_slurp(OUT);
    const char *chart = strstr(t, "aria-label=\"Yield\"");
    char *svg = strndup(chart, (size_t)(strstr(chart, "</svg>") - chart));
    fx_has(svg, "<title>X40</title>"); /* the failing model is drawn, though it came last */
    fx_has(svg, "and 10 more (see the table)");
    free(svg);
    free(t);
}

static void until_selects_before(void **state)
{
    (void)state;
    /* Row k starts FX_T0 + k min (12:13:20 + k min): until 12:17:20 keeps rows 1..3. */
    assert_int_equal(fx_report("--db", DB, "--until", "2025-11-23T12:17:20Z", "--format", "json", "-o",
                         OUT, NULL), 0);
    char *t = fx_slurp(OUT);
    fx_has(t, "\"until\": \"2025-11-23T12:17:20.000Z\"");
    fx_has(t, "\"attempts\": 3,");
    free(t);
    /* Local time with its zone, and with --since: rows 2 and 3. */
    assert_int_equal(fx_report("--db", DB, "--since", "2025-11-23T13:15:20+01:00", "--until",
                         "2025-11-23T13:17:20+01:00", "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "since 2025-11-23T12:15:20.000Z, until 2025-11-23T12:17:20.000Z (times UTC)");
    fx_has(t, "attempts 2:");
    free(t);
    assert_int_equal(fx_report("--db", DB, "--since", "2025-11-24", "--until", "2025-11-23", NULL), 2);
    assert_int_equal(fx_report("--db", DB, "--until", "yesterday", NULL), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_groups_worst_first),
        cmocka_unit_test(text_has_hub_slot_trace_and_retries),
        cmocka_unit_test(json_and_csv_have_hubs),
        cmocka_unit_test(html_lists_every_model_and_the_hubs),
        cmocka_unit_test(html_chart_caps_with_and_more),
        cmocka_unit_test(until_selects_before),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
