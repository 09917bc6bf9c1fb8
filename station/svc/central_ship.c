#include "central_ship.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fota_types.h"
#include "iso_time.h"
#include "store_schema.h"
#include "utf8.h"

struct fota_ship {
    sqlite3 *db;
    int64_t low;        /* every attempt with id <= low is finished and shipped */
    int64_t next_low;   /* what low may become, read in the round's own snapshot */
    char host[128];     /* station name for rows written without one */
    char *buf;          /* COPY text being built */
    size_t len, cap;
    int64_t *ids;
    size_t n_ids, cap_ids;
    /* Runs (one row per station start) with id <= runs_low are in the central
     * database; -1: not asked yet (runs_seed). */
    int64_t runs_low, runs_next;
    int version;        /* the file's schema version when opened */
};

/* The attempts columns in the central table's order after (station, local_id). */
#define ATTEMPT_COLS                                                                            \
    "batch, operator, slot, port, imei, model, family, from_version, to_version,"                \
    " final_version, method, package_names, package_sha256, started_at, finished_at, result,"   \
    " noop, error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"  \
    " duration_ms, last_heard_at, queued_ms"
static const char attempt_cols[] = ATTEMPT_COLS;
/* A file older than schema 8 (shipped beside an older station, never migrated)
 * has no queued_ms: its rows never measured it, NULL. */
static const char attempt_cols_v7[] =
    "batch, operator, slot, port, imei, model, family, from_version, to_version,"
    " final_version, method, package_names, package_sha256, started_at, finished_at, result,"
    " noop, error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"
    " duration_ms, last_heard_at, NULL";
#define N_ATTEMPT_COLS 27
/* Likewise for runs (central schema 3, station schema 7). */
#define RUN_COLS                                                                                \
    "started_at, batch, operator, job_name, job_path, job_sha256, software_version, packages"
#define N_RUN_COLS 8

/* Finished, not shipped, after the known-shipped prefix; oldest first. */
static const char pick_sql[] =
    "SELECT COALESCE(NULLIF(station, ''), ?2), id, %s FROM attempts a"
    " WHERE result IS NOT NULL AND id > ?1"
    " AND NOT EXISTS (SELECT 1 FROM central_shipped s WHERE s.attempt_id = a.id)"
    " ORDER BY id LIMIT ?3";

static int buf_reserve(fota_ship_t *s, size_t more)
{
    if (s->len + more <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 1 << 16;
    while (cap < s->len + more)
        cap *= 2;
    char *n = realloc(s->buf, cap);
    if (!n)
        return -1;
    s->buf = n;
    s->cap = cap;
    return 0;
}

/* One COPY text field. A module's transcript may hold any byte; PostgreSQL
 * takes only UTF-8, so an invalid byte becomes U+FFFD (one stuck row would
 * otherwise stop the station's shipping for good). */
static int put_field(fota_ship_t *s, const unsigned char *t, char sep)
{
    size_t n = t ? strlen((const char *)t) : 0;
    if (buf_reserve(s, 3 * n + 4) < 0)
        return -1;
    char *o = s->buf + s->len;
    if (!t) {
        memcpy(o, "\\N", 2);
        o += 2;
    }
    for (size_t i = 0; i < n;) {
        unsigned char ch = t[i];
        size_t k = fota_utf8_len(t + i);
        if (k == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        if (k > 1) {
            memcpy(o, t + i, k);
            o += k;
            i += k;
            continue;
        }
        const char *esc = ch == '\\' ? "\\\\" : ch == '\t' ? "\\t" : ch == '\n' ? "\\n"
                        : ch == '\r' ? "\\r" : NULL;
        if (esc) {
            memcpy(o, esc, 2);
            o += 2;
        } else {
            *o++ = (char)ch;
        }
        i++;
    }
    *o++ = sep;
    s->len = (size_t)(o - s->buf);
    return 0;
}

int fota_ship_open(const char *db_path, fota_ship_t **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    fota_ship_t *s = calloc(1, sizeof *s);
    if (!s)
        return FOTA_E_NOMEM;
    if (access(db_path, R_OK | W_OK) != 0) {
        snprintf(errbuf, errlen, "cannot read and write %s", db_path);
        free(s);
        return FOTA_E_IO;
    }
    if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "%s", sqlite3_errmsg(s->db));
        fota_ship_close(s);
        return FOTA_E_IO;
    }
    /* Not the station's loop: waiting for the station's short commits is fine;
     * ours (one small INSERT per round) are as short for the station. */
    sqlite3_busy_timeout(s->db, 5000);
    /* Beside an older station (`ship --follow` as its own service) the file
     * keeps its version, or that station would refuse it as "newer than this
     * build": only central_shipped is added, as schema step 6 defines it. A
     * file older than version 2 (no last_heard_at) is migrated first. */
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
    }
    else if (sqlite3_exec(s->db,
                          "CREATE TABLE IF NOT EXISTS central_shipped ("
                          " attempt_id INTEGER PRIMARY KEY, shipped_at TEXT NOT NULL)",
                          NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "%s", sqlite3_errmsg(s->db));
        rc = FOTA_E_IO;
    }
    if (rc < 0) {
        fota_ship_close(s);
        return rc;
    }
    if (gethostname(s->host, sizeof s->host - 1) != 0 || !s->host[0])
        snprintf(s->host, sizeof s->host, "station");
    s->runs_low = -1;
    *out = s;
    return 0;
}

