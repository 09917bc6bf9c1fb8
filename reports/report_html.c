/* One self-contained HTML file: inline CSS and inline SVG charts (yield,
 * failure Pareto, duration histogram), no scripts, no external resources.
 * Every stored string goes through fota_text_html. */
#include "report_model.h"

#include <stdlib.h>
#include <string.h>

#include "slot_hub.h"
#include "text_escape.h"

#define ESC(s) fota_text_html(f, (s))

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
    ".empty{color:#5b6775;font-style:italic}"
    /* IMEIs, slots and times on one line: a wrapped IMEI is hard to scan. */
    "td.nw{white-space:nowrap}td.mono.nw{word-break:normal}td.pre{white-space:pre-wrap}"
    "table.trace{margin-top:12px}table.trace th{width:190px;text-transform:none}"
    "table.trace td{font-size:12px}td.pre{overflow-wrap:anywhere}"
    "svg text.more{fill:#5b6775;font-style:italic}";

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

/* One bar of a yield chart: num / den, drawn as 0 when den is 0. */
typedef struct {
    const char *label, *title, *color;
    int64_t num, den;
} bar_t;

/* Bars beyond this many are summed up as "and M more" (the tables list all). */
#define MAX_BARS 30

/* Horizontal bars, value 0..1 each, "87.5% (21/24)" beside each. */
static void bar_chart(FILE *f, const char *aria, const bar_t *b, size_t n, size_t more)
{
    const int row = 26, left = 130, width = 330;
    const int h = (int)(n + (more ? 1 : 0)) * row + 24;
    fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"%s\">",
            left + width + 120, h, aria);
    for (int t = 0; t <= 4; t++) {
        int x = left + t * width / 4;
        fprintf(f, "<line x1=\"%d\" y1=\"4\" x2=\"%d\" y2=\"%d\" stroke=\"#e3e6ea\"/>"
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d%%</text>",
                x, x, h - 16, x, h - 4, t * 25);
    }
    for (size_t i = 0; i < n; i++) {
        int y = 6 + (int)i * row;
        double y01 = fota_report_yield(b[i].num, b[i].den), v = y01 < 0 ? 0 : y01;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"><title>", left - 8, y + 14);
        ESC(b[i].title ? b[i].title : b[i].label);
        fputs("</title>", f);
        label(f, b[i].label, 18);
        fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" rx=\"3\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%d\">",
                left, y, v * width, b[i].color, left + v * width + 6, y + 14);
        pct(f, b[i].num, b[i].den);
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

