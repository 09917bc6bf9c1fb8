/* What the operator does with a module that FAILs: the words that lead its slot
 * line and its log line ("rework bin", "stop the line: package"). A profile's
 * `actions:` rule wins (fota_profile_action); every class has a built-in one. */
#ifndef FOTA_STATION_ACTION_H
#define FOTA_STATION_ACTION_H

#include <stddef.h>

#include "profile.h"

/* The station's own action for a class; "" for FOTA_ERR_NONE and out of range. */
const char *fota_action_builtin(fota_error_class_t cls);
/* The action for a FAIL of a module of `family` (NULL or unknown: no profile). */
const char *fota_action_for(const fota_profile_set_t *profiles, const char *family,
                            fota_error_class_t cls, int code);
/* The module's side of it: "package/504 Incorrect zip format", or "timeout: stalled
 * at 49%" when the code is 0 (the station's own verdicts carry none; the database
 * keeps the 0). */
void fota_action_wording(char *buf, size_t cap, fota_error_class_t cls, int code,
                         const char *text);
/* What a FAIL row and log line show: the action first, then the wording:
 * "stop the line: package - package/504 Incorrect zip format". */
void fota_action_fail_text(char *buf, size_t cap, const char *action, fota_error_class_t cls,
                           int code, const char *text);

#endif
