/* Profile and job loaders on arbitrary bytes: never crash, leak or read out of
 * bounds; either the object comes back with no error listed, or nothing comes back
 * and every listed error has a position, the list stays within its bound and is in
 * file order. Both loaders share core/yaml_doc.c, so one target (seeded with the
 * shipped profiles, one with every form of `actions:`, and the example job in
 * fuzz/seeds/profile_load/) covers both
 * without a second smoke run in ctest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

/* The error-list contract the loaders promise (profile.h). */
static void check_list(int rc, const void *obj, const fota_load_errors_t *l)
{
    if (rc == 0 && (l->n || l->more))
        abort(); /* loaded, yet an error was listed */
    if (rc != 0 && (obj || l->n == 0))
        abort(); /* half-used, or refused without saying why */
    if (l->n > FOTA_LOAD_ERRORS_MAX || (l->more && l->n != FOTA_LOAD_ERRORS_MAX))
        abort();
    for (size_t i = 0; i < l->n; i++) {
        const fota_load_error_t *e = &l->v[i];
        if (rc == FOTA_E_PARSE && (e->line < 1 || e->column < 1))
            abort(); /* every parse error names a position */
        if (i && (e->line < l->v[i - 1].line ||
                  (e->line == l->v[i - 1].line && e->column < l->v[i - 1].column)))
            abort(); /* file order */
        char buf[600];
        fota_load_error_format(e, buf, sizeof buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fota_profile_t *p = NULL;
    fota_load_errors_t *l = calloc(1, sizeof *l);
    if (!l)
        return 0;
    int rc = fota_profile_load_buffer_all("fuzz.yaml", (const char *)data, size, &p, l);
    check_list(rc, p, l);
    if (rc == 0) {
        /* Exercise the lookups on whatever loaded. */
        for (int t = 0; t < FOTA_TABLE__COUNT; t++)
            (void)fota_profile_lookup_error(p, (fota_table_id_t)t, 520);
        for (int c = 0; c < FOTA_ERR__COUNT; c++)
            (void)fota_profile_action(p, (fota_error_class_t)c, 510);
        fota_profile_set_t s = {&p, 1};
        (void)fota_profile_set_match_model(&s, "Quectel_RG500Q-EA");
        (void)fota_profile_set_match_usb(&s, 0x2c7c, 0x0800, 2);
        fota_profile_free(p);
    }
    fota_job_t *j = NULL;
    memset(l, 0, sizeof *l);
    rc = fota_job_load_buffer_all("fuzz-job.yaml", "/nonexistent", (const char *)data, size, &j,
                                  l);
    check_list(rc, j, l);
    if (rc == 0) {
        const fota_package_t *out[8];
        for (size_t t = 0; t < j->n_targets; t++) {
            (void)fota_chain_plan(&j->targets[t], "A06", out, 8);
            (void)fota_chain_plan(&j->targets[t], NULL, out, 8);
        }
        (void)fota_job_match(j, NULL, "RG500Q-EA");
        (void)fota_job_scan_match(j, "OP17");
        fota_job_free(j);
    }
    free(l);
    return 0;
}
