/* What the station will do with a module, from its identity alone (model and
 * revision as ATI prints them): one rule shared by the machine (phase_plan.c),
 * `probe --job` and `check`'s plan, so what they show is what `run` does. */
#ifndef FOTA_PLAN_H
#define FOTA_PLAN_H

#include "fota_types.h"
#include "job.h"

#define FOTA_PLAN_MAX_HOPS 16

typedef struct {
    const fota_profile_t *profile; /* by model; NULL: unknown_model */
    const fota_target_t *target;   /* the job's target for it; NULL: unknown_model */
    fota_error_class_t cls;        /* FOTA_ERR_NONE: noop or n_hops packages to install */
    bool noop;                     /* already at the target revision */
    int n_hops;
    const fota_package_t *chain[FOTA_PLAN_MAX_HOPS];
    char text[256];                /* why, when cls is set */
} fota_plan_t;

/* Decides in the machine's order: a profile for the model, a target for it in the
 * job, already at the target (noop), the method supported by the family, then the
 * package chain (fota_chain_plan, at most FOTA_PLAN_MAX_HOPS hops). */
void fota_plan_decide(const fota_job_t *job, const fota_profile_set_t *profiles,
                      const char *model, const char *revision, fota_plan_t *out);

/* The name a package goes by in rows and messages: its `name`, else the last part
 * of its file path or URL (the attempt row's package_names). */
const char *fota_package_display_name(const fota_package_t *p);

#endif
