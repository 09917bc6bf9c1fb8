/* Port health: a slot whose last attempts all failed in ways that point at the
 * slot's hardware (its port vanished, no answer, garbage on the line) rather than
 * at the module or the package is taken out of service (limits.port_health_failures).
 * Pure rules, unit-tested on their own. */
#ifndef FOTA_STATION_PORT_HEALTH_H
#define FOTA_STATION_PORT_HEALTH_H

#include <stdbool.h>

#include "fota_types.h"

/* A verdict that points at the slot's hardware (the table in port_health.c). */
bool fota_port_health_hw(fota_result_t result, fota_error_class_t cls);

/* One committed verdict of the slot: *streak counts its hardware failures in a row
 * (a PASS, a SKIP or any other FAIL starts again from 0; INTERRUPTED, the station
 * stopping, leaves it). True when it has just reached k (k = 0: never). */
bool fota_port_health_note(unsigned *streak, fota_result_t result, fota_error_class_t cls,
                           unsigned k);

#endif
