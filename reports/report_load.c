/* One pass over the selected attempts (in id order, i.e. in the order they
 * started) computes every figure of the report; only the failed modules'
 * details are fetched again, by id. */
#include "report_model.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fota_types.h"
#include "report_aggr.h"
#include "report_slots.h"
#include "report_stats.h"
#include "strmap.h"
#include "report_fill.h"

const char *const fota_report_result_names[FOTA_R__COUNT] = {"PASS", "FAIL", "SKIP",
                                                             "INTERRUPTED", "running"};
const char *const fota_report_dur_names[FOTA_DUR__COUNT] = {"download", "update", "total"};
const char *const fota_report_group_heads[FOTA_GROUP__COUNT] = {"model", "from -> to", "slot",
                                                                "hub"};

/* The module being accumulated: rows arrive ordered by (imei, id), so a
 * module's attempts are adjacent and its first and latest verdicts are its
 * first and last rows. No hash table over a million IMEIs (the covering index
 * attempts_module hands them over in that order). */
typedef struct {
    char *imei; /* heap copy, grown as needed */
    size_t cap;
    bool open;
    int32_t verdicts;
    uint8_t first, last;
    fota_report_failed_t pending; /* its latest non-PASS row, if any */
} module_t;

static int result_code(const unsigned char *s)
{
    if (!s)
        return FOTA_R_RUNNING;
    switch (s[0]) {
    case 'P': return FOTA_R_PASS;
    case 'F': return FOTA_R_FAIL;
    case 'S': return FOTA_R_SKIP;
    default: return FOTA_R_INTERRUPTED;
    }
}

void fota_report_where(const fota_report_sel_t *sel, char *out, size_t outlen)
{
    static const char *const conds[] = {"batch = ?1", "started_at >= ?2", "started_at < ?3"};
    const char *on[] = {sel->batch, sel->since, sel->until};
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++)
        if (on[i] && o < outlen)
            o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " AND " : " WHERE ", conds[i]);
}

void fota_report_bind(sqlite3_stmt *st, const fota_report_sel_t *sel)
{
    if (sel->batch)
        sqlite3_bind_text(st, 1, sel->batch, -1, SQLITE_STATIC);
    if (sel->since)
        sqlite3_bind_text(st, 2, sel->since, -1, SQLITE_STATIC);
    if (sel->until)
        sqlite3_bind_text(st, 3, sel->until, -1, SQLITE_STATIC);
}

double fota_report_yield(int64_t num, int64_t den)
{
    return den > 0 ? (double)num / (double)den : -1.0;
}

int64_t fota_report_verdicts(const fota_report_group_t *g)
{
    return g->n[FOTA_R_PASS] + g->n[FOTA_R_FAIL] + g->n[FOTA_R_INTERRUPTED];
}

static int cmp_pareto(const void *a, const void *b)
{
    const fota_report_pareto_t *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = strcmp(x->error_class, y->error_class);
    if (c)
        return c;
    return (x->error_code > y->error_code) - (x->error_code < y->error_code);
}

