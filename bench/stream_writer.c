/* stream-writer: the yardstick of bench/stream.py. One poll() loop, no threads,
 * pushes one package into N fota-sim ptys at once with plain write() calls, as
 * fast as the ptys take it. It speaks only what puts a module in data mode and
 * what the method itself needs per byte (plain writes of -w bytes, 4096 by default):
 *   stream  AT+QCFG="usbifc",2,2; AT+QFOTADL="FILE:<n>"; FILESTART; the bytes
 *   qfua    AT+IFC=2,2; AT+QFUA; CONNECT; the bytes; guard, "+++", guard
 *   local   AT+QFUPL="<name>",<n>,60,1; CONNECT; 1024-byte blocks, each waiting
 *           for its 'A' (the one-round-trip-per-block bound); +QFUPL:; OK
 *   qfaw    AT+QFAI; one AT+QFAW="<hex>" per --chunk bytes, each waiting for OK
 *           (the one-round-trip-per-chunk bound); AT+QFAU
 * Per port it times the data phase: from the first data byte (stream, qfua,
 * local) or the first AT+QFAW (qfaw) to the last write returning (stream,
 * qfua), the upload's OK (local) or the last chunk's OK (qfaw): the same points
 * bench/stream.py reads from the station's per-module logs.
 * Output: one line per port "port <i> bytes <n> start <s> end <s>" (CLOCK_REALTIME,
 * seconds), then "total ...". Benchmark code, not a test. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 256
#define ACK_BLOCK 1024

typedef enum { M_STREAM, M_QFUA, M_LOCAL, M_QFAW } method_t;
typedef enum { P_SETUP, P_DATA, P_WAIT_ACK, P_WAIT_OK, P_TAIL, P_DONE } phase_t;

typedef struct {
    int fd;
    phase_t phase;
    int setup;          /* index of the setup step */
    size_t off;         /* package bytes written (or taken, qfaw) */
    size_t inflight;    /* qfaw chunk / local block waiting for its answer */
    char in[8192];
    size_t in_len;
    char cmd[1024];     /* the command line being written */
    size_t cmd_len, cmd_off;
    double start, end;
} port_t;

static const uint8_t *pkg;
static size_t pkg_len, chunk = 225, raw_write = 4096; /* -w: bytes per write() */
static method_t method;
static const char *upl_name = "stream.bin";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Queues a command line; it is written from the poll loop. */
static void put_cmd(port_t *p, const char *text)
{
    p->cmd_len = (size_t)snprintf(p->cmd, sizeof p->cmd, "%s\r", text);
    p->cmd_off = 0;
}

static void put_qfaw(port_t *p)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t b = pkg_len - p->off < chunk ? pkg_len - p->off : chunk;
    char *o = p->cmd + sprintf(p->cmd, "AT+QFAW=\"");
    for (size_t i = 0; i < b; i++) {
        *o++ = hex[pkg[p->off + i] >> 4];
        *o++ = hex[pkg[p->off + i] & 15];
    }
    o += sprintf(o, "\"\r");
    p->cmd_len = (size_t)(o - p->cmd);
    p->cmd_off = 0;
    p->inflight = b;
}

/* The setup dialogue: step k's command and the text that ends it. NULL: done. */
static const char *setup_step(int k, const char **until, char *buf, size_t cap)
{
    switch (method) {
    case M_STREAM:
        *until = k == 0 ? "OK" : "FILESTART";
        if (k == 0)
            return "AT+QCFG=\"usbifc\",2,2";
        if (k == 1) {
            snprintf(buf, cap, "AT+QFOTADL=\"FILE:%zu\"", pkg_len);
            return buf;
        }
        return NULL;
    case M_QFUA:
        *until = k == 0 ? "OK" : "CONNECT";
        return k == 0 ? "AT+IFC=2,2" : k == 1 ? "AT+QFUA" : NULL;
    case M_LOCAL:
        *until = "CONNECT";
        if (k == 0) {
            snprintf(buf, cap, "AT+QFUPL=\"%s\",%zu,60,1", upl_name, pkg_len);
            return buf;
        }
        return NULL;
    case M_QFAW:
        *until = "OK";
        return k == 0 ? "AT+QFAI" : NULL;
    }
    return NULL;
}

