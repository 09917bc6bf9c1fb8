/* Schema 7: the slot's hub in SQL and in C agree, the views count yield per
 * slot and per hub, a URL package's missing digest is NULL (never "-"), a
 * schema-6 file opens and is migrated, and the station's start is recorded in
 * `runs` with the job file's hash and the version --version prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "slot_hub.h"
#include "slot_hub_cases.h"
#include "store.h"
#include "store_runs.h"
#include "store_schema.h"
#include "store_test_util.h"

#define USB "pci-0000:00:14.0-usb-0:"

static void assert_text(sqlite3 *db, const char *sql, const char *want)
{
    char *got = tu_text(db, sql);
    if (!want) {
        if (got)
            fail_msg("%s: want NULL, got [%s]", sql, got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: want [%s], got [%s]", sql, want, got ? got : "NULL");
    free(got);
}

static void hub_rule_agrees_in_c_and_sql(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT " FOTA_SLOT_HUB_SQL " FROM (SELECT ?1 AS slot)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < SLOT_HUB_N_CASES; i++) {
        char hub[256];
        bool has = fota_slot_hub(slot_hub_cases[i][0], hub, sizeof hub);
        if (slot_hub_cases[i][1] ? !has || strcmp(hub, slot_hub_cases[i][1]) != 0 : has)
            fail_msg("C: %s -> [%s], want [%s]", slot_hub_cases[i][0], has ? hub : "none",
                     slot_hub_cases[i][1] ? slot_hub_cases[i][1] : "none");
        sqlite3_bind_text(st, 1, slot_hub_cases[i][0], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        const char *sql = (const char *)sqlite3_column_text(st, 0);
        if (slot_hub_cases[i][1] ? !sql || strcmp(sql, slot_hub_cases[i][1]) != 0 : sql != NULL)
            fail_msg("SQL: %s -> [%s], want [%s]", slot_hub_cases[i][0], sql ? sql : "NULL",
                     slot_hub_cases[i][1] ? slot_hub_cases[i][1] : "NULL");
        sqlite3_reset(st);
        /* the question the by-path parser asks: a hub port is a slot with a hub */
        assert_int_equal(fota_slot_hub(slot_hub_cases[i][0], NULL, 0), slot_hub_cases[i][1] != NULL);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    char label[64];
    assert_string_equal(fota_slot_label(USB "1.3.2", label, sizeof label), "1.3.2");
    assert_string_equal(fota_slot_label("pci-0000:00:14.0-usb-0", label, sizeof label), "root 0");
    assert_string_equal(fota_slot_label("hub1-3", label, sizeof label), "hub1-3");
}

static void add(fota_store_t *s, const char *imei, const char *slot, fota_result_t res,
                const char *digests)
{
    static int64_t t = 1763900000000LL;
    fota_attempt_t a;
    tu_attempt(&a, imei, "B7", t += 60000);
    snprintf(a.slot, sizeof a.slot, "%s", slot);
    snprintf(a.package_sha256, sizeof a.package_sha256, "%s", digests);
    int64_t id;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    a.result = res;
    a.finished_at_ms = a.started_at_ms + 1000;
    assert_int_equal(fota_store_attempt_finish(s, id, &a), 0);
}

