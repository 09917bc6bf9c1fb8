/* `fota-station report` as a user runs it: options, exit codes, the four
 * formats, and hostile stored values rendered inert in CSV, HTML and text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "report.h"
#include "report_fixture.h"
#include "store.h"

#define DB "cli.db"
#define HOSTILE_DB "hostile.db"
#define OUT "cli.out"

static int setup(void **state)
{
    (void)state;
    fx_build(DB);
    /* One attempt whose every text field is hostile. */
    unlink(HOSTILE_DB);
    fota_store_t *s;
    if (fota_store_open(HOSTILE_DB, &s, NULL, 0) != 0)
        return -1;
    fota_attempt_t a;
    memset(&a, 0, sizeof a);
    strcpy(a.batch, "B,\"1\"");
    strcpy(a.imei, "=cmd|' /C calc'!A0");
    strcpy(a.model, "<script>alert(1)</script>");
    strcpy(a.slot, "@SUM(1+1)");
    strcpy(a.from_version, "-2+3");
    strcpy(a.to_version, "+A08\"><img src=x onerror=alert(2)>");
    a.started_at_ms = FX_T0;
    int64_t id;
    if (fota_store_attempt_begin(s, &a, &id) != 0)
        return -1;
    a.result = FOTA_RESULT_FAIL;
    a.error_class = FOTA_ERR_DOWNLOAD;
    a.error_code = 601;
    strcpy(a.error_text, "line1, \"quoted\"\nline2\x1b[31mred</td>");
    a.duration_ms = 1000;
    if (fota_store_attempt_finish(s, id, &a) != 0)
        return -1;
    fota_store_close(s);
    return 0;
}

static void usage_and_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(fx_report("--help", NULL), 0);
    assert_int_equal(fx_report("--format", "pdf", "--db", DB, NULL), 2);
    assert_int_equal(fx_report("--since", "last tuesday", "--db", DB, NULL), 2);
    assert_int_equal(fx_report("--bogus", NULL), 2);
    assert_int_equal(fx_report("--db", NULL), 2);
    assert_int_equal(fx_report("--db", "does-not-exist.db", NULL), 3);
    FILE *f = fopen("not-a-db.db", "w");
    fputs("this is not SQLite\n", f);
    fclose(f);
    assert_int_equal(fx_report("--db", "not-a-db.db", NULL), 3);
    assert_int_equal(fx_report("--db", DB, "-o", "/nonexistent-dir/x.txt", NULL), 3);
    assert_int_equal(fx_report("--db=" DB, "--format=text", "-o", OUT, NULL), 0);
}

