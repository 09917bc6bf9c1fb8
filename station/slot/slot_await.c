/* Modules the station saw that went away before their attempt ended. A hub's power
 * blip takes every link away at once and gives them back seconds later; a station
 * restarted while its modules were in their final reboot finds no link at all. In
 * both cases "no link now" is not "done": --until-idle keeps waiting for such a
 * slot for the module's reboot timeout (await.h). */
#include "await.h"
#include "slot.h"

/* The family of the module last seen here, by the USB IDs of its interfaces (kept
 * after their links went away; the choice's hint may be an earlier module's);
 * NULL for a pty or a UART. */
static const fota_profile_t *await_profile(const slot_t *s)
{
    for (size_t i = 0; i < s->n_ifs; i++) {
        const slot_if_t *f = &s->ifs[i];
        if (!f->id.usb)
            continue;
        const fota_profile_t *p =
            fota_profile_set_match_usb(s->line->profiles, f->id.vid, f->id.pid, -1);
        if (p)
            return p;
    }
    return s->hint;
}

void slot_await_update(slot_t *s, bool was_busy)
{
    const slot_line_t *l = s->line;
    if (s->present) {
        s->await_until_ms = 0;
        return;
    }
    /* A running machine has its own reboot timeout; a finished module was pulled. */
    if (!was_busy || slot_busy(s) || s->stage == SLOT_DONE || l->stopping)
        return;
    unsigned hold = fota_await_reboot_ms(l->profiles, await_profile(s), &l->job->timeouts);
    int64_t now = slot_now(s);
    s->await_until_ms = fota_await_deadline(now, now, hold);
    slot_logf(s, "%s: module went away before its attempt began; waited for up to %.0f s "
                 "(its reboot timeout)", s->name, (double)hold / 1000.0);
}

bool slot_awaited(const slot_t *s, int64_t now)
{
    return s->await_until_ms > now && !s->present && s->stage != SLOT_DONE;
}

bool slot_await_lost(slot_t *s)
{
    if (!s->await_until_ms || s->present || s->stage == SLOT_DONE)
        return false;
    slot_logf(s, "%s: the module that went away did not come back within its reboot timeout; "
                 "nothing recorded for it", s->name);
    s->await_until_ms = 0;
    return true;
}

void slot_await_until(slot_t *s, int64_t until_ms)
{
    if (until_ms > s->await_until_ms)
        s->await_until_ms = until_ms;
}
