/* `fota-station probe` (docs/station.md). */
#ifndef FOTA_STATION_PROBE_H
#define FOTA_STATION_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include "job.h"

/* Lists present modules on out (a table, or JSON). Returns the exit code. */
int fota_probe_main(const char *ports, const char *profiles_dir, bool json, FILE *out);
/* The same, then (job non-NULL) what each module would get from it (probe_plan.h). */
int fota_probe_main_job(const char *ports, const char *profiles_dir, bool json, FILE *out,
                        const fota_job_t *job);

#endif
