/* Report figures against hand-counted expectations on the fixture
 * (report_fixture.c lists the rows and the reasoning). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_fixture.h"
#include "report_model.h"
#include "report_stats.h"

#define DB "report.db"

static sqlite3 *db;

static int setup(void **state)
{
    (void)state;
    fx_build(DB);
    return sqlite3_open_v2(DB, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    return 0;
}

static fota_report_t *load(const char *batch, const char *since)
{
    fota_report_sel_t sel = {batch, since, NULL};
    fota_report_t *r = NULL;
    char err[256] = "";
    if (fota_report_load(db, &sel, &r, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    return r;
}

static char *render(void (*fn)(const fota_report_t *, FILE *), const fota_report_t *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(r, f);
    fclose(f);
    return buf;
}

static void batch_totals_and_yields(void **state)
{
    (void)state;
    fota_report_t *r = load("B1", NULL);
    assert_int_equal(r->attempts, 12);
    assert_int_equal(r->n[FOTA_R_PASS], 4);
    assert_int_equal(r->noop, 1);
    assert_int_equal(r->n[FOTA_R_FAIL], 5);
    assert_int_equal(r->n[FOTA_R_SKIP], 1);
    assert_int_equal(r->n[FOTA_R_INTERRUPTED], 1);
    assert_int_equal(r->n[FOTA_R_RUNNING], 1);
    /* m1 m2 m3 m4 m5 m6 m8 and the IMEI-less attempt; m7 (SKIP only) and m9
     * (running) have no verdict and are not in the denominator. */
    assert_int_equal(r->modules, 8);
    assert_int_equal(r->first_pass, 3);  /* m1 m5 m8 */
    assert_int_equal(r->final_pass, 4);  /* + m2 after rework, counted once */
    assert_int_equal(r->retested_modules, 2); /* m2 m4 */

    char *json = render(fota_report_write_json, r);
    fx_has(json, "\"modules\": 8, \"first_pass\": 3, \"final_pass\": 4, \"retested_modules\": 2, "
              "\"first_pass_yield\": 0.3750, \"final_yield\": 0.5000, \"to_rework\": 4");
    free(json);
    char *text = render(fota_report_write_text, r);
    fx_has(text, "attempts 12: PASS 4 (noop 1), FAIL 5, SKIP 1, INTERRUPTED 1, running 1");
    /* The dashboard's form: "37.5% (3/8)". */
    fx_has(text, "modules 8: first-pass yield  37.5% (3/8), final yield  50.0% (4/8), retested 2, still failing 4");
    free(text);
    fota_report_free(r);
}

static void whole_database_counts_each_module_once(void **state)
{
    (void)state;
    fota_report_t *r = load(NULL, NULL);
    assert_int_equal(r->attempts, 15);
    assert_int_equal(r->modules, 10);
    assert_int_equal(r->first_pass, 4);
    assert_int_equal(r->final_pass, 5);
    assert_int_equal(r->retested_modules, 3); /* m1 was retested in B2 */
    /* PASS non-noop totals 300 350 380 400 420 s: nearest-rank median = 3rd. */
    assert_int_equal(r->dur[FOTA_DUR_TOTAL].n, 5);
    assert_int_equal(r->dur[FOTA_DUR_TOTAL].median, 380000);
    assert_int_equal(r->dur[FOTA_DUR_TOTAL].p95, 420000);
    char *json = render(fota_report_write_json, r);
    fx_has(json, "\"first_pass_yield\": 0.4000, \"final_yield\": 0.5000");
    fx_has(json, "{\"error_class\": \"download\", \"error_code\": 601, \"meaning\": \"FTP unknown error\", "
              "\"count\": 3, \"share\": 0.5000, \"cumulative\": 0.5000}");
    fx_has(json, "\"count\": 1, \"share\": 0.1667, \"cumulative\": 1.0000}]");
    free(json);
    fota_report_free(r);
}