void fota_report_pareto_sort(fota_report_t *r)
{
    if (r->n_pareto)
        qsort(r->pareto, r->n_pareto, sizeof *r->pareto, cmp_pareto);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

static void failed_clear(fota_report_failed_t *f)
{
    free(f->imei);
    free(f->slot);
    free(f->model);
    free(f->batch);
    free(f->result);
    free(f->error_class);
    free(f->error_text);
    free(f->finished_at);
    memset(f, 0, sizeof *f);
}

/* Copies the rework details of the failure cursor's current row. */
static int failed_from_row(fota_report_failed_t *f, sqlite3_stmt *fst)
{
    failed_clear(f);
    f->id = sqlite3_column_int64(fst, 0);
    f->error_class = dup_col(fst, 1);
    f->error_code = sqlite3_column_int64(fst, 2);
    f->error_text = dup_col(fst, 3);
    f->slot = dup_col(fst, 4);
    f->batch = dup_col(fst, 5);
    f->finished_at = dup_col(fst, 6);
    f->imei = dup_col(fst, 7);
    f->model = dup_col(fst, 8);
    f->result = dup_col(fst, 9);
    f->hops = sqlite3_column_int64(fst, 10);
    f->module_retries = sqlite3_column_int64(fst, 11);
    return f->imei && f->model && f->result && f->error_class && f->error_text && f->slot &&
                   f->batch && f->finished_at
               ? 0
               : -1;
}

typedef struct {
    fota_strmap_t *pareto_keys;
    module_t cur;
    sqlite3_stmt *fail; /* FAIL/INTERRUPTED rows, same order, their details */
    int fail_step;      /* last sqlite3_step result on it */
    fota_groups_t model, rev;
    fota_report_pareto_t *pareto;
    size_t cap_pareto;
    fota_vec_t dur[FOTA_DUR__COUNT];
    size_t cap_failed;
} scan_t;

static void scan_free(scan_t *sc)
{
    free(sc->cur.imei);
    fota_strmap_free(sc->model.map);
    fota_strmap_free(sc->rev.map);
    free(sc->model.g);
    free(sc->rev.g);
    for (int i = 0; i < FOTA_DUR__COUNT; i++)
        free(sc->dur[i].v);
    failed_clear(&sc->cur.pending);
    if (sc->pareto) { /* still here only when the load failed before handing it over */
        size_t np = (size_t)fota_strmap_count(sc->pareto_keys);
        for (size_t i = 0; i < np; i++) {
            free(sc->pareto[i].error_class);
            free(sc->pareto[i].meaning);
        }
        free(sc->pareto);
    }
    fota_strmap_free(sc->pareto_keys);
}

static int count_pareto(scan_t *sc, sqlite3_stmt *st)
{
    const unsigned char *cls = sqlite3_column_text(st, 1);
    int64_t code = sqlite3_column_int64(st, 2);
    char key[96];
    snprintf(key, sizeof key, "%.64s\x1f%lld", cls ? (const char *)cls : "", (long long)code);
    int added;
    int64_t i = fota_strmap_get(sc->pareto_keys, key, &added);
    if (i < 0)
        return -1;
    if ((size_t)i >= sc->cap_pareto) {
        size_t cap = sc->cap_pareto ? 2 * sc->cap_pareto : 16;
        fota_report_pareto_t *n = realloc(sc->pareto, cap * sizeof *n);
        if (!n)
            return -1;
        sc->pareto = n;
        sc->cap_pareto = cap;
    }
    fota_report_pareto_t *p = &sc->pareto[i];
    if (added) {
        memset(p, 0, sizeof *p);
        p->error_class = strdup(cls ? (const char *)cls : "");
        p->error_code = code;
        p->meaning = dup_col(st, 3);
        if (!p->error_class || !p->meaning)
            return -1;
    } else if (!p->meaning[0] && sqlite3_column_type(st, 3) != SQLITE_NULL) {
        free(p->meaning);
        if (!(p->meaning = dup_col(st, 3)))
            return -1;
    }
    p->count++;
    return 0;
}

/* Closes the current module: counts it, and queues it for the rework list
 * when its latest verdict is not PASS. */
static int push_failed(fota_report_t *r, scan_t *sc, fota_report_failed_t *f, int64_t retests)
{
    if (r->n_failed == sc->cap_failed) {
        size_t cap = sc->cap_failed ? 2 * sc->cap_failed : 64;
        fota_report_failed_t *n = realloc(r->failed, cap * sizeof *n);
        if (!n)
            return -1;
        r->failed = n;
        sc->cap_failed = cap;
    }
    f->retests = retests;
    r->failed[r->n_failed++] = *f;
    memset(f, 0, sizeof *f); /* ownership moved */
    return 0;
}

static int module_close(fota_report_t *r, scan_t *sc)
{
    module_t *m = &sc->cur;
    if (!m->open)
        return 0;
    m->open = false;
    r->modules++;
    r->first_pass += m->first == FOTA_R_PASS;
    r->final_pass += m->last == FOTA_R_PASS;
    r->retested_modules += m->verdicts > 1;
    if (m->last != FOTA_R_PASS)
        return push_failed(r, sc, &m->pending, m->verdicts - 1);
    if (m->pending.imei) /* failed earlier, passed later */
        failed_clear(&m->pending);
    return 0;
}

/* "from\x1fto" without printf (this runs once per row). */
void fota_report_rev_key(char *out, size_t outlen, const unsigned char *from,
                         const unsigned char *to)
{
    size_t half = (outlen - 2) / 2, a = 0, b = 0;
    if (from)
        for (; from[a] && a < half; a++)
            out[a] = (char)from[a];
    out[a] = '\x1f';
    if (to)
        for (; to[b] && b < half; b++)
            out[a + 1 + b] = (char)to[b];
    out[a + 1 + b] = '\0';
}

/* Two cursors in the same (imei, id) order and the same snapshot: every row
 * with the few columns all rows need (covering index attempts_module), and
 * the failed rows with their details (partial index attempts_failed). The
 * scan reads ten columns per row instead of sixteen; the details of the ~10%
 * failed rows come from the second cursor, merged by id. */
static const char scan_sql[] =
    "SELECT id, imei, model, from_version, to_version, result, noop, download_ms, update_ms,"
    " duration_ms FROM attempts";
static const char fail_sql[] =
    "SELECT id, error_class, error_code, error_text, slot, batch, finished_at, imei, model, result,"
    " hops, module_retries FROM attempts WHERE result IN ('FAIL','INTERRUPTED')";

/* Moves the failure cursor to the row with this id; 0 when there, -1 when the
 * cursors disagree (they cannot within one snapshot). */
static int fail_seek(scan_t *sc, int64_t id)
{
    while (sc->fail_step == SQLITE_ROW && sqlite3_column_int64(sc->fail, 0) != id)
        sc->fail_step = sqlite3_step(sc->fail);
    return sc->fail_step == SQLITE_ROW ? 0 : -1;
}

static int scan_row(fota_report_t *r, scan_t *sc, sqlite3_stmt *st)
{
    int res = result_code(sqlite3_column_text(st, 5));
    r->attempts++;
    r->n[res]++;
    bool noop = sqlite3_column_int(st, 6) != 0;
    if (res == FOTA_R_PASS && noop)
        r->noop++;

    const unsigned char *model = sqlite3_column_text(st, 2);
    fota_report_group_t *g =
        fota_report_stats_groups_get(&sc->model, model ? (const char *)model : "");
    if (!g)
        return -1;
    g->attempts++;
    g->n[res]++;
    const unsigned char *from = sqlite3_column_text(st, 3), *to = sqlite3_column_text(st, 4);
    char rk[256];
    fota_report_rev_key(rk, sizeof rk, from, to);
    if (!(g = fota_report_stats_groups_get(&sc->rev, rk)))
        return -1;
    g->attempts++;
    g->n[res]++;

    bool failed = res == FOTA_R_FAIL || res == FOTA_R_INTERRUPTED;
    if (failed && fail_seek(sc, sqlite3_column_int64(st, 0)) < 0)
        return -1;
    if (res == FOTA_R_FAIL && count_pareto(sc, sc->fail) < 0)
        return -1;
    if (res == FOTA_R_PASS && !noop) {
        for (int d = 0; d < FOTA_DUR__COUNT; d++) {
            int64_t v = sqlite3_column_int64(st, 7 + d);
            if (v > 0 && fota_report_stats_vec_push(&sc->dur[d], v) < 0)
                return -1;
        }
    }
    if (res != FOTA_R_PASS && res != FOTA_R_FAIL && res != FOTA_R_INTERRUPTED)
        return 0;

    /* Module bookkeeping: verdicts only. */
    const unsigned char *imei = sqlite3_column_text(st, 1);
    if (!imei || !imei[0]) {
        r->modules++;
        if (res == FOTA_R_PASS) {
            r->first_pass++;
            r->final_pass++;
            return 0;
        }
        fota_report_failed_t f;
        memset(&f, 0, sizeof f);
        if (failed_from_row(&f, sc->fail) < 0 || push_failed(r, sc, &f, 0) < 0) {
            failed_clear(&f);
            return -1;
        }
        return 0;
    }
    module_t *m = &sc->cur;
    if (!m->open || strcmp(m->imei, (const char *)imei) != 0) {
        if (module_close(r, sc) < 0)
            return -1;
        size_t len = strlen((const char *)imei) + 1;
        if (len > m->cap) {
            char *n = realloc(m->imei, len);
            if (!n)
                return -1;
            m->imei = n;
            m->cap = len;
        }
        memcpy(m->imei, imei, len);
        m->open = true;
        m->verdicts = 0;
        m->first = (uint8_t)res;
    }
    m->verdicts++;
    m->last = (uint8_t)res;
    if (failed && failed_from_row(&m->pending, sc->fail) < 0)
        return -1;
    return 0;
}

static int cmp_failed(const void *a, const void *b)
{
    const fota_report_failed_t *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* First and last start of the selection, from the started_at index. */
static int time_span(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char sql[512], where[128];
    fota_report_where(sel, where, sizeof where);
    /* Two subqueries: SQLite answers a lone min() or max() from the index's
     * ends, but min() and max() together scan the whole table. */
    snprintf(sql, sizeof sql,
             "SELECT (SELECT min(started_at) FROM attempts%s), (SELECT max(started_at) FROM attempts%s)",
             where, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(st, sel);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    if (rc == 0 && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        snprintf(r->first_started, sizeof r->first_started, "%s", sqlite3_column_text(st, 0));
        snprintf(r->last_started, sizeof r->last_started, "%s", sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return rc;
}

/* Prepares both cursors on the selection and walks the attempts once, in IMEI
 * order; the statements stay in `rows` and sc->fail for the caller to finalise
 * (after it has read the connection's error message). */
static int scan_attempts(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r, scan_t *sc,
                         sqlite3_stmt **rows)
{
    char sql[512], fsql[512], where[128];
    fota_report_where(sel, where, sizeof where);
    snprintf(sql, sizeof sql, "%s%s ORDER BY imei, id", scan_sql, where);
    snprintf(fsql, sizeof fsql, "%s%s%s ORDER BY imei, id", fail_sql, where[0] ? " AND" : "",
             where[0] ? where + sizeof " WHERE" - 1 : "");
    if (sqlite3_prepare_v2(db, sql, -1, rows, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, fsql, -1, &sc->fail, NULL) != SQLITE_OK)
        return FOTA_E_IO;
    fota_report_bind(*rows, sel);
    fota_report_bind(sc->fail, sel);
    sc->fail_step = sqlite3_step(sc->fail);
    int step;
    while ((step = sqlite3_step(*rows)) == SQLITE_ROW)
        if (scan_row(r, sc, *rows) < 0)
            return sc->fail_step == SQLITE_ROW ? FOTA_E_NOMEM : FOTA_E_IO;
    return step == SQLITE_DONE ? 0 : FOTA_E_IO;
}

/* Hands the per-model, per-revision and failure-Pareto tallies over to the report,
 * each in its display order. */
static int report_take_groups(fota_report_t *r, scan_t *sc)
{
    if (fota_report_stats_groups_finish(&sc->model, &r->by_model, &r->n_model) < 0 ||
        fota_report_stats_groups_finish(&sc->rev, &r->by_revision, &r->n_revision) < 0)
        return FOTA_E_NOMEM;
    r->n_pareto = (size_t)fota_strmap_count(sc->pareto_keys);
    r->pareto = sc->pareto;
    sc->pareto = NULL;
    fota_report_pareto_sort(r);
    r->pareto_total = r->n[FOTA_R_FAIL];
    return 0;
}

/* A failed row stored without a reason gets its code's meaning from the rows that
 * had one, so the rework list always says why. */
int fota_report_failed_fill_reasons(fota_report_t *r)
{
    for (size_t k = 0; k < r->n_failed; k++) {
        fota_report_failed_t *x = &r->failed[k];
        for (size_t i = 0; i < r->n_pareto && !x->error_text[0]; i++) {
            const fota_report_pareto_t *p = &r->pareto[i];
            if (p->error_code == x->error_code && strcmp(p->error_class, x->error_class) == 0 &&
                p->meaning[0]) {
                free(x->error_text);
                if (!(x->error_text = strdup(p->meaning)))
                    return FOTA_E_NOMEM;
            }
        }
    }
    return 0;
}

static void report_take_durations(fota_report_t *r, scan_t *sc)
{
    for (int d = 0; d < FOTA_DUR__COUNT; d++)
        fota_report_stats_dur_summarise(&sc->dur[d], &r->dur[d]);
    r->total_ms = sc->dur[FOTA_DUR_TOTAL].v;
    r->n_total_ms = sc->dur[FOTA_DUR_TOTAL].n;
    sc->dur[FOTA_DUR_TOTAL].v = NULL;
}

/* The first page's aggregates (report_aggr.h); when nothing matched, the
 * batches the file does have, so a mistyped --batch is seen at once. */
static int report_load_first_page(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    if (fota_report_load_batches(db, sel, r) < 0 || fota_report_load_runfolds(db, sel, r) < 0 ||
        fota_report_load_trend(db, sel, r) < 0 || fota_report_grid_build(r) < 0)
        return -1;
    if (r->attempts == 0 &&
        fota_report_known_batches(db, FOTA_REPORT_KNOWN_MAX, &r->known_batches,
                                  &r->n_known_batches, &r->known_batches_more) < 0)
        return -1;
    return 0;
}

/* Every figure of the report from one pass over the selected attempts. */
int fota_report_load(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t **out, char *errbuf,
                     size_t errlen)
{
    *out = NULL;
    fota_report_t *r = calloc(1, sizeof *r);
    scan_t sc;
    memset(&sc, 0, sizeof sc);
    if (!r)
        return FOTA_E_NOMEM;
    r->sel = *sel;
    sc.pareto_keys = fota_strmap_new();
    sc.model.map = fota_strmap_new();
    sc.rev.map = fota_strmap_new();
    sqlite3_stmt *rows = NULL;
    int rc = FOTA_E_IO;
    /* One read transaction: every figure comes from the same snapshot even
     * while the station keeps writing, and both cursors see the same rows. */
    if (!sc.pareto_keys || !sc.model.map || !sc.rev.map ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    if ((rc = scan_attempts(db, sel, r, &sc, &rows)) < 0)
        goto out;
    if (module_close(r, &sc) < 0) {
        rc = FOTA_E_NOMEM;
        goto out;
    }
    if (time_span(db, sel, r) < 0) {
        rc = FOTA_E_IO;
        goto out;
    }
    /* Failed list in the order the failing attempts ran. */
    if (r->n_failed)
        qsort(r->failed, r->n_failed, sizeof *r->failed, cmp_failed);
    if ((rc = report_take_groups(r, &sc)) < 0 || (rc = fota_report_failed_fill_reasons(r)) < 0)
        goto out;
    if (fota_report_load_slots(db, sel, r) < 0 || fota_report_load_trace(db, sel, r) < 0 ||
        fota_report_load_ports(db, r) < 0 ||
        report_load_first_page(db, sel, r) < 0) {
        rc = FOTA_E_IO;
        goto out;
    }
    report_take_durations(r, &sc);
out:
    if (rc < 0 && errbuf)
        snprintf(errbuf, errlen, "reading attempts: %s",
                 rc == FOTA_E_NOMEM ? "out of memory" : sqlite3_errmsg(db));
    sqlite3_finalize(rows);
    sqlite3_finalize(sc.fail);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    scan_free(&sc);
    if (rc < 0) {
        fota_report_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void fota_report_free(fota_report_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_model; i++)
        free(r->by_model[i].key);
    for (size_t i = 0; i < r->n_revision; i++)
        free(r->by_revision[i].key);
    for (size_t i = 0; i < r->n_slot; i++)
        free(r->by_slot[i].key);
    for (size_t i = 0; i < r->n_hub; i++)
        free(r->by_hub[i].key);
    free(r->by_model);
    free(r->by_revision);
    free(r->by_slot);
    free(r->by_hub);
    for (size_t i = 0; i < r->n_runs; i++) {
        fota_report_run_t *u = &r->runs[i];
        char *f[] = {u->started_at, u->batch,      u->station,  u->operator_id,
                     u->job_name,   u->job_sha256, u->software, u->packages};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            free(f[k]);
    }
    free(r->runs);
    fota_report_free_ports(r);
    free(r->stations);
    free(r->operators);
    for (size_t i = 0; i < r->n_pareto; i++) {
        free(r->pareto[i].error_class);
        free(r->pareto[i].meaning);
    }
    free(r->pareto);
    for (size_t i = 0; i < r->n_failed; i++)
        failed_clear(&r->failed[i]);
    free(r->failed);
    free(r->total_ms);
    fota_report_free_batches(r);
    fota_report_free_runfolds(r);
    fota_report_free_trend(r);
    fota_report_grid_free(&r->grid);
    fota_report_free_names(r->known_batches, r->n_known_batches);
    fota_report_free_attempts(r);
    free(r);
}
