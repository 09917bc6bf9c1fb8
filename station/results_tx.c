/* One flush of the results queue: its ops as one transaction (results_int.h).
 * Runs on a pool thread while the loop goes on, or on the loop at exit. */
#include <stdint.h>

#include "results_int.h"
#include "results_trace.h"

static int64_t row_id(const fota_results_attempt_t *h)
{
    return h->id >= 0 ? h->id : h->tx_id;
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
        rc = fota_store_attempt_close(r->store, row_id(op->h), op->a);
        break;
    }
    /* NOENT: the row is closed already (nothing to update): not a write failure. */
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
    if (rc == 0)
        rc = fota_store_tx_begin(r->store);
    if (rc == 0) {
        if (++r->gen == 0)
            r->gen = 1;
        for (op_t *op = r->fl_head; op && rc == 0; op = op->next)
            rc = apply(r, op);
        if (rc == 0)
            rc = write_heard(r);
        if (r->trace)
            r->fl_applied_ns = fota_results_trace_now_ns();
        if (rc == 0)
            rc = fota_store_tx_commit(r->store);
        else
            fota_store_tx_rollback(r->store);
    }
    r->fl_rc = rc < 0 ? rc : 0;
    r->fl_err = FOTA_STORE_ERR_NONE;
    r->fl_words[0] = '\0';
    if (rc < 0) {
        for (op_t *op = r->fl_head; op; op = op->next)
            if (op->kind == OP_BEGIN)
                op->h->tx_id = -1;
        r->fl_err = fota_store_last_error(r->store, r->fl_words, sizeof r->fl_words);
    }
    r->fl_commit_ns = r->trace && rc == 0 ? fota_results_trace_now_ns() : 0;
}
