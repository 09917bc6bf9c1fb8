#include "report_stats.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int fota_report_stats_vec_push(fota_vec_t *v, int64_t x)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        int64_t *n = realloc(v->v, cap * sizeof *n);
        if (!n)
            return -1;
        v->v = n;
        v->cap = cap;
    }
    v->v[v->n++] = x;
    return 0;
}

/* k-th smallest (0-based), Hoare's selection; reorders a. */
static int64_t select_kth(int64_t *a, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (lo < hi) {
        int64_t pivot = a[lo + (hi - lo) / 2];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return a[k];
    }
    return a[k];
}

/* Nearest rank: the value at rank ceil(p * n / 100), 1-based. */
static size_t rank(size_t n, int p)
{
    size_t r = (n * (size_t)p + 99) / 100;
    return r == 0 ? 0 : r - 1;
}

void fota_report_stats_dur_summarise(fota_vec_t *v, fota_report_dur_t *d)
{
    memset(d, 0, sizeof *d);
    d->n = (int64_t)v->n;
    if (v->n == 0)
        return;
    d->min = d->max = v->v[0];
    for (size_t i = 1; i < v->n; i++) {
        if (v->v[i] < d->min)
            d->min = v->v[i];
        if (v->v[i] > d->max)
            d->max = v->v[i];
    }
    /* p95 first: afterwards everything below its rank is no greater, so the
     * median is selected from that part only. */
    size_t k95 = rank(v->n, 95), k50 = rank(v->n, 50);
    d->p95 = select_kth(v->v, v->n, k95);
    d->median = select_kth(v->v, k95 + 1, k50);
}


fota_report_group_t *fota_report_stats_groups_get(fota_groups_t *gs, const char *key)
{
    int added;
    int64_t i = fota_strmap_get(gs->map, key, &added);
    if (i < 0)
        return NULL;
    if ((size_t)i >= gs->cap) {
        size_t cap = gs->cap ? 2 * gs->cap : 16;
        fota_report_group_t *n = realloc(gs->g, cap * sizeof *n);
        if (!n)
            return NULL;
        gs->g = n;
        gs->cap = cap;
    }
    if (added)
        memset(&gs->g[i], 0, sizeof gs->g[i]);
    return &gs->g[i];
}

static int cmp_group(const void *a, const void *b)
{
    const fota_report_group_t *x = a, *y = b;
    if (x->attempts != y->attempts)
        return x->attempts > y->attempts ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Moves the counters out of the map with their keys, sorted by size. */
int fota_report_stats_groups_finish(fota_groups_t *gs, fota_report_group_t **out, size_t *n)
{
    *n = (size_t)fota_strmap_count(gs->map);
    for (size_t i = 0; i < *n; i++)
        if (!(gs->g[i].key = strdup(fota_strmap_key(gs->map, (int64_t)i))))
            return -1;
    if (*n)
        qsort(gs->g, *n, sizeof *gs->g, cmp_group);
    *out = gs->g;
    gs->g = NULL;
    return 0;
}

