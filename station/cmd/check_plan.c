/* The plan `check` prints; see check_plan.h. A job can load cleanly and still
 * strand modules: one typo in a middle revision (A6 for A06) breaks every chain
 * through it, and each module at the revisions before it FAILs no_package on the
 * line. The chains come from fota_chain_plan, the one rule `run` follows. */
#include "check_plan.h"

#include <string.h>
#include <strings.h>

#include "plan.h"

static const char *pkg_name(const fota_package_t *p)
{
    return fota_package_display_name(p);
}

/* "A05 -> A06 -> A07", a full image shown as "(full image NAME) -> A07". */
static void print_chain(FILE *out, const char *from, const fota_package_t *const *c, int n)
{
    bool first = true;
    if (from) {
        fputs(from, out);
        first = false;
    }
    for (int i = 0; i < n; i++) {
        if (!c[i]->from) {
            fprintf(out, "%s(full image %s)", first ? "" : " -> ", pkg_name(c[i]));
            first = false;
        }
        fprintf(out, "%s%s", first ? "" : " -> ", c[i]->to);
        first = false;
    }
    fprintf(out, "  [%d package%s:", n, n == 1 ? "" : "s");
    for (int i = 0; i < n; i++)
        fprintf(out, " %s", pkg_name(c[i]));
    fputs("]\n", out);
}

static void target_title(FILE *out, const fota_job_t *job, const fota_target_t *t)
{
    fprintf(out, "  target %s:%d: ", job->source, t->line);
    if (t->n_models) {
        fputs(t->n_models > 1 ? "models " : "model ", out);
        for (size_t i = 0; i < t->n_models; i++)
            fprintf(out, "%s%s", i ? ", " : "", t->models[i]);
    } else {
        fprintf(out, "family %s", t->family ? t->family : "?");
    }
    fprintf(out, " -> %s, method %s\n", t->to, fota_method_name(t->method));
}

static bool seen_before(const fota_target_t *t, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (t->packages[k].from && fota_revision_equal(t->packages[k].from, t->packages[i].from))
            return true;
    return false;
}

/* A package whose `to` is neither the target nor where another package starts:
 * no chain can go through it. */
static size_t warn_dead_ends(FILE *out, const fota_job_t *job, const fota_target_t *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_packages; i++) {
        const fota_package_t *p = &t->packages[i];
        if (fota_revision_equal(p->to, t->to))
            continue;
        bool continues = false;
        for (size_t k = 0; k < t->n_packages && !continues; k++)
            continues = t->packages[k].from && fota_revision_equal(t->packages[k].from, p->to);
        if (continues)
            continue;
        fprintf(out, "    warning: %s:%d:%d: package %s (%s -> %s) leads nowhere: %s is not the "
                     "target %s and no package starts from it\n",
                job->source, p->line, p->column, pkg_name(p), p->from ? p->from : "any", p->to,
                p->to, t->to);
        n++;
    }
    return n;
}

/* The chain from the revision package i starts from, or 0 when that revision was
 * listed before or is the target itself (nothing to show), or -1 (no path). */
static int from_chain(const fota_target_t *t, size_t i, const fota_package_t **chain)
{
    const char *from = t->packages[i].from;
    if (!from || seen_before(t, i) || fota_revision_equal(from, t->to))
        return 0;
    return fota_chain_plan(t, from, chain, FOTA_PLAN_MAX_HOPS);
}

/* Every revision a package starts from and its chain; what a module at the target
 * or at any other revision gets; then the warnings. Returns the warnings printed. */
