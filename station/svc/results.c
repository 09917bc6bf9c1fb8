/* Results through reports/store.h, queued on the loop and committed off it (the
 * transaction itself: results_tx.c); see results.h.
 *
 * Why the commit runs on libuv's thread pool and not on the loop: the loop serves
 * every port, and a commit with synchronous=FULL waits for the disk's fsync. On a
 * quiet SSD that is under a millisecond, but a slow, busy or failing disk (tens of
 * ms per fsync, more during a checkpoint) stalled every module's dialogue for as long
 * (bench/RESULTS.md, "Loop lateness and event latency"). So a flush takes the queued
 * ops out of the queue (a batch: one transaction) and hands them to uv_queue_work;
 * its after-work callback, back on the loop, delivers `resolved` and `committed` for
 * the batch, so a verdict is still shown only once its row is in the file.
 *
 * Why uv_queue_work and not a writer thread of our own: at most one flush is in
 * flight, so the connection is used by one thread at a time and needs no lock, and
 * the order of the ops is the order of the batches; libuv already provides the
 * thread, the hand-over and the wake-up of the loop (no queue, mutex or uv_async
 * of ours). Ops queued while a flush is in flight wait for the next batch, which
 * also batches commits on a slow disk: one fsync for everything that came meanwhile.
 * A batch of transcript lines alone commits without an fsync (synchronous=NORMAL):
 * the next batch with a row or a result in it fsyncs the log and makes them durable
 * too, and a verdict queued behind such a batch no longer waits two fsyncs.
 *
 * A zero busy timeout still applies while attached: a lock held by another process
 * fails the flush at once, the batch goes back to the head of the queue and is
 * retried from a timer, so a locked database never holds a pool thread either.
 * The rework read (fota_results_latest) has its own read-only use of a second
 * connection: in WAL mode it never waits for the writer, and it runs on the loop
 * while a flush is in flight. */
#include "results_int.h"

#include <stdlib.h>
#include <string.h>

#include "results_trace.h"
#include "store.h"
#include "text_escape.h"

/* The most ops one transaction carries, so one flush stays short after a long stall. */
#define FLUSH_MAX_OPS 4096

static uint64_t now_ms(const fota_results_t *r)
{
    return r->loop ? uv_now(r->loop) : 0;
}

/* ---- handles and ops ------------------------------------------------------- */

static void unref(fota_results_t *r, fota_results_attempt_t *h)
{
    if (--h->refs)
        return;
    if (h->prev)
        h->prev->next = h->next;
    else
        r->live = h->next;
    if (h->next)
        h->next->prev = h->prev;
    free(h);
}

static void op_free(fota_results_t *r, op_t *op)
{
    if (op->h)
        unref(r, op->h);
    free(op->text);
    free(op->reason);
    free(op->a);
    free(op);
}

/* Takes the first op off `*list` (the flight's; the queue's tail is the caller's). The
 * counters cover queued and in-flight ops alike: both are still to be written. */
static op_t *op_pop(fota_results_t *r, op_t **list)
{
    op_t *op = *list;
    *list = op->next;
    r->n_ops--;
    if (op->kind == OP_EVENT) {
        r->n_events--;
        r->event_bytes -= strlen(op->text) + 32;
    } else if (op->kind == OP_FINISH) {
        r->n_results--;
    }
    return op;
}

/* ---- flushing: on the loop ------------------------------------------------- */

static void timer_cb(uv_timer_t *t);

static void arm(fota_results_t *r, uint64_t delay)
{
    if (!r->attached)
        return;
    uint64_t due = now_ms(r) + delay;
    if (uv_is_active((uv_handle_t *)&r->timer) && r->due <= due)
        return;
    r->due = due;
    uv_timer_start(&r->timer, timer_cb, delay, 0);
}

static void health_changed(fota_results_t *r)
{
    if (r->attached && r->cbs.health)
        r->cbs.health(r->ctx);
}

