/* Who and what produced the selected attempts (the traceability header: station,
 * operator, job, its hash, package hashes, software version; table `runs`), and
 * the words and transcript pointer of the rework rows. */
#include "report_slots.h"

#include <stdio.h>
#include "report_aggr.h"

#include <stdlib.h>
#include <string.h>

#include "store_schema.h"

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

void fota_report_reason_note(const fota_report_failed_t *x, char *out, size_t len)
{
    out[0] = '\0';
    /* The application notes describe these codes as "will retry until
     * successful": a FAIL row with one means the retries ran out. */
    if (strcmp(x->error_class, "transient") == 0 && strcmp(x->result, "FAIL") == 0)
        snprintf(out, len,
                 "the module gave up after %lld retr%s of its own (module_retries = %lld)",
                 (long long)x->module_retries, x->module_retries == 1 ? "y" : "ies",
                 (long long)x->module_retries);
}

const char *fota_report_pareto_note(const fota_report_pareto_t *p)
{
    return strcmp(p->error_class, "transient") == 0
               ? "in a FAIL row: the module gave up after its own retries (module_retries)"
               : "";
}

void fota_report_transcript_sql(int64_t id, char *out, size_t len)
{
    snprintf(out, len, "SELECT t_ms, dir, text FROM events WHERE attempt_id = %lld ORDER BY rowid",
             (long long)id);
}

/* The runs behind the selection: those of its batches that started before
 * its last attempt, less any run followed by another of the same batch and
 * station before its first attempt (that one took over). */
void fota_report_runs_sql(const fota_report_sel_t *sel, char *out, size_t len)
{
    char where[128];
    fota_report_where(sel, where, sizeof where);
    /* Driven from runs (a few rows): one probe of attempts_batch per run. */
    snprintf(out, len,
             "SELECT u.id, started_at, batch, station, operator, job_name, job_sha256,"
             " software_version, packages FROM runs u"
             " WHERE EXISTS (SELECT 1 FROM attempts%s%s attempts.batch = u.batch)"
             " AND started_at <= ?5"
             " AND NOT EXISTS (SELECT 1 FROM runs v WHERE v.batch IS u.batch"
             "  AND v.station IS u.station AND v.started_at > u.started_at AND v.started_at <= ?4)",
             where, where[0] ? " AND" : " WHERE");
}

static int load_runs(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char runs[1200], sql[1400];
    fota_report_runs_sql(sel, runs, sizeof runs);
    snprintf(sql, sizeof sql,
             "SELECT started_at, batch, station, operator, job_name, job_sha256, software_version,"
             " packages FROM (%s) s ORDER BY started_at, id",
             runs);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(st, sel);
    sqlite3_bind_text(st, 4, r->first_started, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->last_started, -1, SQLITE_STATIC);
    int step, rc = 0;
    size_t cap = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n_runs == cap) {
            cap = cap ? 2 * cap : 8;
            fota_report_run_t *n = realloc(r->runs, cap * sizeof *n);
            if (!n) {
                rc = -1;
                break;
            }
            r->runs = n;
        }
        fota_report_run_t *u = &r->runs[r->n_runs++];
        char **f[] = {&u->started_at, &u->batch,      &u->station,  &u->operator_id,
                      &u->job_name,   &u->job_sha256, &u->software, &u->packages};
        for (int i = 0; i < 8; i++)
            if (!(*f[i] = col_dup(st, i)))
                rc = -1;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

int fota_report_load_trace(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    int t = fota_store_has_table(db, "runs");
    if (t < 0)
        return -1;
    r->runs_table = t == 1;
    if (r->runs_table && r->attempts && load_runs(db, sel, r) < 0)
        return -1;
    return 0;
}
