/* The station's only door to the results database (reports/store.h), so the rest of
 * the station never sees SQLite. Every write that records a result commits before it
 * returns: the dashboard shows a result only after this said 0. */
#ifndef FOTA_STATION_RESULTS_H
#define FOTA_STATION_RESULTS_H

#include <stdint.h>

#include "attempt.h"
#include "at_chat.h"

typedef struct fota_results fota_results_t;

/* Opens (creates, migrates) the database and closes attempts a dead station left
 * running as INTERRUPTED; *recovered says how many. errbuf explains a failure. */
int fota_results_open(const char *path, fota_results_t **out, int *recovered, char *errbuf,
                      size_t errlen);
void fota_results_close(fota_results_t *r);
int fota_results_begin(fota_results_t *r, const fota_attempt_t *a, int64_t *id);
int fota_results_identify(fota_results_t *r, int64_t id, const fota_attempt_t *a);
int fota_results_event(fota_results_t *r, int64_t id, int64_t t_ms, fota_trace_dir_t dir,
                       const char *text);
int fota_results_finish(fota_results_t *r, int64_t id, const fota_attempt_t *a);
/* Rework: 1 and *out when the IMEI has a final result, 0 when never seen, <0 error. */
int fota_results_latest(fota_results_t *r, const char *imei, fota_result_t *out);

#endif
