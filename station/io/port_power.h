/* A hub port's power switch (Linux 6.0+): the port's `disable` file in sysfs
 * (Documentation/ABI/testing/sysfs-bus-usb, .../<hub_interface>/port<X>/disable).
 * Writing 1 disconnects the device and, on a hub with per-port power switching,
 * cuts its VBUS; 0 brings it back. uhubctl is the fallback a job may name where the
 * file is missing or refused (run as a child on the loop, never waited for).
 * FOTA_SYSFS_ROOT (a test hook, docs/station.md) puts sysfs elsewhere. */
#ifndef FOTA_PORT_POWER_H
#define FOTA_PORT_POWER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* Where a tty's USB device hangs on its hub. */
typedef struct {
    char device[256]; /* the module's USB device path in sysfs (".../1-1.2") */
    char file[512];   /* the hub port's `disable` file ("" when there is none) */
    char hub[64];     /* uhubctl's location: the hub's device name ("1-1"; "1" for a root hub) */
    int port;         /* the port number on that hub (the last number of the port chain) */
} fota_port_power_t;

/* 0 with the device, hub and port found (file "" when the kernel has no `disable`
 * for it), or FOTA_E_NOENT when the tty is no USB device. */
int fota_port_power_find(const char *tty, fota_port_power_t *out);
/* Writes 1 (off) or 0 (on) to the `disable` file: 0, or a FOTA_E_* from errno. */
int fota_port_power_write(const fota_port_power_t *p, bool on);
/* `uhubctl -l HUB -p PORT -a off|on` as a child on the loop; its exit status
 * reaches done(ctx, status) (0: switched; <0: could not be started). */
typedef void (*fota_port_power_done_fn)(void *ctx, int status);
int fota_port_power_uhubctl(uv_loop_t *loop, const fota_port_power_t *p, bool on,
                            fota_port_power_done_fn done, void *ctx);

#endif
