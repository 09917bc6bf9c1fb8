/* Per-batch rows of the first page: attempts and time span per batch, then
 * modules by their first and latest verdict in the batch (batch_summary's
 * figures, for the selection), then the stations. Plain SQL: GROUP BY, min,
 * max, CASE; no engine-specific function. */
#include "report_aggr.h"

#include <stdio.h>

#include "store_schema.h"

#define ATTEMPTS_SQL                                                                               \
    "SELECT batch, count(*), min(started_at), max(started_at),"                                    \
    " sum(CASE WHEN result = 'SKIP' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result IS NULL THEN 1 ELSE 0 END)"                                             \
    " FROM attempts%s GROUP BY batch ORDER BY min(started_at), batch"

/* A module's first and latest verdict rows in its batch, joined back. */
#define MODULES_SQL                                                                                \
    "SELECT f.batch, count(*),"                                                                    \
    " sum(CASE WHEN a.result = 'PASS' THEN 1 ELSE 0 END),"                                         \
    " sum(CASE WHEN b.result = 'PASS' THEN 1 ELSE 0 END),"                                         \
    " sum(CASE WHEN b.result = 'FAIL' THEN 1 ELSE 0 END),"                                         \
    " sum(CASE WHEN b.result = 'INTERRUPTED' THEN 1 ELSE 0 END)"                                   \
    " FROM (SELECT batch, min(id) AS first_id, max(id) AS last_id FROM attempts%s"                 \
    "  GROUP BY batch, " FOTA_REPORT_MODULE_SQL ") f"                                              \
    " JOIN attempts a ON a.id = f.first_id JOIN attempts b ON b.id = f.last_id"                    \
    " GROUP BY f.batch"

/* Without --since/--until a batch's modules are all its attempts' modules:
 * batch_modules (schema 5, kept by triggers; batch_summary reads it) holds
 * each one's first and latest verdict, so the per-batch figures are one pass
 * over it instead of grouping every attempt by (batch, IMEI): 0.3 s instead
 * of 3 s on a million attempts. The same definition: its module is the IMEI,
 * or the attempt alone when it has none. batch_modules keys an IMEI read as
 * '' as one module; those verdicts are each a module alone, added from
 * attempts (EMPTY_SQL: an index range of attempts_imei), as the grouping
 * path counts them. Two statements, so the first streams in key order. */
#define KEPT_SQL                                                                                   \
    "SELECT batch, count(*),"                                                                      \
    " sum(CASE WHEN first_result = 'PASS' THEN 1 ELSE 0 END),"                                     \
    " sum(CASE WHEN last_result = 'PASS' THEN 1 ELSE 0 END),"                                      \
    " sum(CASE WHEN last_result = 'FAIL' THEN 1 ELSE 0 END),"                                      \
    " sum(CASE WHEN last_result = 'INTERRUPTED' THEN 1 ELSE 0 END)"                                \
    " FROM batch_modules%s GROUP BY batch"
#define EMPTY_SQL                                                                                  \
    "SELECT COALESCE(batch, ''), count(*),"                                                        \
    " sum(CASE WHEN result = 'PASS' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'PASS' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'FAIL' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'INTERRUPTED' THEN 1 ELSE 0 END)"                                     \
    " FROM attempts%s GROUP BY 1"

/* Grouped in the order of the index attempts_slot (slot, station, operator,
 * result, batch, …), which holds both columns: SQLite streams it without a
 * sort; the few thousand rows are made distinct here. */
#define STATIONS_SQL                                                                               \
    "SELECT batch, station FROM attempts%s GROUP BY slot, station, operator, result, batch"

void fota_report_where_and(const fota_report_sel_t *sel, const char *cond, char *out, size_t len)
{
    char where[128];
    fota_report_where(sel, where, sizeof where);
    snprintf(out, len, "%s%s %s", where, where[0] ? " AND" : " WHERE", cond);
}

int fota_report_list_add(char **list, const char *s)
{
    if (!s[0])
        return 0;
    size_t n = *list ? strlen(*list) : 0, k = strlen(s);
    /* Already there as a whole item? */
    for (const char *p = *list; p && (p = strstr(p, s)); p += k)
        if ((p == *list || p[-1] == ' ') && (p[k] == ',' || p[k] == '\0'))
            return 0;
    char *m = realloc(*list, n + k + 3);
    if (!m)
        return -1;
    if (n)
        memcpy(m + n, ", ", 2), n += 2;
    memcpy(m + n, s, k + 1);
    *list = m;
    return 0;
}

static fota_report_batch_t *find(fota_report_t *r, const char *batch)
{
    for (size_t i = 0; i < r->n_batches; i++)
        if (strcmp(r->batches[i].batch, batch) == 0)
            return &r->batches[i];
    return NULL;
}

