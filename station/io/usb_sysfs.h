/* The USB devices sysfs shows (/sys/bus/usb/devices), for what the ports folder
 * cannot tell: a module in emergency download mode has no AT tty (often no tty at
 * all), so no by-path link makes its slot; and how many devices each host controller
 * carries. Each device is named by the slot its by-path links would have
 * (pci-0000:00:14.0-usb-0:1.4: udev's by-path rule, base/by_path.h), so a device with
 * no tty and a module with ttys on the same hub port are one slot.
 * The root is FOTA_SYSFS_ROOT when set (tests), else "/" (umockdev redirects /sys). */
#ifndef FOTA_STATION_USB_SYSFS_H
#define FOTA_STATION_USB_SYSFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "usb_mode.h"

typedef struct {
    char sysname[64];        /* 1-1.4; a root hub is usb1 */
    char slot[NAME_MAX + 1]; /* pci-0000:00:14.0-usb-0:1.4; "" for a root hub */
    char controller[64];     /* the host controller: its PCI address, else its sysfs name */
    char driver[32];         /* the controller's driver (xhci_hcd), "" unknown */
    int bus;
    bool root_hub, hub;
    uint16_t vid, pid;
    int config;              /* bConfigurationValue; -1 unknown */
    char serial[128];        /* "" when the device has none */
    char product[128];
} fota_usb_dev_t;

/* Every USB device (interfaces left out), sorted by sysname. 0, or a FOTA_E_* code
 * when the folder cannot be read (no sysfs: an empty list is not an error then,
 * *n = 0 and 0 is returned). free(*out). */
int fota_usb_list(fota_usb_dev_t **out, size_t *n);

/* The device in a slot (by-path slot name), or NULL. */
const fota_usb_dev_t *fota_usb_find_slot(const fota_usb_dev_t *devs, size_t n, const char *slot);

/* Its mode by the profiles (base/usb_mode.h): EDL, a Quectel product no profile
 * lists, or OK (a root hub, a hub or another vendor's device is always OK). words:
 * what the slot shows, "" for OK. */
fota_usb_mode_t fota_usb_dev_mode(const fota_usb_dev_t *d, const fota_profile_set_t *set,
                                  char *words, size_t n);

#endif
