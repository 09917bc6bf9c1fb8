/* flock(2) locks and their holders; see lock.h. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fota_types.h"
#include "iso_time.h"
#include "util.h"

/* The pid of the first granted lock on (dev, ino) in a /proc/locks listing:
 * "1: FLOCK  ADVISORY  WRITE 4711 00:19:5 0 EOF" (device major:minor in hex, inode
 * in decimal); lines with "->" are waiters, not holders; an OFD lock's pid is -1. */
static int locks_pid(const char *locks_path, dev_t dev, ino_t ino)
{
    FILE *f = fopen(locks_path, "r");
    if (!f)
        return -1;
    char line[256];
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        char kind[16], mode[16], rw[16];
        unsigned maj, min;
        unsigned long long inode;
        int pid;
        if (strstr(line, "->"))
            continue;
        if (sscanf(line, "%*d: %15s %15s %15s %d %x:%x:%llu", kind, mode, rw, &pid, &maj, &min,
                   &inode) == 7 &&
            maj == major(dev) && min == minor(dev) && inode == (unsigned long long)ino && pid > 0)
            found = pid;
    }
    fclose(f);
    return found;
}

/* The process's start: its starttime (clock ticks after boot, field 22 of
 * /proc/<pid>/stat, after the parenthesised name that may hold spaces) plus the
 * boot time (btime in /proc/stat). */
static void proc_started(int pid, char *buf, size_t len)
{
    char path[64], line[1024];
    buf[0] = '\0';
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')');
    unsigned long long ticks = 0;
    /* After ")": state (field 3) … starttime (field 22): 19 fields to skip. */
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                            "%*d %*d %*d %llu", &ticks) != 1)
        return;
    unsigned long long btime = 0;
    f = fopen("/proc/stat", "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f) && sscanf(line, "btime %llu", &btime) != 1)
        ;
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    if (!btime || hz <= 0)
        return;
    int64_t secs = (int64_t)(btime + ticks / (unsigned long long)hz);
    fota_iso_format_as(secs * 1000, FOTA_ISO_SECONDS, buf, len);
}

static void holder_fill(int pid, fota_lock_holder_t *h)
{
    memset(h, 0, sizeof *h);
    h->pid = pid;
    if (pid <= 0) {
        h->pid = -1;
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(h->program, sizeof h->program, f))
            h->program[strcspn(h->program, "\n")] = '\0';
        fclose(f);
    }
    proc_started(pid, h->started, sizeof h->started);
}

int fota_lock_holder_find(const char *locks_path, dev_t dev, ino_t ino, fota_lock_holder_t *h)
{
    holder_fill(locks_pid(locks_path, dev, ino), h);
    return h->pid > 0 ? 0 : FOTA_E_NOENT;
}

char *fota_lock_holder_words(const fota_lock_holder_t *h, char *buf, size_t len)
{
    if (h->pid <= 0) {
        snprintf(buf, len, "another process");
        return buf;
    }
    char prog[sizeof h->program * 4];
    fota_printable(h->program[0] ? h->program : "process", prog, sizeof prog);
    if (h->started[0])
        snprintf(buf, len, "%s pid %d (started %s)", prog, h->pid, h->started);
    else
        snprintf(buf, len, "%s pid %d", prog, h->pid);
    return buf;
}

/* The lock file as one process may use it: created when missing (never with
 * O_CREAT on an existing file, which fs.protected_regular refuses in a sticky
 * folder like /run/lock when another user owns the file), read-only when another
 * user's file may not be written (an flock needs no write access), never through a
 * symbolic link (a world-writable folder is no place to follow one). */
static int lock_file_open(const char *path, bool *writable)
{
    for (int tries = 0; tries < 8; tries++) {
        *writable = true;
        int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
            *writable = false;
            fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        }
        if (fd < 0 && errno == ENOENT) {
            *writable = true;
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (fd < 0 && errno == EEXIST)
                continue; /* another process created it just now */
        }
        return fd < 0 ? fota_error_from_errno(errno == ELOOP ? ENOTDIR : errno) : fd;
    }
    return FOTA_E_IO;
}

