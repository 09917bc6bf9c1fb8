/* The hub of a slot (docs/database.md, "Slots and hubs"). A slot is one USB hub
 * port named by its by-path link, "…-usb-<bus>:<port>[.<port>…]"; its hub is the
 * slot without the last port number ("…-usb-0:1.3" for "…-usb-0:1.3.2"; a root
 * port "…-usb-0:4" sits on the root hub "…-usb-0").
 *
 * A slot name that is not exactly that shape has no hub, so max_per_hub does not
 * apply to it: a UART adapter ("ttyS0"), a link renamed by a rule that hides the
 * hub, or a name written before slots were grouped by USB device, which carries
 * ":<config>.<interface>" after the port chain ("…-usb-0:4.5:1.2").
 *
 * This is the one rule: the line's limits, the dashboard, the reports and the
 * by-path parser use fota_slot_hub; the results database's views and the central
 * schema say it in SQL (FOTA_SLOT_HUB_SQL), character by character so both SQL
 * dialects can without regular expressions; tests hold C and SQL to the same
 * answers. */
#ifndef FOTA_SLOT_HUB_H
#define FOTA_SLOT_HUB_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the hub's name into out; false (out = "") when the slot has none. out may
 * be NULL to ask only whether the slot is a hub port. */
bool fota_slot_hub(const char *slot, char *out, size_t len);

/* The name as the dashboard shows it: the port chain after "-usb-<bus>:"
 * ("1.3.2" for a slot, "1.3" for its hub); "root <bus>" for a root hub; the
 * name itself when it has no USB shape. Writes into out and returns it. */
const char *fota_slot_label(const char *name, char *out, size_t len);

/* Natural order of slot and hub names, as the dashboard and the reports list
 * them: "1.9" before "1.10" (runs of digits compare by value, leading zeros
 * ignored), everything else bytewise. */
int fota_slot_natcmp(const char *a, const char *b);

/* The hub of the column `slot` as one SQL expression (SQLite and PostgreSQL alike:
 * rtrim, substr, length and replace only; replace() is case-sensitive in both,
 * unlike SQLite's LIKE). Read right to left: strip the port chain's digits and
 * dots, which must leave "…-usb-<bus>:"; the chain must be ports joined by single
 * dots; the hub is the slot without its last port number and the '.' or ':'
 * before it. A CASE, not an AND, so PostgreSQL never sees a negative substr
 * length on a name of another shape. */
#define FOTA_SLOT_HUB_SQL_REST_ "rtrim(slot, '0123456789.')"
#define FOTA_SLOT_HUB_SQL_CHAIN_ "substr(slot, length(" FOTA_SLOT_HUB_SQL_REST_ ") + 1)"
#define FOTA_SLOT_HUB_SQL_BUS_                                                                     \
    "rtrim(substr(" FOTA_SLOT_HUB_SQL_REST_ ", 1, length(" FOTA_SLOT_HUB_SQL_REST_ ") - 1),"        \
    " '0123456789')"
#define FOTA_SLOT_HUB_SQL_PORT_ "rtrim(slot, '0123456789')"
#define FOTA_SLOT_HUB_SQL                                                                          \
    "CASE WHEN substr(" FOTA_SLOT_HUB_SQL_REST_ ", length(" FOTA_SLOT_HUB_SQL_REST_ "), 1) <> ':'"   \
    " THEN NULL"                                                                                   \
    " WHEN " FOTA_SLOT_HUB_SQL_CHAIN_ " = '' OR substr(" FOTA_SLOT_HUB_SQL_CHAIN_ ", 1, 1) = '.'"   \
    " OR substr(" FOTA_SLOT_HUB_SQL_CHAIN_ ", length(" FOTA_SLOT_HUB_SQL_CHAIN_ "), 1) = '.'"       \
    " OR replace(" FOTA_SLOT_HUB_SQL_CHAIN_ ", '..', '') <> " FOTA_SLOT_HUB_SQL_CHAIN_             \
    " THEN NULL"                                                                                   \
    " WHEN length(" FOTA_SLOT_HUB_SQL_BUS_ ") + 1 < length(" FOTA_SLOT_HUB_SQL_REST_ ")"            \
    " AND substr(" FOTA_SLOT_HUB_SQL_BUS_ ", length(" FOTA_SLOT_HUB_SQL_BUS_ ") - 4, 5) = '-usb-'"  \
    " THEN substr(" FOTA_SLOT_HUB_SQL_PORT_ ", 1, length(" FOTA_SLOT_HUB_SQL_PORT_ ") - 1) END"

/* The rule as the first views said it (store schema 7, central schema 2), which
 * gave a name from before slots were grouped a hub ("…-usb-0:4.5:1" for
 * "…-usb-0:4.5:1.2"). Only the shipped migration steps say it: a later step
 * replaces those views with FOTA_SLOT_HUB_SQL. */
#define FOTA_SLOT_HUB_SQL_FIRST                                                                    \
    "CASE WHEN replace(slot, '-usb-', '') <> slot AND rtrim(slot, '0123456789') <> slot"           \
    " AND substr(rtrim(slot, '0123456789'), length(rtrim(slot, '0123456789')), 1) IN ('.', ':')"    \
    " THEN substr(rtrim(slot, '0123456789'), 1, length(rtrim(slot, '0123456789')) - 1) END"

#endif
