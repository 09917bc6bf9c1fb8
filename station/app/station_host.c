/* The slots' host (slot.h's slot_host_t): the only way a slot reaches the loop, its
 * ports, the results database, its transcript file, ModemManager and the central
 * database. Every callback into a slot (a port's bytes, its timer, ModemManager's
 * or the central database's answer) is followed by station_after: the slot's timer
 * from slot_deadline, then the line's limits and the exit checks, once.
 *
 * ModemManager leaves a module alone from the moment the station starts on it (its
 * interfaces appeared: the settle wait) until the attempt's result is committed, and
 * so across every reboot of the module during the attempt: ModemManager remembers an
 * inhibited device by its USB path, which the module keeps when it re-enumerates on
 * the same hub port. Asking later (at the attempt's start, after the IMEI probe)
 * would let ModemManager's own probe race the station's `AT` and `AT+GSN` even for a
 * module it knows already. (A module it has not exported yet is refused until it
 * has, see mm_inhibit.c: the station goes on and the hold comes when ModemManager
 * allows it.) A module that gets no attempt is given back at the next tick.
 *
 * Rework with --central: the newest verdict from any station decides; when the
 * central database cannot be reached, the job's rework_offline decides (refuse: the
 * module is held with a visible reason and asked about again; local: this station's
 * own history, with a warning). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "await.h"
#include "fd_budget.h"
#include "station_int.h"
#include "translog.h"
#include "util.h"

#define CENTRAL_RETRY_MS 5000 /* refuse: ask the central database again after this */

#define SS(ctx_s) station_slot_of(ctx_s)

/* ---- time and words ----------------------------------------------------------- */

static int64_t host_now(void *ctx)
{
    return station_now(ctx);
}

static int64_t host_wall(void *ctx)
{
    return station_wall(ctx);
}

static void host_log(void *ctx, const char *line)
{
    station_log(ctx, "%s", line);
}

static void host_changed(void *ctx, slot_t *s)
{
    (void)ctx;
    (void)s; /* the dashboard redraws on its tick */
}

/* ---- ports -------------------------------------------------------------------- */

static void port_data_cb(void *ctx, const uint8_t *d, size_t n)
{
    struct station_port_ref *r = ctx;
    slot_port_data(&r->ss->slot, r->i, d, n);
    station_after(r->ss->st, &r->ss->slot);
}

static void port_drained_cb(void *ctx)
{
    struct station_port_ref *r = ctx;
    slot_port_drained(&r->ss->slot, r->i);
    station_after(r->ss->st, &r->ss->slot);
}

static void port_gone_cb(void *ctx, int err)
{
    struct station_port_ref *r = ctx;
    slot_t *s = &r->ss->slot;
    (void)err;
    bool at = (int)r->i == s->at;
    slot_port_gone(s, r->i);
    if (at) /* did the link change? the watch tells */
        fota_watch_rescan(r->ss->st->watch);
    station_after(r->ss->st, s);
}

static int host_port_open(void *ctx, slot_t *s, size_t i)
{
    station_t *st = ctx;
    station_slot_t *ss = SS(s);
    ss->refs[i].ss = ss;
    ss->refs[i].i = i;
    fota_port_cbs_t cbs = {&ss->refs[i], port_data_cb, port_drained_cb, port_gone_cb};
    int rc = fota_port_open(st->loop, s->ifs[i].tty, &cbs, &ss->ports[i]);
    if (rc < 0)
        ss->ports[i] = NULL;
    return rc;
}

static int host_port_write(void *ctx, slot_t *s, size_t i, const uint8_t *d, size_t n)
{
    (void)ctx;
    fota_port_t *p = SS(s)->ports[i];
    return p ? fota_port_write(p, d, n) : FOTA_E_STATE;
}

static int host_port_flow(void *ctx, slot_t *s, size_t i, bool on)
{
    (void)ctx;
    fota_port_t *p = SS(s)->ports[i];
    return p ? fota_port_set_flow(p, on) : FOTA_E_STATE;
}

