/* The per-attempt list of `--format json --attempts`: the attempts of the
 * selection in id (start) order, the columns an auditor traces a module by. */
#include "report_aggr.h"

#include <stdio.h>

#include "fota_types.h"

#define ATTEMPTS_SQL                                                                               \
    "SELECT id, error_code, duration_ms, batch, station, slot, imei, model, from_version," \
    " to_version, result, error_class, started_at, finished_at FROM attempts%s ORDER BY id"

static void attempt_clear(fota_report_attempt_t *a)
{
    char *f[] = {a->batch,       a->station,    a->slot,   a->imei,
                 a->model,       a->from_version, a->to_version, a->result,
                 a->error_class, a->started_at, a->finished_at};
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
        free(f[k]);
}

static int attempt_fill(fota_report_attempt_t *a, sqlite3_stmt *st)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    a->error_code = sqlite3_column_int64(st, 1);
    a->duration_ms = sqlite3_column_int64(st, 2);
    char **f[] = {&a->batch,       &a->station,      &a->slot,       &a->imei,
                  &a->model,       &a->from_version, &a->to_version, &a->result,
                  &a->error_class, &a->started_at,   &a->finished_at};
    int rc = 0;
    for (int k = 0; k < 11; k++)
        if (!(*f[k] = fota_report_col(st, 3 + k)))
            rc = -1;
    return rc;
}

int fota_report_load_attempts(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r,
                              char *errbuf, size_t errlen)
{
    char sql[512], where[128];
    fota_report_where(sel, where, sizeof where);
    snprintf(sql, sizeof sql, ATTEMPTS_SQL, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "reading attempts: %s", sqlite3_errmsg(db));
        return FOTA_E_IO;
    }
    fota_report_bind(st, sel);
    r->has_att = true;
    int step, rc = 0;
    size_t cap = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n_att == cap) {
            cap = cap ? 2 * cap : 256;
            fota_report_attempt_t *n = realloc(r->att, cap * sizeof *n);
            if (!n) {
                rc = FOTA_E_NOMEM;
                break;
            }
            r->att = n;
        }
        if (attempt_fill(&r->att[r->n_att++], st) < 0)
            rc = FOTA_E_NOMEM;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = FOTA_E_IO;
    if (rc < 0)
        snprintf(errbuf, errlen, "reading attempts: %s",
                 rc == FOTA_E_NOMEM ? "out of memory" : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

void fota_report_free_attempts(fota_report_t *r)
{
    for (size_t i = 0; i < r->n_att; i++)
        attempt_clear(&r->att[i]);
    free(r->att);
    r->att = NULL;
    r->n_att = 0;
}
