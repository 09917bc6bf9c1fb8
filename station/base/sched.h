/* The job's limits (`limits:`, docs/profiles.md) as plain bookkeeping, no I/O, so the
 * scheduling rules are unit-tested on their own:
 *   max_parallel   modules past identification and not finished, station-wide
 *   max_per_hub    the same, per USB hub (power budget); a slot's hub by the one
 *                  rule of slot_hub.h; a slot with no hub (a UART) is not counted
 *   max_transfers  modules streaming a package over their AT port (tokens)
 *   stop_after_same_failures  N consecutive FAILs with the same (class, code) pause
 *                  new starts until the operator acknowledges (the banner: pause_note.h). */
#ifndef FOTA_STATION_SCHED_H
#define FOTA_STATION_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "job.h"
#include "slot_hub.h"

typedef struct {
    char hub[128];
    unsigned n;
} fota_hub_count_t;

typedef struct {
    fota_limits_t lim;
    unsigned running;
    unsigned transfers;
    fota_hub_count_t *hubs;
    size_t n_hubs;
    /* same-failure streak */
    fota_error_class_t streak_cls;
    int streak_code;
    unsigned streak_n;
    bool paused;
} fota_sched_t;

void fota_sched_init(fota_sched_t *s, const fota_limits_t *lim);
void fota_sched_free(fota_sched_t *s);
/* Why a slot of `hub` cannot start now, or NULL when it can; hub "" is no hub. */
const char *fota_sched_blocked(const fota_sched_t *s, const char *hub);
void fota_sched_start(fota_sched_t *s, const char *hub);
void fota_sched_done(fota_sched_t *s, const char *hub);
bool fota_sched_take_transfer(fota_sched_t *s);
void fota_sched_release_transfer(fota_sched_t *s);
/* Feeds a final result into the streak; true when this result paused the line. */
bool fota_sched_result(fota_sched_t *s, fota_result_t r, fota_error_class_t cls, int code);
/* Operator acknowledged the pause. */
void fota_sched_ack(fota_sched_t *s);

#endif