static void views_count_yield_per_slot_and_hub(void **state)
{
    (void)state;
    tu_remove_db("hub.db");
    fota_store_t *s;
    assert_int_equal(fota_store_open("hub.db", &s, NULL, 0), 0);
    add(s, "861", USB "1.3.1", FOTA_RESULT_PASS, "-");
    add(s, "862", USB "1.3.2", FOTA_RESULT_FAIL, "-,-");
    add(s, "863", USB "1.3.2", FOTA_RESULT_FAIL, "ab12,cd34");
    add(s, "864", USB "1.3.2", FOTA_RESULT_SKIP, "");
    add(s, "865", USB "1.4.1", FOTA_RESULT_INTERRUPTED, "");
    add(s, "866", "platform-serial8250-tty", FOTA_RESULT_PASS, "");
    sqlite3 *r = tu_reader("hub.db");
    /* A URL package has no local bytes to hash: NULL, not "-". */
    assert_text(r, "SELECT package_sha256 FROM attempts WHERE imei = '861'", NULL);
    assert_text(r, "SELECT package_sha256 FROM attempts WHERE imei = '862'", NULL);
    assert_text(r, "SELECT package_sha256 FROM attempts WHERE imei = '863'", "ab12,cd34");
    assert_text(r, "SELECT hub FROM attempts_hub WHERE imei = '862'", USB "1.3");
    assert_text(r, "SELECT hub FROM attempts_hub WHERE imei = '866'", NULL);
    /* Yield per slot: PASS / (PASS + FAIL + INTERRUPTED); SKIP is not a verdict. */
    assert_text(r, "SELECT attempts || ' ' || pass || '/' || (pass + fail + interrupted) || ' ' || yield"
                   " FROM slot_summary WHERE slot = '" USB "1.3.2'", "3 0/2 0.0");
    assert_text(r, "SELECT slots || ' ' || attempts || ' ' || yield FROM hub_summary"
                   " WHERE hub = '" USB "1.3'", "2 4 0.3333");
    assert_text(r, "SELECT slots || ' ' || yield FROM hub_summary WHERE hub IS NULL", "1 1.0");
    assert_text(r, "SELECT station FROM hub_summary WHERE hub = '" USB "1.4'", "line3-st1");
    sqlite3_close(r);
    fota_store_close(s);
}