static void pareto_order_and_meaning(void **state)
{
    (void)state;
    fota_report_t *r = load("B1", NULL);
    assert_int_equal(r->pareto_total, 5);
    assert_int_equal(r->n_pareto, 4);
    /* By count, then class name: download 601 x2 first; the meaning comes from
     * the row that had one (row 3 stored none). */
    assert_string_equal(r->pareto[0].error_class, "download");
    assert_int_equal(r->pareto[0].error_code, 601);
    assert_int_equal(r->pareto[0].count, 2);
    assert_string_equal(r->pareto[0].meaning, "FTP unknown error");
    assert_string_equal(r->pareto[1].error_class, "package");
    assert_int_equal(r->pareto[1].error_code, 552);
    assert_string_equal(r->pareto[1].meaning, "package version mismatch");
    assert_string_equal(r->pareto[2].error_class, "protocol");
    assert_string_equal(r->pareto[3].error_class, "timeout");
    assert_string_equal(r->pareto[3].meaning, "update stalled at 42%");
    char *text = render(fota_report_write_text, r);
    fx_has(text, "    1 download          601       2  40.0%  40.0%  FTP unknown error");
    fx_has(text, "    4 timeout             0       1  20.0% 100.0%  update stalled at 42%");
    free(text);
    fota_report_free(r);
}

static void durations_median_p95(void **state)
{
    (void)state;
    fota_report_t *r = load("B1", NULL);
    /* PASS attempts that did work: rows 1, 5, 8 (row 10 is a noop). */
    assert_int_equal(r->dur[FOTA_DUR_TOTAL].n, 3);
    assert_int_equal(r->dur[FOTA_DUR_TOTAL].median, 400000);
    assert_int_equal(r->dur[FOTA_DUR_TOTAL].p95, 420000);
    assert_int_equal(r->dur[FOTA_DUR_DOWNLOAD].median, 100000);
    assert_int_equal(r->dur[FOTA_DUR_DOWNLOAD].p95, 110000);
    assert_int_equal(r->dur[FOTA_DUR_UPDATE].median, 200000);
    assert_int_equal(r->dur[FOTA_DUR_UPDATE].min, 120000);
    char *json = render(fota_report_write_json, r);
    fx_has(json, "\"total\": {\"n\": 3, \"median\": 400000, \"p95\": 420000, \"min\": 300000, \"max\": 420000}");
    free(json);
    char *text = render(fota_report_write_text, r);
    fx_has(text, "  total             3     400.0     420.0     420.0");
    free(text);
    fota_report_free(r);
}

static void groups_by_model_and_revision(void **state)
{
    (void)state;
    fota_report_t *r = load("B1", NULL);
    assert_int_equal(r->n_model, 3);
    assert_string_equal(r->by_model[0].key, "RM500Q");
    assert_int_equal(r->by_model[0].attempts, 6);
    assert_int_equal(r->by_model[0].n[FOTA_R_PASS], 3);
    assert_string_equal(r->by_model[1].key, "EC200T");
    assert_int_equal(r->by_model[1].n[FOTA_R_INTERRUPTED], 1);
    assert_string_equal(r->by_model[2].key, "");
    char *json = render(fota_report_write_json, r);
    fx_has(json, "{\"model\": \"RM500Q\", \"attempts\": 6, \"pass\": 3, \"fail\": 2, \"skip\": 1, "
              "\"interrupted\": 0, \"running\": 0, \"pass_rate\": 0.6000}");
    fx_has(json, "{\"model\": \"EC200T\", \"attempts\": 4, \"pass\": 1, \"fail\": 2, \"skip\": 0, "
              "\"interrupted\": 1, \"running\": 0, \"pass_rate\": 0.2500}");
    fx_has(json, "{\"from\": \"A06\", \"to\": \"A08\", \"attempts\": 5, \"pass\": 2, \"fail\": 2, \"skip\": 1");
    fx_has(json, "{\"from\": \"A07\", \"to\": \"A08\", \"attempts\": 1, \"pass\": 1,");
    free(json);
    char *text = render(fota_report_write_text, r);
    fx_has(text, "  A06 -> A08 ");
    fx_has(text, "  V01 -> V03 ");
    free(text);
    fota_report_free(r);
}

