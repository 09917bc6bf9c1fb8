/* Package bytes: every `file:` of a job read once into memory and hashed, so
 * every slot streams the same buffer and a wrong file is refused before the first
 * module is touched (`fota-station check`, a package's `sha256:`). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "secret_mask.h"
#include "sha256.h"
#include "yaml_doc.h"

static int fail(const fota_job_t *j, const fota_package_t *pk, fota_load_errors_t *errs, int rc,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Lists an error at the package's place in the job file; returns rc. */
static int fail(const fota_job_t *j, const fota_package_t *pk, fota_load_errors_t *errs, int rc,
                const char *fmt, ...)
{
    char msg[sizeof errs->v[0].message], masked[sizeof msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fota_secret_mask(msg, masked, sizeof masked); /* never a password */
    fota_load_errors_add(errs, j->source, pk->line, pk->column, masked);
    return rc;
}

/* Regular files only (a FIFO would hang, /dev/zero never ends), and never empty:
 * 0 bytes is no firmware, and every module would reject it after the transfer. */
static int read_all(const char *path, uint8_t **data, size_t *size)
{
    char *buf;
    int rc = fota_file_read(path, SIZE_MAX - 1, &buf, size);
    if (rc)
        return rc;
    if (*size == 0) {
        free(buf);
        return FOTA_E_EMPTY;
    }
    *data = (uint8_t *)buf;
    return 0;
}

/* An earlier package naming the same file: share its bytes (job.h: never copied). */
static const fota_package_t *same_file(const fota_job_t *j, const fota_package_t *pk)
{
    for (size_t t = 0; t < j->n_targets; t++)
        for (size_t i = 0; i < j->targets[t].n_packages; i++) {
            const fota_package_t *o = &j->targets[t].packages[i];
            if (o == pk)
                return NULL;
            if (o->data && o->file && strcmp(o->file, pk->file) == 0)
                return o;
        }
    return NULL;
}

/* One package: its bytes read (or shared) and hashed, its sha256 compared. */
static int load_one(fota_job_t *j, fota_package_t *pk, fota_load_errors_t *errs)
{
    if (pk->sha256 && !fota_sha256_hex_valid(pk->sha256))
        return fail(j, pk, errs, FOTA_E_PARSE, "sha256 of %.80s: '%.70s' is not 64 hex digits",
                    pk->name, pk->sha256);
    if (!pk->file || pk->data)
        return 0;
    const fota_package_t *o = same_file(j, pk);
    if (o) {
        pk->data = o->data;
        pk->size = o->size;
        pk->data_borrowed = true;
        memcpy(pk->sha256_actual, o->sha256_actual, sizeof pk->sha256_actual);
    } else {
        int rc = read_all(pk->file, &pk->data, &pk->size);
        if (rc)
            return fail(j, pk, errs, rc, "package file %.180s: %s%s", pk->file,
                        fota_strerror(rc), fota_file_hint(rc));
        fota_sha256_hex(pk->data, pk->size, pk->sha256_actual);
    }
    if (pk->sha256 && strcmp(pk->sha256, pk->sha256_actual) != 0)
        return fail(j, pk, errs, FOTA_E_PARSE,
                    "sha256 mismatch for %.60s: the job says %.64s, the file has %s", pk->name,
                    pk->sha256, pk->sha256_actual);
    return 0;
}

int fota_job_load_packages_all(fota_job_t *j, fota_load_errors_t *errs)
{
    int rc = 0;
    for (size_t t = 0; t < j->n_targets; t++)
        for (size_t i = 0; i < j->targets[t].n_packages; i++) {
            int r = load_one(j, &j->targets[t].packages[i], errs);
            if (r && (!rc || r == FOTA_E_NOMEM))
                rc = r;
            if (rc == FOTA_E_NOMEM)
                return rc;
        }
    return rc;
}

int fota_job_load_packages(fota_job_t *j, fota_load_error_t *err)
{
    fota_load_errors_t l = {.n = 0};
    return fota_load_errors_first(&l, fota_job_load_packages_all(j, &l), err);
}