static void host_port_close(void *ctx, slot_t *s, size_t i)
{
    (void)ctx;
    station_slot_t *ss = SS(s);
    if (ss->ports[i]) {
        fota_port_close(ss->ports[i]);
        ss->ports[i] = NULL;
    }
}

static void host_port_held(void *ctx, slot_t *s, size_t i)
{
    fota_lock_holder_t h;
    char who[160], name[4 * NAME_MAX + 1];
    fota_port_holder(s->ifs[i].tty, &h);
    station_log(ctx, "%s: %s (%s) is held by %s: not used while it is", s->name, s->ifs[i].tty,
                fota_printable(s->ifs[i].link_name, name, sizeof name),
                fota_lock_holder_words(&h, who, sizeof who));
}

static void host_fd_short(void *ctx, slot_t *s, size_t i)
{
    station_fds_short(ctx, s->name, s->ifs[i].tty);
}

static void host_port_refused(void *ctx, slot_t *s, size_t i, int err)
{
    station_t *st = ctx;
    char name[4 * NAME_MAX + 1];
    st->ports_unopened++;
    station_log(st, "%s: cannot open %s (%s): %s%s", s->name, s->ifs[i].tty,
                fota_printable(s->ifs[i].link_name, name, sizeof name), fota_strerror(err),
                err == FOTA_E_ACCES ? " (add the station's user to the group that owns the "
                                      "port, or install the udev rule)"
                                    : "");
}

/* ---- rows and transcripts ----------------------------------------------------- */

/* Until its INSERT commits, a row has no id: the transcript file is named "…--1.log"
 * and renamed once the id is known (station_db.c). */
static void translog_open(station_t *st, station_slot_t *ss, int64_t id, int64_t wall)
{
    ss->translog_path[0] = '\0';
    if (!st->opts->log_dir)
        return;
    ss->translog = fota_translog_open(st->opts->log_dir, ss->slot.name, id, wall,
                                      ss->translog_path, sizeof ss->translog_path);
    if (!ss->translog) {
        char words[160];
        int e = errno;
        station_log(st, "%s: transcript file %s not written: %s (the database keeps the "
                        "transcript)", ss->slot.name, ss->translog_path,
                    e == EMFILE || e == ENFILE ? fota_fd_words(words, sizeof words) : strerror(e));
        ss->translog_path[0] = '\0';
    }
}

static slot_row_t *host_row_begin(void *ctx, slot_t *s, const fota_attempt_t *a)
{
    station_t *st = ctx;
    fota_results_attempt_t *h = fota_results_begin(st->results, a, SS(s));
    if (h)
        translog_open(st, SS(s), fota_results_attempt_id(h), a->started_at_ms);
    return h;
}

static int64_t host_row_id(void *ctx, slot_row_t *row)
{
    (void)ctx;
    return fota_results_attempt_id(row);
}

static bool host_row_pending(void *ctx, slot_row_t *row)
{
    station_t *st = ctx;
    return !fota_results_identified(row) && fota_results_writing(st->results);
}

static void host_row_identify(void *ctx, slot_t *s, slot_row_t *row, const fota_attempt_t *a)
{
    station_t *st = ctx;
    (void)s;
    fota_results_identify(st->results, row, a);
}

static void host_row_event(void *ctx, slot_t *s, slot_row_t *row, fota_trace_dir_t dir,
                           const char *text)
{
    station_t *st = ctx;
    int64_t wall = station_wall(st); /* events and transcript lines are dated */
    fota_results_event(st->results, row, wall, dir, text);
    fota_translog_line(SS(s)->translog, wall, dir, text);
}

