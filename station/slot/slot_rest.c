/* The stages at rest: nothing is asked of the module. EMPTY (no link, or nothing to
 * do), RETRY (the port dropped before an attempt began: asked again soon), DONE
 * (finished, waiting for a swap), IGNORED (not a module, until a link changes),
 * ALIAS (another port of a module another slot owns). Each lets go of every port on
 * entry; a link that appears or changes starts again (slot_link). */
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

/* A verdict stays on the screen when its module is pulled ("removed"); a slot that
 * was only being looked at shows idle (links left) or empty. */
static slot_outcome_t empty_enter(slot_t *s, slot_outcome_t why)
{
    (void)why;
    rest_close_all(s);
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
        return s->present ? SLOT_OUT_NONE : SLOT_OUT_EMPTIED;
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
