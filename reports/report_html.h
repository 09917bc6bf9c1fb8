/* The HTML report's parts (report_html.c: page, tables; report_html_charts.c:
 * SVG charts; report_html_first.c: first page and the hub x port grid).
 * Internal to reports/. Every stored string goes through fota_text_html. */
#ifndef FOTA_REPORT_HTML_H
#define FOTA_REPORT_HTML_H

#include "report_model.h"
#include "text_escape.h"

#define ESC(s) fota_text_html(f, (s))

/* "87.5%", or an en dash when den is 0. */
void fota_html_pct(FILE *f, int64_t num, int64_t den);
/* "87.5% (21/24)", or an en dash. */
void fota_html_pct_of(FILE *f, int64_t num, int64_t den);

/* A stored time (ISO 8601 UTC) as "2025-11-23 12:13:20": short enough for a
 * table cell, and it wraps at the space on paper. Anything else as it is. */
void fota_html_time(FILE *f, const char *iso);

/* Charts: yield, yield by hub, failure Pareto, duration histogram. */
void fota_html_charts(FILE *f, const fota_report_t *r);
/* The first page after the KPI tiles: per-batch table, trend, folded runs. */
void fota_html_first_page(FILE *f, const fota_report_t *r);
/* Every port of every hub: rows hubs, columns ports, cells coloured by yield. */
void fota_html_grid(FILE *f, const fota_report_t *r);
/* Nothing matched: say so and list the file's batches. */
void fota_html_none(FILE *f, const fota_report_t *r);

#endif
