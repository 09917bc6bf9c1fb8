/* The per-batch table of `report --central` (the local report's
 * report_batches.c): attempts, span and stations per batch; modules by their
 * first and latest verdict in the batch; and, when nothing matched, the
 * batches the central database has. Orders are the local report's, in
 * byte order (COLLATE "C", as SQLite compares text). */
#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "fota_types.h"
#include "report_aggr.h"

#define C " COLLATE \"C\""

/* One row per (batch, station): one pass over the selection gives both the
 * batch's figures (summed here) and its stations. Batches in first start
 * order, then name; a batch's stations in the order the local report meets
 * them (its rows grouped by slot first: the station of the smallest slot,
 * no slot before any, first). */
static const char batches_sql[] =
    "SELECT batch, station, n, since, until, skip, running FROM ("
    " SELECT a.batch, a.station, count(*) AS n, min(a.started_at" C ") AS since,"
    "  max(a.started_at" C ") AS until, count(*) FILTER (WHERE a.result = 'SKIP') AS skip,"
    "  count(*) FILTER (WHERE a.result IS NULL) AS running,"
    "  bool_or(a.slot IS NULL) AS noslot, min(a.slot" C ") AS slot"
    " FROM attempts a WHERE" FOTA_CENTRAL_SEL("a") " GROUP BY a.batch, a.station) s"
    " ORDER BY min(since) OVER (PARTITION BY batch), batch" C " NULLS FIRST, noslot DESC,"
    " slot, station" C;

/* *v becomes the row's cell when it sorts beyond *v in direction dir (-1:
 * before, 1: after): a batch's span over its stations' rows. */
static int keep_extreme(char **v, const PGresult *res, int row, int col, int dir)
{
    const char *c = PQgetvalue(res, row, col);
    if ((strcmp(c, *v) > 0 ? 1 : strcmp(c, *v) < 0 ? -1 : 0) != dir)
        return 0;
    char *n = strdup(c);
    if (!n)
        return -1;
    free(*v);
    *v = n;
    return 0;
}

static int fill_batches(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    if (!(r->batches = calloc((size_t)n, sizeof *r->batches)))
        return FOTA_E_NOMEM;
    fota_report_batch_t *b = NULL;
    for (int i = 0; i < n; i++) {
        /* NULL and "" are one batch name to the renderers but two groups. */
        bool same = b && i > 0 && PQgetisnull(res, i, 0) == PQgetisnull(res, i - 1, 0) &&
                    strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)) == 0;
        if (!same) {
            b = &r->batches[r->n_batches++];
            if (!(b->batch = fota_central_dup(res, i, 0)) ||
                !(b->first_started = fota_central_dup(res, i, 3)) ||
                !(b->last_started = fota_central_dup(res, i, 4)))
                return FOTA_E_NOMEM;
        } else if (keep_extreme(&b->first_started, res, i, 3, -1) < 0 ||
                   keep_extreme(&b->last_started, res, i, 4, 1) < 0) {
            return FOTA_E_NOMEM;
        }
        b->attempts += fota_central_int(res, i, 2);
        b->skip += fota_central_int(res, i, 5);
        b->running += fota_central_int(res, i, 6);
        if (!PQgetisnull(res, i, 1) &&
            fota_report_list_add(&b->stations, PQgetvalue(res, i, 1)) < 0)
            return FOTA_E_NOMEM;
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_batches = {
    "per-batch attempts", 1, 0, 4, batches_sql, fill_batches,
};

/* A module's first and latest verdict in its batch: one walk over the
 * verdicts in (batch, IMEI, start order), the order of the partial index
 * attempts_batch_module (central schema 6), so no sort: a row is its
 * module's first and/or last in the batch by its neighbours. */
#define ALONE(v) "(" v ".imei IS NULL OR " v ".imei = '')"
static const char batch_modules_sql[] =
    "SELECT batch, count(*) FILTER (WHERE first),"
    " count(*) FILTER (WHERE first AND result = 'PASS'),"
    " count(*) FILTER (WHERE last AND result = 'PASS'),"
    " count(*) FILTER (WHERE last AND result = 'FAIL'),"
    " count(*) FILTER (WHERE last AND result = 'INTERRUPTED')"
    " FROM (SELECT v.batch, v.result,"
    "  " ALONE("v") " OR ROW(v.batch, v.imei) IS DISTINCT FROM"
    "   ROW(lag(v.batch) OVER w, lag(v.imei) OVER w) AS first,"
    "  " ALONE("v") " OR ROW(v.batch, v.imei) IS DISTINCT FROM"
    "   ROW(lead(v.batch) OVER w, lead(v.imei) OVER w) AS last"
    "  FROM attempts v WHERE v.result IN ('PASS','FAIL','INTERRUPTED') AND" FOTA_CENTRAL_SEL("v")
    "  WINDOW w AS (ORDER BY v.batch, v.imei, v.started_at, v.station, v.local_id)) m"
    " GROUP BY batch";

static int fill_batch_modules(fota_report_t *r, const PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0); /* "" for NULL, as the rows */
        fota_report_batch_t *b = NULL;
        for (size_t k = 0; !b && k < r->n_batches; k++)
            if (strcmp(r->batches[k].batch, name) == 0)
                b = &r->batches[k];
        if (!b)
            return FOTA_E_IO; /* the same snapshot has every batch's attempts */
        int64_t *dst[] = {&b->modules, &b->first_pass, &b->final_pass, &b->fail, &b->interrupted};
        for (int k = 0; k < 5; k++)
            *dst[k] = fota_central_int(res, i, 1 + k);
        b->pass = b->final_pass; /* latest verdict PASS */
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_batch_modules = {
    "per-batch modules", 1, 0, 4, batch_modules_sql, fill_batch_modules,
};

/* The batch names (of --station's rows, else of every station) when the
 * selection matched nothing: a mistyped --batch shows at once. */
static int fill_known(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    size_t max = FOTA_REPORT_KNOWN_MAX;
    if (!(r->known_batches = calloc(max + 1, sizeof *r->known_batches)))
        return FOTA_E_NOMEM;
    for (int i = 0; i < n; i++) {
        if (r->n_known_batches == max) {
            r->known_batches_more = n - i;
            break;
        }
        if (!(r->known_batches[r->n_known_batches] = fota_central_dup(res, i, 0)))
            return FOTA_E_NOMEM;
        r->n_known_batches++;
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_known = {
    "batch names", 1, 0, 1,
    "SELECT DISTINCT a.batch" C " FROM attempts a WHERE ($1::text IS NULL OR a.station = $1)"
    " ORDER BY 1 NULLS FIRST",
    fill_known,
};
