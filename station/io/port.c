/* Serial port I/O under the loop; see port.h. */
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "fota_types.h"
#include "lock.h"
#include "util.h"

struct fota_port {
    uv_poll_t poll;          /* first: the close callback gets the port back */
    uv_loop_t *loop;
    int fd;
    int claim;               /* holds the flock (and TIOCEXCL); == fd for termios; -1 released */
    struct sp_port *sp;      /* libserialport backend, or NULL for termios */
    fota_port_cbs_t cbs;
    uint8_t *q;              /* write queue: q[head..len) still to write */
    size_t head, len, cap;
    bool drain_pending;      /* a write was queued since the last drained_cb */
    bool closing;
    bool in_cb;              /* inside port_poll_cb: it updates the poll handle at its end */
    int events;              /* what the poll handle currently watches */
    char device[128];
};

/* Appends `rel` to the absolute path `out` (capacity cap), folding "." and ".."
 * lexically. False when it does not fit. */
static bool port_path_join(char *out, size_t cap, const char *rel)
{
    size_t len = strlen(out);
    while (*rel) {
        size_t n = strcspn(rel, "/");
        if (n == 2 && rel[0] == '.' && rel[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--; /* drop the last component … */
            if (len > 1)
                len--; /* … and its slash, except the root's */
            out[len] = '\0';
        } else if (n > 0 && !(n == 1 && rel[0] == '.')) {
            if (len + (len > 1) + n + 1 > cap)
                return false;
            if (len > 1)
                out[len++] = '/';
            memcpy(out + len, rel, n);
            len += n;
            out[len] = '\0';
        }
        rel += n;
        while (*rel == '/')
            rel++;
    }
    return true;
}

/* The device a ports-directory entry names. udev's by-path links are relative
 * (../../ttyUSB2) and fota-sim's absolute (/dev/pts/7); both are followed lexically,
 * link by link, to the first thing that is not a link. realpath() would do the same
 * on a real system, but under umockdev's preload (the USB tests) the testbed's
 * /dev/ttyUSB2 is itself a link to a pty, which stat() reports as the emulated char
 * device: following the links lexically stops there and keeps the name libserialport
 * and sysfs know, where umockdev's realpath() wrapper breaks on a result outside the
 * testbed. If the lexical answer is not a char device (a link through a symlinked
 * directory, say), realpath() decides as before. */
int fota_port_resolve(const char *path, char *out, size_t cap)
{
    char cur[PATH_MAX], target[PATH_MAX];
    if (cap == 0 || strlen(path) >= sizeof cur)
        return FOTA_E_RANGE;
    memcpy(cur, path, strlen(path) + 1);
    struct stat st;
    for (int hops = 0; hops < 8 && lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n <= 0)
            return FOTA_E_NOENT;
        target[n] = '\0';
        if (target[0] == '/') {
            cur[0] = '/';
            cur[1] = '\0';
        } else {
            char *slash = strrchr(cur, '/'); /* cut to the link's directory */
            if (slash == cur)
                cur[1] = '\0';
            else if (slash)
                *slash = '\0';
            else
                snprintf(cur, sizeof cur, ".");
        }
        if (cur[0] != '/' || !port_path_join(cur, sizeof cur, target))
            break; /* a relative ports directory: realpath() below */
    }
    const char *res = cur;
    char real[PATH_MAX];
    if (cur[0] != '/' || stat(cur, &st) != 0 || !S_ISCHR(st.st_mode)) {
        if (!realpath(path, real))
            return FOTA_E_NOENT;
        res = real;
    }
    if (strlen(res) >= cap)
        return FOTA_E_RANGE;
    memcpy(out, res, strlen(res) + 1);
    return 0;
}