static int host_row_finish(void *ctx, slot_t *s, slot_row_t *row, const fota_attempt_t *a)
{
    station_t *st = ctx;
    station_slot_t *ss = SS(s);
    int rc = fota_results_finish(st->results, row, a);
    if (ss->translog) {
        fota_translog_line(ss->translog, a->finished_at_ms, FOTA_TRACE_INFO,
                           fota_result_name(a->result));
        fclose(ss->translog);
        ss->translog = NULL;
    }
    return rc;
}

static bool host_rows_failing(void *ctx)
{
    return fota_results_failing(((station_t *)ctx)->results);
}

/* ---- rework ------------------------------------------------------------------- */

typedef struct {
    station_t *st;
    station_slot_t *ss;
    char imei[32];
} ticket_t;

static void central_answer(void *ctx, int found, fota_result_t result, const char *why)
{
    ticket_t *t = ctx;
    station_t *st = t->st;
    station_slot_t *ss = t->ss;
    slot_t *s = &ss->slot;
    /* Slots are freed only at shutdown; a module swapped meanwhile is stale. */
    if (!st->stopped && s->a && strcmp(s->view.imei, t->imei) == 0 && ss->central_ask == 1) {
        ss->central_ask = 2;
        ss->central_found = found;
        ss->central_result = result;
        if (found < 0) {
            ss->central_retry_ms = station_now(st) + CENTRAL_RETRY_MS;
            station_log(st, "%s: central database unreachable for the rework decision of %s: %s",
                        s->name, t->imei, why);
        }
        slot_rework_ready(s);
        station_after(st, s);
    }
    free(t);
}

static int central_ask(station_t *st, station_slot_t *ss, const char *imei)
{
    ticket_t *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->st = st;
    t->ss = ss;
    fota_copy(t->imei, sizeof t->imei, imei);
    if (fota_central_rework_ask(st->rework_central, imei, central_answer, t) < 0) {
        free(t);
        return -1;
    }
    ss->central_ask = 1;
    fota_copy(ss->slot.view.phase, sizeof ss->slot.view.phase,
              "rework: asking the central database");
    return 0;
}

/* Like fota_results_latest, from the central database first. */
static int central_latest(station_t *st, station_slot_t *ss, const char *imei,
                          fota_result_t *out)
{
    slot_t *s = &ss->slot;
    if (ss->central_ask == 0 || (ss->central_ask == 2 && ss->central_found < 0 &&
                                 station_now(st) >= ss->central_retry_ms)) {
        if (central_ask(st, ss, imei) < 0)
            return fota_results_latest(st->results, imei, out);
        return FOTA_E_STATE;
    }
    if (ss->central_ask == 1)
        return FOTA_E_STATE; /* answer pending */
    if (ss->central_found == 1) {
        *out = ss->central_result;
        return 1;
    }
    if (ss->central_found == 0) /* never shipped from anywhere: this file may know it */
        return fota_results_latest(st->results, imei, out);
    if (st->job->rework_offline_local) {
        if (!ss->central_warned)
            station_log(st, "%s: WARNING: central database offline; rework decision for %s from "
                            "this station's history only (rework_offline: local)", s->name, imei);
        ss->central_warned = true;
        return fota_results_latest(st->results, imei, out);
    }
    /* refuse: held with a visible reason, asked again later. */
    fota_copy(s->view.phase, sizeof s->view.phase,
              "held: central database offline (rework_offline: refuse)");
    return FOTA_E_STATE;
}

static int host_rework_latest(void *ctx, slot_t *s, const char *imei, fota_result_t *out)
{
    station_t *st = ctx;
    if (st->rework_central)
        return central_latest(st, SS(s), imei, out);
    int found = fota_results_latest(st->results, imei, out);
    if (found == FOTA_E_STATE && !s->a->rework_wait) /* asked again every tick */
        station_log(st, "%s: rework decision waits for the results database", s->name);
    return found;
}

/* ---- adoption ----------------------------------------------------------------- */

/* A module whose attempt the restart closed says so in its new row ("adopted:
 * attempt N was interrupted by a restart"). */
