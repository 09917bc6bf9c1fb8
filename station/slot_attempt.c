/* A slot's attempt and its row in the results database: begin (a row before the
 * module is touched), identified (rework decision, IMEI on the row), finish (the
 * verdict committed before the dashboard shows it), and the transcript lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "fd_budget.h"
#include "log_line.h"
#include "rework_decide.h"
#include "station_int.h"
#include "translog.h"
#include "util.h"

/* ---- attempt ---------------------------------------------------------------- */

static void slot_release_flight(slot_t *s);

static void slot_stamp(const slot_t *s, fota_attempt_t *a)
{
    const station_t *st = s->st;
    fota_copy(a->batch, sizeof a->batch, st->batch ? st->batch : "");
    fota_copy(a->station, sizeof a->station, st->job->station ? st->job->station : "");
    fota_copy(a->operator_id, sizeof a->operator_id,
              st->opts->operator_id ? st->opts->operator_id : "");
    fota_copy(a->slot, sizeof a->slot, s->name);
    fota_copy(a->port, sizeof a->port, s->link.target);
}

/* Until its INSERT commits, a row has no id: the transcript file is named "…--1.log"
 * and renamed once the id is known (see slot_row_resolved). */
static void slot_translog_open(slot_t *s, int64_t now)
{
    station_t *st = s->st;
    s->translog_path[0] = '\0';
    if (!st->opts->log_dir)
        return;
    s->translog = fota_translog_open(st->opts->log_dir, s->name, s->attempt_id, now,
                                     s->translog_path, sizeof s->translog_path);
    if (!s->translog) {
        char words[160];
        int e = errno;
        station_log(st, "%s: transcript file %s not written: %s (the database keeps the "
                    "transcript)", s->name, s->translog_path,
                    e == EMFILE || e == ENFILE ? fota_fd_words(words, sizeof words) : strerror(e));
        s->translog_path[0] = '\0';
    }
}

void slot_row_resolved(void *ctx, fota_results_attempt_t *h)
{
    slot_t *s = ctx;
    if (s->att != h && s->recording != h)
        return; /* the begin's own commit, before slot_begin holds the handle */
    int64_t id = fota_results_attempt_id(h);
    if (s->att == h)
        s->attempt_id = id;
    size_t n = strlen(s->translog_path);
    if (n > 7 && strcmp(s->translog_path + n - 7, "--1.log") == 0) {
        char to[sizeof s->translog_path + 24];
        snprintf(to, sizeof to, "%.*s%lld.log", (int)(n - 6), s->translog_path, (long long)id);
        int rc = fota_translog_rename(s->translog_path, to);
        if (rc == 0)
            fota_copy(s->translog_path, sizeof s->translog_path, to);
        else
            station_log(s->st, "%s: transcript stays %s: %s is %s", s->name, s->translog_path,
                        to, rc == -EEXIST ? "taken (not replaced)" : strerror(-rc));
    }
    station_log(s->st, "%s: attempt %lld recorded", s->name, (long long)id);
}

void slot_begin(slot_t *s)
{
    station_t *st = s->st;
    if (st->stopping || st->draining) {
        /* --expect reached or stopping while this probe ran: nothing new starts. */
        slot_port_drop(s);
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        station_check_exit(st);
        return;
    }
    fota_attempt_t a;
    memset(&a, 0, sizeof a);
    slot_stamp(s, &a);
    int64_t now = station_now(st), wall = station_wall(st);
    a.started_at_ms = wall;
    a.result = FOTA_RESULT_INTERRUPTED;
    /* Queued (committed at once when the database is free): a busy database never
     * keeps a module from starting. */
    s->att = fota_results_begin(st->results, &a, s);
    if (!s->att) {
        station_log(st, "%s: cannot record the attempt (out of memory); not starting", s->name);
        slot_port_drop(s);
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        return;
    }
    s->attempt_id = fota_results_attempt_id(s->att);
    slot_release_flight(s); /* the previous module here, its verdict still recording */
    fota_machine_config_t cfg = st->mcfg;
    cfg.profile_hint = s->hint;
    s->m = fota_machine_new(&cfg);
    if (!s->m) {
        /* Its row says INTERRUPTED: the module was never touched. */
        a.finished_at_ms = wall;
        fota_copy(a.error_text, sizeof a.error_text, "station out of memory");
        fota_results_finish(st->results, s->att, &a);
        s->att = NULL;
        slot_port_drop(s);
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        return;
    }
    slot_translog_open(s, wall);
    s->started_ms = now;
    s->started_at_ms = wall;
    s->granted_at_ms = 0;
    s->finished_ms = 0;
    s->model[0] = s->imei[0] = s->phase[0] = s->result[0] = '\0';
    if (s->query.imei[0])
        fota_copy(s->imei, sizeof s->imei, s->query.imei);
    s->percent = -1;
    s->queued = s->in_flight = s->wants_token = s->has_token = false;
    s->finish_pending = s->rework_wait = s->imei_held = false;
    s->central_ask = 0;
    s->central_warned = false;
    slot_set_state(s, SLOT_ACTIVE, FOTA_DASH_RUNNING);
    fota_copy(s->phase, sizeof s->phase, "identifying");
    if (s->attempt_id >= 0)
        station_log(st, "%s: module found on %s, attempt %lld", s->name, s->link.target,
                    (long long)s->attempt_id);
    else
        station_log(st, "%s: module found on %s, attempt row queued", s->name, s->link.target);
    fota_machine_start(s->m, (uint64_t)now);
    slot_pump(s);
}

