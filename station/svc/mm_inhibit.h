/* Asking ModemManager to leave one USB device alone while the station works on it.
 *
 * ModemManager probes every new AT port it sees (and again after each reboot of a
 * module); a probe landing mid-upgrade breaks the FOTA procedure. Instead of hiding
 * every Quectel device from it (which also hides a PC's own Quectel uplink), the
 * station asks it, per module, through its D-Bus method InhibitDevice(uid, true) on
 * the system bus, and gives the module back with InhibitDevice(uid, false) once the
 * attempt's result is recorded. `uid` is the physical USB device's sysfs path, the
 * Modem's `Device` property. ModemManager binds an inhibition to the caller's bus
 * connection: if the station dies, the modules are given back by themselves.
 *
 * Everything here is asynchronous, driven by the station's libuv loop (sd-bus's fd
 * in a uv_poll, its next timeout in a uv_timer): the loop never waits for D-Bus.
 * D-Bus is a courtesy, never a condition: no system bus, no ModemManager, a refusal
 * or an error is told once in the log and the attempt goes on. */
#ifndef FOTA_STATION_MM_INHIBIT_H
#define FOTA_STATION_MM_INHIBIT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef struct fota_mm fota_mm_t;

typedef void (*fota_mm_log_fn)(void *ctx, const char *line);
/* The hold's first answer is in (granted, refused or no ModemManager at all). */
typedef void (*fota_mm_answer_fn)(void *ctx);

/* Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS when set). Never NULL but on
 * out of memory: without a bus the handle answers every hold at once. */
fota_mm_t *fota_mm_new(uv_loop_t *loop, fota_mm_log_fn log, void *log_ctx);

/* Wants uid held (idempotent). answer(ctx) runs once, from the loop, when
 * ModemManager answered the first request (also when there is nothing to ask);
 * `fota_mm_answered` tells whether that happened already. `name` is how the log
 * calls the module (its slot). */
void fota_mm_hold(fota_mm_t *mm, const char *uid, const char *name, fota_mm_answer_fn answer,
                  void *ctx);
bool fota_mm_answered(const fota_mm_t *mm, const char *uid);
/* No longer wanted: given back to ModemManager (after a hold still in flight). */
void fota_mm_release(fota_mm_t *mm, const char *uid);

/* Shutdown: gives every device back, forgets every answer callback, and closes its
 * libuv handles once the replies are in (or after a short bound), so the loop ends. */
void fota_mm_stop(fota_mm_t *mm);
/* After the loop ended: the bus connection and the handle. NULL is fine. */
void fota_mm_free(fota_mm_t *mm);

/* The USB device of a tty ("ttyUSB2", "/dev/ttyACM0"): realpath of
 * /sys/class/tty/<tty>/device, then up to the first directory with an idVendor
 * file. Returns false (out = "") for a tty with no USB device (a pty, a UART). */
bool fota_mm_tty_uid(const char *tty, char *out, size_t len);

#endif
