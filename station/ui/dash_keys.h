/* The operator's keys on the dashboard, as rules without a terminal: one table of
 * keys (the legend and the footer are read off it), the quit question that stands
 * for FOTA_QUIT_CONFIRM_MS and then goes away, and the words that say what
 * quitting leaves behind. The time is given, so every rule is unit-tested. */
#ifndef FOTA_STATION_DASH_KEYS_H
#define FOTA_STATION_DASH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dash.h"

#define FOTA_QUIT_CONFIRM_MS 5000

typedef enum {
    FOTA_KEY_NONE,     /* nothing to do (escape sequences; the key that closed the legend) */
    FOTA_KEY_ACK,      /* acknowledge the pause */
    FOTA_KEY_QUIT_ASK, /* modules in flight: the question is asked */
    FOTA_KEY_QUIT,     /* stop: nothing in flight, or the question answered in time */
    FOTA_KEY_LEGEND,   /* the legend is shown until any key */
    FOTA_KEY_RETRY,    /* a new attempt on the selected slot's module */
    FOTA_KEY_SERVICE,  /* the selected slot out of service, or back */
    FOTA_KEY_POWER,    /* the selected slot's hub port power-cycled */
    FOTA_KEY_UNKNOWN,  /* a key that means nothing: say that ? lists them */
} fota_key_do_t;

typedef struct {
    int64_t quit_until_ms; /* the question stands until then (monotonic); 0: none */
    bool legend;           /* the legend is shown */
} fota_keys_t;

/* One byte from the terminal (raw mode: ^C is 3). in_flight: modules whose attempt
 * runs now; with none, q and ^C stop at once. */
fota_key_do_t fota_keys_press(fota_keys_t *k, int c, unsigned in_flight, int64_t now_ms);
/* True once, when a question nobody answered has run out. */
bool fota_keys_expire(fota_keys_t *k, int64_t now_ms);

/* What the frame shows for the keys: the footer always, the legend in place of the
 * table while it is open, the question above the footer while it stands. lines is
 * storage for the question (FOTA_KEYS_PROMPT_LINES of FOTA_KEYS_LINE bytes). */
#define FOTA_KEYS_PROMPT_LINES 5
#define FOTA_KEYS_LINE 160
void fota_keys_frame(const fota_keys_t *k, unsigned in_flight, int64_t now_ms,
                     char lines[FOTA_KEYS_PROMPT_LINES][FOTA_KEYS_LINE],
                     const char *prompt[FOTA_KEYS_PROMPT_LINES], fota_dash_frame_t *f);

/* After a stop with n modules in flight: what happens to them, for the log and the
 * terminal after the dashboard ("" when n is 0). */
void fota_keys_abort_note(char *buf, size_t cap, unsigned n);

#endif
