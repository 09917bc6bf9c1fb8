/* Dashboard rendering; see dash.h. */
#include "dash.h"
#include "dash_layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSI "\x1b["

const char *fota_dash_state_name(fota_dash_state_t s)
{
    switch (s) {
    case FOTA_DASH_IDLE: return "idle";
    case FOTA_DASH_PROBING: return "probing";
    case FOTA_DASH_QUEUED: return "queued";
    case FOTA_DASH_RUNNING: return "running";
    case FOTA_DASH_PASS: return "PASS";
    case FOTA_DASH_FAIL: return "FAIL";
    case FOTA_DASH_SKIP: return "SKIP";
    case FOTA_DASH_INTERRUPTED: return "INTERRUPTED";
    case FOTA_DASH_NOT_RECORDED: return "NOT RECORDED";
    case FOTA_DASH_OFF: return "off";
    case FOTA_DASH_EMPTY: return "empty";
    }
    return "?";
}

void fota_dash_bar(char *buf, size_t cap, int percent, int cells)
{
    if (percent < 0) {
        snprintf(buf, cap, "%*s", cells + 7, "");
        return;
    }
    if (percent > 100)
        percent = 100;
    char bar[128];
    if (cells > (int)sizeof bar - 1)
        cells = (int)sizeof bar - 1;
    int full = percent * cells / 100;
    for (int i = 0; i < cells; i++)
        bar[i] = i < full ? '#' : '.';
    bar[cells] = '\0';
    snprintf(buf, cap, "[%.*s] %3d%%", cells, bar, percent);
}

void fota_dash_elapsed(char *buf, size_t cap, int64_t ms)
{
    if (ms < 0) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    long s = (long)(ms / 1000);
    if (s >= 3600)
        snprintf(buf, cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, cap, "%ld:%02ld", s / 60, s % 60);
}

void fota_dash_yield(char *buf, size_t cap, long long num, long long den)
{
    if (den > 0)
        snprintf(buf, cap, "%.1f%% (%lld/%lld)", 100.0 * (double)num / (double)den, num, den);
    else
        snprintf(buf, cap, "-");
}

typedef struct {
    char *buf;
    size_t cap, len;
    int lines;
} out_t;

static void put(out_t *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    o->len += (size_t)n;
    if (o->len >= o->cap)
        o->len = o->cap - 1;
}

/* Appends s to dst (of cap bytes, *len used) as exactly w characters: cut, then
 * padded (w < 0: all of s, no padding). Characters, not bytes: a UTF-8 sequence is
 * one column; control bytes become '?' so no text from a module drives the
 * terminal or breaks the line. */
static void col(char *dst, size_t cap, size_t *len, const char *s, int w, bool right)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    int chars = 0;
    for (const unsigned char *q = p; *q && (w < 0 || chars < w); q++)
        chars += (*q & 0xc0) != 0x80;
    int pad = w > chars ? w - chars : 0;
    if (right)
        for (; pad > 0 && *len + 1 < cap; pad--)
            dst[(*len)++] = ' ';
    for (int c = 0; *p && *len + 4 < cap;) {
        bool lead = (*p & 0xc0) != 0x80;
        if (lead && w >= 0 && c == w)
            break;
        c += lead;
        dst[(*len)++] = (char)(*p < 0x20 || *p == 0x7f ? '?' : *p);
        p++;
    }
    for (; pad > 0 && *len + 1 < cap; pad--)
        dst[(*len)++] = ' ';
    dst[*len] = '\0';
}

/* One visible line, cut to the width. On a terminal the line is erased first and
 * then written: a line ending in the last column leaves the cursor on it, where an
 * erase-to-end would eat its last character. */
static void line(out_t *o, const fota_dash_frame_t *f, const char *colour, const char *text)
{
    char cut[1024];
    size_t n = 0;
    col(cut, sizeof cut, &n, text, f->width > 0 ? f->width : -1, false);
    if (f->color)
        put(o, CSI "K%s%s%s\r\n", colour ? colour : "", cut, colour ? CSI "0m" : "");
    else
        put(o, "%s\n", cut);
    o->lines++;
}

static const char *state_colour(fota_dash_state_t s)
{
    switch (s) {
    case FOTA_DASH_PASS: return CSI "32m";
    case FOTA_DASH_FAIL: return CSI "31m";
    case FOTA_DASH_NOT_RECORDED: return CSI "1;31m";
    case FOTA_DASH_SKIP:
    case FOTA_DASH_QUEUED:
    case FOTA_DASH_OFF: return CSI "33m";
    case FOTA_DASH_INTERRUPTED: return CSI "35m";
    case FOTA_DASH_EMPTY:
    case FOTA_DASH_IDLE: return CSI "2m";
    default: return NULL;
    }
}

