/* What a report says, computed once from the selected attempts and rendered
 * by each format (text, json, html). Definitions (docs/database.md):
 *  - verdict: PASS, FAIL or INTERRUPTED. SKIP and running rows are counted but
 *    are not verdicts and are never in a yield's denominator.
 *  - module: an IMEI; an attempt that never learnt its IMEI is a module alone.
 *  - modules = modules with at least one verdict in the selection;
 *    first-pass yield = modules whose first verdict is PASS / modules;
 *    final yield = modules whose latest verdict is PASS / modules. A module
 *    that failed and then passed in rework counts once, in final yield.
 *  - durations: PASS attempts that did work (noop excluded); a phase's figures
 *    use the attempts where that phase took time (> 0 ms). Median and p95 are
 *    nearest-rank (the median of an even count is the lower middle value). */
#ifndef FOTA_REPORT_MODEL_H
#define FOTA_REPORT_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

typedef struct {
    const char *batch; /* NULL: every batch */
    const char *since; /* ISO 8601 as stored (fota_iso_format), NULL: all time */
    const char *until; /* likewise, exclusive; NULL: up to now */
} fota_report_sel_t;

enum { FOTA_R_PASS, FOTA_R_FAIL, FOTA_R_SKIP, FOTA_R_INTERRUPTED, FOTA_R_RUNNING, FOTA_R__COUNT };

/* What a group table is keyed by. */
typedef enum {
    FOTA_GROUP_MODEL,
    FOTA_GROUP_REVISION,
    FOTA_GROUP_SLOT,
    FOTA_GROUP_HUB,
    FOTA_GROUP__COUNT
} fota_report_group_kind_t;

typedef struct {
    char *key;      /* model, or "from\x1fto" for revisions; "" when unknown */
    int64_t n[FOTA_R__COUNT];
    int64_t attempts;
} fota_report_group_t;

typedef struct {
    char *error_class; /* "" when the row had none */
    int64_t error_code;
    char *meaning;     /* the first error_text seen for this pair */
    int64_t count;
} fota_report_pareto_t;

typedef struct {
    int64_t n, median, p95, min, max;
} fota_report_dur_t;

enum { FOTA_DUR_DOWNLOAD, FOTA_DUR_UPDATE, FOTA_DUR_TOTAL, FOTA_DUR__COUNT };

typedef struct {
    int64_t id;
    char *imei, *slot, *model, *batch, *result, *error_class, *error_text, *finished_at;
    int64_t error_code;
    int64_t retests; /* verdicts before this one for the same module */
    int64_t hops, module_retries;
} fota_report_failed_t;

/* One station start (table `runs`, docs/database.md) whose batch and time fall
 * in the selection: the traceability header. */
typedef struct {
    char *started_at, *batch, *station, *operator_id, *job_name, *job_sha256, *software,
        *packages;
} fota_report_run_t;

/* The first page (docs/database.md, "Reports"): aggregates computed each by one
 * small query over the selected attempts (report_batches.c, report_runfold.c,
 * report_trend.c) or from the per-slot tallies (report_grid.c). */

/* One batch of the selection. Modules, yields and pass/fail/interrupted are
 * batch_summary's: modules by their first and latest verdict in the batch. */
typedef struct {
    char *batch, *stations, *first_started, *last_started; /* stations ", "-joined */
    int64_t attempts, skip, running;
    int64_t modules, first_pass, final_pass, pass, fail, interrupted;
} fota_report_batch_t;

/* Identical run headers folded: one row per distinct (job sha256, software
 * version, packages) among the selection's runs. */
typedef struct {
    char *job_sha256, *software, *packages, *job_name, *stations, *operators;
    char *first_started, *last_started;
    int64_t runs;
} fota_report_runfold_t;

/* One day (UTC) of the selection: attempts by result (pass rate = PASS /
 * (PASS + FAIL + INTERRUPTED), the dashboard's yield). */
typedef struct {
    char day[16];
    int64_t attempts, pass, fail, interrupted, skip;
} fota_report_trend_t;

/* Every hub port of the selection: rows hubs, columns port numbers, each in
 * natural order; cells[h * n_ports + p] is the slot's tally or NULL. */
typedef struct {
    char **hubs, **ports;
    size_t n_hubs, n_ports, n_nohub; /* n_nohub: slots on no hub (tables only) */
    const fota_report_group_t **cells;
} fota_report_grid_t;

/* A slot whose service state was ever changed (table port_service, schema 10):
 * out of service first, then by failure rate (FAIL / attempts, all time). */
typedef struct {
    char *slot, *reason, *changed_at; /* reason "" for the operator */
    bool off;
    int64_t attempts, fail, hw_fail;  /* hw_fail: classes port, timeout, protocol */
} fota_report_port_t;