/* Hubs then slots, each worst first (the report keeps them in that order). */
static void slot_chart(FILE *f, const fota_report_t *r)
{
    size_t nh = r->n_hub < MAX_BARS / 3 ? r->n_hub : MAX_BARS / 3;
    size_t ns = r->n_slot < MAX_BARS ? r->n_slot : MAX_BARS;
    bar_t *b = calloc(nh + ns + 1, sizeof *b);
    char(*labels)[272] = calloc(nh + ns + 1, sizeof *labels);
    if (!b || !labels) {
        free(b);
        free(labels);
        return;
    }
    for (size_t i = 0; i < nh + ns; i++) {
        const fota_report_group_t *g = i < nh ? &r->by_hub[i] : &r->by_slot[i - nh];
        char l[256];
        if (g->key[0])
            fota_slot_label(g->key, l, sizeof l);
        else
            snprintf(l, sizeof l, "%s", i < nh ? "(no hub)" : "(unknown)");
        snprintf(labels[i], sizeof labels[i], "%s %s", i < nh ? "hub" : "port", l);
        b[i] = (bar_t){labels[i], g->key, i < nh ? "#b07cc6" : "#8fa3b8", g->n[FOTA_R_PASS],
                       fota_report_verdicts(g)};
    }
    bar_chart(f, "Yield by hub and hub port", b, nh + ns, (r->n_hub - nh) + (r->n_slot - ns));
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

static void group_cell(FILE *f, const fota_report_group_t *g, fota_report_group_kind_t kind)
{
    char l[256];
    if (kind == FOTA_GROUP_REVISION) {
        const char *sep = strchr(g->key, '\x1f');
        char from[256];
        snprintf(from, sizeof from, "%.*s", sep ? (int)(sep - g->key) : (int)strlen(g->key), g->key);
        ESC(from[0] ? from : "?");
        fputs(" &rarr; ", f);
        ESC(sep && sep[1] ? sep + 1 : "?");
    } else if (kind == FOTA_GROUP_MODEL || !g->key[0]) {
        ESC(g->key[0] ? g->key : kind == FOTA_GROUP_HUB ? "(no hub)" : "(unknown)");
    } else {
        fputs("<span title=\"", f);
        ESC(g->key);
        fputs("\">", f);
        ESC(fota_slot_label(g->key, l, sizeof l));
        fputs("</span>", f);
    }
}

static void groups_table(FILE *f, const char *title, const fota_report_group_t *g, size_t n,
                         fota_report_group_kind_t kind)
{
    static const char *const heads[FOTA_GROUP__COUNT] = {"model", "from &rarr; to",
                                                         "slot (hub port)", "hub"};
    fprintf(f, "<h2>%s</h2><table><tr><th>%s</th>%s<th class=\"n\">attempts</th>"
               "<th class=\"n\">PASS</th><th class=\"n\">FAIL</th><th class=\"n\">SKIP</th>"
               "<th class=\"n\">INTERRUPTED</th><th class=\"n\">pass rate</th></tr>",
            title, heads[kind], kind == FOTA_GROUP_SLOT ? "<th>hub</th>" : "");
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td class=\"mono\">", f);
        group_cell(f, &g[i], kind);
        if (kind == FOTA_GROUP_SLOT) {
            char hub[256], l[256];
            fputs("</td><td class=\"mono\">", f);
            ESC(fota_slot_hub(g[i].key, hub, sizeof hub) ? fota_slot_label(hub, l, sizeof l)
                                                         : "(no hub)");
        }
        fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                   "<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">",
                (long long)g[i].attempts, (long long)g[i].n[FOTA_R_PASS],
                (long long)g[i].n[FOTA_R_FAIL], (long long)g[i].n[FOTA_R_SKIP],
                (long long)g[i].n[FOTA_R_INTERRUPTED]);
        pct(f, g[i].n[FOTA_R_PASS], fota_report_verdicts(&g[i]));
        if (fota_report_verdicts(&g[i]) > 0)
            fprintf(f, " (%lld/%lld)", (long long)g[i].n[FOTA_R_PASS],
                    (long long)fota_report_verdicts(&g[i]));
        fputs("</td></tr>", f);
    }
    fputs("</table>", f);
}

/* The traceability header: each run behind the selection (table runs), or the
 * stations and operators the attempts name when the file has no runs. */
static void html_trace(FILE *f, const fota_report_t *r)
{
    static const char *const names[] = {"run started", "batch",      "station",
                                        "operator",    "job",        "job sha256",
                                        "software",    "packages (sha256 &nbsp;name)"};
    /* One key/value table per run: digests and package lines keep their width. */
    for (size_t i = 0; i < r->n_runs; i++) {
        const fota_report_run_t *u = &r->runs[i];
        const char *v[] = {u->started_at, u->batch,      u->station,  u->operator_id,
                           u->job_name,   u->job_sha256, u->software, u->packages};
        fputs("<table class=\"trace\">", f);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fprintf(f, "<tr><th>%s</th><td%s>", names[k], k >= 5 ? " class=\"mono pre\"" : "");
            ESC(v[k][0] ? v[k] : "-");
            fputs("</td></tr>", f);
        }
        fputs("</table>", f);
    }
    if (r->n_runs == 0 && r->attempts) {
        fputs("<div class=\"sub\">Stations ", f);
        ESC(r->stations && r->stations[0] ? r->stations : "-");
        fputs(" &middot; operators ", f);
        ESC(r->operators && r->operators[0] ? r->operators : "-");
        fputs(r->runs_table ? " &middot; no run record for this selection</div>"
                            : " &middot; this file has no run records (written before schema 7)</div>",
              f);
    }
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
    fputs(" &middot; until ", f);
    ESC(r->sel.until ? r->sel.until : "(now)");
    if (r->attempts)
        fprintf(f, " &middot; attempts started %s &ndash; %s", r->first_started, r->last_started);
    fputs(" (times UTC)</div>", f);
    html_trace(f, r);
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
    fputs("</div><div class=\"card\"><h3>Yield by hub and hub port (worst first)</h3>", f);
    slot_chart(f, r);
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
            if (fota_report_pareto_note(p)[0]) {
                fputs(p->meaning[0] ? "; <b>" : "<b>", f);
                ESC(fota_report_pareto_note(p));
                fputs("</b>", f);
            }
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