/* Column widths per terminal width: the first entry whose min_width fits. A zero
 * width drops the column; bar 0 shows the percent alone. The result takes the rest. */
typedef struct {
    int min_width, slot, model, imei, phase, bar, elapsed;
} layout_t;

static const layout_t layouts[] = {
    {140, 12, 12, 16, 22, 20, 8},
    {110, 10, 12, 16, 18, 10, 7},
    {0, 9, 0, 16, 13, 0, 6},
};

static const layout_t *layout_for(int width)
{
    size_t i = 0;
    while (width > 0 && width < layouts[i].min_width)
        i++;
    return &layouts[i];
}

static void titles(char *t, size_t cap, const layout_t *L)
{
    size_t n = 0;
    t[0] = '\0';
    col(t, cap, &n, "SLOT", L->slot, false);
    col(t, cap, &n, " ", 1, false);
    if (L->model) {
        col(t, cap, &n, "MODEL", L->model, false);
        col(t, cap, &n, " ", 1, false);
    }
    col(t, cap, &n, "IMEI", L->imei, false);
    col(t, cap, &n, " ", 1, false);
    col(t, cap, &n, "PHASE", L->phase, false);
    col(t, cap, &n, " ", 1, false);
    col(t, cap, &n, L->bar ? "PROGRESS" : "DONE", L->bar ? L->bar + 7 : 4, false);
    col(t, cap, &n, "TIME", L->elapsed + 1, true);
    col(t, cap, &n, "  RESULT", -1, false);
}

static void slot_text(char *t, size_t cap, const layout_t *L, const fota_dash_row_t *r)
{
    bool running = r->state == FOTA_DASH_RUNNING;
    char bar[160], el[32];
    if (L->bar)
        fota_dash_bar(bar, sizeof bar, running ? r->percent : -1, L->bar);
    else if (running && r->percent >= 0)
        snprintf(bar, sizeof bar, "%3d%%", r->percent > 100 ? 100 : r->percent);
    else
        bar[0] = '\0';
    fota_dash_elapsed(el, sizeof el, r->elapsed_ms);
    size_t n = 0;
    t[0] = '\0';
    col(t, cap, &n, fota_dash_short_label(r->slot), L->slot, false);
    col(t, cap, &n, " ", 1, false);
    if (L->model) {
        col(t, cap, &n, r->model, L->model, false);
        col(t, cap, &n, " ", 1, false);
    }
    col(t, cap, &n, r->imei, L->imei, false);
    col(t, cap, &n, " ", 1, false);
    col(t, cap, &n, running && r->phase && *r->phase ? r->phase : fota_dash_state_name(r->state),
        L->phase, false);
    col(t, cap, &n, " ", 1, false);
    col(t, cap, &n, bar, L->bar ? L->bar + 7 : 4, false);
    col(t, cap, &n, el, L->elapsed + 1, true);
    col(t, cap, &n, "  ", 2, false);
    col(t, cap, &n, r->result, -1, false); /* why it failed / waits */
}

/* "hub 1.3   4 slots: FAIL 1  running 2  PASS 1", worst state first. */
static fota_dash_state_t hub_text(char *t, size_t cap, const layout_t *L,
                                  const fota_dash_item_t *it)
{
    char name[64];
    snprintf(name, sizeof name, "hub %s", *it->hub ? it->hub : "other");
    size_t n = 0;
    t[0] = '\0';
    col(t, cap, &n, name, L->slot > 10 ? L->slot : 10, false);
    char c[64];
    snprintf(c, sizeof c, " %u slot%s:", it->slots, it->slots == 1 ? "" : "s");
    col(t, cap, &n, c, -1, false);
    fota_dash_state_t worst = FOTA_DASH_EMPTY;
    bool first = true;
    for (size_t i = 0; i < FOTA_DASH_N_STATES; i++) {
        fota_dash_state_t s = fota_dash_severity[i];
        if (!it->count[s])
            continue;
        if (first)
            worst = s;
        first = false;
        snprintf(c, sizeof c, "  %s %u", fota_dash_state_name(s), it->count[s]);
        col(t, cap, &n, c, -1, false);
    }
    return worst;
}

