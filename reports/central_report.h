/* `report --central`: the report from the central PostgreSQL. Its figures are
 * computed by the server (central_load.c, one query per aggregate) into the same
 * report model the local report fills, so every renderer prints it unchanged:
 * one definition of yield, Pareto and rework list for both. The csv format,
 * one row per attempt, streams the selected rows through an in-memory copy. */
#ifndef FOTA_CENTRAL_REPORT_H
#define FOTA_CENTRAL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "report_model.h"

typedef struct {
    const char *station; /* NULL: every station */
    const char *batch;   /* NULL: every batch */
    const char *since;   /* ISO 8601 as stored, NULL: all time */
    const char *until;   /* likewise, exclusive; NULL: up to now */
} fota_central_sel_t;

/* Connects and checks the central schema is one this build reads; NULL with
 * the (scrubbed) reason in errbuf. */
PGconn *fota_central_report_connect(const char *dsn, char *errbuf, size_t errlen);

/* What only some renderers need, for fota_central_report_load's need. */
enum {
    FOTA_CENTRAL_NEED_HISTOGRAM = 1, /* r->total_ms: every PASS duration (html chart) */
    FOTA_CENTRAL_NEED_ATTEMPTS = 2,  /* r->att: the per-attempt list (json --attempts) */
};

/* The report's figures computed by the central server (central_agg.h): only
 * result rows travel (and what need asks for, FOTA_CENTRAL_NEED_* or-ed).
 * 0, or a negative FOTA_E_* with the reason in errbuf. */
int fota_central_report_load(const char *dsn, const fota_central_sel_t *sel, unsigned need,
                             fota_report_t **out, char *errbuf, size_t errlen);

/* For the csv format (one row per attempt): opens a ":memory:" database holding the selection. Ids are given in start
 * order across stations (started_at, then station, then local id), which is
 * what "latest" means centrally; the station column is the central one.
 * 0, or a negative FOTA_E_* with the (scrubbed) reason in errbuf. */
int fota_central_report_db(const char *dsn, const fota_central_sel_t *sel, sqlite3 **out,
                           char *errbuf, size_t errlen);

/* "Shipping lag by station" (text): attempts, last shipped, lag p50/p99/max
 * (shipped_at - finished_at) over the selection. _start sends the query on
 * its own connection (NULL with the reason in errbuf), so the server works on
 * it while the report is computed; _write waits for it, prints it and closes
 * the connection. 0 or a negative FOTA_E_*. */
PGconn *fota_central_lag_start(const char *dsn, const fota_central_sel_t *sel, char *errbuf,
                               size_t errlen);
int fota_central_lag_write(PGconn *lag, const char *dsn, FILE *f, char *errbuf, size_t errlen);

#endif
