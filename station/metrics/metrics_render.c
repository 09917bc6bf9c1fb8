/* The station's metrics page; see metrics_render.h. Every name and help text is
 * here, in the order docs/station.md lists them. */
#include "metrics_render.h"

#include <stdio.h>

#include "fota_types.h"

/* A plain gauge, or one sample of a family with a fixed label (modules by state). */
static const struct {
    fota_metrics_gauge_t g;
    const char *name, *help;
    const char *label, *value; /* NULL: no label */
} gauges[] = {
    {FOTA_MG_START_TIME, "fota_station_start_time_seconds",
     "When this station process started (Unix time); its counters count from then.", NULL, NULL},
    {FOTA_MG_RUNNING, "fota_station_modules",
     "Modules past identification: upgrading (running) or waiting for a limit or the pause "
     "(queued).", "state", "running"},
    {FOTA_MG_QUEUED, "fota_station_modules", NULL, "state", "queued"},
    {FOTA_MG_PAUSED, "fota_station_line_paused",
     "1 while repeated identical failures hold new starts until the operator acknowledges.",
     NULL, NULL},
    {FOTA_MG_QUEUE_VERDICTS, "fota_station_results_queue_verdicts",
     "Verdicts kept in memory, not yet committed to the results file.", NULL, NULL},
    {FOTA_MG_QUEUE_WRITES, "fota_station_results_queue_writes",
     "Writes of any kind (rows, transcript lines) waiting for the results file.", NULL, NULL},
    {FOTA_MG_DB_TROUBLE, "fota_station_results_trouble_seconds",
     "How long the results file has been locked or refusing writes; 0 while writes go "
     "through.", NULL, NULL},
    {FOTA_MG_CENTRAL_UP, "fota_station_central_up",
     "1 while the shipper is connected to the central database.", NULL, NULL},
    {FOTA_MG_CENTRAL_BEHIND, "fota_station_central_behind_attempts",
     "Finished attempts not yet in the central database.", NULL, NULL},
    {FOTA_MG_CENTRAL_OFFLINE, "fota_station_central_offline_seconds",
     "How long the central database has been unreachable; 0 while connected.", NULL, NULL},
};

static void render_gauges(fota_prom_t *p, const fota_metrics_snap_t *s)
{
    for (size_t i = 0; i < sizeof gauges / sizeof gauges[0]; i++) {
        if (gauges[i].g >= FOTA_MG_CENTRAL_UP && !s->central)
            continue;
        if (gauges[i].help) /* a family's later samples carry no HELP of their own */
            fota_prom_family(p, gauges[i].name, gauges[i].help, "gauge");
        fota_prom_label_t l = {gauges[i].label, gauges[i].value};
        fota_prom_sample(p, gauges[i].name, &l, gauges[i].label ? 1 : 0, s->gauge[gauges[i].g]);
    }
}

static void render_build(fota_prom_t *p, const fota_metrics_snap_t *s)
{
    char version[64], revision[64];
    fota_prom_split_version(s->version ? s->version : "unknown", version, sizeof version,
                            revision, sizeof revision);
    fota_prom_family(p, "fota_station_build_info",
                     "The station's version and the git revision it was built from (always 1).",
                     "gauge");
    fota_prom_label_t l[] = {{"version", version}, {"revision", revision}};
    fota_prom_sample(p, "fota_station_build_info", l, 2, 1);
}