static size_t plan_target(FILE *out, const fota_job_t *job, const fota_target_t *t)
{
    target_title(out, job, t);
    size_t warnings = 0, covered = 0;
    const fota_package_t *chain[FOTA_PLAN_MAX_HOPS];
    for (size_t i = 0; i < t->n_packages; i++) {
        int n = from_chain(t, i, chain);
        if (n > 0) {
            fputs("    ", out);
            print_chain(out, t->packages[i].from, chain, n);
            covered++;
        }
    }
    fprintf(out, "    %s: already at the target, nothing to do (PASS, noop)\n", t->to);
    int full = fota_chain_plan(t, NULL, chain, FOTA_PLAN_MAX_HOPS);
    if (full > 0) {
        fputs("    any other revision: ", out);
        print_chain(out, NULL, chain, full);
    } else {
        fputs("    any other revision: no package (FAIL no_package)\n", out);
    }
    fputs("    from-revisions covered:", out);
    for (size_t i = 0; i < t->n_packages; i++)
        if (from_chain(t, i, chain) > 0)
            fprintf(out, " %s", t->packages[i].from);
    fprintf(out, "%s%s\n", covered ? "" : " none by a delta chain",
            full > 0 ? "; any other by the full image" : "");
    for (size_t i = 0; i < t->n_packages; i++)
        if (from_chain(t, i, chain) < 0) {
            const fota_package_t *p = &t->packages[i];
            fprintf(out, "    warning: %s:%d:%d: modules at %s have no path to %s: they would "
                         "FAIL no_package\n",
                    job->source, p->line, p->column, p->from, t->to);
            warnings++;
        }
    if (!covered && full <= 0) {
        fprintf(out, "    warning: %s:%d:%d: no revision of these modules has a path to %s: "
                     "every one not already there would FAIL no_package\n",
                job->source, t->line, t->column, t->to);
        warnings++;
    }
    return warnings + warn_dead_ends(out, job, t);
}

/* Two targets for the same modules: fota_job_match gives them the first, so the
 * second is never used for them (a copy-paste left behind, or a wrong name). */
static size_t warn_overlaps(FILE *out, const fota_job_t *job)
{
    size_t n = 0;
    for (size_t a = 0; a < job->n_targets; a++)
        for (size_t b = a + 1; b < job->n_targets; b++) {
            const fota_target_t *x = &job->targets[a], *y = &job->targets[b];
            if (x->family && y->family && strcasecmp(x->family, y->family) == 0) {
                fprintf(out, "  warning: %s:%d:%d: target overlaps the one at line %d: both are "
                             "for family %s; its modules get the first, this one is never used\n",
                        job->source, y->line, y->column, x->line, y->family);
                n++;
            }
            for (size_t i = 0; i < x->n_models; i++)
                for (size_t k = 0; k < y->n_models; k++)
                    if (strcasecmp(x->models[i], y->models[k]) == 0) {
                        fprintf(out, "  warning: %s:%d:%d: target overlaps the one at line %d: "
                                     "both list model %s; its modules get the first\n",
                                job->source, y->line, y->column, x->line, y->models[k]);
                        n++;
                    }
        }
    return n;
}

/* The digest of every local file read, to copy into the job (sha256:) so that a
 * package replaced on disk is refused at the next start. */
static void print_digests(FILE *out, const fota_job_t *job)
{
    for (size_t t = 0; t < job->n_targets; t++)
        for (size_t i = 0; i < job->targets[t].n_packages; i++) {
            const fota_package_t *p = &job->targets[t].packages[i];
            if (p->url || !p->sha256_actual[0] || p->data_borrowed)
                continue;
            fprintf(out, "  sha256 %s  %s (%s)\n", p->sha256_actual, pkg_name(p),
                    p->sha256 ? "pinned in the job" : "not pinned: add it as sha256: to pin it");
        }
}

size_t fota_check_plan_print(FILE *out, const fota_job_t *job)
{
    fprintf(out, "plan (what each module will get, by the rule run follows):\n");
    size_t warnings = 0;
    for (size_t t = 0; t < job->n_targets; t++)
        warnings += plan_target(out, job, &job->targets[t]);
    warnings += warn_overlaps(out, job);
    print_digests(out, job);
    if (warnings)
        fprintf(out, "%zu plan warning%s\n", warnings, warnings == 1 ? "" : "s");
    return warnings;
}