/* A file as a schema-6 station left it: "-" digests, no runs, no views. */
static void schema_6_file_opens_and_migrates(void **state)
{
    (void)state;
    tu_remove_db("v6.db");
    fota_store_t *s;
    assert_int_equal(fota_store_open("v6.db", &s, NULL, 0), 0);
    add(s, "871", USB "2.1", FOTA_RESULT_FAIL, "");
    fota_store_close(s);
    sqlite3 *w = tu_reader("v6.db");
    assert_int_equal(sqlite3_exec(w,
                                  "DROP VIEW hub_summary; DROP VIEW slot_summary;"
                                  "DROP VIEW attempts_hub; DROP TABLE runs; DROP INDEX attempts_slot;"
                                  "UPDATE attempts SET package_sha256 = '-';"
                                  "ALTER TABLE attempts DROP COLUMN queued_ms;"
                                  "ALTER TABLE attempts DROP COLUMN power_cycles;"
                                  "DROP TABLE port_service;"
                                  "PRAGMA user_version = 6;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(w);

    char err[256] = "";
    assert_int_equal(fota_store_open("v6.db", &s, err, sizeof err), 0);
    sqlite3 *r = tu_reader("v6.db");
    assert_int_equal(tu_int(r, "PRAGMA user_version"), FOTA_STORE_SCHEMA_VERSION);
    assert_int_equal(FOTA_STORE_SCHEMA_VERSION, 11);
    assert_text(r, "SELECT package_sha256 FROM attempts", NULL);
    assert_text(r, "SELECT hub || ' ' || yield FROM hub_summary", USB "2 0.0");
    assert_int_equal(tu_int(r, "SELECT count(*) FROM runs"), 0);
    sqlite3_close(r);
    fota_store_close(s);
}

/* A file a schema-8 station wrote, holding a row from before slots were grouped
 * ("…:4.5:1.2", the AT link's interface-qualified name): opened by this build, its
 * views give that row no hub instead of a one-port hub "…:4.5:1" of its own, and
 * the real hub keeps its yield. */
static void schema_8_file_drops_bogus_hubs(void **state)
{
    (void)state;
    tu_remove_db("v8.db");
    sqlite3 *w;
    assert_int_equal(sqlite3_open("v8.db", &w), SQLITE_OK);
    char err[256] = "";
    assert_int_equal(fota_store_schema_migrate_to(w, 8, err, sizeof err), 0);
    assert_int_equal(sqlite3_exec(w,
                                  "INSERT INTO attempts (batch, station, slot, imei, started_at,"
                                  " finished_at, result) VALUES"
                                  " ('B8', 'st1', '" USB "4.5:1.2', '861', '2025-01-02T03:04:05.000Z',"
                                  "  '2025-01-02T03:05:05.000Z', 'FAIL'),"
                                  " ('B8', 'st1', '" USB "2.1', '862', '2025-01-02T03:04:05.000Z',"
                                  "  '2025-01-02T03:05:05.000Z', 'PASS');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_text(w, "SELECT hub FROM attempts_hub WHERE imei = '861'", USB "4.5:1");
    sqlite3_close(w);

    fota_store_t *s;
    assert_int_equal(fota_store_open("v8.db", &s, err, sizeof err), 0);
    sqlite3 *r = tu_reader("v8.db");
    assert_int_equal(tu_int(r, "PRAGMA user_version"), FOTA_STORE_SCHEMA_VERSION);
    assert_text(r, "SELECT hub FROM attempts_hub WHERE imei = '861'", NULL);
    assert_text(r, "SELECT group_concat(coalesce(hub, '-') || ' ' || yield, '|') FROM"
                   " (SELECT * FROM hub_summary ORDER BY hub)",
                "- 0.0|" USB "2 1.0");
    sqlite3_close(r);
    fota_store_close(s);
}

static void run_record_names_job_hash_and_version(void **state)
{
    (void)state;
    tu_remove_db("runs.db");
    static const char text[] = "name: B9\nstation: line3-st07\n# the job as written\n";
    FILE *f = fopen("runs-job.yaml", "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    char want_sha[65];
    fota_sha256_hex(text, strlen(text), want_sha);

    fota_package_t pk[2];
    memset(pk, 0, sizeof pk);
    pk[0] = (fota_package_t){.from = "A06", .to = "A07", .name = "a06-a07.zip", .sha256 = "ab12"};
    pk[1] = (fota_package_t){.to = "A08", .name = "full.bin", .url = "ftp://u:secret@h/full.bin"};
    fota_target_t tg;
    memset(&tg, 0, sizeof tg);
    tg.packages = pk;
    tg.n_packages = 2;
    fota_job_t job;
    memset(&job, 0, sizeof job);
    job.source = "runs-job.yaml";
    job.name = "B9";
    job.station = "line3-st07";
    job.targets = &tg;
    job.n_targets = 1;

    char err[256] = "";
    assert_int_equal(fota_store_run_record("runs.db", &job, NULL, "op7", err, sizeof err), 0);
    assert_int_equal(fota_store_run_record("runs.db", &job, "B9-rework", NULL, err, sizeof err), 0);
    sqlite3 *r = tu_reader("runs.db");
    assert_int_equal(tu_int(r, "SELECT count(*) FROM runs"), 2);
    assert_text(r, "SELECT batch || ' ' || station || ' ' || operator || ' ' || job_name"
                   " FROM runs WHERE id = 1", "B9 line3-st07 op7 B9");
    assert_text(r, "SELECT job_sha256 FROM runs WHERE id = 1", want_sha);
    assert_text(r, "SELECT software_version FROM runs WHERE id = 1", fota_store_software_version());
    assert_true(strncmp(fota_store_software_version(), "fota-station ", 13) == 0);
    assert_text(r, "SELECT packages FROM runs WHERE id = 1",
                "ab12  a06-a07.zip (A06 -> A07)\nurl  full.bin (any -> A08)");
    assert_text(r, "SELECT batch || ' ' || COALESCE(operator, 'none') FROM runs WHERE id = 2",
                "B9-rework none");
    assert_int_equal(tu_int(r, "SELECT count(*) FROM runs WHERE packages LIKE '%secret%'"), 0);
    sqlite3_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hub_rule_agrees_in_c_and_sql),
        cmocka_unit_test(views_count_yield_per_slot_and_hub),
        cmocka_unit_test(schema_6_file_opens_and_migrates),
        cmocka_unit_test(schema_8_file_drops_bogus_hubs),
        cmocka_unit_test(run_record_names_job_hash_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
