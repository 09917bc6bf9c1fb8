/* One self-contained HTML file: inline CSS and inline SVG charts (yield,
 * failure Pareto, duration histogram), no scripts, no external resources.
 * Every stored string goes through fota_html_text. */
#include "report_model.h"

#include <string.h>

#include "text_escape.h"

#define ESC(s) fota_html_text(f, (s))

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "background:#f4f6f8;color:#1d2733}"
    "main{max-width:1140px;margin:0 auto;padding:24px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}"
    ".sub{color:#5b6775}"
    ".tiles{display:flex;flex-wrap:wrap;gap:12px;margin-top:18px}"
    ".tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px;"
    "box-shadow:0 1px 2px rgba(0,0,0,.08)}"
    ".tile b{display:block;font-size:24px}.tile span{color:#5b6775;font-size:12px;"
    "text-transform:uppercase;letter-spacing:.04em}"
    ".good b{color:#1a7f37}.bad b{color:#c62828}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}"
    ".card{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}"
    ".card h3{margin:0 0 8px;font-size:14px}"
    "table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;"
    "box-shadow:0 1px 2px rgba(0,0,0,.08)}"
    "th,td{padding:6px 10px;text-align:left;border-bottom:1px solid #e6e9ed;vertical-align:top}"
    "th{background:#eef1f4;font-weight:600;font-size:12px;text-transform:uppercase;"
    "letter-spacing:.03em;color:#445}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}"
    ".FAIL{color:#c62828;font-weight:600}.INTERRUPTED{color:#b26a00;font-weight:600}"
    "svg text{font:11px system-ui,sans-serif;fill:#333}"
    ".empty{color:#5b6775;font-style:italic}";

static void pct(FILE *f, int64_t num, int64_t den)
{
    double y = fota_report_yield(num, den);
    if (y < 0)
        fputs("&ndash;", f);
    else
        fprintf(f, "%.1f%%", 100.0 * y);
}

static void tile(FILE *f, const char *cls, const char *label, int64_t num, int64_t den, bool is_pct)
{
    fprintf(f, "<div class=\"tile %s\"><b>", cls);
    if (is_pct)
        pct(f, num, den);
    else
        fprintf(f, "%lld", (long long)num);
    fprintf(f, "</b><span>%s</span></div>", label);
}

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

/* Horizontal bars, value 0..1 each. */
static void yield_chart(FILE *f, const fota_report_t *r)
{
    const char *labels[12];
    double vals[12];
    size_t n = 0;
    labels[n] = "First-pass yield";
    vals[n++] = fota_report_yield(r->first_pass, r->modules);
    labels[n] = "Final yield";
    vals[n++] = fota_report_yield(r->final_pass, r->modules);
    for (size_t i = 0; i < r->n_model && n < 12; i++) {
        const fota_report_group_t *g = &r->by_model[i];
        labels[n] = g->key[0] ? g->key : "(unknown)";
        vals[n++] = fota_report_yield(g->n[FOTA_R_PASS], g->n[FOTA_R_PASS] + g->n[FOTA_R_FAIL] +
                                                            g->n[FOTA_R_INTERRUPTED]);
    }
    const int row = 26, left = 130, width = 360, h = (int)n * row + 24;
    fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"Yield\">",
            left + width + 60, h);
    for (int t = 0; t <= 4; t++) {
        int x = left + t * width / 4;
        fprintf(f, "<line x1=\"%d\" y1=\"4\" x2=\"%d\" y2=\"%d\" stroke=\"#e3e6ea\"/>"
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d%%</text>",
                x, x, h - 16, x, h - 4, t * 25);
    }
    for (size_t i = 0; i < n; i++) {
        int y = 6 + (int)i * row;
        double v = vals[i] < 0 ? 0 : vals[i];
        const char *color = i == 0 ? "#5b8def" : i == 1 ? "#1a7f37" : "#8fa3b8";
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"><title>", left - 8, y + 14);
        ESC(labels[i]);
        fputs("</title>", f);
        label(f, labels[i], 18);
        fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" rx=\"3\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%d\">",
                left, y, v * width, color, left + v * width + 6, y + 14);
        if (vals[i] < 0)
            fputs("&ndash;", f);
        else
            fprintf(f, "%.1f%%", 100.0 * vals[i]);
        fputs("</text>", f);
    }
    fputs("</svg>", f);
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

