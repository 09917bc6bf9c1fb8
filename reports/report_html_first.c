/* The HTML report's first page after the KPI tiles (the per-batch table, the
 * trend per day, the runs with identical headers folded), the hub x port
 * grid, and what an empty selection says. */
#include "report_html.h"

#include <string.h>

#include "slot_hub.h"

static void td_text(FILE *f, const char *cls, const char *s)
{
    fprintf(f, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    ESC(s && s[0] ? s : "-");
    fputs("</td>", f);
}

static void td_time(FILE *f, const char *iso)
{
    fputs("<td class=\"time\">", f);
    fota_html_time(f, iso);
    fputs("</td>", f);
}

static void td_int(FILE *f, int64_t v)
{
    fprintf(f, "<td class=\"n\">%lld</td>", (long long)v);
}

static void td_pct(FILE *f, int64_t num, int64_t den)
{
    fputs("<td class=\"n\">", f);
    fota_html_pct_of(f, num, den);
    fputs("</td>", f);
}

static void html_batches(FILE *f, const fota_report_t *r)
{
    fprintf(f, "<h2>By batch (%zu)</h2><div class=\"wide\"><table class=\"batches\"><tr>"
               "<th>batch</th><th>stations</th><th>first started (UTC)</th><th>last started (UTC)</th>"
               "<th class=\"n\">modules</th><th class=\"n\">first-pass yield</th>"
               "<th class=\"n\">final yield</th><th class=\"n\">pass</th><th class=\"n\">fail</th>"
               "<th class=\"n\">interrupted</th></tr>",
            r->n_batches);
    for (size_t i = 0; i < r->n_batches; i++) {
        const fota_report_batch_t *b = &r->batches[i];
        fputs("<tr>", f);
        td_text(f, "nw", b->batch);
        td_text(f, NULL, b->stations);
        td_time(f, b->first_started);
        td_time(f, b->last_started);
        td_int(f, b->modules);
        td_pct(f, b->first_pass, b->modules);
        td_pct(f, b->final_pass, b->modules);
        td_int(f, b->pass);
        td_int(f, b->fail);
        td_int(f, b->interrupted);
        fputs("</tr>", f);
    }
    fputs("</table></div><p class=\"sub\">pass, fail, interrupted: modules by their latest"
          " verdict in the batch.</p>", f);
}

static void html_trend(FILE *f, const fota_report_t *r)
{
    fputs("<h2>Trend per day</h2><div class=\"wide\"><table class=\"trend\"><tr><th>day (UTC)</th>"
          "<th class=\"n\">attempts</th><th class=\"n\">PASS</th><th class=\"n\">FAIL</th>"
          "<th class=\"n\">SKIP</th><th class=\"n\">INTERRUPTED</th><th class=\"n\">pass rate</th>"
          "</tr>", f);
    for (size_t i = 0; i < r->n_trend; i++) {
        const fota_report_trend_t *t = &r->trend[i];
        fputs("<tr>", f);
        td_text(f, "nw", t->day);
        td_int(f, t->attempts);
        td_int(f, t->pass);
        td_int(f, t->fail);
        td_int(f, t->skip);
        td_int(f, t->interrupted);
        td_pct(f, t->pass, t->pass + t->fail + t->interrupted);
        fputs("</tr>", f);
    }
    fputs("</table></div><p class=\"sub\">Pass rate: PASS / (PASS + FAIL + INTERRUPTED) of the"
          " day's attempts. Per day only: the jobs define no shifts.</p>", f);
}

/* The traceability header: one row per distinct job file, software and
 * packages among the runs behind the selection, with the runs it covers. */
static void html_runs(FILE *f, const fota_report_t *r)
{
    if (r->n_runfolds) {
        fprintf(f, "<h2>Runs (%zu; identical headers folded)</h2><div class=\"wide\">"
                   "<table class=\"runs\"><tr><th class=\"n\">runs</th><th>first / last start</th>"
                   "<th>stations</th><th>operators</th><th>job</th><th>job sha256</th>"
                   "<th>software</th><th>packages (sha256 &nbsp;name)</th></tr>",
                r->n_runs);
        for (size_t i = 0; i < r->n_runfolds; i++) {
            const fota_report_runfold_t *u = &r->runfolds[i];
            fprintf(f, "<tr><td class=\"n\">%lld</td><td class=\"time\">", (long long)u->runs);
            fota_html_time(f, u->first_started);
            if (u->runs > 1) {
                fputs("<br>", f);
                fota_html_time(f, u->last_started);
            }
            fputs("</td>", f);
            td_text(f, NULL, u->stations);
            td_text(f, NULL, u->operators);
            td_text(f, NULL, u->job_name);
            td_text(f, "mono", u->job_sha256);
            td_text(f, NULL, u->software);
            td_text(f, "mono pre", u->packages);
            fputs("</tr>", f);
        }
        fputs("</table></div>", f);
    } else if (r->attempts) {
        fputs("<div class=\"sub\">Stations ", f);
        ESC(r->stations && r->stations[0] ? r->stations : "-");
        fputs(" &middot; operators ", f);
        ESC(r->operators && r->operators[0] ? r->operators : "-");
        fputs(r->runs_table ? " &middot; no run record for this selection</div>"
                            : " &middot; this file has no run records (written before schema 7)</div>",
              f);
    }
}

void fota_html_first_page(FILE *f, const fota_report_t *r)
{
    html_batches(f, r);
    html_trend(f, r);
    html_runs(f, r);
}

/* Red (50 % and below) through amber to green (100 %), light enough for text. */
static void cell_colour(FILE *f, double y)
{
    double t = (y - 0.5) / 0.5;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    fprintf(f, "hsl(%d,65%%,%d%%)", (int)(t * 120.0), 78 + (int)(t * 8.0));
}

static void grid_cell(FILE *f, const fota_report_grid_t *g, size_t h, size_t p)
{
    const fota_report_group_t *c = g->cells[h * g->n_ports + p];
    char hub[256];
    fota_slot_label(g->hubs[h], hub, sizeof hub);
    if (!c) {
        fputs("<td class=\"none\" title=\"hub ", f);
        ESC(hub);
        fputs(" port ", f);
        ESC(g->ports[p]);
        fputs(": no attempts\">&middot;</td>", f);
        return;
    }
    int64_t den = fota_report_verdicts(c);
    double y = fota_report_yield(c->n[FOTA_R_PASS], den);
    fputs("<td style=\"background:", f);
    if (y < 0)
        fputs("#e6e9ed", f);
    else
        cell_colour(f, y);
    fputs("\" title=\"hub ", f);
    ESC(hub);
    fputs(" port ", f);
    ESC(g->ports[p]);
    fputs(" (", f);
    ESC(c->key);
    fputs("): pass rate ", f);
    fota_html_pct_of(f, c->n[FOTA_R_PASS], den);
    fprintf(f, ", %lld attempts\">%lld<br>", (long long)c->attempts, (long long)c->attempts);
    fota_html_pct(f, c->n[FOTA_R_PASS], den);
    fputs("</td>", f);
}

void fota_html_grid(FILE *f, const fota_report_t *r)
{
    const fota_report_grid_t *g = &r->grid;
    fputs("<h2>Hub &times; port</h2>", f);
    if (!g->n_hubs) {
        fputs("<p class=\"empty\">No slot sits on a USB hub.</p>", f);
        return;
    }
    fputs("<div class=\"wide\"><table class=\"grid\" aria-label=\"Yield by hub and port\">"
          "<tr><th>hub \\ port</th>", f);
    for (size_t p = 0; p < g->n_ports; p++) {
        fputs("<th>", f);
        ESC(g->ports[p]);
        fputs("</th>", f);
    }
    fputs("</tr>", f);
    for (size_t h = 0; h < g->n_hubs; h++) {
        char label[256];
        fputs("<tr><th title=\"", f);
        ESC(g->hubs[h]);
        fputs("\">", f);
        ESC(fota_slot_label(g->hubs[h], label, sizeof label));
        fputs("</th>", f);
        for (size_t p = 0; p < g->n_ports; p++)
            grid_cell(f, g, h, p);
        fputs("</tr>", f);
    }
    fputs("</table></div><p class=\"sub legend\">Each cell: attempts, then pass rate"
          " (PASS / verdicts); hover for the slot. Colour: <span style=\"background:", f);
    cell_colour(f, 0.5);
    fputs("\">&le; 50%</span><span style=\"background:", f);
    cell_colour(f, 0.75);
    fputs("\">75%</span><span style=\"background:", f);
    cell_colour(f, 1.0);
    fputs("\">100%</span>", f);
    if (g->n_nohub)
        fprintf(f, " %zu slot%s on no hub: see <i>By slot</i>.", g->n_nohub,
                g->n_nohub == 1 ? "" : "s");
    fputs("</p>", f);
}

void fota_html_none(FILE *f, const fota_report_t *r)
{
    fputs("<p class=\"empty\">No attempts match.</p><p>", f);
    if (!r->n_known_batches) {
        fputs("The file has no attempts at all.</p>", f);
        return;
    }
    fputs("Batches in this file: ", f);
    for (size_t i = 0; i < r->n_known_batches; i++) {
        fputs(i ? ", " : "", f);
        ESC(r->known_batches[i]);
    }
    if (r->known_batches_more)
        fprintf(f, " and %lld more", (long long)r->known_batches_more);
    fputs("</p>", f);
}
