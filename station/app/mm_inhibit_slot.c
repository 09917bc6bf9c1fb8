/* When the station asks ModemManager to leave a slot's module alone, and when it gives
 * the module back (mm_inhibit.h does the asking).
 *
 * Held from the moment the station starts on a module (its interfaces appeared: the
 * settle wait) until the attempt's result is committed, and so across every reboot
 * of the module during the attempt: ModemManager remembers an inhibited device by
 * its USB path, which the module keeps when it re-enumerates on the same hub port.
 * Why the settle start: it is the station's first step on the module, so the request
 * travels while the interfaces settle; the first `AT` (slot_choose.c) waits for the
 * answer only when the settle was shorter than the round trip, and never longer than
 * MM_ANSWER_WAIT_MS. Asking later (at the attempt's start, after the IMEI probe)
 * would let ModemManager's own probe race the station's `AT` and `AT+GSN` even for
 * a module it knows already. (A module it has not exported yet is refused until it
 * has, see mm_inhibit.c: waiting for that would delay every module by seconds, so
 * the station goes on and the hold comes when ModemManager allows it.) A module
 * that gets no attempt (not a module, another port of one, the same module back) is
 * given back at the next tick. */
#include <string.h>

#include "station_int.h"
#include "util.h"

/* A healthy ModemManager answers in milliseconds; a hung one never delays a module
 * more than this. */
#define MM_ANSWER_WAIT_MS 1000

static void slot_mm_answer(void *ctx)
{
    slot_t *s = ctx;
    if (s->mm_deferred && s->state == SLOT_SETTLING && !s->closing) {
        uv_timer_stop(&s->timer);
        slot_choose_timeout(s); /* the choice goes on now (see slot_mm_defer) */
    }
}

void slot_mm_hold(slot_t *s)
{
    station_t *st = s->st;
    s->mm_deferred = false;
    if (!st->mm)
        return;
    char uid[sizeof s->mm_uid] = "";
    /* Only a USB device a profile knows: an adapter that is no module is never
     * taken from ModemManager, not even for the settle wait. */
    for (size_t i = 0; i < s->n_ifs && !uid[0]; i++) {
        const slot_if_t *f = &s->ifs[i];
        if (f->present && f->info.usb &&
            fota_profile_set_match_usb(&st->profiles, f->info.vid, f->info.pid, -1))
            fota_mm_tty_uid(f->link.target, uid, sizeof uid);
    }
    if (!uid[0])
        return; /* a pty, a UART, an unknown adapter: nothing to ask */
    if (s->mm_uid[0] && strcmp(s->mm_uid, uid) != 0)
        fota_mm_release(st->mm, s->mm_uid);
    fota_copy(s->mm_uid, sizeof s->mm_uid, uid);
    fota_mm_hold(st->mm, uid, s->name, slot_mm_answer, s);
}

bool slot_mm_defer(slot_t *s)
{
    if (s->mm_deferred) { /* waited MM_ANSWER_WAIT_MS already: go on without */
        s->mm_deferred = false;
        return false;
    }
    if (!s->mm_uid[0] || fota_mm_answered(s->st->mm, s->mm_uid))
        return false;
    s->mm_deferred = true;
    uv_timer_start(&s->timer, slot_timer_cb, MM_ANSWER_WAIT_MS, 0);
    return true;
}

/* Something still runs on the module: choosing its AT port, its IMEI probe, an
 * attempt (through its reboots), or its result waiting to be committed. */
static bool slot_mm_wanted(const slot_t *s)
{
    if (s->closing || s->st->stopped)
        return false;
    return s->m || s->att || s->recording || s->state == SLOT_SETTLING ||
           s->state == SLOT_CHOOSING || s->state == SLOT_PROBING;
}

void slot_mm_sync(slot_t *s)
{
    if (!s->mm_uid[0] || slot_mm_wanted(s))
        return;
    fota_mm_release(s->st->mm, s->mm_uid);
    s->mm_uid[0] = '\0';
}

static void station_mm_log(void *ctx, const char *line)
{
    station_log(ctx, "%s", line);
}

void station_mm_start(station_t *st)
{
    if (!st->opts->no_modem_manager)
        st->mm = fota_mm_new(st->loop, station_mm_log, st);
}

void station_mm_tick(station_t *st)
{
    for (size_t i = 0; i < st->n_slots; i++)
        slot_mm_sync(st->slots[i]);
}
