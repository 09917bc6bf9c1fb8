/* POWER: a module that hangs (it never answers AT, or its attempt failed before any
 * transfer in a way its profile says a power cycle may cure) gets its hub port's
 * power cut for the job's off time, then back; its links vanish and come back, and
 * the slot starts again from settle. Opt-in (the job's `power:`), at most
 * power.max_cycles per module: a module still silent after them ends FAIL with
 * words, on a row of its own. Never entered while an attempt runs, so never during
 * the update: the machine's own timeouts decide there. docs/station.md, "Power
 * cycling". */
#include <stdio.h>
#include <string.h>

#include "slot.h"
#include "util.h"

#define HOST(s) ((s)->line->host)

static const fota_power_t *power_cfg(const slot_t *s)
{
    return &s->line->job->power;
}

static unsigned power_off_ms(const slot_t *s)
{
    if (power_cfg(s)->off_ms)
        return power_cfg(s)->off_ms;
    if (s->hint && s->hint->power_off_ms)
        return s->hint->power_off_ms;
    return FOTA_POWER_OFF_DEFAULT_MS;
}

bool slot_power_wanted(const slot_t *s)
{
    return power_cfg(s)->enabled && s->usb && !s->line->stopping && !s->line->draining;
}

/* After a FAIL: only a class the profile lists, only in identification (before the
 * upgrade's GO: nothing of the update can have begun), and only while cycles are
 * left (the last FAIL stands otherwise). */
bool slot_power_retry_wanted(const slot_t *s, const fota_attempt_t *a, bool went)
{
    const fota_profile_t *p = s->hint;
    if (!slot_power_wanted(s) || went || a->result != FOTA_RESULT_FAIL || !p ||
        a->error_class >= 32 || !(p->power_retry_classes & (1u << a->error_class)))
        return false;
    return s->power.cycles < (int)power_cfg(s)->max_cycles;
}

/* The new attempt's transcript says what was done to the module before it. */
void slot_power_note(slot_t *s)
{
    if (!s->power.cycles)
        return;
    char line[192];
    snprintf(line, sizeof line, "power cycles before this attempt: %d (last: %s)",
             s->power.cycles, s->power.why);
    slot_attempt_trace(s, FOTA_TRACE_INFO, line);
}

/* Still silent after every cycle allowed: a FAIL row of its own, with words. */
static slot_outcome_t power_give_up(slot_t *s)
{
    fota_attempt_t a;
    memset(&a, 0, sizeof a);
    slot_verdict_stamp(s, &a);
    a.result = FOTA_RESULT_FAIL;
    a.error_class = FOTA_ERR_TIMEOUT;
    snprintf(a.error_text, sizeof a.error_text, "no answer to AT after %d power cycle%s",
             s->power.cycles, s->power.cycles == 1 ? "" : "s");
    a.power_cycles = s->power.cycles;
    a.started_at_ms = a.finished_at_ms = HOST(s)->wall(HOST(s)->ctx);
    if (s->hint)
        fota_copy(a.family, sizeof a.family, s->hint->family);
    slot_logf(s, "%s: %s", s->name, a.error_text);
    s->power.retry = false;
    slot_row_t *row = HOST(s)->row_begin(HOST(s)->ctx, s, &a);
    if (!row) {
        fota_copy(s->view.result, sizeof s->view.result, a.error_text);
        return SLOT_OUT_NOT_MODULE;
    }
    HOST(s)->row_event(HOST(s)->ctx, s, row, FOTA_TRACE_INFO, a.error_text);
    s->view.started_ms = s->view.finished_ms = slot_now(s);
    s->view.percent = -1;
    s->view.show = s->last.show = SLOT_SHOW_RUNNING;
    s->view.imei[0] = s->last.imei[0] = '\0';
    fota_copy(s->view.phase, sizeof s->view.phase, "recording…");
    s->view.result[0] = s->last.result[0] = '\0';
    s->recording = row;
    if (HOST(s)->row_finish(HOST(s)->ctx, s, row, &a) < 0) {
        slot_logf(s, "%s: cannot queue the result FAIL (out of memory)", s->name);
        s->recording = NULL;
    }
    return SLOT_OUT_FINISHED;
}

