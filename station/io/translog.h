/* --log-dir: one transcript file per attempt, "<ISO time> tx|rx|info <text>" lines.
 * The machine masks secrets in its TRACE text already; every line passes through
 * core's fota_secret_mask() again so no URL password reaches a file even if one slips. */
#ifndef FOTA_STATION_TRANSLOG_H
#define FOTA_STATION_TRANSLOG_H

#include <stdint.h>
#include <stdio.h>

#include "at_chat.h"
#include "iso_time.h"

/* A name already taken gets ".1" … before ".log"; past this many, the open fails. */
#define TRANSLOG_NAME_TRIES 8

/* Creates DIR/<yyyymmdd-hhmmss>-<slot>-<attempt id>.log (slot sanitised): a new file,
 * mode 0640 before the umask, never through a symbolic link. NULL with errno on error. */
FILE *fota_translog_open(const char *dir, const char *slot, int64_t attempt_id, int64_t now_ms,
                         char *path_out, size_t path_len);
/* Renames a transcript once its attempt id is known; never replaces an existing
 * file or link. 0 or a negative errno. */
int fota_translog_rename(const char *from, const char *to);
void fota_translog_line(FILE *f, int64_t now_ms, fota_trace_dir_t dir, const char *text);

#endif
