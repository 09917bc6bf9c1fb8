/* The failure -> action table; see action.h and docs/station.md, *Actions*. */
#include "action.h"

#include <stdio.h>

/* One entry per class, the station's word when the profile has no rule. Short: they
 * lead a result column 26 characters wide at 80 columns. */
static const char *const builtin[FOTA_ERR__COUNT] = {
    [FOTA_ERR_NONE] = "",
    /* the module could not fetch the package: server, network or URL, not the module */
    [FOTA_ERR_DOWNLOAD] = "check server, retry",
    /* the package was refused: every module given it will refuse it too */
    [FOTA_ERR_PACKAGE] = "stop the line: package",
    /* the module's file system is full: cleaned on the bench */
    [FOTA_ERR_SPACE] = "rework bin",
    /* the module retries by itself; it gave up this time, another visit may pass */
    [FOTA_ERR_TRANSIENT] = "retry in place",
    /* the module gave up for good */
    [FOTA_ERR_FATAL] = "rework bin",
    /* a phase took too long (stall, reboot): most often the module or its power */
    [FOTA_ERR_TIMEOUT] = "retry in place",
    /* its port vanished or failed: the cable, the hub or the socket */
    [FOTA_ERR_PORT] = "check the cable",
    /* it refused a FOTA command: asked again on another visit */
    [FOTA_ERR_REJECTED] = "retry in place",
    /* the job cannot reach this family (URL too long, scheme): every such module */
    [FOTA_ERR_CONFIG] = "stop the line: job",
    /* the package arrived damaged over the AT port: the cable or the hub */
    [FOTA_ERR_UPLOAD] = "check the cable",
    /* no package leads from the revision it runs: this module is not the order's */
    [FOTA_ERR_NO_PACKAGE] = "set aside: revision",
    /* a model no profile or target knows: not the order's module */
    [FOTA_ERR_UNKNOWN_MODEL] = "set aside: model",
    /* it reported success but runs another revision */
    [FOTA_ERR_VERIFY] = "rework bin",
    /* another module came back in its slot: the first one left mid-upgrade */
    [FOTA_ERR_SWAPPED] = "rerun the removed module",
    /* it answers nonsense */
    [FOTA_ERR_PROTOCOL] = "rework bin",
    /* the station itself failed (out of memory) */
    [FOTA_ERR_INTERNAL] = "call the engineer",
    /* blank, invalid or cloned IMEI: no MES could tell its record apart */
    [FOTA_ERR_IMEI] = "rework bin: IMEI",
    /* emergency download mode or an unknown composition: no AT port to upgrade by;
     * a full flash (a firmware tool, not this station) is what it needs */
    [FOTA_ERR_USB_MODE] = "rework bin: full flash",
};

const char *fota_action_builtin(fota_error_class_t cls)
{
    return (unsigned)cls < FOTA_ERR__COUNT && builtin[cls] ? builtin[cls] : "";
}

const char *fota_action_for(const fota_profile_set_t *profiles, const char *family,
                            fota_error_class_t cls, int code)
{
    const fota_profile_t *p =
        profiles && family && *family ? fota_profile_set_find_family(profiles, family) : NULL;
    const char *w = fota_profile_action(p, cls, code);
    return w ? w : fota_action_builtin(cls);
}

void fota_action_wording(char *buf, size_t cap, fota_error_class_t cls, int code,
                         const char *text)
{
    const char *c = fota_error_class_name(cls);
    if (!c || !*c)
        c = "?";
    text = text ? text : "";
    if (code)
        snprintf(buf, cap, "%s/%d%s%s", c, code, *text ? " " : "", text);
    else
        snprintf(buf, cap, "%s%s%s", c, *text ? ": " : "", text);
}

void fota_action_fail_text(char *buf, size_t cap, const char *action, fota_error_class_t cls,
                           int code, const char *text)
{
    char w[400];
    fota_action_wording(w, sizeof w, cls, code, text);
    if (action && *action)
        snprintf(buf, cap, "%s - %s", action, w);
    else
        snprintf(buf, cap, "%s", w);
}