void fota_ship_close(fota_ship_t *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s->buf);
    free(s->ids);
    free(s);
}

static int push_id(fota_ship_t *s, int64_t id)
{
    if (s->n_ids == s->cap_ids) {
        size_t cap = s->cap_ids ? 2 * s->cap_ids : 256;
        int64_t *n = realloc(s->ids, cap * sizeof *n);
        if (!n)
            return -1;
        s->ids = n;
        s->cap_ids = cap;
    }
    s->ids[s->n_ids++] = id;
    return 0;
}

/* The picked attempts as COPY text in s->buf, their ids in s->ids, their
 * stations in stations[] (parallel to ids, owned by the caller to free). */
static int read_attempts(fota_ship_t *s, int max, char ***stations)
{
    char sql[1024];
    snprintf(sql, sizeof sql, pick_sql, s->version >= 8 ? attempt_cols : attempt_cols_v7);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, s->low);
    sqlite3_bind_text(st, 2, s->host, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, max);
    char **names = calloc((size_t)max, sizeof *names);
    int rc = names ? 0 : -1, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        names[s->n_ids] = strdup((const char *)sqlite3_column_text(st, 0));
        if (!names[s->n_ids] || push_id(s, sqlite3_column_int64(st, 1)) < 0) {
            rc = -1;
            break;
        }
        for (int i = 0; i < 2 + N_ATTEMPT_COLS && rc == 0; i++)
            rc = put_field(s, sqlite3_column_text(st, i), i == 1 + N_ATTEMPT_COLS ? '\n' : '\t');
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    *stations = names;
    return rc;
}

static int read_events(fota_ship_t *s, char **stations, int64_t *n_events)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT attempt_id, rowid, t_ms, dir, text FROM events"
                           " WHERE attempt_id = ?1 ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t k = 0; k < s->n_ids && rc == 0; k++) {
        sqlite3_bind_int64(st, 1, s->ids[k]);
        int step = SQLITE_DONE;
        while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
            rc = put_field(s, (const unsigned char *)stations[k], '\t');
            for (int i = 0; i < 5 && rc == 0; i++)
                rc = put_field(s, sqlite3_column_text(st, i), i == 4 ? '\n' : '\t');
            (*n_events)++;
        }
        if (rc == 0 && step != SQLITE_DONE)
            rc = -1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int pg_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    PQclear(r);
    return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? 0 : -1;
}

static int pg_copy(PGconn *c, const char *sql, const char *data, size_t len)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    PQclear(r);
    if (t != PGRES_COPY_IN)
        return -1;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        size_t n = len - off > (1u << 20) ? (1u << 20) : len - off;
        rc = PQputCopyData(c, data + off, (int)n) == 1 ? 0 : -1;
        off += n;
    }
    if (PQputCopyEnd(c, rc ? "aborted" : NULL) != 1)
        rc = -1;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = -1;
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
    return rc;
}

