/* `fota-station check`; see check.h. */
#include "check.h"
#include "check_plan.h"

#include <libgen.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url_digest.h"

/* Every error found, one line each, then how many more the bounded list left out. */
static void print_errors(const fota_load_errors_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        char buf[640];
        fota_load_error_format(&l->v[i], buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    if (l->more)
        fprintf(stderr, "... and %zu more error(s) not shown; fix these and check again\n",
                l->more);
}

static void issue_cb(void *ctx, const fota_load_error_t *e)
{
    fota_load_errors_add(ctx, e->file, e->line, e->column, e->message);
}

/* Profiles and job are loaded side by side so that one run lists the mistakes of
 * both; the job is checked against the profiles, and its package files read, only
 * when both loaded (neither would mean anything otherwise). */
static int load_into(const char *profiles_dir, const char *job_path, fota_profile_set_t *set,
                     fota_job_t **job, fota_load_errors_t *errs)
{
    int rc = fota_profile_set_load_dir_all(profiles_dir, set, errs);
    if (!job_path)
        return rc;
    int jrc = fota_job_load_file_all(job_path, job, errs);
    if (rc && !jrc)
        fota_load_errors_add(errs, job_path, 0, 0,
                             "read, but not checked against the profiles nor its package files "
                             "read, since the profiles did not load");
    if (rc || jrc)
        return rc ? rc : jrc;
    /* Package files are read whatever the validation found: a missing file is an
     * error of its own. */
    int issues = fota_job_validate(*job, set, issue_cb, errs);
    int prc = fota_job_load_packages_all(*job, errs);
    return issues > 0 && prc != FOTA_E_NOMEM ? FOTA_E_PARSE : prc;
}

/* Profiles, job, validation, packages: everything that can be wrong in the files,
 * before any module is touched. 0 or exit code 2. */
int fota_station_load(const char *profiles_dir, const char *job_path, fota_profile_set_t *set,
                      fota_job_t **job)
{
    memset(set, 0, sizeof *set);
    *job = NULL;
    fota_load_errors_t *errs = calloc(1, sizeof *errs);
    if (!errs) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    int rc = load_into(profiles_dir, job_path, set, job, errs);
    print_errors(errs);
    free(errs);
    if (rc == 0 && set->n == 0) {
        fprintf(stderr, "%s: no profiles (*.yaml) found\n", profiles_dir);
        rc = FOTA_E_NOENT;
    }
    /* Last, once the files are right: a sha256 pins a URL package's file, fetched
     * here to compare (url_digest.h); a mismatch or an unreachable server refuses. */
    fota_url_fetch_limits_t lim = FOTA_URL_FETCH_LIMITS_DEFAULT;
    if (rc == 0 && *job && fota_url_digest_check(*job, &lim, stdout, stderr) > 0)
        rc = FOTA_E_PARSE;
    if (rc) {
        /* Never half-used: a file with any error is refused as a whole. */
        fota_job_free(*job);
        *job = NULL;
        fota_profile_set_free(set);
        return 2;
    }
    return 0;
}

/* What check did to a job's packages, for its summary. */
typedef struct {
    size_t local, files_read, sha_matched, sha_absent;
    size_t url, url_matched;
} check_counts_t;

static check_counts_t count_packages(const fota_job_t *job)
{
    check_counts_t c = {0};
    for (size_t t = 0; t < job->n_targets; t++)
        for (size_t i = 0; i < job->targets[t].n_packages; i++) {
            const fota_package_t *pk = &job->targets[t].packages[i];
            if (pk->url) {
                c.url++;
                c.url_matched += pk->sha256_actual[0] != '\0'; /* fetched, compared */
                continue;
            }
            c.local++;
            c.files_read += !pk->data_borrowed; /* one read per file, however often listed */
            if (pk->sha256)
                c.sha_matched++; /* a mismatch would have stopped the load */
            else
                c.sha_absent++;
        }
    return c;
}

/* A URL package without a sha256: fetched by modules only, so nothing says later
 * which file they flashed. Returns the number of warnings. */
static size_t warn_unpinned_urls(const fota_job_t *job)
{
    size_t n = 0;
    for (size_t t = 0; t < job->n_targets; t++)
        for (size_t i = 0; i < job->targets[t].n_packages; i++) {
            const fota_package_t *pk = &job->targets[t].packages[i];
            if (!pk->url || pk->sha256)
                continue;
            char shown[600];
            fota_url_digest_shown(pk->url, shown, sizeof shown);
            printf("  warning: URL package %s (%s) has no sha256: it cannot be audited (its "
                   "rows record no package_sha256); give the package a sha256 to pin it\n",
                   pk->name, shown);
            n++;
        }
    return n;
}

/* Says exactly what was checked: local files are read and hashed here; URL packages
 * with a sha256 were fetched and compared (url_digest.h), the others only checked as
 * text (the module fetches them, the station never does). */
static void print_job_summary(const fota_job_t *job)
{
    check_counts_t c = count_packages(job);
    printf("%s: %zu target(s) ok, each matched to a profile that supports its method\n",
           job->source, job->n_targets);
    if (c.local)
        printf("  %zu local package(s): %zu file(s) read and hashed; sha256 matched for %zu, "
               "%zu without a sha256 to compare\n",
               c.local, c.files_read, c.sha_matched, c.sha_absent);
    if (c.url_matched)
        printf("  %zu URL package(s): %zu fetched and matched, %zu without a sha256: NOT "
               "fetched\n",
               c.url, c.url_matched, c.url - c.url_matched);
    else if (c.url)
        printf("  %zu URL package(s): NOT fetched (a module downloads them itself)\n", c.url);
    if (c.url)
        printf("    checked as text: scheme://host/file form, scheme allowed by the profile, "
               "length within its limit, FTP root folder where the family needs it, "
               "no character that would break the AT command\n");
    if (c.url_matched)
        printf("    fetched once each (with the job's credentials, never shown) and hashed: "
               "the file the server holds now is the one the job's sha256 names\n");
    if (c.url > c.url_matched)
        printf("    not checked%s: whether the server has the file, or what it holds (a "
               "module finds out when it downloads it)\n",
               c.url_matched ? " for those without a sha256" : "");
}

/* A package file outside the job's folder (after symlinks and "..") is legal, but a
 * job copied from elsewhere or edited by hand could then upload any file the station
 * may read (`file: ../../../etc/passwd`): say so, with the real path. Returns the
 * number of warnings. */
static size_t warn_outside_job_dir(const fota_job_t *job)
{
    char *copy = strdup(job->source), dir[PATH_MAX];
    if (!copy)
        return 0;
    bool have_dir = realpath(dirname(copy), dir) != NULL;
    free(copy);
    if (!have_dir)
        return 0;
    size_t dlen = strlen(dir), n = 0;
    for (size_t t = 0; t < job->n_targets; t++)
        for (size_t i = 0; i < job->targets[t].n_packages; i++) {
            const fota_package_t *pk = &job->targets[t].packages[i];
            char real[PATH_MAX];
            if (!pk->file || !realpath(pk->file, real))
                continue;
            bool inside = strncmp(real, dir, dlen) == 0 && (real[dlen] == '/' || dlen == 1);
            if (inside)
                continue;
            printf("  warning: package file %s is outside the job's folder %s: it is %s\n",
                   pk->file, dir, real);
            n++;
        }
    return n;
}

int fota_check_main(const char *profiles_dir, const char *job_path, bool strict)
{
    fota_profile_set_t set;
    fota_job_t *job = NULL;
    int rc = fota_station_load(profiles_dir, job_path, &set, &job);
    if (rc == 0) {
        printf("%s: %zu profile(s) ok\n", profiles_dir, set.n);
        if (job) {
            print_job_summary(job);
            size_t warnings = warn_outside_job_dir(job);
            warnings += warn_unpinned_urls(job);
            warnings += fota_check_plan_print(stdout, job);
            if (strict && warnings)
                rc = FOTA_CHECK_EXIT_STRICT;
        }
    }
    fota_job_free(job);
    fota_profile_set_free(&set);
    return rc;
}
