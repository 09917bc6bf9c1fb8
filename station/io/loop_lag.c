/* Loop lateness histogram; see loop_lag.h. */
#include "loop_lag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKET_US 10
#define N_BUCKETS 20000 /* 10 µs steps up to 200 ms; later ones count in the last */

struct fota_loop_lag {
    uv_timer_t timer;
    uint64_t period_ms;
    uint64_t due_ns;      /* uv_hrtime when the timer should run */
    uint64_t n, max_ns, sum_ns;
    uint32_t hist[N_BUCKETS];
    uint64_t coarse[FOTA_LOOP_LAG_BOUNDS + 1]; /* fota_loop_lag_read's buckets */
};

/* From a loop that keeps up (below a millisecond) to one held for seconds. */
const double fota_loop_lag_bounds[FOTA_LOOP_LAG_BOUNDS] = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

static void lag_cb(uv_timer_t *t);

static void lag_arm(fota_loop_lag_t *l)
{
    /* The loop's cached time may be stale by this iteration's work: refresh it, so
     * that the timer is due period_ms after now and not earlier. */
    uv_update_time(l->timer.loop);
    l->due_ns = uv_hrtime() + l->period_ms * 1000000u;
    uv_timer_start(&l->timer, lag_cb, l->period_ms, 0);
}

static void lag_cb(uv_timer_t *t)
{
    fota_loop_lag_t *l = t->data;
    uint64_t now = uv_hrtime();
    uint64_t late = now > l->due_ns ? now - l->due_ns : 0;
    size_t b = (size_t)(late / (BUCKET_US * 1000u));
    l->hist[b < N_BUCKETS ? b : N_BUCKETS - 1]++;
    l->n++;
    l->sum_ns += late;
    size_t c = 0;
    while (c < FOTA_LOOP_LAG_BOUNDS && (double)late / 1e9 > fota_loop_lag_bounds[c])
        c++;
    l->coarse[c]++;
    if (late > l->max_ns)
        l->max_ns = late;
    lag_arm(l);
}

fota_loop_lag_t *fota_loop_lag_every(uv_loop_t *loop, unsigned period_ms)
{
    fota_loop_lag_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->period_ms = period_ms ? period_ms : 1;
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    lag_arm(l);
    return l;
}

fota_loop_lag_t *fota_loop_lag_start(uv_loop_t *loop)
{
    const char *env = getenv("FOTA_LOOP_LAG_MS");
    long ms = env ? strtol(env, NULL, 10) : 0;
    if (ms <= 0)
        return NULL;
    return fota_loop_lag_every(loop, (unsigned)ms);
}

void fota_loop_lag_read(const fota_loop_lag_t *l, fota_loop_lag_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!l)
        return;
    memcpy(out->counts, l->coarse, sizeof out->counts);
    out->sum_s = (double)l->sum_ns / 1e9;
    out->max_s = (double)l->max_ns / 1e9;
}

static double pct_ms(const fota_loop_lag_t *l, double q)
{
    uint64_t want = (uint64_t)(q * (double)l->n + 0.999999), seen = 0;
    for (size_t b = 0; b < N_BUCKETS; b++) {
        seen += l->hist[b];
        if (seen >= want && want)
            return (double)((b + 1) * BUCKET_US) / 1000.0; /* the bucket's upper edge */
    }
    return (double)l->max_ns / 1e6;
}

static void lag_free(uv_handle_t *h)
{
    free(h->data);
}

void fota_loop_lag_stop(fota_loop_lag_t *l, FILE *out)
{
    if (!l)
        return;
    if (out)
        fprintf(out,
                "loop lateness: %llu samples every %llu ms: p50 %.2f ms, p99 %.2f ms, max %.2f "
                "ms\n",
                (unsigned long long)l->n, (unsigned long long)l->period_ms, pct_ms(l, 0.50),
                pct_ms(l, 0.99), (double)l->max_ns / 1e6);
    uv_close((uv_handle_t *)&l->timer, lag_free);
}
