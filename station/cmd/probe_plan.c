/* The plan `probe --job` prints; see probe_plan.h. The operator sees, before the
 * line starts, which module would FAIL no_package or unknown_model, and which
 * chain the others get; nothing more is sent to the modules than probe sends. */
#include "probe_plan.h"

#include "check.h"
#include "plan.h"
#include "probe.h"
#include "util.h"

int fota_probe_plan_main(const char *ports, const char *profiles_dir, const char *job_path,
                         FILE *out)
{
    fota_profile_set_t set;
    fota_job_t *job = NULL;
    int rc = fota_station_load(profiles_dir, job_path, &set, &job);
    if (rc)
        return rc;
    rc = fota_probe_main_job(ports, profiles_dir, false, out, job);
    fota_job_free(job);
    fota_profile_set_free(&set);
    return rc;
}

/* "upgrade to T by M: A -> B -> T  [packages: a.zip,b.zip]": the packages as the
 * attempt row's package_names will hold them. */
static void print_upgrade(FILE *out, const char *revision, const fota_plan_t *d)
{
    fprintf(out, "upgrade to %s by %s: %s", d->target->to, fota_method_name(d->target->method),
            revision);
    for (int i = 0; i < d->n_hops; i++)
        fprintf(out, " -> %s%s", d->chain[i]->from ? "" : "(full image) ", d->chain[i]->to);
    fputs("  [packages: ", out);
    for (int i = 0; i < d->n_hops; i++)
        fprintf(out, "%s%s", i ? "," : "", fota_package_display_name(d->chain[i]));
    fputs("]\n", out);
}

static void print_module(FILE *out, const fota_job_t *job, const fota_profile_set_t *set,
                         const fota_probe_port_t *items, const fota_probe_module_t *mods,
                         const fota_probe_module_t *m)
{
    char slot[512];
    fprintf(out, "%-34s ", fota_printable(m->slot, slot, sizeof slot));
    if (m->held >= 0) {
        fputs("not identified: another process holds its port\n", out);
        return;
    }
    if (m->alias_of >= 0) {
        fprintf(out, "no attempt: another port of the module in %s\n", mods[m->alias_of].slot);
        return;
    }
    const fota_query_t *q = m->at >= 0 ? &items[m->at].q : NULL;
    if (!q || !q->model[0]) {
        fputs("not identified: no model read (run identifies it again)\n", out);
        return;
    }
    fota_plan_t d;
    fota_plan_decide(job, set, q->model, q->revision, &d);
    if (d.noop)
        fprintf(out, "nothing to do: already at %s (PASS, noop)\n", d.target->to);
    else if (d.cls != FOTA_ERR_NONE)
        fprintf(out, "FAIL %s: %s\n", fota_error_class_name(d.cls), d.text);
    else
        print_upgrade(out, q->revision, &d);
}

void fota_probe_plan_print(FILE *out, const fota_job_t *job, const fota_profile_set_t *set,
                           const fota_probe_port_t *items, const fota_probe_module_t *mods,
                           size_t nm)
{
    fprintf(out, "\nplan for job %s (by the rule run follows):\n%-34s %s\n", job->source, "SLOT",
            "PLAN");
    for (size_t k = 0; k < nm; k++)
        if (mods[k].listed)
            print_module(out, job, set, items, mods, &mods[k]);
}
