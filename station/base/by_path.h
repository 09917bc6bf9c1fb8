/* Where a port sits on the USB tree, read from its /dev/serial/by-path name.
 *
 * udev names a USB serial interface `<controller>-usb-<bus>:<ports>:<config>.<interface>`
 * with `-port<N>` after it for usb-serial (ttyUSB) drivers:
 *     pci-0000:00:14.0-usb-0:1.4:1.2-port0   ->  slot pci-0000:00:14.0-usb-0:1.4, interface 2
 * Every tty interface of one module shares the part before `:<config>.<interface>`: that
 * part is the physical hub port, the station's slot, and it stays the same when the
 * module reboots and its ttyUSB numbers change. A name of any other shape (a UART
 * adapter's link, a plain simulator link) is its own slot with no interface number. */
#ifndef FOTA_STATION_BY_PATH_H
#define FOTA_STATION_BY_PATH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char slot[NAME_MAX + 1]; /* the hub port (or the whole name): a link name fits whole */
    int interface;   /* bInterfaceNumber from the name; -1 when the name has none */
} fota_by_path_t;

/* Always fills out; returns true when the name has the USB by-path shape. A name that
 * does not fit out->slot is cut (links that long are not by-path names). */
bool fota_by_path_parse(const char *link_name, fota_by_path_t *out);

/* True when a slot name is a physical hub port ("…-usb-<bus>:<port>[.<port>…]"), as
 * fota_by_path_parse makes it from a by-path link; false for a link of any other
 * shape, which is its own slot and says nothing about which USB device it is. */
bool fota_by_path_is_hub_port(const char *slot);

/* Could the modules seen in these two slots be one USB device (one module's two tty
 * links)? Two distinct hub ports never are: each is its own module, whatever IMEI
 * it reports. A slot whose name hides the hub (a UART adapter, links renamed by a
 * rule) could be another port of any module. */
bool fota_by_path_one_device(const char *slot_a, const char *slot_b);

#endif
