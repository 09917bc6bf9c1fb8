/* `run --metrics HOST:PORT` on the station's side (docs/station.md, "Metrics"):
 * the loop gathers its figures into a snapshot, renders the page and hands it to
 * the HTTP thread (metrics_http.h) once a second and after every verdict. Nothing
 * here waits for a scraper. Every call is a no-op without --metrics. */
#ifndef FOTA_STATION_METRICS_H
#define FOTA_STATION_METRICS_H

#include <stdbool.h>

#include "attempt.h"

struct station;

/* Before anything else touches the line: binds HOST:PORT and starts the HTTP
 * thread. -1 with the reason said on stderr (a usage error: exit 2). */
int station_metrics_open(struct station *st, const char *addr);
/* The loop exists: the publish timer and the loop-lateness timer start. */
void station_metrics_attach(struct station *st);
/* A verdict the results file took (recorded) or never will (NOT RECORDED). */
void station_metrics_verdict(struct station *st, const fota_attempt_t *a, bool recorded);
/* Shutdown: the loop's handles close (the page stays served until close). */
void station_metrics_detach(struct station *st);
/* After the loop: the HTTP thread stops, everything is freed. */
void station_metrics_close(struct station *st);


#endif
