#include "central_report.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "central_conn.h"
#include "central_schema.h"
#include "fota_types.h"
#include "store_schema.h"
#include "text_escape.h"

/* For the csv format (one row per attempt, every column): the selected rows
 * copied into an in-memory station file for the csv writer. The other
 * formats never copy: central_load.c asks the server for their figures.
 * What is copied: a central query over $1 station, $2 batch, $3 since, $4
 * until (each NULL means "any"), row for row into the station's table of the
 * same columns. Ids are assigned in the query's order. */
typedef struct {
    const char *select, *insert;
    int n_cols;
    unsigned int_cols; /* bit i: column i is an integer in the station's file */
    int since_version; /* the central schema that has the table */
    int until_version; /* a newer schema copies it with another spec; 0: none */
} copy_spec_t;

/* The attempts columns (docs/database.md), id excluded. */
#define ATT_COLS                                                                                \
    "batch, station, operator, slot, port, imei, model, family, from_version, to_version,"      \
    " final_version, method, package_names, package_sha256, started_at, finished_at, result,"   \
    " noop, error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"  \
    " duration_ms, last_heard_at"
#define RUN_COLS                                                                                \
    "started_at, batch, station, operator, job_name, job_path, job_sha256, software_version,"   \
    " packages"
/* "WHERE …" of the selection on a table aliased `a`. */
#define SEL_WHERE(a)                                                                            \
    " WHERE ($1::text IS NULL OR " a ".station = $1) AND ($2::text IS NULL OR " a ".batch = $2)" \
    " AND ($3::text IS NULL OR " a ".started_at >= $3) AND ($4::text IS NULL OR " a            \
    ".started_at < $4)"

static const char where_sql[] = SEL_WHERE("attempts");

#define ATT_INT_COLS 1u << 17 | 1u << 19 | 1u << 21 | 1u << 22 | 1u << 23 | 1u << 24 | 1u << 25

static const copy_spec_t copies[] = {
    {"SELECT " ATT_COLS " FROM attempts" SEL_WHERE("attempts")
     " ORDER BY started_at, station, local_id",
     "INSERT INTO attempts (" ATT_COLS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
     "?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27)",
     27, ATT_INT_COLS, 1, 4},
    /* Central schema 4 has queued_ms. */
    {"SELECT " ATT_COLS ", queued_ms FROM attempts" SEL_WHERE("attempts")
     " ORDER BY started_at, station, local_id",
     "INSERT INTO attempts (" ATT_COLS ", queued_ms) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
     "?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28)",
     28, ATT_INT_COLS | 1u << 27, 4, 0},
    /* The runs the csv's job_sha256 and software_version columns may name
     * (the latest run of the attempt's batch and station started by its
     * start, reports/report_csv.c): those of the selected attempts' batches
     * and stations, started before the span's end, less any run another
     * start of its batch and station took over before the span. */
    {"SELECT " RUN_COLS " FROM runs u"
     " WHERE ($1::text IS NULL OR u.station = $1) AND ($2::text IS NULL OR u.batch = $2)"
     " AND ($4::text IS NULL OR u.started_at < $4)"
     " AND ($3::text IS NULL OR u.started_at >= $3 OR NOT EXISTS (SELECT 1 FROM runs v"
     "  WHERE v.batch = u.batch AND v.station = u.station AND v.started_at > u.started_at"
     "  AND v.started_at <= $3))"
     " AND EXISTS (SELECT 1 FROM attempts a" SEL_WHERE("a")
     "  AND a.batch = u.batch AND a.station = u.station)"
     " ORDER BY u.started_at, u.station, u.local_id",
     "INSERT INTO runs (" RUN_COLS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)", 9, 0, 3, 0},
};

PGconn *fota_central_report_connect(const char *dsn, char *errbuf, size_t errlen)
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

static int copy_rows(PGconn *c, sqlite3 *db, const copy_spec_t *cp,
                     const fota_central_sel_t *sel, char *errbuf, size_t errlen)
{
    const char *params[4] = {sel->station, sel->batch, sel->since, sel->until};
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, cp->insert, -1, &ins, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "in-memory copy: %s", sqlite3_errmsg(db));
        return FOTA_E_IO;
    }
    /* Row by row (single-row mode): a million central rows never sit in
     * libpq's memory and in SQLite's at once. */
    int rc = 0;
    if (!PQsendQueryParams(c, cp->select, 4, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(c))
        rc = FOTA_E_IO;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_SINGLE_TUPLE && rc == 0) {
            for (int i = 0; i < cp->n_cols; i++) {
                if (PQgetisnull(r, 0, i))
                    sqlite3_bind_null(ins, i + 1);
                else if (cp->int_cols & 1u << i)
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
    PGconn *c = fota_central_report_connect(dsn, errbuf, errlen);
    if (!c)
        return FOTA_E_IO;
    sqlite3 *db = NULL;
    int rc = sqlite3_open(":memory:", &db) == SQLITE_OK ? 0 : FOTA_E_NOMEM;
    if (rc == 0)
        rc = fota_store_schema_migrate(db, errbuf, errlen);
    /* A central database no station of this build has shipped to yet has
     * no runs: the header then names stations and operators only. */
    int version = fota_central_version(c);
    for (size_t i = 0; rc == 0 && i < sizeof copies / sizeof copies[0]; i++)
        if (version >= copies[i].since_version &&
            (!copies[i].until_version || version < copies[i].until_version))
            rc = copy_rows(c, db, &copies[i], sel, errbuf, errlen);
    PQfinish(c);
    if (rc < 0) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

PGconn *fota_central_lag_start(const char *dsn, const fota_central_sel_t *sel, char *errbuf,
                               size_t errlen)
{
    PGconn *c = fota_central_report_connect(dsn, errbuf, errlen);
    if (!c)
        return NULL;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH l AS (SELECT station, shipped_at,"
             "  date_part('epoch', shipped_at - finished_at::timestamptz) AS lag"
             "  FROM attempts%s)"
             " SELECT station, count(*), to_char(max(shipped_at) AT TIME ZONE 'UTC',"
             "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
             " round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag)::numeric, 3),"
             " round(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag)::numeric, 3),"
             " round(max(lag)::numeric, 3)"
             " FROM l GROUP BY station ORDER BY station",
             where_sql);
    const char *params[4] = {sel->station, sel->batch, sel->since, sel->until};
    /* The lag as a double (extract() gives numeric, slow to sort over a
     * month's rows), sorted in memory, no JIT (as central_load.c). */
    PQclear(PQexec(c, "SET work_mem = '256MB'"));
    PQclear(PQexec(c, "SET jit = off"));
    if (!PQsendQueryParams(c, sql, 4, NULL, params, NULL, NULL, 0)) {
        fota_central_scrub(dsn, PQerrorMessage(c), errbuf, errlen);
        PQfinish(c);
        return NULL;
    }
    return c;
}

int fota_central_lag_write(PGconn *c, const char *dsn, FILE *f, char *errbuf, size_t errlen)
{
    PGresult *r = NULL, *next;
    while ((next = PQgetResult(c)) != NULL) {
        PQclear(r);
        r = next;
    }
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
            fota_text_term(f, PQgetvalue(r, i, 0), 24);
            fprintf(f, " %9s  %-20s %9s %9s %9s\n", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
        }
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}