#define PREPARE(db, sel, fmt, where, st)                                                           \
    (snprintf(sql, sizeof sql, fmt, where), prepare(db, sel, sql, st))

static int prepare(sqlite3 *db, const fota_report_sel_t *sel, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(*st, sel);
    return 0;
}

static int fill_attempts(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char sql[1024], where[160];
    fota_report_where(sel, where, sizeof where);
    sqlite3_stmt *st;
    if (PREPARE(db, sel, ATTEMPTS_SQL, where, &st) < 0)
        return -1;
    int step, rc = 0;
    size_t cap = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n_batches == cap) {
            cap = cap ? 2 * cap : 16;
            fota_report_batch_t *n = realloc(r->batches, cap * sizeof *n);
            if (!n) {
                rc = -1;
                break;
            }
            r->batches = n;
        }
        fota_report_batch_t *b = &r->batches[r->n_batches++];
        memset(b, 0, sizeof *b);
        b->batch = fota_report_col(st, 0);
        b->attempts = sqlite3_column_int64(st, 1);
        b->first_started = fota_report_col(st, 2);
        b->last_started = fota_report_col(st, 3);
        b->skip = sqlite3_column_int64(st, 4);
        b->running = sqlite3_column_int64(st, 5);
        if (!b->batch || !b->first_started || !b->last_started)
            rc = -1;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

/* Each row (batch, modules, first PASS, latest PASS, FAIL, INTERRUPTED)
 * into its batch's figures: set, or with add, added. */
static int take_modules(sqlite3_stmt *st, fota_report_t *r, bool add)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        fota_report_batch_t *b = find(r, name ? (const char *)name : "");
        if (!b)
            continue;
        int64_t *dst[] = {&b->modules, &b->first_pass, &b->final_pass, &b->fail, &b->interrupted};
        for (int i = 0; i < 5; i++)
            *dst[i] = (add ? *dst[i] : 0) + sqlite3_column_int64(st, 1 + i);
        b->pass = b->final_pass; /* latest verdict PASS */
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : -1;
}

static int fill_modules(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char sql[1024], where[256];
    sqlite3_stmt *st;
    int kept = !sel->since && !sel->until ? fota_store_has_table(db, "batch_modules") : 0;
    if (kept < 0)
        return -1;
    if (!kept) {
        fota_report_where_and(sel, FOTA_REPORT_VERDICT_SQL, where, sizeof where);
        if (PREPARE(db, sel, MODULES_SQL, where, &st) < 0)
            return -1;
        return take_modules(st, r, false);
    }
    /* batch_modules has no since/until columns: only ?1 can be bound. */
    fota_report_sel_t bsel = {sel->batch, NULL, NULL};
    fota_report_where_and(&bsel, "module <> ''", where, sizeof where);
    if (PREPARE(db, &bsel, KEPT_SQL, where, &st) < 0 || take_modules(st, r, false) < 0)
        return -1;
    fota_report_where_and(&bsel, "imei = '' AND " FOTA_REPORT_VERDICT_SQL, where, sizeof where);
    if (PREPARE(db, &bsel, EMPTY_SQL, where, &st) < 0)
        return -1;
    return take_modules(st, r, true);
}

static int fill_stations(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char sql[1024], where[160];
    fota_report_where(sel, where, sizeof where);
    sqlite3_stmt *st;
    if (PREPARE(db, sel, STATIONS_SQL, where, &st) < 0)
        return -1;
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0), *station = sqlite3_column_text(st, 1);
        fota_report_batch_t *b = find(r, name ? (const char *)name : "");
        if (b && station && fota_report_list_add(&b->stations, (const char *)station) < 0)
            rc = -1;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

int fota_report_load_batches(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    if (fill_attempts(db, sel, r) < 0 || fill_modules(db, sel, r) < 0 ||
        fill_stations(db, sel, r) < 0)
        return -1;
    return 0;
}

void fota_report_free_batches(fota_report_t *r)
{
    for (size_t i = 0; i < r->n_batches; i++) {
        fota_report_batch_t *b = &r->batches[i];
        free(b->batch);
        free(b->stations);
        free(b->first_started);
        free(b->last_started);
    }
    free(r->batches);
    r->batches = NULL;
    r->n_batches = 0;
}

int fota_report_known_batches(sqlite3 *db, size_t max, char ***names, size_t *n, int64_t *more)
{
    *names = NULL;
    *n = 0;
    *more = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT batch FROM attempts ORDER BY batch", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    char **v = calloc(max + 1, sizeof *v);
    int step, rc = v ? 0 : -1;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n < max) {
            if (!(v[*n] = fota_report_col(st, 0)))
                rc = -1;
            else
                (*n)++;
        } else {
            (*more)++;
        }
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    if (rc < 0) {
        fota_report_free_names(v, *n);
        *n = 0;
        return -1;
    }
    *names = v;
    return 0;
}

void fota_report_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
