/* The results database as the MES sees it: schema, migration from an older
 * file, the attempt lifecycle, event batching, rework look-ups, secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static fota_store_t *fresh(const char *name)
{
    tu_remove_db(name);
    fota_store_t *s = NULL;
    char err[256] = "";
    int rc = fota_store_open(name, &s, err, sizeof err);
    if (rc != 0)
        fail_msg("open %s: %d %s", name, rc, err);
    return s;
}

/* Opens a file as it is (no removal first). */
static fota_store_t *fresh_keep(const char *name)
{
    fota_store_t *s = NULL;
    char err[256] = "";
    int rc = fota_store_open(name, &s, err, sizeof err);
    if (rc != 0)
        fail_msg("open %s: %d %s", name, rc, err);
    return s;
}

/* docs/database.md names these columns as a contract, in this order. */
static const char *const spec_columns[] = {
    "id", "batch", "station", "operator", "slot", "port", "imei", "model", "family",
    "from_version", "to_version", "final_version", "method", "package_names", "package_sha256",
    "started_at", "finished_at", "result", "noop", "error_class", "error_code", "error_text",
    "module_retries", "hops", "download_ms", "update_ms", "duration_ms",
};

static void schema_is_the_contract(void **state)
{
    (void)state;
    fota_store_t *s = fresh("schema.db");
    sqlite3 *r = tu_reader("schema.db");
    assert_int_equal(tu_int(r, "PRAGMA user_version"), FOTA_STORE_SCHEMA_VERSION);
    assert_text(r, "PRAGMA journal_mode", "wal");
    size_t n = sizeof spec_columns / sizeof spec_columns[0];
    for (size_t i = 0; i < n; i++) {
        char q[200];
        snprintf(q, sizeof q, "SELECT cid FROM pragma_table_info('attempts') WHERE name='%s'",
                 spec_columns[i]);
        if (tu_int(r, q) != (int64_t)i)
            fail_msg("column %s missing or out of order", spec_columns[i]);
    }
    assert_int_equal(tu_int(r, "SELECT count(*) FROM pragma_table_info('attempts') WHERE name='last_heard_at'"), 1);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM pragma_table_info('events') WHERE name IN ('attempt_id','t_ms','dir','text')"), 4);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM sqlite_master WHERE type='view' AND name IN ('latest_results','batch_summary')"), 2);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN ('attempts_imei','attempts_batch','attempts_started','events_attempt','attempts_running','attempts_module','attempts_failed')"), 7);
    sqlite3_close(r);
    fota_store_close(s);
    /* Re-opening an up-to-date file changes nothing. */
    fota_store_t *s2 = NULL;
    assert_int_equal(fota_store_open("schema.db", &s2, NULL, 0), 0);
    fota_store_close(s2);
}

/* A v1 file as the first layout wrote it: no last_heard_at, no views. Written
 * here by hand so the test does not depend on the code it checks. */
