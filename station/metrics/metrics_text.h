/* The Prometheus text exposition format (version 0.0.4): a growing buffer, one
 * family's HELP and TYPE lines, samples with escaped labels, and histograms with
 * cumulative buckets, +Inf, _sum and _count. Plain text in memory, no I/O, so the
 * format's rules are unit-tested on their own (tests/station/test_metrics_text.c).
 * What the station says with it: metrics_render.c. */
#ifndef FOTA_STATION_METRICS_TEXT_H
#define FOTA_STATION_METRICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;
    size_t len, cap;
    bool oom;      /* an allocation failed: the text is incomplete, not published */
} fota_prom_t;

/* One label: name="value" (the value escaped: \\, \" and \n). */
typedef struct {
    const char *name, *value;
} fota_prom_label_t;

/* A histogram's data: counts[i] samples <= bounds[i] and above bounds[i-1] (not
 * cumulative; counts[n_bounds] is above the last bound), and the samples' sum. */
typedef struct {
    const double *bounds;
    size_t n_bounds;
    const uint64_t *counts; /* n_bounds + 1 */
    double sum;
} fota_prom_hist_t;

void fota_prom_init(fota_prom_t *p);
void fota_prom_free(fota_prom_t *p);
/* printf into the buffer (grows it). */
void fota_prom_printf(fota_prom_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "# HELP name help" (help escaped: \\ and \n) and "# TYPE name type". */
void fota_prom_family(fota_prom_t *p, const char *name, const char *help, const char *type);
/* name{labels} value */
void fota_prom_sample(fota_prom_t *p, const char *name, const fota_prom_label_t *labels,
                      size_t n_labels, double value);
/* name_bucket{labels,le="…"} cumulative, le="+Inf", name_sum, name_count. */
void fota_prom_histogram(fota_prom_t *p, const char *name, const fota_prom_label_t *labels,
                         size_t n_labels, const fota_prom_hist_t *h);
/* A sample value as the format writes it: integers without a fraction, +Inf, -Inf,
 * NaN, others with the digits that read back the same double. */
const char *fota_prom_number(double v, char *buf, size_t cap);
/* "0.1.0 (git 1554418-dirty)" -> version "0.1.0", revision "1554418-dirty"; a
 * string of another shape is all version, revision "unknown". */
void fota_prom_split_version(const char *s, char *version, size_t vcap, char *revision,
                             size_t rcap);

#endif
