/* The HTML report's inline SVG charts: yield (the two yields and every model,
 * worst first), yield by hub, failure Pareto with its cumulative line, and
 * the duration histogram. Yield axes start where the data does, and say so. */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#include "slot_hub.h"

/* At most max characters of s (whole UTF-8 sequences), "..." when cut. */
static void label(FILE *f, const char *s, int max)
{
    char buf[128];
    size_t o = 0;
    int chars = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && chars < max && o + 5 < sizeof buf) {
        size_t n = 1;
        while ((p[n] & 0xC0) == 0x80 && n < 4)
            n++;
        memcpy(buf + o, p, n);
        o += n;
        p += n;
        chars++;
    }
    buf[o] = '\0';
    ESC(buf);
    if (*p)
        fputs("&#8230;", f);
}


/* One bar of a yield chart: num / den, drawn as 0 when den is 0. */
typedef struct {
    const char *label, *title, *color;
    int64_t num, den;
} bar_t;

/* Bars beyond this many are summed up as "and M more" (the tables list all). */
#define MAX_BARS 30

/* Where a yield axis starts: the lowest bar's yield rounded down to 5 %, so
 * 91.1 % and 92.5 % do not look the same (0 when a bar is near 0). */
static int axis_start(const bar_t *b, size_t n)
{
    double lo = 1.0;
    for (size_t i = 0; i < n; i++) {
        double y = fota_report_yield(b[i].num, b[i].den);
        if (y >= 0 && y < lo)
            lo = y;
    }
    int p = (int)(lo * 100.0 + 1e-9) / 5 * 5;
    return p >= 100 ? 95 : p;
}

/* Horizontal bars, "87.5% (21/24)" beside each, on an axis from where the
 * data starts to 100 %, labelled so the cut is never hidden. */
static void bar_chart(FILE *f, const char *aria, const bar_t *b, size_t n, size_t more)
{
    const int row = 26, left = 130, width = 330;
    const int lo = axis_start(b, n), span = 100 - lo;
    const int plot = (int)(n + (more ? 1 : 0)) * row, h = plot + 40;
    fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"%s\">",
            left + width + 120, h, aria);
    for (int t = 0; t <= 4; t++) {
        int x = left + t * width / 4;
        fprintf(f, "<line x1=\"%d\" y1=\"4\" x2=\"%d\" y2=\"%d\" stroke=\"#e3e6ea\"/>"
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%g%%</text>",
                x, x, plot + 8, x, plot + 20, lo + t * span / 4.0);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">pass rate, %%"
               " (axis from %d%%)</text>",
            left + width / 2, h - 4, lo);
    for (size_t i = 0; i < n; i++) {
        int y = 6 + (int)i * row;
        double y01 = fota_report_yield(b[i].num, b[i].den);
        double v = y01 < 0 ? 0 : (100.0 * y01 - lo) / span;
        if (v < 0)
            v = 0;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"><title>", left - 8, y + 14);
        ESC(b[i].title ? b[i].title : b[i].label);
        fputs("</title>", f);
        label(f, b[i].label, 18);
        fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" rx=\"3\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%d\">",
                left, y, v * width, b[i].color, left + v * width + 6, y + 14);
        fota_html_pct(f, b[i].num, b[i].den);
        if (b[i].den > 0)
            fprintf(f, " (%lld/%lld)", (long long)b[i].num, (long long)b[i].den);
        fputs("</text>", f);
    }
    if (more)
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"more\">and %zu more (see the table)</text>",
                left, 6 + (int)n * row + 14, more);
    fputs("</svg>", f);
}

/* Worst pass rate first (no verdicts last), then the most attempts. */
static int cmp_group_worst(const void *pa, const void *pb)
{
    const fota_report_group_t *x = *(const fota_report_group_t *const *)pa,
                              *y = *(const fota_report_group_t *const *)pb;
    int64_t dx = fota_report_verdicts(x), dy = fota_report_verdicts(y);
    if ((dx == 0) != (dy == 0))
        return dx == 0 ? 1 : -1;
    int64_t l = x->n[FOTA_R_PASS] * dy, r = y->n[FOTA_R_PASS] * dx;
    if (dx && dy && l != r)
        return l < r ? -1 : 1;
    return (x->attempts < y->attempts) - (x->attempts > y->attempts);
}