/* One module, one row, once more at identification, by the same rule as the probe
 * (slot_imei.c): a module that answered neither AT+GSN nor AT+CGSN then (early in
 * its boot) got an attempt on every port that answers AT; its identification reads
 * the IMEI, and a port whose module another slot holds is closed SKIP before
 * anything is written to the module. A module whose IMEI cannot tell it from
 * another (blank, invalid, also on another hub port) is a FAIL imei, untouched.
 * Returns true when the attempt was decided here. */
static bool slot_identified_imei(slot_t *s, const fota_attempt_t *a, int64_t now)
{
    station_t *st = s->st;
    slot_t *other;
    char why[sizeof s->result];
    slot_imei_verdict_t v = slot_imei_judge(s, a->imei, &other, why, sizeof why);
    if (v == SLOT_IMEI_NEW) {
        s->imei_held = true;
        return false;
    }
    if (v == SLOT_IMEI_OTHER_PORT)
        station_log(st, "%s: %s is another port of module %s (slot %s); no attempt here",
                    s->name, s->link.target, a->imei, other->name);
    else
        station_log(st, "%s: %s", s->name, why);
    fota_attempt_t id = *a;
    slot_stamp(s, &id);
    fota_results_identify(st->results, s->att, &id);
    fota_machine_proceed(s->m, v == SLOT_IMEI_OTHER_PORT ? FOTA_SKIP : FOTA_REFUSE_IMEI, why,
                         (uint64_t)now);
    return true;
}

void slot_identified(slot_t *s)
{
    station_t *st = s->st;
    const fota_attempt_t *a = fota_machine_attempt(s->m);
    fota_copy(s->model, sizeof s->model, a->model);
    fota_copy(s->imei, sizeof s->imei, a->imei);
    int64_t now = station_now(st);
    slot_adopt_note(s, a->imei);
    if (!s->imei_held && slot_identified_imei(s, a, now))
        return;
    /* Rework decides before the row carries the IMEI, so the running row itself is
     * never taken for the module's latest result. */
    if (st->opts->rework) {
        fota_result_t last;
        int found = st->rework_central ? slot_central_latest(s, a->imei, &last)
                                       : fota_results_latest(st->results, a->imei, &last);
        if (found == FOTA_E_STATE) {
            /* The database is busy: the module waits rather than being decided on a
             * guess (asked again every tick, slot_rework_retry). */
            if (!s->rework_wait && !st->rework_central)
                station_log(st, "%s: rework decision waits for the results database", s->name);
            s->rework_wait = true;
            return;
        }
        s->rework_wait = false;
        char note[sizeof s->result];
        const char *skip = fota_rework_decide(found, last, a, st->opts->allow_new, note,
                                              sizeof note);
        if (note[0]) { /* in the row's transcript and the line log: why it is flashed */
            slot_trace(s, FOTA_TRACE_INFO, note);
            station_log(st, "%s: %s %s", s->name, a->imei, note);
        }
        fota_attempt_t id = *a;
        slot_stamp(s, &id);
        fota_results_identify(st->results, s->att, &id);
        if (skip) {
            fota_machine_proceed(s->m, FOTA_SKIP, skip, (uint64_t)now);
            return;
        }
    } else {
        fota_attempt_t id = *a;
        slot_stamp(s, &id);
        fota_results_identify(st->results, s->att, &id);
    }
    station_log(st, "%s: %s IMEI %s revision %s", s->name, a->model, a->imei, a->from_version);
    if (fota_machine_plan_final(s->m)) {
        /* Its verdict is known now (unknown model, no package chain, a job rule it
         * breaks, already at the target): it needs none of the line's limits, so
         * it is never queued behind other modules' upgrades or the pause. */
        fota_machine_proceed(s->m, FOTA_GO, NULL, (uint64_t)now);
        slot_pump(s);
        return;
    }
    station_db_queue_identified(s); /* once its row names it */
}

