/* One self-contained HTML file: inline CSS and inline SVG charts (yield,
 * failure Pareto, duration histogram), no scripts, no external resources.
 * Every stored string goes through fota_text_html. Read first page first: the
 * selection, the KPI tiles and the per-batch table, then the rest; printed,
 * no table column is cut and no chart is split across pages. */
#include "report_html.h"
#include "report_slots.h"

#include <stdlib.h>
#include <string.h>

#include "slot_hub.h"

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
    /* No overflow:hidden here: it cut the rework table's last columns. A
     * table wider than the page scrolls in its .wide box instead. */
    "table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 2px rgba(0,0,0,.08)}"
    ".wide{overflow-x:auto}"
    "th,td{padding:6px 10px;text-align:left;border-bottom:1px solid #e6e9ed;vertical-align:top}"
    "th{background:#eef1f4;font-weight:600;font-size:12px;text-transform:uppercase;"
    "letter-spacing:.03em;color:#445}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}"
    ".FAIL{color:#c62828;font-weight:600}.INTERRUPTED{color:#b26a00;font-weight:600}"
    "svg text{font:11px system-ui,sans-serif;fill:#333}"
    ".empty{color:#5b6775;font-style:italic}"
    /* IMEIs, slots and times on one line: a wrapped IMEI is hard to scan. */
    "td.nw{white-space:nowrap}td.reason{min-width:150px}"
    /* Thirteen columns: tighter cells so the rework table fits a 1400 px window. */
    "table.rework th,table.rework td{padding:6px 5px}td.mono.nw{word-break:normal}td.pre{white-space:pre-wrap}"
    "table.trace{margin-top:12px}table.trace th{width:190px;text-transform:none}"
    "table.trace td{font-size:12px}td.pre{overflow-wrap:anywhere}"
    "svg text.more,svg text.axis{fill:#5b6775;font-style:italic}"
    /* The hub x port grid: a cell per port, its colour the yield. */
    "table.grid{width:auto}table.grid td{text-align:center;font-size:11px;min-width:54px;"
    "padding:3px 4px;border:1px solid #fff;font-variant-numeric:tabular-nums}"
    "table.grid td.none{background:#f4f6f8;color:#9aa}table.grid th{text-transform:none}"
    "table.runs td{font-size:12px}"
    ".legend span{display:inline-block;padding:1px 6px;margin-right:4px;font-size:11px}"
    /* Paper: full width, smaller type, every column wraps instead of being
     * cut, and no card, chart, grid or table row split across two pages. */
    "@page{size:A4;margin:12mm}"
    "@media print{body{background:#fff;font-size:10px}main{max-width:none;padding:0}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "h1{font-size:18px}h2{font-size:13px;margin:12px 0 6px;break-after:avoid}"
    ".tiles{margin-top:8px;gap:6px}.tile{padding:4px 8px;min-width:0;box-shadow:none;"
    "border:1px solid #dde}.tile b{font-size:15px}.tile span{font-size:9px}"
    "table{font-size:9px;box-shadow:none;table-layout:auto}th,td{padding:2px 4px}"
    "th{font-size:8px}td.mono{font-size:9px}"
    "td.reason{min-width:0}"
    /* Cells wrap between words; a word (an IMEI) stays whole. */
    "td.nw,td.mono.nw{white-space:normal;word-break:normal;overflow-wrap:break-word}"
    "table.runs,table.batches{break-inside:avoid}"
    ".wide{overflow:visible}tr,.card,svg,table.grid,.tiles{break-inside:avoid}"
    ".charts{display:block}.card{box-shadow:none;border:1px solid #dde;margin-bottom:8px;"
    "padding:6px 8px}.card svg{max-height:120mm}table.grid td{min-width:0;font-size:8px}}";

void fota_html_pct(FILE *f, int64_t num, int64_t den)
{
    double y = fota_report_yield(num, den);
    if (y < 0)
        fputs("&ndash;", f);
    else
        fprintf(f, "%.1f%%", 100.0 * y);
}

