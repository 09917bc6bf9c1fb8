/* Modules, yields and the rework list of `report --central`, and the failure
 * Pareto. A module is an IMEI (an attempt without one is a module alone); its
 * first and latest verdicts are its first and last PASS/FAIL/INTERRUPTED rows
 * in start order across stations (started_at, station, local id). SKIP and
 * running rows are never verdicts. */
#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "fota_types.h"
#include "report_fill.h"
#include "strmap.h"

/* One walk over the verdicts in (imei, start order), the order of the
 * partial index attempts_module (central schema 5), so no sort: a row is its
 * module's first and/or last by its neighbours' IMEI. */
#define ALONE(v) "(" v ".imei IS NULL OR " v ".imei = '')"
#define VERDICT(v) v ".result IN ('PASS','FAIL','INTERRUPTED')"
static const char modules_sql[] =
    "SELECT count(*) FILTER (WHERE first), count(*) FILTER (WHERE first AND result = 'PASS'),"
    " count(*) FILTER (WHERE last AND result = 'PASS'), count(*) FILTER (WHERE first AND NOT last)"
    " FROM (SELECT v.result,"
    "  " ALONE("v") " OR v.imei IS DISTINCT FROM lag(v.imei) OVER w AS first,"
    "  " ALONE("v") " OR v.imei IS DISTINCT FROM lead(v.imei) OVER w AS last"
    "  FROM attempts v WHERE " VERDICT("v") " AND" FOTA_CENTRAL_SEL("v")
    "  WINDOW w AS (ORDER BY v.imei, v.started_at, v.station, v.local_id)) m";

static int fill_modules(fota_report_t *r, const PGresult *res)
{
    if (PQntuples(res) != 1)
        return FOTA_E_IO;
    r->modules = fota_central_int(res, 0, 0);
    r->first_pass = fota_central_int(res, 0, 1);
    r->final_pass = fota_central_int(res, 0, 2);
    r->retested_modules = fota_central_int(res, 0, 3);
    return 0;
}

const fota_central_agg_t fota_central_agg_modules = {
    "modules", 1, 0, 4, modules_sql, fill_modules,
};

/* The modules whose latest verdict failed: FAIL and INTERRUPTED rows (the
 * partial index attempts_fail holds every column shown) with no later verdict
 * of their IMEI in the selection, and how many verdicts came before: one probe
 * of attempts_module per row counts both. In start order. A row without an
 * IMEI is a module alone, never retested. */
static const char rework_sql[] =
    "SELECT CASE WHEN " ALONE("a") " THEN 0 ELSE k.n - 1 END,"
    " a.local_id, a.error_class, a.error_code, a.error_text, a.slot, a.batch, a.finished_at,"
    " a.imei, a.model, a.result, a.hops, a.module_retries"
    " FROM attempts a, LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE"
    "  (b.started_at, b.station, b.local_id) > (a.started_at, a.station, a.local_id)) AS later"
    "  FROM attempts b WHERE b.imei = a.imei AND " VERDICT("b") " AND" FOTA_CENTRAL_SEL("b") ") k"
    " WHERE a.result IN ('FAIL','INTERRUPTED') AND" FOTA_CENTRAL_SEL("a")
    " AND (" ALONE("a") " OR k.later = 0)"
    " ORDER BY " FOTA_CENTRAL_START_ORDER("a");

static int fill_rework(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    if (!(r->failed = calloc((size_t)n, sizeof *r->failed)))
        return FOTA_E_NOMEM;
    for (int i = 0; i < n; i++, r->n_failed++) {
        fota_report_failed_t *f = &r->failed[i];
        f->retests = fota_central_int(res, i, 0);
        f->id = fota_central_int(res, i, 1);
        f->error_code = fota_central_int(res, i, 3);
        f->hops = fota_central_int(res, i, 11);
        f->module_retries = fota_central_int(res, i, 12);
        char **s[] = {&f->error_class, &f->error_text, &f->slot,  &f->batch,
                      &f->finished_at, &f->imei,       &f->model, &f->result};
        static const int cols[] = {2, 4, 5, 6, 7, 8, 9, 10};
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
            if (!(*s[k] = fota_central_dup(res, i, cols[k]))) {
                r->n_failed++; /* freed with the report */
                return FOTA_E_NOMEM;
            }
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_rework = {
    "rework list", 1, 0, 4, rework_sql, fill_rework,
};

/* Columns: class ("" for none), code, count, meaning. The meaning is the first
 * non-empty error_text in the order the local report meets the rows (IMEI,
 * rows without one first, then start order). */
static int fill_pareto(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    fota_strmap_t *keys = fota_strmap_new();
    if (!keys || !(r->pareto = calloc((size_t)n, sizeof *r->pareto))) {
        fota_strmap_free(keys);
        return FOTA_E_NOMEM;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        /* The local key cuts a class at 64 bytes: groups it merges merge here. */
        char key[96];
        int added;
        snprintf(key, sizeof key, "%.64s\x1f%lld", PQgetvalue(res, i, 0),
                 (long long)fota_central_int(res, i, 1));
        int64_t k = fota_strmap_get(keys, key, &added);
        if (k < 0) {
            rc = FOTA_E_NOMEM;
            break;
        }
        fota_report_pareto_t *p = &r->pareto[k];
        if (added) {
            r->n_pareto++;
            p->error_code = fota_central_int(res, i, 1);
            if (!(p->error_class = fota_central_dup(res, i, 0)) ||
                !(p->meaning = fota_central_dup(res, i, 3)))
                rc = FOTA_E_NOMEM;
        } else if (!p->meaning[0] && !PQgetisnull(res, i, 3)) {
            free(p->meaning);
            if (!(p->meaning = fota_central_dup(res, i, 3)))
                rc = FOTA_E_NOMEM;
        }
        p->count += fota_central_int(res, i, 2);
    }
    fota_strmap_free(keys);
    return rc;
}

const fota_central_agg_t fota_central_agg_pareto = {
    "failure Pareto", 1, 0, 4,
    "SELECT COALESCE(a.error_class, ''), a.error_code, count(*),"
    " (array_agg(a.error_text ORDER BY a.imei NULLS FIRST, " FOTA_CENTRAL_START_ORDER("a") ")"
    "  FILTER (WHERE a.error_text <> ''))[1]"
    " FROM attempts a WHERE a.result = 'FAIL' AND" FOTA_CENTRAL_SEL("a")
    " GROUP BY 1, 2 ORDER BY 1, 2",
    fill_pareto,
};
