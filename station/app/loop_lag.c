/* Loop lateness histogram; see loop_lag.h. */
#include "loop_lag.h"

#include <stdint.h>
#include <stdlib.h>

#define BUCKET_US 10
#define N_BUCKETS 20000 /* 10 µs steps up to 200 ms; later ones count in the last */

struct fota_loop_lag {
    uv_timer_t timer;
    uint64_t period_ms;
    uint64_t due_ns;      /* uv_hrtime when the timer should run */
    uint64_t n, max_ns;
    uint32_t hist[N_BUCKETS];
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
    if (late > l->max_ns)
        l->max_ns = late;
    lag_arm(l);
}

fota_loop_lag_t *fota_loop_lag_start(uv_loop_t *loop)
{
    const char *env = getenv("FOTA_LOOP_LAG_MS");
    long ms = env ? strtol(env, NULL, 10) : 0;
    if (ms <= 0)
        return NULL;
    fota_loop_lag_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->period_ms = (uint64_t)ms;
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    lag_arm(l);
    return l;
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
    fprintf(out,
            "loop lateness: %llu samples every %llu ms: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
            (unsigned long long)l->n, (unsigned long long)l->period_ms, pct_ms(l, 0.50),
            pct_ms(l, 0.99), (double)l->max_ns / 1e6);
    uv_close((uv_handle_t *)&l->timer, lag_free);
}