void slot_rework_retry(slot_t *s)
{
    if (s->rework_wait && s->m)
        slot_identified(s);
}

void slot_grant(slot_t *s)
{
    station_t *st = s->st;
    if (fota_results_failing(st->results)) {
        /* Results cannot be written: no new upgrade starts until they can. */
        s->queue_reason = "results database failing";
        return;
    }
    s->queued = false;
    s->in_flight = true;
    fota_sched_start(&st->sched, s->hub);
    station_log(st, "%s: upgrading (%u in flight)", s->name, st->sched.running);
    int64_t now = station_now(st);
    fota_machine_proceed(s->m, FOTA_GO, NULL, (uint64_t)now);
    /* The upgrade begins now: the row's started_at moves here and says how long
     * the module waited (queued_ms), so a station killed mid-upgrade leaves a row
     * whose time is the upgrade's own. */
    s->granted_at_ms = station_wall(st);
    fota_attempt_t go = *fota_machine_attempt(s->m);
    slot_stamp(s, &go);
    go.started_at_ms = s->granted_at_ms;
    fota_results_identify(st->results, s->att, &go);
    slot_pump(s);
}

void slot_grant_token(slot_t *s)
{
    s->wants_token = false;
    s->has_token = true;
    fota_machine_transfer_granted(s->m, (uint64_t)station_now(s->st));
    slot_pump(s);
}

static void slot_release_token(slot_t *s)
{
    station_t *st = s->st;
    if (s->has_token) {
        fota_sched_release_transfer(&st->sched);
        s->has_token = false;
    }
    s->wants_token = false;
    s->queued = false;
}

/* A finished module counts against max_parallel / max_per_hub until its verdict is
 * committed: a database that cannot keep up holds new starts back, and the line log
 * never shows the next "upgrading" on a hub before the verdict that freed it. */
static void slot_release_flight(slot_t *s)
{
    if (s->in_flight) {
        fota_sched_done(&s->st->sched, s->hub);
        s->in_flight = false;
    }
}

/* The machine is done with the module: its verdict is queued for the database and
 * the slot shows "recording…" until slot_committed. */
void slot_finish(slot_t *s)
{
    station_t *st = s->st;
    fota_attempt_t a = *fota_machine_attempt(s->m);
    slot_stamp(s, &a);
    /* started_at/finished_at are the wall clock at those events, duration_ms the
     * monotonic time between them: after a wall-clock step the two disagree, by
     * design (each is true of its own clock; docs/database.md). */
    int64_t now = station_now(st), wall = station_wall(st);
    if (!a.finished_at_ms)
        a.finished_at_ms = wall;
    if (!a.started_at_ms)
        a.started_at_ms = s->granted_at_ms ? s->granted_at_ms : s->started_at_ms;
    if (!a.imei[0]) /* identification failed before its own read: the probe's */
        fota_copy(a.imei, sizeof a.imei, s->imei);
    if (!a.duration_ms)
        a.duration_ms = now - s->started_ms - a.queued_ms;
    s->recording = s->att;
    s->att = NULL;
    if (fota_results_finish(st->results, s->recording, &a) < 0) {
        station_log(st, "%s: cannot queue the result %s of %s (out of memory)", s->name,
                    fota_result_name(a.result), a.imei);
        s->recording = NULL;
    }
    fota_machine_free(s->m);
    s->m = NULL;
    uv_timer_stop(&s->timer);
    slot_release_token(s);
    if (s->translog) {
        fota_translog_line(s->translog, wall, FOTA_TRACE_INFO, fota_result_name(a.result));
        fclose(s->translog);
        s->translog = NULL;
    }
    fota_copy(s->model, sizeof s->model, a.model);
    fota_copy(s->imei, sizeof s->imei, a.imei);
    fota_copy(s->last_imei, sizeof s->last_imei, a.imei);
    s->finished_ms = now;
    s->state = SLOT_DONE;
    s->percent = -1;
    s->dash = s->last_dash = FOTA_DASH_RUNNING;
    fota_copy(s->phase, sizeof s->phase, "recording…");
    s->result[0] = s->last_result[0] = '\0';
    /* The module stays in the slot until an operator swaps it: let go of the port. */
    slot_port_drop(s);
    if (a.error_class == FOTA_ERR_SWAPPED && s->present && !st->stopping) {
        /* Another module is in the slot already (its IMEI changed across a reboot):
         * it is a new module, start on it now (the probe tells it by its IMEI). */
        uv_timer_start(&s->reopen, slot_reopen_cb, REOPEN_DELAY_MS, 0);
    }
    station_schedule(st);
    station_check_exit(st);
}