static void header(out_t *o, const fota_dash_frame_t *f)
{
    const fota_dash_header_t *h = f->h;
    char y[64], fin[32] = "-", lost[48] = "", text[512];
    fota_dash_yield(y, sizeof y, h->first_pass, h->modules);
    if (h->modules > 0) /* the same denominator as the first-pass yield's */
        snprintf(fin, sizeof fin, "%.1f%%", 100.0 * (double)h->final_pass / (double)h->modules);
    if (h->not_recorded)
        snprintf(lost, sizeof lost, "  NOT RECORDED %u", h->not_recorded);
    /* counts and yield first: what must survive an 80-column cut */
    char link[96] = "";
    if (h->central && *h->central)
        snprintf(link, sizeof link, "  |  %s", h->central);
    snprintf(text, sizeof text,
             "FOTA  pass %u  fail %u%s  first-pass yield %s  final %s  running %u  queued %u  "
             "skip %u%s  |  batch %s  station %s",
             h->pass, h->fail, lost, y, fin, h->running, h->queued, h->skip, link,
             h->batch ? h->batch : "-", h->station ? h->station : "-");
    line(o, f, f->color ? CSI "1m" : NULL, text);
    if (h->banner && *h->banner)
        line(o, f, f->color ? CSI "1;31m" : NULL, h->banner);
    if (h->db_banner && *h->db_banner)
        line(o, f, f->color ? CSI "1;31m" : NULL, h->db_banner);
}

/* Lines for the table and the log: a terminal keeps its last line free (a newline
 * there would scroll). Every slot on its own line when they fit (the log gets what
 * is left); otherwise the table collapses (fota_dash_plan) and the log keeps 2. */
static void budget(const fota_dash_frame_t *f, int used, size_t *room, size_t *logs)
{
    *room = f->n;
    *logs = f->n_log;
    if (f->height <= 0)
        return;
    int avail = f->height - 1 - used - 1; /* - the column titles */
    if (avail < 1)
        avail = 1;
    int n = (int)f->n, want = (int)f->n_log;
    int l = n <= avail ? avail - n - 1 : 2; /* the blank line above the log */
    if (l > want)
        l = want;
    if (l < 0)
        l = 0;
    int r = n <= avail ? n : avail - (l ? 1 + l : 0);
    if (r < 1) {
        l = 0;
        r = avail;
    }
    *room = (size_t)r;
    *logs = (size_t)l;
}

/* The question and the footer, at the bottom of every frame. */
static void keys_tail(out_t *o, const fota_dash_frame_t *f)
{
    for (size_t i = 0; i < f->n_prompt; i++)
        line(o, f, f->color ? CSI "1;7m" : NULL, f->prompt[i]);
    if (f->footer)
        line(o, f, f->color ? CSI "2m" : NULL, f->footer);
}

/* The legend instead of the table and the log, as many of its lines as fit. */
static void overlay(out_t *o, const fota_dash_frame_t *f)
{
    int room = f->height > 0 ? f->height - 1 - o->lines - (int)f->n_prompt - !!f->footer
                             : (int)f->n_overlay;
    for (size_t i = 0; i < f->n_overlay && (int)i < room; i++)
        line(o, f, NULL, f->overlay[i]);
}

size_t fota_dash_render(char *buf, size_t cap, const fota_dash_frame_t *f)
{
    out_t o = {buf, cap, 0, 0};
    if (cap)
        buf[0] = '\0';
    if (f->color)
        put(&o, CSI "H"); /* home; every line erases itself */
    header(&o, f);
    if (f->n_overlay) {
        overlay(&o, f);
        keys_tail(&o, f);
        if (f->color)
            put(&o, CSI "J");
        return o.len;
    }
    const layout_t *L = layout_for(f->width);
    char text[1024];
    titles(text, sizeof text, L);
    line(&o, f, NULL, text);
    size_t room, logs, more;
    budget(f, o.lines - 1 + (int)f->n_prompt + !!f->footer, &room, &logs);
    fota_dash_item_t *items = malloc((2 * f->n + 1) * sizeof *items);
    size_t k = items ? fota_dash_plan(f->rows, f->n, room, items, &more) : 0;
    for (size_t i = 0; i < k; i++) {
        fota_dash_state_t s = items[i].row ? items[i].row->state : FOTA_DASH_EMPTY;
        if (items[i].row)
            slot_text(text, sizeof text, L, items[i].row);
        else
            s = hub_text(text, sizeof text, L, &items[i]);
        const char *sgr = f->color ? state_colour(s) : NULL;
        if (f->color && items[i].row && items[i].row->selected)
            sgr = CSI "7m"; /* the selected slot: reverse video */
        line(&o, f, sgr, text);
    }
    if (items && more) {
        snprintf(text, sizeof text, "... %zu more lines (enlarge the terminal to see them)", more);
        line(&o, f, NULL, text);
    }
    free(items);
    if (f->height > 0 && k + (more ? 1 : 0) < room) {
        /* hubs took fewer lines than the slots would have: the log gets them */
        size_t spare = room - k - (more ? 1 : 0) + logs;
        logs = spare < f->n_log ? spare : f->n_log;
    }
    if (logs) {
        line(&o, f, NULL, "");
        for (size_t i = f->n_log - logs; i < f->n_log; i++)
            line(&o, f, NULL, f->log[i]);
    }
    keys_tail(&o, f);
    if (f->color)
        put(&o, CSI "J"); /* erase whatever an older, longer frame left below */
    return o.len;
}