int fota_port_describe(const char *path, fota_port_info_t *info)
{
    memset(info, 0, sizeof *info);
    info->interface = -1;
    char real[PATH_MAX];
    int rc = fota_port_resolve(path, real, sizeof real);
    if (rc < 0)
        return rc;
    if (strlen(real) >= sizeof info->device)
        return FOTA_E_RANGE;
    memcpy(info->device, real, strlen(real) + 1);
    struct sp_port *sp = NULL;
    if (sp_get_port_by_name(real, &sp) != SP_OK)
        return 0; /* a pseudo-terminal: not USB, probed with AT */
    if (sp_get_port_transport(sp) == SP_TRANSPORT_USB) {
        int vid = 0, pid = 0;
        if (sp_get_port_usb_vid_pid(sp, &vid, &pid) == SP_OK) {
            info->usb = true;
            info->vid = (uint16_t)vid;
            info->pid = (uint16_t)pid;
        }
        /* libserialport does not expose the interface number: sysfs does, on the
         * interface directory (ttyUSB: device/.., ttyACM: device). */
        const char *base = strrchr(real, '/');
        base = base ? base + 1 : real;
        char dev[NAME_MAX + 1];
        fota_copy(dev, sizeof dev, base); /* a tty name: short */
        static const char *const leaf[] = {"device/../bInterfaceNumber",
                                           "device/bInterfaceNumber"};
        for (size_t i = 0; i < 2 && info->interface < 0; i++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "/sys/class/tty/%s/%s", dev, leaf[i]);
            FILE *f = fopen(p, "r");
            if (f) {
                unsigned v;
                if (fscanf(f, "%x", &v) == 1)
                    info->interface = (int)v;
                fclose(f);
            }
        }
        if (info->interface < 0) {
            /* by-path names end in ":<config>.<interface>" (…-usb-0:1.4:1.2). */
            const char *colon = strrchr(path, ':');
            const char *dot = colon ? strchr(colon, '.') : NULL;
            if (dot && dot[1] >= '0' && dot[1] <= '9')
                info->interface = atoi(dot + 1);
        }
    }
    sp_free_port(sp);
    return 0;
}

static void port_update_poll(fota_port_t *p);

static void port_close_cb(uv_handle_t *h)
{
    fota_port_t *p = (fota_port_t *)h;
    if (p->sp) {
        sp_close(p->sp);
        sp_free_port(p->sp);
    } else if (p->fd >= 0) {
        close(p->fd);
    }
    free(p->q);
    free(p);
}

/* Lets the tty go at once, not in the close callback a loop pass later: the slot
 * that closes a port to reopen it (after a module's reboot) must not find it held by
 * its own closing handle. No I/O happens on the port after this. */
static void port_unclaim(fota_port_t *p)
{
    if (p->claim < 0)
        return;
    ioctl(p->claim, TIOCNXCL);
    flock(p->claim, LOCK_UN);
    if (p->claim != p->fd)
        close(p->claim);
    p->claim = -1;
}

void fota_port_close(fota_port_t *p)
{
    if (!p || p->closing)
        return;
    p->closing = true;
    port_unclaim(p);
    uv_poll_stop(&p->poll);
    uv_close((uv_handle_t *)&p->poll, port_close_cb);
}

static void port_gone(fota_port_t *p, int err)
{
    /* Stop watching before telling the owner: a HUP stays readable forever. */
    uv_poll_stop(&p->poll);
    p->events = 0;
    if (p->cbs.gone_cb)
        p->cbs.gone_cb(p->cbs.ctx, err);
}

