/* The operator's live view: one line per slot under a header of counts, rendered
 * into a buffer (so tests read exactly what the operator sees) and redrawn in place
 * with cursor addressing: home, each line then erase-to-end-of-line, erase below.
 * No full-screen clear, so no flicker at 4 redraws per second. */
#ifndef FOTA_STATION_DASHBOARD_H
#define FOTA_STATION_DASHBOARD_H

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
} fota_dash_row_t;

typedef struct {
    const char *batch;
    const char *station;
    unsigned pass, fail, skip, running, queued;
    const char *banner;    /* pause reason, ModemManager warning; NULL none */
    const char *db_banner; /* "results database busy for 12 s …"; NULL none */
} fota_dash_header_t;

/* Renders a full frame. Returns the length written (always NUL-terminated, truncated
 * to cap). width = terminal columns (lines are cut to fit). */
size_t fota_dash_render(char *buf, size_t cap, const fota_dash_header_t *h,
                        const fota_dash_row_t *rows, size_t n, bool color, int width);
/* "[#########...........]  45%" into buf (bar of `cells` cells). */
void fota_dash_bar(char *buf, size_t cap, int percent, int cells);
/* "1:05" / "1:02:03" */
void fota_dash_elapsed(char *buf, size_t cap, int64_t ms);
const char *fota_dash_state_name(fota_dash_state_t s);

#endif
