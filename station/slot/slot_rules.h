/* The rules `run` and `probe` share about a module's ports: which interface may be
 * its AT port, which one is, and when two ports are one module (its IMEI). No I/O:
 * the callers bring what they read. */
#ifndef FOTA_SLOT_RULES_H
#define FOTA_SLOT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"
#include "slot.h"

/* May this interface be the module's AT port? A port with no USB identity (a pty, a
 * UART) is asked; a USB one only when a profile lists its vendor and product and
 * this interface is that product's AT interface (or the profile does not know it).
 * The profile that allowed it in *p (NULL for no USB identity). */
bool slot_rules_candidate(const fota_profile_set_t *set, const slot_usb_t *id, int num,
                          const fota_profile_t **p);

/* Of the interfaces that answered AT, the lowest-numbered one is the AT port: its
 * index in nums, or -1 when none answered. */
int slot_rules_lowest(const int *nums, const bool *answered, size_t n);

/* Two ports that read the same IMEI are one module only when they could be one USB
 * device (two hub ports are two modules, whatever their IMEIs). */
bool slot_rules_same_module(const char *slot_a, const char *imei_a, const char *slot_b,
                            const char *imei_b);

/* What an IMEI read on slot s means, for the probe (AT+GSN before an attempt) and
 * for identification (the machine's own read). */
typedef enum {
    SLOT_IMEI_NEW,        /* a module of its own: its attempt goes on */
    SLOT_IMEI_OTHER_PORT, /* another port of the module in *other */
    SLOT_IMEI_REFUSED,    /* blank, invalid, or also on another hub port: FAIL imei */
} slot_imei_verdict_t;
/* why gets the words for the row and the log (empty for NEW). */
slot_imei_verdict_t slot_rules_imei(const slot_t *s, const char *imei, const slot_t **other,
                                    char *why, size_t len);

#endif
