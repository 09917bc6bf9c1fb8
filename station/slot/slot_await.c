/* Modules the station saw that went away before their attempt ended. A hub's power
 * blip takes every link away at once and gives them back seconds later; a station
 * restarted while its modules were in their final reboot finds no link at all. In
 * both cases "no link now" is not "done": --until-idle keeps waiting for such a
 * slot for the module's reboot timeout (await.h), and a module whose attempt the
 * restart closed INTERRUPTED is adopted: its new row says so. */
#include <stdlib.h>
#include <string.h>

#include "await.h"
#include "station_int.h"

/* The family of the module last seen here, by the USB IDs of its interfaces (kept
 * after their links went away; the choice's hint may be an earlier module's);
 * NULL for a pty or a UART. */
static const fota_profile_t *slot_await_profile(const slot_t *s)
{
    for (size_t i = 0; i < s->n_ifs; i++) {
        const slot_if_t *f = &s->ifs[i];
        if (!f->info.usb)
            continue;
        const fota_profile_t *p =
            fota_profile_set_match_usb(&s->st->profiles, f->info.vid, f->info.pid, -1);
        if (p)
            return p;
    }
    return s->hint;
}

void slot_await_update(slot_t *s, bool was_busy)
{
    station_t *st = s->st;
    if (s->present) {
        s->await_until_ms = 0;
        return;
    }
    /* A running machine has its own reboot timeout; a finished module was pulled. */
    if (!was_busy || slot_busy(s) || s->m || s->state == SLOT_DONE || st->stopping)
        return;
    unsigned hold = fota_await_reboot_ms(&st->profiles, slot_await_profile(s),
                                         &st->job->timeouts);
    int64_t now = station_now(st);
    s->await_until_ms = fota_await_deadline(now, now, hold);
    station_log(st, "%s: module went away before its attempt began; waited for up to %.0f s "
                    "(its reboot timeout)", s->name, (double)hold / 1000.0);
}

bool slot_awaited(const slot_t *s, int64_t now)
{
    return s->await_until_ms > now && !s->present && s->state != SLOT_DONE;
}

unsigned station_await_lost(station_t *st)
{
    unsigned lost = 0;
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_t *s = st->slots[i];
        if (!s->await_until_ms || s->present || s->state == SLOT_DONE)
            continue;
        station_log(st, "%s: the module that went away did not come back within its reboot "
                        "timeout; nothing recorded for it", s->name);
        s->await_until_ms = 0;
        lost++;
    }
    return lost;
}

size_t station_adopt_start(station_t *st)
{
    const fota_store_running_t *rows;
    size_t n = fota_results_recovered(st->results, &rows), waited = 0;
    if (!n || !(st->adopted = calloc(n, sizeof *st->adopted)))
        return 0;
    int64_t now = station_now(st);
    for (size_t i = 0; i < n; i++) {
        const fota_store_running_t *r = &rows[i];
        const fota_profile_t *p =
            r->family[0] ? fota_profile_set_find_family(&st->profiles, r->family) : NULL;
        unsigned hold = fota_await_reboot_ms(&st->profiles, p, &st->job->timeouts);
        /* Heard from longer ago than its reboot timeout: whatever it did is over. */
        int64_t until = fota_await_deadline(r->heard_ms ? r->heard_ms : now, now, hold);
        if (!r->slot[0] || !until)
            continue;
        slot_t *s = station_slot(st, r->slot, true);
        if (!s)
            continue;
        if (until > s->await_until_ms)
            s->await_until_ms = until;
        waited++;
        station_log(st, "%s: attempt %lld (IMEI %s) was interrupted by the restart; its module "
                        "is waited for up to %.0f s (its reboot timeout)", s->name,
                    (long long)r->id, r->imei[0] ? r->imei : "not read", (double)hold / 1000.0);
    }
    return waited;
}

void slot_adopt_note(slot_t *s, const char *imei)
{
    station_t *st = s->st;
    const fota_store_running_t *rows;
    size_t n = fota_results_recovered(st->results, &rows);
    for (size_t i = 0; i < n && st->adopted; i++) {
        const fota_store_running_t *r = &rows[i];
        /* The same module: its IMEI; a row that never learnt one: the same slot. */
        bool same = r->imei[0] ? imei && strcmp(r->imei, imei) == 0
                               : strcmp(r->slot, s->name) == 0;
        if (st->adopted[i] || !same)
            continue;
        st->adopted[i] = true;
        char note[96];
        snprintf(note, sizeof note, "adopted: attempt %lld was interrupted by a restart",
                 (long long)r->id);
        slot_trace(s, FOTA_TRACE_INFO, note);
        station_log(st, "%s: %s", s->name, note);
    }
}
