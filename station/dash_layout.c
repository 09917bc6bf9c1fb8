/* The slot table's order and fit; see dashboard.h and dash_layout.h. */
#include "dash_layout.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const fota_dash_state_t fota_dash_severity[FOTA_DASH_N_STATES] = {
    FOTA_DASH_FAIL,    FOTA_DASH_INTERRUPTED, FOTA_DASH_RUNNING, FOTA_DASH_QUEUED, FOTA_DASH_PROBING,
    FOTA_DASH_SKIP,    FOTA_DASH_PASS,        FOTA_DASH_IDLE,    FOTA_DASH_EMPTY,
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

int fota_dash_natcmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la]))
                la++;
            while (isdigit((unsigned char)b[lb]))
                lb++;
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c;
            a += la;
            b += lb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int row_rank(fota_dash_state_t s)
{
    switch (s) {
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
    int c = fota_dash_natcmp(fota_dash_short_label(a->slot), fota_dash_short_label(b->slot));
    return c ? c : fota_dash_natcmp(a->slot ? a->slot : "", b->slot ? b->slot : "");
}

void fota_dash_sort(fota_dash_row_t *rows, size_t n)
{
    if (n > 1)
        qsort(rows, n, sizeof *rows, row_cmp);
}

/* The hub of a slot: its hub-relative label without the last port ("1.3" of
 * "1.3.2"); "" when the name has no USB shape. */
static void hub_of(const fota_dash_row_t *r, char *buf, size_t cap)
{
    const char *l = fota_dash_short_label(r->slot);
    const char *dot = l == r->slot ? NULL : strrchr(l, '.');
    snprintf(buf, cap, "%.*s", dot ? (int)(dot - l) : 0, l);
}

static int item_cmp(const void *pa, const void *pb)
{
    return fota_dash_natcmp(((const fota_dash_item_t *)pa)->hub,
                            ((const fota_dash_item_t *)pb)->hub);
}

/* One summary per hub, in natural order, after `first` items already in place. */
static size_t plan_hubs(const fota_dash_row_t *rows, size_t n, fota_dash_item_t *items,
                        size_t first)
{
    size_t k = first;
    for (size_t i = 0; i < n; i++) {
        char hub[sizeof items->hub];
        hub_of(&rows[i], hub, sizeof hub);
        size_t j = first;
        while (j < k && strcmp(items[j].hub, hub) != 0)
            j++;
        if (j == k) {
            memset(&items[k], 0, sizeof items[k]);
            memcpy(items[k].hub, hub, sizeof hub);
            k++;
        }
        items[j].count[rows[i].state]++;
        items[j].slots++;
    }
    qsort(items + first, k - first, sizeof *items, item_cmp);
    return k - first;
}

size_t fota_dash_plan(const fota_dash_row_t *rows, size_t n, size_t room,
                      fota_dash_item_t *items, size_t *more)
{
    *more = 0;
    if (n <= room) {
        for (size_t i = 0; i < n; i++) {
            memset(&items[i], 0, sizeof items[i]);
            items[i].row = &rows[i];
        }
        return n;
    }
    /* The failed modules by name (the operator pulls them), at most half the room;
     * everything else counted per hub. */
    size_t fails = 0;
    while (fails < n && fails < room / 2 && row_rank(rows[fails].state) == 0) {
        memset(&items[fails], 0, sizeof items[fails]);
        items[fails].row = &rows[fails];
        fails++;
    }
    size_t hubs = plan_hubs(rows, n, items, fails);
    size_t fit = room > fails ? room - fails : 0;
    if (hubs > fit) {
        fit = fit ? fit - 1 : 0; /* the last line says how many hubs are left out */
        *more = hubs - fit;
    } else {
        fit = hubs;
    }
    return fails + fit;
}
