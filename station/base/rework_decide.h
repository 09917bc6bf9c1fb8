/* `run --rework`: what a rework bench does with an identified module, from its
 * newest verdict (this station's file, or the central database with --central)
 * and from what the module reports now. One decision for both sources. */
#ifndef FOTA_STATION_REWORK_DECIDE_H
#define FOTA_STATION_REWORK_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "attempt.h"

/* found: 1 with `last` its newest final result, 0 never seen. `a` is the identified
 * attempt (from_version: what the module reports; to_version: the job's target,
 * empty when the job has nothing for it). Returns NULL to upgrade the module, or
 * the SKIP reason ("already passed", "not in database"). When a module that passed
 * before reports another revision than the target, it is upgraded and `note` says
 * why (empty otherwise). */
const char *fota_rework_decide(int found, fota_result_t last, const fota_attempt_t *a,
                               bool allow_new, char *note, size_t note_len);

#endif
