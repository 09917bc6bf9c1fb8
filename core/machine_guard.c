/* machine_guard_*: what one module may cost the station, whatever it prints. Its
 * transcript is bounded (the events table, the --log-dir file and the results
 * queue's memory all take it line by line), and a module that keeps printing
 * faster than the job's flood rate fails its own attempt instead of filling the
 * disk that every other module's result needs. Limits: job.h (fota_limits_t). */
#include "machine_internal.h"

#include <stdio.h>

/* The rate is judged over whole seconds: one busy second (a boot banner, a burst
 * of URCs) is normal; only every second of the window over the rate is a flood. */
#define GUARD_BUCKET_MS 1000

void machine_guard_init(machine_t *m)
{
    const fota_limits_t *l = &m->cfg.job->limits;
    m->guard.max_bytes = (uint64_t)l->transcript_kib * 1024u;
    m->guard.max_lines = l->transcript_lines;
}

bool machine_guard_trace(machine_t *m, size_t len)
{
    machine_guard_t *g = &m->guard;
    if (g->closing)
        return true; /* the verdict's own lines are never cut */
    if ((g->max_bytes && g->bytes + len > g->max_bytes) ||
        (g->max_lines && g->lines + 1 > g->max_lines)) {
        g->dropped_bytes += len;
        g->dropped_lines++;
        return false;
    }
    g->bytes += len;
    g->lines++;
    return true;
}

void machine_guard_closing(machine_t *m)
{
    machine_guard_t *g = &m->guard;
    g->closing = true;
    if (g->dropped_lines)
        machine_action_trace(m, FOTA_TRACE_INFO,
                             "transcript cut: %llu bytes in %llu lines dropped (limits.transcript_kib "
                             "%llu, transcript_lines %llu)",
                             (unsigned long long)g->dropped_bytes,
                             (unsigned long long)g->dropped_lines,
                             (unsigned long long)(g->max_bytes / 1024u),
                             (unsigned long long)g->max_lines);
}

void machine_guard_rx(machine_t *m, size_t n, uint64_t now)
{
    const fota_limits_t *l = &m->cfg.job->limits;
    machine_guard_t *g = &m->guard;
    if (!l->flood_kib_per_s || !l->flood_s || m->state == MS_FINISHED)
        return;
    bool quiet_second = g->last_rx && now - g->last_rx >= GUARD_BUCKET_MS;
    g->last_rx = now ? now : 1;
    if (quiet_second)
        g->flood_since = 0; /* a whole second without a byte breaks any run */
    if (g->bucket_start == 0 || now < g->bucket_start || quiet_second) {
        g->bucket_start = now ? now : 1;
        g->bucket_bytes = 0;
    }
    g->bucket_bytes += n;
    uint64_t elapsed = now - g->bucket_start;
    if (elapsed < GUARD_BUCKET_MS)
        return;
    bool over = g->bucket_bytes * 1000u > (uint64_t)l->flood_kib_per_s * 1024u * elapsed;
    if (!over)
        g->flood_since = 0;
    else if (!g->flood_since)
        g->flood_since = g->bucket_start;
    g->bucket_start = now;
    g->bucket_bytes = 0;
    if (g->flood_since && now - g->flood_since >= (uint64_t)l->flood_s * 1000u)
        machine_finish_fail(m, FOTA_ERR_PORT, 0, now,
                            "the module floods its port: over %u KiB/s for %u s",
                            l->flood_kib_per_s, l->flood_s);
}