/* The two yields, then every model, worst first: a 0 % model is what a
 * supervisor looks for, so it is never the one cut off. */
static void yield_chart(FILE *f, const fota_report_t *r)
{
    size_t nm = r->n_model < MAX_BARS ? r->n_model : MAX_BARS;
    bar_t *b = calloc(nm + 2, sizeof *b);
    const fota_report_group_t **order = calloc(r->n_model + 1, sizeof *order);
    if (!b || !order) {
        free(b);
        free(order);
        return;
    }
    for (size_t i = 0; i < r->n_model; i++)
        order[i] = &r->by_model[i];
    qsort(order, r->n_model, sizeof *order, cmp_group_worst);
    b[0] = (bar_t){"First-pass yield", NULL, "#5b8def", r->first_pass, r->modules};
    b[1] = (bar_t){"Final yield", NULL, "#1a7f37", r->final_pass, r->modules};
    for (size_t i = 0; i < nm; i++)
        b[2 + i] = (bar_t){order[i]->key[0] ? order[i]->key : "(unknown)", NULL, "#8fa3b8",
                           order[i]->n[FOTA_R_PASS], fota_report_verdicts(order[i])};
    bar_chart(f, "Yield", b, nm + 2, r->n_model - nm);
    free(b);
    free(order);
}

/* Every hub, worst first (the report keeps them in that order); the ports
 * are in the grid below, every one of them. */
static void hub_chart(FILE *f, const fota_report_t *r)
{
    size_t nh = r->n_hub < MAX_BARS ? r->n_hub : MAX_BARS;
    bar_t *b = calloc(nh + 1, sizeof *b);
    char(*labels)[272] = calloc(nh + 1, sizeof *labels);
    if (!b || !labels) {
        free(b);
        free(labels);
        return;
    }
    for (size_t i = 0; i < nh; i++) {
        const fota_report_group_t *g = &r->by_hub[i];
        char l[256];
        if (g->key[0])
            fota_slot_label(g->key, l, sizeof l);
        else
            snprintf(l, sizeof l, "(no hub)");
        snprintf(labels[i], sizeof labels[i], "hub %s", l);
        b[i] = (bar_t){labels[i], g->key, "#b07cc6", g->n[FOTA_R_PASS], fota_report_verdicts(g)};
    }
    bar_chart(f, "Yield by hub", b, nh, r->n_hub - nh);
    free(b);
    free(labels);
}

/* Vertical bars by count with the cumulative share as a line (top 10). */
static void pareto_chart(FILE *f, const fota_report_t *r)
{
    size_t n = r->n_pareto < 10 ? r->n_pareto : 10;
    if (n == 0) {
        fputs("<p class=\"empty\">No failures.</p>", f);
        return;
    }
    const int left = 40, top = 20, plot_h = 170, bw = 36, gap = 10, bottom = 70;
    /* A fixed minimum width keeps one bar from being scaled up to fill the card. */
    int width = left + (int)n * (bw + gap) + 50;
    if (width < 540)
        width = 540;
    const int h = top + plot_h + bottom;
    int64_t max = r->pareto[0].count;
    fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"Failure Pareto\">",
            width, h);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#99a\"/>", left,
            top + plot_h, width - 30, top + plot_h);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>", left - 4, top + 8,
            (long long)max);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">100%%</text>", width - 40, top + 8);
    int64_t cum = 0;
    char points[10 * 32] = "";
    size_t po = 0;
    for (size_t i = 0; i < n; i++) {
        const fota_report_pareto_t *p = &r->pareto[i];
        cum += p->count;
        int x = left + gap / 2 + (int)i * (bw + gap);
        double bh = (double)plot_h * (double)p->count / (double)max;
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" rx=\"2\" fill=\"#e06c5a\">"
                   "<title>",
                x, top + plot_h - bh, bw, bh);
        ESC(p->error_class[0] ? p->error_class : "-");
        fprintf(f, " %lld: ", (long long)p->error_code);
        ESC(p->meaning);
        fprintf(f, " (%lld)</title></rect>", (long long)p->count);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%lld</text>", x + bw / 2,
                top + plot_h - bh - 3, (long long)p->count);
        fprintf(f, "<text transform=\"translate(%d %d) rotate(40)\">", x + bw / 2 - 4,
                top + plot_h + 12);
        ESC(p->error_class[0] ? p->error_class : "-");
        fprintf(f, " %lld</text>", (long long)p->error_code);
        double cy = top + plot_h - (double)plot_h * (double)cum / (double)r->pareto_total;
        po += (size_t)snprintf(points + po, sizeof points - po, "%d,%.1f ", x + bw / 2, cy);
        fprintf(f, "<circle cx=\"%d\" cy=\"%.1f\" r=\"3\" fill=\"#333\"/>", x + bw / 2, cy);
    }
    fprintf(f, "<polyline points=\"%s\" fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\"/>", points);
    fputs("</svg>", f);
}