static void html_rework_row(FILE *f, const fota_report_failed_t *x)
{
    char l[256], note[160], sql[160];
    fputs("<tr><td class=\"mono nw\">", f);
    ESC(x->imei[0] ? x->imei : "(unknown)");
    fputs("</td><td class=\"mono nw\" title=\"", f);
    ESC(x->slot);
    fputs("\">", f);
    ESC(fota_slot_label(x->slot, l, sizeof l));
    fputs("</td><td class=\"nw\">", f);
    ESC(x->model);
    fputs("</td><td class=\"nw\">", f);
    ESC(x->batch);
    fputs("</td><td class=\"", f);
    ESC(x->result);
    fputs("\">", f);
    ESC(x->result);
    fputs("</td><td class=\"nw\">", f);
    ESC(x->error_class);
    fprintf(f, "</td><td class=\"n\">%lld</td><td>", (long long)x->error_code);
    ESC(x->error_text);
    fota_report_reason_note(x, note, sizeof note);
    if (note[0]) {
        fputs(x->error_text[0] ? "; <b>" : "<b>", f);
        ESC(note);
        fputs("</b>", f);
    }
    fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
               "<td class=\"nw\">",
            (long long)x->hops, (long long)x->module_retries, (long long)x->retests);
    ESC(x->finished_at);
    fota_report_transcript_sql(x->id, sql, sizeof sql);
    fprintf(f, "</td><td class=\"mono nw\" title=\"");
    ESC(sql);
    fprintf(f, "\">events #%lld</td></tr>", (long long)x->id);
}

/* The modules whose latest attempt did not pass: what the rework bench picks up. */
static void html_rework_table(FILE *f, const fota_report_t *r)
{
    fprintf(f, "<h2>Modules to rework (%zu)</h2>", r->n_failed);
    if (r->n_failed) {
        fputs("<table><tr><th>IMEI</th><th>slot</th><th>model</th><th>batch</th><th>result</th>"
              "<th>class</th><th class=\"n\">code</th><th>reason</th><th class=\"n\">hops</th>"
              "<th class=\"n\">retries</th><th class=\"n\">retests</th><th>finished</th>"
              "<th>transcript</th></tr>", f);
        for (size_t i = 0; i < r->n_failed; i++)
            html_rework_row(f, &r->failed[i]);
        fputs("</table><p class=\"sub\">retries: the module's own (<code>module_retries</code>). "
              "Transcript <i>events #N</i>: <code>sqlite3 -readonly results.db \"SELECT t_ms, dir, "
              "text FROM events WHERE attempt_id = N ORDER BY rowid\"</code> (hover for the query), "
              "or the file <code>*-N.log</code> of <code>run --log-dir</code>.</p>", f);
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
    groups_table(f, "By model", r->by_model, r->n_model, FOTA_GROUP_MODEL);
    groups_table(f, "By revision", r->by_revision, r->n_revision, FOTA_GROUP_REVISION);
    groups_table(f, "By hub (worst first)", r->by_hub, r->n_hub, FOTA_GROUP_HUB);
    groups_table(f, "By slot: hub port (worst first)", r->by_slot, r->n_slot, FOTA_GROUP_SLOT);
    html_pareto_table(f, r);
    html_durations_table(f, r);
    html_rework_table(f, r);
    fputs("</main></body></html>\n", f);
}