/* The holder named in the file (pid line) when the kernel's list has none (no
 * /proc): better than nothing. */
static int content_pid(int fd)
{
    char buf[64];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    int pid = -1;
    if (n > 0) {
        buf[n] = '\0';
        if (sscanf(buf, "pid %d", &pid) != 1)
            pid = -1;
    }
    return pid;
}

int fota_lock_file_take(const char *path, const char *note, int *fd_out, fota_lock_holder_t *h)
{
    bool writable;
    int fd = lock_file_open(path, &writable);
    if (fd < 0)
        return fd;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return FOTA_E_NOTREG;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            if (fota_lock_holder_find("/proc/locks", sb.st_dev, sb.st_ino, h) < 0)
                holder_fill(content_pid(fd), h);
            close(fd);
            return FOTA_E_BUSY;
        }
        close(fd);
        return fota_error_from_errno(e);
    }
    if (writable) {
        fota_lock_holder_t me;
        holder_fill((int)getpid(), &me);
        char text[PATH_MAX + 128];
        int n = snprintf(text, sizeof text, "pid %d\nstarted %s\n%s\n", me.pid,
                         me.started[0] ? me.started : "-", note ? note : "");
        if (n > 0 && ftruncate(fd, 0) == 0 &&
            pwrite(fd, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1, 0) < 0) {
            /* For people only: the lock itself is held. */
        }
    }
    *fd_out = fd;
    return 0;
}

int fota_lock_path_canonical(const char *path, char *out, size_t cap)
{
    char real[PATH_MAX];
    if (realpath(path, real)) {
        return fota_copy(out, cap, real) ? 0 : FOTA_E_RANGE;
    }
    /* Not there (yet): the parent's canonical path, then the last component. */
    char parent[PATH_MAX];
    if (!fota_copy(parent, sizeof parent, path))
        return FOTA_E_RANGE;
    size_t len = strlen(parent);
    while (len > 1 && parent[len - 1] == '/')
        parent[--len] = '\0';
    char *slash = strrchr(parent, '/');
    const char *base;
    if (!slash) {
        base = path;
        if (!realpath(".", real))
            return FOTA_E_NOENT;
        if (!fota_copy(out, cap, real))
            return FOTA_E_RANGE;
    } else {
        *slash = '\0';
        base = slash + 1;
        int rc = fota_lock_path_canonical(slash == parent ? "/" : parent, out, cap);
        if (rc < 0)
            return rc;
    }
    char tail[NAME_MAX + 2];
    if (!fota_copy(tail, sizeof tail, base))
        return FOTA_E_RANGE;
    tail[strcspn(tail, "/")] = '\0';
    size_t o = strlen(out);
    if (strcmp(tail, ".") == 0 || tail[0] == '\0')
        return 0;
    if (strcmp(tail, "..") == 0) { /* the parent exists (canonical): step out of it */
        char *s = strrchr(out, '/');
        if (s && s != out)
            *s = '\0';
        else
            out[1] = '\0';
        return 0;
    }
    if (o + 1 + strlen(tail) + 1 > cap)
        return FOTA_E_RANGE;
    snprintf(out + o, cap - o, "%s%s", o > 1 ? "/" : "", tail);
    return 0;
}

const char *fota_lock_dir(void)
{
    const char *env = getenv("FOTA_LOCK_DIR");
    if (env && env[0])
        return env;
    struct stat sb;
    return stat("/run/lock", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/run/lock" : "/tmp";
}

int fota_lock_name(const char *dir, const char *prefix, const char *path, const char *suffix,
                   char *out, size_t cap)
{
    char canon[PATH_MAX];
    int rc = fota_lock_path_canonical(path, canon, sizeof canon);
    if (rc < 0)
        return rc;
    uint64_t h = 1469598103934665603ull;
    for (const char *p = canon; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    int n = snprintf(out, cap, "%s/%s-%016llx%s", dir, prefix, (unsigned long long)h, suffix);
    return n > 0 && (size_t)n < cap ? 0 : FOTA_E_RANGE;
}
