/* The station's start record; see store_runs.h. */
#include "store_runs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <sqlite3.h>

#include "fota_types.h"
#include "iso_time.h"
#include "sha256.h"
#include "store_schema.h"
#include "text_escape.h"

#ifndef FOTA_VERSION
#define FOTA_VERSION "unknown"
#endif

const char *fota_store_software_version(void)
{
    return "fota-station " FOTA_VERSION;
}

char *fota_store_run_packages(const fota_job_t *job)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    bool first = true;
    for (size_t t = 0; t < job->n_targets; t++) {
        const fota_target_t *tg = &job->targets[t];
        for (size_t i = 0; i < tg->n_packages; i++) {
            const fota_package_t *p = &tg->packages[i];
            const char *sha = p->sha256_actual[0] ? p->sha256_actual
                              : p->sha256 && p->sha256[0] ? p->sha256
                                                          : "url";
            fprintf(f, "%s%s  %s (%s -> %s)", first ? "" : "\n", sha,
                    p->name ? p->name : "-", p->from ? p->from : "any", p->to ? p->to : "-");
            first = false;
        }
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The job file's SHA-256 as lowercase hex; "" when it cannot be read. */
static void file_sha256(const char *path, char out[65])
{
    out[0] = '\0';
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return;
    fota_sha256_t h;
    fota_sha256_init(&h);
    unsigned char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fota_sha256_update(&h, buf, n);
    int err = ferror(f);
    fclose(f);
    if (err)
        return;
    uint8_t d[32];
    fota_sha256_final(&h, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int bind_or_null(sqlite3_stmt *st, int idx, const char *v)
{
    if (!v || !v[0])
        return sqlite3_bind_null(st, idx);
    char *m = fota_text_mask_secrets(v); /* a URL in a package's line may carry a password */
    return m ? sqlite3_bind_text(st, idx, m, -1, free) : SQLITE_NOMEM;
}

int fota_store_run_record(const char *db_path, const fota_job_t *job, const char *batch,
                          const char *operator_id, char *errbuf, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sha[65], now[FOTA_ISO_LEN];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    file_sha256(job->source, sha);
    char *packages = fota_store_run_packages(job);
    int rc = FOTA_E_IO;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        goto out;
    sqlite3_busy_timeout(db, 5000);
    if ((rc = fota_store_schema_migrate(db, errbuf, errlen)) < 0)
        goto done;
    rc = FOTA_E_IO;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO runs (started_at, batch, station, operator, job_name,"
                           " job_path, job_sha256, software_version, packages)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    int b = bind_or_null(st, 1, fota_iso_format((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, now)) |
            bind_or_null(st, 2, batch ? batch : job->name) | bind_or_null(st, 3, job->station) |
            bind_or_null(st, 4, operator_id) | bind_or_null(st, 5, job->name) |
            bind_or_null(st, 6, job->source) | bind_or_null(st, 7, sha) |
            bind_or_null(st, 8, fota_store_software_version()) | bind_or_null(st, 9, packages);
    if (b != SQLITE_OK) {
        rc = FOTA_E_NOMEM;
        snprintf(errbuf, errlen, "recording the run: out of memory");
        goto done;
    }
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = 0;
out:
    if (rc < 0 && errbuf)
        snprintf(errbuf, errlen, "recording the run: %s", db ? sqlite3_errmsg(db) : "out of memory");
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(packages);
    return rc;
}
