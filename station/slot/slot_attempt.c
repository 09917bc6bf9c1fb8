/* ATTEMPT: the module's FOTA machine runs on the open AT port. Its row is begun
 * before the module is touched; the machine's actions are executed here (one
 * drain per input, slot_attempt_pump); IDENTIFIED is decided here (the IMEI rule
 * once more, rework, the row naming the module, the queue for the line's limits);
 * FINISH ends the attempt (slot_verdict.c). */
#include <stdlib.h>
#include <string.h>

#include "rework_decide.h"
#include "slot.h"
#include "slot_rules.h"
#include "util.h"

#define HOST(s) ((s)->line->host)

void slot_attempt_trace(slot_t *s, fota_trace_dir_t dir, const char *text)
{
    if (s->a)
        HOST(s)->row_event(HOST(s)->ctx, s, s->a->row, dir, text ? text : "");
}

static void attempt_identify_row(slot_t *s, const fota_attempt_t *a)
{
    slot_attempt_t *at = s->a;
    if (!at->stamped) { /* identified: the batch and operator of this module from now on */
        const slot_line_t *l = s->line;
        fota_copy(at->batch, sizeof at->batch, l->batch ? l->batch : "");
        fota_copy(at->operator_id, sizeof at->operator_id, l->operator_id ? l->operator_id : "");
        at->stamped = true;
    }
    fota_attempt_t id = *a;
    slot_verdict_stamp(s, &id);
    HOST(s)->row_identify(HOST(s)->ctx, s, s->a->row, &id);
}

/* The module is identified and its IMEI queued for its row. It waits for a limit
 * only once that row is committed, so that a station killed during the transfer
 * leaves an INTERRUPTED row naming the module. While the database is busy or
 * failing the line does not wait for it (the host says so: row_pending). */
static void attempt_queue(slot_t *s)
{
    s->a->row_wait = HOST(s)->row_pending(HOST(s)->ctx, s->a->row);
    if (s->a->row_wait)
        return;
    s->a->queued = true;
    s->a->queue_reason = NULL;
}

/* One module, one row, once more at identification, by the same rule as the probe
 * (slot_rules_imei): a module that answered neither AT+GSN nor AT+CGSN then got an
 * attempt on every port that answers AT; its identification reads the IMEI, and a
 * port whose module another slot holds is closed SKIP before anything is written to
 * the module. A module whose IMEI cannot tell it from another is a FAIL imei,
 * untouched. Returns true when the attempt was decided here. */
static bool attempt_imei(slot_t *s, const fota_attempt_t *a, int64_t now)
{
    const slot_t *other;
    char why[sizeof s->view.result];
    slot_imei_verdict_t v = slot_rules_imei(s, a->imei, &other, why, sizeof why);
    if (v == SLOT_IMEI_NEW) {
        s->a->imei_held = true;
        return false;
    }
    if (v == SLOT_IMEI_OTHER_PORT)
        slot_logf(s, "%s: %s is another port of module %s (slot %s); no attempt here", s->name,
                  s->ifs[s->at].tty, a->imei, other->name);
    else
        slot_logf(s, "%s: %s", s->name, why);
    attempt_identify_row(s, a);
    fota_machine_proceed(s->a->m, v == SLOT_IMEI_OTHER_PORT ? FOTA_SKIP : FOTA_REFUSE_IMEI, why,
                         (uint64_t)now);
    return true;
}

/* IDENTIFIED (or a rework answer that was pending): decide, without draining the
 * machine's actions (the caller's pump does). */
static void attempt_identified(slot_t *s)
{
    const slot_line_t *l = s->line;
    const fota_attempt_t *a = fota_machine_attempt(s->a->m);
    fota_copy(s->view.model, sizeof s->view.model, a->model);
    fota_copy(s->view.imei, sizeof s->view.imei, a->imei);
    int64_t now = slot_now(s);
    if (!s->a->rework_wait)
        HOST(s)->adopt(HOST(s)->ctx, s, a->imei);
    if (!s->a->imei_held && attempt_imei(s, a, now))
        return;
    /* Rework decides before the row carries the IMEI, so the running row itself is
     * never taken for the module's latest result. */
    if (l->rework) {
        fota_result_t last;
        int found = HOST(s)->rework_latest(HOST(s)->ctx, s, a->imei, &last);
        if (found == FOTA_E_STATE) { /* not known yet: the module waits, asked again */
            s->a->rework_wait = true;
            return;
        }
        s->a->rework_wait = false;
        char note[sizeof s->view.result];
        const char *skip = fota_rework_decide(found, last, a, l->allow_new, note, sizeof note);
        if (note[0]) { /* in the row's transcript and the line log: why it is flashed */
            slot_attempt_trace(s, FOTA_TRACE_INFO, note);
            slot_logf(s, "%s: %s %s", s->name, a->imei, note);
        }
        attempt_identify_row(s, a);
        if (skip) {
            fota_machine_proceed(s->a->m, FOTA_SKIP, skip, (uint64_t)now);
            return;
        }
    } else {
        attempt_identify_row(s, a);
    }
    slot_logf(s, "%s: %s IMEI %s revision %s", s->name, a->model, a->imei, a->from_version);
    if (fota_machine_plan_final(s->a->m)) {
        /* Its verdict is known now (unknown model, no package chain, a job rule it
         * breaks, already at the target): it needs none of the line's limits, so it
         * is never queued behind other modules' upgrades or the pause. */
        fota_machine_proceed(s->a->m, FOTA_GO, NULL, (uint64_t)now);
        return;
    }
    attempt_queue(s);
}

