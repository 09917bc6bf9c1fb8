/* The rest of the first page of `report --central` (the local report's
 * report_runfold.c and report_trend.c): identical run headers folded, and
 * the attempts per day. Orders are the local report's, in byte order
 * (COLLATE "C", as SQLite compares text). */
#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "fota_types.h"

#define C " COLLATE \"C\""
/* The distinct non-empty values of a run column, ", "-joined in byte order. */
#define NAMES(col)                                                                                 \
    "string_agg(DISTINCT NULLIF(u." col ", '')" C ", ', ' ORDER BY NULLIF(u." col ", '')" C ")"

/* One row per distinct (job sha256, software version, packages) among the
 * runs behind the selection, in first start order. */
static int fill_runfolds(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    if (!(r->runfolds = calloc((size_t)n, sizeof *r->runfolds)))
        return FOTA_E_NOMEM;
    for (int i = 0; i < n; i++) {
        fota_report_runfold_t *u = &r->runfolds[r->n_runfolds++];
        u->runs = fota_central_int(res, i, 3);
        char **f[] = {&u->job_sha256, &u->software,      &u->packages,
                      &u->first_started, &u->last_started, &u->job_name};
        static const int cols[] = {0, 1, 2, 4, 5, 6};
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
            if (!(*f[k] = fota_central_dup(res, i, cols[k])))
                return FOTA_E_NOMEM;
        /* none named: no list at all, as the local report */
        if (fota_central_dup_null(res, i, 7, &u->stations) < 0 ||
            fota_central_dup_null(res, i, 8, &u->operators) < 0)
            return FOTA_E_NOMEM;
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_runfolds = {
    "folded run headers", 3, 0, 6,
    "SELECT u.job_sha256, u.software_version, u.packages, count(*), min(u.started_at" C "),"
    " max(u.started_at" C "), max(u.job_name" C "), " NAMES("station") ", " NAMES("operator")
    " FROM runs u WHERE" FOTA_CENTRAL_RUNS_WHERE("u")
    " GROUP BY u.job_sha256, u.software_version, u.packages ORDER BY 5",
    fill_runfolds,
};

/* Attempts by result per day (UTC: the first ten characters of the stored
 * time), days with none left out. A hash of a few dozen days: no sort of
 * the rows. */
static int fill_trend(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    if (!(r->trend = calloc((size_t)n, sizeof *r->trend)))
        return FOTA_E_NOMEM;
    for (int i = 0; i < n; i++) {
        fota_report_trend_t *t = &r->trend[r->n_trend++];
        snprintf(t->day, sizeof t->day, "%s", PQgetvalue(res, i, 0));
        int64_t *dst[] = {&t->attempts, &t->pass, &t->fail, &t->interrupted, &t->skip};
        for (int k = 0; k < 5; k++)
            *dst[k] = fota_central_int(res, i, 1 + k);
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_trend = {
    "trend per day", 1, 0, 4,
    "SELECT substr(a.started_at, 1, 10)" C ", count(*),"
    " count(*) FILTER (WHERE a.result = 'PASS'), count(*) FILTER (WHERE a.result = 'FAIL'),"
    " count(*) FILTER (WHERE a.result = 'INTERRUPTED'), count(*) FILTER (WHERE a.result = 'SKIP')"
    " FROM attempts a WHERE" FOTA_CENTRAL_SEL("a") " GROUP BY 1 ORDER BY 1",
    fill_trend,
};
