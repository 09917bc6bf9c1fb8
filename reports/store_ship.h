/* The shipper's side of the station's results file: what a round of shipping to
 * the central PostgreSQL reads from it, and the record of what arrived
 * (central_shipped). The station's shipper (station/central_ship.c) builds the
 * central COPY text and transaction from these rows and never sees SQLite.
 *
 * Opening never moves the file's schema past version 2 on its own: beside an
 * older station (`ship --follow` as its own service) the file keeps its version,
 * or that station would refuse it as "newer than this build". Only
 * central_shipped is added, as schema step 6 defines it. */
#ifndef FOTA_REPORTS_STORE_SHIP_H
#define FOTA_REPORTS_STORE_SHIP_H

#include <stddef.h>
#include <stdint.h>

/* The attempts columns in the central table's order after (station, local_id). */
#define FOTA_SHIP_ATTEMPT_COLS                                                                     \
    "batch, operator, slot, port, imei, model, family, from_version, to_version,"                \
    " final_version, method, package_names, package_sha256, started_at, finished_at, result,"   \
    " noop, error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"  \
    " duration_ms, last_heard_at, queued_ms, power_cycles"
#define FOTA_SHIP_N_ATTEMPT_COLS 28
/* Likewise for runs (central schema 3, station schema 7). */
#define FOTA_SHIP_RUN_COLS                                                                         \
    "started_at, batch, operator, job_name, job_path, job_sha256, software_version, packages"
#define FOTA_SHIP_N_RUN_COLS 8

typedef struct fota_store_ship fota_store_ship_t;

/* One row read: its id and its fields as text (NULL for SQL NULL), valid during
 * the call only. Nonzero stops the read with that value. */
typedef int (*fota_store_ship_row_fn)(void *ctx, int64_t id, const char *const *fields, int n);

/* 0, or a negative FOTA_E_* with the reason in errbuf. */
int fota_store_ship_open(const char *db_path, fota_store_ship_t **out, char *errbuf,
                         size_t errlen);
void fota_store_ship_close(fota_store_ship_t *s);
/* The file's last error, for a message. */
const char *fota_store_ship_error(const fota_store_ship_t *s);

/* A read snapshot around one round's reads, so its attempts and events agree. */
int fota_store_ship_begin(fota_store_ship_t *s);
void fota_store_ship_end(fota_store_ship_t *s);

/* Just before the oldest running attempt, or the newest attempt when none runs;
 * `low` when the file cannot say. */
int64_t fota_store_ship_next_low(fota_store_ship_t *s, int64_t low);

/* The distinct station names of the file's runs (`host` for rows without one),
 * one call each: fields[0]. 0 (also when the file has no runs table: then
 * *has_runs = 0), -1 on the file's error, or fn's nonzero value. */
int fota_store_ship_run_stations(fota_store_ship_t *s, const char *host, int *has_runs,
                                 fota_store_ship_row_fn fn, void *ctx);

/* The runs with id > after, oldest first: fields station, id, FOTA_SHIP_RUN_COLS.
 * 0 (none, or no runs table), -1 on the file's error, or fn's nonzero value. */
int fota_store_ship_runs(fota_store_ship_t *s, int64_t after, const char *host,
                         fota_store_ship_row_fn fn, void *ctx);

/* Up to max finished attempts with id > after not yet in central_shipped, oldest
 * first: fields station, id, FOTA_SHIP_ATTEMPT_COLS (queued_ms NULL in a file
 * older than schema 8: never measured; power_cycles 0 before it existed). 0, -1, or fn's nonzero value. */
int fota_store_ship_attempts(fota_store_ship_t *s, int64_t after, const char *host, int max,
                             fota_store_ship_row_fn fn, void *ctx);

/* One attempt's events in the order written: fields attempt_id, seq (rowid),
 * t_ms, dir, text. 0, -1, or fn's nonzero value. */
int fota_store_ship_events(fota_store_ship_t *s, int64_t attempt_id, fota_store_ship_row_fn fn,
                           void *ctx);

/* Records these attempts as committed centrally at `now` (ISO time), in one
 * write transaction. 0, or -1 (they ship again next round: harmless). */
int fota_store_ship_mark(fota_store_ship_t *s, const int64_t *ids, size_t n, const char *now);

/* Finished attempts with id > after not yet shipped (-1 on error). */
int64_t fota_store_ship_backlog(fota_store_ship_t *s, int64_t after);

#endif