static void formats_and_selection(void **state)
{
    (void)state;
    assert_int_equal(fx_report("--db", DB, "--batch", "B1", "-o", OUT, NULL), 0);
    char *t = fx_slurp(OUT);
    fx_has(t, "Selection: batch B1, since (all time)");
    fx_has(t, "attempts 12: PASS 4 (noop 1), FAIL 5, SKIP 1, INTERRUPTED 1, running 1");
    free(t);

    /* --since accepts other spellings of the same instant (here +01:00). */
    assert_int_equal(fx_report("--db", DB, "--since", "2025-11-23T13:26:20+01:00", "--format", "json",
                         "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "\"since\": \"2025-11-23T12:26:20.000Z\"");
    fx_has(t, "\"attempts\": 3,");
    free(t);

    assert_int_equal(fx_report("--db", DB, "--format", "csv", "--batch", "B2", "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "id,batch,station,operator,slot,port,imei,model,family,from_version,to_version,"
           "final_version,method,package_names,package_sha256,started_at,finished_at,result,noop,"
           "error_class,error_code,error_text,module_retries,hops,download_ms,update_ms,duration_ms,"
           "hub,job_sha256,software_version\r\n");
    fx_has(t, "\r\n14,B2,,,hub1-14,,m11,RM500Q,,A06,A08,,,,,2025-11-23T12:27:20.000Z,"
           "2025-11-23T12:27:50.000Z,FAIL,0,download,601,FTP unknown error,0,0,20000,0,30000,,,\r\n");
    int lines = 0;
    for (const char *p = t; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    assert_int_equal(lines, 1 + 3); /* header + B2's three attempts */
    free(t);

    assert_int_equal(fx_report("--db", DB, "--format", "html", "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "<!DOCTYPE html>");
    fx_has(t, "<svg");
    fx_has(t, "aria-label=\"Failure Pareto\"");
    fx_has(t, "aria-label=\"Duration histogram\"");
    fx_has(t, "aria-label=\"Yield\"");
    fx_lacks(t, "<script");
    fx_lacks(t, "http://");
    fx_lacks(t, "https://");
    free(t);
}

static void hostile_values_are_inert(void **state)
{
    (void)state;
    assert_int_equal(fx_report("--db", HOSTILE_DB, "--format", "csv", "-o", OUT, NULL), 0);
    char *t = fx_slurp(OUT);
    /* Formula cells get a leading quote; quotes doubled; newlines kept inside a
     * quoted cell, so the row stays one record. */
    fx_has(t, ",\"'=cmd|' /C calc'!A0\",");
    fx_has(t, ",\"'@SUM(1+1)\",");
    fx_has(t, ",\"'-2+3\",\"'+A08\"\"><img src=x onerror=alert(2)>\",");
    fx_has(t, "\"B,\"\"1\"\"\"");
    fx_has(t, ",\"line1, \"\"quoted\"\"\nline2\x1b[31mred</td>\",");
    fx_lacks(t, "\r\n=");
    fx_lacks(t, ",=");
    fx_lacks(t, ",@");
    free(t);

    assert_int_equal(fx_report("--db", HOSTILE_DB, "--format", "html", "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_lacks(t, "<script");
    fx_lacks(t, "<img");
    fx_lacks(t, "red</td>");
    fx_has(t, "&lt;script&gt;alert(1)&lt;/script&gt;");
    fx_has(t, "+A08&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
    fx_has(t, "line1, &quot;quoted&quot;");
    free(t);

    assert_int_equal(fx_report("--db", HOSTILE_DB, "--format", "json", "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "\"reason\": \"line1, \\\"quoted\\\"\\nline2\\u001b[31mred\\u003c/td>\"");
    free(t);

    /* The terminal never receives the escape sequence or a raw newline. */
    assert_int_equal(fx_report("--db", HOSTILE_DB, "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_lacks(t, "\x1b");
    fx_has(t, "line1, \"quoted\"?line2?[31mred</td>");
    free(t);
}

/* The report only reads: a file written by an older station (schema v1, no
 * report indexes, never migrated) still gives the right figures. */
static void reads_an_unmigrated_v1_file(void **state)
{
    (void)state;
    unlink("old.db");
    sqlite3 *w;
    assert_int_equal(sqlite3_open("old.db", &w), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w,
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY, batch TEXT, station TEXT, operator TEXT,"
        " slot TEXT, port TEXT, imei TEXT, model TEXT, family TEXT, from_version TEXT,"
        " to_version TEXT, final_version TEXT, method TEXT, package_names TEXT, package_sha256 TEXT,"
        " started_at TEXT NOT NULL, finished_at TEXT, result TEXT, noop INTEGER NOT NULL DEFAULT 0,"
        " error_class TEXT, error_code INTEGER NOT NULL DEFAULT 0, error_text TEXT,"
        " module_retries INTEGER NOT NULL DEFAULT 0, hops INTEGER NOT NULL DEFAULT 0,"
        " download_ms INTEGER, update_ms INTEGER, duration_ms INTEGER);"
        "INSERT INTO attempts (batch, slot, imei, model, started_at, finished_at, result, error_class,"
        " error_code, error_text, duration_ms) VALUES"
        " ('OLD', 's1', '861', 'EC200T', '2024-01-01T00:00:00.000Z', '2024-01-01T00:05:00.000Z',"
        "  'FAIL', 'download', 601, 'FTP unknown error', 300000),"
        " ('OLD', 's1', '861', 'EC200T', '2024-01-01T01:00:00.000Z', '2024-01-01T01:06:00.000Z',"
        "  'PASS', NULL, 0, NULL, 360000),"
        " ('OLD', 's2', '862', 'EC200T', '2024-01-01T02:00:00.000Z', '2024-01-01T02:01:00.000Z',"
        "  'FAIL', 'timeout', 0, 'no URC', 60000);"
        "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);
    assert_int_equal(fx_report("--db", "old.db", "--format", "json", "-o", OUT, NULL), 0);
    char *t = fx_slurp(OUT);
    fx_has(t, "\"modules\": 2, \"first_pass\": 0, \"final_pass\": 1, \"retested_modules\": 1");
    fx_has(t, "\"imei\": \"862\", \"slot\": \"s2\"");
    free(t);
    /* And it stayed as it was: reading never migrates. */
    assert_int_equal(sqlite3_open("old.db", &w), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(w, "PRAGMA user_version", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(w);
}

/* `report …` with standard error caught in ERR; its exit code. */
#define ERR "cli.err"
static int report_err(char **err, const char *a0, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, a0);
    argv[argc++] = (char *)"report";
    for (const char *a = a0; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stderr);
    int saved = dup(2);
    FILE *e = fopen(ERR, "w");
    dup2(fileno(e), 2);
    int rc = fota_report_main(argc, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(e);
    *err = fx_slurp(ERR);
    return rc;
}

/* A results file that cannot be read says why, and exits 3. */
static void unreadable_database_says_why(void **state)
{
    (void)state;
    char *e;
    assert_int_equal(report_err(&e, "--db", "nosuch.db", NULL), 3);
    fx_has(e, "cannot read database nosuch.db: no such file\n");
    free(e);
    FILE *f = fopen("not-a-db.db", "w");
    fputs("this is not SQLite\n", f);
    fclose(f);
    assert_int_equal(report_err(&e, "--db", "not-a-db.db", NULL), 3);
    fx_has(e, "cannot read database not-a-db.db: not a results file (not an SQLite database)\n");
    free(e);
    /* An SQLite file of something else. */
    unlink("other.db");
    sqlite3 *w;
    assert_int_equal(sqlite3_open("other.db", &w), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);
    assert_int_equal(report_err(&e, "--db", "other.db", NULL), 3);
    fx_has(e, "cannot read database other.db: not a results file (no such table: attempts)\n");
    free(e);
    assert_int_equal(report_err(&e, "--db", ".", NULL), 3);
    fx_has(e, "cannot read database .: is a directory, not a results file\n");
    free(e);
    /* Permission: only meaningful when not root (root reads any file). */
    if (geteuid() != 0) {
        fx_build("locked.db");
        chmod("locked.db", 0);
        assert_int_equal(report_err(&e, "--db", "locked.db", NULL), 3);
        fx_has(e, "cannot read database locked.db: permission denied (no read access)\n");
        free(e);
        chmod("locked.db", 0600);
    }
}

/* A mistyped --batch: "no attempts match" and the batches the file has. */
static void unknown_batch_names_the_batches(void **state)
{
    (void)state;
    char *e;
    assert_int_equal(report_err(&e, "--db", DB, "--batch", "nosuch", "-o", OUT, NULL), 0);
    fx_has(e, "no attempts match batch 'nosuch'; batches in " DB ": B1, B2\n");
    free(e);
    char *t = fx_slurp(OUT);
    fx_has(t, "No attempts match.\nBatches in this file: B1, B2\n");
    free(t);
    assert_int_equal(report_err(&e, "--db", DB, "--batch", "nosuch", "--format", "csv", "-o", OUT,
                                NULL), 0);
    fx_has(e, "batches in " DB ": B1, B2\n");
    free(e);
    assert_int_equal(fx_report("--db", DB, "--batch", "nosuch", "--format", "json", "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "\"batches_in_file\": {\"names\": [\"B1\", \"B2\"], \"more\": 0}");
    free(t);
    assert_int_equal(fx_report("--db", DB, "--batch", "nosuch", "--format", "html", "-o", OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "Batches in this file: B1, B2</p>");
    free(t);
    /* Many batches: the first 20 by name, then how many more. */
    unlink("many.db");
    fota_store_t *s;
    assert_int_equal(fota_store_open("many.db", &s, NULL, 0), 0);
    for (int b = 0; b < 25; b++) {
        fota_attempt_t a;
        memset(&a, 0, sizeof a);
        snprintf(a.batch, sizeof a.batch, "W%02d", b);
        a.started_at_ms = FX_T0 + b;
        int64_t id;
        assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
    }
    fota_store_close(s);
    assert_int_equal(report_err(&e, "--db", "many.db", "--batch", "W99", "-o", OUT, NULL), 0);
    fx_has(e, ": W00, W01, W02, W03, W04, W05, W06, W07, W08, W09, W10, W11, W12, W13, W14, W15,"
              " W16, W17, W18, W19 and 5 more\n");
    free(e);
}

/* JSON: a schema version, and with --attempts every attempt of the selection. */
static void json_schema_and_attempts(void **state)
{
    (void)state;
    assert_int_equal(fx_report("--db", DB, "--format", "json", "-o", OUT, NULL), 0);
    char *t = fx_slurp(OUT);
    fx_has(t, "\"schema\": 2,");
    fx_lacks(t, "\"attempts\": [");
    free(t);
    assert_int_equal(fx_report("--db", DB, "--format", "json", "--attempts", "--batch", "B2", "-o",
                               OUT, NULL), 0);
    t = fx_slurp(OUT);
    fx_has(t, "\"attempts\": [\n    {\"id\": 13, \"batch\": \"B2\", \"station\": null,"
              " \"slot\": \"hub1-13\", \"hub\": null, \"imei\": \"m10\", \"model\": \"RM500Q\","
              " \"from_version\": \"A06\", \"to_version\": \"A08\", \"result\": \"PASS\",");
    fx_has(t, "{\"id\": 15, \"batch\": \"B2\"");
    fx_lacks(t, "{\"id\": 12,");
    free(t);
    char *e;
    assert_int_equal(report_err(&e, "--db", DB, "--attempts", NULL), 2);
    fx_has(e, "--attempts is for --format json");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usage_and_exit_codes),
        cmocka_unit_test(formats_and_selection),
        cmocka_unit_test(hostile_values_are_inert),
        cmocka_unit_test(reads_an_unmigrated_v1_file),
        cmocka_unit_test(unreadable_database_says_why),
        cmocka_unit_test(unknown_batch_names_the_batches),
        cmocka_unit_test(json_schema_and_attempts),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
