/* URL packages pinned by a sha256 (docs/station.md, "URL packages and their digest"):
 * a module downloads a `method: url` package itself, so the station never holds its
 * bytes; where the job gives a `sha256:` for one, the station fetches the file once at
 * start (libcurl, bounded), hashes it and refuses the job on a mismatch or when the
 * file cannot be fetched. The computed digest goes into the package's sha256_actual,
 * so every row and the run's packages line record it as they do a local file's.
 * A URL package without a sha256 is never fetched (its rows record no digest). */
#ifndef FOTA_STATION_URL_DIGEST_H
#define FOTA_STATION_URL_DIGEST_H

#include <stdio.h>

#include "job.h"

/* Bounds of one fetch, in seconds: connecting, no byte arriving, the whole file. */
typedef struct {
    long connect_s, stall_s, total_s;
} fota_url_fetch_limits_t;

#define FOTA_URL_FETCH_LIMITS_DEFAULT {10, 30, 900}

/* Fetches and checks every URL package of job that has a sha256 (each URL once).
 * Progress lines go to out ("URL package NAME: fetching URL ... N bytes, sha256
 * matched"), errors to err as "file:line:column: message" naming the package, the
 * URL with its user and password replaced by "***", the expected and the computed
 * digests or why the fetch failed. Neither ever holds the URL's credentials.
 * Returns the number of packages refused (0: all matched, or none to fetch). */
int fota_url_digest_check(fota_job_t *job, const fota_url_fetch_limits_t *lim, FILE *out,
                          FILE *err);

/* u with its userinfo ("user:password@" or "user@") written as three stars and
 * an '@': "ftp:" "//" "***@host/a.pkg". Other text is copied; always NUL-terminated. */
void fota_url_digest_shown(const char *u, char *out, size_t outlen);

/* msg with the URL u's user (3 bytes or more) and password, as written and
 * %-decoded, replaced by "***", and every URL's password masked: for libcurl's
 * error texts, which may quote the URL or the FTP login. */
void fota_url_digest_scrub(const char *u, const char *msg, char *out, size_t outlen);

#endif
