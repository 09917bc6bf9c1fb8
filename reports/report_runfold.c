/* Identical run headers folded: a month of batches is dozens of runs with the
 * same job, software and packages. One row per distinct (job_sha256,
 * software_version, packages) over the runs behind the selection
 * (report_trace.c), with how many runs, their first and last start, the
 * stations and operators; GROUP BY and DISTINCT only. */
#include "report_aggr.h"

#include <stdio.h>

#define KEY "job_sha256, software_version, packages"

/* head (runs behind the selection) s tail */
static int prepare(sqlite3 *db, const fota_report_sel_t *sel, const fota_report_t *r,
                   const char *head, const char *tail, sqlite3_stmt **st)
{
    char runs[1200], sql[1800];
    fota_report_runs_sql(sel, runs, sizeof runs);
    snprintf(sql, sizeof sql, "%s(%s) s %s", head, runs, tail);
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(*st, sel);
    sqlite3_bind_text(*st, 4, r->first_started, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 5, r->last_started, -1, SQLITE_STATIC);
    return 0;
}

static bool same(const char *a, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strcmp(a, t ? (const char *)t : "") == 0;
}

static int fill_folds(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    sqlite3_stmt *st;
    if (prepare(db, sel, r,
                "SELECT " KEY ", count(*), min(started_at), max(started_at), max(job_name) FROM ",
                "GROUP BY " KEY " ORDER BY min(started_at)",
                &st) < 0)
        return -1;
    int step, rc = 0;
    size_t cap = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n_runfolds == cap) {
            cap = cap ? 2 * cap : 8;
            fota_report_runfold_t *n = realloc(r->runfolds, cap * sizeof *n);
            if (!n) {
                rc = -1;
                break;
            }
            r->runfolds = n;
        }
        fota_report_runfold_t *u = &r->runfolds[r->n_runfolds++];
        memset(u, 0, sizeof *u);
        u->job_sha256 = fota_report_col(st, 0);
        u->software = fota_report_col(st, 1);
        u->packages = fota_report_col(st, 2);
        u->runs = sqlite3_column_int64(st, 3);
        u->first_started = fota_report_col(st, 4);
        u->last_started = fota_report_col(st, 5);
        u->job_name = fota_report_col(st, 6);
        if (!u->job_sha256 || !u->software || !u->packages || !u->first_started ||
            !u->last_started || !u->job_name)
            rc = -1;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

/* The distinct stations (operators) of each fold, as a ", "-joined list. */
static int fill_names(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r, bool operators)
{
    sqlite3_stmt *st;
    if (prepare(db, sel, r,
                operators ? "SELECT DISTINCT " KEY ", operator FROM "
                          : "SELECT DISTINCT " KEY ", station FROM ",
                "ORDER BY 4",
                &st) < 0)
        return -1;
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 3);
        for (size_t i = 0; name && i < r->n_runfolds; i++) {
            fota_report_runfold_t *u = &r->runfolds[i];
            if (same(u->job_sha256, st, 0) && same(u->software, st, 1) && same(u->packages, st, 2) &&
                fota_report_list_add(operators ? &u->operators : &u->stations,
                                     (const char *)name) < 0)
                rc = -1;
        }
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

int fota_report_load_runfolds(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    if (!r->runs_table || !r->attempts)
        return 0;
    if (fill_folds(db, sel, r) < 0 || fill_names(db, sel, r, false) < 0 ||
        fill_names(db, sel, r, true) < 0)
        return -1;
    return 0;
}

void fota_report_free_runfolds(fota_report_t *r)
{
    for (size_t i = 0; i < r->n_runfolds; i++) {
        fota_report_runfold_t *u = &r->runfolds[i];
        char *f[] = {u->job_sha256, u->software,  u->packages,      u->job_name,
                     u->stations,   u->operators, u->first_started, u->last_started};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            free(f[k]);
    }
    free(r->runfolds);
    r->runfolds = NULL;
    r->n_runfolds = 0;
}