/* The flush failed: say so (once per kind) and retry later. */
static void trouble(fota_results_t *r)
{
    fota_store_err_t k = r->fl_err == FOTA_STORE_ERR_NONE ? FOTA_STORE_ERR_IO : r->fl_err;
    bool changed = k != r->err;
    if (r->err == FOTA_STORE_ERR_NONE)
        r->err_since = now_ms(r);
    r->err = k;
    memcpy(r->words, r->fl_words, sizeof r->words);
    arm(r, k == FOTA_STORE_ERR_BUSY ? FOTA_RESULTS_RETRY_BUSY_MS : FOTA_RESULTS_RETRY_FAIL_MS);
    if (changed)
        health_changed(r);
}

/* The first `max` queued ops become the flight: a list of their own, so the loop can
 * go on queueing behind them while a pool thread walks it. */
static void take(fota_results_t *r, size_t max)
{
    op_t *last = r->head;
    for (size_t n = 1; n < max && last->next; n++)
        last = last->next;
    r->fl_head = r->head;
    r->head = last->next;
    last->next = NULL;
    if (!r->head)
        r->tail = NULL;
}

static void trace(fota_results_t *r, const op_t *op, uint64_t commit_ns)
{
    if (op->kind == OP_FINISH)
        fota_results_trace_line(r->trace, "finish", op->h, op->a->imei, op->queued_ns, commit_ns);
    else if (op->kind == OP_EVENT && fota_results_trace_is_end(op->text))
        fota_results_trace_line(r->trace, "end-event", op->h, NULL, op->queued_ns, commit_ns);
}

static void trace_flight(fota_results_t *r)
{
    size_t n = 0, results = 0;
    for (const op_t *op = r->fl_head; op; op = op->next, n++)
        results += op->kind == OP_FINISH;
    fota_results_trace_flight(r->trace, n, results, r->fl_applied_ns - r->fl_start_ns,
                              r->fl_commit_ns - r->fl_applied_ns);
}

static void print_unwritten(const fota_attempt_t *a, const char *why, FILE *out);

static void done(fota_results_t *r, op_t *op)
{
    bool cb = r->attached;
    if (r->trace)
        trace(r, op, r->fl_commit_ns);
    if (op->kind == OP_BEGIN || op->kind == OP_IDENTIFY)
        op->h->rows--;
    if (op->kind == OP_BEGIN) {
        op->h->id = op->h->tx_id;
        if (cb && r->cbs.resolved)
            r->cbs.resolved(op->h->ctx, op->h);
    } else if (op->kind == OP_IDENTIFY && !op->h->rows && cb && r->cbs.identified) {
        r->cbs.identified(op->h->ctx, op->h);
    } else if (op->kind == OP_FINISH && cb && r->cbs.committed) {
        r->cbs.committed(op->h->ctx, op->h, op->a, op->lost[0] ? op->lost : NULL);
    } else if (op->kind == OP_FINISH && r->drain_out) {
        /* the last flush at exit: no slot to call back; said here, counted there */
        if (op->lost[0]) {
            print_unwritten(op->a, op->lost, r->drain_out);
        }
        if (r->cbs.drained)
            r->cbs.drained(r->ctx, op->a, op->lost[0] ? op->lost : NULL);
    }
}

/* The flight is over. Failed: its ops go back to the head of the queue, in order,
 * nothing lost. Committed: each op's callback, then the next flush is planned. */
static void settle(fota_results_t *r)
{
    op_t *fl = r->fl_head;
    if (r->fl_rc < 0) {
        op_t *last = fl;
        while (last->next)
            last = last->next;
        last->next = r->head;
        if (!r->head)
            r->tail = last;
        r->head = fl;
        r->fl_head = NULL;
        r->again = false; /* the retry timer decides */
        trouble(r);
        return;
    }
    if (r->trace)
        trace_flight(r);
    if (r->fl_yield_read)
        r->yield = r->fl_yield;
    bool was = r->err != FOTA_STORE_ERR_NONE;
    r->err = FOTA_STORE_ERR_NONE;
    r->words[0] = '\0';
    if (was) /* before the verdicts: one of them may end the run */
        health_changed(r);
    /* Callbacks may queue more (a new attempt), ask fota_results_latest (which reads
     * the flight's ops) or detach (shutdown): each op leaves the flight first. */
    while (r->fl_head) {
        op_t *op = op_pop(r, &r->fl_head);
        done(r, op);
        op_free(r, op);
    }
    if (r->head)
        arm(r, r->again || r->n_results || r->n_ops > r->n_events ? 0
                                                                 : FOTA_RESULTS_EVENT_AGE_MS);
    r->again = false;
    if (r->n_events)
        r->oldest_event = now_ms(r);
}

