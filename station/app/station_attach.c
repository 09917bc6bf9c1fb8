/* `fota-station attach` (docs/station.md, "Attach"): the station's dashboard for
 * every viewer on its attach socket, rendered by the station at each viewer's own
 * terminal size (a viewer says its size; the station renders the same frame it
 * would draw on a terminal of that size), plus a last line of the viewer's own.
 *
 * A viewer sends lines: "hello view" or "hello control" (first), "size COLS ROWS",
 * "k HH" (one typed byte in hex). Bytes from a control viewer go through the same
 * scan line and keys as the station's terminal; a view-only viewer's are refused
 * with a word on its last line. q and ^C leave the viewer (the client handles them);
 * the station never stops for a viewer: it is stopped at its own terminal or by its
 * service manager. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_srv.h"
#include "station_int.h"
#include "util.h"

#define ATTACH_GROUP "fota-station"
#define VIEWER_LINE_MAX 64
#define VIEWER_NOTE_MS 5000

typedef struct viewer {
    station_t *st;
    fota_attach_client_t *c;
    struct viewer *next;
    bool hello, view_only, cleared;
    int cols, rows;
    char line[VIEWER_LINE_MAX];
    size_t len;
    fota_scan_line_t scan;
    char note[160];
    int64_t note_until_ms;
} viewer_t;

struct station_attach {
    fota_attach_srv_t *srv;
    station_key_fn key; /* the owner's key table: a viewer's key is an input like a tty's */
    viewer_t *viewers;
    char path[128];
};

static void viewer_frame(viewer_t *v)
{
    station_t *st = v->st;
    int rows = v->rows < 3 ? 3 : v->rows, cols = v->cols < 20 ? 20 : v->cols;
    size_t len = 0;
    /* One line less than the viewer's terminal: the last is the viewer's own. */
    char *frame = view_render(st, cols, rows - 1, true, &len);
    if (!frame)
        return;
    char last[256];
    const char *what = v->note_until_ms > station_now(st) ? v->note
                       : v->view_only ? "attached, view only: q or ^C leaves this view; the "
                                        "station keeps running"
                                      : "attached: keys act on the station; q or ^C leaves this "
                                        "view, the station keeps running";
    /* Cut to cols - 1: a character in the last column of the last line scrolls. */
    int n = snprintf(last, sizeof last, "\x1b[%d;1H\x1b[2K\x1b[7m%.*s\x1b[0m", rows, cols - 1,
                     what);
    size_t total = len + (size_t)(n > 0 ? n : 0) + 8;
    char *out = malloc(total);
    if (out) {
        size_t o = 0;
        if (!v->cleared) { /* once, before the first frame, as on the station's terminal */
            memcpy(out, "\x1b[2J", 4);
            o = 4;
            v->cleared = true;
        }
        memcpy(out + o, frame, len);
        o += len;
        memcpy(out + o, last, (size_t)n);
        o += (size_t)n;
        fota_attach_send(v->c, out, o);
        free(out);
    }
    free(frame);
}

static void viewer_note(viewer_t *v, const char *key, const char *what)
{
    snprintf(v->note, sizeof v->note, "'%s' %s", key, what);
    v->note_until_ms = station_now(v->st) + VIEWER_NOTE_MS;
}

static void viewer_byte(viewer_t *v, char c)
{
    station_t *st = v->st;
    char key[8];
    fota_printable((char[]){c, 0}, key, sizeof key);
    if (v->view_only) {
        viewer_note(v, c == 3 ? "^C" : key, "not sent: view only (--view); attach without "
                                            "--view to act on the station");
        return;
    }
    if (station_scan_feed(st, &v->scan, c, " (attached viewer)"))
        return;
    if (c == 'q' || c == 'Q' || c == 3) {
        /* The client leaves on these; another client's are never a stop. */
        viewer_note(v, c == 3 ? "^C" : key, "from a viewer never stops the station (its "
                                            "terminal or its service does)");
        return;
    }
    st->attach->key(st, c);
}

static void viewer_request(viewer_t *v, const char *line)
{
    int a, b;
    unsigned x;
    if (strcmp(line, "hello view") == 0 || strcmp(line, "hello control") == 0) {
        v->hello = true;
        v->view_only = strcmp(line, "hello view") == 0;
        station_log(v->st, "a viewer attached%s (%zu attached)",
                    v->view_only ? " (view only)" : "", fota_attach_count(v->st->attach->srv));
    } else if (sscanf(line, "size %d %d", &a, &b) == 2 && a > 0 && b > 0 && a < 1000 && b < 1000) {
        v->cols = a;
        v->rows = b;
        v->cleared = false; /* a resized terminal is cleared once, then redrawn */
    } else if (v->hello && sscanf(line, "k %2x", &x) == 1) {
        viewer_byte(v, (char)x);
    }
    /* anything else: a newer client's request this station does not know */
}

static void *on_open(void *ctx, fota_attach_client_t *c)
{
    station_t *st = ctx;
    viewer_t *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->st = st;
    v->c = c;
    v->cols = 80;
    v->rows = 24;
    v->next = st->attach->viewers;
    st->attach->viewers = v;
    return v;
}

static void on_data(void *ctx, void *cctx, const char *data, size_t len)
{
    viewer_t *v = cctx;
    bool redraw = false;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            if (v->len + 1 >= sizeof v->line) {
                fota_attach_drop(v->c, "request too long");
                return;
            }
            v->line[v->len++] = data[i];
            continue;
        }
        v->line[v->len] = '\0';
        v->len = 0;
        viewer_request(v, v->line);
        redraw = true;
    }
    (void)ctx;
    if (redraw && v->hello) /* an answer at once, not at the next tick */
        viewer_frame(v);
}

static void on_close(void *ctx, void *cctx, const char *why)
{
    station_t *st = ctx;
    viewer_t *v = cctx;
    for (viewer_t **p = &st->attach->viewers; *p; p = &(*p)->next)
        if (*p == v) {
            *p = v->next;
            break;
        }
    if (v->hello && !st->stopped)
        station_log(st, "a viewer left (%s)", why);
    free(v);
}

void station_attach_start(station_t *st, station_key_fn key)
{
    struct station_attach *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->key = key;
    char alias[128];
    if (fota_attach_path("ports", st->opts->ports, a->path, sizeof a->path) < 0 ||
        fota_attach_path("db", st->opts->db, alias, sizeof alias) < 0) {
        station_log(st, "attach: the socket's path would be too long (FOTA_LOCK_DIR); no "
                        "`fota-station attach` for this station");
        free(a);
        return;
    }
    st->attach = a;
    fota_attach_cbs_t cbs = {on_open, on_data, on_close};
    int rc = fota_attach_srv_start(st->loop, a->path, alias, ATTACH_GROUP, &cbs, st, &a->srv);
    if (rc < 0) {
        station_log(st, "attach: cannot listen on %s: %s; no `fota-station attach` for this "
                        "station", a->path, uv_strerror(rc));
        st->attach = NULL;
        free(a);
    }
}

void station_attach_tick(station_t *st)
{
    if (!st->attach)
        return;
    for (viewer_t *v = st->attach->viewers, *next; v; v = next) {
        next = v->next; /* a stalled viewer is dropped (and freed) while sending */
        if (v->hello)
            viewer_frame(v);
    }
}

void station_attach_stop(station_t *st)
{
    if (!st->attach)
        return;
    station_attach_tick(st); /* the last frame: the viewers see the station stop */
    fota_attach_srv_stop(st->attach->srv);
    free(st->attach);
    st->attach = NULL;
}
