/* `report --central` loader: runs each aggregate's query (central_agg.h) on
 * the server and fills the report model with the rows that come back; nothing
 * per attempt travels (except the html histogram's durations). The queries
 * run at the same time, one connection each, every connection in the same
 * snapshot (the first exports it, the others import it, as pg_dump -j does),
 * so a million rows take the slowest query's time, not the sum. */
#include "central_report.h"

#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "central_conn.h"
#include "central_schema.h"
#include "fota_types.h"
#include "report_aggr.h"
#include "report_fill.h"

/* Filled in this order (the per-batch modules go into the batches' rows).
 * The runs header and its folds need the span the counts give, and the batch
 * names are for a selection that matched nothing, so those are asked after
 * the others, on the first connection. */
static const fota_central_agg_t *const aggs[] = {
    &fota_central_agg_modules,  &fota_central_agg_rework,        &fota_central_agg_durations,
    &fota_central_agg_counts,   &fota_central_agg_slots,         &fota_central_agg_pareto,
    &fota_central_agg_batches,  &fota_central_agg_batch_modules, &fota_central_agg_trend,
    &fota_central_agg_histogram, &fota_central_agg_attempts,     &fota_central_agg_runs,
    &fota_central_agg_runfolds, &fota_central_agg_known,
};
enum { N_AGGS = sizeof aggs / sizeof aggs[0] };

