/* `report --central`: the report from the central PostgreSQL. The selected
 * central rows are copied into an in-memory SQLite database with the station's
 * own schema, so the report model, every renderer and the CSV writer run
 * unchanged: one definition of yield, Pareto and rework list for both. */
#ifndef FOTA_CENTRAL_REPORT_H
#define FOTA_CENTRAL_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

typedef struct {
    const char *station; /* NULL: every station */
    const char *batch;   /* NULL: every batch */
    const char *since;   /* ISO 8601 as stored, NULL: all time */
    const char *until;   /* likewise, exclusive; NULL: up to now */
} fota_central_sel_t;

/* Opens a ":memory:" database holding the selection. Ids are given in start
 * order across stations (started_at, then station, then local id), which is
 * what "latest" means centrally; the station column is the central one.
 * 0, or a negative FOTA_E_* with the (scrubbed) reason in errbuf. */
int fota_central_report_db(const char *dsn, const fota_central_sel_t *sel, sqlite3 **out,
                           char *errbuf, size_t errlen);

/* "Shipping lag by station" (text): attempts, last shipped, lag p50/p99/max
 * (shipped_at - finished_at) over the selection. 0 or a negative FOTA_E_*. */
int fota_central_write_lag(const char *dsn, const fota_central_sel_t *sel, FILE *f, char *errbuf,
                           size_t errlen);

#endif
