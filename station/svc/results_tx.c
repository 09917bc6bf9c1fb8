/* One flush of the results queue: its ops as one transaction (results_int.h).
 * Runs on a pool thread while the loop goes on, or on the loop at exit. */
#include <stdint.h>
#include <stdio.h>

#include "results_int.h"
#include "store_ports.h"
#include "results_trace.h"

static int64_t row_id(const fota_results_attempt_t *h)
{
    return h->id >= 0 ? h->id : h->tx_id;
}

/* The finish changed no row: another writer (a second station, an MES tool, a
 * hand-made UPDATE) closed it, or it is gone. Its verdict is not in the file. */
static void finish_lost_row(fota_results_t *r, op_t *op)
{
    char now[32] = "";
    int64_t id = row_id(op->h);
    if (fota_store_row_result(r->store, id, now, sizeof now) < 0)
        now[0] = '\0';
    if (now[0])
        snprintf(op->lost, sizeof op->lost,
                 "its row (attempt %lld) was already closed as %s by another writer",
                 (long long)id, now);
    else
        snprintf(op->lost, sizeof op->lost, "its row (attempt %lld) is not in the file",
                 (long long)id);
}

/* The file refuses this row for good (a constraint or a trigger): retrying would
 * hold every later write behind it, so it is given up and said. */
static void finish_refused(fota_results_t *r, op_t *op)
{
    char words[160];
    fota_store_last_error(r->store, words, sizeof words);
    snprintf(op->lost, sizeof op->lost, "the database refused it: %s", words);
}

static int apply(fota_results_t *r, op_t *op)
{
    int rc = 0;
    switch (op->kind) {
    case OP_BEGIN:
        rc = fota_store_attempt_begin(r->store, op->a, &op->h->tx_id);
        break;
    case OP_IDENTIFY:
        rc = fota_store_attempt_identify(r->store, row_id(op->h), op->a);
        break;
    case OP_EVENT:
        rc = fota_store_event_insert(r->store, row_id(op->h), op->t_ms, op->dir, op->text);
        if (rc == 0 && op->heard_ms > op->h->heard_ms) /* last_heard_at: once per attempt */
            op->h->heard_ms = op->heard_ms;
        op->h->heard_gen = r->gen;
        break;
    case OP_FINISH:
        if (op->lost[0])
            return 0; /* refused for good in an earlier try of this flight */
        rc = fota_store_attempt_close(r->store, row_id(op->h), op->a);
        if (rc == FOTA_E_NOENT)
            finish_lost_row(r, op);
        else if (rc < 0 && fota_store_last_error_for_good(r->store))
            finish_refused(r, op);
        break;
    case OP_PORT:
        rc = fota_store_port_set(r->store, op->text, op->port_off, op->reason, op->t_ms);
        break;
    }
    /* NOENT: an identify or a finish found its row closed already. The transaction
     * goes on; a finish says it in op->lost (shown NOT RECORDED). */
    return rc == FOTA_E_NOENT ? 0 : rc;
}

static int write_heard(fota_results_t *r)
{
    for (op_t *op = r->fl_head; op; op = op->next) {
        fota_results_attempt_t *h = op->h;
        if (op->kind != OP_EVENT || h->heard_gen != r->gen)
            continue;
        h->heard_gen = 0;
        if (fota_store_heard(r->store, row_id(h), h->heard_ms) < 0)
            return FOTA_E_IO;
    }
    return 0;
}

static void forget_rows(fota_results_t *r)
{
    for (op_t *op = r->fl_head; op; op = op->next)
        if (op->kind == OP_BEGIN)
            op->h->tx_id = -1;
}

static bool flight_has_verdict(const fota_results_t *r)
{
    for (const op_t *op = r->fl_head; op; op = op->next)
        if (op->kind == OP_FINISH)
            return true;
    return false;
}

/* One transaction with the flight's ops, in order. Touches only the writer's
 * connection, the flight's ops and the fl_ results, and the ops' handles' tx_id and
 * heard_* (which the loop leaves alone while a flush is in flight). On failure the
 * rows it created are forgotten again. */
void fota_results_tx_run(fota_results_t *r)
{
    if (r->trace)
        r->fl_start_ns = fota_results_trace_now_ns();
    /* Transcript lines alone need no fsync of their own: the next flush with a row
     * in it makes them durable too, and meanwhile a verdict queued behind them waits
     * for a write, not for the disk. */
    bool durable = false;
    for (op_t *op = r->fl_head; op && !durable; op = op->next)
        durable = op->kind != OP_EVENT;
    int rc = fota_store_tx_durable(r->store, durable);
    r->fl_yield_read = false;
    /* A finish refused for good is marked lost and the flight runs again without
     * it: at most once per finish in the flight. */
    for (bool again = true; rc == 0 && again;) {
        again = false;
        rc = fota_store_tx_begin(r->store);
        if (rc < 0)
            break;
        if (++r->gen == 0)
            r->gen = 1;
        for (op_t *op = r->fl_head; op && rc == 0; op = op->next) {
            bool was_lost = op->lost[0] != '\0';
            rc = apply(r, op);
            again = op->kind == OP_FINISH && !was_lost && op->lost[0] && rc < 0;
        }
        if (rc == 0)
            rc = write_heard(r);
        if (r->trace)
            r->fl_applied_ns = fota_results_trace_now_ns();
        if (rc == 0) {
            rc = fota_store_tx_commit(r->store);
        } else {
            fota_store_tx_rollback(r->store);
            if (again) { /* the rows it created are made again in the next try */
                rc = 0;
                forget_rows(r);
            }
        }
    }
    r->fl_rc = rc < 0 ? rc : 0;
    r->fl_err = FOTA_STORE_ERR_NONE;
    r->fl_words[0] = '\0';
    if (rc < 0) {
        forget_rows(r);
        r->fl_err = fota_store_last_error(r->store, r->fl_words, sizeof r->fl_words);
    }
    r->fl_commit_ns = r->trace && rc == 0 ? fota_results_trace_now_ns() : 0;
    /* The yields as the file holds them now (batch_summary's counts), read after
     * the commit so the write lock is not held for it (a batch of 100,000 modules
     * takes ~20 ms). A failed read only leaves the figures of the last one. */
    if (rc == 0 && r->track && flight_has_verdict(r))
        r->fl_yield_read = fota_store_batch_yield(r->store, r->batch, &r->fl_yield) == 0;
}
