/* The line log as the operator reads it, at 80 columns: a verdict line says first
 * what matters (the new revision of a PASS, the action of a FAIL), and under the
 * dashboard a slot is named as its table names it (1.4.2, not the by-path name). */
#ifndef FOTA_STATION_LOG_LINE_H
#define FOTA_STATION_LOG_LINE_H

#include <stddef.h>

#include "attempt.h"

/* A verdict, after "<slot>: ":
 *   PASS RG500QEAAAR11A07M4G (from RG500QEAAAR11A06M4G) IMEI 864…
 *   PASS RG500QEAAAR11A07M4G (already at target) IMEI 864…
 *   FAIL <res>; IMEI 864…, from RG500QEAAAR11A06M4G
 *   SKIP|INTERRUPTED <res>; IMEI 864…
 * res is what the slot's result column shows (for a FAIL: action first). */
void fota_log_verdict(char *buf, size_t cap, const fota_attempt_t *a, const char *res);

/* msg with a leading by-path slot name ("pci-0000:00:14.0-usb-0:1.4.2: …") named by
 * its hub-relative label ("1.4.2: …"), as the dashboard's table does; any other
 * message as it is. */
void fota_log_short_slot(const char *msg, char *out, size_t cap);

#endif