static void attempt_release_token(slot_t *s)
{
    if (s->a->has_token) {
        fota_sched_release_transfer(s->line->sched);
        s->a->has_token = false;
    }
    s->a->wants_token = false;
}

static void attempt_execute(slot_t *s, const fota_action_t *act)
{
    slot_attempt_t *a = s->a;
    const slot_host_t *h = HOST(s);
    bool open = s->at >= 0 && s->ifs[s->at].open;
    switch (act->kind) {
    case FOTA_ACT_SEND:
        if (open && h->port_write(h->ctx, s, (size_t)s->at, act->data, act->len) == 0)
            a->send_pending = true;
        break;
    case FOTA_ACT_SET_FLOW:
        if (open && h->port_flow(h->ctx, s, (size_t)s->at, act->flag != 0) < 0)
            slot_attempt_trace(s, FOTA_TRACE_INFO, "cannot switch hardware flow control");
        break;
    case FOTA_ACT_IDENTIFIED: attempt_identified(s); break;
    case FOTA_ACT_TRANSFER_BEGIN: a->wants_token = true; break;
    case FOTA_ACT_TRANSFER_END: attempt_release_token(s); break;
    case FOTA_ACT_PROGRESS:
        fota_copy(s->view.phase, sizeof s->view.phase,
                  act->text && *act->text ? act->text : fota_phase_name(act->phase));
        s->view.percent = act->percent;
        if (s->line->log_progress && (act->percent < 0 || act->percent % 25 == 0))
            slot_logf(s, "%s: %s", s->name, s->view.phase);
        break;
    case FOTA_ACT_TRACE: slot_attempt_trace(s, act->dir, act->text); break;
    case FOTA_ACT_FINISH: a->finished = true; break;
    }
}

/* Runs the machine's actions until it has none; FINISH ends the attempt. */
slot_outcome_t slot_attempt_pump(slot_t *s)
{
    fota_action_t act;
    while (s->a && !s->a->finished && fota_machine_next_action(s->a->m, &act))
        attempt_execute(s, &act);
    if (s->a && s->a->finished)
        return slot_verdict_finish(s);
    return SLOT_OUT_NONE;
}

/* A module answered: its row (queued, committed at once when the database is free:
 * a busy database never keeps a module from starting), then its machine. */
static slot_outcome_t attempt_begin(slot_t *s)
{
    const slot_line_t *l = s->line;
    if (l->stopping || l->draining)
        return SLOT_OUT_NOT_STARTED; /* --expect reached or stopping while it was probed */
    int64_t now = slot_now(s), wall = HOST(s)->wall(HOST(s)->ctx);
    fota_attempt_t row;
    memset(&row, 0, sizeof row);
    slot_verdict_stamp(s, &row);
    row.started_at_ms = wall;
    row.result = FOTA_RESULT_INTERRUPTED;
    slot_attempt_t *a = calloc(1, sizeof *a);
    if (!a || !(a->row = HOST(s)->row_begin(HOST(s)->ctx, s, &row))) {
        free(a);
        slot_logf(s, "%s: cannot record the attempt (out of memory); not starting", s->name);
        return SLOT_OUT_NOT_STARTED;
    }
    a->id = HOST(s)->row_id(HOST(s)->ctx, a->row);
    slot_verdict_release_flight(s); /* the previous module here, its verdict still recording */
    fota_machine_config_t cfg = l->mcfg;
    cfg.profile_hint = s->hint;
    if (!(a->m = fota_machine_new(&cfg))) {
        /* Its row says INTERRUPTED: the module was never touched. */
        row.finished_at_ms = wall;
        fota_copy(row.error_text, sizeof row.error_text, "station out of memory");
        HOST(s)->row_finish(HOST(s)->ctx, s, a->row, &row);
        free(a);
        return SLOT_OUT_NOT_STARTED;
    }
    a->started_at_ms = wall;
    s->a = a;
    s->view.started_ms = now;
    s->view.finished_ms = 0;
    s->view.model[0] = s->view.phase[0] = s->view.result[0] = '\0';
    s->view.percent = -1;
    s->view.show = SLOT_SHOW_RUNNING;
    fota_copy(s->view.phase, sizeof s->view.phase, "identifying");
    if (a->id >= 0)
        slot_logf(s, "%s: module found on %s, attempt %lld", s->name, s->ifs[s->at].tty,
                  (long long)a->id);
    else
        slot_logf(s, "%s: module found on %s, attempt row queued", s->name, s->ifs[s->at].tty);
    slot_power_note(s);
    fota_machine_start(a->m, (uint64_t)now);
    return slot_attempt_pump(s);
}

