/* Yield per slot (hub port) and per hub: "which hub port keeps failing".
 * Counted per attempt like the by-model table, pass rate = PASS / (PASS + FAIL
 * + INTERRUPTED), the dashboard's yield. One GROUP BY over the selection; the
 * hub of each slot comes from fota_slot_hub, the rule the views use. */
#include "report_slots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fota_types.h"
#include "report_fill.h"
#include "report_stats.h"
#include "slot_hub.h"

static void add_counts(fota_report_group_t *g, sqlite3_stmt *st)
{
    static const int cols[] = {FOTA_R_PASS, FOTA_R_FAIL, FOTA_R_SKIP, FOTA_R_INTERRUPTED,
                               FOTA_R_RUNNING};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        g->n[cols[i]] += sqlite3_column_int64(st, 1 + (int)i);
    g->attempts += sqlite3_column_int64(st, 6);
}

/* Worst first: the lowest pass rate (no verdict at all sorts last), then the
 * most attempts, then the name. */
static int cmp_worst(const void *a, const void *b)
{
    const fota_report_group_t *x = a, *y = b;
    int64_t dx = fota_report_verdicts(x), dy = fota_report_verdicts(y);
    if ((dx == 0) != (dy == 0))
        return dx == 0 ? 1 : -1;
    if (dx && dy) {
        /* x->pass / dx versus y->pass / dy without rounding */
        int64_t l = x->n[FOTA_R_PASS] * dy, r = y->n[FOTA_R_PASS] * dx;
        if (l != r)
            return l < r ? -1 : 1;
    }
    if (x->attempts != y->attempts)
        return x->attempts > y->attempts ? -1 : 1;
    return fota_slot_natcmp(x->key, y->key);
}

int fota_report_groups_finish_worst(fota_groups_t *gs, fota_report_group_t **out, size_t *n)
{
    if (fota_report_stats_groups_finish(gs, out, n) < 0)
        return -1;
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_worst);
    return 0;
}

/* Distinct values, then ", "-joined in natural order into *out (NULL when none). */
int fota_report_join_set(fota_strmap_t *set, char **out)
{
    int64_t n = fota_strmap_count(set);
    if (n == 0)
        return 0;
    const char **v = malloc((size_t)n * sizeof *v);
    if (!v)
        return -1;
    size_t len = 1;
    for (int64_t i = 0; i < n; i++) {
        v[i] = fota_strmap_key(set, i);
        len += strlen(v[i]) + 2;
    }
    for (int64_t i = 1; i < n; i++) /* a handful of stations: insertion sort */
        for (int64_t j = i; j > 0 && fota_slot_natcmp(v[j - 1], v[j]) > 0; j--) {
            const char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    char *b = malloc(len);
    if (b) {
        size_t o = 0;
        for (int64_t i = 0; i < n; i++)
            o += (size_t)snprintf(b + o, len - o, "%s%s", i ? ", " : "", v[i]);
    }
    free(v);
    *out = b;
    return b ? 0 : -1;
}

static int add_to_set(fota_strmap_t *set, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    int added;
    return !t || !t[0] || fota_strmap_get(set, (const char *)t, &added) >= 0 ? 0 : -1;
}

/* One GROUP BY over the covering index attempts_slot (schema 7): the slot
 * groups, and the stations and operators the attempts name (the header's
 * fallback when no run record covers the selection) from the same pass. */
int fota_report_load_slots(sqlite3 *db, const fota_report_sel_t *sel, fota_report_t *r)
{
    char sql[640], where[128];
    fota_report_where(sel, where, sizeof where);
    snprintf(sql, sizeof sql,
             "SELECT slot, sum(result = 'PASS'), sum(result = 'FAIL'), sum(result = 'SKIP'),"
             " sum(result = 'INTERRUPTED'), sum(result IS NULL), count(*), station, operator"
             " FROM attempts%s GROUP BY slot, station, operator",
             where);
    fota_groups_t slots = {fota_strmap_new(), NULL, 0}, hubs = {fota_strmap_new(), NULL, 0};
    fota_strmap_t *stations = fota_strmap_new(), *operators = fota_strmap_new();
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (!slots.map || !hubs.map || !stations || !operators ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    fota_report_bind(st, sel);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        const char *slot = t ? (const char *)t : "";
        char hub[256];
        fota_slot_hub(slot, hub, sizeof hub);
        fota_report_group_t *g = fota_report_stats_groups_get(&slots, slot), *h;
        if (!g || !(h = fota_report_stats_groups_get(&hubs, hub)) ||
            add_to_set(stations, st, 7) < 0 || add_to_set(operators, st, 8) < 0)
            goto out;
        add_counts(g, st);
        add_counts(h, st);
    }
    if (step != SQLITE_DONE ||
        fota_report_groups_finish_worst(&slots, &r->by_slot, &r->n_slot) < 0 ||
        fota_report_groups_finish_worst(&hubs, &r->by_hub, &r->n_hub) < 0 ||
        fota_report_join_set(stations, &r->stations) < 0 ||
        fota_report_join_set(operators, &r->operators) < 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    fota_groups_t *all[] = {&slots, &hubs};
    for (size_t k = 0; k < 2; k++) {
        fota_groups_t *gs = all[k];
        if (gs->g) /* only when finish did not take them; keys not yet copied are NULL */
            for (int64_t i = 0; i < fota_strmap_count(gs->map) && i < (int64_t)gs->cap; i++)
                free(gs->g[i].key);
        free(gs->g);
        fota_strmap_free(gs->map);
    }
    fota_strmap_free(stations);
    fota_strmap_free(operators);
    return rc;
}
