/* The trend of the selection per day (UTC): the day is the first ten
 * characters of started_at (stored as ISO 8601 UTC), so the grouping is
 * substr(), which every SQL engine has. Jobs define no shifts, so the trend
 * is per day only. */
#include "report_aggr.h"

#include <stdio.h>

#define DAYS_SQL                                                                                   \
    "SELECT substr(started_at, 1, 10), count(*),"                                                  \
    " sum(CASE WHEN result = 'PASS' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'FAIL' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'INTERRUPTED' THEN 1 ELSE 0 END),"                                    \
    " sum(CASE WHEN result = 'SKIP' THEN 1 ELSE 0 END)"                                            \
    " FROM attempts%s GROUP BY substr(started_at, 1, 10) ORDER BY substr(started_at, 1, 10)"

/* Each module counted on the day of its first verdict in the selection. */
#define FIRST_SQL                                                                                  \
    "SELECT substr(a.started_at, 1, 10), count(*),"                                                \
    " sum(CASE WHEN a.result = 'PASS' THEN 1 ELSE 0 END)"                                          \
    " FROM (SELECT min(id) AS first_id FROM attempts%s GROUP BY " FOTA_REPORT_MODULE_SQL ") f"     \
    " JOIN attempts a ON a.id = f.first_id GROUP BY substr(a.started_at, 1, 10)"

static int fill_days(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char sql[1024], where[160];
    fota_report_where(sel, where, sizeof where);
    snprintf(sql, sizeof sql, DAYS_SQL, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(st, sel);
    int step, rc = 0;
    size_t cap = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n_trend == cap) {
            cap = cap ? 2 * cap : 32;
            fota_report_trend_t *n = realloc(r->trend, cap * sizeof *n);
            if (!n) {
                rc = -1;
                break;
            }
            r->trend = n;
        }
        fota_report_trend_t *t = &r->trend[r->n_trend++];
        memset(t, 0, sizeof *t);
        const unsigned char *day = sqlite3_column_text(st, 0);
        snprintf(t->day, sizeof t->day, "%s", day ? (const char *)day : "");
        int64_t *dst[] = {&t->attempts, &t->pass, &t->fail, &t->interrupted, &t->skip};
        for (int i = 0; i < 5; i++)
            *dst[i] = sqlite3_column_int64(st, 1 + i);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

static int fill_first(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char sql[1024], where[256];
    fota_report_where_and(sel, FOTA_REPORT_VERDICT_SQL, where, sizeof where);
    snprintf(sql, sizeof sql, FIRST_SQL, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(st, sel);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *day = sqlite3_column_text(st, 0);
        for (size_t i = 0; day && i < r->n_trend; i++)
            if (strcmp(r->trend[i].day, (const char *)day) == 0) {
                r->trend[i].modules = sqlite3_column_int64(st, 1);
                r->trend[i].first_pass = sqlite3_column_int64(st, 2);
            }
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : -1;
}

int fota_report_load_trend(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    return fill_days(db, sel, r) < 0 || fill_first(db, sel, r) < 0 ? -1 : 0;
}

void fota_report_free_trend(fota_report_t *r)
{
    free(r->trend);
    r->trend = NULL;
    r->n_trend = 0;
}