static slot_outcome_t attempt_enter(slot_t *s, slot_outcome_t why)
{
    if (why != SLOT_OUT_PORT_BACK)
        return attempt_begin(s);
    fota_machine_port_back(s->a->m, (uint64_t)slot_now(s));
    return slot_attempt_pump(s);
}

static slot_outcome_t attempt_data(slot_t *s, size_t i, const uint8_t *d, size_t n)
{
    if ((int)i != s->at)
        return SLOT_OUT_NONE;
    fota_machine_feed(s->a->m, d, n, (uint64_t)slot_now(s));
    return slot_attempt_pump(s);
}

static slot_outcome_t attempt_drained(slot_t *s, size_t i)
{
    if ((int)i != s->at || !s->a->send_pending)
        return SLOT_OUT_NONE;
    s->a->send_pending = false;
    fota_machine_sent(s->a->m, (uint64_t)slot_now(s));
    return slot_attempt_pump(s);
}

/* A reboot, or the module pulled: the machine decides which (its reboot timeout). */
static slot_outcome_t attempt_lost(slot_t *s, slot_outcome_t then)
{
    slot_if_close(s, (size_t)s->at);
    s->a->send_pending = false;
    fota_machine_port_gone(s->a->m, (uint64_t)slot_now(s));
    slot_outcome_t out = slot_attempt_pump(s);
    return out != SLOT_OUT_NONE ? out : then;
}

static slot_outcome_t attempt_gone(slot_t *s, size_t i)
{
    return (int)i == s->at ? attempt_lost(s, SLOT_OUT_PORT_LOST) : SLOT_OUT_NONE;
}

/* The AT port's link went away, or changed under the open port (the old tty is gone). */
static slot_outcome_t attempt_at_link(slot_t *s, bool present)
{
    return attempt_lost(s, present ? SLOT_OUT_LINK_CHANGED : SLOT_OUT_PORT_LOST);
}

static slot_outcome_t attempt_abort(slot_t *s, const char *reason)
{
    fota_machine_abort(s->a->m, reason, (uint64_t)slot_now(s));
    return slot_attempt_pump(s);
}

const slot_stage_ops_t slot_stage_attempt = {
    .name = "attempt",
    .busy = true,
    .runs = true,
    .enter = attempt_enter,
    .data = attempt_data,
    .drained = attempt_drained,
    .gone = attempt_gone,
    .at_link = attempt_at_link,
    .abort = attempt_abort,
};

/* ---- the line's decisions (slot.c's inputs while an attempt runs) ------------- */

slot_outcome_t slot_attempt_grant(slot_t *s)
{
    if (HOST(s)->rows_failing(HOST(s)->ctx)) {
        /* Results cannot be written: no new upgrade starts until they can. */
        s->a->queue_reason = "results database failing";
        return SLOT_OUT_NONE;
    }
    s->a->queued = false;
    s->in_flight = true;
    fota_sched_start(s->line->sched, s->hub);
    slot_logf(s, "%s: upgrading (%u in flight)", s->name, s->line->sched->running);
    s->a->went = true; /* FOTA commands may reach the module from now: never power-cycled */
    fota_machine_proceed(s->a->m, FOTA_GO, NULL, (uint64_t)slot_now(s));
    /* The upgrade begins now: the row's started_at moves here and says how long the
     * module waited (queued_ms), so a station killed mid-upgrade leaves a row whose
     * time is the upgrade's own. */
    s->a->granted_at_ms = HOST(s)->wall(HOST(s)->ctx);
    fota_attempt_t go = *fota_machine_attempt(s->a->m);
    slot_verdict_stamp(s, &go);
    go.started_at_ms = s->a->granted_at_ms;
    HOST(s)->row_identify(HOST(s)->ctx, s, s->a->row, &go);
    return slot_attempt_pump(s);
}

slot_outcome_t slot_attempt_grant_token(slot_t *s)
{
    s->a->wants_token = false;
    s->a->has_token = true;
    fota_machine_transfer_granted(s->a->m, (uint64_t)slot_now(s));
    return slot_attempt_pump(s);
}

slot_outcome_t slot_attempt_rework_ready(slot_t *s)
{
    if (!s->a->rework_wait)
        return SLOT_OUT_NONE;
    attempt_identified(s);
    return slot_attempt_pump(s);
}

void slot_attempt_row_named(slot_t *s, slot_row_t *row)
{
    if (s->a->row_wait && (!row || row == s->a->row))
        attempt_queue(s);
}
