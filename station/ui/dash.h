/* The operator's live view: one line per slot under a header of counts, rendered
 * into a buffer (so tests read exactly what the operator sees) and redrawn in place
 * with cursor addressing: home, each line erased then written, erase below. No
 * full-screen clear, so no flicker at 4 redraws per second; sized to the terminal
 * so it never scrolls (dash.c renders lines, dash_layout.c orders and fits). */
#ifndef FOTA_STATION_DASH_H
#define FOTA_STATION_DASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    FOTA_DASH_IDLE,     /* link present, nothing running (waiting for a module / removal) */
    FOTA_DASH_PROBING,
    FOTA_DASH_QUEUED,   /* identified, waiting for a limit */
    FOTA_DASH_RUNNING,
    FOTA_DASH_PASS,
    FOTA_DASH_FAIL,
    FOTA_DASH_SKIP,
    FOTA_DASH_INTERRUPTED,
    FOTA_DASH_NOT_RECORDED, /* a verdict the results database never took */
    FOTA_DASH_OFF,      /* out of service: nothing touches a module in it */
    FOTA_DASH_EMPTY,    /* link gone */
} fota_dash_state_t;

typedef struct {
    const char *slot;
    const char *model;
    const char *imei;
    const char *phase;     /* machine's words ("uploading 3/7 MiB", "updating") */
    int percent;           /* -1 unknown */
    int64_t elapsed_ms;    /* -1 none */
    fota_dash_state_t state;
    const char *result;    /* "download/601 HTTP file not found" or reason of SKIP */
    bool selected;         /* the operator's selected slot (r, x act on it) */
} fota_dash_row_t;

typedef struct {
    const char *batch;
    const char *station;
    unsigned pass, fail, skip, running, queued, interrupted; /* this run's attempts */
    unsigned not_recorded;   /* verdicts the database never took (shown when > 0) */
    /* The batch's yields, earlier runs included (docs/database.md, "Yield"): modules
     * with a verdict, and those whose first / latest verdict is PASS. */
    long long modules, first_pass, final_pass;
    const char *banner;    /* pause reason, ModemManager warning; NULL none */
    const char *db_banner; /* "results database busy for 12 s …"; NULL none */
    const char *central;   /* "central: connected" / "…behind by N" / "…offline since T"; NULL none */
} fota_dash_header_t;

/* One frame: the header, the slot table and the newest log lines under it. */
typedef struct {
    const fota_dash_header_t *h;
    const fota_dash_row_t *rows; /* in display order (fota_dash_sort) */
    size_t n;
    const char *const *log;      /* oldest first */
    size_t n_log;
    int width;                   /* terminal columns; 0: no limit */
    int height;                  /* terminal lines; 0: no limit (one line per slot) */
    bool color;                  /* a terminal: cursor addressing and colours */
    /* The keys (dash_keys.c): the footer is the frame's last line; the legend is
     * shown instead of the table and the log; a question above the footer. */
    const char *footer;          /* NULL: none */
    const char *const *overlay;
    size_t n_overlay;
    const char *const *prompt;
    size_t n_prompt;
} fota_dash_frame_t;

/* Renders a full frame into buf (always NUL-terminated, truncated to cap); returns
 * its length. On a terminal (height > 0) the frame never scrolls: at most height - 1
 * lines, each cut to width characters (a line in the last column would wrap); when
 * the slots outnumber the lines, FAIL rows stay and the rest collapse to one line
 * per hub. The question and the footer take their lines from the table's and the
 * log's. */
size_t fota_dash_render(char *buf, size_t cap, const fota_dash_frame_t *f);

/* Display order: FAIL and INTERRUPTED first (the modules to pull), then running,
 * queued and probing, then the rest; within each, natural order of the hub-relative
 * label (1.2 before 1.10). */
void fota_dash_sort(fota_dash_row_t *rows, size_t n);
/* The slot as the screen shows it: the hub-relative part of a by-path hub port
 * ("1.3.2" of "pci-0000:00:14.0-usb-0:1.3.2"), or the whole name when it has no
 * USB shape. The full name stays in the log and the database. */
const char *fota_dash_short_label(const char *slot);
/* A yield as the header, the exit line and the text report show it: num modules of
 * den, "75.0% (3/4)", or "-" when den is 0. */
void fota_dash_yield(char *buf, size_t cap, long long num, long long den);
/* "[#########...........]  45%" into buf (bar of `cells` cells). */
void fota_dash_bar(char *buf, size_t cap, int percent, int cells);
/* "1:05" / "1:02:03" */
void fota_dash_elapsed(char *buf, size_t cap, int64_t ms);
const char *fota_dash_state_name(fota_dash_state_t s);

#endif
