/* The stages at rest: nothing is asked of the module. EMPTY (no link, or nothing to
 * do), RETRY (the port dropped before an attempt began: asked again soon), DONE
 * (finished, waiting for a swap), IGNORED (not a module, until a link changes),
 * ALIAS (another port of a module another slot owns). Each lets go of every port on
 * entry; a link that appears or changes starts again (slot_link). */
#include <string.h>

#include "await.h"
#include "slot.h"
#include "util.h"

static void rest_close_all(slot_t *s)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        slot_if_close(s, i);
}

static slot_outcome_t rest_abort(slot_t *s, const char *reason)
{
    (void)s;
    (void)reason;
    return SLOT_OUT_NONE;
}

/* The row of a module that was pulled is cleared (REMOVED, from AWAY); a slot that
 * was only being looked at shows idle (links left) or empty. */
static slot_outcome_t empty_enter(slot_t *s, slot_outcome_t why)
{
    rest_close_all(s);
    if (why == SLOT_OUT_REMOVED) {
        slot_logf(s, "%s: module %s removed", s->name, s->last.imei[0] ? s->last.imei : "");
        /* a PASS stays known: plugged back, it is shown PASS again, not upgraded
         * twice; any other verdict is forgotten: plugged back, a new attempt */
        if (s->last.show != SLOT_SHOW_PASS)
            memset(&s->last, 0, sizeof s->last);
        memset(&s->view, 0, sizeof s->view);
        s->view.percent = -1;
        s->view.show = SLOT_SHOW_EMPTY;
    }
    slot_show_t v = s->view.show;
    if (v == SLOT_SHOW_PROBING || v == SLOT_SHOW_IDLE || v == SLOT_SHOW_EMPTY)
        s->view.show = s->present ? SLOT_SHOW_IDLE : SLOT_SHOW_EMPTY;
    return SLOT_OUT_NONE;
}

const slot_stage_ops_t slot_stage_empty = {
    .name = "empty", .enter = empty_enter, .abort = rest_abort};

/* After a dropped probe the same tty is asked again (a module rebooting while it
 * was asked keeps its link); after a "swapped" verdict the new module is started
 * on at once. A link change first starts again anyway. */
static slot_outcome_t retry_enter(slot_t *s, slot_outcome_t why)
{
    rest_close_all(s);
    if (why == SLOT_OUT_SWAPPED) {
        s->deadline = slot_now(s) + SLOT_REOPEN_DELAY_MS;
    } else {
        s->view.show = SLOT_SHOW_EMPTY;
        s->deadline = slot_now(s) + SLOT_SAME_LINK_MS;
    }
    return SLOT_OUT_NONE;
}

static slot_outcome_t retry_timeout(slot_t *s)
{
    if (!s->present)
        return SLOT_OUT_EMPTIED;
    return s->line->stopping || s->line->draining ? SLOT_OUT_EMPTIED : SLOT_OUT_RETRY_DUE;
}

static slot_outcome_t retry_abort(slot_t *s, const char *reason)
{
    (void)s;
    (void)reason;
    return SLOT_OUT_ABORTED;
}

const slot_stage_ops_t slot_stage_retry = {
    .name = "retry", .enter = retry_enter, .timeout = retry_timeout, .abort = retry_abort};

/* FINISHED: the attempt wrote "recording…" (slot_verdict.c); SAME_MODULE: the module
 * that finished here is back, its verdict shown again: a FAIL that reboots back into
 * the slot must not turn into "idle" on the operator's screen. */
static slot_outcome_t done_enter(slot_t *s, slot_outcome_t why)
{
    rest_close_all(s);
    if (s->service.off) /* taken out of service while its attempt ran */
        return SLOT_OUT_SERVICE_OFF;
    if (why == SLOT_OUT_SAME_MODULE || (why == SLOT_OUT_FINISHED && !s->recording &&
                                        s->last.show != SLOT_SHOW_RUNNING)) {
        s->view.show = s->last.show;
        fota_copy(s->view.result, sizeof s->view.result, s->last.result);
    }
    return SLOT_OUT_NONE;
}

/* Its AT port's link: back after the final reboot (identified again: the same module
 * stays done), or gone with the module (the row keeps its result). */
static slot_outcome_t done_at_link(slot_t *s, bool present)
{
    if (!present)
        return s->present ? SLOT_OUT_NONE : SLOT_OUT_PULLED;
    return s->line->stopping || s->line->draining ? SLOT_OUT_NONE : SLOT_OUT_APPEARED;
}

const slot_stage_ops_t slot_stage_done = {
    .name = "done", .enter = done_enter, .at_link = done_at_link, .abort = rest_abort};

static slot_outcome_t ignored_enter(slot_t *s, slot_outcome_t why)
{
    (void)why;
    rest_close_all(s);
    s->view.show = SLOT_SHOW_IDLE;
    return SLOT_OUT_NONE;
}

const slot_stage_ops_t slot_stage_ignored = {
    .name = "ignored", .enter = ignored_enter, .abort = rest_abort};

const slot_stage_ops_t slot_stage_alias = {
    .name = "alias", .enter = ignored_enter, .abort = rest_abort};

/* The finished module's links are all gone: its own reboot (a module that failed
 * comes back on its old firmware within its reboot timeout, and is recognised), or
 * the operator pulled it. Its verdict stays on the row, "removed", that long; then
 * the slot is empty. A link that appears meanwhile starts again (slot_link). */
static slot_outcome_t away_enter(slot_t *s, slot_outcome_t why)
{
    (void)why;
    rest_close_all(s);
    unsigned hold = fota_await_reboot_ms(s->line->profiles, s->hint, &s->line->job->timeouts);
    s->deadline = slot_now(s) + (int64_t)hold;
    return SLOT_OUT_NONE;
}

static slot_outcome_t away_timeout(slot_t *s)
{
    return s->present ? SLOT_OUT_NONE : SLOT_OUT_REMOVED;
}

const slot_stage_ops_t slot_stage_away = {
    .name = "away", .enter = away_enter, .timeout = away_timeout, .abort = rest_abort};

/* Out of service: every port let go, links only recorded; the row says why. */
static slot_outcome_t off_enter(slot_t *s, slot_outcome_t why)
{
    (void)why;
    rest_close_all(s);
    slot_logf(s, "%s: %s%s", s->name, s->service.reason,
              s->present ? "; the module in it is not touched" : "");
    memset(&s->view, 0, sizeof s->view);
    s->view.percent = -1;
    s->view.show = SLOT_SHOW_IDLE;
    fota_copy(s->view.phase, sizeof s->view.phase, "out of service");
    fota_copy(s->view.result, sizeof s->view.result, s->service.reason);
    return SLOT_OUT_NONE;
}

const slot_stage_ops_t slot_stage_off = {
    .name = "off", .deaf = true, .enter = off_enter, .abort = rest_abort};
