/* `fota-station check`; see check.h. */
#include "check.h"

#include <stdio.h>
#include <string.h>

static void print_load_error(const fota_load_error_t *e)
{
    char buf[640];
    fota_load_error_format(e, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
}

static void issue_cb(void *ctx, const fota_load_error_t *e)
{
    (void)ctx;
    print_load_error(e);
}

/* Profiles, job, validation, packages: everything that can be wrong in the files,
 * before any module is touched. 0 or exit code 2. */
int fota_station_load(const char *profiles_dir, const char *job_path, fota_profile_set_t *set,
                      fota_job_t **job)
{
    fota_load_error_t err;
    memset(&err, 0, sizeof err);
    memset(set, 0, sizeof *set);
    *job = NULL;
    if (fota_profile_set_load_dir(profiles_dir, set, &err) < 0) {
        print_load_error(&err);
        return 2;
    }
    if (set->n == 0) {
        fprintf(stderr, "%s: no profiles (*.yaml) found\n", profiles_dir);
        return 2;
    }
    if (!job_path)
        return 0;
    if (fota_job_load_file(job_path, job, &err) < 0) {
        print_load_error(&err);
        return 2;
    }
    if (fota_job_validate(*job, set, issue_cb, NULL) > 0)
        return 2;
    if (fota_job_load_packages(*job, &err) < 0) {
        print_load_error(&err);
        return 2;
    }
    return 0;
}


int fota_check_main(const char *profiles_dir, const char *job_path)
{
    fota_profile_set_t set;
    fota_job_t *job = NULL;
    int rc = fota_station_load(profiles_dir, job_path, &set, &job);
    if (rc == 0) {
        printf("%s: %zu profile(s) ok\n", profiles_dir, set.n);
        if (job) {
            size_t pk = 0;
            for (size_t i = 0; i < job->n_targets; i++)
                pk += job->targets[i].n_packages;
            printf("%s: %zu target(s), %zu package(s) ok (package files read and hashed)\n",
                   job->source, job->n_targets, pk);
        }
    }
    fota_job_free(job);
    fota_profile_set_free(&set);
    return rc;
}
