/* The terminal report: what an engineer reads at the line. Control characters
 * and invalid UTF-8 in stored text are shown as '?' (fota_text_term) so a hostile
 * value cannot drive the terminal. */
#include "report_model.h"
#include "report_slots.h"
#include "slot_hub.h"
#include "text_escape.h"

#include <string.h>

static void put_safe(FILE *f, const char *s, int width)
{
    fota_text_term(f, s, width);
}

static void pct(FILE *f, int64_t num, int64_t den)
{
    double y = fota_report_yield(num, den);
    if (y < 0)
        fprintf(f, "     -");
    else
        fprintf(f, "%5.1f%%", 100.0 * y);
}

/* The yield as the dashboard shows it: "87.5% (21/24)". */
static void pct_of(FILE *f, int64_t num, int64_t den)
{
    pct(f, num, den);
    if (den > 0)
        fprintf(f, " (%lld/%lld)", (long long)num, (long long)den);
}

/* Terminal columns of a UTF-8 string (one per character). */
static int cols(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A group's first column: the model, "from -> to", or a slot's or hub's label. */
static void group_key(const fota_report_group_t *g, fota_report_group_kind_t kind, char *key,
                      size_t len)
{
    if (kind == FOTA_GROUP_REVISION) {
        const char *sep = strchr(g->key, '\x1f');
        int fl = sep ? (int)(sep - g->key) : (int)strlen(g->key);
        if (fl == 0 && !(sep && sep[1]))
            snprintf(key, len, "(unknown)");
        else
            snprintf(key, len, "%.*s -> %s", fl ? fl : 1, fl ? g->key : "?",
                     sep && sep[1] ? sep + 1 : "?");
    } else if (kind == FOTA_GROUP_MODEL || !g->key[0]) {
        snprintf(key, len, "%s", g->key[0] ? g->key : kind == FOTA_GROUP_HUB ? "(no hub)" : "(unknown)");
    } else {
        fota_slot_label(g->key, key, len);
    }
}

static void groups(FILE *f, const char *title, const fota_report_group_t *g, size_t n,
                   fota_report_group_kind_t kind)
{
    /* The first column as wide as its longest entry (long revisions, by-path
     * names), so the counts stay in line. */
    int w = (int)strlen(fota_report_group_heads[kind]);
    for (size_t i = 0; i < n; i++) {
        char key[300];
        group_key(&g[i], kind, key, sizeof key);
        if (cols(key) > w)
            w = cols(key) > 100 ? 100 : cols(key);
    }
    fprintf(f, "\n%s\n  ", title);
    put_safe(f, fota_report_group_heads[kind], w);
    fprintf(f, " %8s %7s %7s %7s %7s  %s\n", "attempts", "PASS", "FAIL", "SKIP", "INTR",
            "pass rate");
    for (size_t i = 0; i < n; i++) {
        char key[300];
        group_key(&g[i], kind, key, sizeof key);
        fputs("  ", f);
        put_safe(f, key, w);
        fprintf(f, " %8lld %7lld %7lld %7lld %7lld ", (long long)g[i].attempts,
                (long long)g[i].n[FOTA_R_PASS], (long long)g[i].n[FOTA_R_FAIL],
                (long long)g[i].n[FOTA_R_SKIP], (long long)g[i].n[FOTA_R_INTERRUPTED]);
        pct_of(f, g[i].n[FOTA_R_PASS], fota_report_verdicts(&g[i]));
        if ((kind == FOTA_GROUP_SLOT || kind == FOTA_GROUP_HUB) && strcmp(key, g[i].key) != 0 &&
            g[i].key[0]) {
            fputs("  ", f);
            put_safe(f, g[i].key, 0);
        }
        putc_unlocked('\n', f);
    }
}

/* A value of several lines (the packages), each line escaped on its own and
 * the following ones indented to the value's column. */
static void put_lines(FILE *f, const char *s, int indent)
{
    for (const char *p = s, *nl;; p = nl + 1) {
        nl = strchr(p, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
        if (p != s)
            fprintf(f, "%*s", indent, "");
        put_safe(f, line, 0);
        putc_unlocked('\n', f);
        if (!nl)
            return;
    }
}

/* Title, the selection the figures below are for, and when its attempts ran. */
static void text_head(FILE *f, const fota_report_t *r)
{
    fprintf(f, "FOTA Station report\n");
    fprintf(f, "Selection: batch ");
    put_safe(f, r->sel.batch ? r->sel.batch : "(all)", 0);
    fputs(", since ", f);
    put_safe(f, r->sel.since ? r->sel.since : "(all time)", 0);
    fputs(", until ", f);
    put_safe(f, r->sel.until ? r->sel.until : "(now)", 0);
    fputs(" (times UTC)\n", f);
    if (!r->attempts)
        return;
    fputs("Attempts started ", f);
    put_safe(f, r->first_started, 0);
    fputs(" .. ", f);
    put_safe(f, r->last_started, 0);
    putc_unlocked('\n', f);
}

static void secs(FILE *f, int64_t n, int64_t ms)
{
    if (n)
        fprintf(f, "%.1f s", (double)ms / 1000.0);
    else
        fputs("-", f);
}

/* The figures a supervisor reads first: counts by result, the two yields,
 * rework count, and the upgrade time of PASS attempts. */
static void text_totals(FILE *f, const fota_report_t *r)
{
    fprintf(f, "\nTotals\n");
    fprintf(f, "  attempts %lld: PASS %lld (noop %lld), FAIL %lld, SKIP %lld, INTERRUPTED %lld, running %lld\n",
            (long long)r->attempts, (long long)r->n[FOTA_R_PASS], (long long)r->noop,
            (long long)r->n[FOTA_R_FAIL], (long long)r->n[FOTA_R_SKIP],
            (long long)r->n[FOTA_R_INTERRUPTED], (long long)r->n[FOTA_R_RUNNING]);
    fprintf(f, "  modules %lld: first-pass yield ", (long long)r->modules);
    pct_of(f, r->first_pass, r->modules);
    fputs(", final yield ", f);
    pct_of(f, r->final_pass, r->modules);
    fprintf(f, ", retested %lld, still failing %zu\n", (long long)r->retested_modules,
            r->n_failed);
    const fota_report_dur_t *d = &r->dur[FOTA_DUR_TOTAL];
    fprintf(f, "  to rework %zu; upgrade time (PASS, total) median ", r->n_failed);
    secs(f, d->n, d->median);
    fputs(", p95 ", f);
    secs(f, d->n, d->p95);
    fprintf(f, " (n %lld)\n", (long long)d->n);
}

static void text_batches(FILE *f, const fota_report_t *r)
{
    int w = 5, ws = 8;
    for (size_t i = 0; i < r->n_batches; i++) {
        int c = cols(r->batches[i].batch), cs = cols(r->batches[i].stations ? r->batches[i].stations : "-");
        w = c > w ? (c > 40 ? 40 : c) : w;
        ws = cs > ws ? (cs > 40 ? 40 : cs) : ws;
    }
    fprintf(f, "\nBy batch (%zu)\n  ", r->n_batches);
    put_safe(f, "batch", w);
    putc_unlocked(' ', f);
    put_safe(f, "stations", ws);
    fprintf(f, " %-24s %-24s %7s %-18s %-18s %6s %6s %6s\n", "first started", "last started",
            "modules", "first-pass yield", "final yield", "pass", "fail", "intr");
    for (size_t i = 0; i < r->n_batches; i++) {
        const fota_report_batch_t *b = &r->batches[i];
        char fp[48], fy[48];
        double y1 = fota_report_yield(b->first_pass, b->modules),
               y2 = fota_report_yield(b->final_pass, b->modules);
        if (y1 < 0)
            snprintf(fp, sizeof fp, "-"), snprintf(fy, sizeof fy, "-");
        else
            snprintf(fp, sizeof fp, "%.1f%% (%lld/%lld)", 100.0 * y1, (long long)b->first_pass,
                     (long long)b->modules),
                snprintf(fy, sizeof fy, "%.1f%% (%lld/%lld)", 100.0 * y2,
                         (long long)b->final_pass, (long long)b->modules);
        fputs("  ", f);
        put_safe(f, b->batch[0] ? b->batch : "-", w);
        putc_unlocked(' ', f);
        put_safe(f, b->stations ? b->stations : "-", ws);
        putc_unlocked(' ', f);
        put_safe(f, b->first_started, 24);
        putc_unlocked(' ', f);
        put_safe(f, b->last_started, 24);
        fprintf(f, " %7lld %-18s %-18s %6lld %6lld %6lld\n", (long long)b->modules, fp, fy,
                (long long)b->pass, (long long)b->fail, (long long)b->interrupted);
    }
    fputs("  pass/fail/intr: modules by their latest verdict in the batch\n", f);
}

static void text_trend(FILE *f, const fota_report_t *r)
{
    fputs("\nTrend per day (UTC; the jobs define no shifts)\n", f);
    fprintf(f, "  %-10s %8s %7s %7s %7s %7s  %s\n", "day", "attempts", "PASS", "FAIL", "SKIP",
            "INTR", "pass rate");
    for (size_t i = 0; i < r->n_trend; i++) {
        const fota_report_trend_t *t = &r->trend[i];
        fputs("  ", f);
        put_safe(f, t->day, 10);
        fprintf(f, " %8lld %7lld %7lld %7lld %7lld ", (long long)t->attempts, (long long)t->pass,
                (long long)t->fail, (long long)t->skip, (long long)t->interrupted);
        pct_of(f, t->pass, t->pass + t->fail + t->interrupted);
        putc_unlocked('\n', f);
    }
}

/* The traceability header: the runs behind the selection, identical ones
 * (same job file, software and packages) folded into one entry; older files
 * only name stations and operators. */
static void text_runs(FILE *f, const fota_report_t *r)
{
    if (r->n_runfolds) {
        fprintf(f, "\nRuns (%zu; identical job, software and packages folded into one entry)\n",
                r->n_runs);
    }
    for (size_t i = 0; i < r->n_runfolds; i++) {
        const fota_report_runfold_t *u = &r->runfolds[i];
        static const char *const names[] = {"job", "job sha256", "software", "stations",
                                            "operators", "packages"};
        const char *v[] = {u->job_name, u->job_sha256, u->software,
                           u->stations ? u->stations : "", u->operators ? u->operators : "",
                           u->packages};
        fprintf(f, "  %lld run%s started ", (long long)u->runs, u->runs == 1 ? "" : "s");
        put_safe(f, u->first_started, 0);
        if (u->runs > 1) {
            fputs(" .. ", f);
            put_safe(f, u->last_started, 0);
        }
        putc_unlocked('\n', f);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fputs("    ", f);
            put_safe(f, names[k], 11);
            putc_unlocked(' ', f);
            put_lines(f, v[k][0] ? v[k] : "-", 16);
        }
    }
    if (r->n_runs == 0 && r->attempts) {
        fputs("\nStations: ", f);
        put_safe(f, r->stations && r->stations[0] ? r->stations : "-", 0);
        fputs("; operators: ", f);
        put_safe(f, r->operators && r->operators[0] ? r->operators : "-", 0);
        fputs(r->runs_table ? " (no run record for this selection)\n"
                            : " (this file has no run records: written before schema 7)\n", f);
    }
}

/* Nothing matched: say so, and which batches the file has. */
static void text_none(FILE *f, const fota_report_t *r)
{
    fprintf(f, "No attempts match.\n");
    if (!r->n_known_batches) {
        fputs("The file has no attempts at all.\n", f);
        return;
    }
    fputs("Batches in this file: ", f);
    for (size_t i = 0; i < r->n_known_batches; i++) {
        fputs(i ? ", " : "", f);
        put_safe(f, r->known_batches[i], 0);
    }
    if (r->known_batches_more)
        fprintf(f, " and %lld more", (long long)r->known_batches_more);
    putc_unlocked('\n', f);
}

static void text_pareto(FILE *f, const fota_report_t *r)
{
    fprintf(f, "\nFailure Pareto (%lld FAIL attempts)\n", (long long)r->pareto_total);
    if (r->n_pareto)
        fprintf(f, "  %3s %-14s %6s %7s %6s %6s  %s\n", "#", "class", "code", "count", "%", "cum%",
                "meaning");
    int64_t cum = 0;
    for (size_t i = 0; i < r->n_pareto; i++) {
        const fota_report_pareto_t *p = &r->pareto[i];
        cum += p->count;
        fprintf(f, "  %3zu ", i + 1);
        put_safe(f, p->error_class[0] ? p->error_class : "-", 14);
        fprintf(f, " %6lld %7lld %5.1f%% %5.1f%%  ", (long long)p->error_code, (long long)p->count,
                100.0 * (double)p->count / (double)r->pareto_total,
                100.0 * (double)cum / (double)r->pareto_total);
        put_safe(f, p->meaning, 0);
        const char *note = fota_report_pareto_note(p);
        if (note[0]) {
            fputs(p->meaning[0] ? "; " : "", f);
            put_safe(f, note, 0);
        }
        putc_unlocked('\n', f);
    }
}

static void text_durations(FILE *f, const fota_report_t *r)
{
    fprintf(f, "\nDurations of PASS attempts (s)\n");
    fprintf(f, "  %-10s %8s %9s %9s %9s\n", "phase", "n", "median", "p95", "max");
    for (int d = 0; d < FOTA_DUR__COUNT; d++) {
        const fota_report_dur_t *x = &r->dur[d];
        fprintf(f, "  %-10s %8lld", fota_report_dur_names[d], (long long)x->n);
        if (x->n)
            fprintf(f, " %9.1f %9.1f %9.1f\n", (double)x->median / 1000.0, (double)x->p95 / 1000.0,
                    (double)x->max / 1000.0);
        else
            fprintf(f, " %9s %9s %9s\n", "-", "-", "-");
    }
}

/* Column widths of the rework table: each as wide as its longest entry. */
typedef struct {
    int imei, slot, model, cc;
} rework_widths_t;

static void rework_cc(const fota_report_failed_t *x, char *cc, size_t len)
{
    if (x->error_class[0] || x->error_code)
        snprintf(cc, len, "%s/%lld", x->error_class[0] ? x->error_class : "-",
                 (long long)x->error_code);
    else
        snprintf(cc, len, "-");
}

static void text_rework_row(FILE *f, const fota_report_failed_t *x, const rework_widths_t *w)
{
    char cc[64], label[256], note[160];
    rework_cc(x, cc, sizeof cc);
    fputs("  ", f);
    put_safe(f, x->imei[0] ? x->imei : "(unknown)", w->imei);
    putc_unlocked(' ', f);
    put_safe(f, fota_slot_label(x->slot, label, sizeof label), w->slot);
    putc_unlocked(' ', f);
    put_safe(f, x->model, w->model);
    putc_unlocked(' ', f);
    put_safe(f, x->result, 11);
    putc_unlocked(' ', f);
    put_safe(f, cc, w->cc);
    fprintf(f, " %4lld %7lld %7lld %8lld  ", (long long)x->hops, (long long)x->module_retries,
            (long long)x->retests, (long long)x->id);
    put_safe(f, x->error_text, 0);
    fota_report_reason_note(x, note, sizeof note);
    if (note[0]) {
        fputs(x->error_text[0] ? "; " : "", f);
        put_safe(f, note, 0);
    }
    putc_unlocked('\n', f);
}

static void text_rework(FILE *f, const fota_report_t *r)
{
    fprintf(f, "\nModules to rework (latest verdict not PASS): %zu\n", r->n_failed);
    if (!r->n_failed)
        return;
    rework_widths_t w = {4, 4, 5, 10};
    for (size_t i = 0; i < r->n_failed; i++) {
        const fota_report_failed_t *x = &r->failed[i];
        char cc[64], label[256];
        rework_cc(x, cc, sizeof cc);
        int c[] = {cols(x->imei[0] ? x->imei : "(unknown)"),
                   cols(fota_slot_label(x->slot, label, sizeof label)), cols(x->model), cols(cc)};
        int *dst[] = {&w.imei, &w.slot, &w.model, &w.cc};
        for (size_t k = 0; k < 4; k++)
            if (c[k] > *dst[k])
                *dst[k] = c[k] > 60 ? 60 : c[k];
    }
    fputs("  ", f);
    put_safe(f, "IMEI", w.imei);
    putc_unlocked(' ', f);
    put_safe(f, "slot", w.slot);
    putc_unlocked(' ', f);
    put_safe(f, "model", w.model);
    fprintf(f, " %-11s ", "result");
    put_safe(f, "class/code", w.cc);
    fprintf(f, " %4s %7s %7s %8s  %s\n", "hops", "retries", "retests", "attempt", "reason");
    for (size_t i = 0; i < r->n_failed; i++)
        text_rework_row(f, &r->failed[i], &w);
    fputs("  retries: the module's own (module_retries). An attempt's transcript: sqlite3 -readonly"
          " DB \"SELECT t_ms, dir, text FROM events WHERE attempt_id = <attempt> ORDER BY rowid\","
          " or the file *-<attempt>.log of run --log-dir.\n", f);
}

void fota_report_write_text(const fota_report_t *r, FILE *f)
{
    text_head(f, r);
    if (r->attempts == 0) {
        text_none(f, r);
        return;
    }
    text_totals(f, r);
    text_batches(f, r);
    text_trend(f, r);
    text_runs(f, r);
    groups(f, "By model", r->by_model, r->n_model, FOTA_GROUP_MODEL);
    groups(f, "By revision", r->by_revision, r->n_revision, FOTA_GROUP_REVISION);
    groups(f, "By hub (worst first)", r->by_hub, r->n_hub, FOTA_GROUP_HUB);
    groups(f, "By slot (hub port; worst first)", r->by_slot, r->n_slot, FOTA_GROUP_SLOT);
    fota_report_text_ports(f, r);
    text_pareto(f, r);
    text_durations(f, r);
    text_rework(f, r);
}
