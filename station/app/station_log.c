/* The station's log lines: under the dashboard's table the last few of them, or
 * one timestamped line each on stdout (no terminal, or --no-dashboard). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log_line.h"
#include "station_int.h"
#include "iso_time.h"
#include "translog.h"
#include "util.h"

static char log_ring[STATION_LOG_LINES][256];
static unsigned log_n;

/* stdout closed (`| head`, EPIPE) or its terminal gone: the console log ends there,
 * the run goes on (every result is in the database). Said once, on stderr. */
void station_console_flush(station_t *st)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return;
    st->console_gone = true;
    fprintf(stderr, "fota-station: stdout closed (%s); no more console log, the run goes on "
                    "and records every result in the database\n", strerror(errno));
}

void station_log(station_t *st, const char *fmt, ...)
{
    char raw[1536], msg[4096]; /* room for two link names of 255 bytes, escaped */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* Names and module text come from outside: no byte of theirs drives the terminal
     * or starts a line of its own. */
    fota_printable(raw, msg, sizeof msg);
    char t[40];
    fota_iso_format_as(station_wall(st), FOTA_ISO_MS, t, sizeof t);
    /* Under the table, the last few messages (a pause's reason among them), a slot
     * named as the table names it: at 80 columns the by-path name would leave no
     * room for what happened. Kept with --no-dashboard too, for the viewers of
     * `fota-station attach`. */
    char *l = log_ring[log_n % STATION_LOG_LINES];
    memcpy(l, t + 11, 8); /* hh:mm:ss */
    l[8] = ' ';
    fota_log_short_slot(msg, l + 9, sizeof log_ring[0] - 9);
    log_n++;
    if (st->dashboard)
        return;
    if (st->console_gone)
        return;
    printf("%s %s\n", t, msg);
    station_console_flush(st);
}

size_t station_log_recent(const char *out[STATION_LOG_LINES])
{
    unsigned first = log_n > STATION_LOG_LINES ? log_n - STATION_LOG_LINES : 0;
    size_t n = 0;
    for (unsigned i = first; i < log_n; i++)
        out[n++] = log_ring[i % STATION_LOG_LINES];
    return n;
}
