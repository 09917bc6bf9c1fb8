/* Wrong USB modes (usb_mode.h). */
#include "usb_mode.h"

#include <stdio.h>

/* Emergency download mode IDs. Quectel modules in EDL enumerate with the Qualcomm
 * boot ROM's own ID, not Quectel's: Quectel's QFirehose tool (usb_linux.c, its
 * module search) accepts vendor 2c7c in normal mode and 05c6:9008 in EDL only, and
 * fwupd's qc-firehose plugin (plugins/qc-firehose/qc-firehose.quirk) binds
 * 05c6:9008 ("Qualcomm HS-USB QDLoader 9008") alone. A new ID is one more line. */
static const struct {
    uint16_t vid, pid;
} edl_ids[] = {
    {0x05c6, 0x9008},
};

bool fota_usb_mode_is_edl(uint16_t vid, uint16_t pid)
{
    for (size_t i = 0; i < sizeof edl_ids / sizeof edl_ids[0]; i++)
        if (edl_ids[i].vid == vid && edl_ids[i].pid == pid)
            return true;
    return false;
}

fota_usb_mode_t fota_usb_mode_judge(uint16_t vid, uint16_t pid, bool known)
{
    if (fota_usb_mode_is_edl(vid, pid))
        return FOTA_USB_MODE_EDL;
    if (vid == FOTA_USB_VID_QUECTEL && !known)
        return FOTA_USB_MODE_UNKNOWN;
    return FOTA_USB_MODE_OK;
}

void fota_usb_mode_words(fota_usb_mode_t m, uint16_t vid, uint16_t pid, int config, char *out,
                         size_t n)
{
    if (!n)
        return;
    out[0] = '\0';
    if (m == FOTA_USB_MODE_EDL)
        snprintf(out, n, "emergency download mode: needs a full flash");
    else if (m == FOTA_USB_MODE_UNKNOWN && config >= 0)
        snprintf(out, n, "unexpected USB composition %04x:%04x (config %d)", vid, pid, config);
    else if (m == FOTA_USB_MODE_UNKNOWN)
        snprintf(out, n, "unexpected USB composition %04x:%04x", vid, pid);
}

const char *fota_usb_mode_name(fota_usb_mode_t m)
{
    static const char *const names[] = {"ok", "edl", "unknown_composition"};
    return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "?";
}
