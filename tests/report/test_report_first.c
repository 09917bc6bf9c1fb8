/* The report's first page for a supervisor with a month of batches: the
 * per-batch table, the trend per day, identical run headers folded, and the
 * hub x port grid with every port of every hub; in the model and as each
 * format renders it.
 *
 * Fixtures: report.db (report_fixture.c: batches B1 and B2, one day), and
 * line.db: 13 batches L01..L13 on 13 days, each one run of the same job,
 * software and packages, one attempt on every port of 12 hubs x 7 ports
 * ("…-usb-0:1.<hub>.<port>"); hub 12 fails every third module, port 7 of
 * every hub fails in L04, L08 and L12. */
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

#include "iso_time.h"
#include "report_fixture.h"
#include "report_model.h"
#include "store.h"

#define FX "first.db"
#define LINE "line.db"
#define OUT "first.out"
#define USB "pci-0000:00:14.0-usb-0:1."
#define DAY_MS 86400000LL

static bool line_fails(int b, int hub, int port, int k)
{
    return (hub == 12 && k % 3 == 0) || (port == 7 && b % 4 == 0);
}

static void build_line(void)
{
    unlink(LINE);
    fota_store_t *s;
    if (fota_store_open(LINE, &s, NULL, 0) != 0)
        abort();
    for (int b = 1; b <= 13; b++)
        for (int k = 0; k < 84; k++) {
            int hub = 1 + k / 7, port = 1 + k % 7;
            fota_attempt_t a;
            memset(&a, 0, sizeof a);
            snprintf(a.batch, sizeof a.batch, "L%02d", b);
            snprintf(a.station, sizeof a.station, "st1");
            snprintf(a.imei, sizeof a.imei, "86%05d%08d", b, k);
            snprintf(a.slot, sizeof a.slot, USB "%d.%d", hub, port);
            snprintf(a.model, sizeof a.model, "RM500Q");
            a.started_at_ms = FX_T0 + (int64_t)(b - 1) * DAY_MS + (int64_t)k * 60000;
            int64_t id;
            if (fota_store_attempt_begin(s, &a, &id) != 0)
                abort();
            bool fail = line_fails(b, hub, port, k);
            a.result = fail ? FOTA_RESULT_FAIL : FOTA_RESULT_PASS;
            a.error_class = fail ? FOTA_ERR_DOWNLOAD : FOTA_ERR_NONE;
            a.error_code = fail ? 601 : 0;
            a.duration_ms = 300000 + k * 1000;
            a.finished_at_ms = a.started_at_ms + a.duration_ms;
            if (fota_store_attempt_finish(s, id, &a) != 0)
                abort();
        }
    fota_store_close(s);
    /* One run a batch, as the station records it, each just before its batch. */
    sqlite3 *w;
    if (sqlite3_open(LINE, &w) != SQLITE_OK)
        abort();
    for (int b = 1; b <= 13; b++) {
        char sql[512], at[FOTA_ISO_LEN];
        fota_iso_format(FX_T0 + (int64_t)(b - 1) * DAY_MS - 60000, at);
        snprintf(sql, sizeof sql,
                 "INSERT INTO runs (started_at, batch, station, operator, job_name, job_path,"
                 " job_sha256, software_version, packages) VALUES ('%s', 'L%02d', 'st1', 'op42',"
                 " 'line', 'job.yaml', 'aa11', 'fota-station 0.1.0', 'ab12  a.zip (A06 -> A08)')",
                 at, b);
        if (sqlite3_exec(w, sql, NULL, NULL, NULL) != SQLITE_OK)
            abort();
    }
    sqlite3_close(w);
}

static int setup(void **state)
{
    (void)state;
    fx_build(FX);
    build_line();
    return 0;
}

