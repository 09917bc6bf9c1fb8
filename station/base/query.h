/* A few plain AT commands before (or instead of) an upgrade: `AT` to see that a port
 * that is not a known USB device answers like a module (docs/station.md), `AT+GSN` to tell a
 * new module from the one that just finished in the same slot, and `ATI` + `AT+GSN`
 * for `probe`. Sans-I/O: the caller writes query_command() + "\r", feeds the bytes read
 * and owns the timer. Echo is tolerated (it is never switched off: probe changes
 * nothing on the module); URCs in between are ignored. */
#ifndef FOTA_STATION_QUERY_H
#define FOTA_STATION_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FOTA_QUERY_MAX_CMDS 4

typedef struct {
    const char *cmds[FOTA_QUERY_MAX_CMDS];
    size_t n, cur;
    bool failed;           /* a command answered ERROR */
    char line[512];
    size_t len;
    /* what was learnt */
    char manufacturer[64];
    char model[64];
    char revision[96];
    char imei[32];
    int ati_lines;
} fota_query_t;

void fota_query_init(fota_query_t *q, const char *const *cmds, size_t n);
/* The command to send now, or NULL when every command has answered. */
const char *fota_query_command(const fota_query_t *q);
/* Feeds bytes; returns true when the current command completed (OK or ERROR) and
 * query_command() moved on. Bytes after the final response stay buffered. */
bool fota_query_feed(fota_query_t *q, const uint8_t *data, size_t n);
bool fota_query_done(const fota_query_t *q);

#endif