static const char *const v1_fixture =
    "CREATE TABLE attempts (id INTEGER PRIMARY KEY, batch TEXT, station TEXT, operator TEXT,"
    " slot TEXT, port TEXT, imei TEXT, model TEXT, family TEXT, from_version TEXT,"
    " to_version TEXT, final_version TEXT, method TEXT, package_names TEXT, package_sha256 TEXT,"
    " started_at TEXT NOT NULL, finished_at TEXT,"
    " result TEXT CHECK (result IN ('PASS','FAIL','SKIP','INTERRUPTED')),"
    " noop INTEGER NOT NULL DEFAULT 0, error_class TEXT, error_code INTEGER NOT NULL DEFAULT 0,"
    " error_text TEXT, module_retries INTEGER NOT NULL DEFAULT 0, hops INTEGER NOT NULL DEFAULT 0,"
    " download_ms INTEGER, update_ms INTEGER, duration_ms INTEGER);"
    "CREATE TABLE events (attempt_id INTEGER NOT NULL REFERENCES attempts(id), t_ms INTEGER NOT NULL,"
    " dir TEXT NOT NULL CHECK (dir IN ('tx','rx','info')), text TEXT NOT NULL);"
    "CREATE INDEX attempts_imei ON attempts(imei, result);"
    "CREATE INDEX attempts_batch ON attempts(batch);"
    "CREATE INDEX attempts_started ON attempts(started_at);"
    "CREATE INDEX events_attempt ON events(attempt_id);"
    "INSERT INTO attempts (batch, imei, model, started_at, finished_at, result, error_class, error_code, error_text) VALUES"
    " ('B1', '861234567890123', 'EC200T', '2025-01-02T03:04:05.000Z', '2025-01-02T03:10:00.000Z', 'FAIL', 'download', 601, 'FTP unknown error'),"
    " ('B1', '861234567890123', 'EC200T', '2025-01-02T04:00:00.000Z', '2025-01-02T04:05:00.000Z', 'PASS', NULL, 0, NULL),"
    " ('B1', '861234567890999', 'EC200T', '2025-01-02T05:00:00.000Z', NULL, NULL, NULL, 0, NULL);"
    "INSERT INTO events VALUES (1, 1, 'tx', 'AT+QFOTADL=\"ftp://u:***@h/p.zip\"'), (1, 2, 'rx', 'OK');"
    "PRAGMA user_version = 1;";

static void v1_file_migrates_and_keeps_rows(void **state)
{
    (void)state;
    tu_remove_db("v1.db");
    sqlite3 *w;
    assert_int_equal(sqlite3_open("v1.db", &w), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w, v1_fixture, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);

    fota_store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(fota_store_open("v1.db", &s, err, sizeof err), 0);
    sqlite3 *r = tu_reader("v1.db");
    assert_int_equal(tu_int(r, "PRAGMA user_version"), FOTA_STORE_SCHEMA_VERSION);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM attempts"), 3);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events WHERE attempt_id = 1"), 2);
    assert_text(r, "SELECT error_text FROM attempts WHERE id = 1", "FTP unknown error");
    /* The new column is back-filled so recovery has a time for old rows. */
    assert_text(r, "SELECT last_heard_at FROM attempts WHERE id = 1", "2025-01-02T03:10:00.000Z");
    assert_text(r, "SELECT last_heard_at FROM attempts WHERE id = 3", "2025-01-02T05:00:00.000Z");
    /* The views work on migrated rows. */
    assert_text(r, "SELECT result FROM latest_results WHERE imei = '861234567890123'", "PASS");
    assert_int_equal(tu_int(r, "SELECT modules FROM batch_summary WHERE batch = 'B1'"), 1);
    /* And the old running row is recovered like any other. */
    assert_int_equal(fota_store_recover_interrupted(s), 1);
    assert_text(r, "SELECT result || ' ' || finished_at FROM attempts WHERE id = 3",
                "INTERRUPTED 2025-01-02T05:00:00.000Z");
    sqlite3_close(r);
    fota_store_close(s);
}

static void newer_file_is_refused(void **state)
{
    (void)state;
    tu_remove_db("future.db");
    sqlite3 *w;
    sqlite3_open("future.db", &w);
    sqlite3_exec(w, "CREATE TABLE attempts (id INTEGER PRIMARY KEY); PRAGMA user_version = 99;",
                 NULL, NULL, NULL);
    sqlite3_close(w);
    fota_store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(fota_store_open("future.db", &s, err, sizeof err), FOTA_E_STATE);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
    /* refused before the WAL switch: still a rollback-journal file */
    sqlite3 *r = tu_reader("future.db");
    assert_text(r, "PRAGMA journal_mode", "delete");
    sqlite3_close(r);
}

/* ---- another program's database given as --db -------------------------------- */

typedef struct {
    char *bytes;
    size_t len;
    struct stat st;
} file_image_t;