/* One attempt, for `--format json --attempts`. */
typedef struct {
    int64_t id, error_code, duration_ms;
    char *batch, *station, *slot, *imei, *model, *from_version, *to_version, *result,
        *error_class, *started_at, *finished_at;
} fota_report_attempt_t;

typedef struct {
    fota_report_sel_t sel;
    char first_started[32], last_started[32];
    int64_t attempts, n[FOTA_R__COUNT], noop;
    int64_t modules, first_pass, final_pass, retested_modules;
    fota_report_group_t *by_model, *by_revision;
    size_t n_model, n_revision;
    /* key = slot / hub full name ("" for none); worst pass rate first */
    fota_report_group_t *by_slot, *by_hub;
    size_t n_slot, n_hub;
    fota_report_run_t *runs; /* oldest first; none in a file older than schema 7 */
    size_t n_runs;
    bool runs_table;         /* the file has the table at all */
    char *stations, *operators; /* distinct values in the attempts, ", "-joined */
    fota_report_pareto_t *pareto; /* by count, descending */
    size_t n_pareto;
    int64_t pareto_total;         /* FAIL attempts */
    fota_report_dur_t dur[FOTA_DUR__COUNT];
    int64_t *total_ms;            /* the durations behind dur[TOTAL], for histograms */
    size_t n_total_ms;
    fota_report_failed_t *failed;
    size_t n_failed;
    fota_report_batch_t *batches; /* first start order */
    size_t n_batches;
    fota_report_runfold_t *runfolds; /* first start order */
    size_t n_runfolds;
    fota_report_trend_t *trend; /* day order */
    size_t n_trend;
    fota_report_grid_t grid;
    /* When nothing matched: the batches the file has (name order, up to
     * FOTA_REPORT_KNOWN_MAX) and how many more there are. */
    char **known_batches;
    size_t n_known_batches;
    int64_t known_batches_more;
    fota_report_port_t *ports; /* none in a file older than schema 10 */
    size_t n_ports;
    fota_report_attempt_t *att; /* with --attempts only (has_att), id order */
    size_t n_att;
    bool has_att;
} fota_report_t;

#define FOTA_REPORT_KNOWN_MAX 20
/* The JSON report's "schema": raised whenever a key changes meaning or goes away. */
#define FOTA_REPORT_JSON_SCHEMA 2

extern const char *const fota_report_result_names[FOTA_R__COUNT];
extern const char *const fota_report_dur_names[FOTA_DUR__COUNT];
/* Column heads of the group tables: "model", "from -> to", "slot", "hub". */
extern const char *const fota_report_group_heads[FOTA_GROUP__COUNT];

/* 0, or FOTA_E_IO with the reason in errbuf. */
int fota_report_load(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t **out, char *errbuf,
                     size_t errlen);
void fota_report_free(fota_report_t *r);

/* Yield as a fraction, or -1 when there are no modules. */
double fota_report_yield(int64_t num, int64_t den);
/* A group's pass-rate denominator: PASS + FAIL + INTERRUPTED (the dashboard's). */
int64_t fota_report_verdicts(const fota_report_group_t *g);
/* The words a rework row adds to its reason, "" when none: a transient code
 * that ended in FAIL means the module gave up after its own retries. */
void fota_report_reason_note(const fota_report_failed_t *x, char *out, size_t len);
/* The words a Pareto row adds to its meaning: a transient code counted among
 * FAIL attempts is one the module stopped retrying. "" when none. */
const char *fota_report_pareto_note(const fota_report_pareto_t *p);
/* Where an attempt's transcript is: the query that prints it. */
void fota_report_transcript_sql(int64_t id, char *out, size_t len);

/* Adds the per-attempt list (--attempts); 0, or FOTA_E_IO / FOTA_E_NOMEM with the reason. */
int fota_report_load_attempts(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r,
                              char *errbuf, size_t errlen);
/* The batches the file has, in name order, at most max names; *more = how many
 * beyond them. 0 or -1. */
int fota_report_known_batches(sqlite3 *db, size_t max, char ***names, size_t *n, int64_t *more);
void fota_report_free_names(char **names, size_t n);

void fota_report_write_text(const fota_report_t *r, FILE *f);
void fota_report_write_json(const fota_report_t *r, FILE *f);
void fota_report_write_html(const fota_report_t *r, FILE *f);
/* One row per attempt, every `attempts` column (docs/database.md); streams from the database. */
int fota_report_write_csv(sqlite3 *db, const fota_report_sel_t *sel, FILE *f, char *errbuf,
                          size_t errlen);

/* "WHERE …" for the selection, binding ?1 batch, ?2 since, ?3 until ("" when none). */
void fota_report_where(const fota_report_sel_t *sel, char *out, size_t outlen);
void fota_report_bind(sqlite3_stmt *st, const fota_report_sel_t *sel);

#endif