static void start_setup(port_t *p)
{
    const char *until;
    char buf[160];
    const char *c = setup_step(p->setup, &until, buf, sizeof buf);
    if (c) {
        put_cmd(p, c);
        return;
    }
    p->phase = P_DATA; /* the data phase's clock starts with its first write */
    p->start = now_s();
    if (method == M_QFAW) {
        put_qfaw(p);
        p->phase = P_WAIT_OK;
    }
}

static int seen(port_t *p, const char *needle)
{
    p->in[p->in_len] = '\0';
    char *at = strstr(p->in, needle);
    if (!at)
        return 0;
    size_t used = (size_t)(at - p->in) + strlen(needle);
    memmove(p->in, p->in + used, p->in_len - used);
    p->in_len -= used;
    return 1;
}

static void on_input(port_t *p)
{
    if (p->in_len >= sizeof p->in - 1)
        p->in_len = 0; /* only short answers matter: drop old text */
    ssize_t n = read(p->fd, p->in + p->in_len, sizeof p->in - 1 - p->in_len);
    if (n <= 0)
        return;
    p->in_len += (size_t)n;
    if (p->phase == P_SETUP && p->cmd_off == p->cmd_len) {
        const char *until;
        char buf[160];
        setup_step(p->setup, &until, buf, sizeof buf);
        if (seen(p, until)) {
            p->setup++;
            start_setup(p);
        }
    } else if (p->phase == P_WAIT_ACK && seen(p, "A")) {
        p->phase = P_DATA;
    } else if (p->phase == P_WAIT_OK && p->cmd_off == p->cmd_len && seen(p, "OK")) {
        p->off += p->inflight;
        if (method == M_QFAW && p->off < pkg_len) {
            put_qfaw(p);
            return;
        }
        p->end = now_s();
        p->phase = P_TAIL;
        if (method == M_QFAW)
            put_cmd(p, "AT+QFAU");
    }
}

/* Writes what the port is due: a command line, or package bytes. */
static void on_output(port_t *p)
{
    if (p->cmd_off < p->cmd_len) {
        ssize_t n = write(p->fd, p->cmd + p->cmd_off, p->cmd_len - p->cmd_off);
        if (n > 0)
            p->cmd_off += (size_t)n;
        if (p->phase == P_TAIL && p->cmd_off == p->cmd_len)
            p->phase = P_DONE;
        return;
    }
    if (p->phase != P_DATA)
        return;
    size_t want = pkg_len - p->off;
    if (method == M_LOCAL && want > ACK_BLOCK)
        want = ACK_BLOCK;
    else if (want > raw_write)
        want = raw_write;
    ssize_t n = write(p->fd, pkg + p->off, want);
    if (n <= 0)
        return;
    p->off += (size_t)n;
    /* a plain loop: keep writing until the pty is full (EAGAIN) or all is out */
    while (method != M_LOCAL && p->off < pkg_len) {
        want = pkg_len - p->off < raw_write ? pkg_len - p->off : raw_write;
        n = write(p->fd, pkg + p->off, want);
        if (n <= 0)
            break;
        p->off += (size_t)n;
    }
    if (method == M_LOCAL) {
        if (p->off % ACK_BLOCK == 0 && p->off < pkg_len)
            p->phase = P_WAIT_ACK;
        else if (p->off == pkg_len) {
            p->phase = P_WAIT_OK; /* +QFUPL: <n>,<sum> then OK */
            p->inflight = 0;
        }
        return;
    }
    if (p->off == pkg_len) {
        p->end = now_s();
        p->phase = P_TAIL;
    }
}

static void open_port(port_t *p, const char *path)
{
    p->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (p->fd < 0)
        die(path);
    struct termios t;
    if (tcgetattr(p->fd, &t) == 0) {
        cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        tcsetattr(p->fd, TCSANOW, &t);
    }
    start_setup(p);
}

