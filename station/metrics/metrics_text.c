/* Prometheus text exposition format; see metrics_text.h. */
#include "metrics_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void fota_prom_init(fota_prom_t *p)
{
    memset(p, 0, sizeof *p);
}

void fota_prom_free(fota_prom_t *p)
{
    free(p->buf);
    fota_prom_init(p);
}

static bool prom_reserve(fota_prom_t *p, size_t more)
{
    if (p->oom)
        return false;
    if (p->len + more + 1 <= p->cap)
        return true;
    size_t cap = p->cap ? p->cap : 4096;
    while (cap < p->len + more + 1)
        cap *= 2;
    char *b = realloc(p->buf, cap);
    if (!b) {
        p->oom = true;
        return false;
    }
    p->buf = b;
    p->cap = cap;
    return true;
}

void fota_prom_printf(fota_prom_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || !prom_reserve(p, (size_t)n))
        return;
    if ((size_t)n < sizeof small) {
        memcpy(p->buf + p->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(p->buf + p->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    p->len += (size_t)n;
}

/* Escapes s: backslash and newline always, the double quote in a label value
 * (the format's two rules differ only there). */
static void prom_escaped(fota_prom_t *p, const char *s, bool quote)
{
    for (; *s; s++) {
        if (!prom_reserve(p, 2))
            return;
        if (*s == '\\' || (quote && *s == '"')) {
            p->buf[p->len++] = '\\';
            p->buf[p->len++] = *s;
        } else if (*s == '\n') {
            p->buf[p->len++] = '\\';
            p->buf[p->len++] = 'n';
        } else {
            p->buf[p->len++] = *s;
        }
        p->buf[p->len] = '\0';
    }
}

void fota_prom_family(fota_prom_t *p, const char *name, const char *help, const char *type)
{
    fota_prom_printf(p, "# HELP %s ", name);
    prom_escaped(p, help, false);
    fota_prom_printf(p, "\n# TYPE %s %s\n", name, type);
}

const char *fota_prom_number(double v, char *buf, size_t cap)
{
    if (isnan(v))
        snprintf(buf, cap, "NaN");
    else if (isinf(v))
        snprintf(buf, cap, "%s", v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0) /* 2^53: exact integers */
        snprintf(buf, cap, "%.0f", v);
    else {
        /* the shortest of 15..17 digits that reads back as v: 0.005, not
         * 0.0050000000000000001 */
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, cap, "%.*g", digits, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    }
    return buf;
}

/* {a="x",b="y"} plus an optional le="…" last; nothing at all for no label. */
static void prom_labels(fota_prom_t *p, const fota_prom_label_t *labels, size_t n,
                        const char *le)
{
    if (!n && !le)
        return;
    fota_prom_printf(p, "{");
    for (size_t i = 0; i < n; i++) {
        fota_prom_printf(p, "%s%s=\"", i ? "," : "", labels[i].name);
        prom_escaped(p, labels[i].value ? labels[i].value : "", true);
        fota_prom_printf(p, "\"");
    }
    if (le)
        fota_prom_printf(p, "%sle=\"%s\"", n ? "," : "", le);
    fota_prom_printf(p, "}");
}

void fota_prom_sample(fota_prom_t *p, const char *name, const fota_prom_label_t *labels,
                      size_t n_labels, double value)
{
    char num[40];
    fota_prom_printf(p, "%s", name);
    prom_labels(p, labels, n_labels, NULL);
    fota_prom_printf(p, " %s\n", fota_prom_number(value, num, sizeof num));
}

void fota_prom_histogram(fota_prom_t *p, const char *name, const fota_prom_label_t *labels,
                         size_t n_labels, const fota_prom_hist_t *h)
{
    uint64_t seen = 0;
    char le[40];
    for (size_t i = 0; i <= h->n_bounds; i++) {
        seen += h->counts[i];
        fota_prom_printf(p, "%s_bucket", name);
        prom_labels(p, labels, n_labels,
                    i < h->n_bounds ? fota_prom_number(h->bounds[i], le, sizeof le) : "+Inf");
        fota_prom_printf(p, " %llu\n", (unsigned long long)seen);
    }
    char sum[40];
    fota_prom_printf(p, "%s_sum", name);
    prom_labels(p, labels, n_labels, NULL);
    fota_prom_printf(p, " %s\n", fota_prom_number(h->sum, sum, sizeof sum));
    fota_prom_printf(p, "%s_count", name);
    prom_labels(p, labels, n_labels, NULL);
    fota_prom_printf(p, " %llu\n", (unsigned long long)seen);
}

void fota_prom_split_version(const char *s, char *version, size_t vcap, char *revision,
                             size_t rcap)
{
    const char *git = strstr(s, " (git ");
    size_t n = strlen(s);
    if (!git || n < 2 || s[n - 1] != ')') {
        fota_copy(version, vcap, s);
        fota_copy(revision, rcap, "unknown");
        return;
    }
    snprintf(version, vcap, "%.*s", (int)(git - s), s);
    snprintf(revision, rcap, "%.*s", (int)(s + n - 1 - (git + 6)), git + 6);
}
