/* One slot: the link in the ports directory, its port and the module's FOTA
 * machine, whose actions are executed here (our own AT probe: slot_probe.c). Re-entrancy: a slot can be
 * torn down from inside its own callbacks (the port's gone callback, a FINISH in the
 * middle of a pump); the machine is freed only at the end of the outermost pump and
 * the port only through libuv's close callback: close before free. */
#include <stdlib.h>
#include <string.h>

#include "station_int.h"
#include "translog.h"
#include "util.h"



static void slot_open_for_machine(slot_t *s);

void slot_set_state(slot_t *s, slot_state_t st, fota_dash_state_t dash)
{
    s->state = st;
    s->dash = dash;
}

static void slot_arm(slot_t *s)
{
    if (!s->m) {
        uv_timer_stop(&s->timer);
        return;
    }
    uint64_t d = fota_machine_deadline(s->m);
    if (d == UINT64_MAX) {
        uv_timer_stop(&s->timer);
        return;
    }
    int64_t now = station_now(s->st);
    uint64_t wait = (int64_t)d > now ? d - (uint64_t)now : 0;
    uv_timer_start(&s->timer, slot_timer_cb, wait, 0);
}

void slot_port_drop(slot_t *s)
{
    if (s->port) {
        fota_port_close(s->port);
        s->port = NULL;
    }
    s->send_pending = false;
}

static void slot_execute(slot_t *s, const fota_action_t *a)
{
    station_t *st = s->st;
    switch (a->kind) {
    case FOTA_ACT_SEND:
        if (s->port && fota_port_write(s->port, a->data, a->len) == 0)
            s->send_pending = true;
        break;
    case FOTA_ACT_SET_FLOW:
        if (s->port && fota_port_set_flow(s->port, a->flag != 0) < 0)
            slot_trace(s, FOTA_TRACE_INFO, "cannot switch hardware flow control");
        break;
    case FOTA_ACT_CLOSE_PORT:
        /* The module is about to reboot: reopen only a re-created link. */
        slot_port_drop(s);
        s->await_new_link = true;
        s->closed_gen = s->link_gen;
        s->reopen_tries = 0;
        if (!s->usb)
            uv_timer_start(&s->reopen, slot_reopen_cb, SAME_LINK_REOPEN_MS, 0);
        break;
    case FOTA_ACT_IDENTIFIED:
        slot_identified(s);
        break;
    case FOTA_ACT_TRANSFER_BEGIN:
        s->wants_token = true;
        station_schedule(st);
        break;
    case FOTA_ACT_TRANSFER_END:
        if (s->has_token) {
            fota_sched_release_transfer(&st->sched);
            s->has_token = false;
        }
        s->wants_token = false;
        station_schedule(st);
        break;
    case FOTA_ACT_PROGRESS:
        if (a->text && *a->text)
            fota_copy(s->phase, sizeof s->phase, a->text);
        else
            fota_copy(s->phase, sizeof s->phase, fota_phase_name(a->phase));
        s->percent = a->percent;
        if (!st->dashboard && (a->percent < 0 || a->percent % 25 == 0))
            station_log(st, "%s: %s%s", s->name, s->phase, a->percent >= 0 ? "" : "");
        break;
    case FOTA_ACT_TRACE:
        slot_trace(s, a->dir, a->text);
        break;
    case FOTA_ACT_FINISH:
        s->finish_pending = true;
        break;
    }
}

void slot_pump(slot_t *s)
{
    if (s->in_pump) {
        s->pump_again = true;
        return;
    }
    s->in_pump = true;
    do {
        s->pump_again = false;
        fota_action_t a;
        while (s->m && !s->finish_pending && fota_machine_next_action(s->m, &a))
            slot_execute(s, &a);
    } while (s->pump_again && s->m && !s->finish_pending);
    s->in_pump = false;
    if (s->m && s->finish_pending) {
        slot_finish(s);
        return;
    }
    slot_arm(s);
}

/* ---- callbacks -------------------------------------------------------------- */

void slot_timer_cb(uv_timer_t *t)
{
    slot_t *s = t->data;
    switch (s->state) {
    case SLOT_SETTLING:
    case SLOT_CHOOSING: slot_choose_timeout(s); return;
    case SLOT_PROBING: slot_probe_timeout(s); return;
    default: break;
    }
    if (s->m) {
        fota_machine_tick(s->m, (uint64_t)station_now(s->st));
        slot_pump(s);
    }
}

void slot_reopen_cb(uv_timer_t *t)
{
    slot_t *s = t->data;
    if (!s->present || s->port)
        return;
    if (s->m)
        slot_open_for_machine(s);
    else
        slot_settle_start(s); /* a probe cut by a reboot, or a swapped module */
}

