/* What the operator sees: the live dashboard on a terminal, or one plain line per
 * event (stdout not a terminal, or --no-dashboard). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "station_int.h"
#include "translog.h"
#include "util.h"

#define VIEW_LOG_LINES 6

static char view_log[VIEW_LOG_LINES][256];
static unsigned view_log_n;

/* stdout closed (`| head`, EPIPE) or its terminal gone: the console log ends there,
 * the run goes on (every result is in the database). Said once, on stderr. */
static void view_flush(station_t *st)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return;
    st->console_gone = true;
    fprintf(stderr, "fota-station: stdout closed (%s); no more console log, the run goes on "
                    "and records every result in the database\n", strerror(errno));
}

void station_log(station_t *st, const char *fmt, ...)
{
    char raw[512], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* Names and module text come from outside: no byte of theirs drives the terminal
     * or starts a line of its own. */
    fota_printable(raw, msg, sizeof msg);
    char t[40];
    fota_iso_time(station_now(st), t, sizeof t);
    if (st->dashboard) {
        /* Under the table, the last few messages (a pause's reason among them). */
        char *l = view_log[view_log_n % VIEW_LOG_LINES];
        memcpy(l, t + 11, 8); /* hh:mm:ss */
        l[8] = ' ';
        fota_copy(l + 9, sizeof view_log[0] - 9, msg);
        view_log_n++;
        return;
    }
    if (st->console_gone)
        return;
    printf("%s %s\n", t, msg);
    view_flush(st);
}

static size_t view_rows(station_t *st, fota_dash_row_t *rows, fota_dash_header_t *h)
{
    size_t n = 0;
    int64_t now = station_now(st);
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_t *s = st->slots[i];
        if (s->state == SLOT_EMPTY && s->dash == FOTA_DASH_EMPTY && !s->present)
            continue;
        fota_dash_row_t *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->slot = s->label;
        r->model = s->model;
        r->imei = s->imei;
        r->phase = s->phase;
        r->percent = s->percent;
        r->state = s->dash;
        r->result = s->result;
        r->elapsed_ms = -1;
        if (s->m) {
            r->elapsed_ms = now - s->started_ms;
            if (s->queued) {
                r->state = FOTA_DASH_QUEUED;
                r->result = s->queue_reason ? s->queue_reason : "";
                h->queued++;
            } else {
                r->state = FOTA_DASH_RUNNING;
                h->running++;
            }
        } else if (s->finished_ms) {
            r->elapsed_ms = s->finished_ms - s->started_ms;
        }
        if (!s->present && !s->m && r->state != FOTA_DASH_EMPTY)
            r->phase = "removed";
    }
    return n;
}

/* More slots than terminal lines: the ones that need eyes first (running, queued,
 * failed), in slot order within each group; a scrolling frame would break the
 * in-place redraw. */
static int row_rank(const fota_dash_row_t *r)
{
    switch (r->state) {
    case FOTA_DASH_RUNNING:
    case FOTA_DASH_QUEUED:
    case FOTA_DASH_PROBING: return 0;
    case FOTA_DASH_FAIL:
    case FOTA_DASH_INTERRUPTED: return 1;
    default: return 2;
    }
}

static size_t view_fit(fota_dash_row_t *rows, size_t n, size_t max)
{
    if (n <= max)
        return n;
    fota_dash_row_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return max;
    size_t k = 0;
    for (int rank = 0; rank <= 2; rank++)
        for (size_t i = 0; i < n; i++)
            if (row_rank(&rows[i]) == rank)
                tmp[k++] = rows[i];
    memcpy(rows, tmp, n * sizeof *rows);
    free(tmp);
    return max;
}

void view_redraw(station_t *st)
{
    if (!st->dashboard || st->console_gone)
        return;
    fota_dash_row_t *rows = calloc(st->n_slots + 1, sizeof *rows);
    if (!rows)
        return;
    fota_dash_header_t h = {0};
    h.batch = st->batch;
    h.station = st->job->station;
    h.pass = st->pass;
    h.fail = st->fail;
    h.skip = st->skip;
    h.banner = st->sched.paused ? st->banner : NULL;
    char db[320];
    h.db_banner = station_db_banner(st, db, sizeof db) ? db : NULL;
    size_t n = view_rows(st, rows, &h);
    int width = 0, height = 0;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
        width = ws.ws_col;
        height = ws.ws_row;
    }
    unsigned logs = VIEW_LOG_LINES;
    size_t shown = n;
    if (height > 0) {
        /* header, banner, column titles, "more" line, blank, logs: never scroll */
        int room = height - 5 - (h.banner ? 1 : 0) - (h.db_banner ? 1 : 0);
        if ((int)n + (int)logs > room)
            logs = room - (int)n >= 2 ? (unsigned)(room - (int)n) : 2;
        int fit = room - (int)logs;
        if (fit < 1)
            fit = 1;
        shown = view_fit(rows, n, (size_t)fit);
    }
    size_t cap = 512 * (n + 16);
    char *buf = malloc(cap);
    if (buf) {
        fota_dash_render(buf, cap, &h, rows, shown, st->color, width);
        /* Drop the trailing "erase below" so the log lines follow, then add it. */
        size_t len = strlen(buf);
        if (len >= 3 && strcmp(buf + len - 3, "\x1b[J") == 0)
            buf[len -= 3] = '\0';
        fwrite(buf, 1, len, stdout);
        const char *eol = st->color ? "\x1b[K\r\n" : "\n";
        if (shown < n)
            printf("... %zu more slots (enlarge the terminal to see them)%s", n - shown, eol);
        fputs(eol, stdout);
        unsigned first = view_log_n > logs ? view_log_n - logs : 0;
        for (unsigned i = first; i < view_log_n; i++)
            printf("%s%s", view_log[i % VIEW_LOG_LINES], eol);
        fputs(st->color ? "\x1b[J" : "", stdout);
        view_flush(st);
        free(buf);
    }
    free(rows);
}

void view_final(station_t *st)
{
    view_redraw(st);
    if (st->console_gone)
        return;
    unsigned done = st->pass + st->fail;
    char t[40];
    fota_iso_time(station_now(st), t, sizeof t);
    printf("%s done: pass %u, fail %u, skip %u, interrupted %u, yield %.1f%%\n", t, st->pass,
           st->fail, st->skip, st->interrupted, done ? 100.0 * st->pass / done : 0.0);
    if (st->ports_unopened)
        printf("%s %u port(s) could not be opened (see the lines above): their modules were "
               "not seen\n", t, st->ports_unopened);
    view_flush(st);
}
