/* The JSON report's first page and per-attempt list: batches, trend, folded
 * run headers, the hub x port grid, the batches a file has when nothing
 * matched, and (--attempts) every attempt. Yields are fractions 0..1. */
#include "report_json.h"

#include <string.h>

#include "slot_hub.h"
#include "text_escape.h"

static void str_or_null(FILE *f, const char *s)
{
    fota_text_json_str(f, s && s[0] ? s : NULL);
}

static void yield(FILE *f, int64_t num, int64_t den)
{
    double y = fota_report_yield(num, den);
    if (y < 0)
        fputs("null", f);
    else
        fprintf(f, "%.4f", y);
}

static void sep(FILE *f, size_t i)
{
    fputs(i ? ",\n    {" : "\n    {", f);
}

void fota_report_json_batches(FILE *f, const fota_report_t *r)
{
    fputs("\"batches\": [", f);
    for (size_t i = 0; i < r->n_batches; i++) {
        const fota_report_batch_t *b = &r->batches[i];
        sep(f, i);
        fputs("\"batch\": ", f);
        fota_text_json_str(f, b->batch);
        fputs(", \"stations\": ", f);
        str_or_null(f, b->stations);
        fputs(", \"first_started_at\": ", f);
        str_or_null(f, b->first_started);
        fputs(", \"last_started_at\": ", f);
        str_or_null(f, b->last_started);
        fprintf(f, ", \"attempts\": %lld, \"skip\": %lld, \"running\": %lld, \"modules\": %lld,"
                   " \"first_pass\": %lld, \"final_pass\": %lld, \"pass\": %lld, \"fail\": %lld,"
                   " \"interrupted\": %lld, \"first_pass_yield\": ",
                (long long)b->attempts, (long long)b->skip, (long long)b->running,
                (long long)b->modules, (long long)b->first_pass, (long long)b->final_pass,
                (long long)b->pass, (long long)b->fail, (long long)b->interrupted);
        yield(f, b->first_pass, b->modules);
        fputs(", \"final_yield\": ", f);
        yield(f, b->final_pass, b->modules);
        fputc('}', f);
    }
    fputc(']', f);
}

void fota_report_json_trend(FILE *f, const fota_report_t *r)
{
    fputs("\"trend\": {\"per\": \"day\", \"note\": \"days in UTC; jobs define no shifts\","
          " \"rows\": [", f);
    for (size_t i = 0; i < r->n_trend; i++) {
        const fota_report_trend_t *t = &r->trend[i];
        sep(f, i);
        fputs("\"day\": ", f);
        fota_text_json_str(f, t->day);
        fprintf(f, ", \"attempts\": %lld, \"pass\": %lld, \"fail\": %lld, \"interrupted\": %lld,"
                   " \"skip\": %lld, \"pass_rate\": ",
                (long long)t->attempts, (long long)t->pass, (long long)t->fail,
                (long long)t->interrupted, (long long)t->skip);
        yield(f, t->pass, t->pass + t->fail + t->interrupted);
        fputc('}', f);
    }
    fputs("]}", f);
}

void fota_report_json_runfolds(FILE *f, const fota_report_t *r)
{
    fputs("\"run_headers\": [", f);
    for (size_t i = 0; i < r->n_runfolds; i++) {
        const fota_report_runfold_t *u = &r->runfolds[i];
        static const char *const keys[] = {"job_name", "job_sha256", "software_version",
                                           "packages", "stations",   "operators",
                                           "first_started_at", "last_started_at"};
        const char *v[] = {u->job_name, u->job_sha256, u->software,      u->packages,
                           u->stations, u->operators,  u->first_started, u->last_started};
        sep(f, i);
        fprintf(f, "\"runs\": %lld", (long long)u->runs);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fprintf(f, ", \"%s\": ", keys[k]);
            str_or_null(f, v[k]);
        }
        fputc('}', f);
    }
    fputc(']', f);
}

/* Rows hubs, columns ports; a cell null where the hub has no such port. */
void fota_report_json_grid(FILE *f, const fota_report_t *r)
{
    const fota_report_grid_t *g = &r->grid;
    fputs("\"hub_port_grid\": {\"ports\": [", f);
    for (size_t p = 0; p < g->n_ports; p++) {
        fputs(p ? ", " : "", f);
        fota_text_json_str(f, g->ports[p]);
    }
    fprintf(f, "], \"slots_on_no_hub\": %zu, \"hubs\": [", g->n_nohub);
    for (size_t h = 0; h < g->n_hubs; h++) {
        char label[256];
        sep(f, h);
        fputs("\"hub\": ", f);
        fota_text_json_str(f, g->hubs[h]);
        fputs(", \"label\": ", f);
        fota_text_json_str(f, fota_slot_label(g->hubs[h], label, sizeof label));
        fputs(", \"cells\": [", f);
        for (size_t p = 0; p < g->n_ports; p++) {
            const fota_report_group_t *c = g->cells[h * g->n_ports + p];
            fputs(p ? ", " : "", f);
            if (!c) {
                fputs("null", f);
                continue;
            }
            fprintf(f, "{\"attempts\": %lld, \"pass\": %lld, \"verdicts\": %lld, \"pass_rate\": ",
                    (long long)c->attempts, (long long)c->n[FOTA_R_PASS],
                    (long long)fota_report_verdicts(c));
            yield(f, c->n[FOTA_R_PASS], fota_report_verdicts(c));
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("]}", f);
}

/* Only when nothing matched: the batches the file has. */
void fota_report_json_known(FILE *f, const fota_report_t *r)
{
    fputs("\"batches_in_file\": ", f);
    if (r->attempts) {
        fputs("null", f);
        return;
    }
    fputs("{\"names\": [", f);
    for (size_t i = 0; i < r->n_known_batches; i++) {
        fputs(i ? ", " : "", f);
        fota_text_json_str(f, r->known_batches[i]);
    }
    fprintf(f, "], \"more\": %lld}", (long long)r->known_batches_more);
}

void fota_report_json_attempts(FILE *f, const fota_report_t *r)
{
    fputs("\"attempts\": [", f);
    for (size_t i = 0; i < r->n_att; i++) {
        const fota_report_attempt_t *a = &r->att[i];
        static const char *const keys[] = {"batch",       "station",     "slot",       "imei",
                                           "model",       "from_version", "to_version", "result",
                                           "error_class", "started_at",  "finished_at"};
        const char *v[] = {a->batch,       a->station,      a->slot,       a->imei,
                           a->model,       a->from_version, a->to_version, a->result,
                           a->error_class, a->started_at,   a->finished_at};
        char hub[256];
        sep(f, i);
        fprintf(f, "\"id\": %lld", (long long)a->id);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fprintf(f, ", \"%s\": ", keys[k]);
            str_or_null(f, v[k]);
            if (k == 2) {
                fputs(", \"hub\": ", f);
                str_or_null(f, fota_slot_hub(a->slot, hub, sizeof hub) ? hub : NULL);
            }
        }
        fprintf(f, ", \"error_code\": %lld, \"duration_ms\": %lld}", (long long)a->error_code,
                (long long)a->duration_ms);
    }
    fputc(']', f);
}
