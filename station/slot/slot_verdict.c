/* The attempt's end: FINISH queues its verdict for the database and the slot shows
 * "recording…" until the verdict is committed (slot_committed): only then is it
 * shown, or NOT RECORDED when the database never took it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "slot.h"
#include "util.h"

#define HOST(s) ((s)->line->host)

void slot_verdict_stamp(const slot_t *s, fota_attempt_t *a)
{
    const slot_line_t *l = s->line;
    const slot_attempt_t *at = s->a;
    fota_copy(a->batch, sizeof a->batch, at && at->stamped ? at->batch : l->batch ? l->batch : "");
    fota_copy(a->station, sizeof a->station, l->job->station ? l->job->station : "");
    fota_copy(a->operator_id, sizeof a->operator_id,
              at && at->stamped ? at->operator_id : l->operator_id ? l->operator_id : "");
    fota_copy(a->slot, sizeof a->slot, s->name);
    fota_copy(a->port, sizeof a->port, s->at >= 0 ? s->ifs[s->at].tty : "");
}

/* A finished module counts against max_parallel / max_per_hub until its verdict is
 * committed: a database that cannot keep up holds new starts back, and the line log
 * never shows the next "upgrading" on a hub before the verdict that freed it. */
void slot_verdict_release_flight(slot_t *s)
{
    if (s->in_flight) {
        fota_sched_done(s->line->sched, s->hub);
        s->in_flight = false;
    }
}

slot_outcome_t slot_verdict_finish(slot_t *s)
{
    slot_attempt_t *at = s->a;
    fota_attempt_t a = *fota_machine_attempt(at->m);
    slot_verdict_stamp(s, &a);
    /* started_at/finished_at are the wall clock at those events, duration_ms the
     * monotonic time between them: after a wall-clock step the two disagree, by
     * design (each is true of its own clock; docs/database.md). */
    int64_t now = slot_now(s), wall = HOST(s)->wall(HOST(s)->ctx);
    if (!a.finished_at_ms)
        a.finished_at_ms = wall;
    if (!a.started_at_ms)
        a.started_at_ms = at->granted_at_ms ? at->granted_at_ms : at->started_at_ms;
    if (!a.imei[0]) /* identification failed before its own read: the probe's */
        fota_copy(a.imei, sizeof a.imei, s->view.imei);
    if (!a.duration_ms)
        a.duration_ms = now - s->view.started_ms - a.queued_ms;
    a.power_cycles = s->power.cycles;
    s->power.retry = slot_power_retry_wanted(s, &a, at->went);
    if (s->power.retry) /* the words the power cycle is made for (log, next row) */
        slot_verdict_words(s->line->profiles, &a, s->power.why, sizeof s->power.why);
    if (at->has_token)
        fota_sched_release_transfer(s->line->sched);
    s->a = NULL;
    s->recording = at->row;
    fota_copy(s->view.model, sizeof s->view.model, a.model);
    fota_copy(s->view.imei, sizeof s->view.imei, a.imei);
    fota_copy(s->last.imei, sizeof s->last.imei, a.imei);
    s->view.finished_ms = now;
    s->view.percent = -1;
    s->view.show = s->last.show = SLOT_SHOW_RUNNING;
    fota_copy(s->view.phase, sizeof s->view.phase, "recording…");
    s->view.result[0] = s->last.result[0] = '\0';
    if (HOST(s)->row_finish(HOST(s)->ctx, s, at->row, &a) < 0) {
        slot_logf(s, "%s: cannot queue the result %s of %s (out of memory)", s->name,
                  fota_result_name(a.result), a.imei);
        s->recording = NULL;
    }
    fota_machine_free(at->m);
    free(at);
    /* Another module is in the slot already (its IMEI changed across a reboot): it is
     * a new module, started on now (the probe tells it by its IMEI). */
    if (a.error_class == FOTA_ERR_SWAPPED && s->present && !s->line->stopping)
        return SLOT_OUT_SWAPPED;
    return SLOT_OUT_FINISHED;
}

slot_show_t slot_verdict_words(const fota_profile_set_t *profiles, const fota_attempt_t *a,
                               char *res, size_t len)
{
    switch (a->result) {
    case FOTA_RESULT_PASS:
        snprintf(res, len, "%s%s", a->final_version, a->noop ? " (already)" : "");
        return SLOT_SHOW_PASS;
    case FOTA_RESULT_FAIL:
        /* what the operator does first, then the module's wording (action.h) */
        fota_action_fail_text(res, len,
                              fota_action_for(profiles, a->family, a->error_class, a->error_code),
                              a->error_class, a->error_code, a->error_text);
        return SLOT_SHOW_FAIL;
    case FOTA_RESULT_SKIP:
        fota_copy(res, len, a->error_text);
        return SLOT_SHOW_SKIP;
    case FOTA_RESULT_INTERRUPTED:
    default:
        fota_copy(res, len, a->error_text);
        return SLOT_SHOW_INTERRUPTED;
    }
}

/* The verdict is in the file (or never will be): only now is it shown. A verdict
 * the file never took shows NOT RECORDED with its words. */
bool slot_verdict_committed(slot_t *s, slot_row_t *row, const fota_attempt_t *a,
                            const char *not_recorded)
{
    if (s->recording != row)
        return false;
    char res[sizeof s->view.result];
    slot_show_t show = slot_verdict_words(s->line->profiles, a, res, sizeof res);
    if (not_recorded) {
        char why[sizeof res];
        snprintf(why, sizeof why, "%s %s: %s", fota_result_name(a->result),
                 a->result == FOTA_RESULT_PASS ? a->final_version : a->error_text, not_recorded);
        fota_copy(res, sizeof res, why);
        show = SLOT_SHOW_NOT_RECORDED;
    }
    s->recording = NULL;
    if (!s->a)
        slot_verdict_release_flight(s);
    s->last.show = show;
    fota_copy(s->last.result, sizeof s->last.result, res);
    if (!s->a && (s->stage == SLOT_DONE || s->stage == SLOT_AWAY)) { /* not a new module in the slot meanwhile */
        s->view.show = show;
        fota_copy(s->view.result, sizeof s->view.result, res);
    }
    return true;
}