/* One part of the round: a session-local staging table, the COPY into it, and
 * the idempotent insert. Runs first: a report never sees attempts of a start
 * whose run row is missing. */
typedef struct {
    const char *stage, *copy, *insert;
} ship_part_t;

enum { PART_RUNS, PART_ATTEMPTS, PART_EVENTS, PART__COUNT };

static const ship_part_t parts[PART__COUNT] = {
    [PART_RUNS] = {"CREATE TEMP TABLE IF NOT EXISTS ship_runs (LIKE runs INCLUDING DEFAULTS)"
                   " ON COMMIT DELETE ROWS",
                   "COPY ship_runs (station, local_id, " RUN_COLS ") FROM STDIN",
                   "INSERT INTO runs SELECT * FROM ship_runs ON CONFLICT DO NOTHING"},
    [PART_ATTEMPTS] = {"CREATE TEMP TABLE IF NOT EXISTS ship_attempts"
                       " (LIKE attempts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
                       "COPY ship_attempts (station, local_id, " ATTEMPT_COLS ") FROM STDIN",
                       "INSERT INTO attempts SELECT * FROM ship_attempts ON CONFLICT DO NOTHING"},
    [PART_EVENTS] = {"CREATE TEMP TABLE IF NOT EXISTS ship_events (LIKE events) ON COMMIT DELETE ROWS",
                     "COPY ship_events (station, attempt_id, seq, t_ms, dir, text) FROM STDIN",
                     "INSERT INTO events SELECT * FROM ship_events ON CONFLICT DO NOTHING"},
};

/* The central transaction: each non-empty part's COPY text (off[p] .. off[p+1]
 * in buf) staged, then inserted; one COMMIT for all. */
static int central_put(PGconn *c, const char *buf, const size_t off[PART__COUNT + 1])
{
    if (pg_ok(c, "BEGIN") < 0)
        goto fail;
    for (int p = 0; p < PART__COUNT; p++) {
        size_t len = off[p + 1] - off[p];
        if (len == 0)
            continue;
        if (pg_ok(c, parts[p].stage) < 0 || pg_copy(c, parts[p].copy, buf + off[p], len) < 0 ||
            pg_ok(c, parts[p].insert) < 0)
            goto fail;
    }
    if (pg_ok(c, "COMMIT") < 0)
        goto fail;
    return 0;
fail:
    if (PQstatus(c) == CONNECTION_OK)
        pg_ok(c, "ROLLBACK");
    return -1;
}

/* After the central commit: remember what arrived, and move the shipped prefix
 * when nothing finished is left behind it. */
