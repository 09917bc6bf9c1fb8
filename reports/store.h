/* The results database (docs/database.md): SQLite in WAL mode, the MES interface.
 * Every function returns 0 or a negative FOTA_E_* code; on error, errbuf (when
 * given) says what went wrong in words. */
#ifndef FOTA_STORE_H
#define FOTA_STORE_H

#include "attempt.h"
#include "at_chat.h" /* fota_trace_dir_t */

typedef struct fota_store fota_store_t;

/* Opens or creates the file, sets WAL + busy timeout, migrates older schemas. */
int fota_store_open(const char *path, fota_store_t **out, char *errbuf, size_t errlen);
/* The same, for the station's writer at start: an existing results file is read
 * through with PRAGMA quick_check first, and a damaged one is refused
 * (FOTA_E_STATE) before anything is written to it. */
int fota_store_open_checked(const char *path, fota_store_t **out, char *errbuf, size_t errlen);
void fota_store_close(fota_store_t *s);

/* Attempts left running by a station that died are closed as INTERRUPTED, with
 * finished_at = the last time they were heard from. Returns how many (>= 0). */
int fota_store_recover_interrupted(fota_store_t *s);

/* One row left running, as crash recovery finds it (read before it closes them):
 * the station waits for these modules and adopts them (docs/database.md). */
typedef struct {
    int64_t id;
    char slot[128];
    char imei[32];
    char family[32];
    int64_t heard_ms;  /* last_heard_at (or started_at), Unix epoch ms; 0 unknown */
} fota_store_running_t;

/* Fills up to max rows still running (result NULL), oldest first. Returns how many
 * there are (may exceed max) or a negative FOTA_E_* code. */
int fota_store_running(fota_store_t *s, fota_store_running_t *out, size_t max);

/* Inserts the row with result NULL (running) and commits. */
int fota_store_attempt_begin(fota_store_t *s, const fota_attempt_t *a, int64_t *id_out);
/* Updates identity columns once known (imei, model, from_version…) and commits. */
int fota_store_attempt_identify(fota_store_t *s, int64_t id, const fota_attempt_t *a);
/* Writes the final columns and the buffered events in one transaction. */
int fota_store_attempt_finish(fota_store_t *s, int64_t id, const fota_attempt_t *a);
/* Buffers one transcript line; flushed in batches and always at finish. */
int fota_store_event(fota_store_t *s, int64_t attempt_id, int64_t t_ms, fota_trace_dir_t dir,
                     const char *text);
int fota_store_flush(fota_store_t *s);

/* Rework: the latest result for an IMEI. Returns 1 and fills *out when found,
 * 0 when the IMEI was never seen. */
int fota_store_latest_result(fota_store_t *s, const char *imei, fota_result_t *out);

/* ---- additions (store owner) ----------------------------------------------- */

/* The clock used for last_heard_at (default: wall clock, Unix epoch ms). For
 * tests and simulated time; the attempt's own times come from fota_attempt_t. */
void fota_store_set_clock(fota_store_t *s, int64_t (*now_ms)(void *ctx), void *ctx);

/* Events buffered and not yet written (the station may flush early when high). */
size_t fota_store_pending_events(const fota_store_t *s);

/* Event buffer limits: written when one is reached (checked as each line
 * comes in), at every finish, and at fota_store_flush. */
#define FOTA_STORE_EVENT_BATCH 256
#define FOTA_STORE_EVENT_BYTES (64 * 1024)
#define FOTA_STORE_EVENT_AGE_MS 2000 /* oldest buffered line older than this */

/* ---- the station's write queue (station/results.c) -------------------------
 * The station queues its writes in memory and flushes them in one transaction
 * with a zero busy timeout, so a lock held by another process never blocks its
 * loop. These run inside the caller's fota_store_tx_begin/commit. */

typedef enum {
    FOTA_STORE_ERR_NONE,
    FOTA_STORE_ERR_BUSY,     /* another connection holds the write lock */
    FOTA_STORE_ERR_FULL,     /* SQLITE_FULL, ENOSPC, EDQUOT */
    FOTA_STORE_ERR_READONLY, /* read-only file, folder or file system */
    FOTA_STORE_ERR_IO,       /* anything else */
} fota_store_err_t;

void fota_store_set_busy_timeout(fota_store_t *s, int ms);
int fota_store_tx_begin(fota_store_t *s); /* BEGIN IMMEDIATE */
/* false: the next transactions commit without waiting for the disk (synchronous=
 * NORMAL), for transcript lines only; true (the default): synchronous=FULL. A power
 * cut can then lose the transcript lines after the last durable commit, never a row
 * or a verdict. Call between transactions. */
int fota_store_tx_durable(fota_store_t *s, bool durable);
int fota_store_tx_commit(fota_store_t *s); /* rolls back when the COMMIT fails */
void fota_store_tx_rollback(fota_store_t *s);
/* The final columns of an attempt (no transaction of its own). */
int fota_store_attempt_close(fota_store_t *s, int64_t id, const fota_attempt_t *a);
/* One transcript line, unbuffered (no transaction of its own; text is masked). */
int fota_store_event_insert(fota_store_t *s, int64_t attempt_id, int64_t t_ms,
                            fota_trace_dir_t dir, const char *text);
int fota_store_heard(fota_store_t *s, int64_t attempt_id, int64_t heard_ms);
/* A write transaction that really writes (and syncs): 0 when the file takes writes. */
int fota_store_check_writable(fota_store_t *s);
/* The last failure is one a retry cannot cure (a constraint or trigger of the
 * file refused the row: SQLITE_CONSTRAINT, MISMATCH, TOOBIG), unlike a lock, a full
 * disk or an I/O error. */
bool fota_store_last_error_for_good(const fota_store_t *s);
/* What the row holds now, for a finish that changed no row: its result ("FAIL"),
 * "running" (result NULL) or "" when there is no such row. 0 or <0. */
int fota_store_row_result(fota_store_t *s, int64_t id, char *out, size_t len);

/* A batch's yields as batch_summary and `report --batch` count them
 * (docs/database.md, "Yield"): modules = modules with a verdict in the batch;
 * first_pass / final_pass = those whose first / latest verdict is PASS. */
typedef struct {
    int64_t modules, first_pass, final_pass;
} fota_store_yield_t;
int fota_store_batch_yield(fota_store_t *s, const char *batch, fota_store_yield_t *out);

/* Why the last failing call failed; words like "disk full (database or disk is
 * full; No space left on device)". */
fota_store_err_t fota_store_last_error(const fota_store_t *s, char *words, size_t len);
const char *fota_store_err_name(fota_store_err_t k);

#endif
