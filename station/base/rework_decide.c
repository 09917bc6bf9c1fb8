/* The rework decision; see rework_decide.h. A PASS in the history says the module
 * once ran the target; the module in the slot says what it runs now (rolled back,
 * reflashed on a repair bench, or its PASS belongs to a clone). The module wins:
 * "already passed" only when it still reports the target, or when the job has no
 * target for it (nothing to do either way). */
#include "rework_decide.h"

#include <stdio.h>

#include "job.h"

const char *fota_rework_decide(int found, fota_result_t last, const fota_attempt_t *a,
                               bool allow_new, char *note, size_t note_len)
{
    if (note && note_len)
        note[0] = '\0';
    if (found == 1 && last == FOTA_RESULT_PASS) {
        if (!a->to_version[0] || fota_revision_equal(a->from_version, a->to_version))
            return "already passed";
        if (note && note_len)
            snprintf(note, note_len, "rework: passed before but reports %s (target %s): "
                                     "upgraded again", a->from_version, a->to_version);
        return NULL;
    }
    if (found == 0 && !allow_new)
        return "not in database";
    return NULL;
}