static void port_read(fota_port_t *p)
{
    uint8_t buf[4096];
    while (!p->closing) {
        ssize_t n = read(p->fd, buf, sizeof buf);
        if (n > 0) {
            if (p->cbs.data_cb)
                p->cbs.data_cb(p->cbs.ctx, buf, (size_t)n);
            if ((size_t)n < sizeof buf)
                return; /* drained for now; the poll is level-triggered: no EAGAIN read per wake */
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        port_gone(p, n == 0 ? UV_EOF : -errno); /* EOF or EIO: the device is gone */
        return;
    }
}

/* Writes until the queue is empty or the descriptor is full. When the queue
 * empties, the owner hears drained_cb at once and what it queues in answer (the
 * next block of a stream) is written in the same pass: a streaming port costs one
 * loop wake per descriptor-full of bytes, not one per block, and its poll handle
 * keeps watching for writability instead of being switched off and on per block. */
static void port_write_some(fota_port_t *p)
{
    while (!p->closing) {
        if (p->head < p->len) {
            ssize_t n = write(p->fd, p->q + p->head, p->len - p->head);
            if (n > 0) {
                p->head += (size_t)n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            port_gone(p, n < 0 ? -errno : UV_EIO);
            return;
        }
        p->head = p->len = 0;
        if (!p->drain_pending)
            return;
        p->drain_pending = false;
        if (p->cbs.drained_cb)
            p->cbs.drained_cb(p->cbs.ctx); /* may queue more: the loop writes it */
    }
}

static void port_poll_cb(uv_poll_t *h, int status, int events)
{
    fota_port_t *p = (fota_port_t *)h;
    if (p->closing)
        return;
    if (status < 0) {
        port_gone(p, status);
        return;
    }
    p->in_cb = true;
    if (events & (UV_READABLE | UV_DISCONNECT))
        port_read(p);
    /* Also without a writable event: what the bytes just read made the owner queue
     * (the next block after an upload's acknowledgement) goes out now instead of a
     * loop wake later. A full descriptor answers EAGAIN and the poll handle waits. */
    if (!p->closing && p->events && (p->head < p->len || p->drain_pending))
        port_write_some(p);
    p->in_cb = false;
    if (!p->closing && p->events)
        port_update_poll(p);
}

static void port_update_poll(fota_port_t *p)
{
    if (p->closing)
        return;
    int want = UV_READABLE | UV_DISCONNECT;
    if (p->head < p->len || p->drain_pending)
        want |= UV_WRITABLE;
    if (want != p->events) {
        p->events = want;
        uv_poll_start(&p->poll, want, port_poll_cb);
    }
}

static int port_termios(int fd, bool flow)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return FOTA_E_IO;
    cfmakeraw(&t);
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
    t.c_cflag |= CS8 | CLOCAL | CREAD | (flow ? CRTSCTS : 0);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &t) == 0 ? 0 : FOTA_E_IO;
}

static int port_open_sp(const char *device, struct sp_port **out, int *fd)
{
    struct sp_port *sp = NULL;
    if (sp_get_port_by_name(device, &sp) != SP_OK)
        return FOTA_E_NOENT;
    if (sp_open(sp, SP_MODE_READ_WRITE) != SP_OK) {
        sp_free_port(sp);
        return FOTA_E_IO;
    }
    /* 115200 8N1, no flow control until the machine asks (SET_FLOW). */
    if (sp_set_baudrate(sp, 115200) != SP_OK || sp_set_bits(sp, 8) != SP_OK ||
        sp_set_parity(sp, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(sp, 1) != SP_OK ||
        sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE) != SP_OK ||
        sp_get_port_handle(sp, fd) != SP_OK) {
        sp_close(sp);
        sp_free_port(sp);
        return FOTA_E_IO;
    }
    int fl = fcntl(*fd, F_GETFL);
    fcntl(*fd, F_SETFL, fl | O_NONBLOCK);
    *out = sp;
    return 0;
}

/* Exclusive use of the tty before anything on it changes: an flock (what terminal
 * programs such as picocom, and every fota-station, respect; root too) on a
 * descriptor opened without touching the line settings. Only once it is ours are
 * termios set and TIOCEXCL (the kernel refuses further opens of the tty, except to
 * root) switched on. Opening a tty someone else holds changes nothing on it: it is
 * not the first open, so no line settings are reset and no DTR is raised. */
static int port_claim(const char *device, int *fd)
{
    int f = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (f < 0) {
        int e = errno;
        /* Not there (yet): ENOENT, or ENXIO for a tty whose device is gone. EBUSY:
         * another process set TIOCEXCL. */
        return e == ENOENT || e == ENXIO ? FOTA_E_NOENT : fota_error_from_errno(e);
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(f);
        return e == EWOULDBLOCK ? FOTA_E_BUSY : fota_error_from_errno(e);
    }
    *fd = f;
    return 0;
}

