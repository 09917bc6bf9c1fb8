/* Results through reports/store.h, queued and flushed from the loop; see results.h.
 *
 * Why a timer on the loop thread and not a writer thread: with a zero busy timeout
 * a flush never waits for another process's lock (it fails at once and is retried),
 * so what remains on the loop is the commit's own fsync (well under a millisecond
 * per transaction here, see docs/station.md); the one SQLite connection stays on one
 * thread, and the rework read (fota_results_latest) can use it directly without
 * locking. A writer thread would only hide a slow fsync, at the price of a second
 * thread touching every attempt. */
#include "results.h"

#include <stdlib.h>
#include <string.h>

#include "results_trace.h"
#include "store.h"
#include "text_escape.h"

typedef enum { OP_BEGIN, OP_IDENTIFY, OP_EVENT, OP_FINISH } op_kind_t;

struct fota_results_attempt {
    int64_t id;      /* committed row id; -1 until then */
    int64_t tx_id;   /* id given by the INSERT in the flush under way */
    unsigned refs;   /* the slot's (until finish) + one per queued op */
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
    char *text;               /* EVENT, masked */
    fota_attempt_t *a;        /* BEGIN, IDENTIFY, FINISH */
    uint64_t queued_ns;       /* FOTA_RESULTS_TRACE only */
} op_t;

struct fota_results {
    fota_store_t *store;
    op_t *head, *tail;
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
};

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
    unref(r, op->h);
    free(op->text);
    free(op->a);
    free(op);
}

static op_t *op_pop(fota_results_t *r)
{
    op_t *op = r->head;
    r->head = op->next;
    if (!r->head)
        r->tail = NULL;
    r->n_ops--;
    if (op->kind == OP_EVENT) {
        r->n_events--;
        r->event_bytes -= strlen(op->text) + 32;
    } else if (op->kind == OP_FINISH) {
        r->n_results--;
    }
    return op;
}

/* ---- flushing -------------------------------------------------------------- */

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

static int trouble(fota_results_t *r)
{
    char words[sizeof r->words];
    fota_store_err_t k = fota_store_last_error(r->store, words, sizeof words);
    if (k == FOTA_STORE_ERR_NONE)
        k = FOTA_STORE_ERR_IO;
    bool changed = k != r->err;
    if (r->err == FOTA_STORE_ERR_NONE)
        r->err_since = now_ms(r);
    r->err = k;
    memcpy(r->words, words, sizeof words);
    arm(r, k == FOTA_STORE_ERR_BUSY ? FOTA_RESULTS_RETRY_BUSY_MS : FOTA_RESULTS_RETRY_FAIL_MS);
    if (changed)
        health_changed(r);
    return FOTA_E_IO;
}

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

static int write_heard(fota_results_t *r, op_t *stop)
{
    for (op_t *op = r->head; op != stop; op = op->next) {
        fota_results_attempt_t *h = op->h;
        if (op->kind != OP_EVENT || h->heard_gen != r->gen)
            continue;
        h->heard_gen = 0;
        if (fota_store_heard(r->store, row_id(h), h->heard_ms) < 0)
            return FOTA_E_IO;
    }
    return 0;
}

static void trace(fota_results_t *r, const op_t *op, uint64_t commit_ns)
{
    if (op->kind == OP_FINISH)
        fota_results_trace_line(r->trace, "finish", op->h, op->a->imei, op->queued_ns, commit_ns);
    else if (op->kind == OP_EVENT && fota_results_trace_is_end(op->text))
        fota_results_trace_line(r->trace, "end-event", op->h, NULL, op->queued_ns, commit_ns);
}

static void done(fota_results_t *r, op_t *op, uint64_t commit_ns)
{
    bool cb = r->attached;
    if (r->trace)
        trace(r, op, commit_ns);
    if (op->kind == OP_BEGIN) {
        op->h->id = op->h->tx_id;
        if (cb && r->cbs.resolved)
            r->cbs.resolved(op->h->ctx, op->h);
    } else if (op->kind == OP_FINISH && cb && r->cbs.committed) {
        r->cbs.committed(op->h->ctx, op->h, op->a);
    }
}

/* One transaction with up to `max` queued ops, in order. On failure nothing is
 * lost: the ops stay queued and the rows they created are forgotten again. */
