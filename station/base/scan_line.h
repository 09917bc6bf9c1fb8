/* A scanned line among the dashboard's keys. A keyboard-wedge scanner types its
 * code and Enter; the dashboard's keys are single lowercase letters, '?' and
 * control bytes. So a printable byte that is none of those (an uppercase letter, a
 * digit, '-', ...) starts a scan, and from then on every printable byte belongs to
 * it until Enter; Escape or ^U drops it, Backspace takes one byte back. A key
 * typed while no scan is under way acts at once, as before. The same rule in the
 * station's terminal and in `fota-station attach`. */
#ifndef FOTA_STATION_SCAN_LINE_H
#define FOTA_STATION_SCAN_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define FOTA_SCAN_MAX 64

typedef struct {
    char buf[FOTA_SCAN_MAX + 1];
    size_t len;
    bool overlong; /* more than FOTA_SCAN_MAX bytes: the line is refused at Enter */
} fota_scan_line_t;

typedef enum {
    FOTA_SCAN_KEY,      /* not part of a scan: the byte is a key */
    FOTA_SCAN_TAKEN,    /* part of a scan under way (or Escape/Backspace on it) */
    FOTA_SCAN_DONE,     /* Enter ended a scan: buf holds it, NUL-terminated */
} fota_scan_feed_t;

fota_scan_feed_t fota_scan_line_feed(fota_scan_line_t *l, char c);
/* After DONE: ready for the next scan. */
void fota_scan_line_reset(fota_scan_line_t *l);

#endif
