/* The per-attempt list of `report --central --format json --attempts` (the
 * local report's report_attempts.c): every attempt of the selection in start
 * order across stations; its id is the one in its station's file (with the
 * station, the central key). The only aggregate whose rows are the
 * selection's rows: asked only when the list is. */
#include <stdlib.h>
#include <string.h>

#include "central_agg.h"
#include "central_report.h"
#include "fota_types.h"

static int fill_attempts(fota_report_t *r, const PGresult *res)
{
    int n = PQntuples(res);
    r->has_att = true;
    if (n == 0)
        return 0;
    if (!(r->att = calloc((size_t)n, sizeof *r->att)))
        return FOTA_E_NOMEM;
    for (int i = 0; i < n; i++) {
        fota_report_attempt_t *a = &r->att[r->n_att++];
        a->id = fota_central_int(res, i, 0);
        a->error_code = fota_central_int(res, i, 1);
        a->duration_ms = fota_central_int(res, i, 2);
        char **f[] = {&a->batch,       &a->station,      &a->slot,       &a->imei,
                      &a->model,       &a->from_version, &a->to_version, &a->result,
                      &a->error_class, &a->started_at,   &a->finished_at};
        for (int k = 0; k < 11; k++)
            if (!(*f[k] = fota_central_dup(res, i, 3 + k)))
                return FOTA_E_NOMEM;
    }
    return 0;
}

const fota_central_agg_t fota_central_agg_attempts = {
    "attempts", 1, FOTA_CENTRAL_NEED_ATTEMPTS, 4,
    "SELECT a.local_id, a.error_code, a.duration_ms, a.batch, a.station, a.slot, a.imei, a.model,"
    " a.from_version, a.to_version, a.result, a.error_class, a.started_at, a.finished_at"
    " FROM attempts a WHERE" FOTA_CENTRAL_SEL("a") " ORDER BY " FOTA_CENTRAL_START_ORDER("a"),
    fill_attempts,
};
