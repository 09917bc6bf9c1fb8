/* USB devices as sysfs lists them, every few seconds (usb_sysfs.h): a device with
 * no tty (a module in emergency download mode) has no link for watch.h to see. */
#ifndef FOTA_STATION_USB_WATCH_H
#define FOTA_STATION_USB_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "usb_sysfs.h"

/* Every listing, the whole of it (borrowed for the call). */
typedef void (*fota_usb_watch_cb)(void *ctx, const fota_usb_dev_t *d, size_t n);

typedef struct {
    uv_timer_t timer;
    bool on;
    fota_usb_watch_cb cb;
    void *ctx;
} fota_usb_watch_t;

/* The first listing at once, then one every every_ms. An unreadable sysfs gives
 * no call: the ports folder still works. */
void fota_usb_watch_start(fota_usb_watch_t *w, uv_loop_t *loop, unsigned every_ms,
                          fota_usb_watch_cb cb, void *ctx);
void fota_usb_watch_stop(fota_usb_watch_t *w);

#endif
