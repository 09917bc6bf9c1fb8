/* One module, one row, whatever its IMEI: what an IMEI read on a slot's AT port
 * means, decided in one place for the probe (AT+GSN before an attempt) and for
 * identification (the machine's own read).
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
#include <stdio.h>
#include <string.h>

#include "by_path.h"
#include "luhn.h"
#include "station_int.h"

/* Does slot o hold a module with this IMEI? `accepted`: only one whose IMEI was
 * judged and kept (a clone in flight but not identified yet does not count: of two
 * clones, the first identified wins). */
static bool holds(const slot_t *o, const char *imei, bool accepted)
{
    if (o->m && strcmp(o->imei, imei) == 0 && (!accepted || o->imei_held))
        return true;
    return o->state == SLOT_DONE && o->present && strcmp(o->last_imei, imei) == 0;
}

slot_imei_verdict_t slot_imei_judge(slot_t *s, const char *imei, slot_t **other, char *why,
                                    size_t len)
{
    station_t *st = s->st;
    *other = NULL;
    if (why && len)
        why[0] = '\0';
    if (!imei || !imei[0])
        return SLOT_IMEI_NEW; /* not read yet: identification reads it */
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_t *o = st->slots[i];
        if (o != s && holds(o, imei, false) && fota_by_path_one_device(o->name, s->name)) {
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
    for (size_t i = 0; i < st->n_slots; i++) {
        slot_t *o = st->slots[i];
        if (o != s && holds(o, imei, true)) {
            *other = o;
            snprintf(why, len, "IMEI %s also on slot %s: cloned or unprogrammed IMEI, "
                               "not upgraded", imei, o->name);
            return SLOT_IMEI_REFUSED;
        }
    }
    return SLOT_IMEI_NEW;
}
