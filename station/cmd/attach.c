/* The attach client (attach.h): the station renders each frame at this terminal's
 * size; the client copies frames to the terminal and typed bytes to the station.
 * q and ^C leave the viewer, never the station. */
#include "attach.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "attach_srv.h"
#include "cli.h"
#include "fota_types.h"
#include "scan_line.h"

static volatile sig_atomic_t resized, leave;

static void on_winch(int s)
{
    (void)s;
    resized = 1;
}

static void on_leave(int s)
{
    (void)s;
    leave = 1;
}

static void usage(FILE *f)
{
    fputs("usage: fota-station attach [--view] [--ports DIR | --db FILE]\n"
          "\n"
          "Shows the live dashboard of the station running on the ports folder DIR\n"
          "(default " FOTA_DEFAULT_PORTS ") or on the results file FILE, also one\n"
          "started with --no-dashboard (the service). Keys act as on the station's own\n"
          "terminal; scans set the operator or the batch. q or ^C leaves the viewer:\n"
          "the station keeps running.\n"
          "  --view         watch only: keys and scans are refused\n"
          "  --ports DIR    the station's --ports\n"
          "  --db FILE      the station's --db\n"
          "The socket is in $FOTA_LOCK_DIR, else /run/lock; members of the group\n"
          "fota-station may attach. Exit 0 (left), 2 (usage) or 3 (no station).\n",
          f);
}

static int send_all(int fd, const char *b, size_t n)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static void send_size(int fd)
{
    struct winsize ws;
    int cols = 80, rows = 24;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
        cols = ws.ws_col;
        rows = ws.ws_row;
    }
    char m[48];
    int n = snprintf(m, sizeof m, "size %d %d\n", cols, rows);
    send_all(fd, m, (size_t)n);
}

static int connect_to(const char *path, const char *what, const char *name)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    int e = errno;
    if (fd >= 0)
        close(fd);
    fprintf(stderr, "fota-station attach: no station to attach to on %s %s (socket %s: %s)%s\n",
            what, name, path, strerror(e),
            e == EACCES ? "; members of the group fota-station may attach"
            : e == ENOENT || e == ECONNREFUSED ? "; is `fota-station run` running with that "
                                                 "option, and the same FOTA_LOCK_DIR?"
                                               : "");
    return -1;
}

/* One typed byte: true when the viewer is to be left. A scan under way takes q as
 * a letter of the scan (the station's rule, scan_line.h). */
static bool typed(int fd, fota_scan_line_t *l, bool view_only, char c)
{
    if (c == 3)
        return true;
    fota_scan_feed_t r = view_only ? FOTA_SCAN_KEY : fota_scan_line_feed(l, c);
    if (r == FOTA_SCAN_KEY && (c == 'q' || c == 'Q'))
        return true;
    if (r == FOTA_SCAN_DONE)
        fota_scan_line_reset(l);
    char m[8];
    int n = snprintf(m, sizeof m, "k %02x\n", (unsigned char)c);
    send_all(fd, m, (size_t)n);
    return false;
}

static int relay(int fd, bool view_only)
{
    fota_scan_line_t line = {0};
    char buf[16384];
    bool in_open = true;
    int rc = 0;
    while (!leave) {
        if (resized) {
            resized = 0;
            send_size(fd);
        }
        struct pollfd p[2] = {{fd, POLLIN, 0}, {STDIN_FILENO, in_open ? POLLIN : 0, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) {
                rc = 1;
                break;
            }
            if (send_all(STDOUT_FILENO, buf, (size_t)n) < 0)
                break;
        }
        if (p[1].revents) {
            char k[64];
            ssize_t n = read(STDIN_FILENO, k, sizeof k);
            if (n <= 0) {
                in_open = false; /* keys ended (a pipe): keep watching */
                continue;
            }
            for (ssize_t i = 0; i < n; i++)
                if (typed(fd, &line, view_only, k[i]))
                    leave = 1;
        }
    }
    return rc;
}

int fota_attach_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"view", no_argument, NULL, 'v'},      {"ports", required_argument, NULL, 'p'},
        {"db", required_argument, NULL, 'd'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool view_only = false;
    const char *ports = NULL, *db = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'v': view_only = true; break;
        case 'p': ports = optarg; break;
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "fota-station attach: %s '%s'\n",
                    c == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || (ports && db)) {
        fputs(ports && db ? "fota-station attach: --ports or --db, not both\n"
                          : "fota-station attach: unexpected argument\n", stderr);
        usage(stderr);
        return 2;
    }
    const char *kind = db ? "db" : "ports", *name = db ? db : ports ? ports : FOTA_DEFAULT_PORTS;
    char path[128];
    int e = fota_attach_path(kind, name, path, sizeof path);
    if (e < 0) {
        fprintf(stderr, "fota-station attach: %s %s: %s\n", db ? "results file" : "ports folder",
                name, fota_strerror(e));
        return 3;
    }
    int fd = connect_to(path, db ? "results file" : "ports folder", name);
    if (fd < 0)
        return 3;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_winch};
    sigaction(SIGWINCH, &sa, NULL);
    sa.sa_handler = on_leave;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct termios saved, raw;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) { /* as the station's own terminal: bytes at once, no echo, ^C a byte */
        raw = saved;
        raw.c_iflag &= (tcflag_t) ~(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
        raw.c_lflag &= (tcflag_t) ~(ECHO | ICANON | IEXTEN | ISIG);
        raw.c_cflag |= CS8;
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
    }
    const char *hello = view_only ? "hello view\n" : "hello control\n";
    send_all(fd, hello, strlen(hello));
    send_size(fd);
    int gone = relay(fd, view_only);
    close(fd);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    /* Under the last frame, on a fresh line. */
    printf("\x1b[0m\r\n%s\n", gone ? "the station closed the connection (it stopped or was "
                                     "restarted)"
                                   : "left the viewer; the station keeps running");
    return 0;
}
