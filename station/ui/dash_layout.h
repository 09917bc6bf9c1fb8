/* Inside the dashboard: which lines the slot table shows (dash_layout.c), for
 * dash.c to render. */
#ifndef FOTA_STATION_DASH_LAYOUT_H
#define FOTA_STATION_DASH_LAYOUT_H

#include "dash.h"

#define FOTA_DASH_N_STATES (FOTA_DASH_EMPTY + 1)

/* One line of the table: a slot, or a hub's summary when the slots do not fit. */
typedef struct {
    const fota_dash_row_t *row;        /* NULL: a hub line */
    char hub[40];                      /* hub-relative ("1.3"), "" for names of no USB shape */
    unsigned count[FOTA_DASH_N_STATES];
    unsigned slots;
} fota_dash_item_t;

/* Fills items (room for 2 n + 1: the second half is scratch) with at most `room`
 * lines for the n sorted rows: every slot by name when they fit; otherwise the
 * failed slots by name (at most half the room), then hubs folded into one line
 * each, quiet hubs first, until the rest fits. *more = lines left out. Returns the
 * number of items. */
size_t fota_dash_plan(const fota_dash_row_t *rows, size_t n, size_t room,
                      fota_dash_item_t *items, size_t *more);
/* States from the worst (FAIL) to the most quiet (empty): a hub line lists its
 * counts in this order, its first is its colour. */
extern const fota_dash_state_t fota_dash_severity[FOTA_DASH_N_STATES];

#endif
