/* The per-attempt counts of `report --central`: totals and span, by model and
 * by from -> to revision (one GROUP BY whose rows are rolled up here), and by
 * slot and hub with the stations and operators the attempts name. Keys and
 * orders are made by the same helpers as the local report (report_fill.h), so
 * the tables come out identical. */
#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "fota_types.h"
#include "report_fill.h"
#include "slot_hub.h"

/* Frees counters not handed over to the report (after a failure): keys that
 * fota_report_stats_groups_finish copied before it failed, the array, the map. */
static void free_groups(fota_groups_t *gs)
{
    if (gs->g)
        for (int64_t i = 0; i < fota_strmap_count(gs->map) && i < (int64_t)gs->cap; i++)
            free(gs->g[i].key);
    free(gs->g);
    fota_strmap_free(gs->map);
}

/* Columns: model, from, to, result, count, noop count, first and last start. */
static int fill_counts(fota_report_t *r, const PGresult *res)
{
    fota_groups_t model = {fota_strmap_new(), NULL, 0}, rev = {fota_strmap_new(), NULL, 0};
    int rc = model.map && rev.map ? 0 : FOTA_E_NOMEM;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        int code = fota_central_result(res, i, 3);
        int64_t n = fota_central_int(res, i, 4);
        r->attempts += n;
        r->n[code] += n;
        if (code == FOTA_R_PASS)
            r->noop += fota_central_int(res, i, 5);
        const char *first = PQgetvalue(res, i, 6), *last = PQgetvalue(res, i, 7);
        if (!r->first_started[0] || strcmp(first, r->first_started) < 0)
            snprintf(r->first_started, sizeof r->first_started, "%s", first);
        if (strcmp(last, r->last_started) > 0)
            snprintf(r->last_started, sizeof r->last_started, "%s", last);
        char rk[256];
        fota_report_rev_key(rk, sizeof rk, (const unsigned char *)PQgetvalue(res, i, 1),
                            (const unsigned char *)PQgetvalue(res, i, 2));
        fota_report_group_t *g = fota_report_stats_groups_get(&model, PQgetvalue(res, i, 0)), *h;
        if (!g || !(h = fota_report_stats_groups_get(&rev, rk))) {
            rc = FOTA_E_NOMEM;
            break;
        }
        g->attempts += n;
        g->n[code] += n;
        h->attempts += n;
        h->n[code] += n;
    }
    if (rc == 0 && (fota_report_stats_groups_finish(&model, &r->by_model, &r->n_model) < 0 ||
                    fota_report_stats_groups_finish(&rev, &r->by_revision, &r->n_revision) < 0))
        rc = FOTA_E_NOMEM;
    free_groups(&model);
    free_groups(&rev);
    return rc;
}

/* NULL and "" are one key locally ("" for unknown): grouped apart here, the
 * fill adds them up. */
const fota_central_agg_t fota_central_agg_counts = {
    "counts by result, model and revision", 1, 0, 4,
    "SELECT a.model, a.from_version, a.to_version, a.result, count(*),"
    " count(*) FILTER (WHERE a.noop <> 0), min(a.started_at), max(a.started_at)"
    " FROM attempts a WHERE" FOTA_CENTRAL_SEL("a") " GROUP BY 1, 2, 3, 4",
    fill_counts,
};

static int add_to_set(fota_strmap_t *set, const PGresult *res, int row, int col)
{
    int added;
    const char *t = PQgetvalue(res, row, col);
    return PQgetisnull(res, row, col) || !t[0] || fota_strmap_get(set, t, &added) >= 0 ? 0 : -1;
}


/* Columns: slot, station, operator, then PASS, FAIL, SKIP, INTERRUPTED,
 * running and all attempts. The hub comes from fota_slot_hub over these few
 * rows: the rule stays written once, in C. */
static int fill_slots(fota_report_t *r, const PGresult *res)
{
    static const int cols[] = {FOTA_R_PASS, FOTA_R_FAIL, FOTA_R_SKIP, FOTA_R_INTERRUPTED,
                               FOTA_R_RUNNING};
    fota_groups_t slots = {fota_strmap_new(), NULL, 0}, hubs = {fota_strmap_new(), NULL, 0};
    fota_strmap_t *stations = fota_strmap_new(), *operators = fota_strmap_new();
    int rc = slots.map && hubs.map && stations && operators ? 0 : FOTA_E_NOMEM;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        const char *slot = PQgetvalue(res, i, 0);
        char hub[256];
        fota_slot_hub(slot, hub, sizeof hub);
        fota_report_group_t *g = fota_report_stats_groups_get(&slots, slot), *h;
        if (!g || !(h = fota_report_stats_groups_get(&hubs, hub)) || add_to_set(stations, res, i, 1) < 0 ||
            add_to_set(operators, res, i, 2) < 0) {
            rc = FOTA_E_NOMEM;
            break;
        }
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            int64_t n = fota_central_int(res, i, 3 + (int)k);
            g->n[cols[k]] += n;
            h->n[cols[k]] += n;
        }
        g->attempts += fota_central_int(res, i, 8);
        h->attempts += fota_central_int(res, i, 8);
    }
    if (rc == 0 && (fota_report_groups_finish_worst(&slots, &r->by_slot, &r->n_slot) < 0 ||
                    fota_report_groups_finish_worst(&hubs, &r->by_hub, &r->n_hub) < 0 ||
                    fota_report_join_set(stations, &r->stations) < 0 ||
                    fota_report_join_set(operators, &r->operators) < 0))
        rc = FOTA_E_NOMEM;
    free_groups(&slots);
    free_groups(&hubs);
    fota_strmap_free(stations);
    fota_strmap_free(operators);
    return rc;
}

const fota_central_agg_t fota_central_agg_slots = {
    "counts by slot", 1, 0, 4,
    "SELECT a.slot, a.station, a.operator,"
    " count(*) FILTER (WHERE a.result = 'PASS'), count(*) FILTER (WHERE a.result = 'FAIL'),"
    " count(*) FILTER (WHERE a.result = 'SKIP'),"
    " count(*) FILTER (WHERE a.result = 'INTERRUPTED'), count(*) FILTER (WHERE a.result IS NULL),"
    " count(*) FROM attempts a WHERE" FOTA_CENTRAL_SEL("a") " GROUP BY 1, 2, 3",
    fill_slots,
};
