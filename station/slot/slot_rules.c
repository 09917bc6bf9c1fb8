/* One module, one attempt, one row, whatever its ports are called.
 *
 * The AT port: a Quectel module on a hub shows 4 to 6 ttys (DM, NMEA, AT, modem, …)
 * and two of them may answer AT; the station talks to exactly one, the
 * lowest-numbered that answers, so one module never gets two attempts or two
 * package transfers at once. `probe` lists the same port.
 *
 * The IMEI is how the station tells a module's second AT port from a new module
 * where the link names hide the hub. But IMEIs are not always unique: an
 * unprogrammed or refurbished module answers 000000000000000, a badly programmed
 * one a number whose check digit is wrong, and cloned modules share one. So the
 * "another port of module X" rule applies only to two slots that could be one USB
 * device (fota_by_path_one_device); two hub ports are two modules, and each gets a
 * row. A module whose IMEI cannot tell it from another is refused (FAIL, class
 * imei) with the IMEI it read on its row, never upgraded: the MES could not tell
 * its result from another module's. */
#include "slot_rules.h"

#include <stdio.h>
#include <string.h>

#include "by_path.h"
#include "luhn.h"

bool slot_rules_candidate(const fota_profile_set_t *set, const slot_usb_t *id, int num,
                          const fota_profile_t **p)
{
    *p = NULL;
    if (!id->usb)
        return true; /* a pty or a UART: only `AT` tells */
    *p = fota_profile_set_match_usb(set, id->vid, id->pid, num);
    return *p != NULL;
}

int slot_rules_lowest(const int *nums, const bool *answered, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (answered[i] && (best < 0 || nums[i] < nums[best]))
            best = (int)i;
    return best;
}

bool slot_rules_same_module(const char *slot_a, const char *imei_a, const char *slot_b,
                            const char *imei_b)
{
    return imei_a[0] && strcmp(imei_a, imei_b) == 0 && fota_by_path_one_device(slot_a, slot_b);
}

/* Does slot o hold a module with this IMEI? `accepted`: only one whose IMEI was
 * judged and kept (a clone in flight but not identified yet does not count: of two
 * clones, the first identified wins). */
static bool holds(const slot_t *o, const char *imei, bool accepted)
{
    if (o->a && strcmp(o->view.imei, imei) == 0 && (!accepted || o->a->imei_held))
        return true;
    return o->stage == SLOT_DONE && o->present && strcmp(o->last.imei, imei) == 0;
}

slot_imei_verdict_t slot_rules_imei(const slot_t *s, const char *imei, const slot_t **other,
                                    char *why, size_t len)
{
    const slot_line_t *l = s->line;
    *other = NULL;
    if (why && len)
        why[0] = '\0';
    if (!imei || !imei[0])
        return SLOT_IMEI_NEW; /* not read yet: identification reads it */
    for (size_t i = 0; i < l->n_slots; i++) {
        const slot_t *o = l->slots[i];
        if (o != s && holds(o, imei, false) &&
            slot_rules_same_module(o->name, imei, s->name, imei)) {
            *other = o;
            snprintf(why, len, "another port of %s in %s", imei, o->name);
            return SLOT_IMEI_OTHER_PORT;
        }
    }
    const char *problem = fota_imei_problem(imei);
    if (problem) {
        snprintf(why, len, "IMEI %s: %s; the station cannot tell this module from another, "
                           "not upgraded", imei, problem);
        return SLOT_IMEI_REFUSED;
    }
    for (size_t i = 0; i < l->n_slots; i++) {
        const slot_t *o = l->slots[i];
        if (o != s && holds(o, imei, true)) {
            *other = o;
            snprintf(why, len, "IMEI %s also on slot %s: cloned or unprogrammed IMEI, "
                               "not upgraded", imei, o->name);
            return SLOT_IMEI_REFUSED;
        }
    }
    return SLOT_IMEI_NEW;
}
