#include "simclient.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static pid_t started[64];
static int n_started;

/* A failed assertion longjmps past sp_stop: never leave a simulator behind. */
static void kill_all(void)
{
    for (int i = 0; i < n_started; i++)
        if (started[i] > 0 && kill(started[i], SIGTERM) == 0)
            waitpid(started[i], NULL, 0);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sp_prepare(simproc_t *p)
{
    if (p->dir[0])
        return 0;
    char tmpl[] = "simtest-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    snprintf(p->dir, sizeof p->dir, "%s/%s", cwd, tmpl);
    snprintf(p->ports, sizeof p->ports, "%s/ports", p->dir);
    return 0;
}

const char *sp_write_file(simproc_t *p, const char *name, const char *text)
{
    static char path[1200];
    sp_prepare(p);
    snprintf(path, sizeof path, "%s/%s", p->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static int count_links(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int sp_start(simproc_t *p, int n_links, const char *const *args)
{
    if (sp_prepare(p) != 0)
        return -1;
    const char *argv[64];
    int n = 0;
    argv[n++] = FOTA_SIM_BIN;
    argv[n++] = "--ports";
    argv[n++] = p->ports;
    for (int i = 0; args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char log[700];
    snprintf(log, sizeof log, "%s/sim.log", p->dir);
    p->pid = fork();
    if (p->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (n_started == 0)
        atexit(kill_all);
    if (n_started < 64)
        started[n_started++] = p->pid;
    long long end = now_ms() + 10000;
    while (now_ms() < end) {
        if (count_links(p->ports) >= n_links)
            return 0;
        int st;
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            p->pid = 0;
            return -1;
        }
        usleep(5000);
    }
    return -1;
}

int sp_stop(simproc_t *p)
{
    int exit_bad = 0;
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        int st = 0;
        waitpid(p->pid, &st, 0);
        p->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            /* a crash or a sanitizer report (leak, overflow) in the simulator */
            fprintf(stderr, "fota-sim exited with status %#x; see %s/sim.log\n", st, p->dir);
            exit_bad = 1;
        }
        for (int i = 0; i < n_started; i++)
            if (started[i] == p->pid)
                started[i] = 0;
        p->pid = 0;
    }
    int left = count_links(p->ports) + (exit_bad ? 1000 : 0);
    if (left == 0 && !getenv("FOTA_SIM_KEEP") && p->dir[0]) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", p->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", p->dir);
        p->dir[0] = 0;
    }
    return left;
}

const char *sp_link(simproc_t *p, const char *slot)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", p->ports, slot);
    return path;
}

int sp_wait_link(const char *path, const char *not_target, int timeout_ms, char *target, size_t cap)
{
    long long end = now_ms() + timeout_ms;
    char t[256];
    do {
        ssize_t n = readlink(path, t, sizeof t - 1);
        if (n > 0) {
            t[n] = 0;
            if (!not_target || strcmp(t, not_target) != 0) {
                if (target)
                    snprintf(target, cap, "%s", t);
                return 0;
            }
        }
        usleep(2000);
    } while (now_ms() < end);
    return -1;
}

int sp_wait_no_link(const char *path, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    char t[256];
    do {
        if (readlink(path, t, sizeof t) < 0 && errno == ENOENT)
            return 0;
        usleep(2000);
    } while (now_ms() < end);
    return -1;
}

const char *sp_mkpkg(simproc_t *p, const char *name, const char *args)
{
    static char path[1200];
    char cmd[4096];
    sp_prepare(p);
    snprintf(path, sizeof path, "%s/%s", p->dir, name);
    snprintf(cmd, sizeof cmd, "'%s' mkpkg %s -o '%s' >/dev/null", FOTA_SIM_BIN, args, path);
    return system(cmd) == 0 ? path : NULL;
}

int sc_open(simconn_t *c, const char *path)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", path);
    ssize_t tn = readlink(path, c->target, sizeof c->target - 1);
    c->target[tn > 0 ? tn : 0] = 0;
    c->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (c->fd < 0)
        return -1;
    struct termios t;
    tcgetattr(c->fd, &t);
    cfmakeraw(&t);
    tcsetattr(c->fd, TCSANOW, &t);
    return 0;
}

