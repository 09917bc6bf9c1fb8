/* Results through reports/store.h; see results.h. */
#include "results.h"

#include <stdlib.h>

#include "store.h"

struct fota_results {
    fota_store_t *store;
};

int fota_results_open(const char *path, fota_results_t **out, int *recovered, char *errbuf,
                      size_t errlen)
{
    fota_results_t *r = calloc(1, sizeof *r);
    if (!r)
        return FOTA_E_NOMEM;
    int rc = fota_store_open(path, &r->store, errbuf, errlen);
    if (rc < 0) {
        free(r);
        return rc;
    }
    int n = fota_store_recover_interrupted(r->store);
    *recovered = n > 0 ? n : 0;
    *out = r;
    return 0;
}

void fota_results_close(fota_results_t *r)
{
    if (!r)
        return;
    fota_store_flush(r->store);
    fota_store_close(r->store);
    free(r);
}

int fota_results_begin(fota_results_t *r, const fota_attempt_t *a, int64_t *id)
{
    return fota_store_attempt_begin(r->store, a, id);
}

int fota_results_identify(fota_results_t *r, int64_t id, const fota_attempt_t *a)
{
    return fota_store_attempt_identify(r->store, id, a);
}

int fota_results_event(fota_results_t *r, int64_t id, int64_t t_ms, fota_trace_dir_t dir,
                       const char *text)
{
    return fota_store_event(r->store, id, t_ms, dir, text);
}

int fota_results_finish(fota_results_t *r, int64_t id, const fota_attempt_t *a)
{
    return fota_store_attempt_finish(r->store, id, a);
}

int fota_results_latest(fota_results_t *r, const char *imei, fota_result_t *out)
{
    return fota_store_latest_result(r->store, imei, out);
}
