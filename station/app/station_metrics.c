/* The station's metrics: what the loop knows, as a page for Prometheus; see
 * station_metrics.h. Read through the accessors the dashboard uses. */
#include "station_metrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "iso_time.h"
#include "wall_clock.h"
#include "loop_lag.h"
#include "metrics_http.h"
#include "metrics_render.h"
#include "station_int.h"

#define PUBLISH_MS 1000
#define LAG_PERIOD_MS 100

typedef struct station_metrics station_metrics_t;

struct station_metrics {
    fota_metrics_http_t *http;
    char bound[300];
    uv_timer_t timer;
    bool timer_open;
    fota_loop_lag_t *lag;
    fota_tally_t tally;
    double start_s;
    /* The shipper reports its backlog only after rounds it shipped: while the link
     * is down, the verdicts committed since are added to its last count. */
    bool central_down;
    unsigned verdicts_at_down;
};

int station_metrics_open(station_t *st, const char *addr)
{
    if (!addr)
        return 0;
    station_metrics_t *m = calloc(1, sizeof *m);
    char err[512];
    if (!m) {
        fprintf(stderr, "fota-station run: --metrics: out of memory\n");
        return -1;
    }
    m->http = fota_metrics_http_start(addr, m->bound, sizeof m->bound, err, sizeof err);
    if (!m->http) {
        fprintf(stderr, "fota-station run: --metrics %s: %s\n", addr, err);
        free(m);
        return -1;
    }
    fota_tally_init(&m->tally);
    m->start_s = (double)fota_wall_ms() / 1000.0;
    st->metrics = m;
    return 0;
}

static unsigned station_verdicts(const station_t *st)
{
    return st->pass + st->fail + st->skip + st->interrupted;
}

static void gather_central(station_t *st, fota_metrics_snap_t *s)
{
    station_metrics_t *m = st->metrics;
    fota_central_lag_t lag;
    s->central = fota_central_link_lag(st->central, &lag);
    if (!s->central)
        return;
    bool down = lag.offline;
    if (down && !m->central_down)
        m->verdicts_at_down = station_verdicts(st);
    m->central_down = down;
    long long behind = lag.behind + (down ? station_verdicts(st) - m->verdicts_at_down : 0);
    s->gauge[FOTA_MG_CENTRAL_UP] = lag.up;
    s->gauge[FOTA_MG_CENTRAL_BEHIND] = (double)behind;
    s->gauge[FOTA_MG_CENTRAL_OFFLINE] = (double)lag.offline_ms / 1000.0;
}

/* The loop's figures now, as the dashboard reads them. */
static void gather(station_t *st, fota_metrics_snap_t *s, fota_loop_lag_stats_t *lag)
{
    station_metrics_t *m = st->metrics;
    s->version = fota_metrics_build_version();
    s->tally = &m->tally;
    s->gauge[FOTA_MG_START_TIME] = m->start_s;
    for (size_t i = 0; i < st->n_slots; i++)
        if (st->slots[i]->a) /* an attempt: queued for a limit, or running */
            s->gauge[st->slots[i]->a->queued ? FOTA_MG_QUEUED : FOTA_MG_RUNNING]++;
    s->gauge[FOTA_MG_PAUSED] = st->sched.paused;
    fota_results_health_t h;
    fota_results_health(st->results, &h);
    s->gauge[FOTA_MG_QUEUE_VERDICTS] = (double)h.queued_results;
    s->gauge[FOTA_MG_QUEUE_WRITES] = (double)h.queued_ops;
    if (h.err != FOTA_STORE_ERR_NONE)
        s->gauge[FOTA_MG_DB_TROUBLE] = (double)((int64_t)uv_now(st->loop) - h.since_ms) / 1000.0;
    gather_central(st, s);
    fota_store_yield_t y;
    fota_results_batch_yield(st->results, &y);
    s->batch = st->batch;
    s->batch_modules = (uint64_t)y.modules;
    s->batch_first_pass = (uint64_t)y.first_pass;
    s->batch_final_pass = (uint64_t)y.final_pass;
    if (m->lag) {
        fota_loop_lag_read(m->lag, lag);
        s->lateness = (fota_prom_hist_t){fota_loop_lag_bounds, FOTA_LOOP_LAG_BOUNDS, lag->counts,
                                         lag->sum_s};
    }
}

/* Renders on the loop and swaps the page in: the HTTP thread copies it when asked. */
static void publish(station_t *st)
{
    fota_metrics_snap_t s = {0};
    fota_loop_lag_stats_t lag;
    gather(st, &s, &lag);
    fota_prom_t p;
    fota_prom_init(&p);
    if (fota_metrics_render(&p, &s))
        fota_metrics_http_publish(st->metrics->http, p.buf, p.len); /* takes the buffer */
    else
        fota_prom_free(&p); /* out of memory: the last page stays */
}

static void timer_cb(uv_timer_t *t)
{
    publish(t->data);
}

void station_metrics_attach(station_t *st)
{
    station_metrics_t *m = st->metrics;
    if (!m)
        return;
    m->lag = fota_loop_lag_every(st->loop, LAG_PERIOD_MS);
    uv_timer_init(st->loop, &m->timer);
    m->timer.data = st;
    m->timer_open = true;
    uv_timer_start(&m->timer, timer_cb, PUBLISH_MS, PUBLISH_MS);
    publish(st);
    station_log(st, "metrics: http://%s/metrics", m->bound);
}

void station_metrics_verdict(station_t *st, const fota_attempt_t *a, bool recorded)
{
    if (!st->metrics)
        return;
    fota_tally_verdict(&st->metrics->tally, a, recorded);
    if (st->metrics->timer_open)
        publish(st); /* a verdict is on the page as soon as it is in the file */
}

static void timer_closed(uv_handle_t *h)
{
    (void)h;
}

void station_metrics_detach(station_t *st)
{
    station_metrics_t *m = st->metrics;
    if (!m || !m->timer_open)
        return;
    publish(st); /* the last figures, served until the process ends */
    fota_loop_lag_stop(m->lag, NULL);
    m->lag = NULL;
    uv_close((uv_handle_t *)&m->timer, timer_closed);
    m->timer_open = false;
}

void station_metrics_close(station_t *st)
{
    station_metrics_t *m = st->metrics;
    if (!m)
        return;
    fota_metrics_http_stop(m->http);
    fota_tally_free(&m->tally);
    free(m);
    st->metrics = NULL;
}
