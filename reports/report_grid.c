/* The hub x port grid: every slot of the selection that sits on a hub, placed
 * at (its hub, its port number). The hub is slot_hub.c's (the one rule the
 * station and every report use); the port is what the slot's name adds to the
 * hub's. Rows and columns in natural order ("1.9" before "1.10"), so the grid
 * reads like the bench. Slots on no hub stay in the tables. */
#include "report_aggr.h"

#include <stdio.h>

#include "slot_hub.h"

static int cmp_nat(const void *a, const void *b)
{
    return fota_slot_natcmp(*(char *const *)a, *(char *const *)b);
}

/* Index of s in the sorted-at-the-end list v, adding it when new; -1 out of memory. */
static long intern(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return (long)i;
    char **m = realloc(*v, (*n + 1) * sizeof *m);
    if (!m)
        return -1;
    *v = m;
    if (!(m[*n] = strdup(s)))
        return -1;
    return (long)(*n)++;
}

static long find(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return (long)i;
    return -1;
}

/* The port of a slot on hub `hub`: the name after the hub and its separator. */
static const char *port_of(const char *slot, const char *hub)
{
    return slot + strlen(hub) + 1;
}

int fota_report_grid_build(fota_report_t *r)
{
    fota_report_grid_t *g = &r->grid;
    char hub[256];
    for (size_t i = 0; i < r->n_slot; i++) {
        const char *slot = r->by_slot[i].key;
        if (!fota_slot_hub(slot, hub, sizeof hub) || strlen(hub) >= strlen(slot)) {
            g->n_nohub++;
            continue;
        }
        if (intern(&g->hubs, &g->n_hubs, hub) < 0 ||
            intern(&g->ports, &g->n_ports, port_of(slot, hub)) < 0)
            return -1;
    }
    if (!g->n_hubs)
        return 0;
    qsort(g->hubs, g->n_hubs, sizeof *g->hubs, cmp_nat);
    qsort(g->ports, g->n_ports, sizeof *g->ports, cmp_nat);
    if (!(g->cells = calloc(g->n_hubs * g->n_ports, sizeof *g->cells)))
        return -1;
    for (size_t i = 0; i < r->n_slot; i++) {
        const char *slot = r->by_slot[i].key;
        if (!fota_slot_hub(slot, hub, sizeof hub) || strlen(hub) >= strlen(slot))
            continue;
        long h = find(g->hubs, g->n_hubs, hub), p = find(g->ports, g->n_ports, port_of(slot, hub));
        if (h >= 0 && p >= 0)
            g->cells[(size_t)h * g->n_ports + (size_t)p] = &r->by_slot[i];
    }
    return 0;
}

void fota_report_grid_free(fota_report_grid_t *g)
{
    fota_report_free_names(g->hubs, g->n_hubs);
    fota_report_free_names(g->ports, g->n_ports);
    free(g->cells);
    memset(g, 0, sizeof *g);
}
