/* The terminal report: what an engineer reads at the line. Control characters
 * and invalid UTF-8 in stored text are shown as '?' (fota_term_text) so a hostile
 * value cannot drive the terminal. */
#include "report_model.h"
#include "text_escape.h"

#include <string.h>

static void put_safe(FILE *f, const char *s, int width)
{
    fota_term_text(f, s, width);
}

static void pct(FILE *f, int64_t num, int64_t den)
{
    double y = fota_report_yield(num, den);
    if (y < 0)
        fprintf(f, "     -");
    else
        fprintf(f, "%5.1f%%", 100.0 * y);
}

static void groups(FILE *f, const char *title, const fota_report_group_t *g, size_t n, bool rev)
{
    fprintf(f, "\n%s\n", title);
    fprintf(f, "  %-40s %8s %7s %7s %7s %7s %9s\n", rev ? "from -> to" : "model", "attempts",
            "PASS", "FAIL", "SKIP", "INTR", "pass rate");
    for (size_t i = 0; i < n; i++) {
        char key[300];
        if (rev) {
            const char *sep = strchr(g[i].key, '\x1f');
            int fl = sep ? (int)(sep - g[i].key) : (int)strlen(g[i].key);
            if (fl == 0 && !(sep && sep[1]))
                snprintf(key, sizeof key, "(unknown)");
            else
                snprintf(key, sizeof key, "%.*s -> %s", fl ? fl : 1, fl ? g[i].key : "?",
                         sep && sep[1] ? sep + 1 : "?");
        } else {
            snprintf(key, sizeof key, "%s", g[i].key[0] ? g[i].key : "(unknown)");
        }
        fputs("  ", f);
        put_safe(f, key, 40);
        fprintf(f, " %8lld %7lld %7lld %7lld %7lld    ", (long long)g[i].attempts,
                (long long)g[i].n[FOTA_R_PASS], (long long)g[i].n[FOTA_R_FAIL],
                (long long)g[i].n[FOTA_R_SKIP], (long long)g[i].n[FOTA_R_INTERRUPTED]);
        pct(f, g[i].n[FOTA_R_PASS],
            g[i].n[FOTA_R_PASS] + g[i].n[FOTA_R_FAIL] + g[i].n[FOTA_R_INTERRUPTED]);
        putc_unlocked('\n', f);
    }
}

/* Title and the selection the figures below are for. */
static void text_head(FILE *f, const fota_report_t *r)
{
    fprintf(f, "FOTA Station report\n");
    fprintf(f, "Selection: batch ");
    put_safe(f, r->sel.batch ? r->sel.batch : "(all)", 0);
    fputs(", since ", f);
    put_safe(f, r->sel.since ? r->sel.since : "(all time)", 0);
    putc_unlocked('\n', f);
}

/* When the selected attempts ran, the counts by result and the two yields. */
static void text_totals(FILE *f, const fota_report_t *r)
{
    fputs("Attempts started ", f);
    put_safe(f, r->first_started, 0);
    fputs(" .. ", f);
    put_safe(f, r->last_started, 0);
    putc_unlocked('\n', f);

    fprintf(f, "\nTotals\n");
    fprintf(f, "  attempts %lld: PASS %lld (noop %lld), FAIL %lld, SKIP %lld, INTERRUPTED %lld, running %lld\n",
            (long long)r->attempts, (long long)r->n[FOTA_R_PASS], (long long)r->noop,
            (long long)r->n[FOTA_R_FAIL], (long long)r->n[FOTA_R_SKIP],
            (long long)r->n[FOTA_R_INTERRUPTED], (long long)r->n[FOTA_R_RUNNING]);
    fprintf(f, "  modules %lld: first-pass yield ", (long long)r->modules);
    pct(f, r->first_pass, r->modules);
    fprintf(f, " (%lld), final yield ", (long long)r->first_pass);
    pct(f, r->final_pass, r->modules);
    fprintf(f, " (%lld), retested %lld, still failing %zu\n", (long long)r->final_pass,
            (long long)r->retested_modules, r->n_failed);
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

static void text_rework_row(FILE *f, const fota_report_failed_t *x)
{
    char cc[64];
    if (x->error_class[0] || x->error_code)
        snprintf(cc, sizeof cc, "%s/%lld", x->error_class[0] ? x->error_class : "-",
                 (long long)x->error_code);
    else
        snprintf(cc, sizeof cc, "-");
    fputs("  ", f);
    put_safe(f, x->imei[0] ? x->imei : "(unknown)", 17);
    putc_unlocked(' ', f);
    put_safe(f, x->slot, 30);
    putc_unlocked(' ', f);
    put_safe(f, x->model, 12);
    putc_unlocked(' ', f);
    put_safe(f, x->result, 11);
    putc_unlocked(' ', f);
    put_safe(f, cc, 22);
    fprintf(f, " %7lld  ", (long long)x->retests);
    put_safe(f, x->error_text, 0);
    putc_unlocked('\n', f);
}

static void text_rework(FILE *f, const fota_report_t *r)
{
    fprintf(f, "\nModules to rework (latest verdict not PASS): %zu\n", r->n_failed);
    if (r->n_failed)
        fprintf(f, "  %-17s %-30s %-12s %-11s %-22s %7s  %s\n", "IMEI", "slot", "model", "result",
                "class/code", "retests", "reason");
    for (size_t i = 0; i < r->n_failed; i++)
        text_rework_row(f, &r->failed[i]);
}

void fota_report_write_text(const fota_report_t *r, FILE *f)
{
    text_head(f, r);
    if (r->attempts == 0) {
        fprintf(f, "No attempts match.\n");
        return;
    }
    text_totals(f, r);
    groups(f, "By model", r->by_model, r->n_model, false);
    groups(f, "By revision", r->by_revision, r->n_revision, true);
    text_pareto(f, r);
    text_durations(f, r);
    text_rework(f, r);
}
