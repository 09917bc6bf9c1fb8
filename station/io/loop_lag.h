/* A benchmark's instrument, off unless FOTA_LOOP_LAG_MS is set (and the metrics'
 * loop lateness with `run --metrics`): a repeating uv_timer
 * on the station's loop whose lateness (how long after its due time it ran) is kept
 * in a histogram and printed at exit. Anything that holds the loop thread (a commit
 * waiting for the disk, a long callback) shows here as lateness, for every port at
 * once. bench/loop_latency.py reads the printed line. */
#ifndef FOTA_STATION_LOOP_LAG_H
#define FOTA_STATION_LOOP_LAG_H

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

typedef struct fota_loop_lag fota_loop_lag_t;

/* NULL (and nothing on the loop) when FOTA_LOOP_LAG_MS is unset or not a period. */
fota_loop_lag_t *fota_loop_lag_start(uv_loop_t *loop);
/* The same every period_ms, whatever the environment says (metrics); NULL only
 * when out of memory. */
fota_loop_lag_t *fota_loop_lag_every(uv_loop_t *loop, unsigned period_ms);

/* Lateness in seconds for a histogram: counts[i] samples at most bounds[i] late
 * (and later than bounds[i-1]), counts[FOTA_LOOP_LAG_BOUNDS] the later ones. */
#define FOTA_LOOP_LAG_BOUNDS 10
extern const double fota_loop_lag_bounds[FOTA_LOOP_LAG_BOUNDS];
typedef struct {
    uint64_t counts[FOTA_LOOP_LAG_BOUNDS + 1];
    double sum_s;
    double max_s;
} fota_loop_lag_stats_t;
void fota_loop_lag_read(const fota_loop_lag_t *l, fota_loop_lag_stats_t *out);

/* Prints "loop lateness: …" to `out` (nothing when NULL), closes the timer; frees
 * itself once closed. */
void fota_loop_lag_stop(fota_loop_lag_t *l, FILE *out);

#endif
