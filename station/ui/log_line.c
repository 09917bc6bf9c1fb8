/* Log-line wording; see log_line.h. */
#include "log_line.h"

#include <stdio.h>
#include <string.h>

#include "dash.h" /* fota_dash_short_label */
#include "util.h"

void fota_log_verdict(char *buf, size_t cap, const fota_attempt_t *a, const char *res)
{
    const char *imei = a->imei[0] ? a->imei : "not read";
    switch (a->result) {
    case FOTA_RESULT_PASS:
        /* the new revision first: a line cut at 80 columns still shows it */
        if (a->noop)
            snprintf(buf, cap, "PASS %s (already at target) IMEI %s", a->final_version, imei);
        else
            snprintf(buf, cap, "PASS %s (from %s) IMEI %s", a->final_version,
                     a->from_version[0] ? a->from_version : "?", imei);
        break;
    case FOTA_RESULT_FAIL:
        if (a->from_version[0])
            snprintf(buf, cap, "FAIL %s; IMEI %s, from %s", res, imei, a->from_version);
        else
            snprintf(buf, cap, "FAIL %s; IMEI %s", res, imei);
        break;
    default:
        snprintf(buf, cap, "%s %s; IMEI %s", fota_result_name(a->result), res, imei);
        break;
    }
}

void fota_log_short_slot(const char *msg, char *out, size_t cap)
{
    /* A by-path name holds ':' but never ": ", so the first ": " ends it. */
    const char *end = strstr(msg, ": ");
    size_t n = end ? (size_t)(end - msg) : 0;
    char name[1024];
    if (!end || n >= sizeof name || memchr(msg, ' ', n)) {
        fota_copy(out, cap, msg);
        return;
    }
    memcpy(name, msg, n);
    name[n] = '\0';
    const char *label = fota_dash_short_label(name);
    if (label == name || !strstr(name, "-usb-")) {
        fota_copy(out, cap, msg);
        return;
    }
    snprintf(out, cap, "%s%s", label, end);
}