static void work_cb(uv_work_t *w)
{
    fota_results_tx_run(w->data);
}

static void after_work_cb(uv_work_t *w, int status)
{
    (void)status; /* never cancelled: the work always ran */
    fota_results_t *r = w->data;
    r->in_flight = false;
    settle(r);
}

/* Starts a flush of up to FLUSH_MAX_OPS queued ops on the pool; one at a time. */
static void timer_cb(uv_timer_t *t)
{
    fota_results_t *r = t->data;
    if (r->in_flight) {
        r->again = true; /* settle plans the next one at once */
        return;
    }
    if (!r->head)
        return;
    take(r, FLUSH_MAX_OPS);
    r->work.data = r;
    r->in_flight = true;
    if (uv_queue_work(r->loop, &r->work, work_cb, after_work_cb) < 0) {
        r->in_flight = false; /* cannot happen with a valid loop; stay correct anyway */
        fota_results_tx_run(r);
        settle(r);
    }
}

static int enqueue(fota_results_t *r, op_kind_t kind, fota_results_attempt_t *h,
                   const fota_attempt_t *a, op_t **out)
{
    op_t *op = calloc(1, sizeof *op);
    if (!op)
        return FOTA_E_NOMEM;
    if (a && !(op->a = malloc(sizeof *a))) {
        free(op);
        return FOTA_E_NOMEM;
    }
    if (a)
        *op->a = *a;
    op->kind = kind;
    op->h = h;
    if (kind == OP_BEGIN || kind == OP_IDENTIFY)
        h->rows++;
    if (r->trace)
        op->queued_ns = fota_results_trace_now_ns();
    if (h)
        h->refs++;
    if (r->tail)
        r->tail->next = op;
    else
        r->head = op;
    r->tail = op;
    r->n_ops++;
    if (kind == OP_FINISH)
        r->n_results++;
    if (out)
        *out = op;
    if (r->err != FOTA_STORE_ERR_NONE)
        return 0; /* the retry timer is armed */
    if (kind != OP_EVENT)
        arm(r, 0); /* the next loop iteration: all writes of this one in one commit */
    return 0;
}

/* ---- API ------------------------------------------------------------------- */

int fota_results_open(const char *path, fota_results_t **out, int *recovered, char *errbuf,
                      size_t errlen)
{
    fota_results_t *r = calloc(1, sizeof *r);
    if (!r)
        return FOTA_E_NOMEM;
    /* The writer checks the file before the crash recovery writes to it. */
    int rc = fota_store_open_checked(path, &r->store, errbuf, errlen);
    if (rc < 0) {
        free(r);
        return rc;
    }
    /* Which rows recovery closes, read first: their modules may be in a reboot the
     * dead station started (adopted, station_adopt.c). Unreadable: none adopted. */
    r->recovered = calloc(FOTA_RESULTS_RECOVERED_MAX, sizeof *r->recovered);
    int running = r->recovered ? fota_store_running(r->store, r->recovered,
                                                    FOTA_RESULTS_RECOVERED_MAX)
                               : 0;
    r->n_recovered = running < 0 ? 0
                     : running > FOTA_RESULTS_RECOVERED_MAX ? FOTA_RESULTS_RECOVERED_MAX
                                                            : (size_t)running;
    int n = fota_store_recover_interrupted(r->store);
    if (n < 0 || fota_store_check_writable(r->store) < 0) {
        char words[256];
        fota_store_last_error(r->store, words, sizeof words);
        snprintf(errbuf, errlen, "cannot write to the database: %s", words);
        fota_store_close(r->store);
        free(r->recovered);
        free(r);
        return FOTA_E_IO;
    }
    /* The rework read's own connection (see the top of this file). */
    rc = fota_store_open(path, &r->reader, errbuf, errlen);
    if (rc < 0) {
        fota_store_close(r->store);
        free(r->recovered);
        free(r);
        return rc;
    }
    *recovered = n;
    *out = r;
    return 0;
}