static void groups_table(FILE *f, const char *title, const fota_report_group_t *g, size_t n,
                         bool rev)
{
    fprintf(f, "<h2>%s</h2><table><tr><th>%s</th><th class=\"n\">attempts</th><th class=\"n\">PASS</th>"
               "<th class=\"n\">FAIL</th><th class=\"n\">SKIP</th><th class=\"n\">INTERRUPTED</th>"
               "<th class=\"n\">pass rate</th></tr>",
            title, rev ? "from &rarr; to" : "model");
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td class=\"mono\">", f);
        if (rev) {
            const char *sep = strchr(g[i].key, '\x1f');
            char from[256];
            snprintf(from, sizeof from, "%.*s", sep ? (int)(sep - g[i].key) : (int)strlen(g[i].key),
                     g[i].key);
            ESC(from[0] ? from : "?");
            fputs(" &rarr; ", f);
            ESC(sep && sep[1] ? sep + 1 : "?");
        } else {
            ESC(g[i].key[0] ? g[i].key : "(unknown)");
        }
        fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                   "<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">",
                (long long)g[i].attempts, (long long)g[i].n[FOTA_R_PASS],
                (long long)g[i].n[FOTA_R_FAIL], (long long)g[i].n[FOTA_R_SKIP],
                (long long)g[i].n[FOTA_R_INTERRUPTED]);
        pct(f, g[i].n[FOTA_R_PASS], g[i].n[FOTA_R_PASS] + g[i].n[FOTA_R_FAIL] + g[i].n[FOTA_R_INTERRUPTED]);
        fputs("</td></tr>", f);
    }
    fputs("</table>", f);
}

/* Document head with the inline style sheet, title and the selection shown. */
static void html_head(FILE *f, const fota_report_t *r)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
               "<title>FOTA Station report</title><style>%s</style></head><body><main>", css);
    fputs("<h1>FOTA Station report</h1><div class=\"sub\">Batch ", f);
    ESC(r->sel.batch ? r->sel.batch : "(all)");
    fputs(" &middot; since ", f);
    ESC(r->sel.since ? r->sel.since : "(all time)");
    if (r->attempts)
        fprintf(f, " &middot; attempts started %s &ndash; %s", r->first_started, r->last_started);
    fputs("</div>", f);
}

static void html_tiles(FILE *f, const fota_report_t *r)
{
    fputs("<div class=\"tiles\">", f);
    tile(f, "", "attempts", r->attempts, 0, false);
    tile(f, "", "modules", r->modules, 0, false);
    tile(f, "", "first-pass yield", r->first_pass, r->modules, true);
    tile(f, "good", "final yield", r->final_pass, r->modules, true);
    tile(f, "good", "PASS", r->n[FOTA_R_PASS], 0, false);
    tile(f, "bad", "FAIL", r->n[FOTA_R_FAIL], 0, false);
    tile(f, "", "SKIP", r->n[FOTA_R_SKIP], 0, false);
    tile(f, "", "interrupted", r->n[FOTA_R_INTERRUPTED], 0, false);
    tile(f, r->n_failed ? "bad" : "good", "to rework", (int64_t)r->n_failed, 0, false);
    fputs("</div>", f);
}

static void html_charts(FILE *f, const fota_report_t *r)
{
    fputs("<h2>Charts</h2><div class=\"charts\"><div class=\"card\"><h3>Yield</h3>", f);
    yield_chart(f, r);
    fputs("</div><div class=\"card\"><h3>Failure Pareto</h3>", f);
    pareto_chart(f, r);
    fputs("</div><div class=\"card\"><h3>Duration histogram</h3>", f);
    histogram(f, r);
    fputs("</div></div>", f);
}