void fota_html_time(FILE *f, const char *iso)
{
    size_t n = strlen(iso);
    if (n >= 19 && iso[10] == 'T' && iso[n - 1] == 'Z')
        fprintf(f, "%.10s %.8s", iso, iso + 11);
    else
        ESC(iso);
}

void fota_html_pct_of(FILE *f, int64_t num, int64_t den)
{
    fota_html_pct(f, num, den);
    if (den > 0)
        fprintf(f, " (%lld/%lld)", (long long)num, (long long)den);
}

static void tile(FILE *f, const char *cls, const char *label, int64_t num, int64_t den, bool is_pct)
{
    fprintf(f, "<div class=\"tile %s\"><b>", cls);
    if (is_pct)
        fota_html_pct(f, num, den);
    else
        fprintf(f, "%lld", (long long)num);
    fprintf(f, "</b><span>%s</span></div>", label);
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
        fota_html_pct_of(f, g[i].n[FOTA_R_PASS], fota_report_verdicts(&g[i]));
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
    fputs(" &middot; until ", f);
    ESC(r->sel.until ? r->sel.until : "(now)");
    if (r->attempts)
        fprintf(f, " &middot; attempts started %s &ndash; %s", r->first_started, r->last_started);
    fputs(" (times UTC)</div>", f);
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
    /* Upgrade time of PASS attempts that did work (the durations table's "total"). */
    const fota_report_dur_t *d = &r->dur[FOTA_DUR_TOTAL];
    const char *names[] = {"median upgrade", "p95 upgrade"};
    int64_t v[] = {d->median, d->p95};
    for (int i = 0; i < 2; i++) {
        if (d->n)
            fprintf(f, "<div class=\"tile\"><b>%.0f s</b><span>%s</span></div>",
                    (double)v[i] / 1000.0, names[i]);
        else
            fprintf(f, "<div class=\"tile\"><b>&ndash;</b><span>%s</span></div>", names[i]);
    }
    fputs("</div>", f);
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
            fota_html_pct(f, p->count, r->pareto_total);
            fputs("</td><td class=\"n\">", f);
            fota_html_pct(f, cum, r->pareto_total);
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
    fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"reason\">", (long long)x->error_code);
    ESC(x->error_text);
    fota_report_reason_note(x, note, sizeof note);
    if (note[0]) {
        fputs(x->error_text[0] ? "; <b>" : "<b>", f);
        ESC(note);
        fputs("</b>", f);
    }
    fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
               "<td class=\"time\">",
            (long long)x->hops, (long long)x->module_retries, (long long)x->retests);
    fota_html_time(f, x->finished_at);
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
        fputs("<div class=\"wide\"><table class=\"rework\"><tr><th>IMEI</th><th>slot</th><th>model</th><th>batch</th><th>result</th>"
              "<th>class</th><th class=\"n\">code</th><th>reason</th><th class=\"n\">hops</th>"
              "<th class=\"n\">retries</th><th class=\"n\">retests</th><th>finished</th>"
              "<th>transcript</th></tr>", f);
        for (size_t i = 0; i < r->n_failed; i++)
            html_rework_row(f, &r->failed[i]);
        fputs("</table></div><p class=\"sub\">retries: the module's own (<code>module_retries</code>). "
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
        fota_html_none(f, r);
        fputs("</main></body></html>\n", f);
        return;
    }
    html_tiles(f, r);
    fota_html_first_page(f, r);
    fota_html_charts(f, r);
    fota_html_grid(f, r);
    groups_table(f, "By model", r->by_model, r->n_model, FOTA_GROUP_MODEL);
    groups_table(f, "By revision", r->by_revision, r->n_revision, FOTA_GROUP_REVISION);
    groups_table(f, "By hub (worst first)", r->by_hub, r->n_hub, FOTA_GROUP_HUB);
    groups_table(f, "By slot: hub port (worst first)", r->by_slot, r->n_slot, FOTA_GROUP_SLOT);
    fota_report_html_ports(f, r);
    html_pareto_table(f, r);
    html_durations_table(f, r);
    html_rework_table(f, r);
    fputs("</main></body></html>\n", f);
}
