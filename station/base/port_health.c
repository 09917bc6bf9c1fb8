/* Which failures point at a slot's hardware, as a table: a new class is an entry. */
#include "port_health.h"

#include <stddef.h>

static const fota_error_class_t hw_classes[] = {
    FOTA_ERR_PORT,     /* the port vanished and did not come back, an I/O error */
    FOTA_ERR_TIMEOUT,  /* no answer to AT, or a phase that never ended */
    FOTA_ERR_PROTOCOL, /* replies that make no sense: a noisy line or cable */
};

bool fota_port_health_hw(fota_result_t result, fota_error_class_t cls)
{
    if (result != FOTA_RESULT_FAIL)
        return false;
    for (size_t i = 0; i < sizeof hw_classes / sizeof hw_classes[0]; i++)
        if (hw_classes[i] == cls)
            return true;
    return false;
}

bool fota_port_health_note(unsigned *streak, fota_result_t result, fota_error_class_t cls,
                           unsigned k)
{
    if (result == FOTA_RESULT_INTERRUPTED)
        return false;
    if (!fota_port_health_hw(result, cls)) {
        *streak = 0;
        return false;
    }
    ++*streak;
    return k && *streak == k;
}