static void map_package(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        die(path);
    pkg_len = (size_t)st.st_size;
    pkg = mmap(NULL, pkg_len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (pkg == MAP_FAILED)
        die("mmap");
    close(fd);
}

/* qfua's end: silence, "+++", silence (the module's guard time) */
static void qfua_escape(port_t *ports, int n, int guard_ms)
{
    usleep((useconds_t)guard_ms * 1000u);
    for (int i = 0; i < n; i++)
        if (write(ports[i].fd, "+++", 3) != 3)
            perror("+++");
    usleep((useconds_t)guard_ms * 1000u);
}

int main(int argc, char **argv)
{
    int opt, guard_ms = 1100;
    const char *pkg_path = NULL, *m = NULL;
    while ((opt = getopt(argc, argv, "m:p:c:g:n:w:")) != -1) {
        switch (opt) {
        case 'm': m = optarg; break;
        case 'p': pkg_path = optarg; break;
        case 'c': chunk = (size_t)atoi(optarg); break;
        case 'g': guard_ms = atoi(optarg); break;
        case 'n': upl_name = optarg; break;
        case 'w': raw_write = (size_t)atol(optarg); break;
        default: m = NULL; optind = argc + 1; break;
        }
    }
    static const char *const names[] = {"stream", "qfua", "local", "qfaw"};
    method = (method_t)-1;
    for (int k = 0; m && k < 4; k++)
        if (strcmp(m, names[k]) == 0)
            method = (method_t)k;
    int n = argc - optind;
    if ((int)method < 0 || !pkg_path || n < 1 || n > MAX_PORTS || chunk < 1 || chunk > 450 ||
        raw_write < 1) {
        fprintf(stderr, "usage: stream-writer -m stream|qfua|local|qfaw -p PACKAGE [-c CHUNK]\n"
                        "                     [-g GUARD_MS] [-n UPLOAD_NAME] [-w WRITE_BYTES] PTY...\n");
        return 2;
    }
    map_package(pkg_path);
    static port_t ports[MAX_PORTS];
    struct pollfd pfd[MAX_PORTS];
    for (int i = 0; i < n; i++)
        open_port(&ports[i], argv[optind + i]);
    for (int done = 0; done < n;) {
        for (int i = 0; i < n; i++) {
            port_t *p = &ports[i];
            pfd[i].fd = p->phase == P_DONE ? -1 : p->fd;
            pfd[i].events = POLLIN;
            if (p->cmd_off < p->cmd_len || p->phase == P_DATA)
                pfd[i].events |= POLLOUT;
        }
        if (poll(pfd, (nfds_t)n, 30000) <= 0)
            die("poll (a module stopped answering)");
        done = 0;
        for (int i = 0; i < n; i++) {
            if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
                fprintf(stderr, "stream-writer: %s went away\n", argv[optind + i]);
                return 1;
            }
            if (pfd[i].revents & POLLIN)
                on_input(&ports[i]);
            /* also right after an answer: the next block or chunk leaves without
             * another poll() (a full pty just answers EAGAIN) */
            if (pfd[i].revents & (POLLOUT | POLLIN))
                on_output(&ports[i]);
            if (ports[i].phase == P_TAIL && ports[i].cmd_off == ports[i].cmd_len)
                ports[i].phase = P_DONE;
            done += ports[i].phase == P_DONE;
        }
    }
    if (method == M_QFUA)
        qfua_escape(ports, n, guard_ms);
    double first = ports[0].start, last = ports[0].end;
    for (int i = 0; i < n; i++) {
        printf("port %d bytes %zu start %.6f end %.6f\n", i, pkg_len, ports[i].start, ports[i].end);
        first = ports[i].start < first ? ports[i].start : first;
        last = ports[i].end > last ? ports[i].end : last;
    }
    printf("total bytes %zu ports %d window %.6f MB/s %.3f\n", pkg_len * (size_t)n, n, last - first,
           (double)pkg_len * n / (last - first) / 1e6);
    for (int i = 0; i < n; i++)
        close(ports[i].fd);
    return 0;
}