int fota_port_holder(const char *path, fota_lock_holder_t *h)
{
    char real[PATH_MAX];
    struct stat sb;
    h->pid = -1;
    if (fota_port_resolve(path, real, sizeof real) < 0 || stat(real, &sb) != 0)
        return FOTA_E_NOENT;
    return fota_lock_holder_find("/proc/locks", sb.st_dev, sb.st_ino, h);
}

int fota_port_open(uv_loop_t *loop, const char *path, const fota_port_cbs_t *cbs,
                   fota_port_t **out)
{
    char real[PATH_MAX];
    int rc = fota_port_resolve(path, real, sizeof real);
    if (rc < 0)
        return rc;
    fota_port_t *p = calloc(1, sizeof *p);
    if (!p)
        return FOTA_E_NOMEM;
    p->loop = loop;
    p->cbs = *cbs;
    p->fd = p->claim = -1;
    if (strlen(real) >= sizeof p->device) {
        free(p);
        return FOTA_E_RANGE;
    }
    memcpy(p->device, real, strlen(real) + 1);
    rc = port_claim(real, &p->claim);
    if (rc < 0) {
        free(p);
        return rc;
    }
    if (port_open_sp(real, &p->sp, &p->fd) != 0) {
        p->sp = NULL;
        p->fd = p->claim;
        if (port_termios(p->fd, false) != 0) {
            int err = errno == ENOTTY ? FOTA_E_NOTTY : FOTA_E_IO;
            port_unclaim(p);
            close(p->fd);
            free(p);
            return err; /* /dev/null and other devices that are no serial port */
        }
    }
    ioctl(p->claim, TIOCEXCL); /* after libserialport's own open, which it would refuse */
    if (uv_poll_init(loop, &p->poll, p->fd) != 0) {
        int fd = p->fd;
        port_unclaim(p);
        if (p->sp) {
            sp_close(p->sp);
            sp_free_port(p->sp);
        } else {
            close(fd);
        }
        free(p);
        return FOTA_E_IO;
    }
    p->poll.data = p;
    port_update_poll(p);
    *out = p;
    return 0;
}

void fota_port_set_cbs(fota_port_t *p, const fota_port_cbs_t *cbs)
{
    p->cbs = *cbs;
}

int fota_port_write(fota_port_t *p, const uint8_t *data, size_t n)
{
    if (p->closing)
        return FOTA_E_STATE;
    if (p->len + n > p->cap) {
        if (p->head > 0) { /* compact before growing */
            memmove(p->q, p->q + p->head, p->len - p->head);
            p->len -= p->head;
            p->head = 0;
        }
        if (p->len + n > p->cap) {
            size_t cap = p->cap ? p->cap : 4096;
            while (cap < p->len + n)
                cap *= 2;
            uint8_t *q = realloc(p->q, cap);
            if (!q)
                return FOTA_E_NOMEM;
            p->q = q;
            p->cap = cap;
        }
    }
    if (n)
        memcpy(p->q + p->len, data, n);
    p->len += n;
    /* The drained callback always comes from the loop, never from inside this call,
     * so the caller's action loop is never re-entered. */
    p->drain_pending = true;
    if (!p->in_cb) /* else port_poll_cb writes it and updates the handle itself */
        port_update_poll(p);
    return 0;
}

int fota_port_set_flow(fota_port_t *p, bool on)
{
    if (p->closing)
        return FOTA_E_STATE;
    if (p->sp)
        return sp_set_flowcontrol(p->sp, on ? SP_FLOWCONTROL_RTSCTS : SP_FLOWCONTROL_NONE) ==
                       SP_OK
                   ? 0
                   : FOTA_E_IO;
    return port_termios(p->fd, on);
}

size_t fota_port_pending(const fota_port_t *p)
{
    return p->len - p->head;
}

const char *fota_port_device(const fota_port_t *p)
{
    return p->device;
}
