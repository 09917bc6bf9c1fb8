/* `fota-station check`'s plan (docs/station.md, *What the job will do*): per target,
 * the package chains it can build and the revisions they start from, by the rule
 * `run` uses (core/chain.c through core/plan.h); warnings for a package that leads
 * nowhere, a revision with no path, targets that overlap, models no revision of
 * which can reach the target; each local package's sha256 for pinning. */
#ifndef FOTA_STATION_CHECK_PLAN_H
#define FOTA_STATION_CHECK_PLAN_H

#include <stdio.h>

#include "job.h"

/* Prints the plan on out; returns the number of warnings printed. */
size_t fota_check_plan_print(FILE *out, const fota_job_t *job);

#endif
