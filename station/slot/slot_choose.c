/* Which of a module's tty interfaces is its AT port.
 *
 * A Quectel module on a hub shows 4 to 6 ttys (DM, NMEA, AT, modem, …) and two of them
 * may answer AT. The station talks to exactly one of them, so one module never gets
 * two attempts or two package transfers at once:
 *   1. settle: a newly plugged module's interfaces appear over a few seconds
 *      (timeouts.ports_settle of its profile, 3 s unless a profile or the job says
 *      otherwise); the choice waits for them, unless the profile's known AT interface
 *      is already there;
 *   2. candidates: a USB interface is a candidate when a profile lists its vendor and
 *      product and the interface is that product's AT interface (or the profile says
 *      the AT interface is unknown); a non-Quectel adapter has none; a port with no
 *      USB identity (a pty, a UART) is a candidate;
 *   3. choose: `AT` on every candidate in rounds of PROBE_TIMEOUT_MS (every fifth
 *      round a longer silence, see round_wait_ms) until timeouts.probe; the lowest-numbered interface that answers is the AT port. The
 *      interface chosen for the previous module in this slot is asked alone first, so
 *      a module back from its reboot is asked on its own AT port and nowhere else.
 * The chosen port's handle is kept for the attempt; every other interface is closed
 * and never written to again. */
#include <stdio.h>
#include <string.h>

#include "station_int.h"
#include "util.h"

static const char *const at_cmd[] = {"AT"};

static const fota_timeouts_t *job_timeouts(const slot_t *s)
{
    return &s->st->job->timeouts;
}

/* The module's profile by its USB IDs (any of its interfaces), or NULL. */
static const fota_profile_t *slot_usb_profile(const slot_t *s, uint16_t *pid)
{
    for (size_t i = 0; i < s->n_ifs; i++) {
        const slot_if_t *f = &s->ifs[i];
        if (!f->present || !f->info.usb)
            continue;
        const fota_profile_t *p =
            fota_profile_set_match_usb(&s->st->profiles, f->info.vid, f->info.pid, -1);
        if (p) {
            *pid = f->info.pid;
            return p;
        }
    }
    return NULL;
}

bool slot_if_is_candidate(slot_t *s, const slot_if_t *f)
{
    if (!f->present)
        return false;
    if (!f->info.usb)
        return true; /* a pty or a UART: only `AT` tells */
    return fota_profile_set_match_usb(&s->st->profiles, f->info.vid, f->info.pid, f->num) != NULL;
}

static bool slot_has_if(const slot_t *s, int num)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        if (s->ifs[i].present && s->ifs[i].num == num)
            return true;
    return false;
}

static unsigned slot_settle_ms(const slot_t *s)
{
    if (s->n_ifs == 1 && s->ifs[0].num < 0)
        return 0; /* a link of no USB shape is a slot of its own: nothing more will come */
    uint16_t pid = 0;
    const fota_profile_t *p = slot_usb_profile(s, &pid);
    int at = fota_profile_usb_at_interface(p, pid);
    if (at >= 0 && slot_has_if(s, at))
        return 0; /* the profile names the AT interface and it is there */
    return fota_timeouts_effective(p, job_timeouts(s)).ports_settle_ms;
}

void slot_choose_cancel(slot_t *s)
{
    for (size_t i = 0; i < s->n_ifs; i++) {
        slot_if_t *f = &s->ifs[i];
        if (f->port) {
            fota_port_close(f->port);
            f->port = NULL;
        }
        f->candidate = f->answered = false;
    }
    if (s->state == SLOT_SETTLING || s->state == SLOT_CHOOSING)
        uv_timer_stop(&s->timer);
}

void slot_settle_start(slot_t *s)
{
    station_t *st = s->st;
    if (s->m)
        return;
    slot_choose_cancel(s);
    if (s->state == SLOT_PROBING) {
        slot_port_drop(s);
        uv_timer_stop(&s->timer);
    }
    s->at = -1;
    uv_timer_stop(&s->reopen);
    if (!s->present || st->stopping || st->draining) {
        if (s->state != SLOT_DONE)
            slot_set_state(s, SLOT_EMPTY, s->present ? FOTA_DASH_IDLE : FOTA_DASH_EMPTY);
        return;
    }
    slot_set_state(s, SLOT_SETTLING, FOTA_DASH_PROBING);
    s->result[0] = '\0';
    slot_mm_hold(s); /* asked now: the answer travels while the interfaces settle */
    uv_timer_start(&s->timer, slot_timer_cb, slot_settle_ms(s), 0);
}

/* ---- candidates' ports ------------------------------------------------------- */

static void choose_decide(slot_t *s, bool round_over);
static void choose_give_up(slot_t *s, const char *why);

static void if_data(void *ctx, const uint8_t *d, size_t n)
{
    slot_if_t *f = ctx;
    slot_t *s = f->slot;
    if (s->state != SLOT_CHOOSING || f->answered)
        return;
    if (fota_query_feed(&f->query, d, n) && !f->query.failed) {
        f->answered = true;
        choose_decide(s, false);
    }
}

