/* The machine-readable report: the same figures as the text, yields as
 * fractions (0..1, null when there is no module), times in ms. */
#include "report_model.h"

#include <string.h>

#include "report_json.h"
#include "report_slots.h"
#include "slot_hub.h"
#include "text_escape.h"

static void yield(FILE *f, int64_t num, int64_t den)
{
    double y = fota_report_yield(num, den);
    if (y < 0)
        fputs("null", f);
    else
        fprintf(f, "%.4f", y);
}

static void counts(FILE *f, const fota_report_group_t *g)
{
    fprintf(f, "\"attempts\": %lld, \"pass\": %lld, \"fail\": %lld, \"skip\": %lld, "
               "\"interrupted\": %lld, \"running\": %lld, \"pass_rate\": ",
            (long long)g->attempts, (long long)g->n[FOTA_R_PASS], (long long)g->n[FOTA_R_FAIL],
            (long long)g->n[FOTA_R_SKIP], (long long)g->n[FOTA_R_INTERRUPTED],
            (long long)g->n[FOTA_R_RUNNING]);
    yield(f, g->n[FOTA_R_PASS], g->n[FOTA_R_PASS] + g->n[FOTA_R_FAIL] + g->n[FOTA_R_INTERRUPTED]);
}

static void str_or_null(FILE *f, const char *s)
{
    fota_text_json_str(f, s && s[0] ? s : NULL);
}

/* Each section writes its own key and value; fota_report_write_json puts the
 * separators between them. */
static void json_selection(FILE *f, const fota_report_t *r)
{
    fputs("\"selection\": {\"batch\": ", f);
    fota_text_json_str(f, r->sel.batch);
    fputs(", \"since\": ", f);
    fota_text_json_str(f, r->sel.since);
    fputs(", \"until\": ", f);
    fota_text_json_str(f, r->sel.until);
    fputs(", \"first_started_at\": ", f);
    str_or_null(f, r->first_started);
    fputs(", \"last_started_at\": ", f);
    str_or_null(f, r->last_started);
    fputc('}', f);
}

static void json_totals(FILE *f, const fota_report_t *r)
{
    fprintf(f, "\"totals\": {\"attempts\": %lld, \"pass\": %lld, \"noop\": %lld, "
               "\"fail\": %lld, \"skip\": %lld, \"interrupted\": %lld, \"running\": %lld, "
               "\"modules\": %lld, \"first_pass\": %lld, \"final_pass\": %lld, "
               "\"retested_modules\": %lld, \"first_pass_yield\": ",
            (long long)r->attempts, (long long)r->n[FOTA_R_PASS], (long long)r->noop,
            (long long)r->n[FOTA_R_FAIL], (long long)r->n[FOTA_R_SKIP],
            (long long)r->n[FOTA_R_INTERRUPTED], (long long)r->n[FOTA_R_RUNNING],
            (long long)r->modules, (long long)r->first_pass, (long long)r->final_pass,
            (long long)r->retested_modules);
    yield(f, r->first_pass, r->modules);
    fputs(", \"final_yield\": ", f);
    yield(f, r->final_pass, r->modules);
    const fota_report_dur_t *d = &r->dur[FOTA_DUR_TOTAL];
    fprintf(f, ", \"to_rework\": %zu, \"upgrade_ms_median\": ", r->n_failed);
    if (d->n)
        fprintf(f, "%lld, \"upgrade_ms_p95\": %lld}", (long long)d->median, (long long)d->p95);
    else
        fputs("null, \"upgrade_ms_p95\": null}", f);
}

static void json_by_model(FILE *f, const fota_report_t *r)
{
    fputs("\"by_model\": [", f);
    for (size_t i = 0; i < r->n_model; i++) {
        fputs(i ? ",\n    {\"model\": " : "\n    {\"model\": ", f);
        str_or_null(f, r->by_model[i].key);
        fputs(", ", f);
        counts(f, &r->by_model[i]);
        fputc('}', f);
    }
    fputc(']', f);
}

/* A revision group's key is "from\x1fto"; a key without the separator has no "to". */
static void json_by_revision(FILE *f, const fota_report_t *r)
{
    fputs("\"by_revision\": [", f);
    for (size_t i = 0; i < r->n_revision; i++) {
        const char *k = r->by_revision[i].key, *sep = strchr(k, '\x1f');
        char from[256];
        snprintf(from, sizeof from, "%.*s", sep ? (int)(sep - k) : (int)strlen(k), k);
        fputs(i ? ",\n    {\"from\": " : "\n    {\"from\": ", f);
        str_or_null(f, from);
        fputs(", \"to\": ", f);
        str_or_null(f, sep ? sep + 1 : NULL);
        fputs(", ", f);
        counts(f, &r->by_revision[i]);
        fputc('}', f);
    }
    fputc(']', f);
}

/* Who and what produced the selection: the runs (table runs), or, from a file
 * without them, the stations and operators the attempts name. */
static void json_trace(FILE *f, const fota_report_t *r)
{
    fputs("\"trace\": {\"runs\": [", f);
    for (size_t i = 0; i < r->n_runs; i++) {
        const fota_report_run_t *u = &r->runs[i];
        static const char *const keys[] = {"started_at", "batch",      "station",
                                           "operator",   "job_name",   "job_sha256",
                                           "software_version", "packages"};
        const char *v[] = {u->started_at, u->batch,      u->station,  u->operator_id,
                           u->job_name,   u->job_sha256, u->software, u->packages};
        fputs(i ? ",\n    {" : "\n    {", f);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fprintf(f, "%s\"%s\": ", k ? ", " : "", keys[k]);
            str_or_null(f, v[k]);
        }
        fputc('}', f);
    }
    fputs("], \"stations\": ", f);
    str_or_null(f, r->stations);
    fputs(", \"operators\": ", f);
    str_or_null(f, r->operators);
    fputc('}', f);
}

