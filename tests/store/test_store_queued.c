/* Honest times in the results file: queued_ms (an identified module waiting for
 * the line) stays out of duration_ms, started_at is when the upgrade began, and a
 * file an older station wrote (schema 7, built here from that schema's own steps)
 * is migrated with its rows and their durations as they were. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_schema.h"
#include "store_test_util.h"

#define T0 1763900000000LL /* 2025-11-23T12:13:20.000Z */

static void assert_text(sqlite3 *db, const char *sql, const char *want)
{
    char *got = tu_text(db, sql);
    if (want == NULL) {
        if (got)
            fail_msg("%s: want NULL, got '%s'", sql, got);
        return;
    }
    if (!got)
        fail_msg("%s: want '%s', got NULL", sql, want);
    if (strcmp(got, want) != 0)
        fail_msg("%s: want '%s', got '%s'", sql, want, got);
    free(got);
}

/* What a schema-7 station wrote: a PASS that waited 34.5 s in the queue (its
 * duration_ms holds the wait), a FAIL, a running row, a transcript line. */
static const char v7_rows[] =
    "INSERT INTO attempts (batch, station, imei, model, started_at, finished_at, result,"
    " error_class, error_code, error_text, download_ms, update_ms, duration_ms, last_heard_at)"
    " VALUES"
    " ('B7', 'st1', '861234567890123', 'RG500Q', '2025-01-02T03:04:05.000Z',"
    "  '2025-01-02T03:04:55.477Z', 'PASS', NULL, 0, NULL, 4000, 15909, 50477,"
    "  '2025-01-02T03:04:55.477Z'),"
    " ('B7', 'st1', '861234567890124', 'RG500Q', '2025-01-02T03:05:00.000Z',"
    "  '2025-01-02T03:05:09.000Z', 'FAIL', 'download', 601, 'FTP unknown error', 9000, 0, 9000,"
    "  '2025-01-02T03:05:09.000Z'),"
    " ('B7', 'st1', '861234567890125', 'RG500Q', '2025-01-02T03:06:00.000Z', NULL, NULL,"
    "  NULL, 0, NULL, NULL, NULL, NULL, '2025-01-02T03:06:30.000Z');"
    "INSERT INTO events (attempt_id, t_ms, dir, text) VALUES (1, 1735787045000, 'tx', 'ATI');";

static void schema_7_file_migrates_and_keeps_rows(void **state)
{
    (void)state;
    tu_remove_db("v7.db");
    sqlite3 *w;
    assert_int_equal(sqlite3_open("v7.db", &w), SQLITE_OK);
    char err[256] = "";
    assert_int_equal(fota_store_schema_migrate_to(w, 7, err, sizeof err), 0);
    assert_int_equal(tu_int(w, "PRAGMA user_version"), 7);
    assert_int_equal(
        tu_int(w, "SELECT count(*) FROM pragma_table_info('attempts') WHERE name = 'queued_ms'"), 0);
    assert_int_equal(sqlite3_exec(w, v7_rows, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);

    fota_store_t *s = NULL;
    assert_int_equal(fota_store_open("v7.db", &s, err, sizeof err), 0);
    sqlite3 *r = tu_reader("v7.db");
    assert_int_equal(tu_int(r, "PRAGMA user_version"), FOTA_STORE_SCHEMA_VERSION);
    assert_int_equal(FOTA_STORE_SCHEMA_VERSION, 11);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM attempts"), 3);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events WHERE attempt_id = 1"), 1);
    /* Old rows never measured their queue: NULL, never a made-up 0; their times
     * stay as written. */
    assert_int_equal(tu_int(r, "SELECT count(*) FROM attempts WHERE queued_ms IS NULL"), 3);
    assert_text(r, "SELECT started_at || ' ' || duration_ms FROM attempts WHERE id = 1",
                "2025-01-02T03:04:05.000Z 50477");
    /* The views carry the new column and still count the old rows. */
    assert_text(r, "SELECT result || ' ' || coalesce(queued_ms, 'null') FROM latest_results"
                   " WHERE imei = '861234567890123'", "PASS null");
    assert_int_equal(tu_int(r, "SELECT count(*) FROM attempts_hub WHERE queued_ms IS NULL"), 3);
    assert_int_equal(tu_int(r, "SELECT modules FROM batch_summary WHERE batch = 'B7'"), 2);
    /* The old running row is recovered as before. */
    assert_int_equal(fota_store_recover_interrupted(s), 1);
    assert_text(r, "SELECT result || ' ' || duration_ms FROM attempts WHERE id = 3",
                "INTERRUPTED 30000");
    /* A new attempt in the migrated file records its queue. */
    fota_attempt_t a;
    tu_attempt(&a, "861234567890126", "B8", T0);
    int64_t id = 0;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    a.started_at_ms = T0 + 40000;
    a.queued_ms = 39000;
    a.finished_at_ms = T0 + 60000;
    a.result = FOTA_RESULT_PASS;
    a.duration_ms = 21000;
    assert_int_equal(fota_store_attempt_finish(s, id, &a), 0);
    char q[160];
    snprintf(q, sizeof q, "SELECT started_at || ' ' || queued_ms || ' ' || duration_ms"
                          " FROM attempts WHERE id = %lld", (long long)id);
    assert_text(r, q, "2025-11-23T12:14:00.000Z 39000 21000");
    sqlite3_close(r);
    fota_store_close(s);
}