static void if_gone(void *ctx, int err)
{
    slot_if_t *f = ctx;
    (void)err;
    if (f->port) {
        fota_port_close(f->port);
        f->port = NULL;
    }
    f->answered = false; /* re-enumerating: asked again next round if it comes back */
}

static const char *open_advice(int rc)
{
    return rc == FOTA_E_ACCES ? " (add the station's user to the group that owns the "
                                "port, or install the udev rule)"
                              : "";
}

static bool if_open(slot_t *s, slot_if_t *f)
{
    if (f->port)
        return true;
    fota_port_cbs_t cbs = {f, if_data, NULL, if_gone};
    int rc = fota_port_open(s->st->loop, f->link.target, &cbs, &f->port);
    if (rc == 0) {
        f->open_error = 0;
        return true;
    }
    f->port = NULL;
    if (rc == FOTA_E_NOENT)
        return false; /* the tty is not there yet: next round */
    if (rc == FOTA_E_MFILE) {
        /* The station has no descriptor left: nothing about this port. It stays a
         * candidate, asked again in a later round (choose_round gives the others
         * back meanwhile); the log says so, not "i/o error". */
        f->open_error = rc;
        s->fd_starved = true;
        station_fds_short(s->st, s->name, f->link.target);
        return false;
    }
    if (rc == FOTA_E_BUSY) {
        /* Another process holds it (a terminal program, a probe): never written to;
         * asked again next round, said once while it lasts. */
        if (f->open_error != rc)
            slot_log_port_held(s, f->link.target, f->link_name);
        f->open_error = rc;
        return false;
    }
    /* Permission denied, not a terminal: no later round changes that. Said once,
     * counted in the summary; the interface is asked again only when its link
     * changes. */
    f->candidate = false;
    if (rc != f->open_error) {
        s->st->ports_unopened++;
        char name[4 * NAME_MAX + 1];
        station_log(s->st, "%s: cannot open %s (%s): %s%s", s->name, f->link.target,
                    fota_printable(f->link_name, name, sizeof name), fota_strerror(rc),
                    open_advice(rc));
    }
    f->open_error = rc;
    return false;
}

/* The first round asks only the interface the previous module used here. */
static bool round_member(const slot_t *s, const slot_if_t *f)
{
    if (!f->candidate)
        return false;
    if (s->choose_round == 0 && s->last_at_num >= 0) {
        for (size_t i = 0; i < s->n_ifs; i++)
            if (s->ifs[i].candidate && s->ifs[i].num == s->last_at_num)
                return f->num == s->last_at_num;
    }
    return true;
}

/* The longest AT+QFUPL <timeout> of the module's profile, or of every profile while
 * the module is unknown (a pty, a UART): the silence after which a module still in
 * an upload's data mode gives the upload up and reads AT again. */
static unsigned upload_silence_ms(const slot_t *s)
{
    const fota_profile_set_t *set = &s->st->profiles;
    unsigned longest = 0;
    for (size_t i = 0; i < set->n; i++) {
        const fota_profile_t *p = set->v[i];
        unsigned t = (unsigned)p->methods[FOTA_METHOD_LOCAL].upload_timeout_s * 1000u;
        if ((!s->hint || p == s->hint) && t > longest)
            longest = t;
    }
    return longest;
}

/* How long one round waits for answers. A booting module answers within a round of
 * its AT interpreter coming up, so rounds are short. But a module that a killed or
 * unplugged-from station left inside an AT+QFUPL upload takes every `AT` as file
 * data, and each one restarts its data timeout: asked every round, it would never
 * leave data mode. Every fifth round is therefore a silence longer than that
 * timeout, after which the module has closed the upload and answers. */
static unsigned round_wait_ms(const slot_t *s)
{
    if (s->choose_round % 5 != 4)
        return PROBE_TIMEOUT_MS;
    unsigned silence = upload_silence_ms(s) + 1000u;
    return silence > PROBE_TIMEOUT_MS ? silence : PROBE_TIMEOUT_MS;
}

/* A round that could not open every candidate for want of descriptors gives back
 * the ports it did open: modules that each hold part of their interfaces would
 * otherwise wait for each other forever. The round is tried again, and the time
 * spent waiting for descriptors does not count against timeouts.probe. */
static bool choose_starved(slot_t *s)
{
    if (!s->fd_starved)
        return false;
    s->fd_starved = false;
    for (size_t i = 0; i < s->n_ifs; i++) {
        slot_if_t *f = &s->ifs[i];
        if (f->port) {
            fota_port_close(f->port);
            f->port = NULL;
        }
        f->answered = false;
    }
    s->choose_started_ms = station_now(s->st);
    unsigned spread = 0; /* slots starved together do not all retry at once */
    for (const char *c = s->name; *c; c++)
        spread = spread * 31u + (unsigned char)*c;
    uv_timer_start(&s->timer, slot_timer_cb, FD_RETRY_MS + spread % 1000u, 0);
    return true;
}

