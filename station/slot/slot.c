/* The slot's frame: the stage table, the one outcome switch (slot_next), the one
 * place the stage is written (slot_enter), and the inputs that reach the current
 * stage through its table entry. A stage reports an outcome and never starts
 * another stage; the owner acts (schedule, exit checks, the timer) once the input
 * returns, so nothing here re-enters. */
#include "slot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "util.h"

static const slot_stage_ops_t *const stages[SLOT__COUNT] = {
    [SLOT_EMPTY] = &slot_stage_empty,       [SLOT_SETTLE] = &slot_stage_settle,
    [SLOT_CHOOSE] = &slot_stage_choose,     [SLOT_IDENTIFY] = &slot_stage_identify,
    [SLOT_ATTEMPT] = &slot_stage_attempt,   [SLOT_REBOOT] = &slot_stage_reboot,
    [SLOT_RETRY] = &slot_stage_retry,       [SLOT_DONE] = &slot_stage_done,
    [SLOT_IGNORED] = &slot_stage_ignored,   [SLOT_ALIAS] = &slot_stage_alias,
    [SLOT_POWER] = &slot_stage_power,
    [SLOT_AWAY] = &slot_stage_away,         [SLOT_OFF] = &slot_stage_off,
};

const char *slot_stage_name(slot_stage_t st)
{
    return st < SLOT__COUNT ? stages[st]->name : "?";
}

/* The only write of s->stage: every stage starts with its own context cleared and
 * no deadline of its own. */
static void slot_enter(slot_t *s, slot_stage_t next)
{
    s->stage = next;
    s->deadline = INT64_MAX;
    memset(&s->ctx, 0, sizeof s->ctx);
}

/* The one switch: which stage an outcome leads to. */
void slot_next(slot_t *s, slot_outcome_t out)
{
    while (out != SLOT_OUT_NONE) {
        slot_stage_t next = s->stage;
        switch (out) {
        case SLOT_OUT_NONE: break;
        case SLOT_OUT_APPEARED: next = SLOT_SETTLE; break;
        case SLOT_OUT_EMPTIED: next = SLOT_EMPTY; break;
        case SLOT_OUT_PULLED: next = SLOT_AWAY; break;
        case SLOT_OUT_REMOVED: next = SLOT_EMPTY; break;
        case SLOT_OUT_RETRIED: next = SLOT_SETTLE; break;
        case SLOT_OUT_SERVICE_OFF: next = SLOT_OFF; break;
        case SLOT_OUT_SERVICE_ON: next = s->present ? SLOT_SETTLE : SLOT_EMPTY; break;
        case SLOT_OUT_SETTLED: next = SLOT_CHOOSE; break;
        case SLOT_OUT_CHOSEN: next = SLOT_IDENTIFY; break;
        case SLOT_OUT_NOT_MODULE: next = SLOT_IGNORED; break;
        case SLOT_OUT_NEW_MODULE: next = SLOT_ATTEMPT; break;
        case SLOT_OUT_SAME_MODULE: next = SLOT_DONE; break;
        case SLOT_OUT_OTHER_PORT: next = SLOT_ALIAS; break;
        case SLOT_OUT_NOT_STARTED: next = SLOT_IGNORED; break;
        case SLOT_OUT_PORT_LOST: next = s->a ? SLOT_REBOOT : SLOT_RETRY; break;
        case SLOT_OUT_LINK_CHANGED: next = SLOT_REBOOT; break;
        case SLOT_OUT_PORT_BACK: next = SLOT_ATTEMPT; break;
        case SLOT_OUT_RETRY_DUE: next = SLOT_SETTLE; break;
        case SLOT_OUT_FINISHED: next = s->power.retry ? SLOT_POWER : SLOT_DONE; break;
        case SLOT_OUT_SWAPPED: next = SLOT_RETRY; break;
        case SLOT_OUT_ABORTED: next = SLOT_EMPTY; break;
        case SLOT_OUT_WRONG_USB: next = SLOT_DONE; break;
        case SLOT_OUT_SILENT: next = slot_power_wanted(s) ? SLOT_POWER : SLOT_IGNORED; break;
        case SLOT_OUT_POWERED: next = SLOT_SETTLE; break;
        case SLOT_OUT_POWER_ASKED: next = SLOT_POWER; break;
        }
        slot_enter(s, next);
        out = stages[next]->enter(s, out);
    }
    s->line->host->changed(s->line->host->ctx, s);
}

