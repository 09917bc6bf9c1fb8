/* Scans (docs/station.md, "Scans"): a line typed or scanned at the station's
 * terminal or an attached viewer that matches the job's scans patterns sets the
 * operator or the batch for the attempts recorded from then on, and a new row of
 * table runs says from when. */
#include <string.h>

#include "station_int.h"
#include "store_runs.h"
#include "util.h"

/* "operator ^OP[0-9]+$, batch ^WO-": the patterns, for the answer to a scan that
 * matches none. */
static void scan_patterns(const fota_job_t *j, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = 0; k < FOTA_SCAN_N; k++)
        if (j->scans[k].pattern && n < cap)
            n += (size_t)snprintf(out + n, cap - n, "%s%s %s", n ? ", " : "",
                                  fota_scan_kind_name((fota_scan_kind_t)k), j->scans[k].pattern);
    if (!out[0])
        snprintf(out, cap, "the job declares no scans");
}

void station_scan(station_t *st, const char *text, const char *from)
{
    char shown[4 * FOTA_SCAN_MAX + 1];
    fota_printable(text, shown, sizeof shown);
    fota_scan_kind_t k = fota_job_scan_match(st->job, text);
    if (k == FOTA_SCAN_N) {
        char pats[320];
        scan_patterns(st->job, pats, sizeof pats);
        station_log(st, "scan '%s'%s matches no pattern (%s)", shown, from, pats);
        return;
    }
    size_t max = k == FOTA_SCAN_BATCH ? FOTA_BATCH_MAX : FOTA_OPERATOR_MAX;
    if (strlen(text) > max) {
        station_log(st, "scan '%s'%s: %zu bytes, a %s holds at most %zu; nothing changed", shown,
                    from, strlen(text), fota_scan_kind_name(k), max);
        return;
    }
    if (k == FOTA_SCAN_BATCH) {
        fota_copy(st->scan_batch, sizeof st->scan_batch, text);
        st->batch = st->line.batch = st->scan_batch;
        if (fota_results_track_batch(st->results, st->batch) < 0)
            station_log(st, "results database: cannot read the yields of batch %s so far",
                        shown);
    } else {
        fota_copy(st->scan_operator, sizeof st->scan_operator, text);
        st->line.operator_id = st->scan_operator;
    }
    station_log(st, "scan '%s'%s: %s %s for the modules from now on", shown, from,
                fota_scan_kind_name(k), shown);
    char why[256] = "";
    if (fota_store_run_record(st->opts->db, st->job, st->batch, st->line.operator_id, why,
                              sizeof why) < 0)
        station_log(st, "results database: %s; the report will not name this change", why);
}

bool station_scan_feed(station_t *st, fota_scan_line_t *l, char c, const char *from)
{
    switch (fota_scan_line_feed(l, c)) {
    case FOTA_SCAN_KEY: return false;
    case FOTA_SCAN_TAKEN: return true;
    case FOTA_SCAN_DONE: break;
    }
    char text[FOTA_SCAN_MAX + 1];
    bool overlong = l->overlong;
    fota_copy(text, sizeof text, l->buf);
    fota_scan_line_reset(l);
    if (overlong)
        station_log(st, "scan%s longer than %d bytes: ignored", from, FOTA_SCAN_MAX);
    else
        station_scan(st, text, from);
    return true;
}
