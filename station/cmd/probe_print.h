/* `fota-station probe`'s findings and how they are printed (table or JSON). */
#ifndef FOTA_STATION_PROBE_PRINT_H
#define FOTA_STATION_PROBE_PRINT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <uv.h>

#include "port.h"
#include "profile.h"
#include "query.h"
#include "usb_sysfs.h"
#include "watch.h"

/* One link (tty interface). */
typedef struct {
    fota_link_t link;
    fota_port_info_t info;
    int num;                 /* interface number (sysfs, else the name); -1 none */
    size_t module;           /* index of its module */
    fota_port_t *port;
    uv_timer_t timer;
    fota_query_t q;
    bool answered;
    bool skipped;            /* USB interface that is not an AT port: never opened */
    const fota_profile_t *profile;
    bool busy;               /* held by another process: never written to */
    fota_lock_holder_t holder; /* who, when busy */
    char note[128];
} fota_probe_port_t;

/* One slot (hub port): the module behind a group of links. */
typedef struct {
    char slot[NAME_MAX + 1];
    size_t first, count;     /* its links: items[first .. first+count) */
    int at;                  /* item index of its AT port; -1 when none answered */
    int alias_of;            /* module index with the same IMEI listed earlier; -1 */
    int held;                /* item index of a port another process holds; -1 none */
    bool listed;             /* at least one interface may be an AT port */
} fota_probe_module_t;

/* usb: the USB devices sysfs shows; one more row for each in a wrong USB mode
 * (emergency download, an unknown Quectel composition: base/usb_mode.h), which has
 * no AT port to be probed through and may have no tty at all. */
void fota_probe_print(FILE *out, bool json, const fota_profile_set_t *set,
                      const fota_probe_port_t *items, const fota_probe_module_t *mods, size_t nm,
                      const fota_usb_dev_t *usb, size_t nu);

#endif