void slot_init(slot_t *s, slot_line_t *line, const char *name)
{
    memset(s, 0, sizeof *s);
    s->line = line;
    fota_copy(s->name, sizeof s->name, name);
    fota_slot_hub(name, s->hub, sizeof s->hub);
    s->view.percent = -1;
    s->view.show = SLOT_SHOW_EMPTY;
    s->at = s->last_at_num = -1;
    slot_enter(s, SLOT_EMPTY);
}

int64_t slot_deadline(const slot_t *s)
{
    int64_t d = s->deadline;
    if (s->a) {
        uint64_t m = fota_machine_deadline(s->a->m);
        if (m != UINT64_MAX && (int64_t)m < d)
            d = (int64_t)m;
    }
    return d;
}

bool slot_busy(const slot_t *s)
{
    return stages[s->stage]->busy || s->a != NULL || (s->stage == SLOT_RETRY && s->present);
}

bool slot_wants_module(const slot_t *s)
{
    return s->a || s->recording || s->stage == SLOT_SETTLE || s->stage == SLOT_CHOOSE ||
           s->stage == SLOT_IDENTIFY;
}

void slot_timer(slot_t *s)
{
    int64_t now = slot_now(s);
    if (s->a && fota_machine_deadline(s->a->m) <= (uint64_t)now) {
        fota_machine_tick(s->a->m, (uint64_t)now);
        slot_next(s, slot_attempt_pump(s));
    }
    if (s->deadline <= now && stages[s->stage]->timeout) {
        s->deadline = INT64_MAX;
        slot_next(s, stages[s->stage]->timeout(s));
    }
}

void slot_port_data(slot_t *s, size_t i, const uint8_t *d, size_t n)
{
    if (i < s->n_ifs && s->ifs[i].open && stages[s->stage]->data)
        slot_next(s, stages[s->stage]->data(s, i, d, n));
}

void slot_port_drained(slot_t *s, size_t i)
{
    if (i < s->n_ifs && s->ifs[i].open && stages[s->stage]->drained)
        slot_next(s, stages[s->stage]->drained(s, i));
}

/* The host's port went away (EOF, EIO, hang-up): closed here, then the stage hears. */
void slot_port_gone(slot_t *s, size_t i)
{
    if (i >= s->n_ifs || !s->ifs[i].open)
        return;
    slot_if_close(s, i);
    if (stages[s->stage]->gone)
        slot_next(s, stages[s->stage]->gone(s, i));
}

void slot_abort(slot_t *s, const char *reason)
{
    if (stages[s->stage]->abort)
        slot_next(s, stages[s->stage]->abort(s, reason));
}

void slot_mm_answer(slot_t *s)
{
    if (stages[s->stage]->mm_answer)
        slot_next(s, stages[s->stage]->mm_answer(s));
}

/* ---- the line's decisions on a running attempt (slot_attempt.c) --------------- */

void slot_grant(slot_t *s)
{
    if (s->a)
        slot_next(s, slot_attempt_grant(s));
}

void slot_grant_token(slot_t *s)
{
    if (s->a)
        slot_next(s, slot_attempt_grant_token(s));
}

void slot_rework_ready(slot_t *s)
{
    if (s->a)
        slot_next(s, slot_attempt_rework_ready(s));
}

void slot_row_named(slot_t *s, slot_row_t *row)
{
    if (s->a)
        slot_attempt_row_named(s, row);
}

bool slot_queued(const slot_t *s)
{
    return s->a && s->a->queued;
}

bool slot_wants_token(const slot_t *s)
{
    return s->a && s->a->wants_token && !s->a->has_token;
}

void slot_queue_reason(slot_t *s, const char *why)
{
    if (s->a)
        s->a->queue_reason = why;
}

/* ---- the database's answers (slot_verdict.c) ----------------------------------- */

bool slot_row_id(slot_t *s, slot_row_t *row, int64_t id)
{
    if (s->a && s->a->row == row) {
        s->a->id = id;
        return true;
    }
    return s->recording == row;
}

bool slot_committed(slot_t *s, slot_row_t *row, const fota_attempt_t *a,
                    const char *not_recorded)
{
    if (!slot_verdict_committed(s, row, a, not_recorded))
        return false;
    s->line->host->changed(s->line->host->ctx, s);
    return true;
}

/* A link of this slot appeared, changed or went away: the interface list, then the
 * AT port's own link to the stage that runs on it, any other change to a slot at
 * rest (a module appears, or the last link went away). */
static slot_if_t *slot_if_find(slot_t *s, const char *link_name, bool create)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        if (strcmp(s->ifs[i].link_name, link_name) == 0)
            return &s->ifs[i];
    if (!create || s->n_ifs == SLOT_MAX_IFS)
        return NULL;
    slot_if_t *f = &s->ifs[s->n_ifs++];
    memset(f, 0, sizeof *f);
    fota_copy(f->link_name, sizeof f->link_name, link_name);
    return f;
}

