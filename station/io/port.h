/* One serial port under the libuv loop: non-blocking reads and queued writes on the
 * descriptor, driven by a uv_poll_t (libuv src/unix/poll.c), never a thread per port
 * and never a blocking call. Two backends open the device:
 *   - libserialport for real USB serial ports (115200 8N1, RTS/CTS on request);
 *   - plain termios for pseudo-terminals, which libserialport 0.1.1 refuses
 *     (sp_get_port_by_name() fails on /dev/pts/N), i.e. fota-sim's modules.
 * Close before free (libuv's close callback): fota_port_close() may be called from
 * inside any of the port's own callbacks; no callback fires after it. */
#ifndef FOTA_STATION_PORT_H
#define FOTA_STATION_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lock.h"

typedef struct fota_port fota_port_t;

typedef struct {
    void *ctx;
    void (*data_cb)(void *ctx, const uint8_t *data, size_t n); /* bytes read */
    void (*drained_cb)(void *ctx);  /* every queued byte has been written */
    void (*gone_cb)(void *ctx, int err); /* EOF / EIO / HUP: the device went away */
} fota_port_cbs_t;

/* What the device is, read before opening (USB IDs decide which profile applies). */
typedef struct {
    bool usb;             /* a USB serial port (libserialport knows it) */
    uint16_t vid, pid;
    int interface;        /* USB interface number, -1 unknown */
    char device[128];     /* resolved device path (/dev/ttyUSB2, /dev/pts/7) */
} fota_port_info_t;

/* The device a ports-directory link leads to (/dev/ttyUSB2, /dev/pts/7), its links
 * followed lexically (see port.c for why not realpath()). 0, FOTA_E_NOENT (missing
 * or dangling) or FOTA_E_RANGE (longer than cap). */
int fota_port_resolve(const char *path, char *out, size_t cap);
/* Resolves `path` (usually a by-path symlink) and fills info. 0 or FOTA_E_NOENT. */
int fota_port_describe(const char *path, fota_port_info_t *info);

/* Opens the port for this process alone (docs/station.md, "Exclusive use"): an
 * flock and TIOCEXCL on the tty, taken before anything on it changes. FOTA_E_BUSY,
 * with nothing written and no setting changed, when another process (or another
 * handle of this one) holds it; FOTA_E_NOENT when it is not there. */
int fota_port_open(uv_loop_t *loop, const char *path, const fota_port_cbs_t *cbs,
                   fota_port_t **out);
/* Who holds the port's flock (/proc/locks). 0, or FOTA_E_NOENT (h->pid -1). */
int fota_port_holder(const char *path, fota_lock_holder_t *h);
/* Hands an open port to another owner (the station chooses a module's AT port on
 * one handle and keeps that same handle for the attempt). */
void fota_port_set_cbs(fota_port_t *p, const fota_port_cbs_t *cbs);
/* Copies the bytes into the write queue; written as the descriptor accepts them. */
int fota_port_write(fota_port_t *p, const uint8_t *data, size_t n);
/* Hardware flow control (RTS/CTS) on or off. */
int fota_port_set_flow(fota_port_t *p, bool on);
size_t fota_port_pending(const fota_port_t *p);
const char *fota_port_device(const fota_port_t *p);
/* Stops I/O at once; the descriptor is closed and the memory freed in libuv's close
 * callback. Safe from inside the port's own callbacks. */
void fota_port_close(fota_port_t *p);

#endif
