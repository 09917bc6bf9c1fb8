/* Dashboard rendering; see dashboard.h. */
#include "dashboard.h"

#include <stdarg.h>
#include <stdio.h>
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

typedef struct {
    char *buf;
    size_t cap, len;
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

/* One visible line: cut to width, then erase what an older, longer frame left. */
static void line(out_t *o, bool color, const char *colour, const char *text, int width)
{
    int n = (int)strlen(text);
    if (width > 0 && n > width)
        n = width;
    if (color && colour)
        put(o, "%s%.*s" CSI "0m" CSI "K\r\n", colour, n, text);
    else if (color)
        put(o, "%.*s" CSI "K\r\n", n, text);
    else
        put(o, "%.*s\n", n, text);
}

static const char *state_colour(fota_dash_state_t s)
{
    switch (s) {
    case FOTA_DASH_PASS: return CSI "32m";
    case FOTA_DASH_FAIL: return CSI "31m";
    case FOTA_DASH_SKIP:
    case FOTA_DASH_QUEUED: return CSI "33m";
    case FOTA_DASH_INTERRUPTED: return CSI "35m";
    case FOTA_DASH_EMPTY:
    case FOTA_DASH_IDLE: return CSI "2m";
    default: return NULL;
    }
}

size_t fota_dash_render(char *buf, size_t cap, const fota_dash_header_t *h,
                        const fota_dash_row_t *rows, size_t n, bool color, int width)
{
    out_t o = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    if (color)
        put(&o, CSI "H"); /* home; every line erases its own tail */
    unsigned done = h->pass + h->fail;
    char text[1024];
    char yield[16] = "-";
    if (done)
        snprintf(yield, sizeof yield, "%.1f%%", 100.0 * h->pass / done);
    snprintf(text, sizeof text,
             "FOTA Station  batch %s  station %s  |  pass %u  fail %u  skip %u  running %u  queued %u  yield %s",
             h->batch ? h->batch : "-", h->station ? h->station : "-", h->pass, h->fail, h->skip,
             h->running, h->queued, yield);
    line(&o, color, color ? CSI "1m" : NULL, text, width);
    if (h->banner && *h->banner)
        line(&o, color, color ? CSI "1;31m" : NULL, h->banner, width);
    if (h->db_banner && *h->db_banner)
        line(&o, color, color ? CSI "1;31m" : NULL, h->db_banner, width);
    snprintf(text, sizeof text, "%-22s %-12s %-16s %-18s %-28s %8s  %s", "SLOT", "MODEL", "IMEI",
             "PHASE", "PROGRESS", "ELAPSED", "RESULT");
    line(&o, color, NULL, text, width);
    for (size_t i = 0; i < n; i++) {
        const fota_dash_row_t *r = &rows[i];
        char bar[64], el[32], phase[64];
        fota_dash_bar(bar, sizeof bar, r->state == FOTA_DASH_RUNNING ? r->percent : -1, 20);
        fota_dash_elapsed(el, sizeof el, r->elapsed_ms);
        snprintf(phase, sizeof phase, "%s",
                 r->state == FOTA_DASH_RUNNING && r->phase && *r->phase ? r->phase
                                                                         : fota_dash_state_name(r->state));
        const char *res = "";
        char resbuf[320];
        if (r->state >= FOTA_DASH_PASS && r->state <= FOTA_DASH_INTERRUPTED) {
            snprintf(resbuf, sizeof resbuf, "%s%s%s", fota_dash_state_name(r->state),
                     r->result && *r->result ? " " : "", r->result ? r->result : "");
            res = resbuf;
        } else if (r->result && *r->result) {
            res = r->result; /* why a queued module waits */
        }
        /* Slot names are long by-path strings: show their tail, which differs. */
        const char *slot = r->slot ? r->slot : "";
        size_t sl = strlen(slot);
        if (sl > 22)
            slot += sl - 22;
        snprintf(text, sizeof text, "%-22s %-12.12s %-16.16s %-18.18s %-28s %8s  %s", slot,
                 r->model ? r->model : "", r->imei ? r->imei : "", phase, bar, el, res);
        line(&o, color, state_colour(r->state), text, width);
    }
    if (color)
        put(&o, CSI "J"); /* erase whatever an older, longer frame left below */
    return o.len;
}
