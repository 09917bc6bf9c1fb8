/* The report's port section: every slot whose service state was ever changed (x on
 * the dashboard, port health, `fota-station port`), out of service first, then by
 * failure rate, with its attempts, failures and hardware failures over all time
 * (the service state is now's, not the selection's). */
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "report_slots.h"
#include "slot_hub.h"
#include "store_schema.h"
#include "text_escape.h"

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return strdup(v ? (const char *)v : "");
}

int fota_report_load_ports(sqlite3 *db, fota_report_t *r)
{
    int t = fota_store_has_table(db, "port_service");
    if (t != 1)
        return t < 0 ? -1 : 0;
    sqlite3_stmt *st = NULL;
    /* the hardware classes are station/base/port_health.c's table */
    if (sqlite3_prepare_v2(
            db,
            "SELECT p.slot, p.out_of_service, COALESCE(p.reason, ''), p.changed_at,"
            " count(a.id), count(CASE WHEN a.result = 'FAIL' THEN 1 END),"
            " count(CASE WHEN a.result = 'FAIL' AND a.error_class IN"
            "   ('port', 'timeout', 'protocol') THEN 1 END)"
            " FROM port_service p LEFT JOIN attempts a ON a.slot = p.slot"
            " GROUP BY p.slot"
            " ORDER BY p.out_of_service DESC,"
            "  CAST(count(CASE WHEN a.result = 'FAIL' THEN 1 END) AS REAL) /"
            "  max(count(a.id), 1) DESC, p.slot",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fota_report_port_t *v = realloc(r->ports, (r->n_ports + 1) * sizeof *v);
        if (!v)
            break;
        r->ports = v;
        fota_report_port_t *p = &r->ports[r->n_ports++];
        p->slot = dup_col(st, 0);
        p->off = sqlite3_column_int(st, 1) != 0;
        p->reason = dup_col(st, 2);
        p->changed_at = dup_col(st, 3);
        p->attempts = sqlite3_column_int64(st, 4);
        p->fail = sqlite3_column_int64(st, 5);
        p->hw_fail = sqlite3_column_int64(st, 6);
        if (!p->slot || !p->reason || !p->changed_at) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

void fota_report_free_ports(fota_report_t *r)
{
    for (size_t i = 0; i < r->n_ports; i++) {
        free(r->ports[i].slot);
        free(r->ports[i].reason);
        free(r->ports[i].changed_at);
    }
    free(r->ports);
}

static const char *state_words(const fota_report_port_t *p)
{
    return p->off ? "out of service" : "in service";
}

static const char *why_words(const fota_report_port_t *p)
{
    return p->reason[0] ? p->reason : "operator";
}

void fota_report_text_ports(FILE *f, const fota_report_t *r)
{
    if (!r->n_ports)
        return;
    fputs("\nPorts (service state now; out of service first, then by failure rate)\n", f);
    fprintf(f, "  %-14s %-15s %8s %6s %8s %9s  %s\n", "slot", "state", "attempts", "FAIL",
            "hardware", "fail rate", "since, why");
    for (size_t i = 0; i < r->n_ports; i++) {
        const fota_report_port_t *p = &r->ports[i];
        char label[256], rate[16] = "-";
        if (p->attempts)
            snprintf(rate, sizeof rate, "%.1f%%", 100.0 * (double)p->fail / (double)p->attempts);
        fputs("  ", f);
        fota_text_term(f, fota_slot_label(p->slot, label, sizeof label), 14);
        fprintf(f, " %-15s %8lld %6lld %8lld %9s  ", state_words(p), (long long)p->attempts,
                (long long)p->fail, (long long)p->hw_fail, rate);
        fota_text_term(f, p->changed_at, 0);
        if (p->off) {
            fputs(", ", f);
            fota_text_term(f, why_words(p), 0);
        }
        fputc('\n', f);
    }
}

void fota_report_json_ports(FILE *f, const fota_report_t *r)
{
    fputs("\"ports\": [", f);
    for (size_t i = 0; i < r->n_ports; i++) {
        const fota_report_port_t *p = &r->ports[i];
        char label[256];
        fputs(i ? ",\n    {\"slot\": " : "\n    {\"slot\": ", f);
        fota_text_json_str(f, p->slot);
        fputs(", \"label\": ", f);
        fota_text_json_str(f, fota_slot_label(p->slot, label, sizeof label));
        fprintf(f, ", \"out_of_service\": %s, \"reason\": ", p->off ? "true" : "false");
        fota_text_json_str(f, p->reason[0] ? p->reason : NULL);
        fputs(", \"changed_at\": ", f);
        fota_text_json_str(f, p->changed_at);
        fprintf(f, ", \"attempts\": %lld, \"fail\": %lld, \"hardware_fail\": %lld}",
                (long long)p->attempts, (long long)p->fail, (long long)p->hw_fail);
    }
    fputc(']', f);
}

void fota_report_html_ports(FILE *f, const fota_report_t *r)
{
    if (!r->n_ports)
        return;
    fputs("<h2>Ports: service state now (out of service first, then by failure rate)</h2>"
          "<table><tr><th>slot (hub port)</th><th>state</th><th class=\"n\">attempts</th>"
          "<th class=\"n\">FAIL</th><th class=\"n\">hardware</th><th class=\"n\">fail rate"
          "</th><th>since</th><th>why</th></tr>", f);
    for (size_t i = 0; i < r->n_ports; i++) {
        const fota_report_port_t *p = &r->ports[i];
        char label[256];
        fputs("<tr><td class=\"mono\">", f);
        ESC(fota_slot_label(p->slot, label, sizeof label));
        fprintf(f, "</td><td>%s</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                   "<td class=\"n\">%lld</td><td class=\"n\">",
                state_words(p), (long long)p->attempts, (long long)p->fail,
                (long long)p->hw_fail);
        fota_html_pct(f, p->fail, p->attempts);
        fputs("</td><td>", f);
        fota_html_time(f, p->changed_at);
        fputs("</td><td>", f);
        ESC(p->off ? why_words(p) : "");
        fputs("</td></tr>", f);
    }
    fputs("</table>", f);
}