/* Width of a histogram bin: 1, 2 or 5 x 10^k ms, about max/20. */
static int64_t nice_width(int64_t max)
{
    int64_t raw = max / 20 + 1, scale = 1;
    for (;;) {
        if (scale >= raw)
            return scale;
        if (2 * scale >= raw)
            return 2 * scale;
        if (5 * scale >= raw)
            return 5 * scale;
        scale *= 10;
    }
}

static void histogram(FILE *f, const fota_report_t *r)
{
    const fota_report_dur_t *d = &r->dur[FOTA_DUR_TOTAL];
    if (d->n == 0) {
        fputs("<p class=\"empty\">No completed upgrades.</p>", f);
        return;
    }
    /* Bins of a round width from a round start below the shortest run. */
    int64_t w = nice_width(d->max - d->min), bins[24] = {0};
    int64_t lo = d->min / w * w;
    int nb = (int)((d->max - lo) / w) + 1;
    if (nb > 24)
        nb = 24;
    for (size_t i = 0; i < r->n_total_ms; i++) {
        int64_t b = (r->total_ms[i] - lo) / w;
        bins[b >= nb ? nb - 1 : b]++;
    }
    int64_t top_count = 1;
    for (int i = 0; i < nb; i++)
        if (bins[i] > top_count)
            top_count = bins[i];
    const int left = 44, top = 10, plot_h = 170, bw = 400 / nb, h = top + plot_h + 40;
    fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"Duration histogram\">",
            left + nb * bw + 20, h);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>", left - 4, top + 8,
            (long long)top_count);
    for (int i = 0; i < nb; i++) {
        double bh = (double)plot_h * (double)bins[i] / (double)top_count;
        int x = left + i * bw;
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#5b8def\">"
                   "<title>%.0f&ndash;%.0f s: %lld</title></rect>",
                x + 1, top + plot_h - bh, bw - 2, bh, (double)(lo + i * w) / 1000.0,
                (double)(lo + (i + 1) * w) / 1000.0, (long long)bins[i]);
        if (i % (nb > 12 ? 4 : 2) == 0)
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f s</text>", x,
                    top + plot_h + 16, (double)(lo + i * w) / 1000.0);
    }
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#99a\"/>", left,
            top + plot_h, left + nb * bw, top + plot_h);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">total duration of PASS attempts"
               " (median %.0f s, p95 %.0f s)</text>",
            left + nb * bw, h - 4, (double)d->median / 1000.0, (double)d->p95 / 1000.0);
    fputs("</svg>", f);
}

void fota_html_charts(FILE *f, const fota_report_t *r)
{
    fputs("<h2>Charts</h2><div class=\"charts\"><div class=\"card\"><h3>Yield</h3>", f);
    yield_chart(f, r);
    fputs("</div><div class=\"card\"><h3>Yield by hub (worst first; every port in the grid"
          " below)</h3>", f);
    hub_chart(f, r);
    fputs("</div><div class=\"card\"><h3>Failure Pareto</h3>", f);
    pareto_chart(f, r);
    fputs("</div><div class=\"card\"><h3>Duration histogram</h3>", f);
    histogram(f, r);
    fputs("</div></div>", f);
}
