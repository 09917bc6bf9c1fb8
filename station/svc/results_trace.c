/* Commit trace for the benchmarks; see results_trace.h. */
#include "results_trace.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

FILE *fota_results_trace_open(void)
{
    const char *path = getenv("FOTA_RESULTS_TRACE");
    if (!path || !*path)
        return NULL;
    FILE *f = fopen(path, "a");
    if (f)
        setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

uint64_t fota_results_trace_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool fota_results_trace_is_end(const char *text)
{
    return strstr(text, "\"END\"") || strstr(text, "update success") ||
           strstr(text, "update failed");
}

void fota_results_trace_flight(FILE *f, size_t ops, size_t results, uint64_t apply_ns,
                               uint64_t commit_ns)
{
    fprintf(f, "flight %zu %zu %llu %llu\n", ops, results, (unsigned long long)apply_ns,
            (unsigned long long)commit_ns);
}

void fota_results_trace_line(FILE *f, const char *what, const void *handle, const char *imei,
                             uint64_t queued_ns, uint64_t commit_ns)
{
    fprintf(f, "%s %p %s %llu %llu %llu\n", what, handle, imei && *imei ? imei : "-",
            (unsigned long long)queued_ns, (unsigned long long)commit_ns,
            (unsigned long long)fota_results_trace_now_ns());
}
