#include "central_report.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "central_conn.h"
#include "central_schema.h"
#include "fota_types.h"
#include "store_schema.h"
#include "text_escape.h"

/* The station's attempts columns (docs/database.md), id excluded. */
static const char cols[] =
    "batch, station, operator, slot, port, imei, model, family, from_version, to_version,"
    " final_version, method, package_names, package_sha256, started_at, finished_at, result,"
    " noop, error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"
    " duration_ms, last_heard_at";
#define N_COLS 27
/* Columns stored as integers in the station's file. */
static const int int_cols[] = {17, 19, 21, 22, 23, 24, 25};

/* "WHERE …" over $1 station, $2 batch, $3 since, $4 until; each NULL means "any". */
static const char where_sql[] =
    " WHERE ($1::text IS NULL OR station = $1) AND ($2::text IS NULL OR batch = $2)"
    " AND ($3::text IS NULL OR started_at >= $3) AND ($4::text IS NULL OR started_at < $4)";

static PGconn *connect_checked(const char *dsn, char *errbuf, size_t errlen)
{
    PGconn *c = fota_central_connect(dsn, errbuf, errlen);
    if (!c)
        return NULL;
    int v = fota_central_version(c);
    if (v < 1 || v > FOTA_CENTRAL_SCHEMA_VERSION) {
        snprintf(errbuf, errlen, v < 1 ? "not a FOTA Station central database (no schema)"
                                       : "central schema version %d is newer than this build", v);
        PQfinish(c);
        return NULL;
    }
    return c;
}

static bool is_int_col(int i)
{
    for (size_t k = 0; k < sizeof int_cols / sizeof int_cols[0]; k++)
        if (int_cols[k] == i)
            return true;
    return false;
}

static int copy_rows(PGconn *c, sqlite3 *db, const fota_central_sel_t *sel, char *errbuf,
                     size_t errlen)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM attempts%s ORDER BY started_at, station, local_id",
             cols, where_sql);
    const char *params[4] = {sel->station, sel->batch, sel->since, sel->until};
    sqlite3_stmt *ins;
    char isql[1024];
    snprintf(isql, sizeof isql,
             "INSERT INTO attempts (%s) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
             "?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27)", cols);
    if (sqlite3_prepare_v2(db, isql, -1, &ins, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "in-memory copy: %s", sqlite3_errmsg(db));
        return FOTA_E_IO;
    }
    /* Row by row (single-row mode): a million central rows never sit in
     * libpq's memory and in SQLite's at once. */
    int rc = 0;
    if (!PQsendQueryParams(c, sql, 4, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(c))
        rc = FOTA_E_IO;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_SINGLE_TUPLE && rc == 0) {
            for (int i = 0; i < N_COLS; i++) {
                if (PQgetisnull(r, 0, i))
                    sqlite3_bind_null(ins, i + 1);
                else if (is_int_col(i))
                    sqlite3_bind_int64(ins, i + 1, strtoll(PQgetvalue(r, 0, i), NULL, 10));
                else
                    sqlite3_bind_text(ins, i + 1, PQgetvalue(r, 0, i), -1, SQLITE_TRANSIENT);
            }
            if (sqlite3_step(ins) != SQLITE_DONE)
                rc = FOTA_E_IO;
            sqlite3_reset(ins);
        } else if (t != PGRES_TUPLES_OK && t != PGRES_SINGLE_TUPLE) {
            rc = FOTA_E_IO;
        }
        PQclear(r);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(ins);
    if (rc < 0)
        fota_central_scrub(NULL, PQerrorMessage(c)[0] ? PQerrorMessage(c) : sqlite3_errmsg(db),
                           errbuf, errlen);
    return rc;
}

int fota_central_report_db(const char *dsn, const fota_central_sel_t *sel, sqlite3 **out,
                           char *errbuf, size_t errlen)
{
    *out = NULL;
    PGconn *c = connect_checked(dsn, errbuf, errlen);
    if (!c)
        return FOTA_E_IO;
    sqlite3 *db = NULL;
    int rc = sqlite3_open(":memory:", &db) == SQLITE_OK ? 0 : FOTA_E_NOMEM;
    if (rc == 0)
        rc = fota_store_schema_migrate(db, errbuf, errlen);
    if (rc == 0)
        rc = copy_rows(c, db, sel, errbuf, errlen);
    PQfinish(c);
    if (rc < 0) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

int fota_central_write_lag(const char *dsn, const fota_central_sel_t *sel, FILE *f, char *errbuf,
                           size_t errlen)
{
    PGconn *c = connect_checked(dsn, errbuf, errlen);
    if (!c)
        return FOTA_E_IO;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH l AS (SELECT station, shipped_at,"
             "  extract(epoch FROM shipped_at - finished_at::timestamptz) AS lag"
             "  FROM attempts%s)"
             " SELECT station, count(*), to_char(max(shipped_at) AT TIME ZONE 'UTC',"
             "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
             " round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag)::numeric, 3),"
             " round(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag)::numeric, 3),"
             " round(max(lag)::numeric, 3)"
             " FROM l GROUP BY station ORDER BY station",
             where_sql);
    const char *params[4] = {sel->station, sel->batch, sel->since, sel->until};
    PGresult *r = PQexecParams(c, sql, 4, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fota_central_scrub(dsn, PQerrorMessage(c), errbuf, errlen);
        rc = FOTA_E_IO;
    } else {
        fprintf(f, "\nShipping lag by station (shipped_at - finished_at, seconds)\n");
        fprintf(f, "  %-24s %9s  %-20s %9s %9s %9s\n", "station", "attempts", "last shipped",
                "p50", "p99", "max");
        for (int i = 0; i < PQntuples(r); i++) {
            fputs("  ", f);
            fota_term_text(f, PQgetvalue(r, i, 0), 24);
            fprintf(f, " %9s  %-20s %9s %9s %9s\n", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
        }
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}
