/* The station's only door to the results database (reports/store.h), so the rest of
 * the station never sees SQLite. (The shipper, a process of its own, reads the file
 * through reports/store_ship.h, also without SQLite in station/.)
 *
 * Writes never block the loop: begin / identify / event / finish are queued in
 * memory, in order, and a libuv timer hands what is queued to libuv's thread pool as
 * one transaction (everything queued meanwhile goes in one commit; one flush at a
 * time), with a zero busy timeout. So neither a slow fsync nor another process's
 * lock holds the loop that serves every port. A lock, a full disk or an I/O error
 * leaves the queue as it is and is retried (every FOTA_RESULTS_RETRY_BUSY_MS /
 * _FAIL_MS); nothing is dropped. A result is shown only once it is committed: the
 * `committed` callback, on the loop, says so. */
#ifndef FOTA_STATION_RESULTS_H
#define FOTA_STATION_RESULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "attempt.h"
#include "at_chat.h"
#include "store.h"
#include "store_ports.h"

#define FOTA_RESULTS_RETRY_BUSY_MS 200
#define FOTA_RESULTS_RETRY_FAIL_MS 1000
#define FOTA_RESULTS_EVENT_AGE_MS 2000   /* a lone transcript line waits at most this */
#define FOTA_RESULTS_EVENT_BATCH 256
#define FOTA_RESULTS_EVENT_BYTES (64 * 1024)
/* While the database refuses writes for long, transcript lines beyond this much
 * memory are dropped (counted); results never are. */
#define FOTA_RESULTS_EVENT_CAP (32u * 1024 * 1024)

typedef struct fota_results fota_results_t;
/* One attempt's row: its id is known once the queued INSERT committed. */
typedef struct fota_results_attempt fota_results_attempt_t;

typedef struct {
    /* The row of `h` now exists (id known). */
    void (*resolved)(void *attempt_ctx, fota_results_attempt_t *h);
    /* The flush with the finish of `h` is committed: only now may it be shown or
     * counted. not_recorded NULL: the verdict is in the file. Otherwise it never
     * will be, and says why in words (its row was closed by another writer, or the
     * file refused it for good): the station must say NOT RECORDED. The handle is
     * released after this returns. */
    void (*committed)(void *attempt_ctx, fota_results_attempt_t *h, const fota_attempt_t *a,
                      const char *not_recorded);
    /* Every begin / identify queued for `h` is committed: the row names the module. */
    void (*identified)(void *attempt_ctx, fota_results_attempt_t *h);
    /* Busy / failing / writable again: see fota_results_health. */
    void (*health)(void *ctx);
    /* fota_results_drain (after detach, no slot to call back): a finish written in
     * the last flush (not_recorded NULL), or given up with the reason; on ctx. */
    void (*drained)(void *ctx, const fota_attempt_t *a, const char *not_recorded);
} fota_results_cbs_t;

/* Opens (creates, migrates) the database, closes attempts a dead station left
 * running as INTERRUPTED (*recovered says how many), and checks that the file
 * really takes a write. errbuf explains a failure in words. */
int fota_results_open(const char *path, fota_results_t **out, int *recovered, char *errbuf,
                      size_t errlen);
/* The rows that crash recovery closed at open (up to FOTA_RESULTS_RECOVERED_MAX,
 * oldest first): the modules the station waits for and adopts. */
#define FOTA_RESULTS_RECOVERED_MAX 256
size_t fota_results_recovered(const fota_results_t *r, const fota_store_running_t **rows);
/* The yields of this batch, read now and again in every flush with a verdict in it
 * (right after its commit), as batch_summary counts them: earlier runs of the batch
 * included. Call before attach, after open (crash recovery counted). */
int fota_results_track_batch(fota_results_t *r, const char *batch);
void fota_results_batch_yield(const fota_results_t *r, fota_store_yield_t *out);
/* Starts the flush timer on `loop` (flushes run on its thread pool); callbacks go to
 * cbs with ctx, on the loop. */
void fota_results_attach(fota_results_t *r, uv_loop_t *loop, const fota_results_cbs_t *cbs,
                         void *ctx);
/* No callback after this; the timer handle is closed (before the loop ends). A flush
 * in flight still completes: the loop runs until it is back. */
void fota_results_detach(fota_results_t *r);
/* Last flush, waiting up to busy_ms for a lock; then prints each result still not
 * written (IMEI, result, class) to `out` and returns how many (>= 0). Each finish
 * the last flush wrote, or gave up (printed too), goes to the `drained` callback. */
int fota_results_drain(fota_results_t *r, int busy_ms, FILE *out);
void fota_results_close(fota_results_t *r);

/* Queues the running row; NULL only when out of memory. ctx goes to callbacks. */
fota_results_attempt_t *fota_results_begin(fota_results_t *r, const fota_attempt_t *a, void *ctx);
int64_t fota_results_attempt_id(const fota_results_attempt_t *h); /* -1 until resolved */
/* No begin / identify of `h` waits to be committed (then `identified` has fired). */
bool fota_results_identified(const fota_results_attempt_t *h);
int fota_results_identify(fota_results_t *r, fota_results_attempt_t *h, const fota_attempt_t *a);
int fota_results_event(fota_results_t *r, fota_results_attempt_t *h, int64_t t_ms,
                       fota_trace_dir_t dir, const char *text);
/* Queues the final columns; `committed` fires when they are in the file. */
int fota_results_finish(fota_results_t *r, fota_results_attempt_t *h, const fota_attempt_t *a);
/* A slot's service state (x, port health), written with the next flush; reason NULL
 * for the operator. */
int fota_results_port(fota_results_t *r, const char *slot, bool off, const char *reason,
                      int64_t at_ms);
/* The slots out of service in the file (at start); how many, or FOTA_E_*. */
int fota_results_ports_off(fota_results_t *r, fota_store_port_t *out, size_t max);

/* Rework: 1 and *out when the IMEI has a verdict (a queued one counts first), 0
 * when never seen, FOTA_E_STATE when the database is busy (ask again), <0 error. */
int fota_results_latest(fota_results_t *r, const char *imei, fota_result_t *out);

typedef struct {
    fota_store_err_t err;    /* NONE: writes go through */
    int64_t since_ms;        /* when the current trouble began (uv_now) */
    char words[256];         /* "disk full (database or disk is full; …)" */
    size_t queued_results;   /* finishes waiting in memory */
    size_t queued_ops;
    unsigned long dropped_events;
} fota_results_health_t;

/* The dashboard's line for a results file in trouble, from its health at now_ms
 * (uv_now): false when there is nothing to say. A lock shorter than a second is
 * normal life (an MES reader's checkpoint, a backup step) and not worth a word. */
bool fota_results_banner(const fota_results_health_t *h, int64_t now_ms, char *buf, size_t len);

void fota_results_health(const fota_results_t *r, fota_results_health_t *h);
/* The last flush went through (no lock, no failure): a commit is due shortly. */
bool fota_results_writing(const fota_results_t *r);
/* Writes fail for a reason other than a lock: new modules must not start. */
bool fota_results_failing(const fota_results_t *r);
/* Anything still queued (the station waits for it before exiting). */
bool fota_results_pending(const fota_results_t *r);

#endif
