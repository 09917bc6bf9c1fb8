/* Table `runs` (docs/database.md): one row per station start, what the reports'
 * traceability header names: job, the job file's SHA-256, packages and their
 * digests, software version, station, operator. */
#ifndef FOTA_STORE_RUNS_H
#define FOTA_STORE_RUNS_H

#include <stddef.h>

#include "job.h"

/* Opens the results file (migrating it), writes one row and closes it: the
 * station calls it once at start. The job file is read again to hash it. batch:
 * the run's batch (NULL: the job's name); operator_id may be NULL. The software
 * version is what `fota-station --version` prints (packaging/version.cmake).
 * 0, or a negative FOTA_E_* with the reason in errbuf. */
int fota_store_run_record(const char *db_path, const fota_job_t *job, const char *batch,
                          const char *operator_id, char *errbuf, size_t errlen);

/* "fota-station <version>", as --version prints it. */
const char *fota_store_software_version(void);

/* The packages column for a job: one line per package, "<sha256>  <name>
 * (<from> -> <to>)", "url" instead of a digest for a URL package without one
 * (its bytes never reach the station), "any" for a full image's from.
 * malloc'd; NULL when out of memory. */
char *fota_store_run_packages(const fota_job_t *job);

#endif
