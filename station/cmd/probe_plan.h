/* `fota-station probe --job JOB` (docs/station.md): after the module table, what
 * each present module would get from the job, by the rule `run` follows
 * (core/plan.h): chain, method and packages, or why nothing. */
#ifndef FOTA_STATION_PROBE_PLAN_H
#define FOTA_STATION_PROBE_PLAN_H

#include <stdio.h>

#include "job.h"
#include "probe_print.h"

/* Loads profiles and the job as `run` does (errors: exit 2), then probes with the
 * plan. Returns the exit code. */
int fota_probe_plan_main(const char *ports, const char *profiles_dir, const char *job_path,
                         FILE *out);

/* One line per listed module (probe.c calls it after the table). */
void fota_probe_plan_print(FILE *out, const fota_job_t *job, const fota_profile_set_t *set,
                           const fota_probe_port_t *items, const fota_probe_module_t *mods,
                           size_t nm);

#endif
