/* bench/peer: the thread-per-port FOTA script a factory would otherwise write.
 *
 * One pthread per module, blocking termios I/O with a poll() timeout, the same AT
 * dialogue as fota-station for one module. It is the yardstick of bench/speed.py:
 * the station's per-module time divided by this script's on the same simulated
 * module shows what the station adds. Not part of the product, not a test. */
#ifndef FOTA_PEER_H
#define FOTA_PEER_H

#include <stddef.h>
#include <stdint.h>

/* What the dialogue needs to know about a family (one table row each). */
typedef struct {
    const char *name;       /* fota-sim --family */
    const char *local_dir;  /* where AT+QFUPL files live for AT+QFOTADL, NULL: no local method */
    const char *boot_done;  /* the last boot URC: the module answers AT after it */
    int reenumerates;       /* a reboot removes and re-creates the port (USB) */
} peer_family_t;

/* One run's settings, shared read-only by every thread. */
typedef struct {
    const peer_family_t *family;
    const char *method;     /* local | url | stream | qfua | qfaw */
    const char *to;         /* the revision ATI must report at the end */
    const char *url;        /* method url */
    const char *upload_name;
    const uint8_t *pkg;     /* the package, read once, never copied per module */
    size_t pkg_len;
    unsigned guard_ms;      /* qfua: silence before and after "+++" */
    double line_rate;       /* qfua: bytes/s the module's UART takes (0: unknown) */
    unsigned timeout_s;     /* longest wait for any one answer or URC */
} peer_job_t;

/* A module's AT port, reopened by name when the module re-enumerates. */
typedef struct {
    char link[4096];
    char target[256];      /* what the link pointed to when it was opened */
    int fd;
    char buf[8192];
    size_t len;
} peer_port_t;

enum { PEER_OK = 1, PEER_TIMEOUT = 0, PEER_HUP = -1 };

int peer_port_open(peer_port_t *p, unsigned timeout_ms);
int peer_port_reopen(peer_port_t *p, unsigned timeout_ms);
void peer_port_close(peer_port_t *p);
int peer_port_write(peer_port_t *p, const void *data, size_t n);
int peer_port_line(peer_port_t *p, char *out, size_t n, unsigned timeout_ms);
int peer_port_byte(peer_port_t *p, char want, unsigned timeout_ms);
uint64_t peer_now_ms(void);

/* One module's whole upgrade; fills imei and reason; returns 0 on PASS. */
int peer_upgrade(const peer_job_t *job, peer_port_t *p, char *imei, size_t imei_n,
                 char *reason, size_t reason_n);

#endif
