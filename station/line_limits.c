/* Scheduling limits; see line_limits.h. */
#include "line_limits.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fota_hub_key(const char *slot, char *out, size_t len)
{
    snprintf(out, len, "%s", slot);
    size_t n = strlen(out);
    /* USB by-path: "<…>-usb-0:<ports>:<config>.<interface>" — drop the interface part. */
    char *usb = strstr(out, "-usb-");
    if (usb) {
        char *last = strrchr(usb, ':');
        char *first = strchr(usb, ':');
        if (last && first && last != first)
            *last = '\0';
        n = strlen(out);
    }
    /* Drop the last port number and its separator (".", "-", "_"). */
    size_t end = n;
    while (end > 0 && isdigit((unsigned char)out[end - 1]))
        end--;
    if (end == n || end == 0)
        return; /* no trailing number: the slot is its own hub */
    if (out[end - 1] == '.' || out[end - 1] == '-' || out[end - 1] == '_' || out[end - 1] == ':')
        end--;
    out[end] = '\0';
}

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

static fota_hub_count_t *hub_find(const fota_sched_t *s, const char *hub)
{
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
    if (!h) {
        fota_hub_count_t *v = realloc(s->hubs, (s->n_hubs + 1) * sizeof *v);
        if (!v)
            return;
        s->hubs = v;
        h = &s->hubs[s->n_hubs++];
        snprintf(h->hub, sizeof h->hub, "%s", hub);
        h->n = 0;
    }
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
