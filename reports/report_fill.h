/* The pieces of the report model's filling that every loader shares: the
 * local one (report_load.c, report_slots.c, one pass over a station's file)
 * and the central one (central_load.c, aggregates computed by PostgreSQL).
 * Keys, orders and the rework reasons are made here once, so both print the
 * same report from the same rows. Internal to reports/. */
#ifndef FOTA_REPORT_FILL_H
#define FOTA_REPORT_FILL_H

#include <stddef.h>

#include "report_model.h"
#include "report_stats.h"
#include "strmap.h"

/* The by-revision key "from\x1fto", each side cut at (outlen - 2) / 2 bytes. */
void fota_report_rev_key(char *out, size_t outlen, const unsigned char *from,
                         const unsigned char *to);
/* Moves a slot's or hub's counters out of gs, worst pass rate first (no
 * verdict last), then most attempts, then natural name order. 0 or -1. */
int fota_report_groups_finish_worst(fota_groups_t *gs, fota_report_group_t **out, size_t *n);
/* The set's keys ", "-joined in natural order into *out (NULL when empty). 0 or -1. */
int fota_report_join_set(fota_strmap_t *set, char **out);
/* r->pareto by count, then class, then code. */
void fota_report_pareto_sort(fota_report_t *r);
/* A rework row stored without a reason takes its (class, code)'s meaning
 * from the Pareto; call after the Pareto is complete. 0 or FOTA_E_NOMEM. */
int fota_report_failed_fill_reasons(fota_report_t *r);

#endif