void fota_results_attach(fota_results_t *r, uv_loop_t *loop, const fota_results_cbs_t *cbs,
                         void *ctx)
{
    r->loop = loop;
    r->cbs = *cbs;
    r->ctx = ctx;
    uv_timer_init(loop, &r->timer);
    r->timer.data = r;
    r->attached = true;
    r->trace = fota_results_trace_open();
    /* Never wait for another process's lock, on the loop or in a pool thread: fail,
     * queue, retry. */
    fota_store_set_busy_timeout(r->store, 0);
    fota_store_set_busy_timeout(r->reader, 0);
    if (r->head)
        arm(r, 0);
}

void fota_results_detach(fota_results_t *r)
{
    if (!r->attached)
        return;
    r->attached = false;
    uv_close((uv_handle_t *)&r->timer, NULL);
}

static void print_unwritten(const fota_attempt_t *a, const char *why, FILE *out)
{
    const char *cls = a->error_class == FOTA_ERR_NONE ? "-" : fota_error_class_name(a->error_class);
    fprintf(out,
            "fota-station: NOT RECORDED in the database: slot %s IMEI %s result %s class %s "
            "code %d%s%s%s%s%s\n",
            a->slot, *a->imei ? a->imei : "?", fota_result_name(a->result), cls, a->error_code,
            *a->error_text ? ": " : "", a->error_text, why ? " (" : "", why ? why : "",
            why ? ")" : "");
}

int fota_results_drain(fota_results_t *r, int busy_ms, FILE *out)
{
    /* The loop has ended, so no flush is in flight: the last ones run here. */
    fota_store_set_busy_timeout(r->store, busy_ms);
    r->drain_out = out;
    while (r->head && !r->in_flight) {
        take(r, SIZE_MAX);
        fota_results_tx_run(r);
        settle(r);
        if (r->fl_rc < 0)
            break;
    }
    r->drain_out = NULL;
    int lost = 0; /* the given-up ones went to `drained` */
    for (op_t *op = r->head; op; op = op->next) {
        if (op->kind != OP_FINISH)
            continue;
        print_unwritten(op->a, NULL, out);
        lost++;
    }
    if (r->head)
        fprintf(out, "fota-station: the database refused the last writes: %s\n", r->words);
    return lost;
}

int fota_results_track_batch(fota_results_t *r, const char *batch)
{
    free(r->batch);
    if (!(r->batch = strdup(batch ? batch : "")))
        return FOTA_E_NOMEM;
    r->track = true;
    return fota_store_batch_yield(r->store, r->batch, &r->yield);
}

void fota_results_batch_yield(const fota_results_t *r, fota_store_yield_t *out)
{
    *out = r->yield;
}

void fota_results_close(fota_results_t *r)
{
    if (!r)
        return;
    free(r->batch);
    while (r->head)
        op_free(r, op_pop(r, &r->head));
    while (r->live) {
        fota_results_attempt_t *h = r->live;
        r->live = h->next;
        free(h);
    }
    if (r->trace)
        fclose(r->trace);
    fota_store_close(r->reader);
    fota_store_close(r->store);
    free(r->recovered);
    free(r);
}

size_t fota_results_recovered(const fota_results_t *r, const fota_store_running_t **rows)
{
    *rows = r ? r->recovered : NULL;
    return r ? r->n_recovered : 0;
}

fota_results_attempt_t *fota_results_begin(fota_results_t *r, const fota_attempt_t *a, void *ctx)
{
    fota_results_attempt_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->id = h->tx_id = -1;
    h->refs = 1; /* the slot's, given back by fota_results_finish */
    h->ctx = ctx;
    h->next = r->live;
    if (r->live)
        r->live->prev = h;
    r->live = h;
    /* Committed in the next flush like every write: the id comes with `resolved`. */
    if (enqueue(r, OP_BEGIN, h, a, NULL) < 0) {
        unref(r, h);
        return NULL;
    }
    return h;
}

int64_t fota_results_attempt_id(const fota_results_attempt_t *h)
{
    return h ? h->id : -1;
}

bool fota_results_identified(const fota_results_attempt_t *h)
{
    return !h || h->rows == 0;
}

int fota_results_identify(fota_results_t *r, fota_results_attempt_t *h, const fota_attempt_t *a)
{
    return enqueue(r, OP_IDENTIFY, h, a, NULL);
}