static void choose_round(slot_t *s)
{
    s->fd_starved = false;
    for (size_t i = 0; i < s->n_ifs && !s->fd_starved; i++) {
        slot_if_t *f = &s->ifs[i];
        if (!f->present || !round_member(s, f) || f->answered || !if_open(s, f))
            continue;
        fota_query_init(&f->query, at_cmd, 1);
        fota_port_write(f->port, (const uint8_t *)"AT\r", 3);
    }
    if (choose_starved(s))
        return;
    bool left = false;
    for (size_t i = 0; i < s->n_ifs; i++)
        left |= s->ifs[i].candidate;
    if (!left) {
        choose_give_up(s, "no port that can be opened");
        return;
    }
    uv_timer_start(&s->timer, slot_timer_cb, round_wait_ms(s), 0);
}

static void choose_give_up(slot_t *s, const char *why)
{
    slot_choose_cancel(s);
    slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
    char list[160] = "";
    size_t len = 0;
    for (size_t i = 0; i < s->n_ifs && len < sizeof list; i++)
        if (s->ifs[i].present)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                                    s->ifs[i].link.target);
    fota_copy(s->result, sizeof s->result, why);
    station_log(s->st, "%s: %s (%s); ignored until a link changes", s->name, why,
                list[0] ? list : "-");
    station_check_exit(s->st);
}

static void choose_take(slot_t *s, slot_if_t *f)
{
    fota_port_t *port = f->port;
    f->port = NULL;
    slot_choose_cancel(s);
    s->at = (int)(f - s->ifs);
    s->last_at_num = f->num;
    s->link = f->link;
    s->link_gen++;
    s->port = port;
    fota_port_cbs_t cbs = {s, slot_data, slot_drained, slot_gone};
    fota_port_set_cbs(port, &cbs);
    size_t present = 0;
    for (size_t i = 0; i < s->n_ifs; i++)
        present += s->ifs[i].present;
    if (present > 1)
        station_log(s->st, "%s: AT port %s (interface %d of %zu)", s->name, f->link.target,
                    f->num, present);
    slot_probe_begin(s);
}

/* Lowest-numbered answer wins; decided at once when no lower candidate is pending. */
static void choose_decide(slot_t *s, bool round_over)
{
    slot_if_t *best = NULL;
    for (size_t i = 0; i < s->n_ifs; i++) {
        slot_if_t *f = &s->ifs[i];
        if (f->answered && f->port && (!best || f->num < best->num))
            best = f;
    }
    if (!best)
        return;
    for (size_t i = 0; i < s->n_ifs && !round_over; i++) {
        const slot_if_t *f = &s->ifs[i];
        if (f->port && !f->answered && f->num < best->num && round_member(s, f))
            return; /* a lower interface may still answer in this round */
    }
    choose_take(s, best);
}

static void choose_start(slot_t *s)
{
    uint16_t pid = 0;
    s->hint = slot_usb_profile(s, &pid);
    s->usb = false;
    size_t n = 0;
    const slot_if_t *usb = NULL;
    for (size_t i = 0; i < s->n_ifs; i++) {
        slot_if_t *f = &s->ifs[i];
        f->answered = false;
        f->candidate = slot_if_is_candidate(s, f);
        n += f->candidate;
        if (f->present && f->info.usb) {
            s->usb = true;
            usb = f;
        }
    }
    if (!n) {
        slot_set_state(s, SLOT_IGNORED, FOTA_DASH_IDLE);
        if (usb)
            snprintf(s->result, sizeof s->result, "USB %04x:%04x: not a known module",
                     usb->info.vid, usb->info.pid);
        else
            fota_copy(s->result, sizeof s->result, "no port");
        station_check_exit(s->st);
        return;
    }
    s->choose_started_ms = station_now(s->st);
    s->choose_round = 0;
    slot_set_state(s, SLOT_CHOOSING, FOTA_DASH_PROBING);
    choose_round(s);
}

void slot_choose_timeout(slot_t *s)
{
    if (s->state == SLOT_SETTLING) {
        if (!slot_mm_defer(s)) /* no AT before ModemManager agreed to keep off */
            choose_start(s);
        return;
    }
    choose_decide(s, true);
    if (s->state != SLOT_CHOOSING)
        return;
    unsigned limit = fota_timeouts_effective(s->hint, job_timeouts(s)).probe_ms;
    if (station_now(s->st) - s->choose_started_ms >= (int64_t)limit) {
        bool held = false;
        for (size_t i = 0; i < s->n_ifs; i++)
            held |= s->ifs[i].candidate && s->ifs[i].open_error == FOTA_E_BUSY;
        choose_give_up(s, held ? "no answer to AT; a port is held by another process (see "
                                 "above)"
                               : "no answer to AT: not a module port");
        return;
    }
    s->choose_round++;
    choose_round(s); /* a module may still be booting: ask again */
}