static void rework_list(void **state)
{
    (void)state;
    fota_report_t *r = load("B1", NULL);
    /* Latest verdict not PASS, in the order the failing attempts ran. */
    assert_int_equal(r->n_failed, 4);
    assert_string_equal(r->failed[0].imei, "m3");
    assert_string_equal(r->failed[0].slot, "hub1-3");
    assert_string_equal(r->failed[0].error_class, "download");
    /* m3's row stored no reason: the code's meaning comes from another row. */
    assert_string_equal(r->failed[0].error_text, "FTP unknown error");
    assert_string_equal(r->failed[1].imei, "m6");
    assert_string_equal(r->failed[1].result, "INTERRUPTED");
    assert_string_equal(r->failed[2].imei, "m4");
    assert_int_equal(r->failed[2].retests, 1);
    assert_string_equal(r->failed[2].error_text, "update stalled at 42%");
    assert_string_equal(r->failed[3].imei, "");
    assert_string_equal(r->failed[3].slot, "hub1-11");
    char *text = render(fota_report_write_text, r);
    fx_has(text, "Modules to rework (latest verdict not PASS): 4");
    /* Columns as wide as their longest entry; hops, module retries, retests, attempt id. */
    fx_has(text, "  IMEI      slot    model  result      class/code   hops retries retests  attempt  reason\n");
    fx_has(text, "  m4        hub1-9  EC200T FAIL        timeout/0       0       0       1        9  update stalled at 42%\n");
    free(text);
    fota_report_free(r);
}

static void since_selects_by_start_time(void **state)
{
    (void)state;
    fota_report_t *r = load(NULL, "2025-11-23T12:26:20.000Z"); /* rows 13..15 */
    assert_int_equal(r->attempts, 3);
    assert_int_equal(r->modules, 3);
    assert_int_equal(r->first_pass, 2);
    fota_report_free(r);
    r = load("B1", "2025-11-23T12:26:20.000Z");
    assert_int_equal(r->attempts, 0);
    char *text = render(fota_report_write_text, r);
    fx_has(text, "No attempts match.");
    free(text);
    char *json = render(fota_report_write_json, r);
    fx_has(json, "\"first_pass_yield\": null");
    free(json);
    fota_report_free(r);
}

/* Nearest rank: value at rank ceil(p * n / 100); even counts take the lower
 * middle; duplicates and any input order are fine. */
