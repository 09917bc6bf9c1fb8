/* A slot's attempt and its row in the results database: begin (a row before the
 * module is touched), identified (rework decision, IMEI on the row), finish (the
 * verdict committed before the dashboard shows it), and the transcript lines. */
#include <stdlib.h>
#include <string.h>

#include "station_int.h"
#include "translog.h"
#include "util.h"

/* ---- attempt ---------------------------------------------------------------- */

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
    int64_t now = station_now(st);
    a.started_at_ms = now;
    a.result = FOTA_RESULT_INTERRUPTED;
    if (fota_results_begin(st->results, &a, &s->attempt_id) < 0) {
        station_log(st, "%s: cannot record the attempt in the database; not starting", s->name);
        slot_port_drop(s);
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        return;
    }
    fota_machine_config_t cfg = st->mcfg;
    cfg.profile_hint = s->hint;
    s->m = fota_machine_new(&cfg);
    if (!s->m) {
        slot_port_drop(s);
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        return;
    }
    if (st->opts->log_dir) {
        char path[512];
        s->translog = fota_translog_open(st->opts->log_dir, s->name, s->attempt_id, now, path,
                                         sizeof path);
    }
    s->started_ms = now;
    s->finished_ms = 0;
    s->model[0] = s->imei[0] = s->phase[0] = s->result[0] = '\0';
    if (s->query.imei[0])
        fota_copy(s->imei, sizeof s->imei, s->query.imei);
    s->percent = -1;
    s->queued = s->in_flight = s->wants_token = s->has_token = false;
    s->finish_pending = false;
    slot_set_state(s, SLOT_ACTIVE, FOTA_DASH_RUNNING);
    fota_copy(s->phase, sizeof s->phase, "identifying");
    station_log(st, "%s: module found on %s, attempt %lld", s->name, s->link.target,
                (long long)s->attempt_id);
    fota_machine_start(s->m, (uint64_t)now);
    slot_pump(s);
}

void slot_identified(slot_t *s)
{
    station_t *st = s->st;
    const fota_attempt_t *a = fota_machine_attempt(s->m);
    fota_copy(s->model, sizeof s->model, a->model);
    fota_copy(s->imei, sizeof s->imei, a->imei);
    int64_t now = station_now(st);
    /* Rework decides before the row carries the IMEI, so the running row itself is
     * never taken for the module's latest result. */
    if (st->opts->rework) {
        fota_result_t last;
        int found = fota_results_latest(st->results, a->imei, &last);
        const char *skip = NULL;
        if (found == 1 && last == FOTA_RESULT_PASS)
            skip = "already passed";
        else if (found == 0 && !st->opts->allow_new)
            skip = "not in database";
        fota_attempt_t id = *a;
        slot_stamp(s, &id);
        fota_results_identify(st->results, s->attempt_id, &id);
        if (skip) {
            fota_machine_proceed(s->m, FOTA_SKIP, skip, (uint64_t)now);
            return;
        }
    } else {
        fota_attempt_t id = *a;
        slot_stamp(s, &id);
        fota_results_identify(st->results, s->attempt_id, &id);
    }
    station_log(st, "%s: %s IMEI %s revision %s", s->name, a->model, a->imei, a->from_version);
    s->queued = true;
    s->queue_reason = NULL;
    station_schedule(st);
}

void slot_grant(slot_t *s)
{
    station_t *st = s->st;
    s->queued = false;
    s->in_flight = true;
    fota_sched_start(&st->sched, s->hub);
    station_log(st, "%s: upgrading (%u in flight)", s->name, st->sched.running);
    fota_machine_proceed(s->m, FOTA_GO, NULL, (uint64_t)station_now(st));
    slot_pump(s);
}

void slot_grant_token(slot_t *s)
{
    s->wants_token = false;
    s->has_token = true;
    fota_machine_transfer_granted(s->m, (uint64_t)station_now(s->st));
    slot_pump(s);
}

static void slot_release(slot_t *s)
{
    station_t *st = s->st;
    if (s->has_token) {
        fota_sched_release_transfer(&st->sched);
        s->has_token = false;
    }
    s->wants_token = false;
    if (s->in_flight) {
        fota_sched_done(&st->sched, s->hub);
        s->in_flight = false;
    }
    s->queued = false;
}

void slot_finish(slot_t *s)
{
    station_t *st = s->st;
    fota_attempt_t a = *fota_machine_attempt(s->m);
    slot_stamp(s, &a);
    int64_t now = station_now(st);
    if (!a.finished_at_ms)
        a.finished_at_ms = now;
    if (!a.started_at_ms)
        a.started_at_ms = s->started_ms;
    if (!a.duration_ms)
        a.duration_ms = a.finished_at_ms - a.started_at_ms;
    /* Committed before anything shows it (SPEC §5). */
    int rc = fota_results_finish(st->results, s->attempt_id, &a);
    if (rc < 0)
        station_log(st, "%s: writing the result failed (%s)", s->name, fota_strerror(rc));
    fota_machine_free(s->m);
    s->m = NULL;
    uv_timer_stop(&s->timer);
    slot_release(s);
    if (s->translog) {
        fota_translog_line(s->translog, now, FOTA_TRACE_INFO, fota_result_name(a.result));
        fclose(s->translog);
        s->translog = NULL;
    }
    fota_copy(s->model, sizeof s->model, a.model);
    fota_copy(s->imei, sizeof s->imei, a.imei);
    fota_copy(s->last_imei, sizeof s->last_imei, a.imei);
    s->finished_ms = now;
    const char *cls = fota_error_class_name(a.error_class);
    switch (a.result) {
    case FOTA_RESULT_PASS:
        st->pass++;
        s->dash = FOTA_DASH_PASS;
        snprintf(s->result, sizeof s->result, "%s%s", a.final_version, a.noop ? " (already)" : "");
        break;
    case FOTA_RESULT_FAIL:
        st->fail++;
        s->dash = FOTA_DASH_FAIL;
        snprintf(s->result, sizeof s->result, "%s/%d %s", cls && *cls ? cls : "?", a.error_code,
                 a.error_text);
        break;
    case FOTA_RESULT_SKIP:
        st->skip++;
        s->dash = FOTA_DASH_SKIP;
        fota_copy(s->result, sizeof s->result, a.error_text);
        break;
    case FOTA_RESULT_INTERRUPTED:
        st->interrupted++;
        s->dash = FOTA_DASH_INTERRUPTED;
        fota_copy(s->result, sizeof s->result, a.error_text);
        break;
    }
    s->state = SLOT_DONE;
    s->percent = -1;
    s->last_dash = s->dash;
    fota_copy(s->last_result, sizeof s->last_result, s->result);
    if (a.result == FOTA_RESULT_PASS)
        station_log(st, "%s: PASS %s %s -> %s%s", s->name, a.imei, a.from_version,
                    a.final_version, a.noop ? " (already at target)" : "");
    else
        station_log(st, "%s: %s %s %s: %s", s->name, fota_result_name(a.result), a.imei,
                    a.from_version, s->result);
    if (fota_sched_result(&st->sched, a.result, a.error_class, a.error_code)) {
        fota_sched_pause_reason(&st->sched, st->banner, sizeof st->banner);
        station_log(st, "%s", st->banner);
    }
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

void slot_trace(slot_t *s, fota_trace_dir_t dir, const char *text)
{
    int64_t now = station_now(s->st);
    fota_results_event(s->st->results, s->attempt_id, now, dir, text ? text : "");
    fota_translog_line(s->translog, now, dir, text);
}

