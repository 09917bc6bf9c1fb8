/* The emulated hub: a umockdev testbed built from a umockdev-record file, the
 * /dev/serial/by-path links udev would make, and one peer behind each emulated tty:
 *   sim    - relayed both ways to the fota-sim link of the same by-path name (with
 *            or without the "-port0" suffix usb-serial by-path names carry);
 *   at     - a scripted modem port that answers OK to every command line;
 *   silent - a DM/NMEA port or a non-module adapter: reads and never answers.
 * Every byte the host writes to an emulated tty is logged; a USB device whose
 * fota-sim link goes away (a module rebooting) is removed from the testbed and,
 * when the link returns, added again with new ttyUSB numbers and device number, as
 * the kernel re-enumerates it (by-path links removed and re-made; no uevents). */
#ifndef FOTA_TESTS_USB_HUB_BED_H
#define FOTA_TESTS_USB_HUB_BED_H

#include <stdio.h>
#include <umockdev.h>

typedef struct hub_bed hub_bed_t;

/* answer: NULL-terminated by-path or tty names given the scripted AT peer.
 * log: one line per event ("E") and per host write ("W"), see usb/README.md. */
hub_bed_t *hub_bed_new(const char *record_file, const char *sim_dir, char **answer, FILE *log,
                       GError **err);
/* The testbed root (what UMOCKDEV_DIR points to). */
const char *hub_bed_root(const hub_bed_t *b);
void hub_bed_free(hub_bed_t *b);
/* The fota-sim link (a module's slot) of the USB device at this syspath, or NULL. */
const char *hub_bed_sim_link(const hub_bed_t *b, const char *syspath);
/* Seconds since the bed was made (the log's first column). */
double hub_bed_seconds(const hub_bed_t *b);

#endif
