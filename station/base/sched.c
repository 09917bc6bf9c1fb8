/* Scheduling limits; see sched.h. */
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fota_sched_init(fota_sched_t *s, const fota_limits_t *lim)
{
    memset(s, 0, sizeof *s);
    s->lim = *lim;
}

void fota_sched_free(fota_sched_t *s)
{
    free(s->hubs);
    s->hubs = NULL;
    s->n_hubs = 0;
}

/* A slot with no hub ("") is no hub's: max_per_hub does not count it. */
static fota_hub_count_t *hub_find(const fota_sched_t *s, const char *hub)
{
    if (!hub || !*hub)
        return NULL;
    for (size_t i = 0; i < s->n_hubs; i++)
        if (strcmp(s->hubs[i].hub, hub) == 0)
            return &s->hubs[i];
    return NULL;
}

const char *fota_sched_blocked(const fota_sched_t *s, const char *hub)
{
    if (s->paused)
        return "paused";
    if (s->lim.max_parallel && s->running >= s->lim.max_parallel)
        return "max_parallel";
    const fota_hub_count_t *h = hub_find(s, hub);
    if (s->lim.max_per_hub && h && h->n >= s->lim.max_per_hub)
        return "max_per_hub";
    return NULL;
}

void fota_sched_start(fota_sched_t *s, const char *hub)
{
    s->running++;
    fota_hub_count_t *h = hub_find(s, hub);
    if (!h && hub && *hub) {
        fota_hub_count_t *v = realloc(s->hubs, (s->n_hubs + 1) * sizeof *v);
        if (!v)
            return;
        s->hubs = v;
        h = &s->hubs[s->n_hubs++];
        snprintf(h->hub, sizeof h->hub, "%s", hub);
        h->n = 0;
    }
    if (h)
        h->n++;
}

void fota_sched_done(fota_sched_t *s, const char *hub)
{
    if (s->running)
        s->running--;
    fota_hub_count_t *h = hub_find(s, hub);
    if (h && h->n)
        h->n--;
}

bool fota_sched_take_transfer(fota_sched_t *s)
{
    if (s->lim.max_transfers && s->transfers >= s->lim.max_transfers)
        return false;
    s->transfers++;
    return true;
}

void fota_sched_release_transfer(fota_sched_t *s)
{
    if (s->transfers)
        s->transfers--;
}

bool fota_sched_result(fota_sched_t *s, fota_result_t r, fota_error_class_t cls, int code)
{
    if (r == FOTA_RESULT_PASS) {
        s->streak_n = 0;
        return false;
    }
    if (r != FOTA_RESULT_FAIL)
        return false; /* SKIP / INTERRUPTED say nothing about the line */
    if (s->streak_n && s->streak_cls == cls && s->streak_code == code) {
        s->streak_n++;
    } else {
        s->streak_cls = cls;
        s->streak_code = code;
        s->streak_n = 1;
    }
    unsigned lim = s->lim.stop_after_same_failures;
    if (lim && !s->paused && s->streak_n >= lim) {
        s->paused = true;
        return true;
    }
    return false;
}

void fota_sched_ack(fota_sched_t *s)
{
    s->paused = false;
    s->streak_n = 0;
}
