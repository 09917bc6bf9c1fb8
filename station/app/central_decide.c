/* Rework with --central: the newest verdict from any station decides; when the
 * central database cannot be reached, the job's rework_offline decides
 * (refuse: the module is held with a visible reason and asked about again;
 * local: this station's own history, with a warning). */
#include <stdlib.h>
#include <string.h>

#include "station_int.h"
#include "util.h"

#define CENTRAL_RETRY_MS 5000 /* refuse: ask the central database again after this */

typedef struct {
    station_t *st;
    slot_t *s;
    char imei[32];
} ticket_t;

static void on_answer(void *ctx, int found, fota_result_t result, const char *why)
{
    ticket_t *t = ctx;
    station_t *st = t->st;
    slot_t *s = t->s;
    /* Slots are freed only at shutdown; a module swapped meanwhile is stale. */
    if (!st->stopped && s->m && strcmp(s->imei, t->imei) == 0 && s->central_ask == 1) {
        s->central_ask = 2;
        s->central_found = found;
        s->central_result = result;
        if (found < 0)
            s->central_retry_ms = station_now(st) + CENTRAL_RETRY_MS;
        if (found < 0)
            station_log(st, "%s: central database unreachable for the rework decision of %s: %s",
                        s->name, t->imei, why);
        slot_rework_retry(s);
        /* Not inside the machine's own pump (as at IDENTIFIED): run the
         * actions the decision produced (SKIP finishes the attempt). */
        slot_pump(s);
    }
    free(t);
}

static int ask(slot_t *s, const char *imei)
{
    station_t *st = s->st;
    ticket_t *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->st = st;
    t->s = s;
    fota_copy(t->imei, sizeof t->imei, imei);
    if (fota_central_rework_ask(st->rework_central, imei, on_answer, t) < 0) {
        free(t);
        return -1;
    }
    s->central_ask = 1;
    fota_copy(s->phase, sizeof s->phase, "rework: asking the central database");
    return 0;
}

int slot_central_latest(slot_t *s, const char *imei, fota_result_t *out)
{
    station_t *st = s->st;
    if (s->central_ask == 0 || (s->central_ask == 2 && s->central_found < 0 &&
                                station_now(st) >= s->central_retry_ms)) {
        if (ask(s, imei) < 0)
            return fota_results_latest(st->results, imei, out);
        return FOTA_E_STATE;
    }
    if (s->central_ask == 1)
        return FOTA_E_STATE; /* answer pending */
    if (s->central_found == 1) {
        *out = s->central_result;
        return 1;
    }
    if (s->central_found == 0) /* never shipped from anywhere: this file may know it */
        return fota_results_latest(st->results, imei, out);
    if (st->job->rework_offline_local) {
        if (!s->central_warned)
            station_log(st, "%s: WARNING: central database offline; rework decision for %s from "
                            "this station's history only (rework_offline: local)", s->name, imei);
        s->central_warned = true;
        return fota_results_latest(st->results, imei, out);
    }
    /* refuse: held with a visible reason, asked again later. */
    fota_copy(s->phase, sizeof s->phase, "held: central database offline (rework_offline: refuse)");
    return FOTA_E_STATE;
}
