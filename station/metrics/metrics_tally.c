/* Counters from this run's verdicts; see metrics_tally.h. */
#include "metrics_tally.h"

#include <stdlib.h>
#include <string.h>

#include "slot_hub.h"
#include "util.h"

const double fota_tally_upgrade_bounds[FOTA_TALLY_UPGRADE_BOUNDS] = {
    30, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700, 3600,
};

struct fota_tally_module {
    bool used;
    bool last_pass;
    uint32_t hub;
    char imei[32];
};

void fota_tally_init(fota_tally_t *t)
{
    memset(t, 0, sizeof *t);
}

void fota_tally_free(fota_tally_t *t)
{
    free(t->hubs);
    free(t->mods);
    fota_tally_init(t);
}

/* The hub's index; -1 when the slot is on no hub (a UART, a renamed link: it has
 * no hub gauge) or out of memory. */
static long tally_hub(fota_tally_t *t, const char *slot)
{
    char hub[sizeof t->hubs->hub];
    if (!fota_slot_hub(slot, hub, sizeof hub))
        return -1;
    for (size_t i = 0; i < t->n_hubs; i++)
        if (strcmp(t->hubs[i].hub, hub) == 0)
            return (long)i;
    fota_tally_hub_t *v = realloc(t->hubs, (t->n_hubs + 1) * sizeof *v);
    if (!v)
        return -1;
    t->hubs = v;
    memset(&v[t->n_hubs], 0, sizeof *v);
    fota_copy(v[t->n_hubs].hub, sizeof v->hub, hub);
    return (long)t->n_hubs++;
}

static size_t mod_hash(uint32_t hub, const char *imei)
{
    uint64_t h = 1469598103934665603ull ^ hub; /* FNV-1a */
    for (; *imei; imei++)
        h = (h ^ (unsigned char)*imei) * 1099511628211ull;
    return (size_t)h;
}

static struct fota_tally_module *mod_slot(struct fota_tally_module *mods, size_t cap,
                                          uint32_t hub, const char *imei)
{
    size_t i = mod_hash(hub, imei) & (cap - 1);
    while (mods[i].used && (mods[i].hub != hub || strcmp(mods[i].imei, imei) != 0))
        i = (i + 1) & (cap - 1);
    return &mods[i];
}

static bool mods_grow(fota_tally_t *t)
{
    size_t cap = t->cap_mods ? t->cap_mods * 2 : 256;
    struct fota_tally_module *m = calloc(cap, sizeof *m);
    if (!m)
        return false;
    for (size_t i = 0; i < t->cap_mods; i++)
        if (t->mods[i].used)
            *mod_slot(m, cap, t->mods[i].hub, t->mods[i].imei) = t->mods[i];
    free(t->mods);
    t->mods = m;
    t->cap_mods = cap;
    return true;
}

/* The module's entry, new (used == false on return) or known; NULL: out of memory,
 * and the verdict counts as a module of its own. */
static struct fota_tally_module *tally_module(fota_tally_t *t, uint32_t hub, const char *imei)
{
    if ((t->n_mods + 1) * 10 > t->cap_mods * 7 && !mods_grow(t))
        return NULL;
    return mod_slot(t->mods, t->cap_mods, hub, imei);
}

/* Yields as batch_summary defines them (docs/database.md), over this run and per
 * hub: a module is an IMEI (an attempt without one is a module of its own), its
 * verdicts are PASS, FAIL and INTERRUPTED; SKIP is none. */
static void tally_yield(fota_tally_t *t, const fota_attempt_t *a)
{
    if (a->result == FOTA_RESULT_SKIP)
        return;
    long hi = tally_hub(t, a->slot);
    if (hi < 0)
        return;
    fota_tally_hub_t *hub = &t->hubs[hi];
    bool pass = a->result == FOTA_RESULT_PASS;
    struct fota_tally_module *m = a->imei[0] ? tally_module(t, (uint32_t)hi, a->imei) : NULL;
    if (m && m->used) { /* seen before: only its latest verdict moves */
        if (pass && !m->last_pass)
            hub->final_pass++;
        else if (!pass && m->last_pass)
            hub->final_pass--;
        m->last_pass = pass;
        return;
    }
    hub->modules++;
    hub->first_pass += pass;
    hub->final_pass += pass;
    if (m) {
        m->used = true;
        m->hub = (uint32_t)hi;
        m->last_pass = pass;
        fota_copy(m->imei, sizeof m->imei, a->imei);
        t->n_mods++;
    }
}

void fota_tally_verdict(fota_tally_t *t, const fota_attempt_t *a, bool recorded)
{
    if (!recorded) {
        t->not_recorded++;
        return;
    }
    unsigned r = (unsigned)a->result < FOTA_TALLY_RESULTS ? (unsigned)a->result
                                                           : FOTA_RESULT_INTERRUPTED;
    unsigned c = (unsigned)a->error_class < FOTA_ERR__COUNT ? (unsigned)a->error_class : 0;
    t->attempts[r][c]++;
    if (a->result == FOTA_RESULT_PASS && !a->noop) {
        double s = (double)(a->duration_ms > 0 ? a->duration_ms : 0) / 1000.0;
        size_t b = 0;
        while (b < FOTA_TALLY_UPGRADE_BOUNDS && s > fota_tally_upgrade_bounds[b])
            b++;
        t->upgrade_counts[b]++;
        t->upgrade_sum_s += s;
    }
    tally_yield(t, a);
}
