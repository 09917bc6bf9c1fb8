/* The job's scans section (job_load_scans.c), for job_load.c. */
#ifndef FOTA_JOB_LOAD_SCANS_H
#define FOTA_JOB_LOAD_SCANS_H

#include "job.h"
#include "yaml_doc.h"

/* scans: {operator: REGEX, batch: REGEX}, each compiled (POSIX extended); a pattern
 * regcomp refuses is an error at the pattern's file:line:column. */
int fota_job_read_scans(fota_yaml_t *y, yaml_node_t *n, fota_job_t *j);

#endif