void slot_link(slot_t *s, const char *link_name, int num, const char *tty, const slot_usb_t *id)
{
    slot_if_t *f = slot_if_find(s, link_name, tty != NULL);
    if (!f) {
        if (tty)
            slot_logf(s, "%s: more than %d ports on one module; %s ignored", s->name,
                      SLOT_MAX_IFS, link_name);
        return;
    }
    size_t i = (size_t)(f - s->ifs);
    f->present = tty != NULL;
    if (tty) {
        fota_copy(f->tty, sizeof f->tty, tty);
        f->num = num;
        f->id = id ? *id : (slot_usb_t){0};
    }
    bool present = false;
    for (size_t k = 0; k < s->n_ifs; k++)
        present |= s->ifs[k].present;
    s->present = present;
    const slot_stage_ops_t *ops = stages[s->stage];
    if (ops->link) {
        if (!tty)
            slot_if_close(s, i);
        slot_next(s, ops->link(s, s->present));
        return;
    }
    if (s->at >= 0 && i == (size_t)s->at && ops->at_link) {
        slot_next(s, ops->at_link(s, tty != NULL));
        return;
    }
    if (ops->runs || ops->deaf)
        return; /* an attempt runs on the AT port: the other interfaces are never touched */
    if (!tty) {
        slot_if_close(s, i); /* a candidate went away while the AT port was being chosen */
        if (!s->present) {
            s->power.cycles = 0; /* the module was taken away: a new one counts afresh */
            s->power.retry = false;
            /* a finished module pulled: away until its reboot timeout */
            slot_next(s, s->stage == SLOT_DONE ? SLOT_OUT_PULLED : SLOT_OUT_EMPTIED);
        }
        return;
    }
    if (s->line->stopping)
        return;
    if (s->usb_wrong[0] && s->stage == SLOT_DONE)
        return; /* its device is in a wrong USB mode: no AT port to look for (said once) */
    if (s->line->draining) { /* --expect reached: nothing new starts */
        if (s->stage != SLOT_DONE)
            slot_next(s, SLOT_OUT_EMPTIED);
        return;
    }
    slot_next(s, SLOT_OUT_APPEARED); /* a new or changed interface: the module (re)appears */
}

/* x: out of service now, or once the attempt that runs here has its verdict (the
 * DONE stage looks at s->service.off); back in service, a module present starts again. */
void slot_service(slot_t *s, bool on, const char *why)
{
    if (!on) {
        s->service.off = true;
        if (why && why[0])
            snprintf(s->service.reason, sizeof s->service.reason, "out of service: %s", why);
        else
            fota_copy(s->service.reason, sizeof s->service.reason, "out of service");
        if (s->stage != SLOT_OFF && !s->a)
            slot_next(s, SLOT_OUT_SERVICE_OFF);
        else
            s->line->host->changed(s->line->host->ctx, s);
        return;
    }
    bool was = s->service.off;
    s->service.off = false;
    s->service.reason[0] = '\0';
    /* links were not followed meanwhile: the module in it now is judged as one just
     * plugged in (a PASS stays known, as after a pull) */
    if (was && s->last.show != SLOT_SHOW_PASS)
        memset(&s->last, 0, sizeof s->last);
    if (was && s->stage == SLOT_OFF && !s->line->stopping && !s->line->draining)
        slot_next(s, SLOT_OUT_SERVICE_ON);
    else
        s->line->host->changed(s->line->host->ctx, s);
}

/* r: the module in the slot is judged again from the start (its last verdict here
 * forgotten), as if it had just been plugged in. */
const char *slot_retry(slot_t *s)
{
    if (s->service.off)
        return "out of service (x puts it back)";
    if (s->line->stopping || s->line->draining)
        return "the line is stopping";
    if (s->stage != SLOT_DONE && s->stage != SLOT_IGNORED && s->stage != SLOT_ALIAS)
        return slot_busy(s) ? "busy" : "no module to retry";
    if (!s->present)
        return "no module in it";
    if (s->recording)
        return "its verdict is being recorded";
    if (s->stage == SLOT_DONE && s->last.show == SLOT_SHOW_PASS)
        return "its module passed";
    slot_logf(s, "%s: retry: a new attempt on the module in the slot", s->name);
    memset(&s->last, 0, sizeof s->last);
    slot_next(s, SLOT_OUT_RETRIED);
    return NULL;
}

void slot_free(slot_t *s)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        slot_if_close(s, i);
    if (s->a) {
        fota_machine_free(s->a->m);
        free(s->a);
        s->a = NULL;
    }
}
