/* Profile loader on arbitrary bytes: never crashes, leaks or reads out of bounds;
 * either a profile comes back or an error with a position inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

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
    return 0;
}