static fota_report_t *load(const char *path, const char *batch)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("open %s", path);
    fota_report_sel_t sel = {batch, NULL, NULL};
    fota_report_t *r = NULL;
    char err[256] = "";
    if (fota_report_load(db, &sel, &r, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    sqlite3_close(db);
    return r;
}

static char *report(const char *path, const char *format)
{
    if (fx_report("--db", path, "--format", format, "-o", OUT, NULL) != 0)
        fail_msg("report --format %s failed", format);
    return fx_slurp(OUT);
}

/* The per-batch rows hold batch_summary's figures for each batch. */
static void batches_match_batch_summary(void **state)
{
    (void)state;
    fota_report_t *r = load(FX, NULL);
    assert_int_equal(r->n_batches, 2);
    const fota_report_batch_t *b1 = &r->batches[0], *b2 = &r->batches[1];
    assert_string_equal(b1->batch, "B1");
    assert_int_equal(b1->attempts, 12);
    assert_int_equal(b1->modules, 8);    /* m1..m6, m8 and the IMEI-less attempt */
    assert_int_equal(b1->first_pass, 3); /* m1 m5 m8 */
    assert_int_equal(b1->final_pass, 4); /* + m2 after rework */
    assert_int_equal(b1->fail, 3);       /* m3, m4, the IMEI-less one */
    assert_int_equal(b1->interrupted, 1);
    assert_int_equal(b1->running, 1);
    assert_string_equal(b1->first_started, "2025-11-23T12:14:20.000Z");
    assert_string_equal(b2->batch, "B2");
    assert_int_equal(b2->modules, 3);
    assert_int_equal(b2->first_pass, 2);
    assert_int_equal(b2->fail, 1);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(FX, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT batch, modules, pass, fail, interrupted"
                                            " FROM batch_summary ORDER BY batch", -1, &st, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), r->batches[i].batch);
        assert_int_equal(sqlite3_column_int64(st, 1), r->batches[i].modules);
        assert_int_equal(sqlite3_column_int64(st, 2), r->batches[i].pass);
        assert_int_equal(sqlite3_column_int64(st, 3), r->batches[i].fail);
        assert_int_equal(sqlite3_column_int64(st, 4), r->batches[i].interrupted);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    fota_report_free(r);
}

/* An IMEI read as '' is no IMEI: each such verdict is a module alone in the
 * per-batch rows, whether they come from the kept batch_modules (no time
 * selection) or from grouping the selected attempts (--since). */
static void batch_modules_empty_imei_alone(void **state)
{
    (void)state;
    static const char path[] = "first-empty-imei.db";
    unlink(path);
    fx_build(path);
    sqlite3 *w;
    assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(w,
                     "INSERT INTO attempts (batch, station, slot, imei, started_at, finished_at,"
                     " result) VALUES"
                     " ('E', 'st1', 'a', '', '2025-11-24T08:00:00.000Z',"
                     "  '2025-11-24T08:05:00.000Z', 'PASS'),"
                     " ('E', 'st1', 'a', '', '2025-11-24T08:10:00.000Z',"
                     "  '2025-11-24T08:15:00.000Z', 'FAIL')",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(w);
    for (int timed = 0; timed < 2; timed++) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        fota_report_sel_t sel = {"E", timed ? "2025-11-24T00:00:00.000Z" : NULL, NULL};
        fota_report_t *r = NULL;
        char err[256] = "";
        assert_int_equal(fota_report_load(db, &sel, &r, err, sizeof err), 0);
        sqlite3_close(db);
        assert_int_equal(r->n_batches, 1);
        assert_int_equal(r->batches[0].modules, 2);
        assert_int_equal(r->batches[0].first_pass, 1);
        assert_int_equal(r->batches[0].final_pass, 1);
        assert_int_equal(r->batches[0].fail, 1);
        assert_int_equal(r->modules, 2); /* the totals' definition */
        fota_report_free(r);
    }
    unlink(path);
}

static void trend_per_day_and_folded_runs(void **state)
{
    (void)state;
    fota_report_t *r = load(LINE, NULL);
    assert_int_equal(r->n_trend, 13);
    assert_string_equal(r->trend[0].day, "2025-11-23");
    assert_string_equal(r->trend[12].day, "2025-12-05");
    assert_int_equal(r->trend[0].attempts, 84);
    /* L04 (day 4): hub 12's every third module and every port 7. */
    int64_t fails = 0;
    for (int k = 0; k < 84; k++)
        fails += line_fails(4, 1 + k / 7, 1 + k % 7, k);
    assert_int_equal(r->trend[3].fail, fails);
    assert_int_equal(r->trend[3].pass, 84 - fails);
    /* 13 runs, one header. */
    assert_int_equal(r->n_runs, 13);
    assert_int_equal(r->n_runfolds, 1);
    assert_int_equal(r->runfolds[0].runs, 13);
    assert_string_equal(r->runfolds[0].job_sha256, "aa11");
    assert_string_equal(r->runfolds[0].first_started, "2025-11-23T12:12:20.000Z");
    assert_string_equal(r->runfolds[0].last_started, "2025-12-05T12:12:20.000Z");
    assert_string_equal(r->runfolds[0].stations, "st1");
    fota_report_free(r);
}

