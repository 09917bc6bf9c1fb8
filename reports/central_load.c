/* `report --central` loader: runs each aggregate's query (central_agg.h) on
 * the server in one read-only snapshot and fills the report model with the
 * rows that come back; nothing per attempt travels (except the html
 * histogram's durations). */
#include "central_report.h"

#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "central_conn.h"
#include "central_schema.h"
#include "fota_types.h"
#include "report_fill.h"

/* In the order they run: the runs header needs the span the counts give. */
static const fota_central_agg_t *const aggs[] = {
    &fota_central_agg_counts,    &fota_central_agg_slots,     &fota_central_agg_pareto,
    &fota_central_agg_modules,   &fota_central_agg_durations, &fota_central_agg_histogram,
    &fota_central_agg_runs,
};

char *fota_central_dup(const PGresult *res, int row, int col)
{
    return strdup(PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
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

static int run_agg(PGconn *c, const fota_central_agg_t *ag, const fota_central_sel_t *sel,
                   fota_report_t *r, const char *dsn, char *errbuf, size_t errlen)
{
    const char *params[6] = {sel->station,   sel->batch,     sel->since,
                             sel->until,     r->first_started, r->last_started};
    PGresult *res = PQexecParams(c, ag->sql, ag->n_params, NULL, params, NULL, NULL, 0);
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

int fota_central_report_load(const char *dsn, const fota_central_sel_t *sel, bool histogram,
                             fota_report_t **out, char *errbuf, size_t errlen)
{
    *out = NULL;
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
    int rc = 0;
    /* One snapshot for every figure while stations keep shipping. Sorts of a
     * plant's month (the module order, the durations) fit in memory; JIT
     * compiling costs more than these one-pass queries save. */
    if (exec_ok(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0 ||
        exec_ok(c, "SET LOCAL work_mem = '256MB'") < 0 || exec_ok(c, "SET LOCAL jit = off") < 0) {
        fota_central_scrub(dsn, PQerrorMessage(c), errbuf, errlen);
        rc = FOTA_E_IO;
    }
    for (size_t i = 0; rc == 0 && i < sizeof aggs / sizeof aggs[0]; i++) {
        const fota_central_agg_t *ag = aggs[i];
        if (version < ag->since_version || (ag->html_only && !histogram))
            continue;
        if (ag->n_params > 4 && !r->attempts) /* nothing selected: no span to ask about */
            continue;
        rc = run_agg(c, ag, sel, r, dsn, errbuf, errlen);
    }
    exec_ok(c, "COMMIT");
    PQfinish(c);
    if (rc == 0) {
        r->pareto_total = r->n[FOTA_R_FAIL];
        fota_report_pareto_sort(r);
        if ((rc = fota_report_failed_fill_reasons(r)) < 0)
            snprintf(errbuf, errlen, "out of memory");
    }
    if (rc < 0) {
        fota_report_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
