/* `fota-station check` (docs/profiles.md, "What `check` checks"): profiles and a job
 * validated exactly as `run` would load them, local package files read and hashed,
 * URL packages checked as text (never fetched); every error listed. */
#ifndef FOTA_STATION_CHECK_H
#define FOTA_STATION_CHECK_H

#include <stdbool.h>

#include "job.h"

/* Shared with run: loads profiles, then (job_path non-NULL) the job, validates it and
 * loads its packages. Prints every error (bounded, "and N more") as
 * file:line:column; any error refuses everything. 0 or 2. */
int fota_station_load(const char *profiles_dir, const char *job_path, fota_profile_set_t *set,
                      fota_job_t **job);
/* Exit 0, 2 (an error), or with strict FOTA_CHECK_EXIT_STRICT when the files load
 * but a warning was printed (the plan, a package outside the job's folder). */
#define FOTA_CHECK_EXIT_STRICT 1
int fota_check_main(const char *profiles_dir, const char *job_path, bool strict);

#endif
