/* A module in the wrong USB mode: the station cannot upgrade it through AT, and must
 * say so on its slot rather than "not a module port".
 *
 * Two cases, one rule (fota_usb_mode_judge):
 *  - emergency download mode (EDL): the chip's boot ROM enumerates under Qualcomm's
 *    own ID and speaks only the Sahara/Firehose flashing protocol. No AT port
 *    exists; only a full flash (QFirehose, fwupd) brings the module back.
 *  - an unknown Quectel composition: vendor 2c7c with a product ID no profile lists
 *    (a module switched to another USB configuration, e.g. by AT+QCFG="usbnet", or a
 *    model without a profile): which interface is AT is unknown, so none is tried. */
#ifndef FOTA_STATION_USB_MODE_H
#define FOTA_STATION_USB_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FOTA_USB_VID_QUECTEL 0x2c7c

typedef enum {
    FOTA_USB_MODE_OK,       /* a known composition, or not a Quectel/Qualcomm device */
    FOTA_USB_MODE_EDL,      /* emergency download mode */
    FOTA_USB_MODE_UNKNOWN,  /* a Quectel vendor ID with a product no profile knows */
} fota_usb_mode_t;

/* Is vid:pid an emergency download mode ID (the table in usb_mode.c)? */
bool fota_usb_mode_is_edl(uint16_t vid, uint16_t pid);

/* known: a profile lists vid:pid (fota_profile_set_match_usb). */
fota_usb_mode_t fota_usb_mode_judge(uint16_t vid, uint16_t pid, bool known);

/* The words the slot, its FAIL row and probe show:
 *   "emergency download mode: needs a full flash"
 *   "unexpected USB composition 2c7c:0999 (config 1)"
 * config: bConfigurationValue, < 0 when sysfs does not say. Empty for OK. */
void fota_usb_mode_words(fota_usb_mode_t m, uint16_t vid, uint16_t pid, int config, char *out,
                         size_t n);

/* The JSON/short name: "ok", "edl", "unknown_composition". */
const char *fota_usb_mode_name(fota_usb_mode_t m);

#endif
