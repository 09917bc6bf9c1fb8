/* The slot table's order and fit; see dash.h and dash_layout.h. */
#include "dash_layout.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slot_hub.h"

const fota_dash_state_t fota_dash_severity[FOTA_DASH_N_STATES] = {
    FOTA_DASH_NOT_RECORDED, FOTA_DASH_FAIL, FOTA_DASH_INTERRUPTED, FOTA_DASH_RUNNING,
    FOTA_DASH_QUEUED,       FOTA_DASH_PROBING, FOTA_DASH_SKIP,     FOTA_DASH_PASS,
    FOTA_DASH_OFF,          FOTA_DASH_IDLE,         FOTA_DASH_EMPTY,
};

const char *fota_dash_short_label(const char *slot)
{
    if (!slot)
        return "";
    /* by-path: pci-0000:00:14.0-usb-0:1.3.2 -> 1.3.2 (the port chain on the hub) */
    const char *usb = strstr(slot, "-usb-");
    const char *colon = usb ? strchr(usb, ':') : NULL;
    return colon && colon[1] ? colon + 1 : slot;
}

static int row_rank(fota_dash_state_t s)
{
    switch (s) {
    case FOTA_DASH_NOT_RECORDED:
    case FOTA_DASH_FAIL:
    case FOTA_DASH_INTERRUPTED: return 0;
    case FOTA_DASH_RUNNING:
    case FOTA_DASH_QUEUED:
    case FOTA_DASH_PROBING: return 1;
    default: return 2;
    }
}

static int row_cmp(const void *pa, const void *pb)
{
    const fota_dash_row_t *a = pa, *b = pb;
    int ra = row_rank(a->state), rb = row_rank(b->state);
    if (ra != rb)
        return ra - rb;
    int c = fota_slot_natcmp(fota_dash_short_label(a->slot), fota_dash_short_label(b->slot));
    return c ? c : fota_slot_natcmp(a->slot ? a->slot : "", b->slot ? b->slot : "");
}

void fota_dash_sort(fota_dash_row_t *rows, size_t n)
{
    if (n > 1)
        qsort(rows, n, sizeof *rows, row_cmp);
}

/* The hub of a slot by the one rule (slot_hub.h), labelled as the dashboard shows it
 * ("1.3" for the slot "…-usb-0:1.3.2", "root 0" for a root port); "" when the slot
 * has no hub (a UART, a name that hides the hub, a name from before grouping). */
static void hub_of(const fota_dash_row_t *r, char *buf, size_t cap)
{
    char hub[NAME_MAX + 1];
    if (r->slot && fota_slot_hub(r->slot, hub, sizeof hub))
        fota_slot_label(hub, buf, cap);
    else if (cap)
        buf[0] = '\0';
}

static int item_cmp(const void *pa, const void *pb)
{
    return fota_slot_natcmp(((const fota_dash_item_t *)pa)->hub,
                            ((const fota_dash_item_t *)pb)->hub);
}

/* Every hub of the rows after the first `skip` (those are shown by name), with its
 * counts over all its slots; in natural order. `expanded` counts its rows still
 * to be shown one by one. Returns the number of hubs. */
static size_t plan_hubs(const fota_dash_row_t *rows, size_t n, size_t skip,
                        fota_dash_item_t *hubs, unsigned *expanded)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char hub[sizeof hubs->hub];
        hub_of(&rows[i], hub, sizeof hub);
        size_t j = 0;
        while (j < k && strcmp(hubs[j].hub, hub) != 0)
            j++;
        if (j == k) {
            memset(&hubs[k], 0, sizeof hubs[k]);
            memcpy(hubs[k].hub, hub, sizeof hub);
            k++;
        }
        hubs[j].count[rows[i].state]++;
        hubs[j].slots++;
    }
    qsort(hubs, k, sizeof *hubs, item_cmp);
    for (size_t j = 0; j < k; j++)
        expanded[j] = 0;
    for (size_t i = skip; i < n; i++) {
        char hub[sizeof hubs->hub];
        hub_of(&rows[i], hub, sizeof hub);
        for (size_t j = 0; j < k; j++)
            if (strcmp(hubs[j].hub, hub) == 0) {
                expanded[j]++;
                break;
            }
    }
    return k;
}

static bool hub_busy(const fota_dash_item_t *h)
{
    return h->count[FOTA_DASH_RUNNING] || h->count[FOTA_DASH_QUEUED] ||
           h->count[FOTA_DASH_PROBING] || h->count[FOTA_DASH_FAIL] ||
           h->count[FOTA_DASH_INTERRUPTED] || h->count[FOTA_DASH_NOT_RECORDED];
}

/* The next hub to fold into one line: quiet hubs (nothing running, nothing
 * failed) before busy ones, then the one that frees most lines; -1 when folding
 * frees nothing. */
static long next_fold(const fota_dash_item_t *hubs, const unsigned *expanded, size_t k)
{
    long best = -1;
    for (size_t j = 0; j < k; j++) {
        if (expanded[j] < 2)
            continue;
        if (best < 0 || hub_busy(&hubs[best]) > hub_busy(&hubs[j]) ||
            (hub_busy(&hubs[best]) == hub_busy(&hubs[j]) && expanded[j] > expanded[best]))
            best = (long)j;
    }
    return best;
}

static bool in_hub(const fota_dash_row_t *r, const char *hub)
{
    char h[40];
    hub_of(r, h, sizeof h);
    return strcmp(h, hub) == 0;
}

size_t fota_dash_plan(const fota_dash_row_t *rows, size_t n, size_t room,
                      fota_dash_item_t *items, size_t *more)
{
    *more = 0;
    /* The failed modules by name (the operator pulls them), at most half the room. */
    size_t fails = 0;
    while (fails < n && (n <= room || fails < room / 2) && row_rank(rows[fails].state) == 0)
        fails++;
    fota_dash_item_t *hubs = items + n + 1; /* scratch: the caller gave room for 2 n + 1 */
    unsigned *expanded = calloc(n + 1, sizeof *expanded);
    size_t k = expanded ? plan_hubs(rows, n, fails, hubs, expanded) : 0;
    bool *folded = calloc(k + 1, sizeof *folded);
    size_t lines = n;
    /* Fold hubs into one line each, quiet ones first, until the table fits. */
    for (long j; folded && lines > room && (j = next_fold(hubs, expanded, k)) >= 0;) {
        lines -= expanded[j] - 1;
        expanded[j] = 0;
        folded[j] = true;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool by_name = i < fails;
        for (size_t j = 0; !by_name && j < k; j++)
            if (!folded[j] && in_hub(&rows[i], hubs[j].hub))
                by_name = true;
        if (by_name || !folded) {
            memset(&items[m], 0, sizeof items[m]);
            items[m++].row = &rows[i];
        }
    }
    for (size_t j = 0; folded && j < k; j++)
        if (folded[j])
            memmove(&items[m++], &hubs[j], sizeof *hubs);
    free(expanded);
    free(folded);
    if (m > room) {
        *more = m - (room ? room - 1 : 0); /* the last line says how many are left out */
        m = room ? room - 1 : 0;
    }
    return m;
}