/* Per slot and per hub, worst first; "label" is the dashboard's name. */
static void json_places(FILE *f, const char *name, const fota_report_group_t *g, size_t n,
                        bool slot)
{
    fprintf(f, "\"%s\": [", name);
    for (size_t i = 0; i < n; i++) {
        char label[256], hub[256];
        fputs(i ? ",\n    {" : "\n    {", f);
        fputs(slot ? "\"slot\": " : "\"hub\": ", f);
        str_or_null(f, g[i].key);
        if (slot) {
            fputs(", \"hub\": ", f);
            str_or_null(f, fota_slot_hub(g[i].key, hub, sizeof hub) ? hub : NULL);
        }
        fputs(", \"label\": ", f);
        str_or_null(f, g[i].key[0] ? fota_slot_label(g[i].key, label, sizeof label) : NULL);
        fputs(", ", f);
        counts(f, &g[i]);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_by_hub(FILE *f, const fota_report_t *r)
{
    json_places(f, "by_hub", r->by_hub, r->n_hub, false);
}

static void json_by_slot(FILE *f, const fota_report_t *r)
{
    json_places(f, "by_slot", r->by_slot, r->n_slot, true);
}

static void json_pareto(FILE *f, const fota_report_t *r)
{
    fputs("\"pareto\": [", f);
    int64_t cum = 0;
    for (size_t i = 0; i < r->n_pareto; i++) {
        const fota_report_pareto_t *p = &r->pareto[i];
        cum += p->count;
        fputs(i ? ",\n    {\"error_class\": " : "\n    {\"error_class\": ", f);
        str_or_null(f, p->error_class);
        fprintf(f, ", \"error_code\": %lld, \"meaning\": ", (long long)p->error_code);
        str_or_null(f, p->meaning);
        fprintf(f, ", \"count\": %lld, \"share\": %.4f, \"cumulative\": %.4f", (long long)p->count,
                (double)p->count / (double)r->pareto_total, (double)cum / (double)r->pareto_total);
        if (fota_report_pareto_note(p)[0]) {
            fputs(", \"note\": ", f);
            fota_text_json_str(f, fota_report_pareto_note(p));
        }
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_durations(FILE *f, const fota_report_t *r)
{
    fputs("\"durations_ms\": {", f);
    for (int d = 0; d < FOTA_DUR__COUNT; d++) {
        const fota_report_dur_t *x = &r->dur[d];
        fprintf(f, "%s\"%s\": {\"n\": %lld", d ? ", " : "", fota_report_dur_names[d], (long long)x->n);
        if (x->n)
            fprintf(f, ", \"median\": %lld, \"p95\": %lld, \"min\": %lld, \"max\": %lld}",
                    (long long)x->median, (long long)x->p95, (long long)x->min, (long long)x->max);
        else
            fputs(", \"median\": null, \"p95\": null, \"min\": null, \"max\": null}", f);
    }
    fputc('}', f);
}

static void json_failed_row(FILE *f, const fota_report_failed_t *x)
{
    fprintf(f, "{\"attempt_id\": %lld, \"imei\": ", (long long)x->id);
    str_or_null(f, x->imei);
    fputs(", \"slot\": ", f);
    str_or_null(f, x->slot);
    fputs(", \"model\": ", f);
    str_or_null(f, x->model);
    fputs(", \"batch\": ", f);
    str_or_null(f, x->batch);
    fputs(", \"result\": ", f);
    str_or_null(f, x->result);
    fputs(", \"error_class\": ", f);
    str_or_null(f, x->error_class);
    fprintf(f, ", \"error_code\": %lld, \"reason\": ", (long long)x->error_code);
    str_or_null(f, x->error_text);
    fputs(", \"finished_at\": ", f);
    str_or_null(f, x->finished_at);
    char note[160], sql[160];
    fota_report_reason_note(x, note, sizeof note);
    fota_report_transcript_sql(x->id, sql, sizeof sql);
    fprintf(f, ", \"retests\": %lld, \"hops\": %lld, \"module_retries\": %lld, \"reason_note\": ",
            (long long)x->retests, (long long)x->hops, (long long)x->module_retries);
    str_or_null(f, note);
    fputs(", \"transcript_sql\": ", f);
    fota_text_json_str(f, sql);
    fputc('}', f);
}

static void json_failed(FILE *f, const fota_report_t *r)
{
    fputs("\"failed\": [", f);
    for (size_t i = 0; i < r->n_failed; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        json_failed_row(f, &r->failed[i]);
    }
    fputc(']', f);
}

static void json_schema(FILE *f, const fota_report_t *r)
{
    (void)r;
    fprintf(f, "\"schema\": %d", FOTA_REPORT_JSON_SCHEMA);
}

static void (*const json_sections[])(FILE *f, const fota_report_t *r) = {
    json_schema,     json_selection,   json_totals,  fota_report_json_batches,
    fota_report_json_trend, fota_report_json_runfolds, json_trace, json_by_model,
    json_by_revision, json_by_hub,     json_by_slot, fota_report_json_ports, fota_report_json_grid,
    json_pareto,     json_durations,   json_failed,  fota_report_json_known,
};

void fota_report_write_json(const fota_report_t *r, FILE *f)
{
    for (size_t i = 0; i < sizeof json_sections / sizeof json_sections[0]; i++) {
        fputs(i ? ",\n  " : "{\n  ", f);
        json_sections[i](f, r);
    }
    if (r->has_att) {
        fputs(",\n  ", f);
        fota_report_json_attempts(f, r);
    }
    fputs("\n}\n", f);
}
