/* A benchmark's instrument, off unless FOTA_LOOP_LAG_MS is set: a repeating uv_timer
 * on the station's loop whose lateness (how long after its due time it ran) is kept
 * in a histogram and printed at exit. Anything that holds the loop thread (a commit
 * waiting for the disk, a long callback) shows here as lateness, for every port at
 * once. bench/loop_latency.py reads the printed line. */
#ifndef FOTA_STATION_LOOP_LAG_H
#define FOTA_STATION_LOOP_LAG_H

#include <stdio.h>
#include <uv.h>

typedef struct fota_loop_lag fota_loop_lag_t;

/* NULL (and nothing on the loop) when FOTA_LOOP_LAG_MS is unset or not a period. */
fota_loop_lag_t *fota_loop_lag_start(uv_loop_t *loop);
/* Prints "loop lateness: …" to `out`, closes the timer; frees itself once closed. */
void fota_loop_lag_stop(fota_loop_lag_t *l, FILE *out);

#endif
