/* Durations and the traceability header of `report --central`. */
#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "central_report.h"
#include "fota_types.h"

/* Durations of PASS attempts that did work, a phase only where it took time.
 * Each phase's values are sorted once on the server and the median and p95
 * picked at the nearest rank ceil(p * n / 100) in integer arithmetic: the
 * very values report_stats.c selects (percentile_disc's float fraction could
 * land one rank off). Columns: phase, n, min, median, p95, max. */
#define RANKED(col)                                                                                \
    "array_agg(a." col " ORDER BY a." col ") FILTER (WHERE a." col " > 0)"
static const char durations_sql[] =
    "SELECT d.k, cardinality(d.v), d.v[1], d.v[(cardinality(d.v) * 50 + 99) / 100],"
    " d.v[(cardinality(d.v) * 95 + 99) / 100], d.v[cardinality(d.v)]"
    " FROM (SELECT " RANKED("download_ms") " AS dl, " RANKED("update_ms") " AS up, "
    RANKED("duration_ms") " AS tot"
    "  FROM attempts a WHERE a.result = 'PASS' AND a.noop = 0 AND" FOTA_CENTRAL_SEL("a") ") s,"
    " LATERAL (VALUES (0, s.dl), (1, s.up), (2, s.tot)) d(k, v) WHERE d.v IS NOT NULL";

static int fill_durations(fota_report_t *r, const PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t k = fota_central_int(res, i, 0);
        if (k < 0 || k >= FOTA_DUR__COUNT)
            return FOTA_E_IO;
        fota_report_dur_t *d = &r->dur[k];
        d->n = fota_central_int(res, i, 1);
        d->min = fota_central_int(res, i, 2);
        d->median = fota_central_int(res, i, 3);
        d->p95 = fota_central_int(res, i, 4);
        d->max = fota_central_int(res, i, 5);
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_durations = {
    "durations", 1, 0, 4, durations_sql, fill_durations,
};

/* The html histogram bins every total duration: the one aggregate whose
 * rows are per attempt, asked for only by that format. */
static int fill_histogram(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    if (!(r->total_ms = malloc((size_t)n * sizeof *r->total_ms)))
        return FOTA_E_NOMEM;
    for (int i = 0; i < n; i++)
        r->total_ms[i] = fota_central_int(res, i, 0);
    r->n_total_ms = (size_t)n;
    return 0;
}

const fota_central_agg_t fota_central_agg_histogram = {
    "duration histogram", 1, FOTA_CENTRAL_NEED_HISTOGRAM, 4,
    "SELECT a.duration_ms FROM attempts a"
    " WHERE a.result = 'PASS' AND a.noop = 0 AND a.duration_ms > 0 AND" FOTA_CENTRAL_SEL("a"),
    fill_histogram,
};

/* The runs behind the selection, by the local report's rule (report_trace.c)
 * per station: runs of a selected attempt's batch and station that started
 * by the last selected start ($6), less any run that another start of its
 * batch and station took over by the first one ($5). Oldest first. */
static int fill_runs(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    if (!(r->runs = calloc((size_t)n, sizeof *r->runs)))
        return FOTA_E_NOMEM;
    for (int i = 0; i < n; i++) {
        fota_report_run_t *u = &r->runs[r->n_runs++];
        char **f[] = {&u->started_at, &u->batch,      &u->station,  &u->operator_id,
                      &u->job_name,   &u->job_sha256, &u->software, &u->packages};
        for (int k = 0; k < 8; k++)
            if (!(*f[k] = fota_central_dup(res, i, k)))
                return FOTA_E_NOMEM;
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_runs = {
    "runs", 3, 0, 6,
    "SELECT u.started_at, u.batch, u.station, u.operator, u.job_name, u.job_sha256,"
    " u.software_version, u.packages FROM runs u WHERE" FOTA_CENTRAL_RUNS_WHERE("u")
    " ORDER BY " FOTA_CENTRAL_START_ORDER("u"),
    fill_runs,
};