/* Where the first occurrence of s is, in lines from the top; fails when absent. */
static int line_of(const char *doc, const char *s)
{
    const char *p = strstr(doc, s);
    if (!p)
        fail_msg("missing [%s] in:\n%s", s, doc);
    int n = 0;
    for (const char *q = doc; q < p; q++)
        n += *q == '\n';
    return n;
}

/* The text report opens with the selection, the KPIs and the batch table. */
static void text_first_page_first(void **state)
{
    (void)state;
    char *t = report(LINE, "text");
    assert_true(line_of(t, "Totals\n") < 8);
    assert_true(line_of(t, "first-pass yield") < 10);
    assert_true(line_of(t, "to rework ") < 12);
    assert_true(line_of(t, "upgrade time (PASS, total) median ") < 12);
    int batches = line_of(t, "By batch (13)\n");
    assert_true(batches < 14);
    assert_true(line_of(t, "\n  L13 ") < batches + 16);
    assert_true(line_of(t, "Trend per day (UTC; the jobs define no shifts)\n") < line_of(t, "By model"));
    fx_has(t, "  13 runs started 2025-11-23T12:12:20.000Z .. 2025-12-05T12:12:20.000Z\n");
    fx_lacks(t, "Run started");
    free(t);
}

/* Every port of every hub in the HTML grid, each with its count, yield and an
 * accessible title; the hub chart shows every hub on an axis from the data. */
static void html_grid_every_port_of_every_hub(void **state)
{
    (void)state;
    char *t = report(LINE, "html");
    const char *grid = strstr(t, "<table class=\"grid\"");
    assert_non_null(grid);
    for (int hub = 1; hub <= 12; hub++)
        for (int port = 1; port <= 7; port++) {
            char want[128];
            snprintf(want, sizeof want, "title=\"hub 1.%d port %d (" USB "%d.%d): pass rate ", hub,
                     port, hub, port);
            fx_has(grid, want);
        }
    /* Hub 12, port 1: 13 attempts, modules k = 77 in every batch: 77 % 3 != 0,
     * so only L04, L08, L12's port-7 rule could fail it, and port 1 is not 7. */
    fx_has(grid, "(" USB "12.1): pass rate 100.0% (13/13), 13 attempts\">13<br>100.0%</td>");
    fx_lacks(t, "more (see the table)");
    const char *hubs = strstr(t, "aria-label=\"Yield by hub\"");
    assert_non_null(hubs);
    for (int hub = 1; hub <= 12; hub++) {
        char want[64];
        snprintf(want, sizeof want, "<title>" USB "%d</title>", hub);
        fx_has(hubs, want);
    }
    fx_lacks(hubs, "pass rate, % (axis from 0%)"); /* the worst hub is far above 0 */
    fx_has(hubs, "pass rate, % (axis from ");
    /* Page 1 order: tiles, then the batch table, before any chart. */
    assert_true(strstr(t, "<h2>By batch (13)</h2>") < strstr(t, "<h2>Charts</h2>"));
    assert_true(strstr(t, "first-pass yield</span>") < strstr(t, "<h2>By batch (13)</h2>"));
    fx_has(t, "@media print{");
    free(t);
}

static void json_first_page(void **state)
{
    (void)state;
    char *t = report(LINE, "json");
    assert_true(strncmp(t, "{\n  \"schema\": 2,\n", 17) == 0);
    fx_has(t, "\"batches\": [\n    {\"batch\": \"L01\", \"stations\": \"st1\", ");
    fx_has(t, "\"trend\": {\"per\": \"day\"");
    fx_has(t, "{\"day\": \"2025-12-05\", \"attempts\": 84,");
    fx_has(t, "\"run_headers\": [\n    {\"runs\": 13, \"job_name\": \"line\", \"job_sha256\": \"aa11\"");
    fx_has(t, "\"hub_port_grid\": {\"ports\": [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\"], ");
    fx_has(t, "\"label\": \"1.12\", \"cells\": [{\"attempts\": 13,");
    fx_has(t, "\"to_rework\": ");
    fx_has(t, "\"upgrade_ms_median\": ");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batches_match_batch_summary),
        cmocka_unit_test(batch_modules_empty_imei_alone),
        cmocka_unit_test(trend_per_day_and_folded_runs),
        cmocka_unit_test(text_first_page_first),
        cmocka_unit_test(html_grid_every_port_of_every_hub),
        cmocka_unit_test(json_first_page),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
