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

/* The runs behind the selection (runs aliased u; needs $5 and $6), by the
 * local report's rule (report_trace.c) per station: runs of a selected
 * attempt's batch and station that started by the last selected start ($6),
 * less any run that another start of its batch and station took over by the
 * first one ($5). */
#define FOTA_CENTRAL_RUNS_WHERE(u)                                                                 \
    " ($1::text IS NULL OR " u ".station = $1) AND " u ".started_at <= $6"                        \
    " AND EXISTS (SELECT 1 FROM attempts a WHERE a.batch = " u ".batch AND a.station = " u       \
    ".station AND" FOTA_CENTRAL_SEL("a") ")"                                                       \
    " AND NOT EXISTS (SELECT 1 FROM runs v WHERE v.batch = " u ".batch AND v.station = " u        \
    ".station AND v.started_at > " u ".started_at AND v.started_at <= $5)"

typedef struct {
    const char *name;  /* for error messages */
    int since_version; /* the central schema the query needs */
    unsigned only;     /* 0: always; else a FOTA_CENTRAL_NEED_* the caller must ask for */
    /* Parameters: 4 = the selection; 6 = also $5 first and $6 last start of
     * the selection (r->first_started, r->last_started, filled before), asked
     * only when the selection has attempts; 1 = $1 the station alone, asked
     * only when the selection has none. */
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
extern const fota_central_agg_t fota_central_agg_batches;  /* per-batch rows, their stations */
extern const fota_central_agg_t fota_central_agg_batch_modules; /* per-batch modules, yields */
extern const fota_central_agg_t fota_central_agg_known;    /* batch names when none matched */
extern const fota_central_agg_t fota_central_agg_runfolds; /* identical run headers folded */
extern const fota_central_agg_t fota_central_agg_trend;    /* attempts per day */
extern const fota_central_agg_t fota_central_agg_attempts; /* json --attempts list */

/* Value helpers for fill functions: a text cell as a heap copy ("" for NULL;
 * NULL only when out of memory), an integer cell (NULL = 0), and a result
 * cell as FOTA_R_* (NULL = running). */
char *fota_central_dup(const PGresult *res, int row, int col);
/* 0 with *out a heap copy of the cell, or NULL for a NULL cell; -1 out of memory. */
int fota_central_dup_null(const PGresult *res, int row, int col, char **out);
int64_t fota_central_int(const PGresult *res, int row, int col);
int fota_central_result(const PGresult *res, int row, int col);

#endif