void slot_data(void *ctx, const uint8_t *d, size_t n)
{
    slot_t *s = ctx;
    if (s->state == SLOT_PROBING) {
        slot_probe_data(s, d, n);
        return;
    }
    if (s->m) {
        fota_machine_feed(s->m, d, n, (uint64_t)station_now(s->st));
        slot_pump(s);
    }
}

void slot_drained(void *ctx)
{
    slot_t *s = ctx;
    if (s->m && s->send_pending) {
        s->send_pending = false;
        fota_machine_sent(s->m, (uint64_t)station_now(s->st));
        slot_pump(s);
    }
}

void slot_gone(void *ctx, int err)
{
    slot_t *s = ctx;
    (void)err;
    slot_port_drop(s);
    if (s->state == SLOT_PROBING) {
        /* Rebooting while we asked: try again unless the link changes first. */
        uv_timer_stop(&s->timer);
        slot_set_state(s, SLOT_EMPTY, FOTA_DASH_EMPTY);
        s->reopen_tries = 0;
        uv_timer_start(&s->reopen, slot_reopen_cb, SAME_LINK_REOPEN_MS, 0);
    } else if (s->m) {
        /* A reboot, or the module pulled: the machine decides which (its reboot
         * timeout); we reopen when the link comes back. */
        s->await_new_link = true;
        s->closed_gen = s->link_gen;
        s->reopen_tries = 0;
        if (!s->usb)
            uv_timer_start(&s->reopen, slot_reopen_cb, SAME_LINK_REOPEN_MS, 0);
        fota_machine_port_gone(s->m, (uint64_t)station_now(s->st));
        slot_pump(s);
    }
    fota_watch_rescan(s->st->watch);
}

void slot_log_port_held(slot_t *s, const char *tty, const char *link_name)
{
    fota_lock_holder_t h;
    char who[160], name[4 * NAME_MAX + 1];
    fota_port_holder(tty, &h);
    station_log(s->st, "%s: %s (%s) is held by %s: not used while it is", s->name, tty,
                fota_printable(link_name, name, sizeof name), fota_lock_holder_words(&h, who,
                                                                                   sizeof who));
}

int slot_port_open(slot_t *s)
{
    fota_port_cbs_t cbs = {s, slot_data, slot_drained, slot_gone};
    int rc = fota_port_open(s->st->loop, s->link.target, &cbs, &s->port);
    if (rc < 0)
        s->port = NULL;
    if (rc == FOTA_E_BUSY && s->reopen_tries == 0) /* once per reopen, not per try */
        slot_log_port_held(s, s->link.target, s->link.name);
    return rc;
}

static void slot_open_for_machine(slot_t *s)
{
    int rc = slot_port_open(s);
    if (rc == FOTA_E_MFILE) {
        /* No descriptor: says nothing about the module. Tried again until one frees
         * up; the machine's own reboot timeout still decides when to give up. */
        station_fds_short(s->st, s->name, s->link.target);
        uv_timer_start(&s->reopen, slot_reopen_cb, FD_RETRY_MS, 0);
        return;
    }
    if (rc < 0) {
        if (++s->reopen_tries < REOPEN_TRIES) {
            uv_timer_start(&s->reopen, slot_reopen_cb, REOPEN_DELAY_MS, 0);
        }
        return; /* the machine's own reboot timeout decides when to give up */
    }
    s->reopen_tries = 0;
    s->await_new_link = false;
    fota_machine_port_back(s->m, (uint64_t)station_now(s->st));
    slot_pump(s);
}

/* ---- link events ------------------------------------------------------------ */

slot_t *slot_new(station_t *st, const char *name)
{
    slot_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->st = st;
    fota_copy(s->name, sizeof s->name, name);
    fota_printable(name, s->label, sizeof s->label);
    fota_hub_key(name, s->hub, sizeof s->hub);
    uv_timer_init(st->loop, &s->timer);
    uv_timer_init(st->loop, &s->reopen);
    s->timer.data = s->reopen.data = s;
    s->open_handles = 2;
    s->percent = -1;
    s->dash = FOTA_DASH_EMPTY;
    s->attempt_id = -1;
    s->at = s->last_at_num = -1;
    return s;
}

