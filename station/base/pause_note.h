/* What the failures behind a same-failure pause have in common, for its banner:
 * the same package, the same hub, the same model; or nothing but the error. The
 * streak itself (N FAILs in a row with one class and code) is line_limits.c's. */
#ifndef FOTA_STATION_PAUSE_NOTE_H
#define FOTA_STATION_PAUSE_NOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "fota_types.h"

typedef struct {
    char package[512]; /* the attempt's package names ("" none) */
    char hub[128];     /* the slot's hub, hub-relative ("1.3") */
    char model[64];
    bool same_package, same_hub, same_model;
} fota_pause_note_t;

/* One FAIL, the streak_n-th of the current streak (1 starts a new one). */
void fota_pause_note_add(fota_pause_note_t *p, unsigned streak_n, const char *package,
                         const char *hub, const char *model);
/* "PAUSED: 3 FAILs package/504, all with package a06-a07.zip, on hub 1.1: stop the
 * line: package; press a to resume" (the shared facts first: an 80-column cut
 * keeps them). */
void fota_pause_banner(char *buf, size_t cap, const fota_pause_note_t *p, unsigned n,
                       fota_error_class_t cls, int code, const char *action);

#endif
