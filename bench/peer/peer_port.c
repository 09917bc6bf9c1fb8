/* bench/peer: a module's port as a plain script handles it: blocking termios,
 * poll() with a timeout before each read, and, when the module re-enumerates,
 * the same link name opened again once it points at a new tty. */
#define _GNU_SOURCE
#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

uint64_t peer_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int remaining(uint64_t deadline)
{
    uint64_t now = peer_now_ms();
    return now >= deadline ? 0 : (int)(deadline - now);
}

static int open_raw(peer_port_t *p)
{
    char target[sizeof p->target];
    ssize_t n = readlink(p->link, target, sizeof target - 1);
    if (n < 0)
        return -1;
    target[n] = 0;
    if (p->target[0] && strcmp(target, p->target) == 0)
        return -1; /* still the tty of the module's previous life */
    int fd = open(p->link, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetspeed(&t, B115200);
        t.c_cflag |= CLOCAL | CREAD;
        tcsetattr(fd, TCSANOW, &t);
    }
    p->fd = fd;
    p->len = 0;
    memcpy(p->target, target, (size_t)n + 1);
    return 0;
}

/* Waits (inotify on the ports folder, no sleeping) until the link names a tty
 * that opens: the first time, or a new one after a re-enumeration. */
static int wait_open(peer_port_t *p, unsigned timeout_ms)
{
    uint64_t deadline = peer_now_ms() + timeout_ms;
    char dir[sizeof p->link];
    memcpy(dir, p->link, sizeof dir);
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (in < 0)
        return PEER_HUP;
    inotify_add_watch(in, dirname(dir), IN_CREATE | IN_MOVED_TO | IN_ATTRIB);
    int rc = PEER_TIMEOUT;
    for (;;) {
        if (open_raw(p) == 0) {
            rc = PEER_OK;
            break;
        }
        int left = remaining(deadline);
        if (left == 0)
            break;
        struct pollfd pf = {.fd = in, .events = POLLIN};
        /* 50 ms at most: a pty that was linked but not yet openable sends no event */
        if (poll(&pf, 1, left < 50 ? left : 50) > 0) {
            char ev[4096];
            while (read(in, ev, sizeof ev) > 0)
                ;
        }
    }
    close(in);
    return rc;
}

int peer_port_open(peer_port_t *p, unsigned timeout_ms)
{
    p->fd = -1;
    p->target[0] = 0;
    p->len = 0;
    return wait_open(p, timeout_ms);
}

int peer_port_reopen(peer_port_t *p, unsigned timeout_ms)
{
    peer_port_close(p);
    return wait_open(p, timeout_ms);
}

void peer_port_close(peer_port_t *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    p->len = 0;
}

int peer_port_write(peer_port_t *p, const void *data, size_t n)
{
    const char *c = data;
    while (n > 0) {
        ssize_t w = write(p->fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return PEER_HUP;
        c += w;
        n -= (size_t)w;
    }
    return PEER_OK;
}

/* One blocking read after poll(); PEER_HUP when the tty went away. */
static int fill(peer_port_t *p, uint64_t deadline)
{
    if (p->fd < 0)
        return PEER_HUP;
    if (p->len == sizeof p->buf)
        p->len = 0; /* a line longer than the buffer is noise */
    struct pollfd pf = {.fd = p->fd, .events = POLLIN};
    int r = poll(&pf, 1, remaining(deadline));
    if (r == 0)
        return PEER_TIMEOUT;
    if (r < 0)
        return errno == EINTR ? PEER_TIMEOUT : PEER_HUP;
    ssize_t n = read(p->fd, p->buf + p->len, sizeof p->buf - p->len);
    if (n <= 0)
        return PEER_HUP;
    p->len += (size_t)n;
    return PEER_OK;
}

int peer_port_line(peer_port_t *p, char *out, size_t n, unsigned timeout_ms)
{
    uint64_t deadline = peer_now_ms() + timeout_ms;
    for (;;) {
        size_t start = 0;
        while (start < p->len && (p->buf[start] == '\r' || p->buf[start] == '\n'))
            start++;
        for (size_t i = start; i < p->len; i++) {
            if (p->buf[i] != '\r' && p->buf[i] != '\n')
                continue;
            size_t l = i - start < n - 1 ? i - start : n - 1;
            memcpy(out, p->buf + start, l);
            out[l] = 0;
            memmove(p->buf, p->buf + i, p->len - i);
            p->len -= i;
            return PEER_OK;
        }
        int r = fill(p, deadline);
        if (r != PEER_OK)
            return r;
    }
}

int peer_port_byte(peer_port_t *p, char want, unsigned timeout_ms)
{
    uint64_t deadline = peer_now_ms() + timeout_ms;
    for (;;) {
        char *hit = memchr(p->buf, want, p->len);
        if (hit) {
            size_t k = (size_t)(hit - p->buf) + 1;
            memmove(p->buf, p->buf + k, p->len - k);
            p->len -= k;
            return PEER_OK;
        }
        int r = fill(p, deadline);
        if (r != PEER_OK)
            return r;
    }
}
