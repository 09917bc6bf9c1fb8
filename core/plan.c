/* fota_plan_decide; see plan.h. */
#include "plan.h"

#include <stdio.h>
#include <string.h>

void fota_plan_decide(const fota_job_t *job, const fota_profile_set_t *profiles,
                      const char *model, const char *revision, fota_plan_t *out)
{
    memset(out, 0, sizeof *out);
    const fota_profile_t *p = model ? fota_profile_set_match_model(profiles, model) : NULL;
    out->profile = p;
    if (!p) {
        out->cls = FOTA_ERR_UNKNOWN_MODEL;
        snprintf(out->text, sizeof out->text, "no profile knows model %s", model ? model : "");
        return;
    }
    const fota_target_t *t = fota_job_match(job, p, model);
    out->target = t;
    if (!t) {
        out->cls = FOTA_ERR_UNKNOWN_MODEL;
        snprintf(out->text, sizeof out->text, "the job has no target for %s (%s)", model,
                 p->family);
        return;
    }
    if (fota_revision_equal(revision, t->to)) {
        out->noop = true;
        return;
    }
    if (!p->methods[t->method].supported) {
        out->cls = FOTA_ERR_CONFIG;
        snprintf(out->text, sizeof out->text, "%s does not support method %s", p->family,
                 fota_method_name(t->method));
        return;
    }
    int n = fota_chain_plan(t, revision, out->chain, FOTA_PLAN_MAX_HOPS);
    if (n < 0) {
        out->cls = FOTA_ERR_NO_PACKAGE;
        snprintf(out->text, sizeof out->text, "no package chain from %s to %s",
                 revision ? revision : "", t->to);
        return;
    }
    out->n_hops = n;
}

const char *fota_package_display_name(const fota_package_t *p)
{
    if (p->name && *p->name)
        return p->name;
    const char *f = p->file ? p->file : p->url;
    if (!f)
        return "";
    const char *s = strrchr(f, '/');
    return s ? s + 1 : f;
}