static void host_adopt(void *ctx, slot_t *s, const char *imei)
{
    station_t *st = ctx;
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
        if (s->a)
            host_row_event(st, s, s->a->row, FOTA_TRACE_INFO, note);
        station_log(st, "%s: %s", s->name, note);
    }
}

size_t station_host_adopt_start(station_t *st)
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
        slot_t *s = station_host_slot(st, r->slot, true);
        if (!s)
            continue;
        slot_await_until(s, until);
        waited++;
        station_log(st, "%s: attempt %lld (IMEI %s) was interrupted by the restart; its module "
                        "is waited for up to %.0f s (its reboot timeout)", s->name,
                    (long long)r->id, r->imei[0] ? r->imei : "not read", (double)hold / 1000.0);
    }
    return waited;
}

/* ---- ModemManager ------------------------------------------------------------- */

static void mm_answer_cb(void *ctx)
{
    station_slot_t *ss = ctx;
    slot_mm_answer(&ss->slot);
    station_after(ss->st, &ss->slot);
}

static void host_mm_hold(void *ctx, slot_t *s)
{
    station_t *st = ctx;
    station_slot_t *ss = SS(s);
    if (!st->mm)
        return;
    char uid[sizeof ss->mm_uid] = "";
    /* Only a USB device a profile knows: an adapter that is no module is never taken
     * from ModemManager, not even for the settle wait. */
    for (size_t i = 0; i < s->n_ifs && !uid[0]; i++) {
        const slot_if_t *f = &s->ifs[i];
        if (f->present && f->id.usb &&
            fota_profile_set_match_usb(&st->profiles, f->id.vid, f->id.pid, -1))
            fota_mm_tty_uid(f->tty, uid, sizeof uid);
    }
    if (!uid[0])
        return; /* a pty, a UART, an unknown adapter: nothing to ask */
    if (ss->mm_uid[0] && strcmp(ss->mm_uid, uid) != 0)
        fota_mm_release(st->mm, ss->mm_uid);
    fota_copy(ss->mm_uid, sizeof ss->mm_uid, uid);
    fota_mm_hold(st->mm, uid, s->name, mm_answer_cb, ss);
}

static bool host_mm_answered(void *ctx, slot_t *s)
{
    station_t *st = ctx;
    station_slot_t *ss = SS(s);
    return !ss->mm_uid[0] || fota_mm_answered(st->mm, ss->mm_uid);
}

/* Gives the module back once nothing runs on it any more. */
void station_host_mm_sync(station_slot_t *ss)
{
    station_t *st = ss->st;
    if (!ss->mm_uid[0] || (!st->stopped && slot_wants_module(&ss->slot)))
        return;
    fota_mm_release(st->mm, ss->mm_uid);
    ss->mm_uid[0] = '\0';
}

static void station_mm_log(void *ctx, const char *line)
{
    station_log(ctx, "%s", line);
}

void station_host_mm_start(station_t *st)
{
    if (!st->opts->no_modem_manager)
        st->mm = fota_mm_new(st->loop, station_mm_log, st);
}

/* ---- the slots ---------------------------------------------------------------- */

static void slot_timer_cb(uv_timer_t *t)
{
    station_slot_t *ss = t->data;
    slot_timer(&ss->slot);
    station_after(ss->st, &ss->slot);
}

void station_host_arm(station_slot_t *ss)
{
    if (ss->st->stopped)
        return;
    int64_t d = slot_deadline(&ss->slot);
    if (d == INT64_MAX) {
        uv_timer_stop(&ss->timer);
        return;
    }
    int64_t now = station_now(ss->st);
    uv_timer_start(&ss->timer, slot_timer_cb, d > now ? (uint64_t)(d - now) : 0, 0);
}

