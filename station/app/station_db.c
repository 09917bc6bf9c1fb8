/* The results database as the operator sees it: results.c queues every write and
 * reports its health here; this says it once in the line log and keeps it on the
 * dashboard's header while writes wait ("busy for N s") or fail ("disk full"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "log_line.h"
#include "loop_lag.h"
#include "port_health.h"
#include "station_int.h"
#include "station_metrics.h"
#include "translog.h"
#include "util.h"

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
    for (size_t i = 0; i < st->n_slots; i++)
        slot_row_named(st->slots[i], NULL);
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
        station_after(st, NULL); /* modules held back by a failing database may start */
        return;
    }
    if (h.err == FOTA_STORE_ERR_BUSY || st->db_logged == h.err) {
        station_after(st, NULL); /* row waits released: they may start */
        return; /* busy: said by station_db_tick once it lasts */
    }
    st->db_logged = h.err;
    station_log(st,
                "results database: %s. No new module starts (those running finish); %zu "
                "write(s), %zu of them result(s), kept in memory, retrying every %d s",
                h.words, h.queued_ops, h.queued_results, FOTA_RESULTS_RETRY_FAIL_MS / 1000);
    station_after(st, NULL);
}

static void row_identified(void *ctx, fota_results_attempt_t *h)
{
    station_slot_t *ss = ctx;
    slot_row_named(&ss->slot, h);
    station_after(ss->st, &ss->slot);
}

/* The row's INSERT committed: its transcript file gets the id in its name. */
static void row_resolved(void *ctx, fota_results_attempt_t *h)
{
    station_slot_t *ss = ctx;
    slot_t *s = &ss->slot;
    int64_t id = fota_results_attempt_id(h);
    if (!slot_row_id(s, h, id))
        return; /* the begin's own commit, before the slot holds the handle */
    size_t n = strlen(ss->translog_path);
    if (n > 7 && strcmp(ss->translog_path + n - 7, "--1.log") == 0) {
        char to[sizeof ss->translog_path + 24];
        snprintf(to, sizeof to, "%.*s%lld.log", (int)(n - 6), ss->translog_path, (long long)id);
        int rc = fota_translog_rename(ss->translog_path, to);
        if (rc == 0)
            fota_copy(ss->translog_path, sizeof ss->translog_path, to);
        else
            station_log(ss->st, "%s: transcript stays %s: %s is %s", s->name, ss->translog_path,
                        to, rc == -EEXIST ? "taken (not replaced)" : strerror(-rc));
    }
    station_log(ss->st, "%s: attempt %lld recorded", s->name, (long long)id);
}

/* The verdict the file never took: never shown or counted as if recorded. The row
 * says NOT RECORDED in red, the log and stderr say which module and why, the run
 * ends with exit code 3. */
static void row_not_recorded(station_slot_t *ss, const fota_attempt_t *a, const char *why)
{
    station_t *st = ss->st;
    st->not_recorded++;
    char res[320];
    snprintf(res, sizeof res, "%s %s: %s", fota_result_name(a->result),
             a->result == FOTA_RESULT_PASS ? a->final_version : a->error_text, why);
    station_log(st, "%s: NOT RECORDED in the database: %s %s", ss->slot.name, a->imei, res);
    /* stderr as well: a journal or a wrapper script sees it even without the log */
    fprintf(stderr,
            "fota-station: NOT RECORDED in the database: slot %s IMEI %s result %s class %s "
            "code %d: %s\n",
            a->slot, *a->imei ? a->imei : "?", fota_result_name(a->result),
            a->error_class == FOTA_ERR_NONE ? "-" : fota_error_class_name(a->error_class),
            a->error_code, why);
}

