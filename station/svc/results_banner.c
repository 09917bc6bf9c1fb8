/* What the dashboard says about a results file in trouble (results.h). */
#include <stdio.h>
#include <string.h>

#include "results.h"

#define DB_BUSY_SAY_MS 1000

bool fota_results_banner(const fota_results_health_t *h, int64_t now_ms, char *buf, size_t len)
{
    if (h->err == FOTA_STORE_ERR_NONE)
        return false;
    long long s = (long long)((now_ms - h->since_ms) / 1000);
    if (h->err == FOTA_STORE_ERR_BUSY) {
        if (now_ms - h->since_ms < DB_BUSY_SAY_MS)
            return false;
        snprintf(buf, len, "results database busy for %lld s (locked by another process); "
                           "%zu result(s) waiting in memory", s, h->queued_results);
    } else {
        snprintf(buf, len, "RESULTS DATABASE %s for %lld s: no new module starts; %zu result(s) "
                           "kept in memory, retrying", fota_store_err_name(h->err), s,
                 h->queued_results);
    }
    if (h->dropped_events)
        snprintf(buf + strlen(buf), len - strlen(buf), "; %lu transcript line(s) dropped",
                 h->dropped_events);
    return true;
}