static slot_t *station_host_slot_new(station_t *st, const char *name)
{
    station_slot_t *ss = calloc(1, sizeof *ss);
    if (!ss)
        return NULL;
    ss->st = st;
    slot_init(&ss->slot, &st->line, name);
    ss->slot.host_data = ss;
    fota_printable(name, ss->label, sizeof ss->label);
    uv_timer_init(st->loop, &ss->timer);
    ss->timer.data = ss;
    return &ss->slot;
}

static int slot_cmp_name(const void *key, const void *elem)
{
    return strcmp(key, (*(slot_t *const *)elem)->name);
}

slot_t *station_host_slot(station_t *st, const char *name, bool create)
{
    slot_t **f = st->n_slots ? bsearch(name, st->slots, st->n_slots, sizeof *st->slots,
                                       slot_cmp_name)
                             : NULL;
    if (f)
        return *f;
    if (!create)
        return NULL;
    slot_t *s = station_host_slot_new(st, name);
    if (!s)
        return NULL;
    slot_t **v = realloc(st->slots, (st->n_slots + 1) * sizeof *v);
    if (!v) {
        station_host_close(station_slot_of(s));
        return NULL;
    }
    st->slots = v;
    size_t i = st->n_slots;
    while (i > 0 && strcmp(st->slots[i - 1]->name, name) > 0) {
        st->slots[i] = st->slots[i - 1];
        i--;
    }
    st->slots[i] = s;
    st->n_slots++;
    st->line.slots = st->slots;
    st->line.n_slots = st->n_slots;
    return s;
}

static void slot_timer_closed_cb(uv_handle_t *h)
{
    free(h->data);
}

void station_host_close(station_slot_t *ss)
{
    slot_free(&ss->slot);
    if (ss->translog) {
        fclose(ss->translog);
        ss->translog = NULL;
    }
    uv_close((uv_handle_t *)&ss->timer, slot_timer_closed_cb);
}

void station_host_init(station_t *st)
{
    st->host = (slot_host_t){
        .ctx = st,
        .now = host_now,
        .wall = host_wall,
        .log = host_log,
        .port_open = host_port_open,
        .port_write = host_port_write,
        .port_flow = host_port_flow,
        .port_close = host_port_close,
        .port_held = host_port_held,
        .fd_short = host_fd_short,
        .port_refused = host_port_refused,
        .row_begin = host_row_begin,
        .row_id = host_row_id,
        .row_pending = host_row_pending,
        .row_identify = host_row_identify,
        .row_event = host_row_event,
        .row_finish = host_row_finish,
        .rows_failing = host_rows_failing,
        .rework_latest = host_rework_latest,
        .adopt = host_adopt,
        .mm_hold = host_mm_hold,
        .mm_answered = host_mm_answered,
        .changed = host_changed,
        .power = station_host_power,
    };
    slot_line_t *l = &st->line;
    l->host = &st->host;
    l->profiles = &st->profiles;
    l->job = st->job;
    l->mcfg.profiles = &st->profiles;
    l->mcfg.job = st->job;
    l->mcfg.timeouts_override = &st->job->timeouts;
    l->sched = &st->sched;
    l->batch = st->batch;
    l->operator_id = st->opts->operator_id;
    l->rework = st->opts->rework;
    l->allow_new = st->opts->allow_new;
    l->log_progress = !st->dashboard;
}

/* The operator's power cycle of a slot (the key `p`): refused while an attempt runs,
 * so never during an update (slot_power_request), with no link, or while cycling. */
bool station_power_cycle(station_t *st, const char *slot_name)
{
    slot_t *s = station_host_slot(st, slot_name, false);
    if (!s || !slot_power_request(s))
        return false;
    station_after(st, s);
    return true;
}

void station_power_key(station_t *st, slot_t *s)
{
    if (s && !station_power_cycle(st, s->name))
        station_log(st, "p: slot %s not power-cycled: %s", station_slot_of(s)->label,
                    s->a ? "an attempt runs (never during an upgrade)"
                    : !s->present ? "no module link in it" : "it is being power-cycled");
}