void sc_close(simconn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

int sc_write(simconn_t *c, const void *p, size_t n)
{
    const char *s = p;
    long long end = now_ms() + 10000;
    while (n > 0) {
        ssize_t w = write(c->fd, s, n);
        if (w > 0) {
            s += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN)
            return -1;
        if (now_ms() > end)
            return -1;
        struct pollfd pf = {c->fd, POLLOUT, 0};
        poll(&pf, 1, 10);
    }
    return 0;
}

int sc_cmd(simconn_t *c, const char *cmd)
{
    if (sc_write(c, cmd, strlen(cmd)) != 0)
        return -1;
    return sc_write(c, "\r", 1);
}

/* returns -2 on hangup */
static int read_some(simconn_t *c, int wait_ms)
{
    struct pollfd pf = {c->fd, POLLIN, 0};
    int r = poll(&pf, 1, wait_ms);
    if (r <= 0)
        return 0;
    if (c->len >= sizeof c->buf - 1) { /* keep the tail */
        memmove(c->buf, c->buf + sizeof c->buf / 2, c->len - sizeof c->buf / 2);
        c->len -= sizeof c->buf / 2;
    }
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
    if (n > 0) {
        c->len += (size_t)n;
        c->buf[c->len] = 0;
        return (int)n;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
        return -2;
    if (pf.revents & (POLLHUP | POLLERR))
        return -2;
    return 0;
}

static char *find(simconn_t *c, const char *needle)
{
    size_t nl = strlen(needle);
    if (c->len < nl)
        return NULL;
    for (size_t i = 0; i + nl <= c->len; i++) /* the buffer may hold NUL bytes */
        if (memcmp(c->buf + i, needle, nl) == 0)
            return c->buf + i;
    return NULL;
}

int sc_expect_not(simconn_t *c, const char *needle, const char *bad, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    for (;;) {
        char *hit = find(c, needle);
        char *b = bad ? find(c, bad) : NULL;
        if (b && (!hit || b < hit))
            return -3;
        if (hit) {
            size_t used = (size_t)(hit - c->buf) + strlen(needle);
            size_t keep = used < sizeof c->seen - 1 ? used : sizeof c->seen - 1;
            memcpy(c->seen, c->buf + used - keep, keep);
            c->seen[keep] = 0;
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            c->buf[c->len] = 0;
            return 0;
        }
        long long left = end - now_ms();
        if (left <= 0)
            return -1;
        if (read_some(c, (int)(left < 50 ? left : 50)) == -2 && !find(c, needle))
            return -2;
    }
}

int sc_expect(simconn_t *c, const char *needle, int timeout_ms)
{
    return sc_expect_not(c, needle, NULL, timeout_ms);
}

int sc_at(simconn_t *c, const char *cmd, int timeout_ms)
{
    static const struct { const char *text; int rc; } finals[] = {
        {"\r\nOK\r\n", 0}, {"\r\nERROR\r\n", 1}, {"+CME ERROR: ", 1}, {"\r\nCONNECT\r\n", 2}};
    if (sc_cmd(c, cmd) != 0)
        return -2;
    long long end = now_ms() + timeout_ms;
    for (;;) {
        char *best = NULL;
        int rc = -1;
        size_t blen = 0;
        for (size_t i = 0; i < 4; i++) {
            char *h = find(c, finals[i].text);
            if (h && (!best || h < best)) {
                best = h;
                rc = finals[i].rc;
                blen = strlen(finals[i].text);
            }
        }
        if (best && rc == 1 && finals[2].text[0] == best[0]) { /* +CME ERROR: <code>\r\n */
            char *e = strstr(best, "\r\n");
            if (!e)
                best = NULL;
            else
                blen = (size_t)(e + 2 - best);
        }
        if (best) {
            size_t used = (size_t)(best - c->buf) + blen;
            size_t keep = used < sizeof c->seen - 1 ? used : sizeof c->seen - 1;
            memcpy(c->seen, c->buf + used - keep, keep);
            c->seen[keep] = 0;
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            c->buf[c->len] = 0;
            return rc;
        }
        long long left = end - now_ms();
        if (left <= 0)
            return -1;
        if (read_some(c, (int)(left < 50 ? left : 50)) == -2)
            return -2;
    }
}

int sc_wait_gone(simconn_t *c, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    while (now_ms() < end)
        if (read_some(c, 20) == -2)
            return 0;
    return -1;
}

void sc_drain(simconn_t *c, int ms)
{
    long long end = now_ms() + ms;
    while (now_ms() < end)
        if (read_some(c, 10) == -2)
            return;
}

int sc_reopen(simconn_t *c, int timeout_ms)
{
    char old[256], path[1200];
    snprintf(path, sizeof path, "%s", c->path);
    snprintf(old, sizeof old, "%s", c->target);
    sc_close(c);
    if (sp_wait_link(path, old[0] ? old : NULL, timeout_ms, NULL, 0) != 0)
        return -1;
    return sc_open(c, path);
}

int sp_start_scenario(simproc_t *p, const char *yaml, int n_links)
{
    memset(p, 0, sizeof *p);
    const char *path = sp_write_file(p, "scenario.yaml", yaml);
    if (!path)
        return -1;
    const char *args[] = {"--scenario", path, "--speed", "1000", "--verbose", NULL};
    return sp_start(p, n_links, args);
}

unsigned char *sp_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc((size_t)len + 1)) != NULL && fread(b, 1, (size_t)len, f) == (size_t)len) {
        b[len] = '\0';
        *n = (size_t)len;
    } else {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}
