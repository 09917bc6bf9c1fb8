/* ISO 8601 UTC timestamps as the database stores them: "2026-11-23T11:17:00.123Z".
 * One fixed width and one zone, so text comparison orders them by time (the
 * report's --since and the indexes rely on that). */
#ifndef FOTA_ISO_TIME_H
#define FOTA_ISO_TIME_H

#include <stddef.h>
#include <stdint.h>

#define FOTA_ISO_LEN 25 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */

/* Unix epoch ms -> "YYYY-MM-DDTHH:MM:SS.mmmZ". Returns out. */
char *fota_iso_format(int64_t ms, char out[FOTA_ISO_LEN]);

/* The forms the program writes an instant in, all UTC, all from one formatter:
 *   FOTA_ISO_MS       "2026-11-23T11:17:00.123Z"  the database, transcripts, logs
 *   FOTA_ISO_SECONDS  "2026-11-23T11:17:00Z"      messages (a lock holder's start)
 *   FOTA_ISO_FILE     "20261123-111700"           file names: sorts by time, no ':' */
typedef enum { FOTA_ISO_MS, FOTA_ISO_SECONDS, FOTA_ISO_FILE } fota_iso_form_t;

/* Writes ms in `form` into out (cut to len). Returns out. */
char *fota_iso_format_as(int64_t ms, fota_iso_form_t form, char *out, size_t len);

/* Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "…:SS", "…:SS.fff", with an optional
 * "Z" or "+hh:mm"/"-hh:mm" (a space may replace the T; no zone means UTC).
 * 0 and *ms set, or FOTA_E_PARSE. */
int fota_iso_parse(const char *s, int64_t *ms);


#endif
