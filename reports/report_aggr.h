/* The first page's aggregates (report_model.h): each a small query over the
 * selected attempts and a fill function, so another engine (the central
 * PostgreSQL) can run the same query and fill the same struct. Internal to
 * reports/. Every load returns 0, or -1 (database error or out of memory). */
#ifndef FOTA_REPORT_AGGR_H
#define FOTA_REPORT_AGGR_H

#include <stdlib.h>
#include <string.h>

#include "report_model.h"

int fota_report_load_batches(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r);
void fota_report_free_batches(fota_report_t *r);

/* Needs r->first_started/last_started (the runs' selection, report_trace.c). */
int fota_report_load_runfolds(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r);
void fota_report_free_runfolds(fota_report_t *r);

/* Needs r->first_started/last_started (the days it walks). */
int fota_report_load_trend(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r);
void fota_report_free_trend(fota_report_t *r);

/* From r->by_slot (report_slots.c), with the hub rule of slot_hub.c. */
int fota_report_grid_build(fota_report_t *r);
void fota_report_grid_free(fota_report_grid_t *g);

void fota_report_free_attempts(fota_report_t *r);

/* The runs behind the selection (report_trace.c) as one SELECT of every runs
 * column, aliased u; binds ?1..?3 as the selection, ?4 first and ?5 last start. */
void fota_report_runs_sql(const fota_report_sel_t *sel, char *out, size_t len);

/* " WHERE <selection> AND <cond>" or " WHERE <cond>". */
void fota_report_where_and(const fota_report_sel_t *sel, const char *cond, char *out, size_t len);

/* A module: its IMEI, or the attempt alone when it has none (docs/database.md). */
#define FOTA_REPORT_MODULE_SQL "imei, CASE WHEN imei IS NULL OR imei = '' THEN id ELSE 0 END"
#define FOTA_REPORT_VERDICT_SQL "result IN ('PASS','FAIL','INTERRUPTED')"

static inline char *fota_report_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

/* Appends ", s" (or s) to a ", "-joined list unless it is there; -1 out of memory. */
int fota_report_list_add(char **list, const char *s);

#endif
