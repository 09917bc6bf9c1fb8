/* The hub of a slot (docs/database.md, "Slots and hubs"). A slot is one USB hub
 * port named by its by-path link, "…-usb-<bus>:<port>[.<port>…]"; its hub is the
 * slot without the last port number ("…-usb-0:1.3" for "…-usb-0:1.3.2"; a root
 * port "…-usb-0:4" sits on the root hub "…-usb-0"). A slot of any other shape
 * (a UART adapter, a name written before slots were grouped) has no hub.
 *
 * The same rule is written in SQL for the results database's views and the
 * central schema (FOTA_SLOT_HUB_SQL): a character-level rule, so both SQL
 * dialects can say it without regular expressions, and tests hold the three
 * to the same answers. */
#ifndef FOTA_SLOT_HUB_H
#define FOTA_SLOT_HUB_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the hub's name into out; false (out = "") when the slot has none. */
bool fota_slot_hub(const char *slot, char *out, size_t len);

/* The name as the dashboard shows it: the port chain after "-usb-<bus>:"
 * ("1.3.2" for a slot, "1.3" for its hub); "root <bus>" for a root hub; the
 * name itself when it has no USB shape. Writes into out and returns it. */
const char *fota_slot_label(const char *name, char *out, size_t len);

/* Natural order of slot and hub names, as the dashboard and the reports list
 * them: "1.9" before "1.10" (runs of digits compare by value, leading zeros
 * ignored), everything else bytewise. */
int fota_slot_natcmp(const char *a, const char *b);

/* The hub of the column `slot` as one SQL expression (SQLite and PostgreSQL
 * alike; replace() is case-sensitive in both, unlike SQLite's LIKE): strip
 * the trailing digits; a '.' or ':' before them is the end of
 * the hub's name. */
#define FOTA_SLOT_HUB_SQL                                                                          \
    "CASE WHEN replace(slot, '-usb-', '') <> slot AND rtrim(slot, '0123456789') <> slot"           \
    " AND substr(rtrim(slot, '0123456789'), length(rtrim(slot, '0123456789')), 1) IN ('.', ':')"    \
    " THEN substr(rtrim(slot, '0123456789'), 1, length(rtrim(slot, '0123456789')) - 1) END"

#endif