/* The row is written when the module is found (queued_ms 0: nothing waited yet);
 * when its upgrade begins after the queue, started_at moves there and queued_ms
 * says how long it waited, so a station killed mid-upgrade leaves a row whose
 * INTERRUPTED duration is the upgrade's own. */
static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static void start_after_the_queue_moves_started_at(void **state)
{
    (void)state;
    tu_remove_db("queued.db");
    fota_store_t *s = NULL;
    assert_int_equal(fota_store_open("queued.db", &s, NULL, 0), 0);
    fake_now = T0 + 1000;
    fota_store_set_clock(s, fake_clock, NULL);
    sqlite3 *r = tu_reader("queued.db");
    fota_attempt_t a;
    tu_attempt(&a, "", "B9", T0);
    int64_t id = 0;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    assert_text(r, "SELECT started_at || ' ' || queued_ms FROM attempts",
                "2025-11-23T12:13:20.000Z 0");
    /* identified: the IMEI arrives, the start stays */
    fota_attempt_t idn;
    tu_attempt(&idn, "861234567890127", "B9", 0);
    assert_int_equal(fota_store_attempt_identify(s, id, &idn), 0);
    assert_text(r, "SELECT imei || ' ' || started_at || ' ' || queued_ms FROM attempts",
                "861234567890127 2025-11-23T12:13:20.000Z 0");
    /* granted after 48.5 s in the queue */
    fake_now = T0 + 50000;
    idn.started_at_ms = T0 + 50000;
    idn.queued_ms = 48500;
    assert_int_equal(fota_store_attempt_identify(s, id, &idn), 0);
    assert_text(r, "SELECT started_at || ' ' || queued_ms FROM attempts",
                "2025-11-23T12:14:10.000Z 48500");
    /* killed 20 s into the upgrade */
    fake_now = T0 + 70000;
    assert_int_equal(fota_store_event(s, id, T0 + 70000, FOTA_TRACE_RX, "+QIND: \"FOTA\",\"START\""),
                     0);
    assert_int_equal(fota_store_flush(s), 0);
    fota_store_close(s);
    assert_int_equal(fota_store_open("queued.db", &s, NULL, 0), 0);
    assert_int_equal(fota_store_recover_interrupted(s), 1);
    assert_text(r, "SELECT result || ' ' || queued_ms || ' ' || duration_ms FROM attempts",
                "INTERRUPTED 48500 20000");
    sqlite3_close(r);
    fota_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_7_file_migrates_and_keeps_rows),
        cmocka_unit_test(start_after_the_queue_moves_started_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