static void render_attempts(fota_prom_t *p, const fota_tally_t *t)
{
    fota_prom_family(p, "fota_station_attempts_total",
                     "Attempts this process finished and committed to the results file, by "
                     "result and error class (none for a PASS).", "counter");
    for (unsigned r = 0; r < FOTA_TALLY_RESULTS; r++)
        for (unsigned c = 0; c < FOTA_ERR__COUNT; c++) {
            if (!t->attempts[r][c])
                continue;
            const char *cls = c == FOTA_ERR_NONE ? "none" : fota_error_class_name(c);
            fota_prom_label_t l[] = {{"result", fota_result_name(r)}, {"class", cls}};
            fota_prom_sample(p, "fota_station_attempts_total", l, 2, (double)t->attempts[r][c]);
        }
    fota_prom_family(p, "fota_station_attempts_not_recorded_total",
                     "Verdicts the results file never took (said NOT RECORDED; not rows).",
                     "counter");
    fota_prom_sample(p, "fota_station_attempts_not_recorded_total", NULL, 0,
                     (double)t->not_recorded);
    fota_prom_family(p, "fota_station_upgrade_duration_seconds",
                     "Upgrade time of PASS attempts that upgraded the module (not those already "
                     "at the target), queue time left out.", "histogram");
    fota_prom_hist_t h = {fota_tally_upgrade_bounds, FOTA_TALLY_UPGRADE_BOUNDS,
                          t->upgrade_counts, t->upgrade_sum_s};
    fota_prom_histogram(p, "fota_station_upgrade_duration_seconds", NULL, 0, &h);
}

/* One family per figure, every hub in it: the format wants a family's samples
 * together. */
static void render_hubs(fota_prom_t *p, const fota_tally_t *t)
{
    static const struct {
        const char *name, *help;
        int what; /* 0 modules, 1 first-pass yield, 2 final yield */
    } fams[] = {
        {"fota_station_hub_modules",
         "Modules (IMEIs) with a PASS, FAIL or INTERRUPTED verdict on this hub in this run.", 0},
        {"fota_station_hub_first_pass_yield",
         "Share (0..1) of this hub's modules whose first verdict in this run is PASS.", 1},
        {"fota_station_hub_final_yield",
         "Share (0..1) of this hub's modules whose latest verdict in this run is PASS.", 2},
    };
    for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++) {
        fota_prom_family(p, fams[f].name, fams[f].help, "gauge");
        for (size_t i = 0; i < t->n_hubs; i++) {
            const fota_tally_hub_t *h = &t->hubs[i];
            if (!h->modules)
                continue;
            double v = fams[f].what == 0   ? (double)h->modules
                       : fams[f].what == 1 ? (double)h->first_pass / (double)h->modules
                                           : (double)h->final_pass / (double)h->modules;
            fota_prom_label_t l = {"hub", h->hub};
            fota_prom_sample(p, fams[f].name, &l, 1, v);
        }
    }
}

static void render_batch(fota_prom_t *p, const fota_metrics_snap_t *s)
{
    fota_prom_label_t l = {"batch", s->batch ? s->batch : ""};
    fota_prom_family(p, "fota_station_batch_modules",
                     "The batch's modules with a verdict in the results file, earlier runs "
                     "included (the dashboard's figure).", "gauge");
    fota_prom_sample(p, "fota_station_batch_modules", &l, 1, (double)s->batch_modules);
    fota_prom_family(p, "fota_station_batch_first_pass_yield",
                     "The batch's first-pass yield (0..1) as `report --batch` gives it.", "gauge");
    if (s->batch_modules)
        fota_prom_sample(p, "fota_station_batch_first_pass_yield", &l, 1,
                         (double)s->batch_first_pass / (double)s->batch_modules);
    fota_prom_family(p, "fota_station_batch_final_yield",
                     "The batch's final yield (0..1) as `report --batch` gives it.", "gauge");
    if (s->batch_modules)
        fota_prom_sample(p, "fota_station_batch_final_yield", &l, 1,
                         (double)s->batch_final_pass / (double)s->batch_modules);
}

bool fota_metrics_render(fota_prom_t *p, const fota_metrics_snap_t *s)
{
    render_build(p, s);
    render_gauges(p, s);
    if (s->tally) {
        render_attempts(p, s->tally);
        render_hubs(p, s->tally);
    }
    render_batch(p, s);
    if (s->lateness.n_bounds) {
        fota_prom_family(p, "fota_station_loop_lateness_seconds",
                         "How late the station's loop ran a 100 ms timer: anything that holds "
                         "the loop (a slow disk, a long callback) shows here for every port at "
                         "once.", "histogram");
        fota_prom_histogram(p, "fota_station_loop_lateness_seconds", NULL, 0, &s->lateness);
    }
    return !p->oom;
}
