/* Small helpers shared by station files. */
#ifndef FOTA_STATION_UTIL_H
#define FOTA_STATION_UTIL_H

#include <stddef.h>
#include <string.h>

/* Copies src into dst (cap bytes), truncating; always NUL-terminated. Returns true
 * when nothing was cut. (snprintf("%s") would do, but gcc's -Wformat-truncation
 * rejects it whenever the source array is larger than the destination.) */
static inline int fota_copy(char *dst, size_t cap, const char *src)
{
    if (!cap)
        return 0;
    size_t n = strlen(src);
    int whole = n < cap;
    if (!whole)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return whole;
}

/* src for a terminal or a log line: every byte outside printable ASCII (C0, DEL, C1,
 * any byte of a multi-byte sequence) becomes \xNN, so a link's name or a module's
 * reply cannot clear the screen or forge a line. Returns dst. */
char *fota_printable(const char *src, char *dst, size_t cap);

#endif