static void html_pareto_table(FILE *f, const fota_report_t *r)
{
    fprintf(f, "<h2>Failure Pareto (%lld FAIL attempts)</h2>", (long long)r->pareto_total);
    if (r->n_pareto) {
        fputs("<table><tr><th class=\"n\">#</th><th>class</th><th class=\"n\">code</th>"
              "<th>meaning</th><th class=\"n\">count</th><th class=\"n\">share</th>"
              "<th class=\"n\">cumulative</th></tr>", f);
        int64_t cum = 0;
        for (size_t i = 0; i < r->n_pareto; i++) {
            const fota_report_pareto_t *p = &r->pareto[i];
            cum += p->count;
            fprintf(f, "<tr><td class=\"n\">%zu</td><td>", i + 1);
            ESC(p->error_class[0] ? p->error_class : "-");
            fprintf(f, "</td><td class=\"n\">%lld</td><td>", (long long)p->error_code);
            ESC(p->meaning);
            fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">", (long long)p->count);
            pct(f, p->count, r->pareto_total);
            fputs("</td><td class=\"n\">", f);
            pct(f, cum, r->pareto_total);
            fputs("</td></tr>", f);
        }
        fputs("</table>", f);
    } else {
        fputs("<p class=\"empty\">No failures.</p>", f);
    }
}

static void html_durations_table(FILE *f, const fota_report_t *r)
{
    fputs("<h2>Durations of PASS attempts</h2><table><tr><th>phase</th><th class=\"n\">n</th>"
          "<th class=\"n\">median</th><th class=\"n\">p95</th><th class=\"n\">max</th></tr>", f);
    for (int d = 0; d < FOTA_DUR__COUNT; d++) {
        const fota_report_dur_t *x = &r->dur[d];
        fprintf(f, "<tr><td>%s</td><td class=\"n\">%lld</td>", fota_report_dur_names[d], (long long)x->n);
        if (x->n)
            fprintf(f, "<td class=\"n\">%.1f s</td><td class=\"n\">%.1f s</td><td class=\"n\">%.1f s</td></tr>",
                    (double)x->median / 1000.0, (double)x->p95 / 1000.0, (double)x->max / 1000.0);
        else
            fputs("<td class=\"n\">&ndash;</td><td class=\"n\">&ndash;</td><td class=\"n\">&ndash;</td></tr>", f);
    }
    fputs("</table>", f);
}

/* The modules whose latest attempt did not pass: what the rework bench picks up. */
static void html_rework_table(FILE *f, const fota_report_t *r)
{
    fprintf(f, "<h2>Modules to rework (%zu)</h2>", r->n_failed);
    if (r->n_failed) {
        fputs("<table><tr><th>IMEI</th><th>slot</th><th>model</th><th>batch</th><th>result</th>"
              "<th>class</th><th class=\"n\">code</th><th>reason</th><th class=\"n\">retests</th>"
              "<th>finished</th></tr>", f);
        for (size_t i = 0; i < r->n_failed; i++) {
            const fota_report_failed_t *x = &r->failed[i];
            fputs("<tr><td class=\"mono\">", f);
            ESC(x->imei[0] ? x->imei : "(unknown)");
            fputs("</td><td class=\"mono\">", f);
            ESC(x->slot);
            fputs("</td><td>", f);
            ESC(x->model);
            fputs("</td><td>", f);
            ESC(x->batch);
            fputs("</td><td class=\"", f);
            ESC(x->result);
            fputs("\">", f);
            ESC(x->result);
            fputs("</td><td>", f);
            ESC(x->error_class);
            fprintf(f, "</td><td class=\"n\">%lld</td><td>", (long long)x->error_code);
            ESC(x->error_text);
            fprintf(f, "</td><td class=\"n\">%lld</td><td>", (long long)x->retests);
            ESC(x->finished_at);
            fputs("</td></tr>", f);
        }
        fputs("</table>", f);
    } else {
        fputs("<p class=\"empty\">Every module passed.</p>", f);
    }
}

void fota_report_write_html(const fota_report_t *r, FILE *f)
{
    html_head(f, r);
    if (r->attempts == 0) {
        fputs("<p class=\"empty\">No attempts match.</p></main></body></html>\n", f);
        return;
    }
    html_tiles(f, r);
    html_charts(f, r);
    groups_table(f, "By model", r->by_model, r->n_model, false);
    groups_table(f, "By revision", r->by_revision, r->n_revision, true);
    html_pareto_table(f, r);
    html_durations_table(f, r);
    html_rework_table(f, r);
    fputs("</main></body></html>\n", f);
}