static slot_outcome_t power_enter(slot_t *s, slot_outcome_t why)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        slot_if_close(s, i);
    if (why != SLOT_OUT_POWER_ASKED && s->power.cycles >= (int)power_cfg(s)->max_cycles)
        return power_give_up(s);
    if (why == SLOT_OUT_POWER_ASKED) {
        fota_copy(s->power.why, sizeof s->power.why, "asked by the operator");
    } else if (why == SLOT_OUT_FINISHED) {
        /* the module that failed is tried again, not shown as "same module"
         * (power_why: its verdict's words, slot_verdict.c) */
        s->last.imei[0] = '\0';
    } else {
        fota_copy(s->power.why, sizeof s->power.why, "no answer to AT");
    }
    s->power.retry = false;
    if (HOST(s)->power(HOST(s)->ctx, s, false) < 0) {
        /* no way to switch this port (the host said why): as before, not a module */
        fota_copy(s->view.result, sizeof s->view.result, "no answer to AT; no port power control");
        return SLOT_OUT_NOT_MODULE;
    }
    s->power.cycles++;
    if (why == SLOT_OUT_POWER_ASKED)
        slot_logf(s, "%s: power off: %s", s->name, s->power.why);
    else
        slot_logf(s, "%s: power off (cycle %d of %u): %s", s->name, s->power.cycles,
                  power_cfg(s)->max_cycles, s->power.why);
    s->view.show = SLOT_SHOW_PROBING;
    s->view.percent = -1;
    snprintf(s->view.phase, sizeof s->view.phase, "power cycle %d", s->power.cycles);
    s->deadline = slot_now(s) + power_off_ms(s);
    return SLOT_OUT_NONE;
}

static slot_outcome_t power_timeout(slot_t *s)
{
    if (!s->ctx.power.on) {
        s->ctx.power.on = true;
        if (HOST(s)->power(HOST(s)->ctx, s, true) < 0)
            slot_logf(s, "%s: cannot switch its hub port's power back on", s->name);
        else
            slot_logf(s, "%s: power on", s->name);
        /* links that never went away (a hub that kept them): settle on them at once */
        if (s->present && !s->ctx.power.gone)
            return SLOT_OUT_POWERED;
        s->deadline = slot_now(s) + SLOT_POWER_BACK_MS;
        return SLOT_OUT_NONE;
    }
    if (s->present)
        return SLOT_OUT_POWERED;
    slot_logf(s, "%s: no link came back %d s after the power", s->name, SLOT_POWER_BACK_MS / 1000);
    s->power.cycles = 0;
    return SLOT_OUT_EMPTIED;
}

/* Off: the links vanish (expected). On: the first link back means the module is
 * enumerating; settle waits for the rest. */
static slot_outcome_t power_link(slot_t *s, bool present)
{
    if (!present) {
        s->ctx.power.gone = true;
        return SLOT_OUT_NONE;
    }
    return s->ctx.power.on ? SLOT_OUT_POWERED : SLOT_OUT_NONE;
}

/* Stopping: the port never stays without power. */
static slot_outcome_t power_abort(slot_t *s, const char *reason)
{
    (void)reason;
    if (!s->ctx.power.on)
        HOST(s)->power(HOST(s)->ctx, s, true);
    s->ctx.power.on = true;
    return SLOT_OUT_ABORTED;
}

bool slot_power_request(slot_t *s)
{
    if (s->a || !s->present || s->stage == SLOT_POWER || s->line->stopping)
        return false;
    slot_next(s, SLOT_OUT_POWER_ASKED);
    return true;
}

const slot_stage_ops_t slot_stage_power = {
    .name = "power",
    .busy = true,
    .enter = power_enter,
    .timeout = power_timeout,
    .link = power_link,
    .abort = power_abort,
};