int fota_results_port(fota_results_t *r, const char *slot, bool off, const char *reason,
                      int64_t at_ms)
{
    char *name = strdup(slot);
    char *why = reason && reason[0] ? strdup(reason) : NULL;
    op_t *op;
    if (!name || (reason && reason[0] && !why) || enqueue(r, OP_PORT, NULL, NULL, &op) < 0) {
        free(name);
        free(why);
        return FOTA_E_NOMEM;
    }
    op->text = name;
    op->reason = why;
    op->port_off = off;
    op->t_ms = at_ms;
    return 0;
}

int fota_results_ports_off(fota_results_t *r, fota_store_port_t *out, size_t max)
{
    return fota_store_port_list(r->reader, true, out, max);
}

int fota_results_event(fota_results_t *r, fota_results_attempt_t *h, int64_t t_ms,
                       fota_trace_dir_t dir, const char *text)
{
    if (r->event_bytes >= FOTA_RESULTS_EVENT_CAP) {
        r->dropped++;
        return 0;
    }
    char *m = fota_text_mask_secrets(text ? text : "");
    if (!m)
        return FOTA_E_NOMEM;
    op_t *op;
    if (enqueue(r, OP_EVENT, h, NULL, &op) < 0) {
        free(m);
        return FOTA_E_NOMEM;
    }
    op->text = m;
    op->t_ms = t_ms;
    op->dir = dir;
    op->heard_ms = t_ms;
    if (r->n_events++ == 0)
        r->oldest_event = now_ms(r);
    r->event_bytes += strlen(m) + 32;
    if (r->err != FOTA_STORE_ERR_NONE)
        return 0;
    uint64_t age = now_ms(r) - r->oldest_event;
    if (r->n_events >= FOTA_RESULTS_EVENT_BATCH || r->event_bytes >= FOTA_RESULTS_EVENT_BYTES ||
        age >= FOTA_RESULTS_EVENT_AGE_MS)
        arm(r, 0);
    else
        arm(r, FOTA_RESULTS_EVENT_AGE_MS - age);
    return 0;
}

int fota_results_finish(fota_results_t *r, fota_results_attempt_t *h, const fota_attempt_t *a)
{
    int rc = enqueue(r, OP_FINISH, h, a, NULL);
    unref(r, h); /* the slot's reference: the queued op holds the handle now */
    return rc;
}

static int latest_queued(const op_t *list, const char *imei, fota_result_t *out)
{
    int found = 0;
    for (const op_t *op = list; op; op = op->next)
        if (op->kind == OP_FINISH && op->a->result != FOTA_RESULT_SKIP &&
            strcmp(op->a->imei, imei) == 0) {
            *out = op->a->result; /* a verdict not committed yet is still the latest */
            found = 1;
        }
    return found;
}

int fota_results_latest(fota_results_t *r, const char *imei, fota_result_t *out)
{
    /* The queue is younger than the flight: its verdict, if any, wins. The flight's
     * ops are only read here, as the pool thread does. */
    int found = latest_queued(r->fl_head, imei, out);
    found |= latest_queued(r->head, imei, out);
    if (found)
        return 1;
    int rc = fota_store_latest_result(r->reader, imei, out);
    if (rc < 0 && fota_store_last_error(r->reader, NULL, 0) == FOTA_STORE_ERR_BUSY)
        return FOTA_E_STATE;
    return rc;
}

void fota_results_health(const fota_results_t *r, fota_results_health_t *h)
{
    h->err = r->err;
    h->since_ms = (int64_t)r->err_since;
    memcpy(h->words, r->words, sizeof h->words);
    h->queued_results = r->n_results;
    h->queued_ops = r->n_ops;
    h->dropped_events = r->dropped;
}

bool fota_results_writing(const fota_results_t *r)
{
    return r->err == FOTA_STORE_ERR_NONE;
}

bool fota_results_failing(const fota_results_t *r)
{
    return r->err != FOTA_STORE_ERR_NONE && r->err != FOTA_STORE_ERR_BUSY;
}

bool fota_results_pending(const fota_results_t *r)
{
    return r->head != NULL || r->fl_head != NULL;
}