static void image_of(const char *path, file_image_t *im)
{
    assert_int_equal(stat(path, &im->st), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    im->len = (size_t)im->st.st_size;
    im->bytes = malloc(im->len + 1);
    assert_non_null(im->bytes);
    assert_int_equal(fread(im->bytes, 1, im->len, f), im->len);
    fclose(f);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Each file is refused (FOTA_E_STATE, reason in words) and left byte for byte and
 * mtime as it was, with no -wal or -shm beside it. */
static void foreign_files_are_refused_untouched(void **state)
{
    (void)state;
    static const struct {
        const char *what, *sql, *words;
    } files[] = {
        {"another program's tables", "CREATE TABLE parts (pn TEXT, qty INTEGER);"
                                     "INSERT INTO parts VALUES ('A-1', 3);",
         "no table attempts; user_version 0"},
        {"a table attempts without a version", "CREATE TABLE attempts (x);",
         "a table attempts but user_version 0"},
        {"a version but other tables", "CREATE TABLE t (x); PRAGMA user_version = 3;",
         "no table attempts; user_version 3"},
        {"an application id", "PRAGMA application_id = 1234;", "application_id 1234"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        tu_remove_db("foreign.db");
        sqlite3 *w;
        assert_int_equal(sqlite3_open("foreign.db", &w), SQLITE_OK);
        assert_int_equal(sqlite3_exec(w, files[i].sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(w);
        file_image_t before, after;
        image_of("foreign.db", &before);
        fota_store_t *s = NULL;
        char err[256] = "";
        int rc = fota_store_open("foreign.db", &s, err, sizeof err);
        print_message("%s: %s\n", files[i].what, err);
        assert_int_equal(rc, FOTA_E_STATE);
        assert_null(s);
        assert_non_null(strstr(err, "not a FOTA results database"));
        assert_non_null(strstr(err, files[i].words));
        assert_non_null(strstr(err, "left as it is"));
        image_of("foreign.db", &after);
        assert_int_equal(after.len, before.len);
        assert_memory_equal(after.bytes, before.bytes, before.len);
        assert_int_equal(after.st.st_mtim.tv_sec, before.st.st_mtim.tv_sec);
        assert_int_equal(after.st.st_mtim.tv_nsec, before.st.st_mtim.tv_nsec);
        assert_false(exists("foreign.db-wal"));
        assert_false(exists("foreign.db-shm"));
        free(before.bytes);
        free(after.bytes);
    }
    /* not SQLite at all: refused, untouched */
    tu_remove_db("foreign.db");
    FILE *f = fopen("foreign.db", "w");
    fputs("serial,result\n866123456789012,PASS\n", f);
    fclose(f);
    fota_store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(fota_store_open("foreign.db", &s, err, sizeof err), FOTA_E_STATE);
    assert_non_null(strstr(err, "it is not an SQLite database"));
    file_image_t im;
    image_of("foreign.db", &im);
    assert_memory_equal(im.bytes, "serial,result\n", 14);
    free(im.bytes);
    tu_remove_db("foreign.db");
}

/* A new file, and an empty one (0 bytes, or SQLite with no schema), are still
 * initialised. */
static void empty_files_are_initialised(void **state)
{
    (void)state;
    tu_remove_db("empty.db");
    FILE *f = fopen("empty.db", "w");
    fclose(f);
    fota_store_t *s = fresh_keep("empty.db");
    fota_store_close(s);
    sqlite3 *r = tu_reader("empty.db");
    assert_int_equal(tu_int(r, "PRAGMA user_version"), FOTA_STORE_SCHEMA_VERSION);
    sqlite3_close(r);
    tu_remove_db("empty.db");
    sqlite3 *w;
    assert_int_equal(sqlite3_open("empty.db", &w), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w, "CREATE TABLE t (x); DROP TABLE t; VACUUM;", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(w);
    s = fresh_keep("empty.db");
    fota_store_close(s);
    r = tu_reader("empty.db");
    assert_int_equal(tu_int(r, "SELECT count(*) FROM attempts"), 0);
    sqlite3_close(r);
    tu_remove_db("empty.db");
}

static void lifecycle_round_trip(void **state)
{
    (void)state;
    fota_store_t *s = fresh("life.db");
    sqlite3 *r = tu_reader("life.db");
    fota_attempt_t a;
    tu_attempt(&a, "", "B7", T0);
    int64_t id = 0;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    assert_true(id > 0);
    /* Committed at once: another connection sees the running row. */
    assert_text(r, "SELECT coalesce(result, 'running') || ' ' || started_at || ' ' || batch FROM attempts",
                "running 2025-11-23T12:13:20.000Z B7");
    assert_text(r, "SELECT imei FROM attempts", NULL);

    snprintf(a.imei, sizeof a.imei, "866123456789012");
    snprintf(a.model, sizeof a.model, "RM500Q");
    snprintf(a.family, sizeof a.family, "rg50xq");
    snprintf(a.from_version, sizeof a.from_version, "RM500QGLABR11A06M4G");
    snprintf(a.to_version, sizeof a.to_version, "RM500QGLABR11A08M4G");
    snprintf(a.package_names, sizeof a.package_names, "a06-to-a07.zip,a07-to-a08.zip");
    snprintf(a.package_sha256, sizeof a.package_sha256, "aa11,bb22");
    assert_int_equal(fota_store_attempt_identify(s, id, &a), 0);
    assert_text(r, "SELECT imei || ' ' || model || ' ' || from_version FROM attempts",
                "866123456789012 RM500Q RM500QGLABR11A06M4G");

    /* The finish call may carry a blank field: it never erases what was learnt. */
    a.model[0] = '\0';
    snprintf(a.final_version, sizeof a.final_version, "RM500QGLABR11A08M4G");
    a.finished_at_ms = T0 + 754321;
    a.result = FOTA_RESULT_FAIL;
    a.error_class = FOTA_ERR_TIMEOUT;
    a.error_code = 504;
    snprintf(a.error_text, sizeof a.error_text, "update stalled at 42%%");
    a.module_retries = 2;
    a.hops = 1;
    a.download_ms = 120000;
    a.update_ms = 300500;
    a.duration_ms = 754321;
    assert_int_equal(fota_store_attempt_finish(s, id, &a), 0);
    assert_text(r,
                "SELECT printf('%s|%s|%s|%s|%s|%d|%s|%d|%s|%d|%d|%d|%d|%d|%s|%s|%s|%s|%s', imei, model,"
                " family, final_version, result, noop, error_class, error_code, error_text,"
                " module_retries, hops, download_ms, update_ms, duration_ms, finished_at,"
                " package_names, package_sha256, station, operator) FROM attempts",
                "866123456789012|RM500Q|rg50xq|RM500QGLABR11A08M4G|FAIL|0|timeout|504|update stalled at 42%|"
                "2|1|120000|300500|754321|2025-11-23T12:25:54.321Z|a06-to-a07.zip,a07-to-a08.zip|aa11,bb22|"
                "line3-st1|op42");
    /* A finished attempt is a record: it cannot be finished or identified again. */
    a.result = FOTA_RESULT_PASS;
    assert_int_equal(fota_store_attempt_finish(s, id, &a), FOTA_E_NOENT);
    assert_int_equal(fota_store_attempt_identify(s, id, &a), FOTA_E_NOENT);
    assert_int_equal(fota_store_attempt_identify(s, id + 100, &a), FOTA_E_NOENT);
    assert_text(r, "SELECT result FROM attempts", "FAIL");

    /* noop PASS: already at target. */
    tu_attempt(&a, "866123456789013", "B7", T0 + 1000);
    int64_t id2;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id2), 0);
    a.result = FOTA_RESULT_PASS;
    a.noop = true;
    assert_int_equal(fota_store_attempt_finish(s, id2, &a), 0);
    assert_text(r, "SELECT result || noop || coalesce(error_class, '-') FROM attempts WHERE imei = '866123456789013'",
                "PASS1-");
    sqlite3_close(r);
    fota_store_close(s);
}

static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static void events_are_batched_and_never_lost_at_finish(void **state)
{
    (void)state;
    fota_store_t *s = fresh("events.db");
    fake_now = T0; /* a still clock: only the count and size limits apply here */
    fota_store_set_clock(s, fake_clock, NULL);
    sqlite3 *r = tu_reader("events.db");
    fota_attempt_t a, b;
    tu_attempt(&a, "860000000000001", "B1", T0);
    tu_attempt(&b, "860000000000002", "B1", T0);
    int64_t ia, ib;
    assert_int_equal(fota_store_attempt_begin(s, &a, &ia), 0);
    assert_int_equal(fota_store_attempt_begin(s, &b, &ib), 0);

    /* Below the batch size nothing is written yet (one commit per line would
     * cost an fsync per AT line). */
    for (int i = 0; i < 10; i++) {
        char line[64];
        snprintf(line, sizeof line, "+QIND: \"FOTA\",\"UPDATING\",%d", i * 10);
        assert_int_equal(fota_store_event(s, ia, T0 + i, FOTA_TRACE_RX, line), 0);
        assert_int_equal(fota_store_event(s, ib, T0 + i, FOTA_TRACE_TX, "AT"), 0);
    }
    assert_int_equal(fota_store_pending_events(s), 20);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events"), 0);

    /* The periodic flush writes them all. */
    assert_int_equal(fota_store_flush(s), 0);
    assert_int_equal(fota_store_pending_events(s), 0);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events"), 20);

    /* Reaching the batch size writes without being asked. */
    for (int i = 0; i < FOTA_STORE_EVENT_BATCH - 1; i++)
        assert_int_equal(fota_store_event(s, ia, T0 + 100 + i, FOTA_TRACE_INFO, "x"), 0);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events"), 20);
    assert_int_equal(fota_store_event(s, ia, T0 + 999, FOTA_TRACE_INFO, "x"), 0);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events"), 20 + FOTA_STORE_EVENT_BATCH);

    /* So does the byte limit, for long lines. */
    static char big[2049];
    memset(big, 'y', sizeof big - 1);
    int n_big = 0;
    do {
        assert_int_equal(fota_store_event(s, ib, T0 + 2000 + n_big, FOTA_TRACE_RX, big), 0);
        n_big++;
    } while (fota_store_pending_events(s) > 0 && n_big < FOTA_STORE_EVENT_BATCH);
    /* Written after about 64 KiB, long before the count limit. */
    assert_true(n_big >= FOTA_STORE_EVENT_BYTES / 2100 && n_big <= FOTA_STORE_EVENT_BYTES / 2048 + 1);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events WHERE length(text) = 2048"), n_big);

    /* Finish writes what is still buffered in the same transaction, in order. */
    assert_int_equal(fota_store_event(s, ib, T0 + 5000, FOTA_TRACE_RX, "+QIND: \"FOTA\",\"END\",0"), 0);
    assert_int_equal(fota_store_event(s, ib, T0 + 5001, FOTA_TRACE_INFO, "verified"), 0);
    b.result = FOTA_RESULT_PASS;
    assert_int_equal(fota_store_attempt_finish(s, ib, &b), 0);
    assert_int_equal(fota_store_pending_events(s), 0);
    assert_text(r, "SELECT group_concat(dir || ':' || text, '/') FROM (SELECT dir, text FROM events"
                   " WHERE attempt_id = 2 AND t_ms >= 1763900005000 ORDER BY rowid)",
                "rx:+QIND: \"FOTA\",\"END\",0/info:verified");
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events WHERE attempt_id = 2"), 10 + n_big + 2);
    assert_int_equal(tu_int(r, "SELECT min(t_ms) FROM events WHERE attempt_id = 1"), T0);
    sqlite3_close(r);
    fota_store_close(s);
}

static void last_heard_follows_events(void **state)
{
    (void)state;
    fota_store_t *s = fresh("heard.db");
    fota_store_set_clock(s, fake_clock, NULL);
    sqlite3 *r = tu_reader("heard.db");
    fota_attempt_t a;
    tu_attempt(&a, "860000000000001", "B1", T0);
    int64_t id;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    assert_text(r, "SELECT last_heard_at FROM attempts", "2025-11-23T12:13:20.000Z");
    fake_now = T0 + 30000;
    assert_int_equal(fota_store_event(s, id, T0 + 30000, FOTA_TRACE_RX, "RDY"), 0);
    fake_now = T0 + 30000 + FOTA_STORE_EVENT_AGE_MS - 1;
    assert_int_equal(fota_store_event(s, id, fake_now, FOTA_TRACE_RX, "+CPIN: READY"), 0);
    assert_int_equal(fota_store_pending_events(s), 2);
    /* A line arriving when the oldest buffered one is old enough writes them
     * all, without waiting for a flush call or a full batch. */
    fake_now = T0 + 30000 + FOTA_STORE_EVENT_AGE_MS;
    assert_int_equal(fota_store_event(s, id, fake_now, FOTA_TRACE_RX, "+QIND: \"FOTA\",\"START\""), 0);
    assert_int_equal(fota_store_pending_events(s), 0);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events"), 3);
    assert_text(r, "SELECT last_heard_at FROM attempts", "2025-11-23T12:13:52.000Z");
    fake_now = T0 + 40000;
    assert_int_equal(fota_store_event(s, id, fake_now, FOTA_TRACE_RX, "RDY"), 0);
    fake_now = T0 + 41000; /* the flush happens later than the line came in */
    assert_int_equal(fota_store_flush(s), 0);
    assert_text(r, "SELECT last_heard_at FROM attempts", "2025-11-23T12:14:00.000Z");
    /* What recovery is about to close, for the restart to wait for and adopt. */
    fota_store_running_t run[2];
    assert_int_equal(fota_store_running(s, run, 2), 1);
    assert_int_equal(run[0].id, id);
    assert_string_equal(run[0].imei, "860000000000001");
    assert_string_equal(run[0].slot, "pci-0000:00:14.0-usb-0:1.2:1.0");
    assert_int_equal(run[0].heard_ms, T0 + 40000);
    assert_int_equal(fota_store_recover_interrupted(s), 1);
    assert_int_equal(fota_store_running(s, run, 2), 0);
    assert_text(r, "SELECT result || ' ' || finished_at || ' ' || duration_ms FROM attempts",
                "INTERRUPTED 2025-11-23T12:14:00.000Z 40000");
    assert_int_equal(fota_store_recover_interrupted(s), 0);
    sqlite3_close(r);
    fota_store_close(s);
}

static void finish(fota_store_t *s, const char *imei, fota_result_t res, int64_t t)
{
    fota_attempt_t a;
    tu_attempt(&a, imei, "RW", t);
    int64_t id;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    a.result = res;
    assert_int_equal(fota_store_attempt_finish(s, id, &a), 0);
}

static void latest_result_for_rework(void **state)
{
    (void)state;
    fota_store_t *s = fresh("rework.db");
    fota_result_t r;
    assert_int_equal(fota_store_latest_result(s, "869999999999999", &r), 0);

    finish(s, "860000000000001", FOTA_RESULT_PASS, T0);
    finish(s, "860000000000002", FOTA_RESULT_FAIL, T0 + 1);
    finish(s, "860000000000002", FOTA_RESULT_PASS, T0 + 2);
    finish(s, "860000000000003", FOTA_RESULT_PASS, T0 + 3);
    finish(s, "860000000000003", FOTA_RESULT_FAIL, T0 + 4);
    finish(s, "860000000000004", FOTA_RESULT_INTERRUPTED, T0 + 5);
    /* A SKIP ("already passed") is not a verdict: the module stays PASS, so a
     * second rework run skips it again instead of re-flashing it. */
    finish(s, "860000000000001", FOTA_RESULT_SKIP, T0 + 6);
    /* A running attempt does not hide the last verdict either. */
    fota_attempt_t a;
    tu_attempt(&a, "860000000000002", "RW", T0 + 7);
    int64_t id;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);

    assert_int_equal(fota_store_latest_result(s, "860000000000001", &r), 1);
    assert_int_equal(r, FOTA_RESULT_PASS);
    assert_int_equal(fota_store_latest_result(s, "860000000000002", &r), 1);
    assert_int_equal(r, FOTA_RESULT_PASS);
    assert_int_equal(fota_store_latest_result(s, "860000000000003", &r), 1);
    assert_int_equal(r, FOTA_RESULT_FAIL);
    assert_int_equal(fota_store_latest_result(s, "860000000000004", &r), 1);
    assert_int_equal(r, FOTA_RESULT_INTERRUPTED);
    finish(s, "860000000000005", FOTA_RESULT_SKIP, T0 + 8);
    assert_int_equal(fota_store_latest_result(s, "860000000000005", &r), 0);

    /* The view agrees with the API. */
    sqlite3 *db = tu_reader("rework.db");
    assert_text(db, "SELECT group_concat(imei || '=' || result, ' ') FROM (SELECT * FROM latest_results ORDER BY imei)",
                "860000000000001=PASS 860000000000002=PASS 860000000000003=FAIL 860000000000004=INTERRUPTED");
    /* And a single-IMEI look-up through the view uses the index. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT * FROM latest_results WHERE imei = '860000000000002'", -1, &st, NULL), SQLITE_OK);
    int scans = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);
        if (strncmp(d, "SCAN", 4) == 0)
            scans++;
    }
    sqlite3_finalize(st);
    assert_int_equal(scans, 0);
    sqlite3_close(db);
    fota_store_close(s);
}

static void batch_summary_yields(void **state)
{
    (void)state;
    fota_store_t *s = fresh("summary.db");
    /* B1: m1 PASS; m2 FAIL then PASS; m3 FAIL; m4 INTERRUPTED; one SKIP row. */
    finish(s, "m1", FOTA_RESULT_PASS, T0);
    finish(s, "m2", FOTA_RESULT_FAIL, T0 + 1);
    finish(s, "m3", FOTA_RESULT_FAIL, T0 + 2);
    finish(s, "m2", FOTA_RESULT_PASS, T0 + 3);
    finish(s, "m4", FOTA_RESULT_INTERRUPTED, T0 + 4);
    finish(s, "m5", FOTA_RESULT_SKIP, T0 + 5);
    sqlite3 *r = tu_reader("summary.db");
    assert_text(r, "SELECT printf('%d %d %d %d %d %d %d %.4f %.4f', attempts, modules, pass, fail,"
                   " skip, interrupted, running, first_pass_yield, final_yield) FROM batch_summary WHERE batch='RW'",
                "6 4 2 1 1 1 0 0.2500 0.5000");

    /* Two slots work on attempts of one module at once and the later one
     * finishes first: first and latest go by id, not by finishing order. A
     * running attempt and a SKIP-only module stay out of the denominator. */
    fota_attempt_t a, b;
    tu_attempt(&a, "m6", "OOO", T0 + 10);
    tu_attempt(&b, "m6", "OOO", T0 + 11);
    int64_t ia, ib, ic;
    assert_int_equal(fota_store_attempt_begin(s, &a, &ia), 0);
    assert_int_equal(fota_store_attempt_begin(s, &b, &ib), 0);
    b.result = FOTA_RESULT_PASS;
    assert_int_equal(fota_store_attempt_finish(s, ib, &b), 0);
    a.result = FOTA_RESULT_FAIL;
    assert_int_equal(fota_store_attempt_finish(s, ia, &a), 0);
    tu_attempt(&a, "m7", "OOO", T0 + 12);
    assert_int_equal(fota_store_attempt_begin(s, &a, &ic), 0);
    finish(s, "m8", FOTA_RESULT_SKIP, T0 + 13);
    /* OOO: m6 (FAIL then PASS by id) and m7 running. */
    assert_text(r, "SELECT printf('%d %d %d %d %d %d %d %.4f %.4f', attempts, modules, pass, fail,"
                   " skip, interrupted, running, first_pass_yield, final_yield) FROM batch_summary WHERE batch='OOO'",
                "3 1 1 0 0 0 1 0.0000 1.0000");
    /* m7 is interrupted by a crash: recovery's verdict counts too. */
    assert_int_equal(fota_store_recover_interrupted(s), 1);
    assert_text(r, "SELECT printf('%d %d %d %d', modules, pass, interrupted, running) FROM batch_summary"
                   " WHERE batch='OOO'",
                "2 1 1 0");
    /* RW gained m8's SKIP row only. */
    assert_text(r, "SELECT printf('%d %d %d', attempts, modules, skip) FROM batch_summary WHERE batch='RW'",
                "7 4 2");
    /* The view agrees with a direct computation from attempts for every batch. */
    assert_int_equal(tu_int(r,
        "SELECT count(*) FROM batch_summary s JOIN ("
        "  SELECT batch, count(*) AS modules, sum(lr = 'PASS') AS pass, sum(fr = 'PASS') AS fp FROM ("
        "    SELECT batch, (SELECT result FROM attempts x WHERE x.batch = a.batch AND x.imei = a.imei"
        "                    AND x.result IN ('PASS','FAIL','INTERRUPTED') ORDER BY id DESC LIMIT 1) AS lr,"
        "                  (SELECT result FROM attempts x WHERE x.batch = a.batch AND x.imei = a.imei"
        "                    AND x.result IN ('PASS','FAIL','INTERRUPTED') ORDER BY id LIMIT 1) AS fr"
        "    FROM attempts a WHERE result IN ('PASS','FAIL','INTERRUPTED') GROUP BY batch, imei)"
        "  GROUP BY batch) d ON d.batch = s.batch"
        " WHERE s.modules = d.modules AND s.pass = d.pass AND s.first_pass_yield = ROUND(1.0 * d.fp / d.modules, 4)"),
        2);
    sqlite3_close(r);
    fota_store_close(s);
}

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

static void passwords_never_reach_the_file(void **state)
{
    (void)state;
    fota_store_t *s = fresh("secret.db");
    fota_attempt_t a;
    tu_attempt(&a, "860000000000001", "B1", T0);
    snprintf(a.package_names, sizeof a.package_names, "ftp://fota:hunter2@10.0.0.5:21/a.zip");
    int64_t id;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    assert_int_equal(fota_store_event(s, id, T0, FOTA_TRACE_TX,
                                      "AT+QFOTADL=\"https://fota:hunter2@fw.example.com/a.zip\""), 0);
    assert_int_equal(fota_store_event(s, id, T0, FOTA_TRACE_TX,
                                      "AT+QFOTADL=\"FTP://fota:p@ss@host/x.zip\""), 0);
    a.result = FOTA_RESULT_FAIL;
    a.error_class = FOTA_ERR_DOWNLOAD;
    snprintf(a.error_text, sizeof a.error_text, "cannot fetch http://u:hunter2@h/x: 404");
    assert_int_equal(fota_store_attempt_finish(s, id, &a), 0);
    fota_store_close(s);

    /* Not in any row, not in the WAL or main file bytes. */
    sqlite3 *r = tu_reader("secret.db");
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events WHERE text LIKE '%hunter2@%'"), 0);
    assert_text(r, "SELECT text FROM events ORDER BY rowid LIMIT 1",
                "AT+QFOTADL=\"https://fota:***@fw.example.com/a.zip\"");
    assert_text(r, "SELECT package_names FROM attempts", "ftp://fota:***@10.0.0.5:21/a.zip");
    assert_text(r, "SELECT error_text FROM attempts", "cannot fetch http://u:***@h/x: 404");
    sqlite3_close(r);
    FILE *f = fopen("secret.db", "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_false(contains(buf, n, "hunter2"));
    assert_false(contains(buf, n, "p@ss"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_is_the_contract),
        cmocka_unit_test(v1_file_migrates_and_keeps_rows),
        cmocka_unit_test(newer_file_is_refused),
        cmocka_unit_test(foreign_files_are_refused_untouched),
        cmocka_unit_test(empty_files_are_initialised),
        cmocka_unit_test(lifecycle_round_trip),
        cmocka_unit_test(events_are_batched_and_never_lost_at_finish),
        cmocka_unit_test(last_heard_follows_events),
        cmocka_unit_test(latest_result_for_rework),
        cmocka_unit_test(batch_summary_yields),
        cmocka_unit_test(passwords_never_reach_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