char *fota_central_dup(const PGresult *res, int row, int col)
{
    return strdup(PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

int fota_central_dup_null(const PGresult *res, int row, int col, char **out)
{
    *out = NULL;
    if (PQgetisnull(res, row, col))
        return 0;
    return (*out = strdup(PQgetvalue(res, row, col))) ? 0 : -1;
}

int64_t fota_central_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int fota_central_result(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return FOTA_R_RUNNING;
    switch (PQgetvalue(res, row, col)[0]) {
    case 'P': return FOTA_R_PASS;
    case 'F': return FOTA_R_FAIL;
    case 'S': return FOTA_R_SKIP;
    default: return FOTA_R_INTERRUPTED;
    }
}

static int exec_ok(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok ? 0 : -1;
}

/* One read-only snapshot for every figure while stations keep shipping. Sorts
 * of a plant's month (the module order, the durations) fit in memory; JIT
 * compiling costs more than these one-pass queries save. snap NULL: this
 * connection exports the snapshot into snap_out; else it imports snap. */
static int begin_snapshot(PGconn *c, const char *snap, char *snap_out, size_t snap_len)
{
    if (exec_ok(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0)
        return -1;
    if (snap) {
        char sql[128];
        snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT '%s'", snap);
        if (exec_ok(c, sql) < 0)
            return -1;
    }
    if (exec_ok(c, "SET LOCAL work_mem = '256MB'") < 0 || exec_ok(c, "SET LOCAL jit = off") < 0)
        return -1;
    if (snap)
        return 0;
    PGresult *res = PQexec(c, "SELECT pg_export_snapshot()");
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
             strspn(PQgetvalue(res, 0, 0), "0123456789ABCDEFabcdef-") ==
                 strlen(PQgetvalue(res, 0, 0));
    if (ok)
        snprintf(snap_out, snap_len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return ok ? 0 : -1;
}

static int send_agg(PGconn *c, const fota_central_agg_t *ag, const fota_central_sel_t *sel,
                    const fota_report_t *r)
{
    const char *params[6] = {sel->station,   sel->batch,       sel->since,
                             sel->until,     r->first_started, r->last_started};
    return PQsendQueryParams(c, ag->sql, ag->n_params, NULL, params, NULL, NULL, 0) ? 0 : -1;
}

/* The query's result (the last one libpq hands over), then its fill. */
static int take_agg(PGconn *c, const fota_central_agg_t *ag, fota_report_t *r, const char *dsn,
                    char *errbuf, size_t errlen)
{
    PGresult *res = NULL, *next;
    while ((next = PQgetResult(c)) != NULL) {
        PQclear(res);
        res = next;
    }
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char why[384];
        fota_central_scrub(dsn, PQerrorMessage(c), why, sizeof why);
        snprintf(errbuf, errlen, "%s: %s", ag->name, why);
        rc = FOTA_E_IO;
    } else if ((rc = ag->fill(r, res)) < 0) {
        snprintf(errbuf, errlen, "%s: %s", ag->name,
                 rc == FOTA_E_NOMEM ? "out of memory" : "unexpected value from the server");
    }
    PQclear(res);
    return rc;
}

/* A connection of its own in the snapshot for every query but the first;
 * when one cannot be had (the server's connection limit), its query waits for
 * the first connection instead (lane[i] NULL). */
static void open_lanes(const char *dsn, const char *snap, const bool *use, PGconn **lane)
{
    bool first = true;
    for (size_t i = 0; i < N_AGGS; i++) {
        if (!use[i] || first) {
            first = first && !use[i];
            continue;
        }
        char ignored[256];
        lane[i] = fota_central_connect(dsn, ignored, sizeof ignored);
        if (lane[i] && begin_snapshot(lane[i], snap, NULL, 0) < 0) {
            PQfinish(lane[i]);
            lane[i] = NULL;
        }
    }
}

static int run_aggs(PGconn *c0, const char *dsn, const char *snap, const fota_central_sel_t *sel,
                    unsigned need, int version, fota_report_t *r, char *errbuf, size_t errlen)
{
    bool use[N_AGGS];
    PGconn *lane[N_AGGS] = {NULL};
    for (size_t i = 0; i < N_AGGS; i++)
        use[i] = version >= aggs[i]->since_version && (aggs[i]->only & need) == aggs[i]->only &&
                 aggs[i]->n_params == 4;
    open_lanes(dsn, snap, use, lane);
    int rc = 0;
    size_t first = N_AGGS; /* the one sent on c0 now; the others without a lane wait */
    for (size_t i = 0; rc == 0 && i < N_AGGS; i++) {
        if (!use[i])
            continue;
        if (!lane[i] && first == N_AGGS)
            first = i;
        if ((lane[i] || first == i) && send_agg(lane[i] ? lane[i] : c0, aggs[i], sel, r) < 0)
            rc = FOTA_E_IO;
    }
    for (size_t i = 0; rc == 0 && i < N_AGGS; i++) {
        const fota_central_agg_t *ag = aggs[i];
        if (!use[i] && (ag->n_params == 4 || (ag->n_params == 6) != (r->attempts > 0) ||
                        version < ag->since_version))
            continue; /* the span queries need a selection that has attempts */
        PGconn *c = lane[i] ? lane[i] : c0;
        if (!lane[i] && i != first && send_agg(c0, ag, sel, r) < 0)
            rc = FOTA_E_IO;
        if (rc == 0)
            rc = take_agg(c, ag, r, dsn, errbuf, errlen);
    }
    if (rc == FOTA_E_IO && !errbuf[0])
        fota_central_scrub(dsn, PQerrorMessage(c0), errbuf, errlen);
    for (size_t i = 0; i < N_AGGS; i++)
        PQfinish(lane[i]); /* read only: closing ends the transaction */
    return rc;
}

int fota_central_report_load(const char *dsn, const fota_central_sel_t *sel, unsigned need,
                             fota_report_t **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    if (errlen)
        errbuf[0] = '\0';
    PGconn *c = fota_central_report_connect(dsn, errbuf, errlen);
    if (!c)
        return FOTA_E_IO;
    fota_report_t *r = calloc(1, sizeof *r);
    if (!r) {
        PQfinish(c);
        return FOTA_E_NOMEM;
    }
    r->sel = (fota_report_sel_t){.batch = sel->batch, .since = sel->since, .until = sel->until};
    int version = fota_central_version(c);
    r->runs_table = version >= 3;
    char snap[128];
    int rc = 0;
    if (begin_snapshot(c, NULL, snap, sizeof snap) < 0) {
        fota_central_scrub(dsn, PQerrorMessage(c), errbuf, errlen);
        rc = FOTA_E_IO;
    } else {
        rc = run_aggs(c, dsn, snap, sel, need, version, r, errbuf, errlen);
    }
    exec_ok(c, "COMMIT");
    PQfinish(c);
    if (rc == 0) {
        r->pareto_total = r->n[FOTA_R_FAIL];
        fota_report_pareto_sort(r);
        /* the hub x port grid is the slots' tallies laid out, as locally */
        if ((rc = fota_report_failed_fill_reasons(r)) < 0 ||
            (rc = fota_report_grid_build(r) < 0 ? FOTA_E_NOMEM : 0) < 0)
            snprintf(errbuf, errlen, "out of memory");
    }
    if (rc < 0) {
        fota_report_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
