/* The hub's port power switches (hub.umockdev: the hub interface's
 * `<hub>-port<N>/disable` files). What the command writes there under the preload
 * lands in the testbed's file; each change is logged and, given fota-sim's control
 * FIFO, turned into `unplug SLOT` (1: the port's power cut) or `plug SLOT` (0: back)
 * for the module on that port, as a hub with per-port power switching cuts and
 * restores its VBUS. The module's links then go and come back through hub_bed's
 * own re-enumeration. */
#ifndef FOTA_TESTS_USB_HUB_POWER_H
#define FOTA_TESTS_USB_HUB_POWER_H

#include <glib.h>
#include <stdio.h>

#include "hub_bed.h"

typedef struct hub_power hub_power_t;

/* record_text: the record file (its port blocks say where the files are). */
hub_power_t *hub_power_new(hub_bed_t *bed, const char *record_text, const char *control_fifo,
                           FILE *log);
void hub_power_free(hub_power_t *p);

#endif