/* The verdict the file never took: never shown or counted as if recorded. The row
 * says NOT RECORDED in red, the log and stderr say which module and why, the run
 * ends with exit code 3. */
static void slot_not_recorded(slot_t *s, fota_results_attempt_t *h, const fota_attempt_t *a,
                              const char *why)
{
    station_t *st = s->st;
    st->not_recorded++;
    char res[sizeof s->result];
    snprintf(res, sizeof res, "%s %s: %s", fota_result_name(a->result),
             a->result == FOTA_RESULT_PASS ? a->final_version : a->error_text, why);
    if (s->recording == h) {
        s->recording = NULL;
        if (!s->m)
            slot_release_flight(s);
        s->last_dash = FOTA_DASH_NOT_RECORDED;
        fota_copy(s->last_result, sizeof s->last_result, res);
        if (!s->m && s->state == SLOT_DONE) {
            s->dash = FOTA_DASH_NOT_RECORDED;
            fota_copy(s->result, sizeof s->result, res);
        }
    }
    station_log(st, "%s: NOT RECORDED in the database: %s %s", s->name, a->imei, res);
    /* stderr as well: a journal or a wrapper script sees it even without the log */
    fprintf(stderr,
            "fota-station: NOT RECORDED in the database: slot %s IMEI %s result %s class %s "
            "code %d: %s\n",
            a->slot, *a->imei ? a->imei : "?", fota_result_name(a->result),
            a->error_class == FOTA_ERR_NONE ? "-" : fota_error_class_name(a->error_class),
            a->error_code, why);
    slot_mm_sync(s);
    station_schedule(st);
    station_check_exit(st);
}

/* The verdict is in the file: only now is it counted, shown and logged. */
void slot_committed(void *ctx, fota_results_attempt_t *h, const fota_attempt_t *a,
                    const char *not_recorded)
{
    slot_t *s = ctx;
    station_t *st = s->st;
    if (not_recorded) {
        slot_not_recorded(s, h, a, not_recorded);
        return;
    }
    char res[sizeof s->result];
    fota_dash_state_t dash = FOTA_DASH_PASS;
    switch (a->result) {
    case FOTA_RESULT_PASS:
        st->pass++;
        snprintf(res, sizeof res, "%s%s", a->final_version, a->noop ? " (already)" : "");
        break;
    case FOTA_RESULT_FAIL:
        st->fail++;
        dash = FOTA_DASH_FAIL;
        fota_action_fail_text(res, sizeof res, fota_action_for(&st->profiles, a->family,
                                                               a->error_class, a->error_code),
                              a->error_class, a->error_code, a->error_text);
        break;
    case FOTA_RESULT_SKIP:
        st->skip++;
        dash = FOTA_DASH_SKIP;
        fota_copy(res, sizeof res, a->error_text);
        break;
    case FOTA_RESULT_INTERRUPTED:
    default:
        st->interrupted++;
        dash = FOTA_DASH_INTERRUPTED;
        fota_copy(res, sizeof res, a->error_text);
        break;
    }
    if (s->recording == h) {
        s->recording = NULL;
        if (!s->m)
            slot_release_flight(s);
        s->last_dash = dash;
        fota_copy(s->last_result, sizeof s->last_result, res);
        if (!s->m && s->state == SLOT_DONE) { /* not a new module in the slot meanwhile */
            s->dash = dash;
            fota_copy(s->result, sizeof s->result, res);
        }
    }
    char verdict[sizeof res + 256];
    fota_log_verdict(verdict, sizeof verdict, a, res);
    station_log(st, "%s: %s", s->name, verdict);
    bool paused = fota_sched_result(&st->sched, a->result, a->error_class, a->error_code);
    if (a->result == FOTA_RESULT_FAIL) /* what the streak's failures share */
        fota_pause_note_add(&st->pause_note, st->sched.streak_n, a->package_names,
                            fota_dash_short_label(s->hub), a->model);
    if (paused) {
        fota_pause_banner(st->banner, sizeof st->banner, &st->pause_note, st->sched.streak_n,
                          a->error_class, a->error_code,
                          fota_action_for(&st->profiles, a->family, a->error_class,
                                          a->error_code));
        station_log(st, "%s", st->banner);
    }
    slot_mm_sync(s); /* its result is in: ModemManager may have the module back */
    station_schedule(st);
    station_check_exit(st);
}

void slot_trace(slot_t *s, fota_trace_dir_t dir, const char *text)
{
    int64_t wall = station_wall(s->st); /* events and transcript lines are dated */
    if (s->att)
        fota_results_event(s->st->results, s->att, wall, dir, text ? text : "");
    fota_translog_line(s->translog, wall, dir, text);
}

