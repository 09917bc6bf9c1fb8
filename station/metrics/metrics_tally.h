/* What the metrics count from the verdicts this process committed (docs/station.md,
 * "Metrics"): attempts by result and error class, the upgrade-time histogram, and
 * each hub's modules and yields over this run. Plain data fed one verdict at a
 * time, no I/O and no clock, so the rules are unit-tested
 * (tests/station/test_metrics_tally.c).
 *
 * Why this run only and not the file: a counter that started from the file's rows
 * would jump by the whole history whenever the station restarts on another file
 * (or the same file with another batch), and Prometheus would read that jump as
 * work done. Counters from zero at process start are what rate() and increase()
 * expect across restarts; the batch's yields from the file are exported apart. */
#ifndef FOTA_STATION_METRICS_TALLY_H
#define FOTA_STATION_METRICS_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attempt.h"

#define FOTA_TALLY_RESULTS 4 /* PASS, FAIL, SKIP, INTERRUPTED (fota_result_t) */

/* Upgrade time in seconds, for upgrades of 1 to 30 minutes and the odd slow one. */
#define FOTA_TALLY_UPGRADE_BOUNDS 14
extern const double fota_tally_upgrade_bounds[FOTA_TALLY_UPGRADE_BOUNDS];

typedef struct {
    char hub[256];
    uint64_t modules;     /* modules (IMEIs) with a PASS, FAIL or INTERRUPTED verdict */
    uint64_t first_pass;  /* those whose first verdict in this run is PASS */
    uint64_t final_pass;  /* those whose latest verdict in this run is PASS */
} fota_tally_hub_t;

struct fota_tally_module;

typedef struct {
    uint64_t attempts[FOTA_TALLY_RESULTS][FOTA_ERR__COUNT];
    uint64_t not_recorded; /* verdicts the results file never took (not rows) */
    /* PASS attempts that did work (not already at the target): duration_ms */
    uint64_t upgrade_counts[FOTA_TALLY_UPGRADE_BOUNDS + 1];
    double upgrade_sum_s;
    fota_tally_hub_t *hubs;
    size_t n_hubs;
    /* (hub, IMEI) -> its latest verdict: open addressing, grown at 70 % */
    struct fota_tally_module *mods;
    size_t n_mods, cap_mods;
} fota_tally_t;

void fota_tally_init(fota_tally_t *t);
void fota_tally_free(fota_tally_t *t);
/* One verdict: committed to the results file (recorded), or NOT RECORDED. The
 * hub is the slot's (fota_slot_hub of a->slot; a slot on no hub has none). */
void fota_tally_verdict(fota_tally_t *t, const fota_attempt_t *a, bool recorded);

#endif