/* The AT port's own link appeared, changed (link) or went away (NULL). */
static void slot_at_link(slot_t *s, const fota_link_t *link)
{
    if (!link) {
        uv_timer_stop(&s->reopen);
        if (s->m) {
            if (s->port) {
                slot_port_drop(s);
                fota_machine_port_gone(s->m, (uint64_t)station_now(s->st));
                slot_pump(s);
            }
        } else if (s->state == SLOT_PROBING) {
            slot_port_drop(s);
            uv_timer_stop(&s->timer);
            slot_set_state(s, SLOT_EMPTY, FOTA_DASH_EMPTY);
        } else if (s->state == SLOT_DONE && !s->present) {
            /* The operator pulled the finished module; the row keeps its result
             * until a new one arrives. */
            s->state = SLOT_EMPTY;
        } else if (s->state != SLOT_DONE) {
            slot_set_state(s, SLOT_EMPTY, s->present ? FOTA_DASH_IDLE : FOTA_DASH_EMPTY);
        }
        return;
    }
    s->link = *link;
    s->link_gen++;
    s->reopen_tries = 0;
    if (s->m) {
        if (s->port) { /* changed under an open port: the old tty is gone */
            slot_port_drop(s);
            fota_machine_port_gone(s->m, (uint64_t)station_now(s->st));
            slot_pump(s);
            if (!s->m)
                return;
        }
        slot_open_for_machine(s);
        return;
    }
    slot_settle_start(s);
}

static slot_if_t *slot_if_find(slot_t *s, const char *link_name, bool create)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        if (strcmp(s->ifs[i].link_name, link_name) == 0)
            return &s->ifs[i];
    if (!create || s->n_ifs == SLOT_MAX_IFS)
        return NULL;
    slot_if_t *f = &s->ifs[s->n_ifs++];
    memset(f, 0, sizeof *f);
    f->slot = s;
    fota_copy(f->link_name, sizeof f->link_name, link_name);
    return f;
}

void slot_if_event(slot_t *s, const char *link_name, int num, const fota_link_t *link)
{
    slot_if_t *f = slot_if_find(s, link_name, link != NULL);
    if (!f) {
        if (link)
            station_log(s->st, "%s: more than %d ports on one module; %s ignored", s->name,
                        SLOT_MAX_IFS, link_name);
        return;
    }
    f->present = link != NULL;
    if (link) {
        f->link = *link;
        fota_port_describe(link->target, &f->info);
        /* sysfs knows the interface of a real USB port; the name tells for a pty. */
        f->num = f->info.usb && f->info.interface >= 0 ? f->info.interface : num;
    }
    bool present = false;
    for (size_t i = 0; i < s->n_ifs; i++)
        present |= s->ifs[i].present;
    s->present = present;
    if (s->at >= 0 && f == &s->ifs[s->at] && (s->m || s->state == SLOT_PROBING ||
                                               s->state == SLOT_DONE)) {
        slot_at_link(s, link);
        return;
    }
    if (s->m)
        return; /* an attempt runs on the AT port: the other interfaces are never touched */
    if (!link) {
        if (f->port) { /* a candidate went away while the AT port was being chosen */
            fota_port_close(f->port);
            f->port = NULL;
            f->answered = false;
        }
        if (!s->present && s->state != SLOT_DONE)
            slot_settle_start(s); /* nothing left: back to empty */
        else if (!s->present)
            s->state = SLOT_EMPTY;
        return;
    }
    if (s->st->stopping)
        return;
    /* A new or changed interface of an idle slot: the module (re)appears. */
    slot_settle_start(s);
}

void slot_abort(slot_t *s, const char *reason)
{
    if (s->m) {
        fota_machine_abort(s->m, reason, (uint64_t)station_now(s->st));
        slot_pump(s);
    }
    if (s->state == SLOT_SETTLING || s->state == SLOT_CHOOSING || s->state == SLOT_PROBING) {
        /* Nothing started on this module yet: let go of its ports. */
        slot_choose_cancel(s);
        slot_port_drop(s);
        uv_timer_stop(&s->timer);
        slot_set_state(s, SLOT_EMPTY, s->present ? FOTA_DASH_IDLE : FOTA_DASH_EMPTY);
    }
}

bool slot_busy(const slot_t *s)
{
    return s->state == SLOT_SETTLING || s->state == SLOT_CHOOSING ||
           s->state == SLOT_PROBING || s->m != NULL ||
           (s->present && s->state == SLOT_EMPTY && uv_is_active((const uv_handle_t *)&s->reopen));
}

/* The slot holds two handles; libuv runs their close callbacks in an order nobody
 * may assume, so the slot is freed by whichever comes last. */
static void slot_handle_closed_cb(uv_handle_t *h)
{
    slot_t *s = h->data;
    if (--s->open_handles == 0)
        free(s);
}

void slot_close(slot_t *s)
{
    if (s->closing)
        return;
    s->closing = true;
    slot_choose_cancel(s);
    slot_port_drop(s);
    if (s->translog) {
        fclose(s->translog);
        s->translog = NULL;
    }
    if (s->m) {
        fota_machine_free(s->m);
        s->m = NULL;
    }
    uv_close((uv_handle_t *)&s->reopen, slot_handle_closed_cb);
    uv_close((uv_handle_t *)&s->timer, slot_handle_closed_cb);
}