static void mark_shipped(fota_ship_t *s, bool all_taken)
{
    char now[FOTA_ISO_LEN];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fota_iso_format((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, now);
    sqlite3_stmt *st;
    if (s->n_ids == 0)
        goto move_low; /* nothing to record: the station's file is not written */
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return; /* shipped again next round: harmless */
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO central_shipped VALUES (?1, ?2)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        for (size_t k = 0; k < s->n_ids; k++) {
            sqlite3_bind_int64(st, 1, s->ids[k]);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return;
    }
move_low:
    /* Everything finished after low is shipped now: low moves up to just before
     * the oldest attempt that was running when the round read the file. Read
     * then, not now: an attempt that finished since was not picked, and must not
     * fall behind low. */
    if (all_taken && s->next_low > s->low)
        s->low = s->next_low;
}

/* Inside the round's read snapshot: just before the oldest running attempt, or
 * the newest attempt when none runs. */
static void read_next_low(fota_ship_t *s)
{
    sqlite3_stmt *st;
    s->next_low = s->low;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT COALESCE((SELECT min(id) - 1 FROM attempts WHERE result IS NULL),"
                           " (SELECT max(id) FROM attempts), 0)",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            s->next_low = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
}

/* Where the file's runs stand centrally, asked once per process instead of
 * recorded in the file. Every round ships all runs after runs_low, oldest
 * first, in the same transaction as the attempts, so the central rows of a
 * file are always a prefix of its runs: the highest central local id under the
 * file's station names is where that prefix ends. Nothing local has to be kept
 * in step with the central commit (no send-then-mark gap), the station's file
 * gains no table, and a wrong answer (a central database restored from an
 * older backup while we run) only ships runs again, which the key absorbs.
 * 0, -1 on the file's error, -2 on the server's. */
static int runs_seed(fota_ship_t *s, PGconn *c)
{
    int t = fota_store_has_table(s->db, "runs");
    if (t <= 0) {
        s->runs_low = t == 0 ? 0 : -1; /* no table yet: all of them once it appears */
        return t;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT COALESCE(NULLIF(station, ''), ?1) FROM runs", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, s->host, -1, SQLITE_STATIC);
    int64_t low = 0;
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        PGresult *r = PQexecParams(c, "SELECT COALESCE(max(local_id), 0) FROM runs WHERE station = $1",
                                   1, NULL, &name, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            low = v > low ? v : low;
        } else {
            rc = -2;
        }
        PQclear(r);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    if (rc == 0)
        s->runs_low = low;
    return rc;
}

/* The runs after runs_low as COPY text in s->buf; runs_next: the newest. */
static int read_runs(fota_ship_t *s)
{
    s->runs_next = s->runs_low;
    int t = fota_store_has_table(s->db, "runs");
    if (t <= 0)
        return t;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT COALESCE(NULLIF(station, ''), ?2), id, " RUN_COLS
                           " FROM runs WHERE id > ?1 ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, s->runs_low);
    sqlite3_bind_text(st, 2, s->host, -1, SQLITE_STATIC);
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        s->runs_next = sqlite3_column_int64(st, 1);
        for (int i = 0; i < 2 + N_RUN_COLS && rc == 0; i++)
            rc = put_field(s, sqlite3_column_text(st, i), i == 1 + N_RUN_COLS ? '\n' : '\t');
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

/* The round's COPY text, read in one snapshot (the attempts and their events
 * agree): runs, attempts, events at off[0..3]. */
static int read_round(fota_ship_t *s, int max, int64_t *events_out, size_t off[PART__COUNT + 1])
{
    char **stations = NULL;
    int rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    off[PART_RUNS] = 0;
    if (rc == 0)
        read_next_low(s);
    if (rc == 0)
        rc = read_runs(s);
    off[PART_ATTEMPTS] = s->len;
    if (rc == 0)
        rc = read_attempts(s, max, &stations);
    off[PART_EVENTS] = s->len;
    if (rc == 0)
        rc = read_events(s, stations, events_out);
    off[PART__COUNT] = s->len;
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    for (size_t k = 0; stations && k < s->n_ids; k++)
        free(stations[k]);
    free(stations);
    return rc;
}

int fota_ship_round(fota_ship_t *s, PGconn *c, int max, int64_t *events_out, char *errbuf,
                    size_t errlen)
{
    s->len = 0;
    s->n_ids = 0;
    *events_out = 0;
    size_t off[PART__COUNT + 1];
    int rc = s->runs_low < 0 ? runs_seed(s, c) : 0;
    if (rc == -2) {
        snprintf(errbuf, errlen, "%s", PQerrorMessage(c));
        return FOTA_E_IO;
    }
    if (rc == 0)
        rc = read_round(s, max, events_out, off);
    if (rc < 0) {
        snprintf(errbuf, errlen, "reading the station's file: %s", sqlite3_errmsg(s->db));
        return FOTA_E_IO;
    }
    if (s->n_ids == 0 && s->runs_next == s->runs_low) {
        mark_shipped(s, true);
        return 0;
    }
    if (central_put(c, s->buf, off) < 0) {
        snprintf(errbuf, errlen, "%s", PQerrorMessage(c));
        return FOTA_E_IO;
    }
    s->runs_low = s->runs_next;
    mark_shipped(s, s->n_ids < (size_t)max);
    return (int)s->n_ids;
}

int64_t fota_ship_backlog(fota_ship_t *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM attempts a WHERE result IS NOT NULL AND id > ?1"
                           " AND NOT EXISTS (SELECT 1 FROM central_shipped s"
                           " WHERE s.attempt_id = a.id)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, s->low);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}
