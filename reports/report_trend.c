/* The trend of the selection per day (UTC): attempts by result and their pass
 * rate. A day is a range of started_at (stored as fixed-width ISO 8601 UTC, so
 * text order is time order): one small aggregate per day over that range, each
 * read from an index range without a sort (grouping a million rows by
 * substr(started_at, 1, 10) sorts them all). A span of more days than
 * MAX_DAYS is grouped by substr() instead. Jobs define no shifts, so the
 * trend is per day only. (A per-day first-pass yield would need each module's
 * first verdict row joined back for its day: seconds on a million attempts;
 * the per-batch table carries the first-pass yields.) */
#include "report_aggr.h"

#include <stdio.h>

#include "iso_time.h"

#define DAYS_SQL                                                                                   \
    "SELECT substr(started_at, 1, 10), count(*),"                                                  \
    " sum(CASE WHEN result = 'PASS' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'FAIL' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'INTERRUPTED' THEN 1 ELSE 0 END),"                                    \
    " sum(CASE WHEN result = 'SKIP' THEN 1 ELSE 0 END)"                                            \
    " FROM attempts%s GROUP BY substr(started_at, 1, 10) ORDER BY substr(started_at, 1, 10)"

#define DAY_SQL                                                                                    \
    "SELECT ?6, count(*),"                                                                         \
    " sum(CASE WHEN result = 'PASS' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'FAIL' THEN 1 ELSE 0 END),"                                           \
    " sum(CASE WHEN result = 'INTERRUPTED' THEN 1 ELSE 0 END),"                                    \
    " sum(CASE WHEN result = 'SKIP' THEN 1 ELSE 0 END)"                                            \
    " FROM attempts%s"

enum { MAX_DAYS = 1000, DAY_MS = 86400000 };

/* Appends the current row (day, attempts, pass, fail, interrupted, skip) when
 * it counts any attempt; -1 out of memory. */
static int add_day(fota_report_t *r, sqlite3_stmt *st, size_t *cap)
{
    if (sqlite3_column_int64(st, 1) == 0)
        return 0;
    if (r->n_trend == *cap) {
        *cap = *cap ? 2 * *cap : 32;
        fota_report_trend_t *n = realloc(r->trend, *cap * sizeof *n);
        if (!n)
            return -1;
        r->trend = n;
    }
    fota_report_trend_t *t = &r->trend[r->n_trend++];
    memset(t, 0, sizeof *t);
    const unsigned char *day = sqlite3_column_text(st, 0);
    snprintf(t->day, sizeof t->day, "%s", day ? (const char *)day : "");
    int64_t *dst[] = {&t->attempts, &t->pass, &t->fail, &t->interrupted, &t->skip};
    for (int i = 0; i < 5; i++)
        *dst[i] = sqlite3_column_int64(st, 1 + i);
    return 0;
}

/* Each day from the selection's first start to its last, one range each:
 * ?4 = the day ("YYYY-MM-DD" sorts before that day's times), ?5 = the next. */
static int fill_ranges(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r, int64_t from,
                       int64_t to)
{
    char sql[1024], where[256];
    fota_report_where_and(sel, "started_at >= ?4 AND started_at < ?5", where, sizeof where);
    snprintf(sql, sizeof sql, DAY_SQL, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(st, sel);
    int rc = 0;
    size_t cap = 0;
    char day[FOTA_ISO_LEN], next[FOTA_ISO_LEN];
    for (int64_t d = from; rc == 0 && d <= to; d += DAY_MS) {
        fota_iso_format(d, day);
        fota_iso_format(d + DAY_MS, next);
        sqlite3_bind_text(st, 4, day, 10, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, next, 10, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, day, 10, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW || add_day(r, st, &cap) < 0)
            rc = -1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* More days than MAX_DAYS: one GROUP BY (a sort, but one statement). */
static int fill_grouped(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
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
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = add_day(r, st, &cap);
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

static int fill_days(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char first[16], last[16];
    int64_t from, to;
    if (!r->first_started[0])
        return 0;
    snprintf(first, sizeof first, "%.10s", r->first_started);
    snprintf(last, sizeof last, "%.10s", r->last_started);
    if (fota_iso_parse(first, &from) != 0 || fota_iso_parse(last, &to) != 0 ||
        (to - from) / DAY_MS >= MAX_DAYS)
        return fill_grouped(db, sel, r);
    return fill_ranges(db, sel, r, from, to);
}

int fota_report_load_trend(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    return fill_days(db, sel, r);
}

void fota_report_free_trend(fota_report_t *r)
{
    free(r->trend);
    r->trend = NULL;
    r->n_trend = 0;
}
