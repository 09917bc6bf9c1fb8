/* Profile and job loaders on arbitrary bytes: never crash, leak or read out of
 * bounds; either the object comes back or an error with a position. Both loaders
 * share core/yaml_doc.c, so one target (seeded with the shipped profiles and the
 * example job in fuzz/seeds/profile_load/) covers both without a second smoke run in ctest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fota_profile_t *p = NULL;
    fota_load_error_t e;
    memset(&e, 0, sizeof e);
    int rc = fota_profile_load_buffer("fuzz.yaml", (const char *)data, size, &p, &e);
    if (rc == 0) {
        /* Exercise the lookups on whatever loaded. */
        for (int t = 0; t < FOTA_TABLE__COUNT; t++)
            (void)fota_profile_lookup_error(p, (fota_table_id_t)t, 520);
        fota_profile_set_t s = {&p, 1};
        (void)fota_profile_set_match_model(&s, "Quectel_RG500Q-EA");
        (void)fota_profile_set_match_usb(&s, 0x2c7c, 0x0800, 2);
        fota_profile_free(p);
    } else {
        char buf[600];
        fota_load_error_format(&e, buf, sizeof buf);
        if (rc == FOTA_E_PARSE && (e.line < 1 || e.column < 1))
            abort(); /* every parse error names a position */
        if (p)
            abort();
    }
    fota_job_t *j = NULL;
    memset(&e, 0, sizeof e);
    rc = fota_job_load_buffer("fuzz-job.yaml", "/nonexistent", (const char *)data, size, &j, &e);
    if (rc == 0) {
        const fota_package_t *out[8];
        for (size_t t = 0; t < j->n_targets; t++) {
            (void)fota_chain_plan(&j->targets[t], "A06", out, 8);
            (void)fota_chain_plan(&j->targets[t], NULL, out, 8);
        }
        (void)fota_job_match(j, NULL, "RG500Q-EA");
        fota_job_free(j);
    } else if ((rc == FOTA_E_PARSE && (e.line < 1 || e.column < 1)) || j) {
        abort();
    }
    return 0;
}
