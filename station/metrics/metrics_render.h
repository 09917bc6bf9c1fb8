/* The station's metrics page: every fota_station_* family (docs/station.md,
 * "Metrics") rendered from a snapshot of plain values the loop gathered. No I/O:
 * unit-tested with hand-made snapshots (tests/station/test_metrics_text.c). */
#ifndef FOTA_STATION_METRICS_RENDER_H
#define FOTA_STATION_METRICS_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics_tally.h"
#include "metrics_text.h"

/* Plain gauges, one value each: a table entry in metrics_render.c names them. */
typedef enum {
    FOTA_MG_START_TIME,     /* Unix seconds this process started */
    FOTA_MG_RUNNING,        /* modules upgrading */
    FOTA_MG_QUEUED,         /* identified modules waiting for a limit or the pause */
    FOTA_MG_PAUSED,         /* 1: the same-failure pause holds new starts */
    FOTA_MG_QUEUE_VERDICTS, /* verdicts waiting in memory for the results file */
    FOTA_MG_QUEUE_WRITES,   /* every write waiting (rows, transcript lines) */
    FOTA_MG_DB_TROUBLE,     /* seconds the results file has refused or delayed writes */
    FOTA_MG_CENTRAL_UP,     /* --central only from here on */
    FOTA_MG_CENTRAL_BEHIND,
    FOTA_MG_CENTRAL_OFFLINE,
    FOTA_MG__COUNT
} fota_metrics_gauge_t;

typedef struct {
    const char *version;        /* "0.1.0 (git 1554418)" */
    double gauge[FOTA_MG__COUNT];
    bool central;               /* run --central: its gauges are on the page */
    const fota_tally_t *tally;  /* this run's verdicts */
    const char *batch;          /* the batch's yields, from the results file */
    uint64_t batch_modules, batch_first_pass, batch_final_pass;
    fota_prom_hist_t lateness;  /* loop lateness, seconds; no bounds: not measured */
} fota_metrics_snap_t;

/* The whole page; false when out of memory (p->oom). */
bool fota_metrics_render(fota_prom_t *p, const fota_metrics_snap_t *s);

/* The version --version prints (metrics_build.c, alone in its file so a new git
 * description rebuilds only it and main.c). */
const char *fota_metrics_build_version(void);

#endif
