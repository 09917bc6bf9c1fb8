/* The shipper's reads and records in the station's results file; see store_ship.h. */
#include "store_ship.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fota_types.h"
#include "store_schema.h"

struct fota_store_ship {
    sqlite3 *db;
    int version; /* the file's schema version when opened */
};

/* A file older than schema 8 (shipped beside an older station, never migrated)
 * has no queued_ms: its rows never measured it, NULL. One older than
 * FOTA_STORE_POWER_VERSION has no power_cycles: no station cut their power, 0. */
#define ATTEMPT_COLS_V7                                                                            \
    "batch, operator, slot, port, imei, model, family, from_version, to_version,"                \
    " final_version, method, package_names, package_sha256, started_at, finished_at, result,"   \
    " noop, error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"  \
    " duration_ms, last_heard_at"
static const char attempt_cols_v7[] = ATTEMPT_COLS_V7 ", NULL, 0";
static const char attempt_cols_v8[] = ATTEMPT_COLS_V7 ", queued_ms, 0";

/* Finished, not shipped, after the known-shipped prefix; oldest first. */
static const char pick_sql[] =
    "SELECT COALESCE(NULLIF(station, ''), ?2), id, %s FROM attempts a"
    " WHERE result IS NOT NULL AND id > ?1"
    " AND NOT EXISTS (SELECT 1 FROM central_shipped s WHERE s.attempt_id = a.id)"
    " ORDER BY id LIMIT ?3";

int fota_store_ship_open(const char *db_path, fota_store_ship_t **out, char *errbuf,
                         size_t errlen)
{
    *out = NULL;
    fota_store_ship_t *s = calloc(1, sizeof *s);
    if (!s)
        return FOTA_E_NOMEM;
    if (access(db_path, R_OK | W_OK) != 0) {
        snprintf(errbuf, errlen, "cannot read and write %s", db_path);
        free(s);
        return FOTA_E_IO;
    }
    if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "%s", sqlite3_errmsg(s->db));
        fota_store_ship_close(s);
        return FOTA_E_IO;
    }
    /* Not the station's loop: waiting for the station's short commits is fine;
     * ours (one small INSERT per round) are as short for the station. */
    sqlite3_busy_timeout(s->db, 5000);
    /* A file older than version 2 (no last_heard_at) is migrated first; any
     * other keeps its version (store_ship.h). */
    sqlite3_stmt *st;
    int version = 0, rc = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    s->version = version;
    if (version < 2) {
        rc = fota_store_schema_migrate(s->db, errbuf, errlen);
        s->version = FOTA_STORE_SCHEMA_VERSION;
    } else if (sqlite3_exec(s->db,
                            "CREATE TABLE IF NOT EXISTS central_shipped ("
                            " attempt_id INTEGER PRIMARY KEY, shipped_at TEXT NOT NULL)",
                            NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "%s", sqlite3_errmsg(s->db));
        rc = FOTA_E_IO;
    }
    if (rc < 0) {
        fota_store_ship_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void fota_store_ship_close(fota_store_ship_t *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

const char *fota_store_ship_error(const fota_store_ship_t *s)
{
    return sqlite3_errmsg(s->db);
}

int fota_store_ship_begin(fota_store_ship_t *s)
{
    return sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

void fota_store_ship_end(fota_store_ship_t *s)
{
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

int64_t fota_store_ship_next_low(fota_store_ship_t *s, int64_t low)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT COALESCE((SELECT min(id) - 1 FROM attempts WHERE result IS NULL),"
                           " (SELECT max(id) FROM attempts), 0)",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            low = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return low;
}

/* Steps a bound statement to its end, handing each row to fn; finalizes it. */
static int each_row(sqlite3_stmt *st, fota_store_ship_row_fn fn, void *ctx)
{
    const char *fields[2 + FOTA_SHIP_N_ATTEMPT_COLS];
    int n = sqlite3_column_count(st), rc = 0, step = SQLITE_DONE;
    if (n > (int)(sizeof fields / sizeof fields[0]))
        n = (int)(sizeof fields / sizeof fields[0]);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            fields[i] = (const char *)sqlite3_column_text(st, i);
        rc = fn(ctx, n > 1 ? sqlite3_column_int64(st, 1) : 0, fields, n);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

int fota_store_ship_run_stations(fota_store_ship_t *s, const char *host, int *has_runs,
                                 fota_store_ship_row_fn fn, void *ctx)
{
    int t = fota_store_has_table(s->db, "runs");
    *has_runs = t > 0;
    if (t <= 0)
        return t;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT COALESCE(NULLIF(station, ''), ?1) FROM runs", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    return each_row(st, fn, ctx);
}

int fota_store_ship_runs(fota_store_ship_t *s, int64_t after, const char *host,
                         fota_store_ship_row_fn fn, void *ctx)
{
    int t = fota_store_has_table(s->db, "runs");
    if (t <= 0)
        return t;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT COALESCE(NULLIF(station, ''), ?2), id, " FOTA_SHIP_RUN_COLS
                           " FROM runs WHERE id > ?1 ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
    return each_row(st, fn, ctx);
}

int fota_store_ship_attempts(fota_store_ship_t *s, int64_t after, const char *host, int max,
                             fota_store_ship_row_fn fn, void *ctx)
{
    char sql[1024];
    snprintf(sql, sizeof sql, pick_sql,
             s->version >= FOTA_STORE_POWER_VERSION ? FOTA_SHIP_ATTEMPT_COLS
             : s->version >= 8                      ? attempt_cols_v8
                                                    : attempt_cols_v7);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, max);
    return each_row(st, fn, ctx);
}

int fota_store_ship_events(fota_store_ship_t *s, int64_t attempt_id, fota_store_ship_row_fn fn,
                           void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT attempt_id, rowid, t_ms, dir, text FROM events"
                           " WHERE attempt_id = ?1 ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, attempt_id);
    return each_row(st, fn, ctx);
}

int fota_store_ship_mark(fota_store_ship_t *s, const int64_t *ids, size_t n, const char *now)
{
    if (n == 0)
        return 0; /* nothing to record: the station's file is not written */
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO central_shipped VALUES (?1, ?2)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        for (size_t k = 0; k < n; k++) {
            sqlite3_bind_int64(st, 1, ids[k]);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int64_t fota_store_ship_backlog(fota_store_ship_t *s, int64_t after)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM attempts a WHERE result IS NOT NULL AND id > ?1"
                           " AND NOT EXISTS (SELECT 1 FROM central_shipped s"
                           " WHERE s.attempt_id = a.id)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}