static void nearest_rank_median_p95(void **state)
{
    (void)state;
    static const struct {
        int64_t in[20];
        size_t n;
        int64_t median, p95;
    } cases[] = {
        {{7}, 1, 7, 7},
        {{9, 4}, 2, 4, 9},
        {{5, 5, 5, 1}, 4, 5, 5},
        {{20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 20, 10, 19},
        {{3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 100}, 20, 2, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fota_vec_t v = {0};
        for (size_t k = 0; k < cases[i].n; k++)
            assert_int_equal(fota_report_stats_vec_push(&v, cases[i].in[k]), 0);
        fota_report_dur_t d;
        fota_report_stats_dur_summarise(&v, &d);
        assert_int_equal(d.n, (int64_t)cases[i].n);
        assert_int_equal(d.median, cases[i].median);
        assert_int_equal(d.p95, cases[i].p95);
        free(v.v);
    }
    fota_vec_t empty = {0};
    fota_report_dur_t d;
    fota_report_stats_dur_summarise(&empty, &d);
    assert_int_equal(d.n, 0);
}

static void plan_of(const char *sql, char *plan, size_t len)
{
    sqlite3_stmt *st;
    char q[1024];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    plan[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(st, 3), len - strlen(plan) - 2);
        strcat(plan, ";");
    }
    sqlite3_finalize(st);
}

/* The whole-database report reads two covering indexes in (imei, id) order:
 * no sort and no pass over the wide rows (that is what keeps a million
 * attempts fast; bench/RESULTS.md has the figures). The queries are the
 * ones in reports/report_load.c. */
static void whole_scan_uses_the_module_indexes(void **state)
{
    (void)state;
    char plan[512];
    plan_of("SELECT id, imei, model, from_version, to_version, result, noop, download_ms,"
            " update_ms, duration_ms FROM attempts ORDER BY imei, id",
            plan, sizeof plan);
    fx_has(plan, "COVERING INDEX attempts_module");
    if (strstr(plan, "TEMP B-TREE"))
        fail_msg("report scan sorts: %s", plan);
    plan_of("SELECT id, error_class, error_code, error_text, slot, batch, finished_at, imei, model,"
            " result, hops, module_retries FROM attempts WHERE result IN ('FAIL','INTERRUPTED')"
            " ORDER BY imei, id",
            plan, sizeof plan);
    fx_has(plan, "COVERING INDEX attempts_failed");
    if (strstr(plan, "TEMP B-TREE"))
        fail_msg("failure scan sorts: %s", plan);
    /* Yield per slot and hub (reports/report_slots.c): the slot index alone. */
    plan_of("SELECT slot, sum(result = 'PASS'), sum(result = 'FAIL'), sum(result = 'SKIP'),"
            " sum(result = 'INTERRUPTED'), sum(result IS NULL), count(*), station, operator"
            " FROM attempts GROUP BY slot, station, operator",
            plan, sizeof plan);
    fx_has(plan, "COVERING INDEX attempts_slot");
    if (strstr(plan, "TEMP B-TREE"))
        fail_msg("slot pass sorts: %s", plan);
}

/* A stored value with a raw C1 byte (0x9b is CSI on an 8-bit terminal), its UTF-8
 * form (C2 9B), an ESC and invalid UTF-8 reaches the terminal as '?'; real UTF-8
 * text stays, and the columns still line up (one per character). */
static void text_report_escapes_c1_and_invalid_utf8(void **state)
{
    (void)state;
    fota_report_failed_t x = {
        .imei = "865", .slot = "s\xc3\xa9", .model = "M\x9b" "2J", .result = "FAIL",
        .error_class = "", .error_text = "a\x1b[2Jb\xc2\x9b" "c\xff\xfe\xe2\x82" "d \xe2\x82\xac"};
    fota_report_t r;
    memset(&r, 0, sizeof r);
    r.attempts = 1;
    r.failed = &x;
    r.n_failed = 1;
    r.sel.since = "2026\x9b" "1m";
    char *doc = render(fota_report_write_text, &r);
    print_message("%s", doc);
    for (const unsigned char *p = (const unsigned char *)doc; *p; p++) {
        if (*p == 0x1b || (*p >= 0x80 && *p <= 0x9f && p[-1] != 0xe2 && p[-1] != 0xc3))
            fail_msg("raw control byte 0x%02x at offset %td", *p, (const char *)p - doc);
    }
    fx_has(doc, "a?[2Jb?c????d \xe2\x82\xac\n"); /* ESC, C2 9B, FF, FE, cut E2 82; the euro stays */
    fx_has(doc, " s\xc3\xa9" "   M?2J"); /* the slot's column: 4 wide ("slot"), "sé" is 2 */
    fx_has(doc, "since 2026?1m");
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_totals_and_yields),
        cmocka_unit_test(whole_database_counts_each_module_once),
        cmocka_unit_test(pareto_order_and_meaning),
        cmocka_unit_test(durations_median_p95),
        cmocka_unit_test(groups_by_model_and_revision),
        cmocka_unit_test(rework_list),
        cmocka_unit_test(since_selects_by_start_time),
        cmocka_unit_test(whole_scan_uses_the_module_indexes),
        cmocka_unit_test(nearest_rank_median_p95),
        cmocka_unit_test(text_report_escapes_c1_and_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
