/* `report --central` computed by PostgreSQL: each aggregate of the report
 * (reports/report_model.h) is one SQL query over the selected central attempts
 * and one fill function that puts its few result rows into the same
 * fota_report_t the local loader fills, so the same renderers print it.
 * The loader (central_load.c) runs them in table order inside one
 * repeatable-read transaction: every figure comes from one snapshot.
 *
 * Adding an aggregate: write its query (selection on alias `a` with
 * FOTA_CENTRAL_SEL("a"): $1 station, $2 batch, $3 since, $4 until) and a fill
 * function, declare a fota_central_agg_t below, and list it in central_load.c's
 * table. Internal to reports/. */
#ifndef FOTA_CENTRAL_AGG_H
#define FOTA_CENTRAL_AGG_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "report_model.h"

/* The selection on the attempts aliased `a` (each parameter NULL = any). */
#define FOTA_CENTRAL_SEL(a)                                                                        \
    " ($1::text IS NULL OR " a ".station = $1) AND ($2::text IS NULL OR " a ".batch = $2)"        \
    " AND ($3::text IS NULL OR " a ".started_at >= $3) AND ($4::text IS NULL OR " a              \
    ".started_at < $4)"

/* The central "started first" order, the station's id order across stations:
 * start time, then station name, then the station's own id. */
#define FOTA_CENTRAL_START_ORDER(a) a ".started_at, " a ".station, " a ".local_id"

typedef struct {
    const char *name;  /* for error messages */
    int since_version; /* the central schema the query needs */
    unsigned only;     /* 0: always; else a FOTA_CENTRAL_NEED_* the caller must ask for */
    /* Parameters: 4 = the selection; 6 = also $5 first and $6 last start of
     * the selection (r->first_started, r->last_started, filled before). */
    int n_params;
    const char *sql;
    /* 0, or a negative FOTA_E_* (bad value: FOTA_E_IO, memory: FOTA_E_NOMEM). */
    int (*fill)(fota_report_t *r, const PGresult *res);
} fota_central_agg_t;

extern const fota_central_agg_t fota_central_agg_counts;   /* totals, span, model, revision */
extern const fota_central_agg_t fota_central_agg_slots;    /* slot, hub, stations, operators */
extern const fota_central_agg_t fota_central_agg_pareto;   /* failure Pareto */
extern const fota_central_agg_t fota_central_agg_modules;  /* modules, yields */
extern const fota_central_agg_t fota_central_agg_rework;   /* modules to rework */
extern const fota_central_agg_t fota_central_agg_durations; /* n, min, median, p95, max */
extern const fota_central_agg_t fota_central_agg_histogram; /* total_ms (html) */
extern const fota_central_agg_t fota_central_agg_runs;     /* traceability header */

/* Value helpers for fill functions: a text cell as a heap copy ("" for NULL;
 * NULL only when out of memory), an integer cell (NULL = 0), and a result
 * cell as FOTA_R_* (NULL = running). */
char *fota_central_dup(const PGresult *res, int row, int col);
int64_t fota_central_int(const PGresult *res, int row, int col);
int fota_central_result(const PGresult *res, int row, int col);

#endif
