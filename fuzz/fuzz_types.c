/* Smoke target for the fuzz harness itself: name lookups never crash on any input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fota_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    fota_method_t m;
    fota_error_class_t c;
    fota_phase_t p;
    (void)fota_method_from_name(s, &m);
    (void)fota_error_class_from_name(s, &c);
    (void)fota_phase_from_name(s, &p);
    free(s);
    return 0;
}