/* The verdict is in the file: only now is it counted (metrics too), shown and logged. */
static void row_committed(void *ctx, fota_results_attempt_t *h, const fota_attempt_t *a,
                          const char *not_recorded)
{
    station_slot_t *ss = ctx;
    station_t *st = ss->st;
    slot_t *s = &ss->slot;
    station_metrics_verdict(st, a, !not_recorded);
    slot_committed(s, h, a, not_recorded);
    if (not_recorded) {
        row_not_recorded(ss, a, not_recorded);
    } else {
        switch (a->result) {
        case FOTA_RESULT_PASS: st->pass++; break;
        case FOTA_RESULT_FAIL: st->fail++; break;
        case FOTA_RESULT_SKIP: st->skip++; break;
        case FOTA_RESULT_INTERRUPTED:
        default: st->interrupted++; break;
        }
        char res[320], verdict[320 + 256];
        slot_verdict_words(st->line.profiles, a, res, sizeof res);
        fota_log_verdict(verdict, sizeof verdict, a, res);
        station_log(st, "%s: %s", s->name, verdict);
        station_port_health(st, s, a);
        bool paused = fota_sched_result(&st->sched, a->result, a->error_class, a->error_code);
        if (a->result == FOTA_RESULT_FAIL) /* what the streak's failures share */
            fota_pause_note_add(&st->pause_note, st->sched.streak_n, a->package_names,
                                fota_dash_short_label(s->hub), a->model);
        if (paused) {
            fota_pause_banner(st->banner, sizeof st->banner, &st->pause_note, st->sched.streak_n,
                              a->error_class, a->error_code,
                              fota_action_for(st->line.profiles, a->family, a->error_class,
                                              a->error_code));
            station_log(st, "%s", st->banner);
        }
    }
    station_host_mm_sync(ss); /* its result is in: ModemManager may have the module back */
    station_after(st, s);
}

/* The exit's last flush wrote (or gave up) a verdict: counted like the others, so
 * the exit line says what the file holds. */
static void db_drained(void *ctx, const fota_attempt_t *a, const char *not_recorded)
{
    station_t *st = ctx;
    station_metrics_verdict(st, a, !not_recorded);
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
    fota_results_cbs_t cbs = {.resolved = row_resolved,
                              .committed = row_committed,
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
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_rework_ready(st->slots[i]);
        station_host_arm(station_slot_of(st->slots[i]));
    }
}

/* ---- slots out of service (x, port health) and retried (r) ----------------------- */
/* A slot taken out of service and put back: by the operator (x on the dashboard) or
 * by its port's health. The slot itself lets go of its ports (slot_service); here,
 * what the operator reads and what the results file keeps. */
void station_service(station_t *st, slot_t *s, bool on, const char *why)
{
    if (on && s->service.off) {
        station_log(st, "%s: back in service", s->name);
        station_slot_of(s)->hw_streak = 0;
    }
    if (!on && s->service.off)
        return;
    if (on != !s->service.off && fota_results_port(st->results, s->name, !on, why, station_wall(st)) < 0)
        station_log(st, "%s: out of memory: its service state is not written to the results "
                        "database", s->name);
    slot_service(s, on, why);
    if (!on && s->a)
        station_log(st, "%s: goes out of service when its attempt ends", s->name);
    station_after(st, s);
}

void station_port_health(station_t *st, slot_t *s, const fota_attempt_t *a)
{
    unsigned k = st->job->limits.port_health_failures;
    if (!fota_port_health_note(&station_slot_of(s)->hw_streak, a->result, a->error_class, k))
        return;
    char why[64];
    snprintf(why, sizeof why, "%u hardware failure%s in a row", k, k == 1 ? "" : "s");
    station_service(st, s, false, why);
}

/* At start: the slots the results file keeps out of service (x, port health or
 * `fota-station port disable` in an earlier run) stay out. */
void station_service_start(station_t *st)
{
    enum { MAX = 4096 };
    fota_store_port_t *p = calloc(MAX, sizeof *p);
    int n = p ? fota_results_ports_off(st->results, p, MAX) : FOTA_E_NOMEM;
    if (n < 0)
        station_log(st, "results database: cannot read which slots are out of service; all "
                        "are in service");
    for (int i = 0; i < n && i < MAX; i++) {
        slot_t *s = station_host_slot(st, p[i].slot, true);
        if (!s)
            continue;
        station_log(st, "%s: out of service since %s%s%s (x on the dashboard or `fota-station "
                        "port enable` puts it back)", s->name, p[i].changed_at,
                    p[i].reason[0] ? ": " : "", p[i].reason);
        slot_service(s, false, p[i].reason);
        station_after(st, s);
    }
    free(p);
}

/* r on the selected slot: a new attempt on the module in it (slot_retry says why
 * not: busy, empty, recording, passed, out of service). */
void station_retry(station_t *st, slot_t *s)
{
    if (!s)
        return;
    const char *why = slot_retry(s);
    if (why)
        station_log(st, "r: slot %s not retried: %s", station_slot_of(s)->label, why);
    station_after(st, s);
}

/* x on the selected slot: out of service, or back. */
void station_service_toggle(station_t *st, slot_t *s)
{
    if (s)
        station_service(st, s, s->service.off, NULL);
}
