/* What the operator sees: the live dashboard on a terminal, or one plain line per
 * event (stdout not a terminal, or --no-dashboard). */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "station_int.h"
#include "translog.h"
#include "util.h"

/* The slot's own words for what it shows, in the dashboard's states. */
static const fota_dash_state_t view_state[] = {
    [SLOT_SHOW_EMPTY] = FOTA_DASH_EMPTY,       [SLOT_SHOW_IDLE] = FOTA_DASH_IDLE,
    [SLOT_SHOW_PROBING] = FOTA_DASH_PROBING,   [SLOT_SHOW_RUNNING] = FOTA_DASH_RUNNING,
    [SLOT_SHOW_PASS] = FOTA_DASH_PASS,         [SLOT_SHOW_FAIL] = FOTA_DASH_FAIL,
    [SLOT_SHOW_SKIP] = FOTA_DASH_SKIP,         [SLOT_SHOW_INTERRUPTED] = FOTA_DASH_INTERRUPTED,
    [SLOT_SHOW_NOT_RECORDED] = FOTA_DASH_NOT_RECORDED,
};

/* An empty slot has no row (its module pulled, or never one). */
bool view_shown(const slot_t *s)
{
    return !(s->stage == SLOT_EMPTY && s->view.show == SLOT_SHOW_EMPTY && !s->present);
}

fota_dash_state_t view_state_of(const slot_t *s)
{
    if (s->stage == SLOT_OFF)
        return FOTA_DASH_OFF;
    if (s->a)
        return s->a->queued ? FOTA_DASH_QUEUED : FOTA_DASH_RUNNING;
    return view_state[s->view.show];
}

static size_t view_rows(station_t *st, fota_dash_row_t *rows, fota_dash_header_t *h)
{
    size_t n = 0;
    int64_t now = station_now(st);
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_t *s = st->slots[i];
        const slot_view_t *v = &s->view;
        if (!view_shown(s))
            continue;
        fota_dash_row_t *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->slot = station_slot_of(s)->label;
        r->model = v->model;
        r->imei = v->imei;
        r->phase = v->phase;
        r->percent = v->percent;
        r->state = view_state_of(s);
        r->selected = s == st->sel;
        r->result = v->result;
        r->elapsed_ms = -1;
        if (s->a) {
            r->elapsed_ms = now - v->started_ms;
            if (s->a->queued) {
                r->state = FOTA_DASH_QUEUED;
                r->result = s->a->queue_reason ? s->a->queue_reason : "";
                h->queued++;
            } else {
                r->state = FOTA_DASH_RUNNING;
                h->running++;
            }
        } else if (v->finished_ms) {
            r->elapsed_ms = v->finished_ms - v->started_ms;
        }
        if (!s->present && !s->a && r->state != FOTA_DASH_EMPTY && r->state != FOTA_DASH_OFF)
            r->phase = "removed";
    }
    return n;
}

char *view_render(station_t *st, int width, int height, bool color, size_t *len)
{
    fota_dash_row_t *rows = calloc(st->n_slots + 1, sizeof *rows);
    if (!rows)
        return NULL;
    fota_dash_header_t h = {0};
    h.batch = st->batch;
    h.station = st->job->station;
    h.pass = st->pass;
    h.fail = st->fail;
    h.skip = st->skip;
    h.interrupted = st->interrupted;
    h.not_recorded = st->not_recorded;
    fota_store_yield_t y;
    fota_results_batch_yield(st->results, &y);
    h.modules = y.modules;
    h.first_pass = y.first_pass;
    h.final_pass = y.final_pass;
    h.banner = st->sched.paused  ? st->banner
               : st->fd_banner[0] ? st->fd_banner
               : st->usb_banner[0] ? st->usb_banner
                                   : NULL;
    char db[320];
    fota_results_health_t health;
    fota_results_health(st->results, &health);
    h.db_banner = fota_results_banner(&health, (int64_t)uv_now(st->loop), db, sizeof db) ? db
                                                                                        : NULL;
    char link[80];
    h.central = st->central && fota_central_link_state(st->central, link, sizeof link) ? link : NULL;
    size_t n = view_rows(st, rows, &h);
    fota_dash_sort(rows, n);
    const char *log[STATION_LOG_LINES];
    size_t n_log = station_log_recent(log);
    fota_dash_frame_t f = {.h = &h, .rows = rows, .n = n, .log = log, .n_log = n_log,
                           .color = color, .width = width, .height = height};
    char ask[FOTA_KEYS_PROMPT_LINES][FOTA_KEYS_LINE];
    const char *prompt[FOTA_KEYS_PROMPT_LINES];
    fota_keys_frame(&st->keys, h.running + h.queued, station_now(st), ask, prompt, &f);
    size_t cap = 1100 * (n + STATION_LOG_LINES + 8);
    char *buf = malloc(cap);
    if (buf)
        *len = fota_dash_render(buf, cap, &f);
    free(rows);
    return buf;
}

void view_redraw(station_t *st)
{
    if (!st->dashboard || st->console_gone)
        return;
    int width = 0, height = 0;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
        width = ws.ws_col;
        height = ws.ws_row;
    }
    size_t len = 0;
    char *buf = view_render(st, width, height, st->color, &len);
    if (buf) {
        fwrite(buf, 1, len, stdout);
        station_console_flush(st);
        free(buf);
    }
}

void view_final(station_t *st)
{
    view_redraw(st);
}

void view_done(station_t *st)
{
    if (st->console_gone)
        return;
    char t[40], fp[64], fin[64], lost[48] = "";
    fota_iso_format_as(station_wall(st), FOTA_ISO_MS, t, sizeof t);
    /* The batch's yields, earlier runs included: what `report --batch` says. */
    fota_store_yield_t y;
    fota_results_batch_yield(st->results, &y);
    fota_dash_yield(fp, sizeof fp, y.first_pass, y.modules);
    fota_dash_yield(fin, sizeof fin, y.final_pass, y.modules);
    if (st->not_recorded)
        snprintf(lost, sizeof lost, ", NOT RECORDED %u", st->not_recorded);
    printf("%s done: pass %u, fail %u, skip %u, interrupted %u%s; batch %s: first-pass yield "
           "%s, final yield %s\n",
           t, st->pass, st->fail, st->skip, st->interrupted, lost, st->batch ? st->batch : "-",
           fp, fin);
    char note[768]; /* after a stop: what the modules that were in flight do now */
    fota_keys_abort_note(note, sizeof note, st->dashboard ? st->stopped_in_flight : 0);
    if (*note)
        printf("%s %s\n", t, note);
    if (st->ports_unopened)
        printf("%s %u port(s) could not be opened (see the lines above): their modules were "
               "not seen\n", t, st->ports_unopened);
    station_console_flush(st);
}