static int flush(fota_results_t *r, size_t max)
{
    if (!r->head)
        return 0;
    if (fota_store_tx_begin(r->store) < 0)
        return trouble(r);
    if (++r->gen == 0)
        r->gen = 1;
    op_t *stop = r->head;
    int rc = 0;
    for (size_t n = 0; stop && n < max && rc == 0; stop = stop->next, n++)
        rc = apply(r, stop);
    if (rc == 0)
        rc = write_heard(r, stop);
    if (rc == 0)
        rc = fota_store_tx_commit(r->store);
    else
        fota_store_tx_rollback(r->store);
    if (rc < 0) {
        for (op_t *op = r->head; op != stop; op = op->next)
            if (op->kind == OP_BEGIN)
                op->h->tx_id = -1;
        return trouble(r);
    }
    uint64_t commit_ns = r->trace ? fota_results_trace_now_ns() : 0;
    bool was = r->err != FOTA_STORE_ERR_NONE;
    r->err = FOTA_STORE_ERR_NONE;
    r->words[0] = '\0';
    if (was) /* before the verdicts: one of them may end the run */
        health_changed(r);
    /* Callbacks may queue more (a new attempt) or detach (shutdown): pop first. */
    while (r->head && r->head != stop) {
        op_t *op = op_pop(r);
        done(r, op, commit_ns);
        op_free(r, op);
    }
    if (r->head)
        arm(r, r->n_results || r->n_ops > r->n_events ? 0 : FOTA_RESULTS_EVENT_AGE_MS);
    if (r->n_events)
        r->oldest_event = now_ms(r);
    return 0;
}

static void timer_cb(uv_timer_t *t)
{
    flush(t->data, FLUSH_MAX_OPS);
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
    if (r->trace)
        op->queued_ns = fota_results_trace_now_ns();
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
    int rc = fota_store_open(path, &r->store, errbuf, errlen);
    if (rc < 0) {
        free(r);
        return rc;
    }
    int n = fota_store_recover_interrupted(r->store);
    if (n < 0 || fota_store_check_writable(r->store) < 0) {
        char words[256];
        fota_store_last_error(r->store, words, sizeof words);
        snprintf(errbuf, errlen, "cannot write to the database: %s", words);
        fota_store_close(r->store);
        free(r);
        return FOTA_E_IO;
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
    /* Never wait for another process's lock on the loop: fail, queue, retry. */
    fota_store_set_busy_timeout(r->store, 0);
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

static void print_unwritten(const fota_attempt_t *a, FILE *out)
{
    const char *cls = a->error_class == FOTA_ERR_NONE ? "-" : fota_error_class_name(a->error_class);
    fprintf(out,
            "fota-station: NOT RECORDED in the database: slot %s IMEI %s result %s class %s "
            "code %d%s%s\n",
            a->slot, *a->imei ? a->imei : "?", fota_result_name(a->result), cls, a->error_code,
            *a->error_text ? ": " : "", a->error_text);
}

int fota_results_drain(fota_results_t *r, int busy_ms, FILE *out)
{
    fota_store_set_busy_timeout(r->store, busy_ms);
    while (r->head && flush(r, SIZE_MAX) == 0)
        ;
    int lost = 0;
    for (op_t *op = r->head; op; op = op->next) {
        if (op->kind != OP_FINISH)
            continue;
        print_unwritten(op->a, out);
        lost++;
    }
    if (r->head)
        fprintf(out, "fota-station: the database refused the last writes: %s\n", r->words);
    return lost;
}

void fota_results_close(fota_results_t *r)
{
    if (!r)
        return;
    while (r->head)
        op_free(r, op_pop(r));
    while (r->live) {
        fota_results_attempt_t *h = r->live;
        r->live = h->next;
        free(h);
    }
    if (r->trace)
        fclose(r->trace);
    fota_store_close(r->store);
    free(r);
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
    bool alone = !r->head && r->err == FOTA_STORE_ERR_NONE;
    if (enqueue(r, OP_BEGIN, h, a, NULL) < 0) {
        unref(r, h);
        return NULL;
    }
    /* Nothing ahead of it: commit now, so the log and the transcript file name
     * carry the row id as before (costs what the INSERT always cost). */
    if (alone)
        flush(r, 1);
    return h;
}

int64_t fota_results_attempt_id(const fota_results_attempt_t *h)
{
    return h ? h->id : -1;
}

int fota_results_identify(fota_results_t *r, fota_results_attempt_t *h, const fota_attempt_t *a)
{
    return enqueue(r, OP_IDENTIFY, h, a, NULL);
}

int fota_results_event(fota_results_t *r, fota_results_attempt_t *h, int64_t t_ms,
                       fota_trace_dir_t dir, const char *text)
{
    if (r->event_bytes >= FOTA_RESULTS_EVENT_CAP) {
        r->dropped++;
        return 0;
    }
    char *m = fota_mask_secrets(text ? text : "");
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

int fota_results_latest(fota_results_t *r, const char *imei, fota_result_t *out)
{
    int found = 0;
    for (op_t *op = r->head; op; op = op->next)
        if (op->kind == OP_FINISH && op->a->result != FOTA_RESULT_SKIP &&
            strcmp(op->a->imei, imei) == 0) {
            *out = op->a->result; /* a verdict not committed yet is still the latest */
            found = 1;
        }
    if (found)
        return 1;
    int rc = fota_store_latest_result(r->store, imei, out);
    if (rc < 0 && fota_store_last_error(r->store, NULL, 0) == FOTA_STORE_ERR_BUSY)
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

bool fota_results_failing(const fota_results_t *r)
{
    return r->err != FOTA_STORE_ERR_NONE && r->err != FOTA_STORE_ERR_BUSY;
}

bool fota_results_pending(const fota_results_t *r)
{
    return r->head != NULL;
}
