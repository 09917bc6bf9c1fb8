/* The one slot -> hub rule (core/slot_hub.h) as a table, shared by every test
 * that holds a user of the rule to it: the C function and both SQL views
 * (tests/store/test_store_hub.c; tests/central/central_it.py reads this file for
 * PostgreSQL) and the line's limits (tests/station/test_limits.c).
 * NULL: the slot has no hub, max_per_hub does not count it. */
#ifndef FOTA_TEST_SLOT_HUB_CASES_H
#define FOTA_TEST_SLOT_HUB_CASES_H

#include <stddef.h>

#define SH_USB "pci-0000:00:14.0-usb-0:"

static const char *const slot_hub_cases[][2] = {
    /* slots on hubs: the hub drops the last port number */
    {SH_USB "1.3.2", SH_USB "1.3"},
    {SH_USB "1.3", SH_USB "1"},
    {SH_USB "1.4.2", SH_USB "1.4"},
    {SH_USB "1.5.3", SH_USB "1.5"},
    {SH_USB "10.12", SH_USB "10"},
    {"platform-xhci-hcd.1.auto-usb-0:1.1.4", "platform-xhci-hcd.1.auto-usb-0:1.1"},
    {"pci-0000:00:14.0-usb-3:2.1", "pci-0000:00:14.0-usb-3:2"},
    /* a root port: the controller's root hub */
    {SH_USB "4", "pci-0000:00:14.0-usb-0"},
    /* names from before slots were grouped by USB device: the interface-qualified
     * by-path link, with or without the usb-serial "-portN" */
    {SH_USB "4.5:1.2", NULL},
    {SH_USB "1.4.2:1.2", NULL},
    {SH_USB "1.4.3:1.2", NULL},
    {SH_USB "1.5.3:1.2", NULL},
    {SH_USB "1.2:1.0-port0", NULL},
    {SH_USB "4:1.0", NULL},
    /* no hub: UART and CDC ttys, simulator and renamed links that hide the hub */
    {"ttyS0", NULL},
    {"ttyS1", NULL},
    {"ttyACM0", NULL},
    {"ttyUSB3", NULL},
    {"platform-serial8250-tty", NULL},
    {"hub3-port07", NULL},
    {"hub1-3", NULL},
    {"line-a-07", NULL},
    {"slot", NULL},
    {"12345", NULL},
    {"", NULL},
    /* not quite the shape */
    {"pci-0000:00:14.0-USB-0:1.2", NULL}, /* the station writes "-usb-" only */
    {SH_USB "1.", NULL},
    {SH_USB ".1", NULL},
    {SH_USB "1..2", NULL},
    {SH_USB, NULL},
    {"pci-0000:00:14.0-usb-:1.2", NULL},
    {"pci-0000:00:14.0-usb-0.1:2", NULL},
    {"pci-0000:00:14.0-usb-0:1:2", NULL},
    {SH_USB "1.2x", NULL},
};

#define SLOT_HUB_N_CASES (sizeof slot_hub_cases / sizeof slot_hub_cases[0])

#endif
