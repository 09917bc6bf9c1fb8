/* The report's small statistics helpers: growable value vectors with
 * nearest-rank median/p95, and per-key result counters (by model, by
 * revision). Internal to reports/. */
#ifndef FOTA_REPORT_STATS_H
#define FOTA_REPORT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "report_model.h"
#include "strmap.h"

typedef struct {
    int64_t *v;
    size_t n, cap;
} fota_vec_t;

/* 0, or -1 when out of memory. */
int fota_report_stats_vec_push(fota_vec_t *v, int64_t x);
/* n, min, max, and nearest-rank median and p95 of v (reorders v->v). */
void fota_report_stats_dur_summarise(fota_vec_t *v, fota_report_dur_t *d);

/* Group counters keyed by string, kept in map index order. */
typedef struct {
    fota_strmap_t *map;
    fota_report_group_t *g;
    size_t cap;
} fota_groups_t;

/* The counters for key, zeroed when new; NULL when out of memory. */
fota_report_group_t *fota_report_stats_groups_get(fota_groups_t *gs, const char *key);
/* Moves the counters out with their keys, largest first; -1 when out of memory. */
int fota_report_stats_groups_finish(fota_groups_t *gs, fota_report_group_t **out, size_t *n);

#endif
