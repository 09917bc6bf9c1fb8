/* LD_PRELOAD shim for the wall-clock tests: CLOCK_REALTIME (and gettimeofday,
 * time) read as the real clock plus an offset in seconds that the test writes to
 * the file named by FOTA_TEST_CLOCK_OFFSET_FILE, re-read on every call so a test can
 * step the clock while the process runs. Monotonic clocks pass through untouched:
 * the step is what NTP does to a running station.
 *
 * Raw system calls only: the shim can be called before the sanitizer runtime or
 * the dynamic linker's symbol lookup is ready, and must not recurse into itself. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long offset_s(void)
{
    const char *path = getenv("FOTA_TEST_CLOCK_OFFSET_FILE");
    if (!path)
        return 0;
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[32];
    long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
    syscall(SYS_close, fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    long long v = 0;
    int sign = 1, i = 0;
    if (buf[0] == '-') {
        sign = -1;
        i = 1;
    }
    for (; buf[i] >= '0' && buf[i] <= '9'; i++)
        v = v * 10 + (buf[i] - '0');
    return sign * v;
}

static int is_wall(clockid_t id)
{
    return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    long rc = syscall(SYS_clock_gettime, id, ts);
    if (rc == 0 && is_wall(id))
        ts->tv_sec += (time_t)offset_s();
    return (int)rc;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    tv->tv_sec = ts.tv_sec; /* declared non-null by the C library */
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

time_t time(time_t *t)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return (time_t)-1;
    if (t)
        *t = ts.tv_sec;
    return ts.tv_sec;
}
