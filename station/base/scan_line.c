/* The scan line (scan_line.h). */
#include "scan_line.h"

#include <string.h>

static bool starts_scan(char c)
{
    unsigned char u = (unsigned char)c;
    return u > ' ' && u < 0x7f && !(c >= 'a' && c <= 'z') && c != '?';
}

void fota_scan_line_reset(fota_scan_line_t *l)
{
    memset(l, 0, sizeof *l);
}

fota_scan_feed_t fota_scan_line_feed(fota_scan_line_t *l, char c)
{
    unsigned char u = (unsigned char)c;
    if (l->len == 0 && !l->overlong)
        return starts_scan(c) ? (l->buf[l->len++] = c, FOTA_SCAN_TAKEN) : FOTA_SCAN_KEY;
    if (c == '\r' || c == '\n') {
        l->buf[l->len] = '\0';
        return FOTA_SCAN_DONE;
    }
    if (c == 0x1b || c == 0x15) { /* Escape, ^U: the scan is dropped */
        fota_scan_line_reset(l);
        return FOTA_SCAN_TAKEN;
    }
    if (c == 0x7f || c == 0x08) {
        if (l->len)
            l->len--;
        if (l->len == 0)
            l->overlong = false;
        return FOTA_SCAN_TAKEN;
    }
    if (u == 3) /* ^C is never part of a scan */
        return FOTA_SCAN_KEY;
    if (u < ' ' || u == 0x7f)
        return FOTA_SCAN_TAKEN; /* other control bytes: ignored inside a scan */
    if (l->len < FOTA_SCAN_MAX)
        l->buf[l->len++] = c;
    else
        l->overlong = true;
    return FOTA_SCAN_TAKEN;
}
