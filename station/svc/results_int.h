/* The results queue's inside, shared by results.c (the queue, on the loop) and
 * results_tx.c (one flush's transaction, on a pool thread). Not an API. */
#ifndef FOTA_STATION_RESULTS_INT_H
#define FOTA_STATION_RESULTS_INT_H

#include <stdio.h>

#include "results.h"
#include "store.h"

/* OP_PORT: a slot's service state (no attempt: h is NULL). */
typedef enum { OP_BEGIN, OP_IDENTIFY, OP_EVENT, OP_FINISH, OP_PORT } op_kind_t;

struct fota_results_attempt {
    int64_t id;      /* committed row id; -1 until then */
    int64_t tx_id;   /* id given by the INSERT in the flush under way */
    unsigned refs;   /* the slot's (until finish) + one per queued op */
    unsigned rows;   /* BEGIN / IDENTIFY ops queued or in flight (loop only) */
    void *ctx;
    int64_t heard_ms;
    unsigned heard_gen;
    fota_results_attempt_t *prev, *next; /* every live handle, freed at close */
};

typedef struct op {
    struct op *next;
    op_kind_t kind;
    fota_results_attempt_t *h;
    int64_t t_ms, heard_ms;   /* EVENT */
    fota_trace_dir_t dir;
    char *text;               /* EVENT, masked; PORT: the slot */
    char *reason;             /* PORT: NULL for the operator */
    bool port_off;            /* PORT */
    fota_attempt_t *a;        /* BEGIN, IDENTIFY, FINISH */
    /* FINISH that the file will never hold (its row closed by another writer, or a
     * write refused for good): why, in words; "" while it is to be written. */
    char lost[200];
    uint64_t queued_ns;       /* FOTA_RESULTS_TRACE only */
} op_t;

struct fota_results {
    fota_store_t *store;      /* the writer's; the flush in flight owns it */
    fota_store_t *reader;     /* fota_results_latest's, on the loop */
    op_t *head, *tail;        /* queued, not in a flush yet */
    /* The flush in flight: its ops (taken off the queue, in order), and what the
     * pool thread found (read on the loop only after it is done). */
    op_t *fl_head;
    bool in_flight, again;
    uv_work_t work;
    int fl_rc;
    fota_store_err_t fl_err;
    char fl_words[256];
    uint64_t fl_commit_ns;
    uint64_t fl_start_ns, fl_applied_ns; /* FOTA_RESULTS_TRACE only */
    /* The batch whose yields are shown (fota_results_track_batch): read again in
     * every flush with a verdict in it, right after its commit. */
    char *batch;
    FILE *drain_out;          /* fota_results_drain: where lost finishes are said */
    bool track, fl_yield_read;
    fota_store_yield_t fl_yield, yield;
    size_t n_ops, n_results, n_events, event_bytes;
    uint64_t oldest_event;    /* uv_now when the first queued line came */
    fota_results_attempt_t *live;
    uv_loop_t *loop;
    uv_timer_t timer;
    bool attached;
    uint64_t due;
    fota_results_cbs_t cbs;
    void *ctx;
    unsigned gen;
    fota_store_err_t err;
    uint64_t err_since;
    char words[256];
    unsigned long dropped;
    FILE *trace;              /* FOTA_RESULTS_TRACE (benchmarks), else NULL */
    fota_store_running_t *recovered; /* closed by crash recovery at open */
    size_t n_recovered;
};

/* Runs the flight's ops (r->fl_head) as one transaction on the writer's
 * connection and leaves the outcome in r->fl_rc, fl_err, fl_words. */
void fota_results_tx_run(fota_results_t *r);

#endif
