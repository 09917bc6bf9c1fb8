/* A device in a wrong USB mode in the slot (slot.h, slot_usb_mode): emergency
 * download mode or a Quectel composition no profile knows. There is no AT port to
 * choose, so the slot never goes through SETTLE/CHOOSE (which would end in "not a
 * module port"): its FAIL row (class usb_mode, the words and the USB serial: the
 * IMEI cannot be read) is written at once and the slot rests in DONE until the
 * device leaves that mode. */
#include <stdio.h>
#include <string.h>

#include "slot.h"
#include "util.h"

#define HOST(s) ((s)->line->host)

void slot_usb_mode(slot_t *s, const char *words, const char *serial, const char *key)
{
    if (!words) {
        s->usb_wrong[0] = '\0';
        return;
    }
    if (strcmp(s->usb_wrong, key) == 0)
        return; /* said once per device */
    /* A running attempt judges its own module (a module that rebooted into EDL
     * mid-update ends by its reboot timeout); a verdict still being recorded here is
     * let finish first: the next scan reports the device. */
    if (s->a || s->recording || s->line->stopping || s->line->draining)
        return;
    /* Hook: a profile that asks for a hub-port power cycle before giving up on a
     * module would have it tried here, once, before the row (no power-cycle stage
     * exists yet). */
    fota_attempt_t row;
    memset(&row, 0, sizeof row);
    slot_verdict_stamp(s, &row);
    row.started_at_ms = row.finished_at_ms = HOST(s)->wall(HOST(s)->ctx);
    row.result = FOTA_RESULT_FAIL;
    row.error_class = FOTA_ERR_USB_MODE;
    snprintf(row.error_text, sizeof row.error_text, "%s; USB serial %s", words,
             serial[0] ? serial : "none");
    slot_row_t *r = HOST(s)->row_begin(HOST(s)->ctx, s, &row);
    if (!r) {
        slot_logf(s, "%s: %s; cannot record it (out of memory)", s->name, words);
        return;
    }
    fota_copy(s->usb_wrong, sizeof s->usb_wrong, key);
    slot_logf(s, "%s: %s (USB serial %s)", s->name, words, serial[0] ? serial : "none");
    s->recording = r;
    s->view.model[0] = s->view.imei[0] = s->view.result[0] = '\0';
    s->last.imei[0] = s->last.result[0] = '\0';
    s->view.percent = -1;
    s->view.started_ms = s->view.finished_ms = slot_now(s);
    s->view.show = s->last.show = SLOT_SHOW_RUNNING;
    fota_copy(s->view.phase, sizeof s->view.phase, "recording…");
    if (HOST(s)->row_finish(HOST(s)->ctx, s, r, &row) < 0) {
        slot_logf(s, "%s: cannot queue the result %s (out of memory)", s->name, words);
        s->recording = NULL;
    }
    slot_next(s, SLOT_OUT_WRONG_USB);
}
