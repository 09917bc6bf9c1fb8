/* The results database as the operator sees it: results.c queues every write and
 * reports its health here; this says it once in the line log and keeps it on the
 * dashboard's header while writes wait ("busy for N s") or fail ("disk full"). */
#include <string.h>

#include "loop_lag.h"
#include "station_int.h"

/* A lock shorter than this is normal life (an MES reader's checkpoint, a backup
 * step) and not worth a word. */
#define DB_BUSY_SAY_MS 1000

static int64_t trouble_s(const station_t *st, const fota_results_health_t *h)
{
    return ((int64_t)uv_now(st->loop) - h->since_ms) / 1000;
}

/* Identified modules wait for their row to name them before the transfer (see
 * station_db_queue_identified); a database in trouble must not hold them. */
static void release_row_waits(station_t *st)
{
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_t *s = st->slots[i];
        if (s->row_wait && s->m)
            station_db_queue_identified(s);
    }
}

static void db_health(void *ctx)
{
    station_t *st = ctx;
    fota_results_health_t h;
    fota_results_health(st->results, &h);
    if (h.err != FOTA_STORE_ERR_NONE)
        release_row_waits(st);
    if (h.err == FOTA_STORE_ERR_NONE) {
        if (st->db_logged != FOTA_STORE_ERR_NONE)
            station_log(st, "results database writable again after %lld s; the results kept in "
                            "memory are recorded",
                        (long long)trouble_s(st, &h));
        st->db_logged = FOTA_STORE_ERR_NONE;
        station_schedule(st); /* modules held back by a failing database may start */
        return;
    }
    if (h.err == FOTA_STORE_ERR_BUSY || st->db_logged == h.err)
        return; /* busy: said by station_db_tick once it lasts */
    st->db_logged = h.err;
    station_log(st,
                "results database: %s. No new module starts (those running finish); %zu "
                "write(s), %zu of them result(s), kept in memory, retrying every %d s",
                h.words, h.queued_ops, h.queued_results, FOTA_RESULTS_RETRY_FAIL_MS / 1000);
}

static void row_identified(void *ctx, fota_results_attempt_t *h)
{
    slot_t *s = ctx;
    if (s->row_wait && s->att == h && s->m)
        station_db_queue_identified(s);
}

/* The module is identified and its IMEI queued for its row. It waits for a limit
 * only once that row is committed (a flush, off the loop: a millisecond on a quiet
 * disk), so that a station killed during the transfer leaves an INTERRUPTED row
 * naming the module, as when commits ran on the loop. While the database is busy
 * or failing the line does not wait for it. */
void station_db_queue_identified(slot_t *s)
{
    station_t *st = s->st;
    s->row_wait = !fota_results_identified(s->att) && fota_results_writing(st->results);
    if (s->row_wait)
        return;
    s->queued = true;
    s->queue_reason = NULL;
    station_schedule(st);
}

/* The exit's last flush wrote (or gave up) a verdict: counted like the others, so
 * the exit line says what the file holds. */
static void db_drained(void *ctx, const fota_attempt_t *a, const char *not_recorded)
{
    station_t *st = ctx;
    if (not_recorded)
        st->not_recorded++;
    else if (a->result == FOTA_RESULT_PASS)
        st->pass++;
    else if (a->result == FOTA_RESULT_FAIL)
        st->fail++;
    else if (a->result == FOTA_RESULT_SKIP)
        st->skip++;
    else
        st->interrupted++;
}

void station_db_attach(station_t *st)
{
    fota_results_cbs_t cbs = {.resolved = slot_row_resolved,
                              .committed = slot_committed,
                              .identified = row_identified,
                              .health = db_health,
                              .drained = db_drained};
    fota_results_attach(st->results, st->loop, &cbs, st);
    st->loop_lag = fota_loop_lag_start(st->loop);
}

void station_db_detach(station_t *st)
{
    fota_loop_lag_stop(st->loop_lag, stderr);
    st->loop_lag = NULL;
    fota_results_detach(st->results);
}

void station_db_tick(station_t *st)
{
    int64_t now = (int64_t)uv_now(st->loop);
    if (st->tick_last_ms && now - st->tick_last_ms > st->tick_max_gap_ms)
        st->tick_max_gap_ms = now - st->tick_last_ms;
    st->tick_last_ms = now;
    fota_results_health_t h;
    fota_results_health(st->results, &h);
    if (h.err == FOTA_STORE_ERR_BUSY && st->db_logged != FOTA_STORE_ERR_BUSY &&
        (int64_t)uv_now(st->loop) - h.since_ms >= DB_BUSY_SAY_MS) {
        st->db_logged = FOTA_STORE_ERR_BUSY;
        station_log(st,
                    "results database busy for %lld s (another process holds its write lock); "
                    "the line goes on, %zu write(s) wait in memory",
                    (long long)trouble_s(st, &h), h.queued_ops);
    }
    for (size_t i = 0; i < st->n_slots; i++)
        slot_rework_retry(st->slots[i]);
}

bool station_db_banner(const station_t *st, char *buf, size_t len)
{
    fota_results_health_t h;
    fota_results_health(st->results, &h);
    if (h.err == FOTA_STORE_ERR_NONE)
        return false;
    long long s = (long long)trouble_s(st, &h);
    if (h.err == FOTA_STORE_ERR_BUSY) {
        if ((int64_t)uv_now(st->loop) - h.since_ms < DB_BUSY_SAY_MS)
            return false;
        snprintf(buf, len, "results database busy for %lld s (locked by another process); "
                           "%zu result(s) waiting in memory", s, h.queued_results);
    } else {
        snprintf(buf, len, "RESULTS DATABASE %s for %lld s: no new module starts; %zu result(s) "
                           "kept in memory, retrying", fota_store_err_name(h.err), s,
                 h.queued_results);
    }
    if (h.dropped_events)
        snprintf(buf + strlen(buf), len - strlen(buf), "; %lu transcript line(s) dropped",
                 h.dropped_events);
    return true;
}
